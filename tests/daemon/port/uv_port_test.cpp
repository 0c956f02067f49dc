// The libuv port on real loops and threads (through a LoopGroup, as the daemon
// uses it): after() timers fire on time and never early, a busy actor leaves
// other handles their turn, wakeups coalesce yet every posted message arrives
// exactly once in its sender's order, two loops play ping-pong, and critical
// sections nest. Every wait is bounded: a lost wakeup fails, never hangs.
#include "port/uv_port.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <thread>
#include <vector>

#include "lit/runtime.hpp"
#include "port/loop_group.hpp"

namespace {

using namespace lit::chart::dsl;
using namespace std::chrono_literals;
using lit::daemon::LoopGroup;
using lit::daemon::UvPort;
using Clock = std::chrono::steady_clock;

constexpr auto kPatience = 10s;  // how long a test waits for something that should take milliseconds

// Starts `actor` on loop `loop` (from that loop); true if it started.
bool start_on(LoopGroup& group, std::size_t loop, lit::ActorCore& actor) {
  lit::Reason failure;
  const bool started = group.start_actor(loop, actor, failure);
  EXPECT_TRUE(started) << failure.text;
  return started;
}

// ---- timers ---------------------------------------------------------------------------------

struct Alarm {
  struct Params {
    std::promise<void>* rang = nullptr;
  };
  explicit Alarm(const Params& params) : params(params) {}
  Params params;
  Clock::time_point armed_at{};
  lit::Millis armed_at_ms = 0;
  Clock::time_point rang_at{};
  lit::Millis rang_at_ms = 0;
};

constexpr auto alarm_chart = lit::chart::define<Alarm>("alarm",
                                                       initial("armed"),
                                                       state("armed",
                                                             entry([](Alarm& alarm, lit::chart::Step& step) {
                                                               alarm.armed_at = Clock::now();
                                                               alarm.armed_at_ms = lit::scheduler_of(step).now();
                                                             }),
                                                             after(50ms).to("rung")),
                                                       state("rung", entry([](Alarm& alarm, lit::chart::Step& step) {
                                                               alarm.rang_at = Clock::now();
                                                               alarm.rang_at_ms = lit::scheduler_of(step).now();
                                                               alarm.params.rang->set_value();
                                                             })));
const lit::chart::StateIndex kRung = lit::chart::table_of<alarm_chart>.find_state("rung");

using AlarmActor = lit::Actor<alarm_chart, lit::MailboxConfig{.capacity = 2}>;

TEST(UvPort, after_timer_fires_and_not_before_its_delay) {
  std::promise<void> rang;
  AlarmActor alarm(AlarmActor::Params{&rang});
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  ASSERT_TRUE(start_on(group, 0, alarm));
  ASSERT_EQ(rang.get_future().wait_for(kPatience), std::future_status::ready);
  group.stop();
  EXPECT_TRUE(alarm.is_in(kRung));
  // On the port's own millisecond clock the delay is whole; on a finer clock
  // it can look up to 1 ms short, because arming rounds "now" down.
  EXPECT_GE(alarm.context().rang_at_ms - alarm.context().armed_at_ms, 50U);
  EXPECT_GE(alarm.context().rang_at - alarm.context().armed_at, 49ms);
}

// Three alarms of different delays on one loop ring in deadline order.
struct Chime {
  struct Params {
    std::vector<int>* order = nullptr;
    int id = 0;
    std::promise<void>* all_rung = nullptr;
  };
  explicit Chime(const Params& params) : params(params) {}
  Params params;
};

template <int DelayMs>
constexpr auto chime_chart = lit::chart::define<Chime>("chime",
                                                       initial("waiting"),
                                                       state("waiting",
                                                             after(std::chrono::milliseconds(DelayMs)).to("rung")),
                                                       state("rung", entry([](Chime& chime) {
                                                               chime.params.order->push_back(chime.params.id);
                                                               if (chime.params.order->size() == 3)
                                                                 chime.params.all_rung->set_value();
                                                             })));

TEST(UvPort, timers_of_one_loop_fire_in_deadline_order_whatever_the_arming_order) {
  std::vector<int> order;  // appended on the loop only
  std::promise<void> all_rung;
  lit::Actor<chime_chart<60>, lit::MailboxConfig{.capacity = 1}> slow({&order, 60, &all_rung});
  lit::Actor<chime_chart<10>, lit::MailboxConfig{.capacity = 1}> fast({&order, 10, &all_rung});
  lit::Actor<chime_chart<30>, lit::MailboxConfig{.capacity = 1}> middle({&order, 30, &all_rung});
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  group.call_sync(0, [&] {
    lit::Reason failure;
    ASSERT_TRUE(group.scheduler(0).start(slow, nullptr, failure));
    ASSERT_TRUE(group.scheduler(0).start(fast, nullptr, failure));
    ASSERT_TRUE(group.scheduler(0).start(middle, nullptr, failure));
  });
  ASSERT_EQ(all_rung.get_future().wait_for(kPatience), std::future_status::ready);
  group.stop();
  EXPECT_EQ(order, (std::vector<int>{10, 30, 60}));
}

// An actor that keeps itself busy forever: each "spin" sends the next.
struct Spinner {
  std::atomic<std::uint64_t> spins{0};
};
void spin(Spinner& spinner, lit::chart::Step& step);
constexpr auto spinner_chart = lit::chart::define<Spinner>(
    "spinner",
    initial("spinning"),
    state("spinning", on("spin").then([](Spinner& spinner, lit::chart::Step& step) { spin(spinner, step); })));
constexpr lit::chart::EventId kSpin = spinner_chart.event("spin");

void spin(Spinner& spinner, lit::chart::Step& step) {
  spinner.spins.fetch_add(1, std::memory_order_relaxed);
  const lit::Address<lit::NoPayload> self{lit::self_of(step)};
  if (lit::scheduler_of(step).send(self, kSpin) != lit::SendResult::ok) step.fail("could not spin");
}

TEST(UvPort, a_busy_actor_does_not_starve_the_loops_other_handles) {
  lit::Actor<spinner_chart, lit::MailboxConfig{.capacity = 2}> spinner;
  LoopGroup group({.workers = 1, .activations_per_turn = 1});
  ASSERT_TRUE(group.start());
  ASSERT_TRUE(start_on(group, 0, spinner));
  ASSERT_TRUE(
      group.call_sync(0, [&] { EXPECT_EQ(group.scheduler(0).send(spinner.address(), kSpin), lit::SendResult::ok); }));
  // A closure (the group's async) and a uv_timer of someone else's both get
  // their turn while the actor never runs out of work.
  std::promise<std::uint64_t> timer_fired;
  uv_timer_t timer{};
  timer.data = &timer_fired;
  ASSERT_TRUE(group.call_sync(0, [&] {
    uv_timer_init(&group.loop(0), &timer);
    uv_timer_start(
        &timer,
        [](uv_timer_t* handle) {
          static_cast<std::promise<std::uint64_t>*>(handle->data)->set_value(uv_now(handle->loop));
          uv_close(reinterpret_cast<uv_handle_t*>(handle), nullptr);
        },
        5,
        0);
  }));
  std::future<std::uint64_t> fired = timer_fired.get_future();
  EXPECT_EQ(fired.wait_for(kPatience), std::future_status::ready);
  std::promise<void> closure_ran;
  ASSERT_TRUE(group.call(0, [&] { closure_ran.set_value(); }));
  EXPECT_EQ(closure_ran.get_future().wait_for(kPatience), std::future_status::ready);
  const std::uint64_t spins = spinner.context().spins.load(std::memory_order_relaxed);
  EXPECT_GT(spins, 0U);
  group.stop();
  EXPECT_TRUE(spinner.alive());
  EXPECT_GE(spinner.context().spins.load(), spins);
}

// ---- messages from other threads ----------------------------------------------------------------

struct Stamp {
  std::uint32_t sender = 0;
  std::uint32_t sequence = 0;
};

constexpr std::size_t kSenders = 8;

// Counts what arrives per sender and notes any message out of its sender's order.
struct Tally {
  struct Params {
    std::uint64_t expected = 0;
    std::promise<void>* complete = nullptr;
  };
  explicit Tally(const Params& params) : params(params) {}
  Params params;
  std::array<std::uint32_t, kSenders> next{};
  std::uint64_t received = 0;
  std::uint64_t out_of_order = 0;
};

constexpr auto tally_chart = lit::chart::define<Tally>(
    "tally", initial("counting"), state("counting", on("stamp").then([](Tally& tally, lit::chart::Step& step) {
      const Stamp& stamp = *static_cast<const Stamp*>(step.event().data);
      if (stamp.sequence != tally.next.at(stamp.sender)) ++tally.out_of_order;
      tally.next.at(stamp.sender) = stamp.sequence + 1;
      if (++tally.received == tally.params.expected) tally.params.complete->set_value();
    })));
constexpr lit::chart::EventId kStamp = tally_chart.event("stamp");

// A small remote inbox, so senders also meet `full` and retry.
using SmallTallyActor = lit::Actor<tally_chart, lit::MailboxConfig{.capacity = 16, .remote_capacity = 64}, Stamp>;
using WideTallyActor = lit::Actor<tally_chart, lit::MailboxConfig{.capacity = 16, .remote_capacity = 1024}, Stamp>;

// Posts until accepted; `full` is back-pressure, anything else a failure.
bool post_until_accepted(const lit::Address<Stamp>& to, Stamp stamp) {
  for (;;) {
    const lit::SendResult result = lit::post(to, kStamp, stamp);
    if (result == lit::SendResult::ok) return true;
    if (result != lit::SendResult::full) return false;
    std::this_thread::yield();
  }
}

TEST(UvPort, messages_from_many_threads_arrive_exactly_once_in_each_senders_order) {
  constexpr std::uint32_t kPerSender = 20'000;
  std::promise<void> complete;
  SmallTallyActor tally(SmallTallyActor::Params{kSenders * kPerSender, &complete});
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  ASSERT_TRUE(start_on(group, 0, tally));
  const lit::Address<Stamp> address = tally.address();
  std::atomic<std::size_t> refused{0};
  std::vector<std::thread> senders;
  senders.reserve(kSenders);
  for (std::uint32_t s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      for (std::uint32_t i = 0; i < kPerSender; ++i) {
        if (!post_until_accepted(address, Stamp{s, i})) refused.fetch_add(1);
      }
    });
  }
  for (std::thread& sender : senders) sender.join();
  ASSERT_EQ(complete.get_future().wait_for(kPatience), std::future_status::ready);
  group.stop();
  EXPECT_EQ(refused.load(), 0U);
  EXPECT_EQ(tally.context().received, kSenders * kPerSender);
  EXPECT_EQ(tally.context().out_of_order, 0U);
  for (std::uint32_t next : tally.context().next) EXPECT_EQ(next, kPerSender);
  EXPECT_EQ(group.scheduler(0).dead_letters(), 0U);
}

TEST(UvPort, wakeups_from_other_threads_coalesce_while_the_loop_is_busy) {
  constexpr std::uint32_t kPerSender = 100;
  std::promise<void> complete;
  WideTallyActor tally(WideTallyActor::Params{kSenders * kPerSender, &complete});
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  ASSERT_TRUE(start_on(group, 0, tally));
  std::uint64_t wakeups_before = 0;
  group.call_sync(0, [&] { wakeups_before = group.port(0).cross_thread_wakeups(); });
  // Keep the loop busy in a closure while every sender posts; the senders
  // start only once the loop is inside it (a post before that could wake the
  // loop once more on its way there).
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  ASSERT_TRUE(group.call(0, [released, &entered] {
    entered.set_value();
    released.wait();
  }));
  entered.get_future().wait();
  std::vector<std::thread> senders;
  senders.reserve(kSenders);
  for (std::uint32_t s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      for (std::uint32_t i = 0; i < kPerSender; ++i)
        EXPECT_EQ(lit::post(tally.address(), kStamp, Stamp{s, i}), lit::SendResult::ok);
    });
  }
  for (std::thread& sender : senders) sender.join();
  release.set_value();
  ASSERT_EQ(complete.get_future().wait_for(kPatience), std::future_status::ready);
  std::uint64_t wakeups_after = 0;
  group.call_sync(0, [&] { wakeups_after = group.port(0).cross_thread_wakeups(); });
  group.stop();
  EXPECT_EQ(tally.context().received, kSenders * kPerSender);
  EXPECT_EQ(tally.context().out_of_order, 0U);
  // 800 posts, at most one wakeup: the inbox signals once per drain, and
  // libuv folds what is sent while the loop is busy into one callback (none
  // at all if the loop was still awake when the posts began).
  EXPECT_LE(wakeups_after - wakeups_before, 1U);
}

// ---- two loops ----------------------------------------------------------------------------------

struct Ball {
  std::uint32_t count = 0;
};

struct Rally {
  std::uint32_t rounds = 0;
  std::array<lit::Address<Ball>, 2> players{};
  std::array<std::atomic<std::uint64_t>, 2> off_loop_hits{};  // actions run on a thread not their loop's
  std::promise<std::uint32_t> finished;
  LoopGroup* group = nullptr;
};

struct Player {
  struct Params {
    Rally* rally = nullptr;
    unsigned index = 0;
  };
  explicit Player(const Params& params) : params(params) {}
  Params params;
};

void play(Player& player, lit::chart::Step& step);

constexpr auto player_chart = lit::chart::define<Player>(
    "player",
    initial("playing"),
    state("playing", on("ball").then([](Player& player, lit::chart::Step& step) { play(player, step); })));
constexpr lit::chart::EventId kBall = player_chart.event("ball");

void play(Player& player, lit::chart::Step& step) {
  Rally& rally = *player.params.rally;
  const unsigned me = player.params.index;
  if (!rally.group->on_loop(me)) rally.off_loop_hits.at(me).fetch_add(1);
  std::uint32_t count = static_cast<const Ball*>(step.event().data)->count;
  if (me == 0 && count == rally.rounds) {
    rally.finished.set_value(count);
    return;
  }
  if (me == 0) ++count;
  const lit::SendResult sent = lit::scheduler_of(step).send(rally.players.at(1 - me), kBall, Ball{count});
  if (sent != lit::SendResult::ok) step.fail("the other player was gone");
}

using PlayerActor = lit::Actor<player_chart, lit::MailboxConfig{.capacity = 4, .remote_capacity = 4}, Ball>;

TEST(UvPort, actors_on_two_loops_play_ping_pong_each_on_its_own_thread) {
  Rally rally;
  rally.rounds = 10'000;
  PlayerActor serve(PlayerActor::Params{&rally, 0});
  PlayerActor answer(PlayerActor::Params{&rally, 1});
  LoopGroup group({.workers = 2});
  rally.group = &group;
  ASSERT_TRUE(group.start());
  ASSERT_TRUE(start_on(group, 0, serve));
  ASSERT_TRUE(start_on(group, 1, answer));
  rally.players = {serve.address(), answer.address()};
  std::future<std::uint32_t> finished = rally.finished.get_future();
  ASSERT_EQ(lit::post(serve.address(), kBall, Ball{0}), lit::SendResult::ok);
  ASSERT_EQ(finished.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(finished.get(), rally.rounds);
  group.stop();
  EXPECT_EQ(rally.off_loop_hits[0].load(), 0U);
  EXPECT_EQ(rally.off_loop_hits[1].load(), 0U);
  EXPECT_TRUE(serve.alive());
  EXPECT_TRUE(answer.alive());
}

TEST(UvPort, each_loop_has_its_own_loop_id) {
  LoopGroup group({.workers = 3, .first_loop_id = 4});
  ASSERT_TRUE(group.start());
  for (std::size_t i = 0; i < group.size(); ++i) {
    std::uint8_t id = 0;
    group.call_sync(i, [&] { id = group.scheduler(i).loop_id(); });
    EXPECT_EQ(id, 4 + i);
  }
}

// ---- the critical section ---------------------------------------------------------------------------

TEST(UvPort, critical_sections_nest_on_one_thread) {
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  UvPort& port = group.port(0);
  const std::uint32_t outer = port.enter_critical();
  const std::uint32_t inner = port.enter_critical();  // would deadlock on a plain mutex
  EXPECT_EQ(outer, 0U);
  EXPECT_EQ(inner, 1U);
  port.exit_critical(inner);
  port.exit_critical(outer);
  // Released by the outermost exit: another thread gets in.
  std::thread other([&] { port.exit_critical(port.enter_critical()); });
  other.join();
}

TEST(UvPort, an_inner_exit_keeps_other_threads_out_until_the_outermost_exit) {
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  UvPort& port = group.port(0);
  constexpr int kThreads = 4;
  constexpr int kRounds = 50'000;
  std::uint64_t counter = 0;  // guarded only by the port's critical section
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        const std::uint32_t outer = port.enter_critical();
        const std::uint32_t inner = port.enter_critical();
        ++counter;
        port.exit_critical(inner);
        ++counter;  // still inside the outer section
        port.exit_critical(outer);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counter, 2U * kThreads * kRounds);
}

}  // namespace

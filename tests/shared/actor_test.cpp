// Typed actors on the simulated port: lifecycle hooks (on_start, on_stop and
// the reason each stop carries), run-to-completion, after() timers and
// invoked activities through the scheduler (and their cancellation on exit,
// stop and restart), deferral with payloads, restarts under a supervisor, and
// the per-actor cost, sizeof(ActorCore).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "lit/runtime.hpp"
#include "sim/probe.hpp"
#include "sim/sim_port.hpp"

namespace {

using namespace lit::chart::dsl;
using namespace std::chrono_literals;
using lit::SendResult;
using lit::chart::Step;

struct Loop {
  Loop() : scheduler(port, {.watches = watches, .timers = timers}) { port.attach(scheduler); }
  void start(lit::ActorCore& actor) {
    lit::Reason failure;
    ASSERT_TRUE(scheduler.start(actor, nullptr, failure)) << failure.text;
  }
  lit::sim::SimPort port{1};
  std::array<lit::Watch, 4> watches{};
  std::array<lit::ActorTimer, 2> timers{};  // for actors with pooled timers
  lit::Scheduler scheduler;
};

std::string describe(lit::Reason reason) { return std::string(lit::to_string(reason.kind)) + ":" + reason.text; }

// ---- lifecycle --------------------------------------------------------------------------

// What the hooks saw; outlives the contexts (which go with each incarnation).
struct Journal {
  std::vector<std::string> lines;
  lit::ActorId started{};
  lit::Scheduler* scheduler = nullptr;
};

struct Life {
  struct Params {
    Journal* journal = nullptr;
    bool refuse = false;
    bool throw_on_start = false;
  };
  explicit Life(const Params& params) : params(params) {}
  bool on_start(lit::Self self) {
    incarnation = self.id.incarnation;
    params.journal->started = self.id;
    params.journal->scheduler = &self.scheduler;
    note("start");
    if (params.throw_on_start) throw std::runtime_error("no");
    return !params.refuse;
  }
  void on_stop(lit::Reason reason) { note("stop " + describe(reason)); }
  void note(const std::string& what) const {
    params.journal->lines.push_back(what + "#" + std::to_string(incarnation));
  }
  Params params;
  std::uint32_t incarnation = 0;
};

constexpr auto life_chart =
    lit::chart::define<Life>("life",
                             initial("idle"),
                             state("idle",
                                   exit([](Life& life) { life.note("exit idle"); }),
                                   on("finish").to("done"),
                                   on("break").then([](Step& step) { step.fail("broken valve"); }),
                                   on("throw").then([]() { throw std::runtime_error("escaped"); })),
                             final("done"));

using LifeActor = lit::Actor<life_chart, lit::MailboxConfig{.capacity = 4}>;
using Lines = std::vector<std::string>;

TEST(Actor, on_start_receives_its_own_id_and_scheduler) {
  Loop loop;
  Journal journal;
  LifeActor actor({&journal});
  loop.start(actor);
  EXPECT_EQ(journal.started, actor.id());
  EXPECT_EQ(journal.scheduler, &loop.scheduler);
  loop.scheduler.stop(actor, lit::Reason::shutdown());
}

TEST(Actor, on_start_and_on_stop_run_once_per_incarnation) {
  Loop loop;
  Journal journal;
  LifeActor actor({&journal});
  loop.start(actor);
  loop.port.run_until_idle();
  loop.scheduler.stop(actor, lit::Reason::shutdown());
  loop.scheduler.stop(actor, lit::Reason::shutdown());  // already stopped: nothing more
  loop.start(actor);
  loop.scheduler.stop(actor, lit::Reason::shutdown());
  EXPECT_EQ(
      journal.lines,
      (Lines{
          "start#1", "exit idle#1", "stop shutdown:shutdown#1", "start#2", "exit idle#2", "stop shutdown:shutdown#2"}));
}

TEST(Actor, on_stop_reason_is_normal_when_chart_reaches_final_state) {
  Loop loop;
  Journal journal;
  LifeActor actor({&journal});
  loop.start(actor);
  loop.scheduler.send(actor.address(), life_chart.event("finish"));
  loop.port.run_until_idle();
  EXPECT_FALSE(actor.alive());
  EXPECT_EQ(journal.lines, (Lines{"start#1", "exit idle#1", "stop normal:normal#1"}));
}

TEST(Actor, on_stop_reason_is_failed_with_the_fail_text) {
  Loop loop;
  Journal journal;
  LifeActor actor({&journal});
  loop.start(actor);
  loop.scheduler.send(actor.address(), life_chart.event("break"));
  loop.port.run_until_idle();
  EXPECT_FALSE(actor.alive());
  // A failed chart runs no exit actions.
  EXPECT_EQ(journal.lines, (Lines{"start#1", "stop failed:broken valve#1"}));
}

TEST(Actor, on_stop_reason_is_shutdown_when_stopped_and_exit_actions_run) {
  Loop loop;
  Journal journal;
  LifeActor actor({&journal});
  loop.start(actor);
  loop.scheduler.stop(actor, lit::Reason::shutdown());
  EXPECT_EQ(journal.lines, (Lines{"start#1", "exit idle#1", "stop shutdown:shutdown#1"}));
}

TEST(Actor, on_stop_reason_is_killed_when_killed_and_no_exit_actions_run) {
  Loop loop;
  Journal journal;
  LifeActor actor({&journal});
  loop.start(actor);
  loop.scheduler.stop(actor, lit::Reason::killed(), lit::StopMode::kill);
  EXPECT_FALSE(actor.alive());
  EXPECT_EQ(journal.lines, (Lines{"start#1", "stop killed:killed#1"}));
}

TEST(Actor, exception_escaping_an_action_fails_the_actor) {
  Loop loop;
  Journal journal;
  LifeActor actor({&journal});
  lit::sim::Probe probe(loop.port, loop.scheduler);
  loop.start(actor);
  const auto address = actor.address();
  loop.scheduler.send(address, life_chart.event("throw"));
  loop.port.run_until_idle();
  EXPECT_FALSE(actor.alive());
  EXPECT_EQ(journal.lines, (Lines{"start#1", "stop failed:exception escaped a handler#1"}));
  EXPECT_EQ(probe.lifecycle().back(), "0 exit life#1 failed:exception escaped a handler");
  EXPECT_EQ(loop.scheduler.send(address, life_chart.event("finish")), SendResult::dead);
}

TEST(Actor, on_start_returning_false_fails_the_start) {
  Loop loop;
  Journal journal;
  LifeActor actor({&journal, true});
  lit::sim::Probe probe(loop.port, loop.scheduler);
  const auto address = actor.address();
  lit::Reason failure;
  EXPECT_FALSE(loop.scheduler.start(actor, nullptr, failure));
  EXPECT_EQ(describe(failure), "failed:on_start refused");
  EXPECT_FALSE(actor.alive());
  EXPECT_TRUE(probe.lifecycle().empty());  // it never started
  // Every on_start is answered by exactly one on_stop, with the failure.
  EXPECT_EQ(journal.lines, (Lines{"start#1", "stop failed:on_start refused#1"}));
  EXPECT_EQ(loop.scheduler.send(address, life_chart.event("finish")), SendResult::dead);
  EXPECT_NE(actor.incarnation(), address.incarnation);
  // Nothing of it is left running.
  EXPECT_FALSE(loop.scheduler.has_ready());
  EXPECT_EQ(loop.scheduler.next_deadline(), lit::kNever);
}

TEST(Actor, on_start_throwing_fails_the_start) {
  Loop loop;
  Journal journal;
  LifeActor actor({&journal, false, true});
  lit::Reason failure;
  EXPECT_FALSE(loop.scheduler.start(actor, nullptr, failure));
  EXPECT_EQ(describe(failure), "failed:exception escaped a handler");
  EXPECT_FALSE(actor.alive());
  EXPECT_EQ(journal.lines, (Lines{"start#1", "stop failed:exception escaped a handler#1"}));
}

struct Fragile {
  struct Params {
    Journal* journal = nullptr;
  };
  explicit Fragile(const Params& params) : journal(params.journal) {}
  void on_stop(lit::Reason reason) { journal->lines.push_back("stop " + describe(reason)); }
  Journal* journal;
};
constexpr auto fragile_chart = lit::chart::define<Fragile>(
    "fragile",
    initial("warming"),
    state("warming", after(10ms).to("broken"), entry([](Step& step) { step.fail("cannot warm up"); })),
    state("broken"));

TEST(Actor, chart_failing_while_starting_fails_the_start_and_leaves_no_timer) {
  Loop loop;
  Journal journal;
  lit::Actor<fragile_chart> actor({&journal});
  lit::Reason failure;
  EXPECT_FALSE(loop.scheduler.start(actor, nullptr, failure));
  EXPECT_EQ(describe(failure), "failed:cannot warm up");
  EXPECT_EQ(journal.lines, (Lines{"stop failed:cannot warm up"}));
  EXPECT_EQ(loop.scheduler.next_deadline(), lit::kNever);
  loop.port.advance(100);
  EXPECT_FALSE(actor.alive());
}

// ---- one message at a time, to completion -------------------------------------------------

struct Relay {
  int depth = 0;
  int deepest = 0;
  std::array<int, 8> order{};
  std::size_t handled = 0;
};

struct Hop {
  int n = 0;
};

constexpr auto relay_chart =
    lit::chart::define<Relay>("relay", initial("on"), state("on", on("hop").then([](Relay& relay, Step& step) {
                                ++relay.depth;
                                relay.deepest = std::max(relay.deepest, relay.depth);
                                const int n = static_cast<const Hop*>(step.event().data)->n;
                                relay.order[relay.handled++] = n;
                                // Two messages to itself: neither runs inside this handler.
                                if (n < 3) {
                                  lit::Scheduler& scheduler = lit::scheduler_of(step);
                                  const lit::Address<Hop> self{lit::self_of(step)};
                                  scheduler.send(self, step.event_id(), Hop{2 * n + 1});
                                  scheduler.send(self, step.event_id(), Hop{2 * n + 2});
                                }
                                --relay.depth;
                              })));

TEST(Actor, handles_one_message_at_a_time_to_completion) {
  Loop loop;
  lit::Actor<relay_chart, lit::MailboxConfig{.capacity = 8}, Hop> relay;
  loop.start(relay);
  loop.scheduler.send(relay.address(), relay_chart.event("hop"), Hop{0});
  loop.port.run_until_idle();
  EXPECT_EQ(relay.context().deepest, 1);
  ASSERT_EQ(relay.context().handled, 7U);
  EXPECT_EQ(relay.context().order, (std::array<int, 8>{0, 1, 2, 3, 4, 5, 6, 0}));  // breadth first: FIFO
}

// ---- timers -----------------------------------------------------------------------------------

struct Blink {
  int early = 0;
  int late = 0;
};

constexpr auto blink_chart = lit::chart::define<Blink>(
    "blink",
    initial("off"),
    state("off", after(10ms).to("on"), on("hold").to("held")),
    // Two timers due at once: the first leaves the state, so the second,
    // fired but not yet delivered, must never be.
    state("on", after(5ms).to("off").then([](Blink& blink) { ++blink.early; }), after(5ms).then([](Blink& blink) {
      ++blink.late;
    })),
    state("held", on("release").to("off")));

using BlinkActor = lit::Actor<blink_chart>;
// Firmware declares actors as globals: a trivial context keeps them trivially
// destructible (no exit-time destructor to register).
static_assert(std::is_trivially_destructible_v<BlinkActor>);
// The same chart with its timers drawn from the scheduler's pool while armed.
using PooledBlinkActor = lit::Actor<blink_chart, lit::MailboxConfig{.pooled_timers = true}>;
static_assert(PooledBlinkActor::kMaxArmedTimers == 2);  // "on" arms two
static_assert(sizeof(PooledBlinkActor) < sizeof(BlinkActor));

// Every timer test runs with the timers inside the actor and from the pool.
template <class BlinkKind>
class Timers : public ::testing::Test {};
using TimerKinds = ::testing::Types<BlinkActor, PooledBlinkActor>;
TYPED_TEST_SUITE(Timers, TimerKinds);

TYPED_TEST(Timers, after_timer_is_armed_on_the_port_and_fires_through_it) {
  Loop loop;
  TypeParam blink;
  loop.start(blink);
  EXPECT_EQ(loop.port.deadline(), 10U);
  loop.port.advance(9);
  EXPECT_TRUE(blink.is_in(blink_chart.state("off")));
  loop.port.advance(1);
  EXPECT_TRUE(blink.is_in(blink_chart.state("on")));
  EXPECT_EQ(loop.port.deadline(), 15U);
}

TYPED_TEST(Timers, after_timer_is_cancelled_when_its_state_exits) {
  Loop loop;
  TypeParam blink;
  loop.start(blink);
  loop.port.advance(4);
  loop.scheduler.send(blink.address(), blink_chart.event("hold"));
  loop.port.run_until_idle();
  EXPECT_EQ(loop.port.deadline(), lit::kNever);
  loop.port.advance(100);
  EXPECT_TRUE(blink.is_in(blink_chart.state("held")));
}

TYPED_TEST(Timers, fired_timer_not_yet_delivered_is_dropped_when_its_state_exits) {
  Loop loop;
  TypeParam blink;
  loop.start(blink);
  loop.port.advance(15);  // on at 10; both timers fire at 15
  EXPECT_TRUE(blink.is_in(blink_chart.state("off")));
  EXPECT_EQ(blink.context().early, 1);
  EXPECT_EQ(blink.context().late, 0);
  loop.port.advance(15);  // on again at 25, both fire at 30: the same again
  EXPECT_EQ(blink.context().early, 2);
  EXPECT_EQ(blink.context().late, 0);
}

TYPED_TEST(Timers, timers_are_cancelled_when_the_actor_stops_or_restarts) {
  Loop loop;
  TypeParam blink;
  lit::sim::Probe probe(loop.port, loop.scheduler);
  loop.start(blink);
  loop.port.advance(5);
  loop.scheduler.stop(blink, lit::Reason::shutdown());
  EXPECT_EQ(loop.scheduler.next_deadline(), lit::kNever);
  loop.port.advance(20);
  EXPECT_TRUE(probe.deliveries().empty());
  // Restarted at 25: the new incarnation's timer counts from its own start.
  loop.start(blink);
  loop.port.advance(9);
  EXPECT_TRUE(blink.is_in(blink_chart.state("off")));
  EXPECT_TRUE(probe.deliveries().empty());
  loop.port.advance(1);
  EXPECT_TRUE(blink.is_in(blink_chart.state("on")));
  EXPECT_EQ(probe.deliveries().size(), 1U);
}

// ---- pooled timers -------------------------------------------------------------------------

TEST(PooledTimers, an_actor_holds_pool_timers_only_while_they_are_armed_and_gives_them_back) {
  Loop loop;  // a pool of two
  PooledBlinkActor blink;
  EXPECT_EQ(loop.scheduler.free_timers(), 2U);
  loop.start(blink);
  EXPECT_EQ(loop.scheduler.free_timers(), 1U);  // "off" arms one
  loop.port.advance(10);
  ASSERT_TRUE(blink.is_in(blink_chart.state("on")));
  EXPECT_EQ(loop.scheduler.free_timers(), 0U);  // "on" arms two
  loop.port.advance(5);                         // both fire: the first leaves "on", the second is never delivered
  ASSERT_TRUE(blink.is_in(blink_chart.state("off")));
  EXPECT_EQ(blink.context().early, 1);
  EXPECT_EQ(blink.context().late, 0);
  EXPECT_EQ(loop.scheduler.free_timers(), 1U);
  loop.scheduler.stop(blink, lit::Reason::shutdown());
  EXPECT_EQ(loop.scheduler.free_timers(), 2U);
  EXPECT_EQ(loop.scheduler.next_deadline(), lit::kNever);
  EXPECT_EQ(loop.scheduler.timer_shortfalls(), 0U);
}

TEST(PooledTimers, actors_share_a_pool_that_timer_pool_size_makes_big_enough) {
  constexpr std::size_t kPool = lit::timer_pool_size<PooledBlinkActor, PooledBlinkActor>();
  static_assert(kPool == 4);
  lit::sim::SimPort port{1};
  std::array<lit::ActorTimer, kPool> timers{};
  lit::Scheduler scheduler(port, {.timers = timers});
  port.attach(scheduler);
  PooledBlinkActor first;
  PooledBlinkActor second;
  lit::Reason failure;
  ASSERT_TRUE(scheduler.start(first, nullptr, failure));
  port.advance(3);
  ASSERT_TRUE(scheduler.start(second, nullptr, failure));
  port.advance(10);  // both "on" at 13: all four timers in use
  EXPECT_EQ(scheduler.free_timers(), 0U);
  port.advance(150);  // ten cycles of 15 ms each, three apart
  EXPECT_EQ(first.context().early, 10);
  EXPECT_EQ(second.context().early, 10);
  EXPECT_EQ(first.context().late + second.context().late, 0);
  EXPECT_EQ(scheduler.timer_shortfalls(), 0U);
}

TEST(PooledTimers, a_pool_too_small_fails_the_chart_that_wanted_one_more_and_says_so) {
  lit::sim::SimPort port{1};
  std::array<lit::ActorTimer, 1> timers{};
  lit::Scheduler scheduler(port, {.timers = timers});
  port.attach(scheduler);
  lit::sim::Probe probe(port, scheduler);
  PooledBlinkActor blink;
  lit::Reason failure;
  ASSERT_TRUE(scheduler.start(blink, nullptr, failure));  // "off" takes the one timer
  port.advance(10);                                       // "on" wants two
  EXPECT_FALSE(blink.alive());
  EXPECT_EQ(scheduler.timer_shortfalls(), 1U);
  EXPECT_EQ(scheduler.free_timers(), 1U);  // the failed incarnation gave back what it held
  ASSERT_FALSE(probe.lifecycle().empty());
  EXPECT_NE(probe.lifecycle().back().find("failed:after(): the timer pool is empty"), std::string::npos)
      << probe.lifecycle().back();
}

// Kills its victim from the action of a timer due at the same instant as the
// victim's own: the victim's timer has fired but is not delivered yet.
struct Killer {
  struct Params {
    lit::ActorCore* victim = nullptr;
  };
  explicit Killer(const Params& params) : victim(params.victim) {}
  lit::ActorCore* victim;
};
constexpr auto killer_chart = lit::chart::define<Killer>(
    "killer",
    initial("waiting"),
    state("waiting", after(10ms).to("done").then([](Killer& killer, Step& step) {
      lit::scheduler_of(step).stop(*killer.victim, lit::Reason::killed(), lit::StopMode::kill);
    })),
    state("done"));

TEST(Actor, fired_timer_is_not_delivered_after_a_kill) {
  Loop loop;
  BlinkActor blink;
  lit::Actor<killer_chart> killer({&blink});
  lit::sim::Probe probe(loop.port, loop.scheduler);
  loop.start(killer);
  loop.start(blink);
  loop.port.advance(10);  // both fire; the killer runs first
  EXPECT_FALSE(blink.alive());
  ASSERT_EQ(probe.deliveries().size(), 1U);
  EXPECT_EQ(probe.deliveries()[0].actor, &killer);
  loop.start(blink);
  loop.port.advance(9);
  EXPECT_EQ(probe.deliveries().size(), 1U);  // nothing for the new incarnation either
  EXPECT_TRUE(blink.is_in(blink_chart.state("off")));
}

// ---- invoked activities ---------------------------------------------------------------------------

struct Activities {
  std::vector<lit::chart::Activity> started;
  std::vector<bool> finish_results;
};

struct Fetch {
  struct Params {
    Activities* activities = nullptr;
  };
  explicit Fetch(const Params& params) : activities(params.activities) {}
  Activities* activities;
};

constexpr auto fetch_chart = lit::chart::define<Fetch>(
    "fetch",
    initial("idle"),
    state("idle", on("go").to("loading")),
    state("loading",
          invoke("download",
                 [](Fetch& fetch, const lit::chart::Activity& activity) {
                   fetch.activities->started.push_back(activity);
                 }),
          on("done.invoke.download").to("loaded"),
          on("error.invoke.download").to("failed"),
          on("abort").to("idle"),
          // Reports the outcome, then leaves in the same step: the pending
          // outcome goes with the state.
          on("finish_and_leave")
              .then(
                  [](Fetch& fetch, Step& step) {
                    fetch.activities->finish_results.push_back(
                        lit::scheduler_of(step).finish_activity(fetch.activities->started.back(), true));
                  },
                  raise("abort"))),
    state("loaded", on("go").to("loading")),
    state("failed"));

using FetchActor = lit::Actor<fetch_chart>;

struct FetchTest : ::testing::Test {
  Loop loop;
  Activities activities;
  FetchActor fetch{{&activities}};
  void go() {
    loop.scheduler.send(fetch.address(), fetch_chart.event("go"));
    loop.port.run_until_idle();
  }
  bool in(lit::chart::StateIndex state) const { return fetch.is_in(state); }
};

TEST_F(FetchTest, activity_outcome_is_delivered_through_the_scheduler) {
  loop.start(fetch);
  go();
  ASSERT_EQ(activities.started.size(), 1U);
  EXPECT_EQ(activities.started[0].owner, static_cast<void*>(&fetch));
  EXPECT_TRUE(loop.scheduler.finish_activity(activities.started[0], true));
  EXPECT_FALSE(loop.scheduler.finish_activity(activities.started[0], true));  // once only
  loop.port.run_until_idle();
  EXPECT_TRUE(in(fetch_chart.state("loaded")));
  go();
  EXPECT_TRUE(loop.scheduler.finish_activity(activities.started.at(1), false));
  loop.port.run_until_idle();
  EXPECT_TRUE(in(fetch_chart.state("failed")));
}

TEST_F(FetchTest, activity_cancelled_by_state_exit_is_never_delivered) {
  loop.start(fetch);
  go();
  loop.scheduler.send(fetch.address(), fetch_chart.event("abort"));
  loop.port.run_until_idle();
  EXPECT_FALSE(loop.scheduler.finish_activity(activities.started.at(0), true));
  loop.port.run_until_idle();
  EXPECT_TRUE(in(fetch_chart.state("idle")));
}

TEST_F(FetchTest, pending_activity_outcome_is_dropped_when_its_state_exits) {
  loop.start(fetch);
  go();
  loop.scheduler.send(fetch.address(), fetch_chart.event("finish_and_leave"));
  loop.port.run_until_idle();
  EXPECT_EQ(activities.finish_results, (std::vector<bool>{true}));  // accepted while the state was active
  EXPECT_TRUE(in(fetch_chart.state("idle")));                       // and never delivered
}

TEST_F(FetchTest, activity_is_cancelled_when_the_actor_stops_or_restarts) {
  loop.start(fetch);
  go();
  loop.scheduler.stop(fetch, lit::Reason::shutdown());
  EXPECT_FALSE(loop.scheduler.finish_activity(activities.started.at(0), true));
  loop.start(fetch);
  go();
  ASSERT_EQ(activities.started.size(), 2U);
  // The first incarnation's activity cannot reach the second's.
  EXPECT_FALSE(loop.scheduler.finish_activity(activities.started[0], true));
  loop.port.run_until_idle();
  EXPECT_TRUE(in(fetch_chart.state("loading")));
  // An outcome accepted but not yet delivered dies with its incarnation too.
  EXPECT_TRUE(loop.scheduler.finish_activity(activities.started[1], true));
  loop.scheduler.stop(fetch, lit::Reason::shutdown());
  loop.start(fetch);
  loop.port.run_until_idle();
  EXPECT_TRUE(in(fetch_chart.state("idle")));
}

// ---- deferral -----------------------------------------------------------------------------------

struct Job {
  int id = 0;
};

struct Worker {
  std::array<int, 16> done{};
  std::size_t count = 0;
};

constexpr auto worker_chart =
    lit::chart::define<Worker>("worker",
                               initial("ready"),
                               state("ready", on("job").to("busy").then([](Worker& worker, Step& step) {
                                 worker.done[worker.count++] = static_cast<const Job*>(step.event().data)->id;
                               })),
                               state("busy", defer("job"), on("finished").to("ready")));

using WorkerActor = lit::Actor<worker_chart, lit::MailboxConfig{.capacity = 8, .defer_capacity = 4}, Job>;
constexpr lit::chart::EventId kJob = worker_chart.event("job");
constexpr lit::chart::EventId kFinished = worker_chart.event("finished");

std::vector<int> done_jobs(WorkerActor& worker) {
  const Worker& context = worker.context();
  return {context.done.begin(), context.done.begin() + static_cast<std::ptrdiff_t>(context.count)};
}

TEST(Actor, deferred_messages_keep_their_payload_and_are_recalled_in_order) {
  Loop loop;
  WorkerActor worker;
  loop.start(worker);
  for (int id = 1; id <= 4; ++id) loop.scheduler.send(worker.address(), kJob, Job{id});
  loop.port.run_until_idle();
  EXPECT_EQ(done_jobs(worker), (std::vector<int>{1}));
  // Each "finished" recalls all kept jobs: the first runs, the rest are
  // deferred again, payload and order intact.
  for (int round = 2; round <= 4; ++round) {
    loop.scheduler.send(worker.address(), kFinished, Job{});
    loop.port.run_until_idle();
    std::vector<int> expected;
    for (int id = 1; id <= round; ++id) expected.push_back(id);
    EXPECT_EQ(done_jobs(worker), expected);
  }
}

TEST(Actor, recalled_messages_run_before_later_mailbox_messages_in_the_same_batch) {
  Loop loop;
  WorkerActor worker;
  loop.start(worker);
  loop.scheduler.send(worker.address(), kJob, Job{1});
  loop.scheduler.send(worker.address(), kJob, Job{2});  // deferred
  loop.scheduler.send(worker.address(), kFinished, Job{});
  loop.scheduler.send(worker.address(), kJob, Job{3});  // after the recalled job 2: deferred
  loop.scheduler.run(1);                                // one batch
  EXPECT_EQ(done_jobs(worker), (std::vector<int>{1, 2}));
  loop.scheduler.send(worker.address(), kFinished, Job{});
  loop.port.run_until_idle();
  EXPECT_EQ(done_jobs(worker), (std::vector<int>{1, 2, 3}));
}

TEST(Actor, deferred_messages_are_dead_letters_when_the_actor_stops) {
  Loop loop;
  WorkerActor worker;
  loop.start(worker);
  for (int id = 1; id <= 3; ++id) loop.scheduler.send(worker.address(), kJob, Job{id});
  loop.port.run_until_idle();
  loop.scheduler.stop(worker, lit::Reason::shutdown());
  EXPECT_EQ(loop.scheduler.dead_letters(), 2U);
  loop.start(worker);
  loop.port.run_until_idle();
  EXPECT_EQ(done_jobs(worker), std::vector<int>{});  // nothing carried into the new incarnation
}

// ---- under a supervisor ---------------------------------------------------------------------------

struct Counter {
  int count = 0;
};

struct Amount {
  int value = 0;
};

constexpr auto counter_chart = lit::chart::define<Counter>(
    "counter",
    initial("idle"),
    state("idle", on("add").to("busy").then([](Counter& c, Step& s) {
      c.count += static_cast<const Amount*>(s.event().data)->value;
    })),
    state("busy",
          after(10ms).to("idle"),
          on("add").then([](Counter& c, Step& s) { c.count += static_cast<const Amount*>(s.event().data)->value; }),
          on("boom").then([](Step& s) { s.fail("boom"); })));

using CounterActor = lit::Actor<counter_chart, lit::MailboxConfig{.capacity = 4}, Amount>;

TEST(Actor, supervised_actor_restarts_as_a_new_incarnation_with_a_fresh_context) {
  Loop loop;
  lit::sim::Probe probe(loop.port, loop.scheduler);
  CounterActor counter;
  lit::StaticSupervisor<4> supervisor(lit::SupervisorFlags{.intensity = {.max_restarts = 3, .period_ms = 1000}});
  probe.name(supervisor, "sup");
  ASSERT_EQ(supervisor.add_child({.id = "counter", .actor = &counter}), lit::SupervisorError::ok);
  loop.start(supervisor);

  const auto first = counter.address();
  EXPECT_EQ(loop.scheduler.send(first, counter_chart.event("add"), Amount{5}), SendResult::ok);
  loop.port.run_until_idle();
  EXPECT_EQ(counter.context().count, 5);
  EXPECT_TRUE(probe.wait_in_state(counter, "idle", 100));

  EXPECT_EQ(loop.scheduler.send(first, counter_chart.event("add"), Amount{1}), SendResult::ok);
  EXPECT_EQ(loop.scheduler.send(first, counter_chart.event("boom"), Amount{}), SendResult::ok);
  loop.port.run_until_idle();
  EXPECT_TRUE(counter.alive());
  EXPECT_EQ(counter.incarnation(), first.incarnation + 1);
  EXPECT_EQ(counter.context().count, 0);
  EXPECT_EQ(loop.scheduler.send(first, counter_chart.event("add"), Amount{1}), SendResult::dead);
  EXPECT_EQ(supervisor.restarts(), 1U);
  EXPECT_EQ(probe.lifecycle(),
            (Lines{"0 start counter#1", "0 start sup#1", "10 exit counter#1 failed:boom", "10 start counter#2"}));
}

// ---- batches with and without a machine ------------------------------------------------------------

// "tick" runs without a machine (its actions take no Step); "note" needs one
// (its action reads the event). A batch mixing them keeps arrival order.
struct Mixed {
  std::vector<std::string> seen;
};
constexpr auto mixed_chart = lit::chart::define<Mixed>(
    "mixed",
    initial("a"),
    state("a",
          entry([](Mixed& m) { m.seen.push_back("enter a"); }),
          exit([](Mixed& m) { m.seen.push_back("exit a"); }),
          on("tick").to("b"),
          on("note").then([](Mixed& m, Step& step) { m.seen.push_back("note " + std::to_string(step.event_id())); })),
    state("b",
          entry([](Mixed& m) { m.seen.push_back("enter b"); }),
          exit([](Mixed& m) { m.seen.push_back("exit b"); }),
          on("tick").to("a"),
          on("note").then([](Mixed& m, Step& step) { m.seen.push_back("note " + std::to_string(step.event_id())); })));

TEST(Actor, batch_mixing_machine_free_and_machine_steps_keeps_arrival_order) {
  Loop loop;
  lit::Actor<mixed_chart> actor;
  loop.start(actor);
  loop.port.run_until_idle();
  constexpr auto tick = mixed_chart.event("tick");
  constexpr auto note = mixed_chart.event("note");
  for (const auto event : {tick, note, tick, tick, note, tick}) {
    EXPECT_EQ(loop.scheduler.send(actor.address(), event), SendResult::ok);
  }
  loop.port.run_until_idle();
  const std::string n = "note " + std::to_string(note);
  EXPECT_EQ(actor.context().seen,
            (std::vector<std::string>{
                "enter a", "exit a", "enter b", n, "exit b", "enter a", "exit a", "enter b", n, "exit b", "enter a"}));
  EXPECT_TRUE(actor.is_in(mixed_chart.state("a")));
}

// ---- cost -----------------------------------------------------------------------------------------

TEST(Actor, actor_core_size_on_the_host) {
  std::printf("sizeof(lit::ActorCore) = %zu on this host\n", sizeof(lit::ActorCore));
  // Type, ready link, parent and the mailbox's slots (pointers), the chart's
  // configuration (64 bits on the host), incarnation, mailbox drops, the
  // ring's head and count and two flag bytes.
  if constexpr (sizeof(void*) == 8) {
    EXPECT_LE(sizeof(lit::ActorCore), 56U);
  } else {
    EXPECT_LE(sizeof(lit::ActorCore), 32U);
  }
}

TEST(Actor, an_actor_without_timers_history_or_deferral_is_its_control_block_mailbox_and_context) {
  // The mailbox's capacity, policy and remote inbox are its type's, so
  // nothing is left beyond these but padding.
  constexpr std::size_t parts = sizeof(lit::ActorCore) +
                                sizeof(lit::MailboxStorage<lit::NoPayload, lit::MailboxConfig{.capacity = 4}>) +
                                sizeof(lit::detail::ContextStorage<Life>) + sizeof(LifeActor::Params);
  std::printf("sizeof(LifeActor) = %zu: control block %zu + slots, context and params %zu\n",
              sizeof(LifeActor),
              sizeof(lit::ActorCore),
              parts - sizeof(lit::ActorCore));
  EXPECT_GE(sizeof(LifeActor), parts);
  EXPECT_LT(sizeof(LifeActor) - parts, 2 * alignof(LifeActor));
}

}  // namespace

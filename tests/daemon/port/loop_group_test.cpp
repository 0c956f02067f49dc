// LoopGroup on real threads: closures run on their loop in FIFO order,
// call_sync waits (and runs inline on its own loop), stop() joins every loop
// with actors still alive and is idempotent, posts after stop() are harmless,
// and a fatal() on any loop reaches the owner. Waits are bounded.
#include "port/loop_group.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lit/runtime.hpp"

namespace {

using namespace lit::chart::dsl;
using namespace std::chrono_literals;
using lit::daemon::LoopGroup;

constexpr auto kPatience = 10s;

TEST(LoopGroup, zero_workers_means_one_loop_per_hardware_thread) {
  const LoopGroup group({.workers = 0});
  const unsigned hardware = std::thread::hardware_concurrency();
  EXPECT_EQ(group.size(), hardware != 0 ? hardware : 1U);
}

TEST(LoopGroup, start_refuses_a_second_start) {
  LoopGroup group({.workers = 1});
  EXPECT_TRUE(group.start());
  EXPECT_FALSE(group.start());
}

// ---- call() ---------------------------------------------------------------------------------

TEST(LoopGroup, call_runs_closures_on_their_loop_in_the_order_they_were_queued) {
  LoopGroup group({.workers = 2});
  ASSERT_TRUE(group.start());
  std::vector<int> seen;  // touched on loop 1 only, read after call_sync
  std::atomic<int> off_loop{0};
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(group.call(1, [&, i] {
      if (!group.on_loop(1)) off_loop.fetch_add(1);
      seen.push_back(i);
    }));
  }
  group.call_sync(1, [] {});  // FIFO: runs after every closure above
  ASSERT_EQ(seen.size(), 1000U);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
  EXPECT_EQ(off_loop.load(), 0);
}

TEST(LoopGroup, call_keeps_each_threads_order_when_many_threads_call) {
  constexpr int kThreads = 4;
  constexpr int kEach = 2000;
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  std::vector<std::pair<int, int>> seen;  // loop 0 only
  std::vector<std::thread> callers;
  callers.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) EXPECT_TRUE(group.call(0, [&seen, t, i] { seen.emplace_back(t, i); }));
    });
  }
  for (std::thread& caller : callers) caller.join();
  group.call_sync(0, [] {});
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kEach));
  std::vector<int> next(kThreads, 0);
  for (const auto& [thread, index] : seen) {
    EXPECT_EQ(index, next[static_cast<std::size_t>(thread)]);
    next[static_cast<std::size_t>(thread)] = index + 1;
  }
}

TEST(LoopGroup, call_sync_returns_after_the_closure_ran_on_the_loop) {
  LoopGroup group({.workers = 2});
  ASSERT_TRUE(group.start());
  bool on_loop = false;
  int value = 0;
  ASSERT_TRUE(group.call_sync(1, [&] {
    on_loop = group.on_loop(1);
    value = 42;
  }));
  EXPECT_TRUE(on_loop);
  EXPECT_EQ(value, 42);
  EXPECT_FALSE(group.on_loop(1));  // the test's own thread is no loop
}

TEST(LoopGroup, call_sync_from_its_own_loop_runs_inline) {
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  std::vector<std::string> steps;  // loop 0 only
  ASSERT_TRUE(group.call_sync(0, [&] {
    steps.emplace_back("outer before");
    EXPECT_TRUE(group.call_sync(0, [&] { steps.emplace_back("inner"); }));  // would deadlock if queued
    steps.emplace_back("outer after");
  }));
  EXPECT_EQ(steps, (std::vector<std::string>{"outer before", "inner", "outer after"}));
}

TEST(LoopGroup, call_sync_rethrows_what_the_closure_threw_and_the_loop_carries_on) {
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  EXPECT_THROW(group.call_sync(0, [] { throw std::runtime_error("refused"); }), std::runtime_error);
  bool ran = false;
  EXPECT_TRUE(group.call_sync(0, [&] { ran = true; }));
  EXPECT_TRUE(ran);
  EXPECT_FALSE(group.fatal().has_value());
}

TEST(LoopGroup, call_is_refused_before_start_and_after_stop) {
  LoopGroup group({.workers = 1});
  EXPECT_FALSE(group.call(0, [] {}));
  ASSERT_TRUE(group.start());
  EXPECT_FALSE(group.call(1, [] {}));  // no such loop
  group.stop();
  bool ran = false;
  EXPECT_FALSE(group.call(0, [&] { ran = true; }));
  EXPECT_FALSE(group.call_sync(0, [&] { ran = true; }));
  EXPECT_FALSE(ran);
}

struct Nothing {};
constexpr auto nothing_chart = lit::chart::define<Nothing>("nothing", initial("idle"), state("idle"));

TEST(LoopGroup, start_actor_says_why_when_the_loop_is_not_running) {
  lit::Actor<nothing_chart, lit::MailboxConfig{.capacity = 1}> actor;
  LoopGroup group({.workers = 1});
  lit::Reason failure;
  EXPECT_FALSE(group.start_actor(0, actor, failure));
  EXPECT_STREQ(failure.text, "the loop is not running");
  EXPECT_FALSE(actor.alive());
}

// ---- stop() -----------------------------------------------------------------------------------

struct Sleeper {
  int pokes = 0;
};

// Waits an hour, so a pending timer is armed when the loops stop.
constexpr auto sleeper_chart = lit::chart::define<Sleeper>(
    "sleeper",
    initial("asleep"),
    state(
        "asleep", after(std::chrono::hours(1)).to("awake"), on("poke").then([](Sleeper& sleeper) { ++sleeper.pokes; })),
    state("awake"));
constexpr lit::chart::EventId kPoke = sleeper_chart.event("poke");
using SleeperActor = lit::Actor<sleeper_chart, lit::MailboxConfig{.capacity = 4, .remote_capacity = 4}>;

TEST(LoopGroup, stop_joins_every_loop_with_actors_still_alive_and_timers_armed) {
  SleeperActor first;
  SleeperActor second;
  LoopGroup group({.workers = 2});
  ASSERT_TRUE(group.start());
  lit::Reason failure;
  ASSERT_TRUE(group.start_actor(0, first, failure)) << failure.text;
  ASSERT_TRUE(group.start_actor(1, second, failure)) << failure.text;
  ASSERT_EQ(lit::post(first.address(), kPoke, lit::NoPayload{}), lit::SendResult::ok);
  group.call_sync(0, [] {});
  group.stop();
  // Joined: the loops' state may be read from here without a race.
  EXPECT_TRUE(first.alive());
  EXPECT_TRUE(second.alive());
  EXPECT_NE(group.scheduler(0).next_deadline(), lit::kNever);  // the hour-long timer
  EXPECT_FALSE(group.fatal().has_value());
}

TEST(LoopGroup, stop_is_idempotent) {
  LoopGroup group({.workers = 2});
  group.stop();  // before start: nothing to do
  ASSERT_TRUE(group.start());
  group.stop();
  group.stop();
  EXPECT_FALSE(group.start());  // a group runs once
}

TEST(LoopGroup, stop_runs_the_closures_queued_before_it) {
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  int ran = 0;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(group.call(0, [released] { released.wait(); }));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(group.call(0, [&ran] { ++ran; }));
  std::thread stopper([&] { group.stop(); });
  release.set_value();
  stopper.join();
  EXPECT_EQ(ran, 10);
}

TEST(LoopGroup, posting_to_an_actor_of_a_stopped_loop_is_harmless) {
  SleeperActor sleeper;
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  lit::Reason failure;
  ASSERT_TRUE(group.start_actor(0, sleeper, failure)) << failure.text;
  group.stop();
  // The message waits in the inbox; the closed loop is not woken.
  EXPECT_EQ(lit::post(sleeper.address(), kPoke, lit::NoPayload{}), lit::SendResult::ok);
  EXPECT_EQ(sleeper.context().pokes, 0);
}

TEST(LoopGroup, stop_from_one_of_its_loops_is_refused_as_that_loops_fatal_error) {
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  ASSERT_TRUE(group.call(0, [&group] { group.stop(); }));
  const std::optional<LoopGroup::Fatal> fatal = group.wait_for_fatal(kPatience);
  ASSERT_TRUE(fatal.has_value());
  EXPECT_EQ(fatal->loop, 0U);
  EXPECT_NE(fatal->reason.find("stop()"), std::string::npos) << fatal->reason;
}

// ---- fatal() ---------------------------------------------------------------------------------

// Stopping itself from inside its own activation breaks a runtime invariant:
// the scheduler calls Port::fatal.
struct Rogue {};
constexpr auto rogue_chart =
    lit::chart::define<Rogue>("rogue", initial("idle"), state("idle", on("misbehave").then([](lit::chart::Step& step) {
                                lit::Scheduler& scheduler = lit::scheduler_of(step);
                                scheduler.stop(*scheduler.current(), lit::Reason::shutdown());
                              })));
using RogueActor = lit::Actor<rogue_chart, lit::MailboxConfig{.capacity = 2, .remote_capacity = 2}>;

TEST(LoopGroup, a_fatal_error_on_a_loop_reaches_the_owner_with_its_loop_and_reason) {
  RogueActor rogue;
  std::promise<std::pair<std::size_t, std::string>> told;
  LoopGroup group({.workers = 2, .on_fatal = [&told](std::size_t loop, std::string_view reason) {
                     told.set_value({loop, std::string(reason)});
                   }});
  ASSERT_TRUE(group.start());
  EXPECT_FALSE(group.fatal().has_value());
  lit::Reason failure;
  ASSERT_TRUE(group.start_actor(1, rogue, failure)) << failure.text;
  ASSERT_EQ(lit::post(rogue.address(), rogue_chart.event("misbehave"), lit::NoPayload{}), lit::SendResult::ok);

  const std::optional<LoopGroup::Fatal> fatal = group.wait_for_fatal(kPatience);
  ASSERT_TRUE(fatal.has_value());
  EXPECT_EQ(fatal->loop, 1U);
  EXPECT_NE(fatal->reason.find("own activation"), std::string::npos) << fatal->reason;
  auto callback = told.get_future();
  ASSERT_EQ(callback.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(callback.get().first, 1U);
  // The failed loop runs no more actors, but still runs closures, so the
  // owner can shut it down in order.
  bool failed = false;
  EXPECT_TRUE(group.call_sync(1, [&] { failed = group.port(1).failed(); }));
  EXPECT_TRUE(failed);
  EXPECT_FALSE(group.port(0).failed());
  group.stop();
}

TEST(LoopGroup, an_exception_escaping_a_call_closure_is_that_loops_fatal_error) {
  LoopGroup group({.workers = 1});
  ASSERT_TRUE(group.start());
  ASSERT_TRUE(group.call(0, [] { throw std::runtime_error("closure broke"); }));
  const std::optional<LoopGroup::Fatal> fatal = group.wait_for_fatal(kPatience);
  ASSERT_TRUE(fatal.has_value());
  EXPECT_EQ(fatal->reason, "closure broke");
}

}  // namespace

// Failure: fail() from an action stops the macrostep at once and cancels the
// machine's timers and activities; engine bounds (internal queue, livelock)
// fail the machine instead of looping or overwriting memory.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "chart_fixture.hpp"

using namespace std::chrono_literals;
using namespace lit::chart::dsl;
using lit::chart::Failure;
using lit::chart::Outcome;
using lit::chart::testing::ChartRun;
using lit::chart::testing::Empty;
using lit::chart::testing::Lines;

namespace {

constexpr auto valve =
    lit::chart::define<Empty>("valve",
                              initial("closed"),
                              state("closed",
                                    after(1s).to("stuck"),
                                    on("open")
                                        .to("open")
                                        .then(log("t", "before"))
                                        .then([](lit::chart::Step& step) { step.fail("valve jammed"); })
                                        .then(log("t", "after"))),
                              state("open", entry(log("enter", "open"))),
                              state("stuck"));

TEST(Failure, fail_from_an_action_stops_the_macrostep_and_reports_the_reason) {
  ChartRun<valve> run;
  run.start();
  EXPECT_EQ(run.send(valve.event("open")), Outcome::failed);
  EXPECT_EQ(run.take_log(), (Lines{"t before"}));
  EXPECT_EQ(run.machine.failure(), Failure::action);
  EXPECT_EQ(std::string(run.machine.failure_reason()), "valve jammed");
  EXPECT_FALSE(run.machine.running());
}

TEST(Failure, failed_machine_has_no_timers_left_and_accepts_no_events) {
  ChartRun<valve> run;
  run.start();
  run.send(valve.event("open"));
  EXPECT_EQ(run.host.pending_timers(run.machine), 0U);
  EXPECT_EQ(run.machine.dispatch(valve.event("open")), Outcome::not_running);
}

TEST(Failure, restart_after_failure_starts_clean) {
  ChartRun<valve> run;
  run.start();
  run.send(valve.event("open"));
  EXPECT_EQ(run.start(), Outcome::handled);
  EXPECT_EQ(run.machine.failure(), Failure::none);
  EXPECT_EQ(run.atomic(), (Lines{"closed"}));
}

constexpr auto flood = lit::chart::define<Empty>("flood",
                                                 initial("a"),
                                                 state("a",
                                                       on("go").then(raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"),
                                                                     raise("x"))));

TEST(Failure, raising_more_events_than_the_internal_queue_holds_fails_the_machine) {
  ChartRun<flood> run;
  run.start();
  EXPECT_EQ(run.send(flood.event("go")), Outcome::failed);
  EXPECT_EQ(run.machine.failure(), Failure::internal_queue_overflow);
}

constexpr auto ping_pong = lit::chart::define<Empty>("ping_pong",
                                                     initial("idle"),
                                                     state("idle", on("go").to("ping")),
                                                     state("ping", always().to("pong").when([] { return true; })),
                                                     state("pong", always().to("ping").when([] { return true; })));

TEST(Failure, eventless_transitions_that_never_settle_fail_as_livelock) {
  ChartRun<ping_pong> run;
  run.start();
  EXPECT_EQ(run.send(ping_pong.event("go")), Outcome::failed);
  EXPECT_EQ(run.machine.failure(), Failure::livelock);
}

constexpr auto stray =
    lit::chart::define<Empty>("stray", initial("a"), state("a", on("go").then([](lit::chart::Step& step) {
                                step.raise(lit::chart::EventId{500});
                              })));

TEST(Failure, raising_an_event_the_chart_does_not_have_fails_the_machine) {
  ChartRun<stray> run;
  run.start();
  EXPECT_EQ(run.send(stray.event("go")), Outcome::failed);
  EXPECT_EQ(run.machine.failure(), Failure::unknown_event);
}

struct Reentrant {
  lit::chart::Machine* self = nullptr;
  Outcome inner = Outcome::handled;
};

constexpr auto reentrant =
    lit::chart::define<Reentrant>("reentrant", initial("a"), state("a", on("go").then([](Reentrant& r) {
                                    r.inner = r.self->dispatch(lit::chart::EventId{0});
                                  })));

TEST(Failure, dispatch_from_inside_an_action_of_the_same_machine_is_refused) {
  ChartRun<reentrant> run;
  run.context.self = &run.machine;
  run.start();
  EXPECT_EQ(run.send(reentrant.event("go")), Outcome::failed);
  EXPECT_EQ(run.context.inner, Outcome::failed);
  EXPECT_EQ(run.machine.failure(), Failure::reentrant_dispatch);
}

TEST(Failure, machine_given_too_little_history_memory_refuses_to_start) {
  static constexpr auto chart = lit::chart::define<Empty>(
      "needs_history", initial("p"), state("p", initial("a"), state("a"), shallow_history("h", "a")));
  static constexpr lit::chart::Table table = chart.table();
  Empty context;
  lit::sim::ChartHost host;
  lit::chart::Machine machine(table, &context, host);
  EXPECT_EQ(machine.start(), Outcome::failed);
  EXPECT_EQ(machine.failure(), Failure::history_memory);
}

}  // namespace

// after(duration): armed on entry through the host's timer service, cancelled
// on exit, re-armed from scratch on re-entry.
#include <gtest/gtest.h>

#include <chrono>

#include "chart_fixture.hpp"

using namespace std::chrono_literals;
using namespace lit::chart::dsl;
using lit::chart::testing::ChartRun;
using lit::chart::testing::Empty;
using lit::chart::testing::Lines;

namespace {

constexpr auto blinky =
    lit::chart::define<Empty>("blinky",
                              initial("off"),
                              state("off", after(100ms).to("on"), on("hold").to("held")),
                              state("on", after(50ms).to("off"), after(30ms).to("early").when(in("never"))),
                              state("held", on("release").to("off")),
                              state("early"),
                              state("never"));

TEST(After, timed_transition_fires_once_its_delay_has_elapsed) {
  ChartRun<blinky> run;
  run.start();
  run.host.advance(99);
  EXPECT_EQ(run.atomic(), (Lines{"off"}));
  run.host.advance(1);
  EXPECT_EQ(run.atomic(), (Lines{"on"}));
  run.host.advance(50);
  EXPECT_EQ(run.atomic(), (Lines{"off"}));
}

TEST(After, timer_is_cancelled_when_its_state_exits_first) {
  ChartRun<blinky> run;
  run.start();
  run.host.advance(60);
  run.send(blinky.event("hold"));
  EXPECT_EQ(run.host.pending_timers(run.machine), 0U);
  EXPECT_EQ(run.host.cancelled_timer_count(), 1U);
  run.host.advance(1000);
  EXPECT_EQ(run.atomic(), (Lines{"held"}));
}

TEST(After, reentry_arms_the_timer_again_from_the_new_entry_time) {
  ChartRun<blinky> run;
  run.start();
  run.host.advance(60);
  run.send(blinky.event("hold"));
  run.send(blinky.event("release"));  // at t=60: off is entered again
  run.host.advance(99);
  EXPECT_EQ(run.atomic(), (Lines{"off"}));
  run.host.advance(1);
  EXPECT_EQ(run.atomic(), (Lines{"on"}));
}

TEST(After, guarded_timer_that_fires_with_a_false_guard_does_nothing) {
  ChartRun<blinky> run;
  run.start();
  run.host.advance(100);  // on, with timers at +30 (guarded) and +50
  run.host.advance(30);
  EXPECT_EQ(run.atomic(), (Lines{"on"}));
  run.host.advance(20);
  EXPECT_EQ(run.atomic(), (Lines{"off"}));
}

TEST(After, every_timer_of_a_state_is_cancelled_when_it_exits) {
  ChartRun<blinky> run;
  run.start();
  run.host.advance(100);
  EXPECT_EQ(run.host.pending_timers(run.machine), 2U);
  run.host.advance(50);
  // The 30 ms timer fired (guard false); the 50 ms one moved to off, whose timer is the only one left.
  EXPECT_EQ(run.host.pending_timers(run.machine), 1U);
}

constexpr auto nested_timers = lit::chart::define<Empty>("nested_timers",
                                                         initial("outer"),
                                                         state("outer",
                                                               initial("inner"),
                                                               after(1000ms).to("timeout"),
                                                               state("inner", after(10ms).to("inner2")),
                                                               state("inner2", after(10ms).to("inner"))),
                                                         state("timeout"));

TEST(After, timer_of_an_ancestor_keeps_running_while_its_children_change) {
  ChartRun<nested_timers> run;
  run.start();
  run.host.advance(995);
  EXPECT_NE(run.atomic(), (Lines{"timeout"}));
  run.host.advance(5);
  EXPECT_EQ(run.atomic(), (Lines{"timeout"}));
  EXPECT_EQ(run.host.pending_timers(run.machine), 0U);
}

TEST(After, stopping_the_machine_cancels_its_timers) {
  ChartRun<nested_timers> run;
  run.start();
  EXPECT_EQ(run.host.pending_timers(run.machine), 2U);
  run.machine.stop();
  EXPECT_EQ(run.host.pending_timers(run.machine), 0U);
  EXPECT_FALSE(run.machine.running());
}

TEST(After, send_with_delay_is_not_cancelled_when_its_state_exits) {
  static constexpr auto chart = lit::chart::define<Empty>("delayed_send",
                                                          initial("a"),
                                                          state("a", entry(send("ping", 100ms)), on("leave").to("b")),
                                                          state("b", on("ping").to("pinged")),
                                                          state("pinged"));
  ChartRun<chart> run;
  run.start();
  run.send(chart.event("leave"));
  run.host.advance(100);
  EXPECT_EQ(run.atomic(), (Lines{"pinged"}));
}

}  // namespace

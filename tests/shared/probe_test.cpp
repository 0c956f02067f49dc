// The test probes (tests/sim/probe.hpp) themselves: waiting for a state or a
// message in virtual time and timing out exactly, the transition stream of a
// traced actor, queue depth, the lifecycle record, and chaining to the
// observer that was there before.
#include "sim/probe.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "lit/runtime.hpp"
#include "sim/sim_port.hpp"

namespace {

using namespace lit::chart::dsl;
using namespace std::chrono_literals;
using Lines = std::vector<std::string>;

struct Loop {
  Loop() : scheduler(port, {.watches = watches, .delayed_sends = delayed}) { port.attach(scheduler); }
  void start(lit::ActorCore& actor) {
    lit::Reason failure;
    ASSERT_TRUE(scheduler.start(actor, nullptr, failure)) << failure.text;
  }
  lit::sim::SimPort port{1};
  std::array<lit::Watch, 4> watches{};
  std::array<lit::DelayedSend, 2> delayed{};
  lit::Scheduler scheduler;
};

struct Boiler {};

constexpr auto boiler_chart =
    lit::chart::define<Boiler>("boiler",
                               initial("cold"),
                               state("cold", after(30ms).to("hot"), on("ping").then(send("pong", 20ms))),
                               state("hot", on("ping"), on("vent").to("cold")),
                               state("never"),
                               lit::chart::dsl::events("pong"));

using BoilerActor = lit::Actor<boiler_chart, lit::MailboxConfig{.capacity = 8}>;

struct ProbeTest : ::testing::Test {
  Loop loop;
  lit::sim::Probe probe{loop.port, loop.scheduler};
  BoilerActor boiler;
  void send(std::string_view event) {
    ASSERT_EQ(loop.scheduler.send(boiler.address(), boiler_chart.table().find_event(event)), lit::SendResult::ok);
  }
};

// ---- waiting ------------------------------------------------------------------------------

TEST_F(ProbeTest, wait_in_state_runs_virtual_time_until_the_state_is_reached) {
  loop.start(boiler);
  EXPECT_TRUE(probe.wait_in_state(boiler, "hot", 100));
  EXPECT_EQ(loop.port.now(), 30U);
  EXPECT_TRUE(probe.wait_in_state(boiler, "hot", 100));  // already there: no time passes
  EXPECT_EQ(loop.port.now(), 30U);
}

TEST_F(ProbeTest, wait_in_state_times_out_after_exactly_the_timeout) {
  loop.start(boiler);
  EXPECT_FALSE(probe.wait_in_state(boiler, "never", 50));
  EXPECT_EQ(loop.port.now(), 50U);
  EXPECT_FALSE(probe.wait_in_state(boiler, "cold", 0));  // hot by now; a zero timeout does not wait
  EXPECT_EQ(loop.port.now(), 50U);
}

TEST_F(ProbeTest, wait_in_state_is_false_for_an_unknown_state_or_a_stopped_actor) {
  loop.start(boiler);
  EXPECT_FALSE(probe.wait_in_state(boiler, "lukewarm", 50));
  EXPECT_EQ(loop.port.now(), 0U);  // refused at once
  loop.scheduler.stop(boiler, lit::Reason::shutdown());
  EXPECT_FALSE(probe.wait_in_state(boiler, "cold", 10));
  EXPECT_EQ(loop.port.now(), 10U);
}

TEST_F(ProbeTest, wait_for_message_sees_each_delivery_once) {
  loop.start(boiler);
  send("ping");
  send("ping");
  EXPECT_TRUE(probe.wait_for_message(boiler, "ping", 10));
  EXPECT_TRUE(probe.wait_for_message(boiler, "ping", 10));
  EXPECT_EQ(loop.port.now(), 0U);
  EXPECT_FALSE(probe.wait_for_message(boiler, "ping", 10));  // both seen already
  EXPECT_EQ(loop.port.now(), 10U);
}

TEST_F(ProbeTest, wait_for_message_waits_for_a_delayed_message) {
  loop.start(boiler);
  send("ping");  // cold answers with a pong to itself 20 ms later
  EXPECT_TRUE(probe.wait_for_message(boiler, "pong", 100));
  EXPECT_EQ(loop.port.now(), 20U);
}

TEST_F(ProbeTest, wait_for_message_times_out_and_refuses_unknown_events) {
  loop.start(boiler);
  EXPECT_FALSE(probe.wait_for_message(boiler, "vent", 25));
  EXPECT_EQ(loop.port.now(), 25U);
  EXPECT_FALSE(probe.wait_for_message(boiler, "no_such_event", 25));
  EXPECT_EQ(loop.port.now(), 25U);
}

// ---- what it records -------------------------------------------------------------------------

TEST_F(ProbeTest, transition_stream_of_a_traced_actor) {
  probe.trace(boiler);
  loop.start(boiler);
  ASSERT_TRUE(probe.wait_in_state(boiler, "hot", 100));
  send("vent");
  loop.port.run_until_idle();
  loop.scheduler.stop(boiler, lit::Reason::shutdown());
  // The initial transition and entry are part of the stream, and so are the
  // exits of a graceful stop. Transitions are table rows; an after() timer's
  // event is named for its state.
  EXPECT_EQ(probe.transition_lines(boiler),
            (Lines{"transition 4",
                   "enter cold",
                   "event cold",
                   "exit cold",
                   "transition 0",
                   "enter hot",
                   "event vent",
                   "exit hot",
                   "transition 3",
                   "enter cold",
                   "exit cold"}));
  for (const auto& transition : probe.transitions()) EXPECT_EQ(transition.actor, &boiler);
  EXPECT_EQ(probe.transitions()[2].at, 30U);
}

TEST_F(ProbeTest, only_traced_actors_show_in_the_transition_stream) {
  BoilerActor other;
  probe.trace(boiler);
  loop.start(boiler);
  loop.start(other);
  loop.port.advance(40);
  EXPECT_FALSE(probe.transition_lines(boiler).empty());
  EXPECT_TRUE(probe.transition_lines(other).empty());
  EXPECT_EQ(probe.deliveries().size(), 2U);  // deliveries are recorded for every actor
}

TEST_F(ProbeTest, deliveries_record_the_outcome) {
  loop.start(boiler);
  ASSERT_TRUE(probe.wait_in_state(boiler, "hot", 100));
  send("ping");  // handled by a targetless transition
  send("vent");
  loop.port.run_until_idle();
  const auto& deliveries = probe.deliveries();
  ASSERT_EQ(deliveries.size(), 3U);
  EXPECT_EQ(deliveries[1].event, boiler_chart.event("ping"));
  EXPECT_EQ(deliveries[1].outcome, lit::chart::Outcome::handled);
  EXPECT_EQ(deliveries[2].event, boiler_chart.event("vent"));
  EXPECT_EQ(deliveries[2].at, 30U);
}

TEST_F(ProbeTest, queue_depth_follows_the_mailbox) {
  loop.start(boiler);
  EXPECT_EQ(probe.queue_depth(boiler), 0U);
  send("ping");
  send("ping");
  send("vent");
  EXPECT_EQ(probe.queue_depth(boiler), 3U);
  loop.scheduler.run(1);
  EXPECT_EQ(probe.queue_depth(boiler), 0U);
}

struct Doomed {};
constexpr auto doomed_chart = lit::chart::define<Doomed>(
    "doomed", initial("alive"), state("alive", after(5ms).then([](lit::chart::Step& step) { step.fail("worn out"); })));

TEST_F(ProbeTest, lifecycle_records_starts_exits_and_escalations) {
  lit::Actor<doomed_chart> doomed;
  lit::StaticSupervisor<1> supervisor(lit::SupervisorFlags{.intensity = {.max_restarts = 0, .period_ms = 1000}});
  ASSERT_EQ(supervisor.add_child({.id = "doomed", .actor = &doomed}), lit::SupervisorError::ok);
  probe.name(doomed, "worker");
  probe.name(supervisor, "sup");
  loop.start(supervisor);
  loop.port.advance(10);
  const Lines& lifecycle = probe.lifecycle();
  ASSERT_GE(lifecycle.size(), 4U);
  EXPECT_EQ(lifecycle[0], "0 start worker#1");
  EXPECT_EQ(lifecycle[1], "0 start sup#1");
  EXPECT_EQ(lifecycle[2], "5 exit worker#1 failed:worn out");
  EXPECT_EQ(lifecycle[3].rfind("5 escalate sup shutdown:", 0), 0U) << lifecycle[3];
  EXPECT_EQ(lifecycle.back().rfind("5 exit sup#1 shutdown:", 0), 0U) << lifecycle.back();
  probe.clear();
  EXPECT_TRUE(probe.lifecycle().empty());
  EXPECT_TRUE(probe.deliveries().empty());
}

// Counts what reaches the observer the probe replaced.
struct CountingObserver final : lit::Observer {
  int started = 0;
  int exited = 0;
  int dispatched = 0;
  void on_started(const lit::ActorCore&) override { ++started; }
  void on_exited(const lit::ActorCore&, std::uint32_t, lit::Reason) override { ++exited; }
  void on_dispatched(const lit::ActorCore&, lit::chart::EventId, lit::chart::Outcome) override { ++dispatched; }
};

TEST(Probe, chains_to_the_previous_observer_and_restores_it) {
  Loop loop;
  CountingObserver counting;
  loop.scheduler.set_observer(&counting);
  BoilerActor boiler;
  {
    lit::sim::Probe probe(loop.port, loop.scheduler);
    EXPECT_EQ(loop.scheduler.observer(), &probe);
    loop.start(boiler);
    loop.scheduler.send(boiler.address(), boiler_chart.event("ping"));
    loop.port.run_until_idle();
    EXPECT_EQ(probe.lifecycle().size(), 1U);
  }
  EXPECT_EQ(loop.scheduler.observer(), &counting);
  EXPECT_EQ(counting.started, 1);
  EXPECT_EQ(counting.dispatched, 1);
  loop.scheduler.stop(boiler, lit::Reason::shutdown());
  EXPECT_EQ(counting.exited, 1);
}

}  // namespace

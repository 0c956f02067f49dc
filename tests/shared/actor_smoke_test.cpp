// Smoke test: a typed actor under a one_for_one supervisor on the simulated port.
#include <gtest/gtest.h>

#include "lit/runtime.hpp"
#include "sim/probe.hpp"
#include "sim/sim_port.hpp"

namespace {

using namespace lit::chart;
using namespace lit::chart::dsl;
using namespace std::chrono_literals;

struct Counter {
  int count = 0;
};

struct Amount {
  int value = 0;
};

constexpr auto counter_chart = define<Counter>(
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

TEST(ActorSmoke, RunsUnderSupervisorAndRestartsWithNewIncarnation) {
  lit::sim::SimPort port(7);
  std::array<lit::Watch, 4> watches{};
  lit::Scheduler scheduler(port, {.watches = watches});
  port.attach(scheduler);
  lit::sim::Probe probe(port, scheduler);

  CounterActor counter;
  lit::StaticSupervisor<4> sup(lit::SupervisorFlags{.intensity = {.max_restarts = 3, .period_ms = 1000}});
  ASSERT_EQ(sup.add_child({.id = "counter", .actor = &counter}), lit::SupervisorError::ok);
  lit::Reason failure;
  ASSERT_TRUE(scheduler.start(sup, nullptr, failure)) << failure.text;

  const auto first = counter.address();
  EXPECT_EQ(scheduler.send(first, counter_chart.event("add"), Amount{5}), lit::SendResult::ok);
  port.run_until_idle();
  EXPECT_EQ(counter.context().count, 5);
  EXPECT_TRUE(probe.wait_in_state(counter, "idle", 100));

  EXPECT_EQ(scheduler.send(first, counter_chart.event("add"), Amount{1}), lit::SendResult::ok);
  EXPECT_EQ(scheduler.send(first, counter_chart.event("boom"), Amount{}), lit::SendResult::ok);
  port.run_until_idle();
  EXPECT_TRUE(counter.alive());
  EXPECT_EQ(counter.incarnation(), first.incarnation + 1);
  EXPECT_EQ(counter.context().count, 0);
  EXPECT_EQ(scheduler.send(first, counter_chart.event("add"), Amount{1}), lit::SendResult::dead);
  EXPECT_EQ(sup.restarts(), 1U);
  for (const auto& line : probe.lifecycle()) std::printf("%s\n", line.c_str());
}

}  // namespace

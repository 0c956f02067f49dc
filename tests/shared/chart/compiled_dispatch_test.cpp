// Compiled dispatch (dsl.hpp) against the interpreter: the same chart, the same
// seeded random events and clock steps, run once through table_of<chart>
// (compiled) and once through chart.table() (interpreted). After every step the
// outcome, the configuration, the log and the context must be identical.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "chart_fixture.hpp"

using namespace std::chrono_literals;
using namespace lit::chart::dsl;
using lit::chart::EventId;
using lit::chart::Machine;
using lit::chart::Outcome;
using lit::chart::Table;

namespace {

struct Tally {
  int counter = 0;
  std::string trail;
  bool operator==(const Tally&) const = default;
};

#define MARK(text) [](Tally& t) { t.trail += (text); }

constexpr auto mixed = lit::chart::define<Tally>(
    "mixed",
    events("go.far", "go.near", "noise"),
    initial("idle"),
    state("idle",
          entry(MARK("i")),
          exit(MARK("I")),
          on("go").to("work").then([](Tally& t) { ++t.counter; }),
          on("bump").then([](Tally& t) { t.counter += 10; }),
          on("*").to("confused").when([](const Tally& t) { return t.counter > 3; })),
    state(
        "work",
        initial("w1").then(MARK("0")),
        entry(MARK("w")),
        exit(MARK("W")),
        on("stop").to("idle"),
        on("deep").to("w22"),
        on("raise").then(raise("stop")),
        state("w1",
              entry(MARK("1")),
              exit(MARK("!")),
              on("next").to("w2"),
              on("next").to("idle").when([](const Tally& t) { return t.counter % 2 == 0; })),
        state("w2",
              initial("w21"),
              entry(MARK("2")),
              exit(MARK("@")),
              on("next").to("w1").internal(),
              on("up").to("work").internal(),
              state("w21", on("next").to("w22"), always().to("w1").when([](const Tally& t) { return t.counter > 5; })),
              state("w22", on("next").to("w21").when(in("w2")), on("fail").then([](lit::chart::Step& s) {
                s.fail("asked to");
              })))),
    state("confused",
          entry(log("enter", "confused")),
          on("go.near").to("idle"),
          on("go").to("work"),
          on("bump").to("done")),
    final("done"));

constexpr auto timed =
    lit::chart::define<Tally>("timed",
                              initial("a"),
                              state("a", entry(MARK("a")), after(30ms).to("b"), on("skip").to("c"), on("hist").to("h")),
                              state("b", entry(MARK("b")), on("skip").to("c"), defer("later"), on("back").to("a")),
                              state("c",
                                    initial("c1"),
                                    entry(MARK("c")),
                                    on("later").to("a"),
                                    on("out").to("a"),
                                    state("c1", on("next").to("c2")),
                                    state("c2", on("next").to("c1")),
                                    shallow_history("h", "c2")));

constexpr EventId kUnknown = 0xFFFF;

// Returns how many dispatches took a transition, so a test can tell that the
// random walk went somewhere.
template <const auto& Chart>
int run_both_ways(unsigned seed, int steps) {
  int handled = 0;
  static constexpr Table interpreted = Chart.table();
  EXPECT_NE(lit::chart::table_of<Chart>.compiled_dispatch, nullptr);
  EXPECT_EQ(interpreted.compiled_dispatch, nullptr);

  Tally compiled_context, interpreted_context;
  lit::sim::ChartHost compiled_host, interpreted_host;
  lit::chart::Instance<Chart> compiled(compiled_context, compiled_host);
  std::array<std::uint8_t, Chart.history_bytes() + 1> memory{};
  Machine plain(interpreted, &interpreted_context, interpreted_host, {memory.data(), Chart.history_bytes()});

  EXPECT_EQ(compiled.start(), plain.start());
  std::mt19937 random(seed);
  const auto event_count = static_cast<EventId>(interpreted.event_count);
  for (int i = 0; i < steps; ++i) {
    const unsigned pick = random() % 10;
    std::string what;
    if (pick == 0) {
      compiled_host.advance(10);
      interpreted_host.advance(10);
      what = "advance 10";
    } else if (pick == 1) {
      // Restart, so runs reach states past a failure or a final state.
      EXPECT_EQ(compiled.start(), plain.start());
      what = "restart";
    } else {
      EventId event = static_cast<EventId>(random() % event_count);
      if (interpreted.events[event].kind == lit::chart::EventKind::timer) continue;
      if (pick == 2) event = kUnknown;
      what = event == kUnknown ? "invalid" : std::string(interpreted.events[event].name);
      const Outcome a = compiled.dispatch(event);
      const Outcome b = plain.dispatch(event);
      EXPECT_EQ(a, b) << "step " << i << ": " << what;
      if (a != b) return handled;
      handled += a == Outcome::handled ? 1 : 0;
      compiled_host.run_until_idle();
      interpreted_host.run_until_idle();
    }
    EXPECT_EQ(compiled.configuration(), plain.configuration()) << "step " << i << ": " << what;
    EXPECT_EQ(compiled_context, interpreted_context) << "step " << i << ": " << what;
    EXPECT_EQ(compiled_host.logs().size(), interpreted_host.logs().size()) << "step " << i << ": " << what;
    for (std::size_t line = 0; line < compiled_host.logs().size(); ++line) {
      EXPECT_EQ(compiled_host.logs()[line].text, interpreted_host.logs()[line].text);
    }
    EXPECT_EQ(compiled_host.outcomes(), interpreted_host.outcomes()) << "step " << i << ": " << what;
    EXPECT_EQ(compiled.failure(), plain.failure());
    if (::testing::Test::HasFailure()) return handled;
  }
  return handled;
}

TEST(CompiledDispatch, matches_the_interpreter_on_random_events_in_a_hierarchy_with_guards_and_eventless_moves) {
  int handled = 0;
  for (unsigned seed = 1; seed <= 20 && !HasFailure(); ++seed) handled += run_both_ways<mixed>(seed, 400);
  EXPECT_GT(handled, 2000);
}

TEST(CompiledDispatch, matches_the_interpreter_where_timers_deferral_and_history_hand_steps_back) {
  int handled = 0;
  for (unsigned seed = 1; seed <= 20 && !HasFailure(); ++seed) handled += run_both_ways<timed>(seed, 400);
  EXPECT_GT(handled, 1000);
}

TEST(CompiledDispatch, is_used_only_for_charts_without_parallel_states) {
  static constexpr auto regions =
      lit::chart::define<Tally>("regions", initial("p"), parallel("p", state("x"), state("y")));
  EXPECT_EQ(lit::chart::table_of<regions>.compiled_dispatch, nullptr);
  EXPECT_NE(lit::chart::table_of<mixed>.compiled_dispatch, nullptr);
}

TEST(CompiledDispatch, tracing_machine_takes_the_interpreter_and_sees_every_record) {
  Tally context;
  lit::sim::ChartHost host;
  lit::chart::Instance<mixed> machine(context, host);
  machine.start();
  machine.set_tracing(true);
  host.clear_traces();
  machine.dispatch(mixed.event("go"));
  // event, exit idle, transition, enter work, enter w1
  ASSERT_EQ(host.traces().size(), 5U);
  EXPECT_EQ(host.traces()[0].record.kind, lit::chart::TraceKind::event);
  EXPECT_EQ(host.traces()[1].record.kind, lit::chart::TraceKind::exit);
  EXPECT_EQ(host.traces()[2].record.kind, lit::chart::TraceKind::transition);
  EXPECT_EQ(host.traces()[3].record.kind, lit::chart::TraceKind::enter);
  EXPECT_EQ(host.traces()[4].record.kind, lit::chart::TraceKind::enter);
}

}  // namespace

// Statechart dispatch cost on the host, beside a hand-written switch state
// machine doing the same work in the same run. The chart is a 3-level
// hierarchy (a > a1 > a11, b > b1 > b11); every event moves between the two
// deepest states, so each dispatch exits three states and enters three, each
// with an action that bumps that state's own entry or exit counter (distinct
// counters, as real actions do distinct things, so neither side can fold six
// actions into one addition).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "lit/statechart.hpp"

using namespace lit::chart::dsl;

namespace {

struct Counter {
  std::uint64_t entries[6] = {};
  std::uint64_t exits[6] = {};
  std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (int i = 0; i < 6; ++i) sum += entries[i] + exits[i];
    return sum;
  }
};

#define BUMP(i) entry([](Counter& c) { ++c.entries[i]; }), exit([](Counter& c) { ++c.exits[i]; })

constexpr auto three_levels = lit::chart::define<Counter>(
    "three_levels",
    initial("a"),
    state(
        "a", BUMP(0), initial("a1"), state("a1", BUMP(1), initial("a11"), state("a11", BUMP(2), on("flip").to("b11")))),
    state("b",
          BUMP(3),
          initial("b1"),
          state("b1", BUMP(4), initial("b11"), state("b11", BUMP(5), on("flip").to("a11")))));

constexpr auto siblings = lit::chart::define<Counter>(
    "siblings",
    initial("top"),
    state("top", initial("x"), state("x", BUMP(0), on("flip").to("y")), state("y", BUMP(1), on("flip").to("x"))));

class NullHost final : public lit::chart::Host {
 public:
  void arm_timer(lit::chart::Machine&, std::uint16_t, std::uint32_t) override {}
  void cancel_timer(lit::chart::Machine&, std::uint16_t) override {}
  void send_after(lit::chart::Machine&, lit::chart::EventId, std::uint32_t) override {}
  bool defer(lit::chart::Machine&, const lit::chart::Event&) override { return false; }
  void recall(lit::chart::Machine&) override {}
  void start_activity(lit::chart::Machine&, std::uint16_t) override {}
  void cancel_activity(lit::chart::Machine&, std::uint16_t) override {}
  void log(lit::chart::Machine&, std::string_view, std::string_view) override {}
  void trace(lit::chart::Machine&, lit::chart::TraceRecord) override {}
};

// The hand-written equivalent of three_levels: what a careful C programmer
// writes, with the entry and exit work inlined into dispatch(). dispatch() is
// kept out of line, as it is when events come from a queue in an event loop;
// inlined into the benchmark loop, the compiler would fold successive events
// together and measure nothing.
class SwitchMachine {
 public:
  enum class State : std::uint8_t { a11, b11 };
  enum class Event : std::uint8_t { flip, other };

  explicit SwitchMachine(Counter& counter) : counter_(counter) { enter_a(); }

  [[gnu::noinline]] void dispatch(Event event) {
    switch (state_) {
      case State::a11:
        if (event == Event::flip) {
          exit_a();
          enter_b();
        }
        break;
      case State::b11:
        if (event == Event::flip) {
          exit_b();
          enter_a();
        }
        break;
    }
  }

 private:
  void enter_a() {
    ++counter_.entries[0];
    ++counter_.entries[1];
    ++counter_.entries[2];
    state_ = State::a11;
  }
  void exit_a() {
    ++counter_.exits[2];
    ++counter_.exits[1];
    ++counter_.exits[0];
  }
  void enter_b() {
    ++counter_.entries[3];
    ++counter_.entries[4];
    ++counter_.entries[5];
    state_ = State::b11;
  }
  void exit_b() {
    ++counter_.exits[5];
    ++counter_.exits[4];
    ++counter_.exits[3];
  }

  Counter& counter_;
  State state_ = State::a11;
};

void BM_switch_three_levels(benchmark::State& bench) {
  Counter counter;
  SwitchMachine machine(counter);
  for (auto _ : bench) {
    machine.dispatch(SwitchMachine::Event::flip);
    benchmark::DoNotOptimize(counter);
  }
  bench.SetItemsProcessed(bench.iterations());
}
BENCHMARK(BM_switch_three_levels);

// `work` is the counter increments per dispatch: three_levels exits and enters
// three states, siblings one.
template <const auto& Chart, std::uint64_t work>
void run_chart(benchmark::State& bench) {
  Counter counter;
  NullHost host;
  lit::chart::Instance<Chart> machine(counter, host);
  machine.start();
  constexpr lit::chart::EventId flip = Chart.event("flip");
  for (auto _ : bench) {
    machine.dispatch(flip);
    benchmark::DoNotOptimize(counter);
  }
  const std::uint64_t start_work = Chart.table().state_count / 2;
  if (counter.total() != work * static_cast<std::uint64_t>(bench.iterations()) + start_work) {
    bench.SkipWithError("the chart did not do the work it was meant to");
  }
  bench.SetItemsProcessed(bench.iterations());
}

void BM_chart_three_levels(benchmark::State& bench) { run_chart<three_levels, 6>(bench); }
BENCHMARK(BM_chart_three_levels);

void BM_chart_siblings(benchmark::State& bench) { run_chart<siblings, 2>(bench); }
BENCHMARK(BM_chart_siblings);

// The cost of an event that no active state handles.
constexpr auto quiet = lit::chart::define<Counter>(
    "quiet", initial("a"), state("a", on("x").to("b")), state("b"), state("c", on("flip").to("a")));

void BM_chart_unhandled_event(benchmark::State& bench) {
  Counter counter;
  NullHost host;
  lit::chart::Instance<quiet> machine(counter, host);
  machine.start();
  constexpr lit::chart::EventId flip = quiet.event("flip");
  for (auto _ : bench) {
    benchmark::DoNotOptimize(machine.dispatch(flip));
  }
  bench.SetItemsProcessed(bench.iterations());
}
BENCHMARK(BM_chart_unhandled_event);

}  // namespace

BENCHMARK_MAIN();

// Statechart dispatch cost on the host, beside a hand-written switch state
// machine doing the same work in the same run. The workload is in
// three_levels_chart.hpp (shared with the Cortex-M3 instruction count): a
// 3-level hierarchy where each event exits three states and enters three,
// each with its own action. Also measured: a one-level move between siblings,
// two parallel regions, an event nothing handles, and the same 3-level chart
// through the interpreter alone (the path charts loaded at run time take).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "lit/statechart.hpp"
#include "three_levels_chart.hpp"

using namespace lit::chart::dsl;
using lit::bench::Counter;
using lit::bench::NullHost;
using lit::bench::three_levels;

namespace {

constexpr auto siblings =
    lit::chart::define<Counter>("siblings",
                                initial("top"),
                                state("top",
                                      initial("x"),
                                      state("x", entry([](Counter& c) { ++c.entries[0]; }), on("flip").to("y")),
                                      state("y", entry([](Counter& c) { ++c.entries[1]; }), on("flip").to("x"))));

// Two parallel regions; each event moves one region between siblings. Charts
// with parallel states always take the interpreter.
constexpr auto regions = lit::chart::define<Counter>(
    "regions",
    initial("p"),
    parallel("p",
             state("left",
                   initial("l1"),
                   state("l1", entry([](Counter& c) { ++c.entries[0]; }), on("flip").to("l2")),
                   state("l2", entry([](Counter& c) { ++c.entries[1]; }), on("flip").to("l1"))),
             state("right", initial("r1"), state("r1", entry([](Counter& c) { ++c.entries[2]; })))));

// An event that no active state handles.
constexpr auto quiet = lit::chart::define<Counter>(
    "quiet", initial("a"), state("a", on("x").to("b")), state("b"), state("c", on("flip").to("a")));

void BM_switch_three_levels(benchmark::State& bench) {
  Counter counter;
  lit::bench::SwitchMachine machine(counter);
  for (auto _ : bench) {
    machine.dispatch(lit::bench::SwitchMachine::Event::flip);
    benchmark::DoNotOptimize(counter);
  }
  if (counter.total() != lit::bench::kThreeLevelsWorkPerEvent * static_cast<std::uint64_t>(bench.iterations()) + 3) {
    bench.SkipWithError("the switch machine did not do the work it was meant to");
  }
  bench.SetItemsProcessed(bench.iterations());
}
BENCHMARK(BM_switch_three_levels);

// `work` is the counter increments per dispatch, `start_work` those of start().
template <class MachineType>
void run_dispatches(benchmark::State& bench,
                    MachineType& machine,
                    Counter& counter,
                    lit::chart::EventId flip,
                    std::uint64_t work,
                    std::uint64_t start_work) {
  for (auto _ : bench) {
    machine.dispatch(flip);
    benchmark::DoNotOptimize(counter);
  }
  if (counter.total() != work * static_cast<std::uint64_t>(bench.iterations()) + start_work) {
    bench.SkipWithError("the chart did not do the work it was meant to");
  }
  bench.SetItemsProcessed(bench.iterations());
}

void BM_chart_three_levels(benchmark::State& bench) {
  Counter counter;
  NullHost host;
  lit::chart::Instance<three_levels> machine(counter, host);
  machine.start();
  run_dispatches(bench, machine, counter, three_levels.event("flip"), lit::bench::kThreeLevelsWorkPerEvent, 3);
}
BENCHMARK(BM_chart_three_levels);

void BM_chart_three_levels_interpreted(benchmark::State& bench) {
  static constexpr lit::chart::Table interpreted = three_levels.table();  // no compiled dispatch
  Counter counter;
  NullHost host;
  lit::chart::Machine machine(interpreted, &counter, host);
  machine.start();
  run_dispatches(bench, machine, counter, three_levels.event("flip"), lit::bench::kThreeLevelsWorkPerEvent, 3);
}
BENCHMARK(BM_chart_three_levels_interpreted);

void BM_chart_siblings(benchmark::State& bench) {
  Counter counter;
  NullHost host;
  lit::chart::Instance<siblings> machine(counter, host);
  machine.start();
  run_dispatches(bench, machine, counter, siblings.event("flip"), 1, 1);
}
BENCHMARK(BM_chart_siblings);

void BM_chart_parallel_regions(benchmark::State& bench) {
  Counter counter;
  NullHost host;
  lit::chart::Instance<regions> machine(counter, host);
  machine.start();
  run_dispatches(bench, machine, counter, regions.event("flip"), 1, 2);
}
BENCHMARK(BM_chart_parallel_regions);

void BM_chart_unhandled_event(benchmark::State& bench) {
  Counter counter;
  NullHost host;
  lit::chart::Instance<quiet> machine(counter, host);
  machine.start();
  run_dispatches(bench, machine, counter, quiet.event("flip"), 0, 0);
}
BENCHMARK(BM_chart_unhandled_event);

}  // namespace

BENCHMARK_MAIN();

// Instructions per dispatched event on a Cortex-M3, for the workload in
// bench/three_levels_chart.hpp: the chart engine beside the hand-written switch.
//
// Method: QEMU runs with -icount shift=0 (one instruction per virtual
// nanosecond), so SysTick at the AN385's 25 MHz ticks once per 40 instructions.
// SysTick runs free as a 24-bit counter (tick_counter.hpp), each loop is timed
// by two readings of it, and an empty loop measured the same way is subtracted. Without -icount the figures are
// wall-clock noise; run it through `meson test --benchmark` or bench/run-m3.sh, which pass the flag.
#include <cstdint>

#include "board.hpp"
#include "console.hpp"
#include "three_levels_chart.hpp"
#include "tick_counter.hpp"

namespace {

using lit::port::console;

constexpr std::uint32_t kEvents = 200'000;
static_assert(kEvents % 10 == 0, "tenths_per_event() divides by kEvents / 10");

// Keeps the compiler from folding loop iterations together, like
// benchmark::DoNotOptimize in the host benchmark.
inline void keep(const void* pointer) { asm volatile("" : : "r"(pointer) : "memory"); }

// Each loop must stay under 2^24 ticks: about 3,300 instructions per event at kEvents.
template <class Body>
std::uint32_t ticks_for(Body body) {
  const std::uint32_t start = lit::cortex_m::tick_counter::now();
  body();
  return lit::cortex_m::tick_counter::elapsed(start, lit::cortex_m::tick_counter::now());
}

// Tenths of an instruction per event, from SysTick ticks over kEvents events.
std::uint32_t tenths_per_event(std::uint32_t ticks) {
  const std::uint32_t nanoseconds_per_tick = 1'000'000'000U / lit::board::core_clock_hz();
  const std::uint32_t instructions = ticks * nanoseconds_per_tick;  // < 2^24 ticks * 40: no overflow
  return instructions / (kEvents / 10U);
}

void print_tenths(std::uint32_t tenths) { console << tenths / 10U << '.' << tenths % 10U; }

}  // namespace

int main() {
  lit::board::init();
  lit::cortex_m::tick_counter::start();
  using lit::bench::three_levels;

  // The measured loops' skeleton with nothing in it: a register count and the barrier.
  lit::bench::Counter nothing;
  const std::uint32_t baseline = ticks_for([&] {
    for (std::uint32_t i = 0; i < kEvents; ++i) keep(&nothing);
  });

  lit::bench::Counter chart_counter;
  lit::bench::NullHost host;
  lit::chart::Instance<three_levels> machine(chart_counter, host);
  machine.start();
  const std::uint64_t chart_start_work = chart_counter.total();
  constexpr lit::chart::EventId flip = three_levels.event("flip");
  const std::uint32_t chart = ticks_for([&] {
    for (std::uint32_t i = 0; i < kEvents; ++i) {
      machine.dispatch(flip);
      keep(&chart_counter);
    }
  });

  lit::bench::Counter switch_counter;
  lit::bench::SwitchMachine hand_written(switch_counter);
  const std::uint64_t switch_start_work = switch_counter.total();
  const std::uint32_t switched = ticks_for([&] {
    for (std::uint32_t i = 0; i < kEvents; ++i) {
      hand_written.dispatch(lit::bench::SwitchMachine::Event::flip);
      keep(&switch_counter);
    }
  });

  const std::uint64_t work = lit::bench::kThreeLevelsWorkPerEvent * kEvents;
  if (chart_counter.total() - chart_start_work != work || switch_counter.total() - switch_start_work != work) {
    console << "dispatch_m3: FAIL: a machine did not do the work it was meant to\n";
    return 1;
  }

  const std::uint32_t chart_tenths = tenths_per_event(chart - baseline);
  const std::uint32_t switch_tenths = tenths_per_event(switched - baseline);
  console << "dispatch_m3 on " << lit::board::name() << ": " << kEvents
          << " events, 3-level hierarchy, 3 exits + 3 entries per event\n";
  console << "  empty loop: ";
  print_tenths(tenths_per_event(baseline));
  console << " instructions/iteration (subtracted)\n";
  console << "  chart:  ";
  print_tenths(chart_tenths);
  console << " instructions/event\n";
  console << "  switch: ";
  print_tenths(switch_tenths);
  console << " instructions/event\n";
  console << "  chart/switch: ";
  print_tenths(switch_tenths == 0 ? 0 : chart_tenths * 10U / switch_tenths);
  console << "x\n";
  return 0;
}

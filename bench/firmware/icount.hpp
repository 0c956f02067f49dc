// Counting instructions on the AN385 under QEMU -icount shift=0,align=off,sleep=off:
// one instruction per virtual nanosecond, so the free-running 25 MHz SysTick
// (tick_counter.hpp) advances once per 40 instructions. Two ways to time code:
// a long loop between two readings (ticks_for), or many short stretches each
// started at a pseudo-random phase of the 40-instruction tick (Stopwatch), which
// makes the sum of their whole-tick readings an unbiased count. Bare metal
// only; nothing here allocates. Without -icount every figure is wall-clock noise.
#pragma once

#include <cstdint>

#include "board.hpp"
#include "console.hpp"
#include "tick_counter.hpp"

namespace lit::bench::icount {

// Keeps the compiler from folding loop iterations together or dropping work.
inline void keep(const void* pointer) { asm volatile("" : : "r"(pointer) : "memory"); }

inline std::uint32_t instructions_per_tick() { return 1'000'000'000U / lit::board::core_clock_hz(); }

// Ticks spent in body(); it must stay under 2^24 ticks (about 670 M instructions).
template <class Body>
std::uint32_t ticks_for(Body body) {
  const std::uint32_t start = lit::cortex_m::tick_counter::now();
  body();
  return lit::cortex_m::tick_counter::elapsed(start, lit::cortex_m::tick_counter::now());
}

// Tenths of an instruction per event, from `ticks` over `events` events.
inline std::uint32_t tenths_per_event(std::uint64_t ticks, std::uint32_t events) {
  return static_cast<std::uint32_t>(ticks * instructions_per_tick() * 10U / events);
}

inline void print_tenths(std::uint32_t tenths) { lit::port::console << tenths / 10U << '.' << tenths % 10U; }

// Times many short stretches of code (each far below a tick's worth of
// resolution matters) exactly on average: before each one it runs 3k + 3
// instructions, k pseudo-random in 0..39; 3 and 40 being coprime, the stretch
// starts at a uniformly spread phase of the tick, so each reading's rounding
// averages out. start() and stop() bracket a stretch; stop() may run deeper in
// the call tree than start() (inside a handler, say).
class Stopwatch {
 public:
  void start() {
    dither();
    started_ = lit::cortex_m::tick_counter::now();
  }
  void stop() {
    const std::uint32_t now = lit::cortex_m::tick_counter::now();
    ticks_ += lit::cortex_m::tick_counter::elapsed(started_, now);
    ++stretches_;
  }
  std::uint64_t ticks() const { return ticks_; }
  std::uint32_t stretches() const { return stretches_; }
  void reset() {
    ticks_ = 0;
    stretches_ = 0;
  }

 private:
  void dither() {
    random_ ^= random_ << 13U;
    random_ ^= random_ >> 17U;
    random_ ^= random_ << 5U;
    std::uint32_t loops = random_ % 40U + 1U;
    asm volatile(
        "1: subs %0, %0, #1\n"
        "   nop\n"
        "   bhi 1b\n"
        : "+r"(loops)
        :
        : "cc");
  }

  std::uint32_t random_ = 0x9E3779B9U;
  std::uint32_t started_ = 0;
  std::uint64_t ticks_ = 0;
  std::uint32_t stretches_ = 0;
};

}  // namespace lit::bench::icount

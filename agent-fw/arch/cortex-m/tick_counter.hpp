// SysTick as a free-running 24-bit down-counter with no interrupt, for timing
// short stretches of code exactly in core-clock ticks: the instruction-count
// benchmark's clock. It takes SysTick over from the millisecond time base, so
// board::now_ms() stops once start() is called. An interval must stay under
// 2^24 ticks (0.67 s at 25 MHz); nothing tracks wraps beyond one.
//
// Why not the millisecond interrupt plus the counter: under QEMU the counter
// shows its reload value a little before the SysTick exception becomes
// pending, so a reading in that window is a whole period short.
#pragma once

#include <cstdint>

#include "registers.hpp"

namespace lit::cortex_m::tick_counter {

inline void start() {
  reg(systick::kCsr) = 0;
  reg(systick::kRvr) = systick::kMaxReload;
  reg(systick::kCvr) = 0;
  reg(systick::kCsr) = systick::kEnable | systick::kProcessorClock;
}

inline std::uint32_t now() { return reg(systick::kCvr); }

// Ticks from `earlier` to `later`, two readings of now(); the counter counts down.
inline std::uint32_t elapsed(std::uint32_t earlier, std::uint32_t later) {
  return (earlier - later) & systick::kMaxReload;
}

}  // namespace lit::cortex_m::tick_counter

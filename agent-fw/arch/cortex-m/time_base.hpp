// The SysTick time base every board uses: one interrupt per millisecond from
// the core clock, counted in a word that now_ms() reads from any context.
// Boards call start() once from board::init(). Nothing here allocates.
#pragma once

#include <cstdint>

namespace lit::cortex_m::time_base {

// Starts SysTick from the processor clock with one interrupt per millisecond.
void start(std::uint32_t core_clock_hz);
// Milliseconds since start(); wraps after about 49 days.
std::uint32_t now_ms();

}  // namespace lit::cortex_m::time_base

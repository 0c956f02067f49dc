// SysTick millisecond clock; see time_base.hpp.
#include "time_base.hpp"

#include "registers.hpp"

namespace lit::cortex_m::time_base {
namespace {
// Written only by SysTick_Handler; a single aligned word, so reads are atomic.
volatile std::uint32_t milliseconds = 0;
}  // namespace

void start(std::uint32_t core_clock_hz) {
  reg(systick::kRvr) = core_clock_hz / 1000U - 1U;
  reg(systick::kCvr) = 0;
  reg(systick::kCsr) = systick::kEnable | systick::kTickInterrupt | systick::kProcessorClock;
}

std::uint32_t now_ms() { return milliseconds; }

}  // namespace lit::cortex_m::time_base

extern "C" void SysTick_Handler() {
  using lit::cortex_m::time_base::milliseconds;
  milliseconds = milliseconds + 1U;
}

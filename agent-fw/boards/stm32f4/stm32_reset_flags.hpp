// The STM32F4's own account of a reset (RCC_CSR flags), for a run that ended
// without writing the reset record: which cause to report, and why. Reading
// clears the flags, so call it once, at init(). A software reset and a
// watchdog reset also set the pin flag (both drive NRST), so the order of the
// checks matters.
#pragma once

#include "board.hpp"
#include "stm32f4_registers.hpp"

namespace lit::board::stm32 {

struct UnrecordedReset {
  ResetCause cause;
  const char* reason;
};

inline UnrecordedReset take_reset_flags() {
  const std::uint32_t flags = reg(rcc::kControlStatus);
  reg(rcc::kControlStatus) = flags | rcc::kControlStatusRemoveFlags;
  if ((flags & (rcc::kControlStatusIwdgReset | rcc::kControlStatusWwdgReset)) != 0)
    return {ResetCause::watchdog, "watchdog reset (RCC_CSR)"};
  if ((flags & rcc::kControlStatusSoftwareReset) != 0) return {ResetCause::power_on, "software reset, no record"};
  if ((flags & rcc::kControlStatusPowerOnReset) != 0) return {ResetCause::power_on, "power on (RCC_CSR)"};
  if ((flags & rcc::kControlStatusPinReset) != 0) return {ResetCause::power_on, "reset pin"};
  return {ResetCause::power_on, "reset without a record"};
}

}  // namespace lit::board::stm32

// STM32F4 system registers shared by the STM32F4 boards: reset and clock
// control, flash latency, power control and GPIO, with the bits this
// firmware uses. Addresses and bits from RM0090 (STM32F405/407). Register
// access only, no state.
#pragma once

#include <cstdint>

#include "registers.hpp"

namespace lit::board::stm32 {

using cortex_m::reg;

namespace rcc {
inline constexpr std::uintptr_t kBase = 0x4002'3800;
inline constexpr std::uintptr_t kControl = kBase + 0x00;
inline constexpr std::uintptr_t kPllConfig = kBase + 0x04;
inline constexpr std::uintptr_t kConfig = kBase + 0x08;
inline constexpr std::uintptr_t kAhb1Enable = kBase + 0x30;
inline constexpr std::uintptr_t kAhb2Enable = kBase + 0x34;
inline constexpr std::uintptr_t kApb1Enable = kBase + 0x40;
inline constexpr std::uintptr_t kApb2Enable = kBase + 0x44;
inline constexpr std::uintptr_t kControlStatus = kBase + 0x74;  // LSI and the reset flags

inline constexpr std::uint32_t kControlHseOn = 1U << 16;
inline constexpr std::uint32_t kControlHseReady = 1U << 17;
inline constexpr std::uint32_t kControlPllOn = 1U << 24;
inline constexpr std::uint32_t kControlPllReady = 1U << 25;
inline constexpr std::uint32_t kPllSourceHse = 1U << 22;
// PLLM, PLLN, PLLP, PLLSRC and PLLQ; the register's other bits are reserved
// and keep their reset values (bit 29 resets to 1).
inline constexpr std::uint32_t kPllConfigFields = 0x0F43'7FFFU;
inline constexpr std::uint32_t kConfigPrescalerFields = 0xFCF0U;  // HPRE, PPRE1, PPRE2
inline constexpr std::uint32_t kConfigSwitchPll = 0x2U;
inline constexpr std::uint32_t kConfigSwitchMask = 0x3U;
inline constexpr std::uint32_t kConfigSwitchStatusPll = 0x2U << 2;
inline constexpr std::uint32_t kConfigSwitchStatusMask = 0x3U << 2;
inline constexpr std::uint32_t kConfigApb1Div4 = 0x5U << 10;
inline constexpr std::uint32_t kConfigApb2Div2 = 0x4U << 13;
inline constexpr std::uint32_t kAhb1GpioA = 1U << 0;
inline constexpr std::uint32_t kAhb1GpioD = 1U << 3;
inline constexpr std::uint32_t kAhb2Rng = 1U << 6;
inline constexpr std::uint32_t kApb1Usart2 = 1U << 17;
inline constexpr std::uint32_t kApb1Usart3 = 1U << 18;
inline constexpr std::uint32_t kApb1Power = 1U << 28;
inline constexpr std::uint32_t kApb2Usart1 = 1U << 4;
inline constexpr std::uint32_t kControlStatusLsiOn = 1U << 0;
inline constexpr std::uint32_t kControlStatusLsiReady = 1U << 1;
inline constexpr std::uint32_t kControlStatusRemoveFlags = 1U << 24;
inline constexpr std::uint32_t kControlStatusPinReset = 1U << 26;
inline constexpr std::uint32_t kControlStatusPowerOnReset = 1U << 27;
inline constexpr std::uint32_t kControlStatusSoftwareReset = 1U << 28;
inline constexpr std::uint32_t kControlStatusIwdgReset = 1U << 29;
inline constexpr std::uint32_t kControlStatusWwdgReset = 1U << 30;

// Turns on the clocks of the peripherals in `bits` of an enable register
// (kAhb1Enable, kApb1Enable, ...). The read-back is the wait the STM32F40x
// errata ask for before the first access to a newly clocked peripheral.
inline void enable_clocks(std::uintptr_t enable_register, std::uint32_t bits) {
  reg(enable_register) = reg(enable_register) | bits;
  [[maybe_unused]] const std::uint32_t settled = reg(enable_register);
}
}  // namespace rcc

namespace flash {
inline constexpr std::uintptr_t kAccessControl = 0x4002'3C00;
inline constexpr std::uint32_t kPrefetch = 1U << 8;
inline constexpr std::uint32_t kInstructionCache = 1U << 9;
inline constexpr std::uint32_t kDataCache = 1U << 10;
inline constexpr std::uint32_t kLatencyMask = 0x7U;
}  // namespace flash

namespace power {
inline constexpr std::uintptr_t kControl = 0x4000'7000;
inline constexpr std::uint32_t kVoltageScale1 = 1U << 14;  // needed for 168 MHz
}  // namespace power

// One GPIO port: MODER, OSPEEDR, PUPDR and the alternate-function registers.
class GpioPort {
 public:
  constexpr explicit GpioPort(std::uintptr_t base) : base_(base) {}

  // Hands `pin` to alternate function `function` (0-15), high speed, pull-up
  // (an idle UART line is high, so a floating RX reads no spurious start bits).
  void use_alternate_function(unsigned pin, unsigned function) const {
    const unsigned two_bits = pin * 2U;
    reg(base_ + kMode) = (reg(base_ + kMode) & ~(0x3U << two_bits)) | (0x2U << two_bits);
    reg(base_ + kSpeed) = (reg(base_ + kSpeed) & ~(0x3U << two_bits)) | (0x2U << two_bits);
    reg(base_ + kPull) = (reg(base_ + kPull) & ~(0x3U << two_bits)) | (0x1U << two_bits);
    const std::uintptr_t alternate = base_ + (pin < 8U ? kAlternateLow : kAlternateHigh);
    const unsigned four_bits = (pin % 8U) * 4U;
    reg(alternate) = (reg(alternate) & ~(0xFU << four_bits)) | (function << four_bits);
  }

 private:
  static constexpr std::uintptr_t kMode = 0x00;
  static constexpr std::uintptr_t kSpeed = 0x08;
  static constexpr std::uintptr_t kPull = 0x0C;
  static constexpr std::uintptr_t kAlternateLow = 0x20;
  static constexpr std::uintptr_t kAlternateHigh = 0x24;

  std::uintptr_t base_;
};

inline constexpr GpioPort kGpioA{0x4002'0000};
inline constexpr GpioPort kGpioD{0x4002'0C00};
inline constexpr unsigned kAlternateFunctionUsart1To3 = 7;

}  // namespace lit::board::stm32

// Cortex-M core registers shared by every ARMv7-M board: SysTick, the system
// control block and the FPU enable. Memory-mapped register access only; no
// state, no allocation. Board-specific peripherals live in agent-fw/boards/.
#pragma once

#include <cstdint>

namespace lit::cortex_m {

inline volatile std::uint32_t& reg(std::uintptr_t address) {
  return *reinterpret_cast<volatile std::uint32_t*>(address);
}

namespace systick {
inline constexpr std::uintptr_t kCsr = 0xE000E010;  // control and status
inline constexpr std::uintptr_t kRvr = 0xE000E014;  // reload value
inline constexpr std::uintptr_t kCvr = 0xE000E018;  // current value (counts down)
inline constexpr std::uint32_t kEnable = 1U << 0;
inline constexpr std::uint32_t kTickInterrupt = 1U << 1;
inline constexpr std::uint32_t kProcessorClock = 1U << 2;
inline constexpr std::uint32_t kMaxReload = 0x00FFFFFF;  // the counter is 24 bits wide
}  // namespace systick

namespace scb {
inline constexpr std::uintptr_t kCpacr = 0xE000ED88;  // coprocessor access control
inline constexpr std::uint32_t kCp10Cp11Full = 0xFU << 20;
}  // namespace scb

inline void wait_for_interrupt() { asm volatile("wfi" ::: "memory"); }

}  // namespace lit::cortex_m

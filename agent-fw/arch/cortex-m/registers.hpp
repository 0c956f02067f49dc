// Cortex-M core registers shared by every ARMv7-M board: SysTick, the NVIC,
// the system control block (reset request, fault status) and the FPU enable.
// Memory-mapped register access only; no state, no allocation. Board-specific
// peripherals live in agent-fw/boards/.
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

namespace nvic {
inline constexpr std::uintptr_t kIser = 0xE000E100;  // set-enable, one bit per interrupt, 32 per word
inline constexpr std::uintptr_t kIspr = 0xE000E200;  // set-pending, same layout

inline void enable(unsigned irq) { reg(kIser + 4U * (irq / 32U)) = 1U << (irq % 32U); }
// Makes the interrupt pending as if its peripheral had raised it: how thread
// code hands work to an ISR without touching registers the ISR also writes.
inline void set_pending(unsigned irq) { reg(kIspr + 4U * (irq / 32U)) = 1U << (irq % 32U); }
}  // namespace nvic

namespace scb {
inline constexpr std::uintptr_t kAircr = 0xE000ED0C;  // application interrupt and reset control
inline constexpr std::uint32_t kAircrVectKey = 0x05FAU << 16;
inline constexpr std::uint32_t kAircrSysResetReq = 1U << 2;
inline constexpr std::uint32_t kAircrPriorityGroup = 0x7U << 8;
inline constexpr std::uintptr_t kCfsr = 0xE000ED28;   // configurable fault status (MemManage, BusFault, UsageFault)
inline constexpr std::uintptr_t kHfsr = 0xE000ED2C;   // hard fault status
inline constexpr std::uintptr_t kMmfar = 0xE000ED34;  // MemManage fault address
inline constexpr std::uintptr_t kBfar = 0xE000ED38;   // BusFault address
inline constexpr std::uint32_t kCfsrMmarValid = 1U << 7;
inline constexpr std::uint32_t kCfsrBfarValid = 1U << 15;
inline constexpr std::uintptr_t kCpacr = 0xE000ED88;  // coprocessor access control
inline constexpr std::uint32_t kCp10Cp11Full = 0xFU << 20;
}  // namespace scb

inline void wait_for_interrupt() { asm volatile("wfi" ::: "memory"); }

// PRIMASK: masks every configurable interrupt; returns the previous state for restore_interrupts().
inline std::uint32_t disable_interrupts() {
  std::uint32_t primask = 0;
  asm volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
  return primask;
}
inline void restore_interrupts(std::uint32_t primask) { asm volatile("msr primask, %0" ::"r"(primask) : "memory"); }

}  // namespace lit::cortex_m

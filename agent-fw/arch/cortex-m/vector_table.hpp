// The shape of an ARMv7-M vector table: the initial stack pointer, the 15
// system exceptions, then a part's external interrupts. A board's vectors.cpp
// instantiates it with its interrupt count and places it in the .vectors
// section, which sections.ld puts at the start of flash.
#pragma once

#include <array>
#include <cstddef>

extern "C" {
extern char _stack_top[];  // from sections.ld
void Reset_Handler();
void HardFault_Handler();
void SysTick_Handler();
void Default_Handler();
}

namespace lit::cortex_m {

using Handler = void (*)();

// Index of the NMI in VectorTable::system (the vector after the reset vector).
inline constexpr std::size_t kNmiVector = 1;

template <std::size_t InterruptCount>
struct VectorTable {
  void* initial_stack_pointer;
  std::array<Handler, 15> system;
  std::array<Handler, InterruptCount> interrupts;
};

// Every exception the firmware does not handle goes to Default_Handler, which
// panics. A board routes its own interrupts by assigning into the returned table.
template <std::size_t InterruptCount>
constexpr VectorTable<InterruptCount> make_vector_table() {
  VectorTable<InterruptCount> table{_stack_top, {}, {}};
  table.system = {
      Reset_Handler,
      Default_Handler,    // NMI
      HardFault_Handler,  // HardFault
      Default_Handler,    // MemManage
      Default_Handler,    // BusFault
      Default_Handler,    // UsageFault
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      Default_Handler,  // SVCall
      Default_Handler,  // DebugMonitor
      nullptr,
      Default_Handler,  // PendSV
      SysTick_Handler,
  };
  for (Handler& handler : table.interrupts) handler = Default_Handler;
  return table;
}

}  // namespace lit::cortex_m

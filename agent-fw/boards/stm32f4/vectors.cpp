// The STM32F405/407 vector table, for every STM32F4 board here: the Cortex-M4
// system exceptions and the parts' 82 external interrupts. Routed: USART2
// (the link), whose handler the board's board.cpp defines.
#include "vector_table.hpp"

extern "C" void USART2_IRQHandler();

namespace {
constexpr auto make_stm32f4_vector_table() {
  auto table = lit::cortex_m::make_vector_table<82>();
  table.interrupts[38] = USART2_IRQHandler;
  return table;
}
}  // namespace

[[gnu::used, gnu::section(".vectors")]] constinit const auto vector_table = make_stm32f4_vector_table();

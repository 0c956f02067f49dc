// The STM32F407 vector table: the Cortex-M4 system exceptions and the part's 82
// external interrupts. Routed: USART2 (the link).
#include "vector_table.hpp"

extern "C" void USART2_IRQHandler();

namespace {
constexpr auto make_stm32f407_vector_table() {
  auto table = lit::cortex_m::make_vector_table<82>();
  table.interrupts[38] = USART2_IRQHandler;
  return table;
}
}  // namespace

[[gnu::used, gnu::section(".vectors")]] constinit const auto vector_table = make_stm32f407_vector_table();

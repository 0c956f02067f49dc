// The AN385 vector table: the Cortex-M3 system exceptions and the 32 external
// interrupts of the MPS2 FPGA image. Routed: the NMI (the watchdog's early
// warning) and UART1's RX, TX and the shared UART overrun interrupt (the link).
#include "vector_table.hpp"

extern "C" {
void NMI_Handler();
void Link_Rx_IRQHandler();
void Link_Tx_IRQHandler();
void Uart_Overrun_IRQHandler();
}

namespace {
constexpr auto make_an385_vector_table() {
  auto table = lit::cortex_m::make_vector_table<32>();
  table.system[lit::cortex_m::kNmiVector] = NMI_Handler;
  table.interrupts[2] = Link_Rx_IRQHandler;        // UART1 RX
  table.interrupts[3] = Link_Tx_IRQHandler;        // UART1 TX
  table.interrupts[12] = Uart_Overrun_IRQHandler;  // UART0-2 overrun, ORed
  return table;
}
}  // namespace

[[gnu::used, gnu::section(".vectors")]] constinit const auto vector_table = make_an385_vector_table();

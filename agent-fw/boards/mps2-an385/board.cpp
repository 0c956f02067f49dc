// Board support for QEMU's mps2-an385 (ARM MPS2 FPGA, AN385 image: Cortex-M3 at
// 25 MHz). Console on CMSDK UART0 (polled), the link on UART1 (interrupts:
// RX 2, TX 3, and 12 for the overruns of UARTs 0-2; QEMU's hw/arm/mps2.c), the
// CMSDK watchdog with its early warning on the NMI, time base on SysTick; the
// rest of the facade is agent-fw/boards/cortex_m_board.cpp and emulated_board.cpp.
#include "board.hpp"

#include "cmsdk_uart.hpp"
#include "cmsdk_watchdog.hpp"
#include "fault.hpp"
#include "link_uart.hpp"
#include "registers.hpp"
#include "reset_record.hpp"
#include "time_base.hpp"

namespace lit::board {
namespace {
constexpr std::uint32_t kCoreClockHz = 25'000'000;  // also the UARTs' and the watchdog's clock
constexpr std::uint32_t kConsoleBaud = 115'200;
constexpr cmsdk::Uart kConsole{0x40004000};  // UART0: QEMU's first -serial
constexpr cmsdk::Uart kLink{0x40005000};     // UART1: QEMU's second -serial
constexpr cmsdk::Watchdog kWatchdog{0x40008000};
constexpr unsigned kLinkRxIrq = 2;
constexpr unsigned kLinkTxIrq = 3;
constexpr unsigned kUartOverrunIrq = 12;
constexpr std::uint32_t kWatchdogTicksPerMs = kCoreClockHz / 1000U;
}  // namespace

std::string_view name() { return "mps2-an385"; }

void init() {
  kConsole.enable_transmitter(kCoreClockHz / kConsoleBaud);
  cortex_m::time_base::start(kCoreClockHz);
  // The AN385 keeps no reset flags: a run that recorded nothing met the
  // watchdog's backstop, QEMU's system_reset, or a debugger.
  cortex_m::reset_record::capture(ResetCause::power_on, "reset without a record");
}

std::uint32_t core_clock_hz() { return kCoreClockHz; }

void console_put(char byte) { kConsole.write(byte); }

namespace link_driver {
void start(std::uint32_t baud) {
  kLink.start_interrupt_driven(kCoreClockHz / baud);
  cortex_m::nvic::enable(kLinkRxIrq);
  cortex_m::nvic::enable(kLinkTxIrq);
  cortex_m::nvic::enable(kUartOverrunIrq);
}

// The CMSDK TX interrupt fires when a byte leaves, not while the buffer is
// empty, so an idle transmitter needs its handler started by hand.
void start_transmitting() { cortex_m::nvic::set_pending(kLinkTxIrq); }
}  // namespace link_driver

bool has_watchdog() { return true; }

void watchdog_start(std::uint32_t timeout_ms) {
  constexpr std::uint32_t kLongest = 0xFFFF'FFFFU / kWatchdogTicksPerMs;
  kWatchdog.start((timeout_ms < kLongest ? timeout_ms : kLongest) * kWatchdogTicksPerMs);
}

void watchdog_kick() { kWatchdog.kick(); }

}  // namespace lit::board

extern "C" {
void Link_Rx_IRQHandler() { lit::board::kLink.service_link_rx(); }
void Link_Tx_IRQHandler() { lit::board::kLink.service_link_tx(); }
void Uart_Overrun_IRQHandler() { lit::board::kLink.service_link_overrun(); }

// The watchdog's first expiry: record where the core was and reset before the second.
[[noreturn, gnu::used]] void lit_watchdog_nmi(const std::uint32_t* frame) {
  lit::board::ResetRecord record;
  record.cause = lit::board::ResetCause::watchdog;
  lit::cortex_m::reset_record::set_reason(record, "watchdog expired");
  lit::cortex_m::fault::reset_from_frame(frame, record);
}
}

LIT_EXCEPTION_FRAME_HANDLER(NMI_Handler, lit_watchdog_nmi)

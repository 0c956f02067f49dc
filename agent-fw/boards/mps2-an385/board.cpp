// Board support for QEMU's mps2-an385 (ARM MPS2 FPGA, AN385 image: Cortex-M3 at
// 25 MHz). Console on CMSDK UART0, time base on SysTick; the rest of the
// facade is agent-fw/boards/cortex_m_board.cpp.
#include "board.hpp"

#include "cmsdk_uart.hpp"
#include "time_base.hpp"

namespace lit::board {
namespace {
constexpr std::uint32_t kCoreClockHz = 25'000'000;
constexpr std::uint32_t kConsoleBaud = 115'200;
constexpr cmsdk::Uart kConsole{0x40004000};  // UART0
}  // namespace

std::string_view name() { return "mps2-an385"; }

void init() {
  kConsole.enable_transmitter(kCoreClockHz / kConsoleBaud);
  cortex_m::time_base::start(kCoreClockHz);
}

std::uint32_t core_clock_hz() { return kCoreClockHz; }

void console_put(char byte) { kConsole.write(byte); }

}  // namespace lit::board

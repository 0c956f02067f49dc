// Board support for QEMU's netduinoplus2 (STM32F405, Cortex-M4F). A stub for
// now: it assumes QEMU's fixed 168 MHz SYSCLK and programs no PLL or GPIO, so
// it does not yet bring up a real STM32F4 board. Console on USART1, time base
// on SysTick; the rest of the facade is agent-fw/boards/cortex_m_board.cpp.
#include "board.hpp"

#include "registers.hpp"
#include "stm32_usart.hpp"
#include "time_base.hpp"

namespace lit::board {
namespace {
constexpr std::uint32_t kCoreClockHz = 168'000'000;
constexpr std::uint32_t kApb2ClockHz = kCoreClockHz / 2;
constexpr std::uint32_t kConsoleBaud = 115'200;
constexpr std::uintptr_t kRccApb2Enable = 0x40023844;
constexpr std::uint32_t kRccApb2Usart1 = 1U << 4;
constexpr stm32::Usart kConsole{0x40011000};  // USART1
}  // namespace

std::string_view name() { return "netduinoplus2"; }

void init() {
  cortex_m::reg(kRccApb2Enable) = cortex_m::reg(kRccApb2Enable) | kRccApb2Usart1;
  kConsole.enable_transmitter(kApb2ClockHz / kConsoleBaud);
  cortex_m::time_base::start(kCoreClockHz);
}

std::uint32_t core_clock_hz() { return kCoreClockHz; }

void console_put(char byte) { kConsole.write(byte); }

}  // namespace lit::board

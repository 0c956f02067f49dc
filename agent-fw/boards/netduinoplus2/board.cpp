// Board support for QEMU's netduinoplus2 (STM32F405, Cortex-M4F). It assumes
// QEMU's fixed 168 MHz SYSCLK (APB1 42 MHz, APB2 84 MHz) and programs no PLL
// or GPIO: QEMU models neither RCC nor the GPIO alternate functions. Console
// on USART1 (polled), the link on USART2 (interrupt 38), time base on SysTick.
// QEMU 7.2 does not model the IWDG or the RNG either, so this board has no
// watchdog (watchdog_start() is a no-op) and takes its boot entropy from
// semihosting (emulated_board.cpp), like the rest of the facade
// (cortex_m_board.cpp).
#include "board.hpp"

#include "link_uart.hpp"
#include "reset_record.hpp"
#include "stm32_reset_flags.hpp"
#include "stm32_usart.hpp"
#include "stm32f4_registers.hpp"
#include "time_base.hpp"

namespace lit::board {
namespace {
constexpr std::uint32_t kCoreClockHz = 168'000'000;
constexpr std::uint32_t kApb1ClockHz = kCoreClockHz / 4;
constexpr std::uint32_t kApb2ClockHz = kCoreClockHz / 2;
constexpr std::uint32_t kConsoleBaud = 115'200;
constexpr stm32::Usart kConsole{0x40011000};  // USART1: QEMU's first -serial
constexpr stm32::Usart kLink{0x40004400};     // USART2: QEMU's second -serial
constexpr unsigned kLinkIrq = 38;
}  // namespace

std::string_view name() { return "netduinoplus2"; }

void init() {
  stm32::rcc::enable_clocks(stm32::rcc::kApb2Enable, stm32::rcc::kApb2Usart1);
  kConsole.enable_transmitter(stm32::Usart::brr(kApb2ClockHz, kConsoleBaud));
  cortex_m::time_base::start(kCoreClockHz);
  const stm32::UnrecordedReset hardware = stm32::take_reset_flags();
  cortex_m::reset_record::capture(hardware.cause, hardware.reason);
}

std::uint32_t core_clock_hz() { return kCoreClockHz; }

void console_put(char byte) { kConsole.write(byte); }

namespace link_driver {
void start(std::uint32_t baud) {
  stm32::rcc::enable_clocks(stm32::rcc::kApb1Enable, stm32::rcc::kApb1Usart2);
  kLink.start_interrupt_driven(stm32::Usart::brr(kApb1ClockHz, baud));
  cortex_m::nvic::enable(kLinkIrq);
}

void start_transmitting() { cortex_m::nvic::set_pending(kLinkIrq); }
}  // namespace link_driver

bool has_watchdog() { return false; }
void watchdog_start(std::uint32_t) {}
void watchdog_kick() {}

}  // namespace lit::board

extern "C" void USART2_IRQHandler() { lit::board::kLink.service_link_interrupt(); }

// Board support for the STM32F4-Discovery (STM32F407VG, Cortex-M4F), real
// hardware flashed through OpenOCD (board/stm32f4discovery.cfg); QEMU does
// not model it, so its images are built and not run.
//
// Clocks: the 8 MHz HSE crystal through the PLL to a 168 MHz SYSCLK (AHB 168,
// APB1 42, APB2 84 MHz; 48 MHz for the RNG), five flash wait states. The
// board's ST-LINK/V2 has no virtual COM port, so both UARTs need a 3.3 V
// USB-serial adapter: the console on USART3 (PD8 TX, PD9 RX), the link on
// USART2 (PA2 TX, PA3 RX; interrupt 38), both pins free on this board. The
// IWDG is the watchdog (frozen while a debugger halts the core), the RNG
// with the unique ID gives the boot entropy. Nothing here uses semihosting,
// which would fault without a debugger: exit() reports on the console and
// sleeps, panic() resets with ResetCause::fatal and its reason.
#include "board.hpp"

#include "entropy.hpp"
#include "link_uart.hpp"
#include "panic_report.hpp"
#include "reset_record.hpp"
#include "stm32_iwdg.hpp"
#include "stm32_reset_flags.hpp"
#include "stm32_rng.hpp"
#include "stm32_usart.hpp"
#include "stm32f4_registers.hpp"
#include "time_base.hpp"

namespace lit::board {
namespace {

using stm32::reg;

constexpr std::uint32_t kHseHz = 8'000'000;
// PLL: HSE / M = 1 MHz into the VCO, x N = 336 MHz, / P = SYSCLK, / Q = 48 MHz.
constexpr std::uint32_t kPllM = 8;
constexpr std::uint32_t kPllN = 336;
constexpr std::uint32_t kPllP = 2;
constexpr std::uint32_t kPllQ = 7;
constexpr std::uint32_t kCoreClockHz = kHseHz / kPllM * kPllN / kPllP;
constexpr std::uint32_t kApb1ClockHz = kCoreClockHz / 4;
constexpr std::uint32_t kFlashWaitStates = 5;  // 150-168 MHz at 2.7-3.6 V (RM0090, table 10)
static_assert(kCoreClockHz == 168'000'000);
static_assert(kHseHz / kPllM * kPllN / kPllQ == 48'000'000, "the RNG and USB need 48 MHz");
static_assert(kApb1ClockHz == 42'000'000);

constexpr std::uint32_t kConsoleBaud = 115'200;
constexpr stm32::Usart kConsole{0x4000'4800};  // USART3, PD8/PD9
constexpr stm32::Usart kLink{0x4000'4400};     // USART2, PA2/PA3
constexpr unsigned kLinkIrq = 38;
constexpr unsigned kTxPin = 2;                            // PA2 and PD8 are TX, PA3 and PD9 RX
constexpr std::uintptr_t kUniqueId = 0x1FFF'7A10;         // 96 bits, fixed per chip
constexpr std::uintptr_t kDebugApb1Freeze = 0xE004'2008;  // DBGMCU_APB1_FZ
constexpr std::uint32_t kDebugFreezeIwdg = 1U << 12;

void start_clocks() {
  reg(stm32::rcc::kControl) = reg(stm32::rcc::kControl) | stm32::rcc::kControlHseOn;
  while ((reg(stm32::rcc::kControl) & stm32::rcc::kControlHseReady) == 0) {
  }
  // 168 MHz needs voltage scale 1, and the flash its wait states before the switch.
  stm32::rcc::enable_clocks(stm32::rcc::kApb1Enable, stm32::rcc::kApb1Power);
  reg(stm32::power::kControl) = reg(stm32::power::kControl) | stm32::power::kVoltageScale1;
  reg(stm32::flash::kAccessControl) =
      stm32::flash::kPrefetch | stm32::flash::kInstructionCache | stm32::flash::kDataCache | kFlashWaitStates;
  while ((reg(stm32::flash::kAccessControl) & stm32::flash::kLatencyMask) != kFlashWaitStates) {
  }
  reg(stm32::rcc::kPllConfig) = (reg(stm32::rcc::kPllConfig) & ~stm32::rcc::kPllConfigFields) | kPllM | (kPllN << 6U) |
                                ((kPllP / 2U - 1U) << 16U) | stm32::rcc::kPllSourceHse | (kPllQ << 24U);
  // AHB undivided, APB1 / 4, APB2 / 2.
  reg(stm32::rcc::kConfig) = (reg(stm32::rcc::kConfig) & ~stm32::rcc::kConfigPrescalerFields) |
                             stm32::rcc::kConfigApb1Div4 | stm32::rcc::kConfigApb2Div2;
  reg(stm32::rcc::kControl) = reg(stm32::rcc::kControl) | stm32::rcc::kControlPllOn;
  while ((reg(stm32::rcc::kControl) & stm32::rcc::kControlPllReady) == 0) {
  }
  reg(stm32::rcc::kConfig) = (reg(stm32::rcc::kConfig) & ~stm32::rcc::kConfigSwitchMask) | stm32::rcc::kConfigSwitchPll;
  while ((reg(stm32::rcc::kConfig) & stm32::rcc::kConfigSwitchStatusMask) != stm32::rcc::kConfigSwitchStatusPll) {
  }
}

void write_decimal(std::int32_t value) {
  std::uint32_t magnitude = value < 0 ? 0U - static_cast<std::uint32_t>(value) : static_cast<std::uint32_t>(value);
  char digits[12] = {};
  std::size_t start = sizeof(digits);
  do {
    digits[--start] = static_cast<char>('0' + magnitude % 10U);
    magnitude /= 10U;
  } while (magnitude != 0);
  if (value < 0) digits[--start] = '-';
  console_write({digits + start, sizeof(digits) - start});
}

}  // namespace

std::string_view name() { return "stm32f4discovery"; }

void init() {
  start_clocks();
  stm32::rcc::enable_clocks(stm32::rcc::kAhb1Enable, stm32::rcc::kAhb1GpioA | stm32::rcc::kAhb1GpioD);
  stm32::rcc::enable_clocks(stm32::rcc::kApb1Enable, stm32::rcc::kApb1Usart3);
  stm32::kGpioD.use_alternate_function(8, stm32::kAlternateFunctionUsart1To3);
  stm32::kGpioD.use_alternate_function(9, stm32::kAlternateFunctionUsart1To3);
  kConsole.enable_transmitter(stm32::Usart::brr(kApb1ClockHz, kConsoleBaud));
  cortex_m::time_base::start(kCoreClockHz);
  const stm32::UnrecordedReset hardware = stm32::take_reset_flags();
  cortex_m::reset_record::capture(hardware.cause, hardware.reason);
  stm32::rng::start();
}

std::uint32_t core_clock_hz() { return kCoreClockHz; }

void console_put(char byte) { kConsole.write(byte); }

void exit(int status) {
  console_write("\nexit ");
  write_decimal(status);
  console_write("\n");
  for (;;) cortex_m::wait_for_interrupt();
}

void panic(const char* reason) {
  report_panic(reason);
  reset(ResetCause::fatal, reason);
}

std::uint64_t boot_entropy() {
  // Two words from the RNG (0 where it fails); should it fail, the chip's ID
  // and the boot count still differ per chip and per boot. Folded in a loop:
  // one copy of the 64-bit mixing, not six.
  std::uint32_t random[2] = {};
  for (std::uint32_t& word : random) static_cast<void>(stm32::rng::next(word));
  const std::uint64_t inputs[] = {
      (std::uint64_t{random[0]} << 32U) | random[1],
      reg(kUniqueId),
      (std::uint64_t{reg(kUniqueId + 4U)} << 32U) | reg(kUniqueId + 8U),
      (std::uint64_t{cortex_m::reset_record::boot_count()} << 32U) | reg(cortex_m::systick::kCvr),
  };
  std::uint64_t seed = 0;
  for (const std::uint64_t input : inputs) seed = mix_entropy(seed, input);
  return seed;
}

bool has_watchdog() { return true; }

void watchdog_start(std::uint32_t timeout_ms) {
  reg(kDebugApb1Freeze) = reg(kDebugApb1Freeze) | kDebugFreezeIwdg;
  stm32::iwdg::start(timeout_ms);
}

void watchdog_kick() { stm32::iwdg::kick(); }

namespace link_driver {
void start(std::uint32_t baud) {
  stm32::rcc::enable_clocks(stm32::rcc::kApb1Enable, stm32::rcc::kApb1Usart2);
  stm32::kGpioA.use_alternate_function(kTxPin, stm32::kAlternateFunctionUsart1To3);
  stm32::kGpioA.use_alternate_function(kTxPin + 1U, stm32::kAlternateFunctionUsart1To3);
  kLink.start_interrupt_driven(stm32::Usart::brr(kApb1ClockHz, baud));
  cortex_m::nvic::enable(kLinkIrq);
}

void start_transmitting() { cortex_m::nvic::set_pending(kLinkIrq); }
}  // namespace link_driver

}  // namespace lit::board

extern "C" void USART2_IRQHandler() { lit::board::kLink.service_link_interrupt(); }

// STM32F4 independent watchdog; see stm32_iwdg.hpp.
#include "stm32_iwdg.hpp"

#include "stm32f4_registers.hpp"

namespace lit::board::stm32::iwdg {
namespace {
// Registers and keys from RM0090, section "Independent watchdog".
constexpr std::uintptr_t kKey = 0x4000'3000;
constexpr std::uintptr_t kPrescaler = 0x4000'3004;
constexpr std::uintptr_t kReload = 0x4000'3008;
constexpr std::uintptr_t kStatus = 0x4000'300C;
constexpr std::uint32_t kKeyUnlock = 0x5555;
constexpr std::uint32_t kKeyReload = 0xAAAA;
constexpr std::uint32_t kKeyStart = 0xCCCC;
constexpr std::uint32_t kStatusUpdating = 0x3;  // prescaler or reload value still being written
constexpr std::uint32_t kLsiHz = 32'000;
constexpr std::uint32_t kMaxReload = 0xFFF;
constexpr std::uint32_t kMaxPrescalerCode = 6;  // divide by 4 << 6 = 256
}  // namespace

void start(std::uint32_t timeout_ms) {
  // The smallest prescaler (4 << code) whose 12-bit reload reaches the timeout.
  std::uint32_t code = 0;
  std::uint64_t ticks = std::uint64_t{timeout_ms} * kLsiHz / 1000U / 4U;
  while (ticks > kMaxReload && code < kMaxPrescalerCode) {
    ticks /= 2U;
    ++code;
  }
  if (ticks > kMaxReload) ticks = kMaxReload;
  if (ticks == 0) ticks = 1;
  reg(kKey) = kKeyStart;  // starting also turns the LSI on
  reg(kKey) = kKeyUnlock;
  reg(kPrescaler) = code;
  reg(kReload) = static_cast<std::uint32_t>(ticks);
  while ((reg(kStatus) & kStatusUpdating) != 0) {
  }
  reg(kKey) = kKeyReload;
}

void kick() { reg(kKey) = kKeyReload; }

}  // namespace lit::board::stm32::iwdg

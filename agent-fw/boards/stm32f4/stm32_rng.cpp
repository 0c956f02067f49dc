// STM32F4 random number generator; see stm32_rng.hpp.
#include "stm32_rng.hpp"

#include "stm32f4_registers.hpp"

namespace lit::board::stm32::rng {
namespace {
// Registers from RM0090, section "Random number generator".
constexpr std::uintptr_t kControl = 0x5006'0800;
constexpr std::uintptr_t kStatus = 0x5006'0804;
constexpr std::uintptr_t kData = 0x5006'0808;
constexpr std::uint32_t kControlEnable = 1U << 2;
constexpr std::uint32_t kStatusReady = 1U << 0;
constexpr std::uint32_t kStatusClockError = 1U << 1;
constexpr std::uint32_t kStatusSeedError = 1U << 2;
constexpr unsigned kMaxPolls = 10'000;  // a word takes 40 RNG clocks; this is far beyond
}  // namespace

void start() {
  rcc::enable_clocks(rcc::kAhb2Enable, rcc::kAhb2Rng);
  reg(kControl) = kControlEnable;
}

bool next(std::uint32_t& word) {
  for (unsigned poll = 0; poll < kMaxPolls; ++poll) {
    const std::uint32_t status = reg(kStatus);
    if ((status & (kStatusClockError | kStatusSeedError)) != 0) return false;
    if ((status & kStatusReady) != 0) {
      word = reg(kData);
      return true;
    }
  }
  return false;
}

}  // namespace lit::board::stm32::rng

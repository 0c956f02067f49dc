// CMSDK APB watchdog; see cmsdk_watchdog.hpp.
#include "cmsdk_watchdog.hpp"

namespace lit::board::cmsdk {
namespace {
// Register offsets and bits from the CMSDK technical reference (ARM DDI 0479).
constexpr std::uintptr_t kLoad = 0x000;
constexpr std::uintptr_t kControl = 0x008;
constexpr std::uintptr_t kInterruptClear = 0x00C;
constexpr std::uintptr_t kLock = 0xC00;
constexpr std::uint32_t kControlInterrupt = 1U << 0;
constexpr std::uint32_t kControlReset = 1U << 1;
constexpr std::uint32_t kUnlockKey = 0x1ACC'E551U;  // any other value locks the registers
constexpr std::uint32_t kLockKey = 0;
}  // namespace

void Watchdog::start(std::uint32_t ticks) const {
  reg(kLock) = kUnlockKey;
  reg(kLoad) = ticks;
  reg(kInterruptClear) = 1;
  reg(kControl) = kControlInterrupt | kControlReset;
  reg(kLock) = kLockKey;
}

void Watchdog::kick() const {
  reg(kLock) = kUnlockKey;
  reg(kInterruptClear) = 1;
  reg(kLock) = kLockKey;
}

}  // namespace lit::board::cmsdk

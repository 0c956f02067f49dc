// CMSDK APB UART, polled transmit; see cmsdk_uart.hpp.
#include "cmsdk_uart.hpp"

namespace lit::board::cmsdk {
namespace {
// Register offsets and bits from the CMSDK technical reference (ARM DDI 0479).
constexpr std::uintptr_t kData = 0x000;
constexpr std::uintptr_t kState = 0x004;
constexpr std::uintptr_t kControl = 0x008;
constexpr std::uintptr_t kBaudDivisor = 0x010;
constexpr std::uint32_t kStateTxFull = 1U << 0;
constexpr std::uint32_t kControlTxEnable = 1U << 0;
constexpr std::uint32_t kMinBaudDivisor = 16;
}  // namespace

void Uart::enable_transmitter(std::uint32_t baud_divisor) const {
  reg(kBaudDivisor) = baud_divisor < kMinBaudDivisor ? kMinBaudDivisor : baud_divisor;
  reg(kControl) = reg(kControl) | kControlTxEnable;
}

void Uart::write(char byte) const {
  while ((reg(kState) & kStateTxFull) != 0) {
  }
  reg(kData) = static_cast<std::uint8_t>(byte);
}

}  // namespace lit::board::cmsdk

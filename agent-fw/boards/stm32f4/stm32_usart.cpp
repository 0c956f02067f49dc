// STM32F4 USART, polled transmit; see stm32_usart.hpp.
#include "stm32_usart.hpp"

namespace lit::board::stm32 {
namespace {
// Register offsets and bits from the STM32F405 reference manual (RM0090).
constexpr std::uintptr_t kStatus = 0x00;
constexpr std::uintptr_t kData = 0x04;
constexpr std::uintptr_t kBaudRate = 0x08;
constexpr std::uintptr_t kControl1 = 0x0C;
constexpr std::uint32_t kStatusTxEmpty = 1U << 7;
constexpr std::uint32_t kControl1Enable = 1U << 13;
constexpr std::uint32_t kControl1TxEnable = 1U << 3;
}  // namespace

void Usart::enable_transmitter(std::uint32_t brr) const {
  reg(kBaudRate) = brr;
  reg(kControl1) = kControl1Enable | kControl1TxEnable;
}

void Usart::write(char byte) const {
  while ((reg(kStatus) & kStatusTxEmpty) == 0) {
  }
  reg(kData) = static_cast<std::uint8_t>(byte);
}

}  // namespace lit::board::stm32

// STM32F4 USART: polled console transmit, interrupt-driven link; see stm32_usart.hpp.
#include "stm32_usart.hpp"

#include "link_uart.hpp"

namespace lit::board::stm32 {
namespace {
// Register offsets and bits from the STM32F405/407 reference manual (RM0090).
constexpr std::uintptr_t kStatus = 0x00;
constexpr std::uintptr_t kData = 0x04;
constexpr std::uintptr_t kBaudRate = 0x08;
constexpr std::uintptr_t kControl1 = 0x0C;
constexpr std::uint32_t kStatusOverrun = 1U << 3;  // cleared by reading SR, then DR
constexpr std::uint32_t kStatusRxNotEmpty = 1U << 5;
constexpr std::uint32_t kStatusTxEmpty = 1U << 7;
constexpr std::uint32_t kControl1Enable = 1U << 13;
constexpr std::uint32_t kControl1TxEmptyInterrupt = 1U << 7;
constexpr std::uint32_t kControl1RxInterrupt = 1U << 5;  // RXNE and ORE
constexpr std::uint32_t kControl1TxEnable = 1U << 3;
constexpr std::uint32_t kControl1RxEnable = 1U << 2;
constexpr std::uint32_t kLinkControl = kControl1Enable | kControl1TxEnable | kControl1RxEnable | kControl1RxInterrupt;
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

void Usart::start_interrupt_driven(std::uint32_t brr) const {
  reg(kBaudRate) = brr;
  reg(kControl1) = kLinkControl;
}

void Usart::service_link_interrupt() const {
  const std::uint32_t status = reg(kStatus);
  if ((status & (kStatusRxNotEmpty | kStatusOverrun)) != 0) {
    // On an overrun DR still holds the byte before the lost one.
    const auto byte = static_cast<std::uint8_t>(reg(kData));
    if ((status & kStatusRxNotEmpty) != 0) link_isr::received(byte);
    if ((status & kStatusOverrun) != 0) link_isr::overrun();
  }
  std::uint8_t byte = 0;
  while ((reg(kStatus) & kStatusTxEmpty) != 0 && link_isr::next_to_send(byte)) reg(kData) = byte;
  reg(kControl1) = link_isr::sending() ? kLinkControl | kControl1TxEmptyInterrupt : kLinkControl;
}

}  // namespace lit::board::stm32

// CMSDK APB UART: polled console transmit, interrupt-driven link; see cmsdk_uart.hpp.
#include "cmsdk_uart.hpp"

#include "link_uart.hpp"

namespace lit::board::cmsdk {
namespace {
// Register offsets and bits from the CMSDK technical reference (ARM DDI 0479).
constexpr std::uintptr_t kData = 0x000;
constexpr std::uintptr_t kState = 0x004;
constexpr std::uintptr_t kControl = 0x008;
constexpr std::uintptr_t kInterruptClear = 0x00C;  // reads as the interrupt status
constexpr std::uintptr_t kBaudDivisor = 0x010;
constexpr std::uint32_t kStateTxFull = 1U << 0;
constexpr std::uint32_t kStateRxFull = 1U << 1;
constexpr std::uint32_t kStateRxOverrun = 1U << 3;  // write 1 to clear
constexpr std::uint32_t kControlTxEnable = 1U << 0;
constexpr std::uint32_t kControlRxEnable = 1U << 1;
constexpr std::uint32_t kControlTxInterrupt = 1U << 2;
constexpr std::uint32_t kControlRxInterrupt = 1U << 3;
constexpr std::uint32_t kControlRxOverrunInterrupt = 1U << 5;
constexpr std::uint32_t kInterruptTx = 1U << 0;
constexpr std::uint32_t kInterruptRx = 1U << 1;
constexpr std::uint32_t kInterruptRxOverrun = 1U << 3;
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

void Uart::start_interrupt_driven(std::uint32_t baud_divisor) const {
  reg(kBaudDivisor) = baud_divisor < kMinBaudDivisor ? kMinBaudDivisor : baud_divisor;
  reg(kState) = kStateRxOverrun;
  reg(kInterruptClear) = kInterruptTx | kInterruptRx | kInterruptRxOverrun;
  reg(kControl) =
      kControlTxEnable | kControlRxEnable | kControlTxInterrupt | kControlRxInterrupt | kControlRxOverrunInterrupt;
}

void Uart::service_link_rx() const {
  // Clear first: a byte arriving after the last read raises the interrupt again.
  reg(kInterruptClear) = kInterruptRx;
  while ((reg(kState) & kStateRxFull) != 0) link_isr::received(static_cast<std::uint8_t>(reg(kData)));
  service_link_overrun();
}

void Uart::service_link_tx() const {
  // The TX interrupt fires when the buffer empties; clearing it before refilling
  // means the byte written last raises it again when it is gone.
  reg(kInterruptClear) = kInterruptTx;
  std::uint8_t byte = 0;
  while ((reg(kState) & kStateTxFull) == 0 && link_isr::next_to_send(byte)) reg(kData) = byte;
}

void Uart::service_link_overrun() const {
  if ((reg(kState) & kStateRxOverrun) == 0) return;
  reg(kState) = kStateRxOverrun;
  reg(kInterruptClear) = kInterruptRxOverrun;
  link_isr::overrun();
}

}  // namespace lit::board::cmsdk

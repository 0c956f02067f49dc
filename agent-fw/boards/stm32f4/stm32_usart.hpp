// Driver for the STM32F4 USART, the one every STM32F4 board here uses (QEMU's
// netduinoplus2 and the STM32F4-Discovery). The console side is polled:
// write() spins until the transmit data register is empty, so call it from
// thread context. The link side is interrupt-driven: the board's USART ISR
// calls service_link_interrupt(), which moves bytes between the USART and the
// link rings (boards/link_uart.hpp) and is the only writer of CR1 once
// start_interrupt_driven() has run.
#pragma once

#include <cstdint>

namespace lit::board::stm32 {

class Usart {
 public:
  constexpr explicit Usart(std::uintptr_t base) : base_(base) {}

  // The BRR value for `baud` from the USART's bus clock (16x oversampling).
  static constexpr std::uint32_t brr(std::uint32_t bus_clock_hz, std::uint32_t baud) {
    return (bus_clock_hz + baud / 2U) / baud;
  }

  // Enables the transmitter; `brr` is the baud rate register value.
  void enable_transmitter(std::uint32_t brr) const;
  void write(char byte) const;

  // Enables transmitter and receiver, with the receive (and overrun) interrupt.
  void start_interrupt_driven(std::uint32_t brr) const;
  // The USART interrupt: a received byte into the link's RX ring (an overrun
  // counted), then the transmit register refilled from the link's TX ring; the
  // TXE interrupt stays enabled while the TX ring holds bytes.
  void service_link_interrupt() const;

 private:
  volatile std::uint32_t& reg(std::uintptr_t offset) const {
    return *reinterpret_cast<volatile std::uint32_t*>(base_ + offset);
  }

  std::uintptr_t base_;
};

}  // namespace lit::board::stm32

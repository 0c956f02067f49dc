// Driver for the ARM CMSDK APB UART found on the MPS2 FPGA images (AN385:
// UART0 at 0x40004000 is the console, UART1 at 0x40005000 the link). The
// console side is polled: write() spins while the one-byte TX buffer is full,
// so call it from thread context. The link side is interrupt-driven: the
// board's RX, TX and overrun ISRs call the service_* functions, which move
// bytes between the UART and the link rings (boards/link_uart.hpp).
#pragma once

#include <cstdint>

namespace lit::board::cmsdk {

class Uart {
 public:
  constexpr explicit Uart(std::uintptr_t base) : base_(base) {}

  // Enables the transmitter; baud = peripheral clock / divisor (at least 16).
  void enable_transmitter(std::uint32_t baud_divisor) const;
  void write(char byte) const;

  // Enables transmitter and receiver with their interrupts and the RX overrun interrupt.
  void start_interrupt_driven(std::uint32_t baud_divisor) const;
  // RX interrupt: every received byte into the link's RX ring, then any overrun.
  void service_link_rx() const;
  // TX interrupt: refill the one-byte TX buffer from the link's TX ring.
  void service_link_tx() const;
  // Overrun interrupt (shared with other UARTs): count this UART's RX overrun, if it has one.
  void service_link_overrun() const;

 private:
  volatile std::uint32_t& reg(std::uintptr_t offset) const {
    return *reinterpret_cast<volatile std::uint32_t*>(base_ + offset);
  }

  std::uintptr_t base_;
};

}  // namespace lit::board::cmsdk

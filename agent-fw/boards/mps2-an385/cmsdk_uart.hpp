// Driver for the ARM CMSDK APB UART found on the MPS2 FPGA images (AN385 UART0
// at 0x40004000). Transmit only, polled: write() spins while the one-byte TX
// buffer is full, so call it from thread context. Interrupt-driven ring
// buffers replace this in the bare-metal port.
#pragma once

#include <cstdint>

namespace lit::board::cmsdk {

class Uart {
 public:
  constexpr explicit Uart(std::uintptr_t base) : base_(base) {}

  // Enables the transmitter; baud = peripheral clock / divisor (at least 16).
  void enable_transmitter(std::uint32_t baud_divisor) const;
  void write(char byte) const;

 private:
  volatile std::uint32_t& reg(std::uintptr_t offset) const {
    return *reinterpret_cast<volatile std::uint32_t*>(base_ + offset);
  }

  std::uintptr_t base_;
};

}  // namespace lit::board::cmsdk

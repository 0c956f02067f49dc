// Driver for the STM32F4 USART (USART1 at 0x40011000 on the STM32F405 of the
// Netduino Plus 2). Transmit only, polled: write() spins until the transmit
// data register is empty, so call it from thread context.
#pragma once

#include <cstdint>

namespace lit::board::stm32 {

class Usart {
 public:
  constexpr explicit Usart(std::uintptr_t base) : base_(base) {}

  // Enables the transmitter; `brr` is the baud rate register value (peripheral clock / baud).
  void enable_transmitter(std::uint32_t brr) const;
  void write(char byte) const;

 private:
  volatile std::uint32_t& reg(std::uintptr_t offset) const {
    return *reinterpret_cast<volatile std::uint32_t*>(base_ + offset);
  }

  std::uintptr_t base_;
};

}  // namespace lit::board::stm32

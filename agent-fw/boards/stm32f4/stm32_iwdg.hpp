// Driver for the STM32F4 independent watchdog (IWDG at 0x40003000), clocked
// by the ~32 kHz LSI; once started nothing but a reset stops it. Its reset
// leaves IWDGRSTF in RCC_CSR, which the board reads at the next boot. Thread
// context. (QEMU's netduinoplus2 does not model the IWDG.)
#pragma once

#include <cstdint>

namespace lit::board::stm32::iwdg {

// Starts the watchdog with a timeout of about `timeout_ms` (4 ms to 32 s).
void start(std::uint32_t timeout_ms);
// Reloads the counter.
void kick();

}  // namespace lit::board::stm32::iwdg

// The STM32F4 random number generator (RNG at 0x50060800), clocked from the
// PLL's 48 MHz output, which the board must have running. Thread context;
// next() busy-waits a few dozen cycles for each word. (QEMU's netduinoplus2
// does not model it.)
#pragma once

#include <cstdint>

namespace lit::board::stm32::rng {

// Enables the peripheral clock and the generator.
void start();
// The next 32 random bits; false if the generator reports a clock or seed
// error, or produces nothing within a bounded wait.
bool next(std::uint32_t& word);

}  // namespace lit::board::stm32::rng

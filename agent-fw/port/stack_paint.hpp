// Stack painting: how much of the main stack has never been used. paint()
// fills the stack reserve below the current stack pointer with a pattern,
// once, early in main(); free_bytes() counts the pattern words still intact
// from the bottom of the reserve (sections.ld's _stack_limit) up. Interrupt
// handlers run on the same stack (MSP), so their use is included.
#pragma once

#include <cstdint>

namespace lit::port::stack {

void paint();
std::uint32_t free_bytes();
std::uint32_t reserve_bytes();

}  // namespace lit::port::stack

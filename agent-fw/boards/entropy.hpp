// Folding a board's sources of boot-to-boot variation (host clocks, a
// hardware RNG, the unique ID, the boot counter, SysTick) into one 64-bit
// seed. Each input goes through the splitmix64 finaliser, so inputs that
// differ in a single bit give unrelated seeds. Pure arithmetic.
#pragma once

#include <cstdint>

namespace lit::board {

constexpr std::uint64_t mix_entropy(std::uint64_t state, std::uint64_t input) {
  std::uint64_t x = state ^ input;
  x += 0x9E37'79B9'7F4A'7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58'476D'1CE4'E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D0'49BB'1331'11EBULL;
  return x ^ (x >> 31U);
}

}  // namespace lit::board

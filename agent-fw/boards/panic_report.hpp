// What every board's panic() prints on the console before it leaves (by
// semihosting on an emulated board, by a recorded reset on a real one), so
// that the line reads the same everywhere. Thread or fault context; polled.
#pragma once

#include <cstddef>

#include "board.hpp"

namespace lit::board {

inline void report_panic(const char* reason) {
  console_write("\npanic: ");
  std::size_t length = 0;
  while (reason[length] != '\0') ++length;
  console_write({reason, length});
  console_write("\n");
}

}  // namespace lit::board

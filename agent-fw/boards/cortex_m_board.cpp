// The parts of the board facade that are the same on every Cortex-M board we
// run under QEMU: console text over the board's console_put(), the SysTick
// clock, WFI idling, and leaving through semihosting. A board that runs on real hardware without a debugger will
// override exit() and panic() when it arrives.
#include "board.hpp"
#include "registers.hpp"
#include "semihosting.hpp"
#include "time_base.hpp"

namespace lit::board {

void console_write(std::string_view text) {
  for (const char byte : text) {
    if (byte == '\n') console_put('\r');
    console_put(byte);
  }
}

std::uint32_t now_ms() { return cortex_m::time_base::now_ms(); }

void wait_for_interrupt() { cortex_m::wait_for_interrupt(); }

void exit(int status) { cortex_m::semihosting::exit(status); }

void panic(const char* reason) {
  console_write("\npanic: ");
  std::size_t length = 0;
  while (reason[length] != '\0') ++length;
  console_write({reason, length});
  console_write("\n");
  cortex_m::semihosting::exit(kPanicStatus);
}

}  // namespace lit::board

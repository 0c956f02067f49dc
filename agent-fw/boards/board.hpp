// The board facade: the few services the port and the apps ask of whichever
// board the image is built for. Each agent-fw/boards/<board>/ implements all of
// it; nothing above this line touches a register. Call init() once, first thing
// in main(). None of these allocate; the console functions busy-wait on the
// UART and so must not be called from an interrupt handler.
#pragma once

#include <cstdint>
#include <string_view>

namespace lit::board {

// The board's name as QEMU and the docs know it, e.g. "mps2-an385".
std::string_view name();
// Clocks, the console UART and the 1 ms SysTick time base.
void init();
std::uint32_t core_clock_hz();
// Milliseconds since init(); wraps after about 49 days.
std::uint32_t now_ms();
// Sleeps until the next interrupt (at the latest the next millisecond tick).
void wait_for_interrupt();
// Writes one byte to the console UART, waiting while its buffer is full.
void console_put(char byte);
// Writes text to the console UART, translating "\n" to "\r\n" for terminals.
void console_write(std::string_view text);
// Ends the program with `status`: on an emulated board QEMU exits with it.
[[noreturn]] void exit(int status);
// Reports an unrecoverable error on the console, then exits with kPanicStatus.
[[noreturn]] void panic(const char* reason);

inline constexpr int kPanicStatus = 101;

}  // namespace lit::board

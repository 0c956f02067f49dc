// The parts of the board facade that are the same on every Cortex-M board:
// console text over the board's console_put(), the SysTick clock, WFI idling,
// the link counters' names and the reset record. Leaving the program (exit,
// panic) and boot entropy differ between emulated boards (emulated_board.cpp,
// semihosting) and real ones (their board.cpp).
#include "board.hpp"
#include "registers.hpp"
#include "reset_record.hpp"
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

std::string_view to_string(ResetCause cause) {
  switch (cause) {
    case ResetCause::power_on: return "power_on";
    case ResetCause::hard_fault: return "hard_fault";
    case ResetCause::watchdog: return "watchdog";
    case ResetCause::commanded: return "commanded";
    case ResetCause::fatal: return "fatal";
  }
  return "unknown";
}

ResetRecord last_reset() { return cortex_m::reset_record::last(); }

void reset(ResetCause cause, const char* reason) {
  // The return address stands in for a PC: where the reset was asked for
  // (without the Thumb bit, so it reads as an instruction address).
  const auto caller = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)) & ~std::uintptr_t{1};
  ResetRecord record;
  record.cause = cause;
  record.pc = static_cast<std::uint32_t>(caller);
  cortex_m::reset_record::set_reason(record, reason);
  cortex_m::reset_record::reset(record);
}

}  // namespace lit::board

// The facade calls that only emulated boards (QEMU, or a board under a
// debugger) can make, through semihosting: leaving with an exit status, and
// boot entropy from the host's clocks. Semihosting faults on a board with
// nothing attached, so real boards implement these in their board.cpp.
#include "board.hpp"
#include "entropy.hpp"
#include "panic_report.hpp"
#include "registers.hpp"
#include "reset_record.hpp"
#include "semihosting.hpp"

namespace lit::board {

void exit(int status) { cortex_m::semihosting::exit(status); }

void panic(const char* reason) {
  report_panic(reason);
  cortex_m::semihosting::exit(kPanicStatus);
}

std::uint64_t boot_entropy() {
  // The host's nanosecond clock does the work across separate QEMU runs; the
  // boot counter separates boots of one run even if the host clocks were equal.
  // Folded in a loop: one copy of the 64-bit mixing, not four.
  namespace host = cortex_m::semihosting;
  const std::uint64_t inputs[] = {
      host::host_elapsed_ticks(),
      (std::uint64_t{host::host_time_seconds()} << 32U) | host::host_clock_centiseconds(),
      (std::uint64_t{cortex_m::reset_record::boot_count()} << 32U) | cortex_m::reg(cortex_m::systick::kCvr),
      now_ms(),
  };
  std::uint64_t seed = 0;
  for (const std::uint64_t input : inputs) seed = mix_entropy(seed, input);
  return seed;
}

}  // namespace lit::board

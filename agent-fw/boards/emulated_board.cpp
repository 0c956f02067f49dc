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
  namespace host = cortex_m::semihosting;
  std::uint64_t seed = mix_entropy(0, host::host_elapsed_ticks());
  seed = mix_entropy(seed, (std::uint64_t{host::host_time_seconds()} << 32U) | host::host_clock_centiseconds());
  seed = mix_entropy(
      seed, (std::uint64_t{cortex_m::reset_record::boot_count()} << 32U) | cortex_m::reg(cortex_m::systick::kCvr));
  return mix_entropy(seed, now_ms());
}

}  // namespace lit::board

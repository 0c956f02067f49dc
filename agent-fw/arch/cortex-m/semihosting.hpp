// ARM semihosting, for boards that run under an emulator or a debugger. A
// semihosting call is a `bkpt 0xAB` that the debugger (or QEMU with
// -semihosting-config enable=on) services; on a bare board with nothing
// attached it faults, so only boards that know they are emulated use it.
#pragma once

#include <cstdint>

namespace lit::cortex_m::semihosting {

// SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit: QEMU exits with `status`.
[[noreturn]] void exit(int status);

// The host's clocks, for seeding: none of them is a time base for the firmware.
// SYS_TIME: seconds since the Unix epoch.
std::uint32_t host_time_seconds();
// SYS_CLOCK: the host's centiseconds since execution started (QEMU: its own CPU time).
std::uint32_t host_clock_centiseconds();
// SYS_ELAPSED: ticks since execution started (QEMU: nanoseconds of host
// monotonic time); 0 when the host does not implement the call.
std::uint64_t host_elapsed_ticks();

}  // namespace lit::cortex_m::semihosting

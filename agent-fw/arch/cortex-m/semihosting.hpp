// ARM semihosting, for boards that run under an emulator or a debugger. A
// semihosting call is a `bkpt 0xAB` that the debugger (or QEMU with
// -semihosting-config enable=on) services; on a bare board with nothing
// attached it faults, so only boards that know they are emulated use it.
#pragma once

namespace lit::cortex_m::semihosting {

// SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit: QEMU exits with `status`.
[[noreturn]] void exit(int status);

}  // namespace lit::cortex_m::semihosting

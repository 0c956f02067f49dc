// Semihosting calls; see semihosting.hpp.
#include "semihosting.hpp"

#include <cstdint>

namespace lit::cortex_m::semihosting {
namespace {
// Operation numbers from ARM's semihosting specification.
constexpr std::uint32_t kSysClock = 0x10;
constexpr std::uint32_t kSysTime = 0x11;
constexpr std::uint32_t kSysExitExtended = 0x20;
constexpr std::uint32_t kSysElapsed = 0x30;
constexpr std::uint32_t kApplicationExit = 0x20026;  // ADP_Stopped_ApplicationExit

std::uint32_t call(std::uint32_t operation_number, const void* argument_block) {
  register std::uint32_t operation asm("r0") = operation_number;
  register const void* argument asm("r1") = argument_block;
  asm volatile("bkpt 0xAB" : "+r"(operation) : "r"(argument) : "memory");
  return operation;
}
}  // namespace

void exit(int status) {
  const std::uint32_t block[2] = {kApplicationExit, static_cast<std::uint32_t>(status)};
  call(kSysExitExtended, block);
  for (;;) {
    // Nothing answered the breakpoint (no debugger attached): stop here.
  }
}

std::uint32_t host_time_seconds() { return call(kSysTime, nullptr); }

std::uint32_t host_clock_centiseconds() { return call(kSysClock, nullptr); }

std::uint64_t host_elapsed_ticks() {
  std::uint32_t ticks[2] = {0, 0};  // least significant word first
  if (call(kSysElapsed, ticks) != 0) return 0;
  return (std::uint64_t{ticks[1]} << 32U) | ticks[0];
}

}  // namespace lit::cortex_m::semihosting

// Semihosting exit; see semihosting.hpp.
#include "semihosting.hpp"

#include <cstdint>

namespace lit::cortex_m::semihosting {
namespace {
constexpr std::uint32_t kSysExitExtended = 0x20;
constexpr std::uint32_t kApplicationExit = 0x20026;  // ADP_Stopped_ApplicationExit
}  // namespace

void exit(int status) {
  const std::uint32_t block[2] = {kApplicationExit, static_cast<std::uint32_t>(status)};
  register std::uint32_t operation asm("r0") = kSysExitExtended;
  register const std::uint32_t* argument asm("r1") = block;
  asm volatile("bkpt 0xAB" : "+r"(operation) : "r"(argument) : "memory");
  for (;;) {
    // Nothing answered the breakpoint (no debugger attached): stop here.
  }
}

}  // namespace lit::cortex_m::semihosting

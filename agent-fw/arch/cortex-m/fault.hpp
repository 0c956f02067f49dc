// Turning an exception into a recorded reset. The HardFault handler (and a
// board's watchdog early-warning NMI) find the exception frame the core
// stacked, take the interrupted PC from it and end the run through
// reset_record::reset(), so the next boot reports where it died. Runs in
// handler mode with whatever state the fault left: no allocation, no console.
#pragma once

#include <cstdint>

#include "board.hpp"

namespace lit::cortex_m::fault {

// The hardware-stacked exception frame: r0-r3, r12, lr, pc, xPSR.
inline constexpr unsigned kFramePc = 6;

// Records `record` with the frame's PC as its pc, then resets.
[[noreturn]] void reset_from_frame(const std::uint32_t* frame, board::ResetRecord record);

}  // namespace lit::cortex_m::fault

// Defines an exception handler `name` that passes the stacked frame (from MSP
// or PSP, as EXC_RETURN in lr says) to `void target(const std::uint32_t*)`,
// which must be extern "C" and must not return.
#define LIT_EXCEPTION_FRAME_HANDLER(name, target) \
  extern "C" [[gnu::naked]] void name() {         \
    asm volatile(                                 \
        "tst lr, #4\n\t"                          \
        "ite eq\n\t"                              \
        "mrseq r0, msp\n\t"                       \
        "mrsne r0, psp\n\t"                       \
        "b " #target "\n\t");                     \
  }

// The reset record: why the last run ended, kept in no-init RAM (.noinit,
// NOLOAD in sections.ld, so neither Reset_Handler nor QEMU's reload of a
// -kernel ELF clears it) across a system reset. The board captures it once in
// init(); from then on the area is armed for this run, and whoever ends the
// run (reset(), the HardFault handler, a watchdog's early warning) writes its
// cause there just before SYSRESETREQ. A checksum tells a record from the
// random contents of RAM after power-on. No allocation; write() and reset()
// are safe from any context, including fault handlers.
#pragma once

#include <cstdint>

#include "board.hpp"

namespace lit::cortex_m::reset_record {

// Reads what the previous run left, keeps it for last(), and arms the area for
// this run. A run that ended without writing a cause (the reset pin, a
// debugger, a watchdog that bit before anything could record it) is reported
// as `unrecorded_cause` with `unrecorded_reason`: the board's reading of its
// own reset flags.
void capture(board::ResetCause unrecorded_cause, const char* unrecorded_reason);
// The previous run's record, as capture() found it.
const board::ResetRecord& last();
// Boots since power-on, this one included (1 on the first).
std::uint32_t boot_count();

// Records `record` (all but its boot_count, which is this boot's) for the
// next boot's last(), then requests a system reset.
[[noreturn]] void reset(const board::ResetRecord& record);
// Copies `reason` into `record.reason`, truncated to fit with its NUL.
void set_reason(board::ResetRecord& record, const char* reason);
// SYSRESETREQ, without touching the record.
[[noreturn]] void system_reset();

}  // namespace lit::cortex_m::reset_record

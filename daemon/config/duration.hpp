// Durations as litd's configuration file writes them: a decimal number and a
// unit (ms, s, m, h), such as "250ms" or "1.5s", in whole milliseconds. Pure
// functions of their argument; they never throw and never allocate.
#pragma once

#include <optional>
#include <string_view>

#include "lit/port.hpp"

namespace lit::daemon {

// The longest duration a configuration may name: what a 32-bit millisecond
// count holds (about 49.7 days), so every field can store it.
inline constexpr Millis kMaxConfigDuration = 0xFFFF'FFFF;

// "250ms" -> 250, "1.5s" -> 1500, "2m" -> 120000. Empty for anything else: no
// unit, an unknown unit, a sign, spaces, a fraction of a millisecond, or more
// than kMaxConfigDuration.
std::optional<Millis> parse_duration(std::string_view text);

}  // namespace lit::daemon

// Event ids back to the names an author writes, for tools. Names to ids is the
// core's job: lit::chart::resolve_event() in lit/chart/names.hpp. Host-only.
#pragma once

#include <cstdint>
#include <string>

#include "lit/chart/table.hpp"

namespace lit::tools {

// The name an author writes for an event id in a descriptor: "power",
// "done.state.p", "done.invoke.fetch", "*". Timer events have none (empty).
std::string event_name(const chart::Table& table, chart::EventId id);

// The delay of the after(...) clause that fires a timer event.
std::uint32_t timer_delay_ms(const chart::Table& table, chart::EventId id);

}  // namespace lit::tools

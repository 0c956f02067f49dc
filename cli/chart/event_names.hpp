// Event names and a chart's event ids, both ways. resolve_event() gives the id
// that an external event of a given name behaves as, following SCXML's prefix
// matching exactly as the engine does (Engine::matches in machine.cpp): a name
// the chart never declared acts as its longest declared token prefix, and a
// name with no declared prefix is matched by "*" alone. Host-only; pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lit/chart/table.hpp"

namespace lit::tools {

// Usable as an event name: no whitespace or '*', no empty token ("a..b", ".a").
bool valid_event_name(std::string_view name);

struct ResolvedEvent {
  enum class Kind : std::uint8_t {
    id,               // dispatch `id`: it matches exactly the descriptors the name matches
    unmatched,        // no descriptor (not even "*") matches the name: dispatching is a no-op
    unrepresentable,  // only "*" matches it, and the table has no id that behaves so
  };
  Kind kind = Kind::unmatched;
  chart::EventId id = chart::kNone;
};

ResolvedEvent resolve_event(const chart::Table& table, std::string_view name);

// The name an author writes for an event id in a descriptor: "power",
// "done.state.p", "done.invoke.fetch", "*". Timer events have none (empty).
std::string event_name(const chart::Table& table, chart::EventId id);

// The delay of the after(...) clause that fires a timer event.
std::uint32_t timer_delay_ms(const chart::Table& table, chart::EventId id);

}  // namespace lit::tools

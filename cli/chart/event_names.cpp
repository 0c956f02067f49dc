// Name <-> id mapping for events; see event_names.hpp.
#include "chart/event_names.hpp"

#include "lit/chart/names.hpp"

namespace lit::tools {

using chart::EventId;
using chart::Table;

std::string event_name(const Table& table, EventId id) {
  if (id == chart::kAnyEvent) return "*";
  if (id >= table.event_count) return {};
  const chart::EventRow& row = table.events[id];
  if (!chart::has_written_name(row.kind)) return {};
  return std::string(chart::generated_prefix(row.kind)) + std::string(row.name);
}

std::uint32_t timer_delay_ms(const Table& table, EventId id) {
  const chart::TimerRow* timer = chart::timer_of(table, id);
  return timer != nullptr ? timer->delay_ms : 0;
}

}  // namespace lit::tools

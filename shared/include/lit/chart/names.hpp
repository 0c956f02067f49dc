// Event names: SCXML's token rules, the names of generated events, and how a
// name given at run time (a tool's command line, a message from the host)
// maps to the event id that behaves as that name does. Pure and constexpr;
// usable on the host and the MCU, never allocates.
#pragma once

#include <cstddef>
#include <string_view>

#include "lit/chart/table.hpp"
#include "lit/chart/types.hpp"

namespace lit::chart {

inline constexpr std::string_view kDoneStatePrefix = "done.state.";
inline constexpr std::string_view kDoneInvokePrefix = "done.invoke.";
inline constexpr std::string_view kErrorInvokePrefix = "error.invoke.";

constexpr bool is_name_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// "a.b" is a token prefix of "a.b" and "a.b.c", not of "a.bc".
constexpr bool is_token_prefix(std::string_view prefix, std::string_view name) {
  if (prefix.size() > name.size() || name.substr(0, prefix.size()) != prefix) return false;
  return prefix.size() == name.size() || name[prefix.size()] == '.';
}

// Usable as an event name: not empty, no whitespace or '*', no empty token ("a..b", ".a", "a.").
constexpr bool valid_event_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '*' || is_name_space(name[i])) return false;
    if (name[i] == '.' && i + 1 < name.size() && name[i + 1] == '.') return false;
  }
  return true;
}

// The fixed part of a generated event's name: "done.state." for done.state.<id>,
// empty for named events, and empty for timer and "other" rows, which have no
// name an author can write.
constexpr std::string_view generated_prefix(EventKind kind) {
  switch (kind) {
    case EventKind::done_state: return kDoneStatePrefix;
    case EventKind::invoke_done: return kDoneInvokePrefix;
    case EventKind::invoke_error: return kErrorInvokePrefix;
    case EventKind::named:
    case EventKind::timer:
    case EventKind::other: return {};
  }
  return {};
}

constexpr bool has_written_name(EventKind kind) { return kind != EventKind::timer && kind != EventKind::other; }

// The after() clause that fires timer event `event`, or null for other events.
constexpr const TimerRow* timer_of(const Table& table, EventId event) {
  for (std::uint16_t i = 0; i < table.timer_count; ++i) {
    if (table.timers[i].event == event) return &table.timers[i];
  }
  return nullptr;
}

// Whether `row`'s full name ("done.state.p", "sensor") is exactly `name`.
constexpr bool names_exactly(const EventRow& row, std::string_view name) {
  const std::string_view prefix = generated_prefix(row.kind);
  return has_written_name(row.kind) && name.size() == prefix.size() + row.name.size() &&
         name.substr(0, prefix.size()) == prefix && name.substr(prefix.size()) == row.name;
}

// Whether `row`'s full name is a token prefix of `name`; its length in *length.
constexpr bool names_prefix_of(const EventRow& row, std::string_view name, std::size_t& length) {
  const std::string_view prefix = generated_prefix(row.kind);
  if (!has_written_name(row.kind) || name.substr(0, prefix.size()) != prefix) return false;
  if (!is_token_prefix(row.name, name.substr(prefix.size()))) return false;
  length = prefix.size() + row.name.size();
  return true;
}

// The event id that behaves as an event called `name` would: the event of that
// exact name; else the event named by its longest token prefix (the descriptors
// matching "a.b.c" are exactly those matching "a.b" when "a.b.c" is not itself
// a name in the chart); else the chart's "other" event, which only "*" matches.
constexpr EventId resolve_event(const Table& table, std::string_view name) {
  EventId longest = table.other_event;
  std::size_t longest_length = 0;
  for (EventId id = 0; id < table.event_count; ++id) {
    const EventRow& row = table.events[id];
    if (names_exactly(row, name)) return id;
    std::size_t length = 0;
    if (names_prefix_of(row, name, length) && length > longest_length) {
      longest = id;
      longest_length = length;
    }
  }
  return longest;
}

}  // namespace lit::chart

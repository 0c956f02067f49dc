// Name <-> id mapping for events; see event_names.hpp.
#include "chart/event_names.hpp"

#include <vector>

#include "lit/chart/compile.hpp"

namespace lit::tools {

namespace {

using chart::EventId;
using chart::EventKind;
using chart::Table;

// The compiler's own token rules, so tools and charts agree on what a name is.
using chart::compiler_detail::is_token_prefix;

constexpr std::string_view kDoneState = "done.state.";
constexpr std::string_view kDoneInvoke = "done.invoke.";
constexpr std::string_view kErrorInvoke = "error.invoke.";

EventId find_generated(const Table& table, EventKind kind, std::string_view name) {
  for (EventId id = 0; id < table.event_count; ++id) {
    if (table.events[id].kind == kind && table.events[id].name == name) return id;
  }
  return chart::kNone;
}

// The generated event a name denotes, as the compiler resolves descriptors.
EventId generated_event(const Table& table, std::string_view name) {
  if (name.substr(0, kDoneState.size()) == kDoneState)
    return find_generated(table, EventKind::done_state, name.substr(kDoneState.size()));
  if (name.substr(0, kDoneInvoke.size()) == kDoneInvoke)
    return find_generated(table, EventKind::invoke_done, name.substr(kDoneInvoke.size()));
  if (name.substr(0, kErrorInvoke.size()) == kErrorInvoke) {
    return find_generated(table, EventKind::invoke_error, name.substr(kErrorInvoke.size()));
  }
  return chart::kNone;
}

// True when no transition descriptor lies on `id`'s prefix chain, so that only
// "*" can match it.
bool matched_by_wildcard_only(const Table& table, EventId id) {
  for (EventId link = id; link != chart::kNone; link = table.events[link].prefix) {
    for (std::uint16_t d = 0; d < table.descriptor_count; ++d) {
      if (table.descriptors[d] == link) return false;
    }
  }
  return true;
}

}  // namespace

bool valid_event_name(std::string_view name) { return chart::compiler_detail::valid_event_name(name); }

ResolvedEvent resolve_event(const Table& table, std::string_view name) {
  using Kind = ResolvedEvent::Kind;
  if (const EventId generated = generated_event(table, name); generated != chart::kNone) return {Kind::id, generated};
  if (const EventId named = table.find_event(name); named != chart::kNone) return {Kind::id, named};
  // An undeclared name matches what its longest declared token prefix matches:
  // that prefix is where its own prefix chain would start.
  EventId longest = chart::kNone;
  for (EventId id = 0; id < table.event_count; ++id) {
    const chart::EventRow& row = table.events[id];
    if (row.kind != EventKind::named || !is_token_prefix(row.name, name)) continue;
    if (longest == chart::kNone || row.name.size() > table.events[longest].name.size()) longest = id;
  }
  if (longest != chart::kNone) return {Kind::id, longest};

  // Only "*" can match it. Deferral is decided per event too: a "*" defer marks
  // every non-timer event, so one event without deferrers proves there is none.
  bool wildcard_transition = false;
  for (std::uint16_t d = 0; d < table.descriptor_count; ++d)
    wildcard_transition = wildcard_transition || table.descriptors[d] == chart::kAnyEvent;
  bool wildcard_defer_excluded = table.deferring_states == 0;
  for (EventId id = 0; id < table.event_count && !wildcard_defer_excluded; ++id) {
    wildcard_defer_excluded = table.events[id].kind != EventKind::timer && table.events[id].deferrers == 0;
  }
  if (!wildcard_transition && wildcard_defer_excluded) return {Kind::unmatched, chart::kNone};
  for (EventId id = 0; id < table.event_count; ++id) {
    const chart::EventRow& row = table.events[id];
    if (row.kind == EventKind::timer || !matched_by_wildcard_only(table, id)) continue;
    if (table.deferring_states == 0 || row.deferrers == 0) return {Kind::id, id};
  }
  return {Kind::unrepresentable, chart::kNone};
}

std::string event_name(const Table& table, EventId id) {
  if (id == chart::kAnyEvent) return "*";
  if (id >= table.event_count) return {};
  const chart::EventRow& row = table.events[id];
  switch (row.kind) {
    case EventKind::named: return std::string(row.name);
    case EventKind::done_state: return std::string(kDoneState) + std::string(row.name);
    case EventKind::invoke_done: return std::string(kDoneInvoke) + std::string(row.name);
    case EventKind::invoke_error: return std::string(kErrorInvoke) + std::string(row.name);
    case EventKind::timer: return {};
  }
  return {};
}

std::uint32_t timer_delay_ms(const Table& table, EventId id) {
  for (std::uint16_t i = 0; i < table.timer_count; ++i) {
    if (table.timers[i].event == id) return table.timers[i].delay_ms;
  }
  return 0;
}

}  // namespace lit::tools

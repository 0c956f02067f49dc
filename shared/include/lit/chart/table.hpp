// The compiled form of a chart: flat rows in document order with the set
// arithmetic precomputed, so the engine only does bit operations and table
// lookups. A Table is a read-only view; the rows live in flash for charts made
// with the DSL and in host memory for charts loaded at run time. Nothing here
// runs code; the engine in machine.hpp interprets it.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lit/chart/types.hpp"

namespace lit::chart {

namespace state_flag {
inline constexpr std::uint8_t has_timers = 1U << 0;
inline constexpr std::uint8_t has_invokes = 1U << 1;
inline constexpr std::uint8_t defers = 1U << 2;
inline constexpr std::uint8_t has_history_child = 1U << 3;
}  // namespace state_flag

struct StateRow {
  std::string_view name;
  // When the entry (exit) actions are exactly one user function, the engine
  // calls it directly instead of walking the action rows.
  ActionFn entry_fn = nullptr;
  ActionFn exit_fn = nullptr;
  StateSet descendants = 0;  // proper descendants
  StateSet ancestors = 0;    // proper ancestors (the root is implicit)
  StateIndex parent = kRoot;
  StateKind kind = StateKind::atomic;
  std::uint8_t depth = 0;  // 1 for top-level states
  std::uint8_t flags = 0;
  std::uint16_t first_transition = 0;
  std::uint16_t transition_count = 0;
  std::uint16_t entry_begin = 0;
  std::uint16_t entry_count = 0;
  std::uint16_t exit_begin = 0;
  std::uint16_t exit_count = 0;
  std::uint16_t timer_begin = 0;
  std::uint16_t timer_count = 0;
  std::uint16_t invoke_begin = 0;
  std::uint16_t invoke_count = 0;
  std::uint16_t initial = kNone;  // initial transition (compound) or default transition (history)
  EventId done_event = kNone;     // done.state.<id>, for states that can complete
  // History states only: where their record lives in the machine's history memory.
  // One byte holds a state's offset from the parent (0 = nothing recorded); a
  // deep history over parallel regions keeps a bitmask of the parent's
  // descendants instead, its own bit meaning "recorded". A chart's records can
  // take more than 256 bytes (up to 8 bytes for each of 63 histories).
  std::uint16_t history_offset = 0;
  std::uint8_t history_size = 0;
};

namespace transition_flag {
inline constexpr std::uint8_t targetless = 1U << 0;
inline constexpr std::uint8_t internal = 1U << 1;
inline constexpr std::uint8_t eventless = 1U << 2;
// entry/default_entered below are exact; no history state is involved.
inline constexpr std::uint8_t static_entry = 1U << 3;
}  // namespace transition_flag

struct TransitionRow {
  StateSet exit_scope = 0;       // proper descendants of the transition domain; 0 if targetless
  StateSet entry = 0;            // states entered, when static_entry
  StateSet default_entered = 0;  // states whose initial transition runs, when static_entry
  GuardFn guard = nullptr;
  ActionFn action_fn = nullptr;  // the only action, when it is one user function
  std::uint16_t targets_begin = 0;
  std::uint16_t target_count = 0;
  std::uint16_t descriptors_begin = 0;
  std::uint16_t descriptor_count = 0;
  std::uint16_t action_begin = 0;
  std::uint16_t action_count = 0;
  StateIndex source = kRoot;  // kRoot for the chart's own initial transition
  StateIndex domain = kRoot;  // SCXML transition domain; meaningless if targetless
  GuardKind guard_kind = GuardKind::none;
  StateIndex guard_state = 0;  // for In()/!In()
  std::uint8_t flags = 0;
};

struct ActionRow {
  ActionFn fn = nullptr;
  std::string_view label;  // log label
  std::string_view text;   // log text
  std::uint32_t delay_ms = 0;
  EventId event = kNone;  // raise / send_after
  ActionKind kind = ActionKind::call;
  bool sees_step = true;  // a call action that takes no Step cannot fail, raise or see the machine
};

struct EventRow {
  std::string_view name;   // for done/timer/invoke events, the state or invoke id
  StateSet handlers = 0;   // states with a transition this event can trigger
  StateSet deferrers = 0;  // states that defer this event
  EventId prefix = kNone;  // the next shorter declared name that this one extends
  EventKind kind = EventKind::named;
};

struct TimerRow {
  std::uint32_t delay_ms = 0;
  EventId event = kNone;
  StateIndex state = 0;
};

struct InvokeRow {
  std::string_view id;
  ActivityFn start = nullptr;
  EventId done_event = kNone;
  EventId error_event = kNone;
  StateIndex state = 0;
};

// Everything the engine and the tools need to run and introspect a chart.
struct Table {
  std::string_view name;
  std::uint64_t structural_hash = 0;
  const StateRow* states = nullptr;
  const TransitionRow* transitions = nullptr;
  const StateIndex* targets = nullptr;
  const EventId* descriptors = nullptr;
  const ActionRow* actions = nullptr;
  const EventRow* events = nullptr;
  const TimerRow* timers = nullptr;
  const InvokeRow* invokes = nullptr;
  // Only charts made by the DSL have one (see dsl.hpp).
  CompiledDispatchFn compiled_dispatch = nullptr;
  std::uint16_t state_count = 0;
  std::uint16_t transition_count = 0;
  std::uint16_t target_count = 0;
  std::uint16_t descriptor_count = 0;
  std::uint16_t action_count = 0;
  std::uint16_t event_count = 0;
  std::uint16_t timer_count = 0;
  std::uint16_t invoke_count = 0;
  std::uint16_t max_armed_timers = 0;  // the most timers one configuration arms at once
  std::uint16_t initial = kNone;       // the root's initial transition
  std::uint16_t history_bytes = 0;     // history memory a machine of this chart needs
  EventId other_event = kNone;         // what a name the chart does not know dispatches as (names.hpp)
  StateSet atomic_states = 0;          // atomic and final states: what a configuration bottoms out in
  StateSet final_states = 0;
  StateSet history_states = 0;
  StateSet eventless_sources = 0;  // states with eventless transitions
  StateSet parallel_states = 0;
  StateSet top_level = 0;         // children of the root
  StateSet deferring_states = 0;  // states that defer some event
  // States whose entry or exit needs more than actions: timers, invocations,
  // history records, final-state completion or deferral recall. A step that
  // touches none of them takes the engine's short path.
  StateSet special_states = 0;
  bool single_region = true;  // no parallel states: at most one active atomic state

  // Name lookups for tools and tests; linear, never on a hot path.
  constexpr StateIndex find_state(std::string_view id) const {
    for (std::uint16_t i = 0; i < state_count; ++i) {
      if (states[i].name == id) return static_cast<StateIndex>(i);
    }
    return kRoot;
  }
  // A declared event name; see resolve_event() in names.hpp for any name.
  constexpr EventId find_event(std::string_view id) const {
    for (std::uint16_t i = 0; i < event_count; ++i) {
      if (events[i].kind == EventKind::named && events[i].name == id) return i;
    }
    return kNone;
  }
};

// Writes the path of `state` from the top of the chart, ids joined by '/'
// ("active/running/motor/at_speed"), into `out`, NUL-terminated and cut short
// if it does not fit. Returns the length of the whole path. For logs, traces
// and tools; never allocates.
constexpr std::size_t state_path(const Table& table, StateIndex state, char* out, std::size_t capacity) {
  std::size_t length = 0;
  const auto put = [&](char c) {
    if (length + 1 < capacity) out[length] = c;
    ++length;
  };
  StateSet chain = table.states[state].ancestors | bit(state);
  for (bool first = true; chain != 0; chain &= chain - 1, first = false) {
    if (!first) put('/');
    for (const char c : table.states[static_cast<unsigned>(std::countr_zero(chain))].name) put(c);
  }
  if (capacity != 0) out[length < capacity ? length : capacity - 1] = '\0';
  return length;
}

// Whether `event` triggers `transition` by its descriptors: a descriptor
// matches the event and every event its name extends ("a.b" matches "a.b.c"),
// and "*" matches every event but the private timer events.
constexpr bool matches(const Table& table, const TransitionRow& transition, EventId event) {
  const EventId* descriptor = table.descriptors + transition.descriptors_begin;
  const EventId* const end = descriptor + transition.descriptor_count;
  for (; descriptor != end; ++descriptor) {
    if (*descriptor == event) return true;
    if (*descriptor == kAnyEvent) {
      if (table.events[event].kind != EventKind::timer) return true;
      continue;
    }
    for (EventId id = table.events[event].prefix; id != kNone; id = table.events[id].prefix) {
      if (id == *descriptor) return true;
    }
  }
  return false;
}

}  // namespace lit::chart

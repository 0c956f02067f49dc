// A chart as its author wrote it, before names are resolved: states in document
// order with parent links, transitions with their event descriptors and targets
// still as names. Both front-ends produce a Spec, the C++ DSL at compile time and
// the SCXML loader at run time, and both hand it to the one compiler in
// compile.hpp. Views only; the front-end owns the storage.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "lit/chart/types.hpp"

namespace lit::chart {

// Where an element came from, for error messages (0:0 for DSL charts, whose
// errors are compile errors instead).
struct SourceLocation {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

enum class SpecStateKind : std::uint8_t {
  state,  // atomic or compound, decided by whether it has child states
  parallel,
  final,
  shallow_history,
  deep_history,
};

struct SpecState {
  std::string_view name;
  SpecStateKind kind = SpecStateKind::state;
  StateIndex parent = kRoot;
  std::uint16_t initial = kNone;  // index of this state's initial (or history default) transition
  std::uint16_t entry_begin = 0;
  std::uint16_t entry_count = 0;
  std::uint16_t exit_begin = 0;
  std::uint16_t exit_count = 0;
  SourceLocation location;
};

enum class SpecTransitionRole : std::uint8_t {
  on_event,  // event descriptors in `events`
  eventless,
  initial,          // a state's (or the root's) initial transition
  history_default,  // a history state's default transition
  after,            // fires delay_ms after the source is entered, unless it exits first
};

struct SpecTransition {
  StateIndex source = kRoot;
  SpecTransitionRole role = SpecTransitionRole::on_event;
  std::span<const std::string_view> events;   // descriptors, "*" for any
  std::span<const std::string_view> targets;  // state ids; empty for a targetless transition
  bool internal = false;
  GuardKind guard_kind = GuardKind::none;
  GuardFn guard = nullptr;
  std::string_view guard_state;  // for In()/!In()
  std::uint32_t delay_ms = 0;    // for `after`
  std::uint16_t action_begin = 0;
  std::uint16_t action_count = 0;
  SourceLocation location;
};

struct SpecAction {
  ActionKind kind = ActionKind::call;
  ActionFn fn = nullptr;
  std::string_view event;  // raise / send_after
  std::string_view label;  // log
  std::string_view text;   // log
  std::uint32_t delay_ms = 0;
  SourceLocation location;
  // Whether a call action receives the Step; one that does not can neither
  // fail, raise nor look at the machine (compiled dispatch relies on it).
  bool sees_step = true;
};

struct SpecDefer {
  StateIndex state = 0;
  std::span<const std::string_view> events;  // descriptors
  SourceLocation location;
};

struct SpecInvoke {
  StateIndex state = 0;
  std::string_view id;
  ActivityFn start = nullptr;
  SourceLocation location;
};

struct Spec {
  std::string_view name;
  std::uint16_t initial = kNone;  // the root's initial transition
  std::span<const SpecState> states;
  std::span<const SpecTransition> transitions;
  std::span<const SpecAction> actions;
  std::span<const SpecDefer> defers;
  std::span<const SpecInvoke> invokes;
  std::span<const std::string_view> declared_events;  // names usable as events beyond those in descriptors
};

}  // namespace lit::chart

// The one chart compiler: Spec in, Table rows out. It resolves names, checks
// the chart's structure, assigns event ids, precomputes every transition's exit
// scope and (where history is not involved) its entry set, and computes the
// structural hash. It is constexpr, so the DSL runs it at compile time into
// fixed arrays and the SCXML loader runs it at run time into vectors; both get
// the same rows and the same hash. Output containers need push_back() (which
// returns false when full, and must for a row that would get the index kNone:
// rows are indexed by 16 bits), size(), operator[], data(), begin() and end().
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "lit/chart/entry_set.hpp"
#include "lit/chart/names.hpp"
#include "lit/chart/spec.hpp"
#include "lit/chart/table.hpp"
#include "lit/chart/types.hpp"

namespace lit::chart {

enum class CompileError : std::uint8_t {
  none,
  no_states,
  too_many_states,
  too_many_rows,
  empty_name,
  invalid_name,
  duplicate_state_name,
  not_document_order,
  child_of_leaf_state,
  history_outside_state,
  missing_initial,
  unexpected_initial,
  initial_target_outside_state,
  missing_target,
  unknown_target,
  conflicting_targets,
  transition_from_final_or_history,
  history_without_default,
  history_default_outside_parent,
  unknown_state_in_condition,
  invalid_event_descriptor,
  eventless_loop,
  duplicate_invoke_id,
  guard_missing_function,
  action_missing_function,
};

constexpr const char* describe(CompileError error) {
  switch (error) {
    case CompileError::none: return "no error";
    case CompileError::no_states: return "the chart has no states";
    case CompileError::too_many_states: return "a chart holds at most 64 states (history states included)";
    case CompileError::too_many_rows: return "the chart has more rows than its storage holds";
    case CompileError::empty_name: return "a state has an empty id";
    case CompileError::invalid_name: return "a state id contains whitespace";
    case CompileError::duplicate_state_name: return "duplicate state id";
    case CompileError::not_document_order: return "states are not listed in document order";
    case CompileError::child_of_leaf_state: return "final and history states cannot have children";
    case CompileError::history_outside_state:
      return "a history state must be the child of a compound or parallel state";
    case CompileError::missing_initial: return "a compound state (or the chart) has no initial state";
    case CompileError::unexpected_initial: return "only compound states take an initial state";
    case CompileError::initial_target_outside_state: return "an initial target is not a descendant of its state";
    case CompileError::missing_target: return "an initial or history default transition has no target";
    case CompileError::unknown_target: return "unknown target state";
    case CompileError::conflicting_targets: return "transition targets cannot be active together";
    case CompileError::transition_from_final_or_history: return "final and history states cannot have transitions";
    case CompileError::history_without_default: return "a history state needs a default transition";
    case CompileError::history_default_outside_parent:
      return "a history default target is not a descendant of the history's parent";
    case CompileError::unknown_state_in_condition: return "unknown state in In() condition";
    case CompileError::invalid_event_descriptor: return "invalid event descriptor";
    case CompileError::eventless_loop: return "an eventless transition with no guard and no target loops forever";
    case CompileError::duplicate_invoke_id: return "duplicate invoke id";
    case CompileError::guard_missing_function: return "a guard has no function";
    case CompileError::action_missing_function: return "an action has no function";
  }
  return "unknown error";
}

// The Table view of compiled rows: `rows.header` with its pointers aimed at
// the row containers (any storage that meets compile()'s output contract).
template <class Rows>
constexpr Table table_view(const Rows& rows) {
  Table table = rows.header;
  table.states = rows.states.data();
  table.transitions = rows.transitions.data();
  table.targets = rows.targets.data();
  table.descriptors = rows.descriptors.data();
  table.actions = rows.actions.data();
  table.events = rows.events.data();
  table.timers = rows.timers.data();
  table.invokes = rows.invokes.data();
  return table;
}

enum class SpecElement : std::uint8_t { chart, state, transition, action, defer, invoke };

struct CompileResult {
  CompileError error = CompileError::none;
  SpecElement element = SpecElement::chart;
  std::uint16_t index = 0;   // index of the element within its Spec span
  std::string_view subject;  // the offending name or token, when there is one
  SourceLocation location;
  constexpr bool ok() const { return error == CompileError::none; }
};

namespace compiler_detail {

class Hash {
 public:
  constexpr void byte(std::uint8_t value) {
    value_ ^= value;
    value_ *= 0x100000001b3ULL;
  }
  constexpr void u16(std::uint16_t value) {
    byte(static_cast<std::uint8_t>(value & 0xFFU));
    byte(static_cast<std::uint8_t>(value >> 8U));
  }
  constexpr void u32(std::uint32_t value) {
    u16(static_cast<std::uint16_t>(value & 0xFFFFU));
    u16(static_cast<std::uint16_t>(value >> 16U));
  }
  constexpr void text(std::string_view value) {
    u32(static_cast<std::uint32_t>(value.size()));
    for (char c : value) byte(static_cast<std::uint8_t>(c));
  }
  constexpr std::uint64_t value() const { return value_; }

 private:
  std::uint64_t value_ = 0xcbf29ce484222325ULL;
};

template <class Out>
class Compiler {
 public:
  constexpr Compiler(const Spec& spec, Out& out) : spec_(spec), out_(out) {}

  constexpr CompileResult run() {
    // Row indices are 16 bits with kNone reserved, and loops over a row range
    // run to begin + count, which must not wrap.
    if (spec_.transitions.size() > kNone || spec_.actions.size() > kNone) {
      overflow();
      return result_;
    }
    if (!build_states()) return result_;
    if (!create_generated_events()) return result_;
    if (!build_transitions()) return result_;
    if (!build_actions()) return result_;
    if (!build_defers()) return result_;
    link_event_prefixes();
    compute_event_masks();
    if (!compute_transition_sets()) return result_;
    link_direct_actions();
    finish_header();
    return result_;
  }

 private:
  constexpr bool fail(
      CompileError error, SpecElement element, std::size_t index, std::string_view subject, SourceLocation location) {
    result_ = CompileResult{error, element, static_cast<std::uint16_t>(index), subject, location};
    return false;
  }
  constexpr bool overflow() { return fail(CompileError::too_many_rows, SpecElement::chart, 0, {}, {}); }

  // The rows so far, as a Table (counts included) for the shared algorithms.
  constexpr Table view() const {
    Table table = table_view(out_);
    table.state_count = static_cast<std::uint16_t>(out_.states.size());
    table.transition_count = static_cast<std::uint16_t>(out_.transitions.size());
    table.event_count = static_cast<std::uint16_t>(out_.events.size());
    table.descriptor_count = static_cast<std::uint16_t>(out_.descriptors.size());
    return table;
  }

  // ---- states ------------------------------------------------------------

  constexpr bool build_states() {
    const auto count = spec_.states.size();
    if (count == 0) return fail(CompileError::no_states, SpecElement::chart, 0, spec_.name, {});
    if (count > kMaxStates) return fail(CompileError::too_many_states, SpecElement::chart, 0, spec_.name, {});
    for (std::size_t i = 0; i < count; ++i) {
      const SpecState& state = spec_.states[i];
      if (state.name.empty()) return fail(CompileError::empty_name, SpecElement::state, i, {}, state.location);
      for (char c : state.name) {
        if (is_name_space(c))
          return fail(CompileError::invalid_name, SpecElement::state, i, state.name, state.location);
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (spec_.states[j].name == state.name) {
          return fail(CompileError::duplicate_state_name, SpecElement::state, i, state.name, state.location);
        }
      }
      StateRow row{};
      row.name = state.name;
      row.parent = state.parent;
      if (state.parent != kRoot) {
        const bool follows_previous = state.parent == i - 1 || (out_.states[i - 1].ancestors & bit(state.parent)) != 0;
        if (state.parent >= i || !follows_previous) {
          return fail(CompileError::not_document_order, SpecElement::state, i, state.name, state.location);
        }
        const SpecStateKind parent_kind = spec_.states[state.parent].kind;
        if (parent_kind != SpecStateKind::state && parent_kind != SpecStateKind::parallel) {
          return fail(CompileError::child_of_leaf_state, SpecElement::state, i, state.name, state.location);
        }
        row.ancestors = out_.states[state.parent].ancestors | bit(state.parent);
        row.depth = static_cast<std::uint8_t>(out_.states[state.parent].depth + 1);
      } else {
        row.depth = 1;
      }
      switch (state.kind) {
        case SpecStateKind::state: row.kind = StateKind::atomic; break;
        case SpecStateKind::parallel: row.kind = StateKind::parallel; break;
        case SpecStateKind::final: row.kind = StateKind::final; break;
        case SpecStateKind::shallow_history: row.kind = StateKind::shallow_history; break;
        case SpecStateKind::deep_history: row.kind = StateKind::deep_history; break;
      }
      if (is_history(row.kind) && state.parent == kRoot) {
        return fail(CompileError::history_outside_state, SpecElement::state, i, state.name, state.location);
      }
      row.entry_begin = state.entry_begin;
      row.entry_count = state.entry_count;
      row.exit_begin = state.exit_begin;
      row.exit_count = state.exit_count;
      if (!out_.states.push_back(row)) return overflow();
      for (StateSet ancestors = row.ancestors; ancestors != 0; ancestors &= ancestors - 1) {
        out_.states[lowest_bit(ancestors)].descendants |= bit(static_cast<unsigned>(i));
      }
    }
    for (std::size_t i = 0; i < count; ++i) {
      StateRow& row = out_.states[i];
      const StateSet proper_children = child_states(view(), static_cast<StateIndex>(i));
      if (row.kind == StateKind::atomic && proper_children != 0) row.kind = StateKind::compound;
      if (row.parent == kRoot) {
        if (!is_history(row.kind)) out_.header.top_level |= bit(static_cast<unsigned>(i));
      } else if (is_history(row.kind)) {
        out_.states[row.parent].flags |= state_flag::has_history_child;
        out_.header.history_states |= bit(static_cast<unsigned>(i));
      }
    }
    for (std::size_t i = 0; i < count; ++i) {
      const StateRow& row = out_.states[i];
      if (row.kind == StateKind::atomic || row.kind == StateKind::final)
        out_.header.atomic_states |= bit(static_cast<unsigned>(i));
      if (row.kind == StateKind::final) out_.header.final_states |= bit(static_cast<unsigned>(i));
      if (row.kind == StateKind::parallel) out_.header.parallel_states |= bit(static_cast<unsigned>(i));
    }
    out_.header.single_region = out_.header.parallel_states == 0;
    for (std::size_t i = 0; i < count; ++i) {
      StateRow& row = out_.states[i];
      if (!is_history(row.kind)) continue;
      row.history_offset = out_.header.history_bytes;
      row.history_size = history_record_size(row);
      out_.header.history_bytes = static_cast<std::uint16_t>(out_.header.history_bytes + row.history_size);
    }
    return true;
  }

  constexpr std::uint8_t history_record_size(const StateRow& history) const {
    const StateRow& parent = out_.states[history.parent];
    const bool regions = parent.kind == StateKind::parallel || (parent.descendants & out_.header.parallel_states) != 0;
    if (history.kind == StateKind::shallow_history || !regions) return 1;
    const auto descendants = static_cast<unsigned>(std::popcount(parent.descendants));
    return static_cast<std::uint8_t>((descendants + 7U) / 8U);
  }

  // ---- events ------------------------------------------------------------

  constexpr bool add_event(EventRow row, EventId& id) {
    if (out_.events.size() >= kAnyEvent) return overflow();
    id = static_cast<EventId>(out_.events.size());
    return out_.events.push_back(row) || overflow();
  }

  // done.state.<id> for states that can complete, and the outcome events of
  // invocations, exist before descriptors are resolved so that a descriptor
  // naming one of them resolves to it.
  constexpr bool create_generated_events() {
    if (!add_event(EventRow{{}, 0, 0, kNone, EventKind::other}, out_.header.other_event)) return false;
    for (std::size_t i = 0; i < out_.states.size(); ++i) {
      const StateRow& row = out_.states[i];
      const bool completes = row.kind == StateKind::parallel ||
                             (row.kind == StateKind::compound &&
                              (child_states(view(), static_cast<StateIndex>(i)) & out_.header.final_states) != 0);
      if (completes && !add_event(EventRow{row.name, 0, 0, kNone, EventKind::done_state}, out_.states[i].done_event))
        return false;
    }
    for (std::size_t i = 0; i < spec_.invokes.size(); ++i) {
      const SpecInvoke& invoke = spec_.invokes[i];
      for (std::size_t j = 0; j < i; ++j) {
        if (spec_.invokes[j].id == invoke.id) {
          return fail(CompileError::duplicate_invoke_id, SpecElement::invoke, i, invoke.id, invoke.location);
        }
      }
    }
    // Invokes are grouped by state, in document order of their states.
    for (std::size_t state = 0; state < out_.states.size(); ++state) {
      for (std::size_t i = 0; i < spec_.invokes.size(); ++i) {
        const SpecInvoke& invoke = spec_.invokes[i];
        if (invoke.state != state) continue;
        InvokeRow row{invoke.id, invoke.start, kNone, kNone, invoke.state};
        if (!add_event(EventRow{invoke.id, 0, 0, kNone, EventKind::invoke_done}, row.done_event)) return false;
        if (!add_event(EventRow{invoke.id, 0, 0, kNone, EventKind::invoke_error}, row.error_event)) return false;
        StateRow& owner = out_.states[state];
        if (owner.invoke_count == 0) owner.invoke_begin = static_cast<std::uint16_t>(out_.invokes.size());
        ++owner.invoke_count;
        owner.flags |= state_flag::has_invokes;
        if (!out_.invokes.push_back(row)) return overflow();
      }
    }
    return true;
  }

  constexpr EventId find_generated(EventKind kind, std::string_view name) const {
    for (std::size_t i = 0; i < out_.events.size(); ++i) {
      if (out_.events[i].kind == kind && out_.events[i].name == name) return static_cast<EventId>(i);
    }
    return kNone;
  }

  // The id of one descriptor token or event name, declaring named events as met.
  constexpr bool intern_event(std::string_view token, EventId& id, bool allow_wildcard) {
    if (allow_wildcard && token == "*") {
      id = kAnyEvent;
      return true;
    }
    if (allow_wildcard && token.size() > 2 && token.substr(token.size() - 2) == ".*") token.remove_suffix(2);
    if (!valid_event_name(token)) return false;
    constexpr std::string_view done_state = "done.state.";
    constexpr std::string_view done_invoke = "done.invoke.";
    constexpr std::string_view error_invoke = "error.invoke.";
    id = kNone;
    if (token.substr(0, done_state.size()) == done_state) {
      id = find_generated(EventKind::done_state, token.substr(done_state.size()));
    } else if (token.substr(0, done_invoke.size()) == done_invoke) {
      id = find_generated(EventKind::invoke_done, token.substr(done_invoke.size()));
    } else if (token.substr(0, error_invoke.size()) == error_invoke) {
      id = find_generated(EventKind::invoke_error, token.substr(error_invoke.size()));
    }
    if (id != kNone) return true;
    id = find_generated(EventKind::named, token);
    if (id != kNone) return true;
    return add_event(EventRow{token, 0, 0, kNone, EventKind::named}, id);
  }

  // ---- transitions ---------------------------------------------------------

  static constexpr bool is_special(SpecTransitionRole role) {
    return role == SpecTransitionRole::initial || role == SpecTransitionRole::history_default;
  }

  constexpr bool build_transitions() {
    // Ordinary transitions grouped by source in document order, then the
    // root's initial transition, then each state's initial or history default.
    for (std::size_t state = 0; state < out_.states.size(); ++state) {
      StateRow& row = out_.states[state];
      row.first_transition = static_cast<std::uint16_t>(out_.transitions.size());
      for (std::size_t i = 0; i < spec_.transitions.size(); ++i) {
        const SpecTransition& spec = spec_.transitions[i];
        if (spec.source != state || is_special(spec.role)) continue;
        if (row.kind == StateKind::final || is_history(row.kind)) {
          return fail(
              CompileError::transition_from_final_or_history, SpecElement::transition, i, row.name, spec.location);
        }
        if (!add_transition(i)) return false;
        ++out_.states[state].transition_count;
      }
    }
    if (spec_.initial == kNone || spec_.initial >= spec_.transitions.size()) {
      return fail(CompileError::missing_initial, SpecElement::chart, 0, spec_.name, {});
    }
    out_.header.initial = static_cast<std::uint16_t>(out_.transitions.size());
    if (!add_transition(spec_.initial)) return false;
    if (!check_initial_targets(out_.header.initial, kRoot, spec_.initial)) return false;
    for (std::size_t state = 0; state < out_.states.size(); ++state) {
      const SpecState& spec = spec_.states[state];
      StateRow& row = out_.states[state];
      const bool history = is_history(row.kind);
      if (spec.initial == kNone) {
        if (row.kind == StateKind::compound) {
          return fail(CompileError::missing_initial, SpecElement::state, state, row.name, spec.location);
        }
        if (history)
          return fail(CompileError::history_without_default, SpecElement::state, state, row.name, spec.location);
        continue;
      }
      if (row.kind != StateKind::compound && !history) {
        return fail(CompileError::unexpected_initial, SpecElement::state, state, row.name, spec.location);
      }
      if (spec.initial >= spec_.transitions.size()) return overflow();
      const auto index = static_cast<std::uint16_t>(out_.transitions.size());
      if (!add_transition(spec.initial)) return false;
      out_.states[state].initial = index;
      const StateIndex scope = history ? row.parent : static_cast<StateIndex>(state);
      if (!check_initial_targets(index, scope, spec.initial)) return false;
    }
    return true;
  }

  constexpr bool check_initial_targets(std::uint16_t index, StateIndex scope, std::size_t spec_index) {
    const TransitionRow& row = out_.transitions[index];
    const SpecTransition& spec = spec_.transitions[spec_index];
    if (row.target_count == 0)
      return fail(CompileError::missing_target, SpecElement::transition, spec_index, {}, spec.location);
    const StateSet allowed = descendants_of(view(), scope);
    for (unsigned i = 0; i < row.target_count; ++i) {
      const StateIndex target = out_.targets[row.targets_begin + i];
      if ((allowed & bit(target)) == 0) {
        const CompileError error = spec.role == SpecTransitionRole::history_default
                                       ? CompileError::history_default_outside_parent
                                       : CompileError::initial_target_outside_state;
        return fail(error, SpecElement::transition, spec_index, out_.states[target].name, spec.location);
      }
    }
    return true;
  }

  constexpr bool add_transition(std::size_t spec_index) {
    const SpecTransition& spec = spec_.transitions[spec_index];
    TransitionRow row{};
    row.source = spec.source;
    row.targets_begin = static_cast<std::uint16_t>(out_.targets.size());
    for (const std::string_view token : spec.targets) {
      const StateIndex target = view().find_state(token);
      if (target == kRoot)
        return fail(CompileError::unknown_target, SpecElement::transition, spec_index, token, spec.location);
      if (!out_.targets.push_back(target)) return overflow();
      ++row.target_count;
    }
    if (row.target_count == 0) row.flags |= transition_flag::targetless;
    if (spec.internal) row.flags |= transition_flag::internal;
    if (!check_target_conflicts(row, spec_index)) return false;

    row.descriptors_begin = static_cast<std::uint16_t>(out_.descriptors.size());
    switch (spec.role) {
      case SpecTransitionRole::on_event: {
        for (const std::string_view token : spec.events) {
          EventId id = kNone;
          if (!intern_event(token, id, true)) {
            if (!result_.ok()) return false;
            return fail(
                CompileError::invalid_event_descriptor, SpecElement::transition, spec_index, token, spec.location);
          }
          if (!out_.descriptors.push_back(id)) return overflow();
          ++row.descriptor_count;
        }
        if (row.descriptor_count == 0)
          return fail(CompileError::invalid_event_descriptor, SpecElement::transition, spec_index, {}, spec.location);
        break;
      }
      case SpecTransitionRole::eventless:
        row.flags |= transition_flag::eventless;
        if ((row.flags & transition_flag::targetless) != 0 && spec.guard_kind == GuardKind::none) {
          return fail(CompileError::eventless_loop, SpecElement::transition, spec_index, {}, spec.location);
        }
        out_.header.eventless_sources |= bit(spec.source);
        break;
      case SpecTransitionRole::after: {
        EventId id = kNone;
        if (!add_event(EventRow{out_.states[spec.source].name, 0, 0, kNone, EventKind::timer}, id)) return false;
        StateRow& owner = out_.states[spec.source];
        if (owner.timer_count == 0) owner.timer_begin = static_cast<std::uint16_t>(out_.timers.size());
        ++owner.timer_count;
        owner.flags |= state_flag::has_timers;
        if (!out_.timers.push_back(TimerRow{spec.delay_ms, id, spec.source})) return overflow();
        if (!out_.descriptors.push_back(id)) return overflow();
        row.descriptor_count = 1;
        break;
      }
      case SpecTransitionRole::initial:
      case SpecTransitionRole::history_default: break;
    }

    row.guard_kind = spec.guard_kind;
    row.guard = spec.guard;
    // (Only a run-time front-end can leave the function out; the DSL always sets
    // it, and comparing function addresses is not constant under UBSan.)
    if (!std::is_constant_evaluated() && spec.guard_kind == GuardKind::call && spec.guard == nullptr) {
      return fail(CompileError::guard_missing_function, SpecElement::transition, spec_index, {}, spec.location);
    }
    if (spec.guard_kind == GuardKind::in_state || spec.guard_kind == GuardKind::not_in_state) {
      const StateIndex state = view().find_state(spec.guard_state);
      if (state == kRoot) {
        return fail(CompileError::unknown_state_in_condition,
                    SpecElement::transition,
                    spec_index,
                    spec.guard_state,
                    spec.location);
      }
      row.guard_state = state;
    }
    row.action_begin = spec.action_begin;
    row.action_count = spec.action_count;
    return out_.transitions.push_back(row) || overflow();
  }

  // Several targets must be able to be active together: no two on one
  // ancestor line, and every pair parted by a parallel state.
  constexpr bool check_target_conflicts(const TransitionRow& row, std::size_t spec_index) {
    for (unsigned i = 0; i < row.target_count; ++i) {
      for (unsigned j = i + 1; j < row.target_count; ++j) {
        const StateIndex a = out_.targets[row.targets_begin + i];
        const StateIndex b = out_.targets[row.targets_begin + j];
        const StateSet common = out_.states[a].ancestors & out_.states[b].ancestors;
        const bool related =
            a == b || (out_.states[a].ancestors & bit(b)) != 0 || (out_.states[b].ancestors & bit(a)) != 0;
        const bool parted = common != 0 && out_.states[highest_bit(common)].kind == StateKind::parallel;
        if (related || !parted) {
          return fail(CompileError::conflicting_targets,
                      SpecElement::transition,
                      spec_index,
                      out_.states[b].name,
                      spec_.transitions[spec_index].location);
        }
      }
    }
    return true;
  }

  // ---- actions and deferral -------------------------------------------------

  constexpr bool build_actions() {
    for (std::size_t i = 0; i < spec_.actions.size(); ++i) {
      const SpecAction& spec = spec_.actions[i];
      ActionRow row{spec.fn, spec.label, spec.text, spec.delay_ms, kNone, spec.kind, spec.sees_step};
      if (!std::is_constant_evaluated() && spec.kind == ActionKind::call && spec.fn == nullptr) {
        return fail(CompileError::action_missing_function, SpecElement::action, i, {}, spec.location);
      }
      if (spec.kind == ActionKind::raise || spec.kind == ActionKind::send_after) {
        if (!intern_event(spec.event, row.event, false)) {
          if (!result_.ok()) return false;
          return fail(CompileError::invalid_event_descriptor, SpecElement::action, i, spec.event, spec.location);
        }
      }
      if (!out_.actions.push_back(row)) return overflow();
    }
    for (const std::string_view name : spec_.declared_events) {
      EventId id = kNone;
      if (!intern_event(name, id, false)) {
        if (!result_.ok()) return false;
        return fail(CompileError::invalid_event_descriptor, SpecElement::chart, 0, name, {});
      }
    }
    return true;
  }

  constexpr bool build_defers() {
    for (std::size_t i = 0; i < spec_.defers.size(); ++i) {
      const SpecDefer& spec = spec_.defers[i];
      std::size_t count = 0;
      for (const std::string_view token : spec.events) {
        EventId id = kNone;
        if (!intern_event(token, id, true)) {
          if (!result_.ok()) return false;
          return fail(CompileError::invalid_event_descriptor, SpecElement::defer, i, token, spec.location);
        }
        ++count;
      }
      if (count == 0) return fail(CompileError::invalid_event_descriptor, SpecElement::defer, i, {}, spec.location);
      out_.states[spec.state].flags |= state_flag::defers;
      out_.header.deferring_states |= bit(spec.state);
    }
    return true;
  }

  // ---- event matching --------------------------------------------------------

  // Each event's prefix is the event whose full name is its longest proper
  // token prefix: "sensor" for "sensor.high", "done.state" or "done" for a
  // done.state.<id> event, and done.state.p for a declared "done.state.p.x".
  constexpr void link_event_prefixes() {
    for (std::size_t i = 0; i < out_.events.size(); ++i) {
      EventRow& row = out_.events[i];
      if (!has_written_name(row.kind)) continue;
      const std::string_view prefix = generated_prefix(row.kind);
      // A generated event extends its fixed prefix without the final dot.
      const std::string_view full = row.kind == EventKind::named ? row.name : prefix.substr(0, prefix.size() - 1);
      std::size_t best_length = 0;
      for (std::size_t j = 0; j < out_.events.size(); ++j) {
        std::size_t length = 0;
        if (j == i || !names_prefix_of(out_.events[j], full, length)) continue;
        const bool proper = row.kind != EventKind::named || length < full.size();
        if (proper && length > best_length) {
          best_length = length;
          row.prefix = static_cast<EventId>(j);
        }
      }
    }
  }

  // A one-descriptor match, by the same rule as matches() in table.hpp.
  constexpr bool descriptor_matches(EventId descriptor, EventId event) const {
    TransitionRow probe{};
    probe.descriptor_count = 1;
    const EventId descriptors[1] = {descriptor};
    Table table = view();
    table.descriptors = descriptors;
    return matches(table, probe, event);
  }

  constexpr void compute_event_masks() {
    const Table table = view();
    for (std::size_t t = 0; t < out_.transitions.size(); ++t) {
      const TransitionRow& row = out_.transitions[t];
      for (std::size_t e = 0; e < out_.events.size(); ++e) {
        if (matches(table, row, static_cast<EventId>(e))) out_.events[e].handlers |= bit(row.source);
      }
    }
    for (std::size_t i = 0; i < spec_.defers.size(); ++i) {
      for (const std::string_view token : spec_.defers[i].events) {
        EventId id = kNone;
        intern_event(token, id, true);  // already known: resolves without adding
        for (std::size_t e = 0; e < out_.events.size(); ++e) {
          if (descriptor_matches(id, static_cast<EventId>(e))) out_.events[e].deferrers |= bit(spec_.defers[i].state);
        }
      }
    }
  }

  // ---- transition sets ------------------------------------------------------

  constexpr StateIndex transition_domain(const TransitionRow& row) const {
    const StateSet targets = target_set(row);
    if ((row.flags & transition_flag::internal) != 0 && out_.states[row.source].kind == StateKind::compound &&
        (targets & ~out_.states[row.source].descendants) == 0) {
      return row.source;
    }
    // findLCCA: the innermost proper ancestor of the source that is compound
    // (parallel states never are) and contains every target.
    for (StateSet ancestors = out_.states[row.source].ancestors; ancestors != 0;
         ancestors &= ~bit(highest_bit(ancestors))) {
      const auto ancestor = static_cast<StateIndex>(highest_bit(ancestors));
      if (out_.states[ancestor].kind == StateKind::compound && (targets & ~out_.states[ancestor].descendants) == 0)
        return ancestor;
    }
    return kRoot;
  }

  constexpr StateSet target_set(const TransitionRow& row) const {
    StateSet targets = 0;
    for (unsigned i = 0; i < row.target_count; ++i) targets |= bit(out_.targets[row.targets_begin + i]);
    return targets;
  }

  constexpr bool compute_transition_sets() {
    for (std::size_t t = 0; t < out_.transitions.size(); ++t) {
      TransitionRow& row = out_.transitions[t];
      if ((row.flags & transition_flag::targetless) != 0) continue;
      if (row.source == kRoot) {
        row.domain = kRoot;
      } else if (t >= out_.header.initial) {
        // A state's initial or history default transition is only ever followed
        // inside an entry; its domain is the state it fills.
        row.domain = is_history(out_.states[row.source].kind) ? out_.states[row.source].parent : row.source;
      } else {
        row.domain = transition_domain(row);
      }
      row.exit_scope = descendants_of(view(), row.domain);
    }
    const Table table = view();
    const EntryPlanner planner(table, nullptr);
    for (std::size_t t = 0; t < out_.transitions.size(); ++t) {
      TransitionRow& row = out_.transitions[t];
      if ((row.flags & transition_flag::targetless) != 0) continue;
      EntryPlan plan;
      planner.add_transition(static_cast<std::uint16_t>(t), plan);
      if (plan.needs_history) continue;
      row.flags |= transition_flag::static_entry;
      row.entry = plan.enter;
      row.default_entered = plan.default_entry;
    }
    return true;
  }

  constexpr ActionFn sole_call(std::uint16_t begin, std::uint16_t count) const {
    return count == 1 && out_.actions[begin].kind == ActionKind::call ? out_.actions[begin].fn : nullptr;
  }

  constexpr void link_direct_actions() {
    for (std::size_t i = 0; i < out_.states.size(); ++i) {
      StateRow& row = out_.states[i];
      row.entry_fn = sole_call(row.entry_begin, row.entry_count);
      row.exit_fn = sole_call(row.exit_begin, row.exit_count);
      constexpr std::uint8_t special =
          state_flag::has_timers | state_flag::has_invokes | state_flag::has_history_child | state_flag::defers;
      if ((row.flags & special) != 0 || row.kind == StateKind::final)
        out_.header.special_states |= bit(static_cast<unsigned>(i));
    }
    for (std::size_t t = 0; t < out_.transitions.size(); ++t) {
      TransitionRow& row = out_.transitions[t];
      row.action_fn = sole_call(row.action_begin, row.action_count);
    }
  }

  // ---- header and hash --------------------------------------------------------

  constexpr void finish_header() {
    Table& header = out_.header;
    header.name = spec_.name;
    header.state_count = static_cast<std::uint16_t>(out_.states.size());
    header.transition_count = static_cast<std::uint16_t>(out_.transitions.size());
    header.target_count = static_cast<std::uint16_t>(out_.targets.size());
    header.descriptor_count = static_cast<std::uint16_t>(out_.descriptors.size());
    header.action_count = static_cast<std::uint16_t>(out_.actions.size());
    header.event_count = static_cast<std::uint16_t>(out_.events.size());
    header.timer_count = static_cast<std::uint16_t>(out_.timers.size());
    header.invoke_count = static_cast<std::uint16_t>(out_.invokes.size());
    header.max_armed_timers = max_armed_timers();
    header.structural_hash = structural_hash();
  }

  // The most after() timers one configuration arms at once: a state's own,
  // plus all its regions' (parallel) or its busiest child's (compound). States
  // come in document order, so walking backwards meets children first.
  constexpr std::uint16_t max_armed_timers() const {
    std::array<unsigned, kMaxStates> regions_sum{};
    std::array<unsigned, kMaxStates> busiest_child{};
    unsigned top = 0;
    for (std::size_t i = out_.states.size(); i-- > 0;) {
      const StateRow& state = out_.states[i];
      const unsigned armed =
          state.timer_count + (state.kind == StateKind::parallel ? regions_sum[i] : busiest_child[i]);
      if (state.parent == kRoot) {
        top = armed > top ? armed : top;
      } else {
        regions_sum[state.parent] += armed;
        if (armed > busiest_child[state.parent]) busiest_child[state.parent] = armed;
      }
    }
    return static_cast<std::uint16_t>(top);
  }

  constexpr void hash_event(Hash& hash, EventId id) const {
    if (id == kAnyEvent || id == kNone) {
      hash.u16(id);
      return;
    }
    hash.byte(static_cast<std::uint8_t>(out_.events[id].kind));
    hash.text(out_.events[id].name);
  }

  constexpr void hash_actions(Hash& hash, std::uint16_t begin, std::uint16_t count) const {
    hash.u16(count);
    for (std::uint16_t i = begin; i < begin + count; ++i) {
      const ActionRow& action = out_.actions[i];
      hash.byte(static_cast<std::uint8_t>(action.kind));
      if (action.kind == ActionKind::raise || action.kind == ActionKind::send_after) hash_event(hash, action.event);
      hash.text(action.label);
      hash.text(action.text);
      hash.u32(action.delay_ms);
    }
  }

  // Covers structure and names, never addresses or event numbering, so the same
  // chart hashes the same on any target and from either front-end.
  constexpr std::uint64_t structural_hash() const {
    Hash hash;
    hash.text("lit-chart/1");
    hash.text(spec_.name);
    hash.u16(static_cast<std::uint16_t>(out_.states.size()));
    for (const StateRow& state : out_.states) {
      hash.text(state.name);
      hash.byte(static_cast<std::uint8_t>(state.kind));
      hash.byte(state.parent);
      hash.u16(state.transition_count);
      hash_actions(hash, state.entry_begin, state.entry_count);
      hash_actions(hash, state.exit_begin, state.exit_count);
    }
    for (const TransitionRow& row : out_.transitions) {
      hash.byte(row.source);
      hash.byte(row.flags);
      hash.byte(static_cast<std::uint8_t>(row.guard_kind));
      hash.byte(row.guard_state);
      hash.u16(row.target_count);
      for (unsigned i = 0; i < row.target_count; ++i) hash.byte(out_.targets[row.targets_begin + i]);
      hash.u16(row.descriptor_count);
      for (unsigned i = 0; i < row.descriptor_count; ++i) hash_event(hash, out_.descriptors[row.descriptors_begin + i]);
      hash_actions(hash, row.action_begin, row.action_count);
    }
    for (const TimerRow& timer : out_.timers) {
      hash.u32(timer.delay_ms);
      hash.byte(timer.state);
    }
    // Event ids depend on the order names were met, so deferral is folded in
    // as an order-independent sum over (event, deferrers).
    std::uint64_t deferral = 0;
    for (std::size_t e = 0; e < out_.events.size(); ++e) {
      if (out_.events[e].deferrers == 0) continue;
      Hash entry;
      hash_event(entry, static_cast<EventId>(e));
      entry.u32(static_cast<std::uint32_t>(out_.events[e].deferrers & 0xFFFFFFFFU));
      entry.u32(static_cast<std::uint32_t>(std::uint64_t{out_.events[e].deferrers} >> 32U));
      deferral += entry.value();
    }
    hash.u32(static_cast<std::uint32_t>(deferral & 0xFFFFFFFFU));
    hash.u32(static_cast<std::uint32_t>(deferral >> 32U));
    for (const InvokeRow& invoke : out_.invokes) {
      hash.text(invoke.id);
      hash.byte(invoke.state);
    }
    return hash.value();
  }

  const Spec& spec_;
  Out& out_;
  CompileResult result_{};
};

}  // namespace compiler_detail

template <class Out>
constexpr CompileResult compile(const Spec& spec, Out& out) {
  return compiler_detail::Compiler<Out>(spec, out).run();
}

}  // namespace lit::chart

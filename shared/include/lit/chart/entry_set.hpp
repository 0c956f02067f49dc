// SCXML's entry-set computation (Appendix D: computeEntrySet and helpers) over
// state sets. The compiler runs it once per transition with no history known,
// to precompute what is static; the engine runs it at dispatch time only for
// transitions whose entry depends on recorded history. Pure functions of the
// table: no allocation, recursion bounded by the chart's depth.
#pragma once

#include <bit>

#include "lit/chart/table.hpp"
#include "lit/chart/types.hpp"

namespace lit::chart {

struct EntryPlan {
  StateSet enter = 0;             // statesToEnter
  StateSet default_entry = 0;     // statesForDefaultEntry: run their initial transition's actions
  StateSet history_defaults = 0;  // history states whose default transition's actions run
  bool needs_history = false;     // planning without history met a history state: not static
};

constexpr unsigned highest_bit(StateSet set) { return static_cast<unsigned>(std::bit_width(set)) - 1U; }
constexpr unsigned lowest_bit(StateSet set) { return static_cast<unsigned>(std::countr_zero(set)); }

constexpr StateSet descendants_of(const Table& table, StateIndex state) {
  if (state == kRoot) return table.state_count == 64 ? ~StateSet{0} : bit(table.state_count) - 1;
  return table.states[state].descendants;
}

// Children that are states proper (SCXML getChildStates: history excluded).
constexpr StateSet child_states(const Table& table, StateIndex state) {
  if (state == kRoot) return table.top_level;
  StateSet children = 0;
  for (StateSet rest = table.states[state].descendants; rest != 0; rest &= rest - 1) {
    const unsigned child = lowest_bit(rest);
    if (table.states[child].parent == state && !is_history(table.states[child].kind)) children |= bit(child);
  }
  return children;
}

// History records in a machine's history memory (see StateRow::history_offset).
// Recording happens when the history's parent exits, from the configuration
// just before the exit, exactly as SCXML's exitStates does.
class HistoryRecords {
 public:
  constexpr HistoryRecords(const Table& table, const std::uint8_t* memory) : table_(table), memory_(memory) {}

  constexpr bool recorded(StateIndex history_state) const {
    const StateRow& row = table_.states[history_state];
    if (row.history_size == 1) return memory_[row.history_offset] != 0;
    return (mask(row) & bit(history_state)) != 0;
  }

  // SCXML historyValue[h]; only meaningful when recorded().
  constexpr StateSet value(StateIndex history_state) const {
    const StateRow& row = table_.states[history_state];
    const StateIndex parent = row.parent;
    if (row.kind == StateKind::shallow_history && table_.states[parent].kind == StateKind::parallel) {
      return child_states(table_, parent);
    }
    if (row.history_size == 1) return bit(static_cast<unsigned>(parent) + memory_[row.history_offset]);
    return mask(row) & ~bit(history_state);
  }

  static constexpr void record(const Table& table, std::uint8_t* memory, StateIndex history_state, StateSet active) {
    const StateRow& row = table.states[history_state];
    const StateIndex parent = row.parent;
    const StateRow& parent_row = table.states[parent];
    std::uint8_t* record = memory + row.history_offset;
    if (row.kind == StateKind::shallow_history) {
      if (parent_row.kind == StateKind::parallel) {
        record[0] = 1;
      } else {
        record[0] = static_cast<std::uint8_t>(lowest_bit(active & child_states(table, parent)) - parent);
      }
      return;
    }
    const StateSet atomics = active & table.atomic_states & parent_row.descendants;
    if (row.history_size == 1) {
      record[0] = static_cast<std::uint8_t>(lowest_bit(atomics) - parent);
      return;
    }
    const StateSet packed = (atomics | bit(history_state)) >> (static_cast<unsigned>(parent) + 1U);
    for (unsigned i = 0; i < row.history_size; ++i) record[i] = static_cast<std::uint8_t>((packed >> (8U * i)) & 0xFFU);
  }

 private:
  constexpr StateSet mask(const StateRow& row) const {
    StateSet packed = 0;
    for (unsigned i = 0; i < row.history_size; ++i) packed |= StateSet{memory_[row.history_offset + i]} << (8U * i);
    return packed << (static_cast<unsigned>(row.parent) + 1U);
  }

  const Table& table_;
  const std::uint8_t* memory_;
};

class EntryPlanner {
 public:
  // `history_memory` is the machine's history memory, or null to plan without
  // history (the compiler's static pass).
  constexpr EntryPlanner(const Table& table, const std::uint8_t* history_memory)
      : table_(table), records_(table, history_memory), planning_without_history_(history_memory == nullptr) {}

  constexpr void add_transition(std::uint16_t transition, EntryPlan& plan) const {
    const TransitionRow& row = table_.transitions[transition];
    for (unsigned i = 0; i < row.target_count; ++i) add_descendants(table_.targets[row.targets_begin + i], plan);
    add_effective_target_ancestors(row, row.domain, plan);
  }

 private:
  constexpr void add_descendants(StateIndex state, EntryPlan& plan) const {
    const StateRow& row = table_.states[state];
    if (is_history(row.kind)) {
      if (planning_without_history_) {
        plan.needs_history = true;
        return;
      }
      if (records_.recorded(state)) {
        const StateSet value = records_.value(state);
        for (StateSet rest = value; rest != 0; rest &= rest - 1)
          add_descendants(static_cast<StateIndex>(lowest_bit(rest)), plan);
        for (StateSet rest = value; rest != 0; rest &= rest - 1)
          add_ancestors(static_cast<StateIndex>(lowest_bit(rest)), row.parent, plan);
      } else {
        plan.history_defaults |= bit(state);
        const TransitionRow& fallback = table_.transitions[row.initial];
        for (unsigned i = 0; i < fallback.target_count; ++i)
          add_descendants(table_.targets[fallback.targets_begin + i], plan);
        for (unsigned i = 0; i < fallback.target_count; ++i)
          add_ancestors(table_.targets[fallback.targets_begin + i], row.parent, plan);
      }
      return;
    }
    plan.enter |= bit(state);
    if (row.kind == StateKind::compound) {
      plan.default_entry |= bit(state);
      const TransitionRow& initial = table_.transitions[row.initial];
      for (unsigned i = 0; i < initial.target_count; ++i)
        add_descendants(table_.targets[initial.targets_begin + i], plan);
      for (unsigned i = 0; i < initial.target_count; ++i)
        add_ancestors(table_.targets[initial.targets_begin + i], state, plan);
    } else if (row.kind == StateKind::parallel) {
      add_uncovered_children(state, plan);
    }
  }

  // getProperAncestors(state, ancestor), innermost first, each added; parallel
  // ancestors also get their other regions entered by default.
  constexpr void add_ancestors(StateIndex state, StateIndex ancestor, EntryPlan& plan) const {
    StateSet between = table_.states[state].ancestors;
    if (ancestor != kRoot) between &= table_.states[ancestor].descendants;
    for (; between != 0; between &= ~bit(highest_bit(between))) {
      const auto anc = static_cast<StateIndex>(highest_bit(between));
      plan.enter |= bit(anc);
      if (table_.states[anc].kind == StateKind::parallel) add_uncovered_children(anc, plan);
    }
  }

  constexpr void add_uncovered_children(StateIndex parallel, EntryPlan& plan) const {
    for (StateSet children = child_states(table_, parallel); children != 0; children &= children - 1) {
      const auto child = static_cast<StateIndex>(lowest_bit(children));
      if ((plan.enter & (bit(child) | table_.states[child].descendants)) == 0) add_descendants(child, plan);
    }
  }

  // The second loop of computeEntrySet: ancestors of getEffectiveTargetStates(t).
  constexpr void add_effective_target_ancestors(const TransitionRow& row, StateIndex domain, EntryPlan& plan) const {
    for (unsigned i = 0; i < row.target_count; ++i) {
      const StateIndex target = table_.targets[row.targets_begin + i];
      if (!is_history(table_.states[target].kind)) {
        add_ancestors(target, domain, plan);
      } else if (planning_without_history_) {
        plan.needs_history = true;
      } else if (records_.recorded(target)) {
        for (StateSet rest = records_.value(target); rest != 0; rest &= rest - 1)
          add_ancestors(static_cast<StateIndex>(lowest_bit(rest)), domain, plan);
      } else {
        add_effective_target_ancestors(table_.transitions[table_.states[target].initial], domain, plan);
      }
    }
  }

  const Table& table_;
  HistoryRecords records_;
  bool planning_without_history_;
};

}  // namespace lit::chart

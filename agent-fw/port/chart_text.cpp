// Statechart text; see chart_text.hpp.
#include "chart_text.hpp"

#include "lit/chart/entry_set.hpp"
#include "lit/chart/names.hpp"

namespace lit::port {

using chart::EventKind;
using chart::Table;

void print_event(Console& out, const Table& table, chart::EventId event) {
  if (event >= table.event_count) {
    out << "event#" << event;
    return;
  }
  const chart::EventRow& row = table.events[event];
  if (row.kind == EventKind::other) {
    out << "(a name the chart does not use)";
    return;
  }
  if (row.kind != EventKind::timer) {
    out << chart::generated_prefix(row.kind) << row.name;
    return;
  }
  if (const chart::TimerRow* timer = chart::timer_of(table, event)) {
    out << "after " << timer->delay_ms << "ms in " << row.name;
    return;
  }
  out << "after ? in " << row.name;
}

void print_configuration(Console& out, const Table& table, chart::StateSet configuration) {
  const chart::StateSet atomics = configuration & table.atomic_states;
  if (atomics == 0) {
    out << "(none)";
    return;
  }
  const char* separator = "";
  for (chart::StateSet rest = atomics; rest != 0; rest &= rest - 1) {
    out << separator << table.states[chart::lowest_bit(rest)].name;
    separator = " ";
  }
}

namespace {
void print_transition(Console& out, const Table& table, std::uint16_t index) {
  const chart::TransitionRow& row = table.transitions[index];
  if (row.source == chart::kRoot) {
    out << "initial";
  } else {
    out << table.states[row.source].name;
  }
  if (row.target_count == 0) {
    out << " (targetless)";
    return;
  }
  out << " ->";
  for (std::uint16_t i = 0; i < row.target_count; ++i)
    out << ' ' << table.states[table.targets[row.targets_begin + i]].name;
}
}  // namespace

void print_trace(Console& out, const Table& table, chart::TraceRecord record) {
  switch (record.kind) {
    case chart::TraceKind::event:
      out << "  event ";
      print_event(out, table, record.index);
      break;
    case chart::TraceKind::exit: out << "  exit " << table.states[record.index].name; break;
    case chart::TraceKind::transition:
      out << "  transition ";
      print_transition(out, table, record.index);
      break;
    case chart::TraceKind::enter: out << "  enter " << table.states[record.index].name; break;
    case chart::TraceKind::deferred:
      out << "  deferred ";
      print_event(out, table, record.index);
      break;
  }
  out << '\n';
}

}  // namespace lit::port

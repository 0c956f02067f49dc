// Statechart introspection as console text: event names, configurations and
// trace records, all spelled with the names the chart's table carries. Used by
// the chart host's trace() and by apps that print what their machines do.
// Reads the table only; writes to the console from thread context.
#pragma once

#include "console.hpp"
#include "lit/chart/machine.hpp"
#include "lit/chart/table.hpp"

namespace lit::port {

// "start", "done.state.active", "after 20ms in spinning_up".
void print_event(Console& out, const chart::Table& table, chart::EventId event);
// The active atomic states in document order, space-separated; "(none)" when empty.
void print_configuration(Console& out, const chart::Table& table, chart::StateSet configuration);
// One line per record: "  event tick", "  exit quiet", "  transition quiet -> reporting", "  enter reporting".
void print_trace(Console& out, const chart::Table& table, chart::TraceRecord record);

}  // namespace lit::port

// libFuzzer target for the SCXML front-end and everything behind it. The input
// is an SCXML document for lit::tools::load_scxml(); rejecting it is fine, as
// long as the rejection is a ChartError. An accepted chart is drawn, written as
// DSL, simulated and run on the simulated port's virtual clock, so the compiler's
// tables and the engine meet every chart the loader lets through. Any other
// exception, crash, sanitizer report or slow input is a finding. Each run is
// bounded (commands and dispatches), so charts that never go idle stay fast.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chart/chart_error.hpp"
#include "chart/configuration.hpp"
#include "chart/dsl_gen.hpp"
#include "chart/event_names.hpp"
#include "chart/render_dot.hpp"
#include "chart/render_mermaid.hpp"
#include "chart/scxml_loader.hpp"
#include "chart/simulation.hpp"
#include "lit/chart/entry_set.hpp"
#include "lit/chart/machine.hpp"
#include "lit/chart/names.hpp"
#include "sim/chart_host.hpp"

namespace {

using lit::chart::EventId;
using lit::tools::SimulationCommand;

constexpr std::size_t kCommands = 16;
constexpr std::size_t kDispatchesPerStep = 64;
constexpr std::size_t kRawDispatches = 16;

// The script of events and clock advances is drawn from a hash of the whole
// input, so every mutation of the document can change the script too, and a
// reproducer replays exactly. (splitmix64 over an FNV-1a seed.)
class ScriptSource {
 public:
  explicit ScriptSource(std::span<const std::uint8_t> input) {
    state_ = 0xcbf29ce484222325ULL;
    for (const std::uint8_t byte : input) state_ = (state_ ^ byte) * 0x100000001b3ULL;
  }

  std::uint64_t next() {
    std::uint64_t value = (state_ += 0x9e3779b97f4a7c15ULL);
    value = (value ^ (value >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27U)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31U);
  }

  std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }

 private:
  std::uint64_t state_;
};

// Names to send: every name of the chart that is an event name (a state "a."
// has the event done.state.a., which only descriptors such as "done.state"
// match, and which no one can send), a name one token below one of them
// (matched by prefix), and a name the chart never mentions.
std::vector<std::string> event_names(const lit::chart::Table& table) {
  std::vector<std::string> names;
  for (EventId id = 0; id < table.event_count; ++id) {
    std::string name = lit::tools::event_name(table, id);
    if (lit::chart::valid_event_name(name)) names.push_back(std::move(name));
  }
  if (!names.empty()) names.push_back(names.front() + ".detail");
  names.emplace_back("fuzz.unmentioned");
  return names;
}

std::vector<SimulationCommand> make_script(const lit::chart::Table& table, ScriptSource& source) {
  const std::vector<std::string> names = event_names(table);
  std::vector<SimulationCommand> script;
  for (std::size_t i = 0; i < kCommands; ++i) {
    SimulationCommand command;
    if (source.below(5) == 0) {
      command.kind = SimulationCommand::Kind::advance;
      command.advance_ms = source.below(3000);
    } else {
      command.event = names[source.below(names.size())];
    }
    script.push_back(std::move(command));
  }
  // Then far enough for every delayed send (delays are 32-bit milliseconds).
  SimulationCommand flush;
  flush.kind = SimulationCommand::Kind::advance;
  flush.advance_ms = std::uint64_t{1} << 32U;
  script.push_back(flush);
  return script;
}

// What lit-chart does with a chart: draw it, write it back, simulate it.
void run_tools(const lit::chart::Table& table, ScriptSource& source) {
  const lit::tools::Simulation simulation = lit::tools::simulate(table, make_script(table, source), kDispatchesPerStep);
  static_cast<void>(lit::tools::format_text(simulation));
  static_cast<void>(lit::tools::format_json(simulation));

  lit::tools::DiagramOptions diagram;
  diagram.active = lit::tools::states_named(table, simulation.start.configuration);
  static_cast<void>(lit::tools::render_dot(table, diagram));
  static_cast<void>(lit::tools::render_mermaid(table, diagram));
  static_cast<void>(lit::tools::generate_dsl(table, lit::tools::DslOptions{}));
}

// SCXML's legal configurations: a running machine is in exactly one top-level
// state, in every child of each active parallel state, in exactly one child of
// each active compound state, in no history state, and in no state whose parent
// it has left. A machine that is not running is in no state at all.
void check_configuration(const lit::chart::Table& table, const lit::chart::Machine& machine) {
  using lit::chart::StateKind;
  const lit::chart::StateSet active = machine.configuration();
  bool legal = machine.running() ? std::popcount(active & table.top_level) == 1 : active == 0;
  for (lit::chart::StateSet rest = active; rest != 0 && legal; rest &= rest - 1) {
    const auto state = static_cast<lit::chart::StateIndex>(lit::chart::lowest_bit(rest));
    const lit::chart::StateRow& row = table.states[state];
    const lit::chart::StateSet children = lit::chart::child_states(table, state);
    legal = !lit::chart::is_history(row.kind) &&
            (row.parent == lit::chart::kRoot || (active & lit::chart::bit(row.parent)) != 0) &&
            (row.kind != StateKind::compound || std::popcount(active & children) == 1) &&
            (row.kind != StateKind::parallel || (active & children) == children);
  }
  if (legal) return;
  std::fprintf(stderr, "illegal configuration (running: %d):", machine.running() ? 1 : 0);
  for (const std::string& name : lit::tools::state_names(table, active)) std::fprintf(stderr, " %s", name.c_str());
  std::fprintf(stderr, "\n");
  std::abort();
}

// The engine's own entry points, beyond what simulate() uses: raw event ids
// (one past the chart's events included), tracing, stop, restart and halt,
// with the configuration checked after each.
void run_machine(const lit::chart::Table& table, ScriptSource& source) {
  lit::sim::ChartHost host(lit::sim::ChartHost::Options{.defer_capacity = 4, .record_trace = false});
  host.set_dispatch_budget(kRawDispatches * 4);
  std::vector<std::uint8_t> history(table.history_bytes);
  lit::chart::Machine machine(table, nullptr, host, history);
  machine.set_tracing(source.below(2) == 0);
  machine.start();
  host.run_until_idle();
  check_configuration(table, machine);
  for (std::size_t i = 0; i < kRawDispatches; ++i) {
    host.send(machine, static_cast<EventId>(source.below(std::size_t{table.event_count} + 1)));
    check_configuration(table, machine);
  }
  host.advance(source.below(5000));
  check_configuration(table, machine);
  machine.stop();
  check_configuration(table, machine);
  machine.start();
  host.run_until_idle();
  check_configuration(table, machine);
  machine.halt();
  check_configuration(table, machine);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<lit::tools::LoadedChart> chart;
  try {
    chart.emplace(lit::tools::load_scxml(text, "fuzz.scxml", "fuzz"));
  } catch (const lit::tools::ChartError&) {
    return 0;  // a rejected document, reported the one way the loader may report it
  }
  ScriptSource source(input);
  run_tools(chart->table(), source);
  run_machine(chart->table(), source);
  return 0;
}

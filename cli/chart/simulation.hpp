// `lit-chart simulate`: runs a chart on the simulated port's virtual clock
// (lit::sim::ChartHost) through a script of external events and clock
// advances, recording after the start and after each step the sorted atomic
// configuration and what the chart logged. A step that is still dispatching
// after kMaxDispatchesPerStep events ends the run as a runaway, so a chart that
// sends itself events forever cannot hang the tool. For charts that call no
// user code (SCXML charts); the machine gets no context. Host-only; single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lit/chart/machine.hpp"
#include "lit/chart/table.hpp"

namespace lit::tools {

struct SimulationCommand {
  enum class Kind : std::uint8_t { event, advance };
  Kind kind = Kind::event;
  std::string event;             // Kind::event
  std::uint64_t advance_ms = 0;  // Kind::advance
};

struct SimulationLog {
  std::uint64_t at_ms = 0;
  std::string label;
  std::string text;
};

struct SimulationStep {
  SimulationCommand command;  // meaningless for the start step
  // The outcome of the dispatch of this step's event (the start's own outcome
  // for the start step; for advances `handled`). A step that ends the machine
  // reports `finished` or `failed` whatever its first dispatch did.
  chart::Outcome outcome = chart::Outcome::handled;
  std::uint64_t now_ms = 0;
  std::vector<std::string> configuration;
  std::vector<SimulationLog> logs;  // logged during this step, in order
  // The step used up its dispatch limit with events still queued: the chart
  // keeps sending itself events and would never become idle.
  bool runaway = false;
};

struct Simulation {
  SimulationStep start;
  std::vector<SimulationStep> steps;  // stops early, after the failing or runaway step
  chart::Failure failure = chart::Failure::none;
  bool runaway = false;  // a step ran away (see SimulationStep::runaway); the machine itself is fine
  std::string failure_reason;
  bool failed() const { return failure != chart::Failure::none || runaway; }
};

// How many events one step (the start, an event, an advance) may dispatch
// before it counts as a runaway. The events a step's own sends queue count too.
inline constexpr std::size_t kMaxDispatchesPerStep = 100000;

// Checks that every event in `commands` is a valid name this chart can be sent;
// throws std::invalid_argument naming the first that is not.
void check_commands(const chart::Table& table, std::span<const SimulationCommand> commands);

// Starts the chart, runs every command in order. Throws std::invalid_argument
// like check_commands. `max_dispatches_per_step` (at least 1) bounds each step.
Simulation simulate(const chart::Table& table,
                    std::span<const SimulationCommand> commands,
                    std::size_t max_dispatches_per_step = kMaxDispatchesPerStep);

// {"initial":[...],"steps":[{"event":"t","configuration":[...]},{"advance":100,"configuration":[...]}]}
std::string format_json(const Simulation& simulation);

// One line per step for people: "start: a, b", "event go: c (unhandled)",
// "advance 100ms (t=100ms): d". Each ends with a newline.
std::string format_text(const SimulationStep& step, bool is_start);
std::string format_text(const Simulation& simulation);

// "label: text", or "text" alone when the label is empty, then a newline.
std::string format_log(const SimulationLog& log);

}  // namespace lit::tools

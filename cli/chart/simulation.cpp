// Runs and prints simulations; see simulation.hpp.
#include "chart/simulation.hpp"

#include <stdexcept>

#include "chart/configuration.hpp"
#include "chart/event_names.hpp"
#include "chart/string_literal.hpp"
#include "lit/chart/names.hpp"
#include "sim/chart_host.hpp"

namespace lit::tools {

namespace {

using chart::Outcome;

chart::EventId resolve_checked(const chart::Table& table, const std::string& name) {
  if (!chart::valid_event_name(name)) {
    throw std::invalid_argument("invalid event name '" + name +
                                "': names have no whitespace or '*' and no empty tokens");
  }
  return chart::resolve_event(table, name);
}

void append_json_string(std::string& out, std::string_view text) { out += string_literal(text); }

void append_json_names(std::string& out, const std::vector<std::string>& names) {
  out += '[';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out += ',';
    append_json_string(out, names[i]);
  }
  out += ']';
}

const char* annotation(Outcome outcome) {
  switch (outcome) {
    case Outcome::handled: return "";
    case Outcome::unhandled: return " (unhandled)";
    case Outcome::deferred: return " (deferred)";
    case Outcome::defer_overflow: return " (lost: no room to defer it)";
    case Outcome::finished: return " (finished)";
    case Outcome::failed: return " (failed)";
    case Outcome::not_running: return " (not running)";
    case Outcome::invalid_event: return " (invalid event)";
  }
  return "";
}

}  // namespace

void check_commands(const chart::Table& table, std::span<const SimulationCommand> commands) {
  for (const SimulationCommand& command : commands) {
    if (command.kind == SimulationCommand::Kind::event) resolve_checked(table, command.event);
  }
}

Simulation simulate(const chart::Table& table,
                    std::span<const SimulationCommand> commands,
                    std::size_t max_dispatches_per_step) {
  check_commands(table, commands);
  if (max_dispatches_per_step == 0) max_dispatches_per_step = 1;
  sim::ChartHost host;
  std::vector<std::uint8_t> history(table.history_bytes);
  chart::Machine machine(table, nullptr, host, history);
  Simulation simulation;
  std::size_t logs_taken = 0;
  const auto finish_step = [&](SimulationStep& step) {
    step.now_ms = host.now_ms();
    step.configuration = atomic_configuration(table, machine.configuration());
    for (; logs_taken < host.logs().size(); ++logs_taken) {
      const sim::ChartHost::LogLine& line = host.logs()[logs_taken];
      step.logs.push_back(SimulationLog{line.at_ms, line.label, line.text});
    }
    simulation.failure = machine.failure();
    if (machine.failure_reason() != nullptr) simulation.failure_reason = machine.failure_reason();
    // The budget ran out with events left over: the chart is still busy.
    if (host.dispatch_budget() == 0 && host.queued_events() > 0) {
      step.runaway = true;
      simulation.runaway = true;
      if (simulation.failure_reason.empty()) {
        simulation.failure_reason = "it keeps sending itself events: still busy after " +
                                    std::to_string(max_dispatches_per_step) + " events in one step";
      }
    }
  };

  host.set_dispatch_budget(max_dispatches_per_step);
  simulation.start.outcome = machine.start();
  // Events the start sent without delay are already queued: take them, as an
  // SCXML processor does before it waits for the first external event.
  host.run_until_idle();
  finish_step(simulation.start);
  for (const SimulationCommand& command : commands) {
    if (simulation.failed()) break;
    SimulationStep& step = simulation.steps.emplace_back();
    step.command = command;
    const bool was_running = machine.running();
    host.set_dispatch_budget(max_dispatches_per_step);
    if (command.kind == SimulationCommand::Kind::advance) {
      host.advance(command.advance_ms);
    } else {
      const std::size_t first = host.outcomes().size();
      host.send(machine, resolve_checked(table, command.event));
      step.outcome = host.outcomes()[first];
    }
    // Whatever the first dispatch did, a step that ends the machine says so.
    if (was_running && !machine.running())
      step.outcome = machine.failure() != chart::Failure::none ? Outcome::failed : Outcome::finished;
    finish_step(step);
  }
  return simulation;
}

std::string format_json(const Simulation& simulation) {
  std::string out = "{\"initial\":";
  append_json_names(out, simulation.start.configuration);
  out += ",\"steps\":[";
  for (std::size_t i = 0; i < simulation.steps.size(); ++i) {
    const SimulationStep& step = simulation.steps[i];
    if (i != 0) out += ',';
    if (step.command.kind == SimulationCommand::Kind::event) {
      out += "{\"event\":";
      append_json_string(out, step.command.event);
    } else {
      out += "{\"advance\":" + std::to_string(step.command.advance_ms);
    }
    out += ",\"configuration\":";
    append_json_names(out, step.configuration);
    out += '}';
  }
  out += "]}";
  return out;
}

std::string format_text(const SimulationStep& step, bool is_start) {
  std::string line;
  if (is_start) {
    line = "start";
  } else if (step.command.kind == SimulationCommand::Kind::event) {
    line = "event " + step.command.event;
  } else {
    line = "advance " + std::to_string(step.command.advance_ms) + "ms (t=" + std::to_string(step.now_ms) + "ms)";
  }
  line += ": ";
  if (step.configuration.empty()) line += "(no active state)";
  for (std::size_t i = 0; i < step.configuration.size(); ++i) {
    if (i != 0) line += ", ";
    line += step.configuration[i];
  }
  line += annotation(step.outcome);
  if (step.runaway) line += " (runaway: it keeps sending itself events)";
  return line + "\n";
}

std::string format_text(const Simulation& simulation) {
  std::string text = format_text(simulation.start, true);
  for (const SimulationStep& step : simulation.steps) text += format_text(step, false);
  return text;
}

std::string format_log(const SimulationLog& log) {
  return (log.label.empty() ? log.text : log.label + ": " + log.text) + "\n";
}

}  // namespace lit::tools

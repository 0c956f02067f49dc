// lit-chart: the statechart host tool. It loads an SCXML chart, then simulates
// it on a virtual clock, writes it as C++ DSL, or draws it. Data goes to stdout;
// diagnostics and the chart's <log> output go to stderr. The exit statuses in
// kExitStatuses are part of the interface and do not change.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "chart/chart_error.hpp"
#include "chart/configuration.hpp"
#include "chart/dsl_gen.hpp"
#include "chart/render_dot.hpp"
#include "chart/render_mermaid.hpp"
#include "chart/scxml_loader.hpp"
#include "chart/simulation.hpp"

namespace {

using lit::tools::ChartError;
using lit::tools::ChartErrorKind;

enum ExitStatus : int {
  kOk = 0,
  kUsage = 1,
  kRejectedChart = 2,
  kUnreadable = 3,
  kChartFailed = 4,
  kInternalError = 5,
};

constexpr const char* kExitStatuses =
    "Exit status:\n"
    "  0  success\n"
    "  1  usage error: unknown option or subcommand, missing FILE, an invalid event name,\n"
    "     an --advance that is not a whole number of milliseconds, an unknown --active state\n"
    "  2  the chart was rejected: malformed XML, an unsupported SCXML construct, or an invalid\n"
    "     chart (unknown target, duplicate id, ...); the message gives FILE:LINE:COLUMN\n"
    "  3  FILE could not be read\n"
    "  4  simulate: the chart failed while running (internal event queue overflow,\n"
    "     eventless transitions that never settle, or events it keeps sending itself);\n"
    "     the steps up to the failure are printed\n"
    "  5  internal error in lit-chart (please report it)\n";

void usage_error(const std::string& message) { std::cerr << "lit-chart: error: " << message << "\n"; }

bool parse_milliseconds(const std::string& text, std::uint64_t& value) {
  if (text.empty() || text.size() > 15) return false;
  value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

bool is_identifier(const std::string& text) {
  if (text.empty() || (text.front() >= '0' && text.front() <= '9')) return false;
  for (const char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

int simulate(const lit::chart::Table& table, const std::vector<lit::tools::SimulationCommand>& commands, bool json) {
  try {
    lit::tools::check_commands(table, commands);
  } catch (const std::invalid_argument& error) {
    usage_error(error.what());
    return kUsage;
  }
  const lit::tools::Simulation simulation = lit::tools::simulate(table, commands);
  // Logs of a step go to stderr before the step's line goes to stdout, so a
  // terminal shows them in the order they happened.
  const auto show = [&](const lit::tools::SimulationStep& step, bool is_start) {
    for (const lit::tools::SimulationLog& log : step.logs) std::cerr << lit::tools::format_log(log);
    std::cerr.flush();
    if (!json) std::cout << lit::tools::format_text(step, is_start) << std::flush;
  };
  show(simulation.start, true);
  for (const lit::tools::SimulationStep& step : simulation.steps) show(step, false);
  if (json) std::cout << lit::tools::format_json(simulation) << "\n";
  if (simulation.failed()) {
    std::cout.flush();
    std::cerr << "lit-chart: error: chart '" << table.name << "' failed: " << simulation.failure_reason << "\n";
    return kChartFailed;
  }
  return kOk;
}

int run(int argc, char** argv) {
  CLI::App app{
      "lit-chart: load an SCXML statechart, then simulate it on a virtual clock, write it as a C++ DSL\n"
      "definition for lit-bit, or draw it with Graphviz or Mermaid.",
      "lit-chart"};
  app.footer(kExitStatuses);
  app.require_subcommand(1);
  app.set_version_flag("--version", "lit-chart 0.1.0");

  std::string file;
  const auto add_file = [&](CLI::App* command) {
    command->add_option("FILE", file, "SCXML chart, or - for standard input")->required();
  };

  CLI::App* simulate_command = app.add_subcommand(
      "simulate",
      "Start the chart on a virtual clock, then send the events and advance the clock in the order given.\n"
      "Prints the sorted active atomic states after the start and after each step; <log> output goes to stderr.");
  add_file(simulate_command);
  std::vector<std::string> events;
  std::vector<std::string> advances;
  CLI::Option* event_option =
      simulate_command->add_option("--event", events, "Send the external event NAME (repeatable)")
          ->type_name("NAME")
          ->allow_extra_args(false);
  CLI::Option* advance_option =
      simulate_command->add_option("--advance", advances, "Move the virtual clock MS milliseconds forward (repeatable)")
          ->type_name("MS")
          ->allow_extra_args(false);
  std::string output = "text";
  simulate_command
      ->add_option(
          "-o,--output",
          output,
          "text (one line per step) or json: {\"initial\":[...],\"steps\":[{\"event\":\"e\",\"configuration\":[...]},"
          "{\"advance\":100,\"configuration\":[...]}]}")
      ->check(CLI::IsMember({"text", "json"}));

  CLI::App* gen_command =
      app.add_subcommand("gen", "Write the chart as a C++ header using lit-bit's definition DSL (lit/chart/dsl.hpp).");
  add_file(gen_command);
  lit::tools::DslOptions dsl;
  gen_command->add_option("--variable", dsl.variable, "Name of the chart variable (default: from the chart's name)");
  gen_command->add_option(
      "--context", dsl.context, "Context type of the chart (default: an empty struct named Context)");
  gen_command->add_option("--include", dsl.include, "Header to include first, e.g. the one declaring --context");
  gen_command->add_option("--namespace", dsl.name_space, "Namespace to put the definition in, e.g. app::charts");

  std::vector<std::string> active;
  CLI::App* dot_command = app.add_subcommand("dot", "Draw the chart as a Graphviz digraph (render with `dot -Tsvg`).");
  add_file(dot_command);
  dot_command->add_option("--active", active, "Highlight these states (repeatable)")->type_name("STATE");
  CLI::App* mermaid_command = app.add_subcommand("mermaid", "Draw the chart as a Mermaid stateDiagram-v2.");
  add_file(mermaid_command);
  mermaid_command->add_option("--active", active, "Highlight these states (repeatable)")->type_name("STATE");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == 0 ? kOk : kUsage;
  }

  std::vector<lit::tools::SimulationCommand> commands;
  if (simulate_command->parsed()) {
    // CLI11 records every value in command-line order, which is the script's order.
    std::size_t next_event = 0;
    std::size_t next_advance = 0;
    for (const CLI::Option* option : simulate_command->parse_order()) {
      lit::tools::SimulationCommand command;
      if (option == event_option) {
        command.event = events.at(next_event++);
      } else if (option == advance_option) {
        command.kind = lit::tools::SimulationCommand::Kind::advance;
        const std::string& text = advances.at(next_advance++);
        if (!parse_milliseconds(text, command.advance_ms)) {
          usage_error("--advance takes a whole number of milliseconds, not '" + text + "'");
          return kUsage;
        }
      } else {
        continue;
      }
      commands.push_back(std::move(command));
    }
  }
  if (gen_command->parsed() && !dsl.variable.empty() && !is_identifier(dsl.variable)) {
    usage_error("--variable must be a C++ identifier, not '" + dsl.variable + "'");
    return kUsage;
  }

  try {
    const lit::tools::LoadedChart chart = lit::tools::load_scxml_file(file);
    const lit::chart::Table& table = chart.table();
    if (simulate_command->parsed()) return simulate(table, commands, output == "json");
    if (gen_command->parsed()) {
      dsl.source = file;
      std::cout << lit::tools::generate_dsl(table, dsl);
      return kOk;
    }
    lit::tools::DiagramOptions diagram;
    try {
      diagram.active = lit::tools::states_named(table, active);
    } catch (const std::invalid_argument& error) {
      usage_error(std::string("--active: ") + error.what());
      return kUsage;
    }
    std::cout << (dot_command->parsed() ? lit::tools::render_dot(table, diagram)
                                        : lit::tools::render_mermaid(table, diagram));
    return kOk;
  } catch (const ChartError& error) {
    std::cerr << error.what() << "\n";
    return error.kind() == ChartErrorKind::io ? kUnreadable : kRejectedChart;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "lit-chart: internal error: " << error.what() << "\n";
  } catch (...) {
    std::cerr << "lit-chart: internal error\n";
  }
  return kInternalError;
}

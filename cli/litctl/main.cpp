// litctl: the operator's command-line tool for litd. This file owns the
// command line (CLI11): commands, options, help with examples, suggestions
// for misspelt commands, and signals; the commands themselves are
// commands.cpp's. Data goes to stdout, diagnostics to stderr, and the exit
// codes are exit_codes.hpp's, fixed from the first release.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "config/closest_name.hpp"
#include "litctl/commands.hpp"
#include "litctl/exit_codes.hpp"
#include "litctl/flash.hpp"

namespace {

using lit::litctl::Format;

volatile std::sig_atomic_t g_signal = 0;

void on_signal(int signal_number) { g_signal = signal_number; }

// SIGINT and SIGTERM set a flag and interrupt blocking calls (no SA_RESTART),
// so a stream or OpenOCD run ends cleanly instead of the process dying.
void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

struct CommandHelp {
  std::string_view name;
  std::string_view summary;
  std::string_view examples;
};

constexpr CommandHelp kCommands[] = {
    {"status",
     "Is litd running? Its version, uptime, trees and devices (exit 0 running, 3 not running, 4 unknown)",
     "  litctl status\n  litctl status -o json | jq .daemon.uptime_ms\n"},
    {"tree",
     "The whole supervision tree, host and device: strategy or type, state, restarts, where each node runs",
     "  litctl tree\n  litctl tree gateway/cell\n"},
    {"ls",
     "Actors as a table: the roots, or the children of PATH",
     "  litctl ls\n  litctl ls gateway\n  litctl ls gateway -o json\n"},
    {"inspect",
     "Everything known about one actor: configuration, mailbox, counters, last failure, watchers",
     "  litctl inspect gateway/heartbeat\n"},
    {"restart",
     "Restart an actor or a whole subtree through its supervisor, and wait for the new incarnation",
     "  litctl restart gateway/cell\n  litctl restart gateway/heartbeat --no-wait\n"},
    {"stop",
     "Stop an actor or a subtree (its supervisor keeps it stopped until `start`)",
     "  litctl stop gateway/board/blinky\n"},
    {"start",
     "Start a stopped actor or subtree again, and wait until it runs",
     "  litctl start gateway/board/blinky\n"},
    {"send",
     "Send an event to an actor, its fields as a JSON object",
     "  litctl send gateway/cell/logic work\n  litctl send gateway/cell/thermostat set --data '{\"target\": 21}'\n"},
    {"trace",
     "Live state changes and failures, host and device interleaved by time, until Ctrl-C",
     "  litctl trace\n  litctl trace gateway/cell --failures\n  litctl trace --count 10 -o json\n"},
    {"logs", "litd's and the devices' log lines", "  litctl logs\n  litctl logs --device board0 -f\n"},
    {"top",
     "A live view refreshing every second: the busiest actors and the devices' link health",
     "  litctl top\n  litctl top --limit 5 --interval 500\n"},
    {"chart",
     "An actor's statechart with its current configuration highlighted, as Graphviz dot or Mermaid",
     "  litctl chart gateway/heartbeat | dot -Tsvg > heartbeat.svg\n  litctl chart gateway/heartbeat -o mermaid\n"},
    {"devices",
     "Attached devices: boot id, firmware version and hash, last reset reason, link counters",
     "  litctl devices\n  litctl devices board0 -o json\n"},
    {"flash",
     "Program a board with OpenOCD, taking the device's link down first and waiting for its handshake after",
     "  litctl flash --device board0 build-fw-disco/agent-fw/agent.elf\n"
     "  litctl flash --board nucleo-f4 agent.elf --dry-run\n"},
};

// The command word in argv (skipping global options and their values), if any.
std::string command_word(int argc, char** argv) {
  for (int index = 1; index < argc; ++index) {
    const std::string_view argument = argv[index];
    if (argument == "--socket" || argument == "-o" || argument == "--output" || argument == "--timeout") {
      ++index;
      continue;
    }
    if (argument.empty() || argument.front() == '-') continue;
    return std::string(argument);
  }
  return {};
}

std::optional<Format> parse_format(const std::string& text) {
  if (text == "text") return Format::text;
  if (text == "json") return Format::json;
  if (text == "dot") return Format::dot;
  if (text == "mermaid") return Format::mermaid;
  return std::nullopt;
}

int run(int argc, char** argv) {
  CLI::App app{
      "litctl: inspect and steer a running litd — its supervision trees, the actors on its devices, their\n"
      "state changes and logs — and flash agent firmware to boards.",
      "litctl"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", "litctl " LIT_VERSION);
  app.footer(std::string("Global options may come before or after the command. Every command that prints data\n"
                         "takes -o json (documented in cli/litctl/README.md).\n\n") +
             lit::litctl::kExitCodeHelp);

  std::string socket_path = "/run/litd/control.sock";
  std::string output = "text";
  double timeout_seconds = 10;
  app.add_option("--socket", socket_path, "litd's control socket")
      ->envname("LITCTL_SOCKET")
      ->capture_default_str()
      ->type_name("PATH");
  app.add_option("-o,--output", output, "Output format: text or json (chart: dot, mermaid or json)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json", "dot", "mermaid"}))
      ->type_name("FORMAT");
  app.add_option("--timeout", timeout_seconds, "How long to wait for litd's replies, and for restarts to complete")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->type_name("SECONDS");

  std::map<std::string, CLI::App*> commands;
  for (const CommandHelp& help : kCommands) {
    CLI::App* command = app.add_subcommand(std::string(help.name), std::string(help.summary));
    command->footer("Examples:\n" + std::string(help.examples));
    commands[std::string(help.name)] = command;
  }

  std::string path;
  std::vector<std::string> paths;
  commands["tree"]->add_option("PATH", path, "A subtree (default: every tree)");
  commands["ls"]->add_option("PATH", path, "A supervisor or actor (default: the roots)");
  commands["inspect"]->add_option("PATH", path, "The actor")->required();
  commands["chart"]->add_option("PATH", path, "The actor")->required();
  bool no_wait = false;
  for (const char* name : {"restart", "stop", "start"}) {
    commands[name]->add_option("PATH", path, "An actor, or a supervisor for its whole subtree")->required();
    commands[name]->add_flag("--no-wait", no_wait, "Return once litd has ordered it, without waiting for completion");
  }
  std::string event;
  std::optional<std::string> data;
  commands["send"]->add_option("PATH", path, "The actor")->required();
  commands["send"]->add_option("EVENT", event, "The event's name, as in the actor's chart")->required();
  commands["send"]->add_option("--data", data, "The event's fields as a JSON object")->type_name("JSON");
  std::uint64_t count = 0;
  bool failures_only = false;
  commands["trace"]->add_option("PATH", paths, "Subtrees to trace (default: everything)");
  commands["trace"]->add_option("--count", count, "Stop after N events")->type_name("N");
  commands["trace"]->add_flag("--failures", failures_only, "Failures, downs and link changes only");
  std::string device;
  bool follow = false;
  std::uint32_t backlog = 0;
  std::string level = "trace";
  commands["logs"]->add_option("--device", device, "Only this device's lines")->type_name("NAME");
  commands["logs"]->add_flag("-f,--follow", follow, "Keep printing new lines until Ctrl-C");
  commands["logs"]->add_option("-n,--lines", backlog, "At most N recent lines first (default: litd's)")->type_name("N");
  commands["logs"]
      ->add_option("--level", level, "Only lines at this level or above")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical"}))
      ->capture_default_str();
  std::uint32_t interval_ms = 1000;
  std::uint32_t limit = 20;
  commands["top"]->add_option("--interval", interval_ms, "Milliseconds between refreshes")->capture_default_str();
  commands["top"]->add_option("--limit", limit, "Busiest actors shown (0: all)")->capture_default_str();
  commands["top"]->add_option("--count", count, "Stop after N refreshes (default: until Ctrl-C)")->type_name("N");
  commands["devices"]->add_option("NAME", device, "One device (default: all)");
  lit::litctl::FlashOptions flash;
  std::string boards;
  for (const auto& preset : lit::litctl::board_presets()) {
    boards += "\n  " + std::string(preset.name) + ": " + std::string(preset.summary) + " (" +
              std::string(preset.config) + ")";
  }
  double openocd_timeout = 120;
  double handshake_timeout = 15;
  CLI::App* flash_command = commands["flash"];
  flash_command->add_option("FIRMWARE", flash.firmware, "The firmware ELF file")->required()->type_name("FIRMWARE.elf");
  flash_command->add_option("--board", flash.board, "The board preset" + boards)
      ->capture_default_str()
      ->type_name("NAME");
  flash_command
      ->add_option("--device",
                   flash.device,
                   "litd's device on that board: release its link before, wait for its handshake after")
      ->type_name("NAME");
  flash_command->add_option("--openocd", flash.openocd, "The OpenOCD binary")->capture_default_str()->type_name("PATH");
  flash_command->add_flag("--dry-run", flash.dry_run, "Print the exact OpenOCD command and do nothing");
  flash_command->add_option("--openocd-timeout", openocd_timeout, "Stop OpenOCD if it has not finished by then")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->type_name("SECONDS");
  flash_command->add_option("--handshake-timeout", handshake_timeout, "Wait this long for the device's handshake")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->type_name("SECONDS");

  const std::string word = command_word(argc, argv);
  if (!word.empty() && commands.count(word) == 0) {
    std::vector<std::string> names;
    for (const CommandHelp& help : kCommands) names.emplace_back(help.name);
    const std::string_view closest = lit::daemon::closest_name(word, names);
    std::cerr << "litctl: error: unknown command '" << word << "'";
    if (!closest.empty()) std::cerr << "; did you mean '" << closest << "'?";
    std::cerr << "\nRun 'litctl --help' for the commands.\n";
    return lit::litctl::kExitInvalidArgument;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    std::cerr << "litctl: error: " << error.what() << "\nRun 'litctl --help' for usage.\n";
    return lit::litctl::kExitInvalidArgument;
  }

  const Format format = *parse_format(output);
  CLI::App* chosen = app.get_subcommands().front();
  const std::string name = chosen->get_name();
  const bool diagram = format == Format::dot || format == Format::mermaid;
  if (diagram && name != "chart") {
    std::cerr << "litctl: error: -o " << output << " is for `litctl chart` only; use text or json\n";
    return lit::litctl::kExitInvalidArgument;
  }

  install_signal_handlers();
  lit::litctl::Context context{
      .socket_path = socket_path,
      .format = name == "chart" && format == Format::text ? Format::dot : format,
      .timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000)),
      .out = std::cout,
      .err = std::cerr,
      .interrupted = [] { return g_signal != 0; },
  };
  using lit::control::SupervisionAction;
  if (name == "status") return lit::litctl::run_status(context);
  if (name == "tree") return lit::litctl::run_tree(context, path);
  if (name == "ls") return lit::litctl::run_ls(context, path);
  if (name == "inspect") return lit::litctl::run_inspect(context, path);
  if (name == "restart")
    return lit::litctl::run_supervision(context, path, lit::control::SUPERVISION_ACTION_RESTART, !no_wait);
  if (name == "stop")
    return lit::litctl::run_supervision(context, path, lit::control::SUPERVISION_ACTION_STOP, !no_wait);
  if (name == "start")
    return lit::litctl::run_supervision(context, path, lit::control::SUPERVISION_ACTION_START, !no_wait);
  if (name == "send") return lit::litctl::run_send(context, path, event, data);
  if (name == "trace") return lit::litctl::run_trace(context, paths, failures_only, count);
  if (name == "logs") {
    const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error", "critical"};
    const auto position = std::find(levels.begin(), levels.end(), level) - levels.begin();
    return lit::litctl::run_logs(context, device, follow, backlog, static_cast<lit::control::LogLevel>(position + 1));
  }
  if (name == "top") return lit::litctl::run_top(context, interval_ms, limit, count, isatty(STDOUT_FILENO) != 0);
  if (name == "chart") return lit::litctl::run_chart(context, path);
  if (name == "devices") return lit::litctl::run_devices(context, device);
  flash.openocd_timeout = std::chrono::milliseconds(static_cast<long long>(openocd_timeout * 1000));
  flash.handshake_timeout = std::chrono::milliseconds(static_cast<long long>(handshake_timeout * 1000));
  return lit::litctl::run_flash(context, flash);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "litctl: internal error: " << error.what() << "\n";
    return lit::litctl::kExitFailure;
  }
}

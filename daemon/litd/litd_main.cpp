// litd's command line: check a config, list the actor types, or run the
// daemon. A user's own daemon binary links this with its own LIT_ACTOR_TYPE
// sources and calls litd_main from main.
#include "litd/litd_main.hpp"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>

#include "litd/daemon.hpp"
#include "litd/logging.hpp"

namespace lit::daemon {
namespace {

void print_diagnostics(const std::string& path, const std::vector<Diagnostic>& errors) {
  for (const Diagnostic& diagnostic : errors) std::fprintf(stderr, "%s\n", format_diagnostic(path, diagnostic).c_str());
  std::fprintf(
      stderr, "litd: %s: %zu problem%s; nothing started\n", path.c_str(), errors.size(), errors.size() == 1 ? "" : "s");
}

}  // namespace

int litd_main(int argc, char** argv) {
  // A control client that disconnects while its reply or stream is being
  // written must cost a failed write (EPIPE), not the daemon.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"litd: hosts lit-bit supervision trees, attaches devices over serial ports"};
  app.footer(
      "Exit codes: 0 ok, 64 bad command line, 69 a resource is unavailable, 70 a tree failed or a fatal error, "
      "78 invalid config.\nExamples:\n  litd --config /etc/litd/litd.toml\n  litd --check litd.toml\n"
      "  litd --list-types");
  std::string config_path = "/etc/litd/litd.toml";
  std::string check_path;
  std::string log_level;
  int verbose = 0;
  bool list_types = false;
  std::optional<std::uint32_t> workers;
  app.add_option("-c,--config", config_path, "the configuration file")->capture_default_str();
  app.add_option("--check", check_path, "validate CONFIG and exit (0 valid, 78 invalid)");
  app.add_option("--workers", workers, "worker loops (overrides the config; 0: one per core)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off");
  app.add_flag("-v,--verbose", verbose, "more logging (-v debug, -vv trace)");
  app.add_flag("--list-types", list_types, "list the actor types this litd knows and exit");
  app.set_version_flag("--version", kLitdVersion);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  }

  ActorTypeRegistry types;
  if (list_types) {
    for (const std::string& name : types.names()) {
      const ActorTypeInfo* info = types.find(name);
      std::printf("%-16s %s\n", name.c_str(), info->help.c_str());
      for (const ParamSpec& param : info->params) {
        std::printf(
            "  %-14s %-8s %s%s\n", param.name, to_string(param.kind), param.help, param.required ? " (required)" : "");
      }
    }
    return kExitOk;
  }

  const bool checking = !check_path.empty();
  const std::string path = checking ? check_path : config_path;
  ConfigResult result = load_config(path, types);
  if (!result.config) {
    print_diagnostics(path, result.errors);
    return kExitConfig;
  }
  Config& config = *result.config;
  if (checking) {
    std::printf("%s: valid: %zu actors in %zu trees, %zu devices\n",
                path.c_str(),
                config.actors.size(),
                roots_of(config).size(),
                config.devices.size());
    return kExitOk;
  }

  LogConfig log = config.log;
  if (!log_level.empty()) log.level = log_level;
  if (verbose > 0) log.level = verbose > 1 ? "trace" : "debug";
  std::string error;
  if (!configure_logging(log, stderr_is_journal(), error)) {
    std::fprintf(stderr, "litd: %s\n", error.c_str());
    return kExitUsage;
  }

  Daemon daemon(Daemon::Options{.config_path = path, .workers = workers}, types);
  const ExitCode started = daemon.start(std::move(config), error);
  if (started != kExitOk) {
    logger("runtime")->critical("{}", error);
    return started;
  }
  return daemon.run();
}

}  // namespace lit::daemon

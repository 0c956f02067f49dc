// The litd process: a checked config turned into running worker loops,
// devices and trees, a main loop for signals and systemd, reloads and the
// ordered shutdown. The main thread owns this object and runs the main loop;
// trees and devices are created, changed and stopped on their worker loops
// through LoopGroup::call_sync, never touched from the main thread directly.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "control/server.hpp"
#include "litd/actor_types.hpp"
#include "litd/control_service.hpp"
#include "litd/device_host.hpp"
#include "litd/loop_monitor.hpp"
#include "litd/tree.hpp"
#include "metrics/metrics.hpp"
#include "notify/systemd_notify.hpp"
#include "port/loop_group.hpp"

namespace lit::daemon {

inline constexpr const char* kLitdVersion = LIT_VERSION;

// litd's exit codes (sysexits.h values; documented in daemon/README.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 64,        // EX_USAGE: bad command line
  kExitUnavailable = 69,  // EX_UNAVAILABLE: a resource the config names cannot be had
  kExitSoftware = 70,     // EX_SOFTWARE: a tree failed to start, a root gave up, a fatal error
  kExitConfig = 78,       // EX_CONFIG: the config file is invalid
};

// Where each tree and device runs: trees that share a device share its loop.
struct LoopPlan {
  std::vector<std::size_t> tree_loops;    // per root, in config order
  std::vector<std::size_t> device_loops;  // per device, in config order
};
// False, with `error`, when explicit `loop` settings contradict the sharing.
bool plan_loops(const Config& config, std::size_t loops, LoopPlan& plan, std::string& error);
// Roots in config order.
std::vector<const ActorConfig*> roots_of(const Config& config);

class Daemon final : public DeviceDirectory {
 public:
  struct Options {
    std::string config_path;
    std::optional<std::uint32_t> workers;  // overrides the config's
  };
  Daemon(Options options, ActorTypeRegistry& types);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens the control socket (or takes the one systemd passed): false, with
  // `error`, if it cannot.
  bool start_control(std::string& error);
  // Starts everything `config` declares, or nothing: on failure whatever was
  // started is stopped again and the exit code says why.
  ExitCode start(Config config, std::string& error);
  // Runs the main loop until SIGTERM/SIGINT or a fatal error, then shuts down
  // in order. Returns the process exit code.
  ExitCode run();
  // Reverse start order: each tree's root shuts down within its budgets, the
  // devices say Goodbye, the loops stop. Idempotent.
  void shutdown();
  // SIGHUP: re-reads the file; a valid one is reconciled with the running
  // trees, an invalid one is rejected with the running trees untouched.
  bool reload(std::string& error);

  // DeviceDirectory (on the device's loop).
  link::RemoteActor* declare(std::string_view device, std::string_view remote_path, std::string& error) override;

  // A one-line summary ("2 trees, 7 actors; devices: board0 up").
  std::string summary();
  LoopGroup* loops() { return loops_.get(); }
  const Config& config() const { return config_; }

 private:
  friend class ControlService;
  struct RunningTree {
    std::string root;
    std::size_t loop = 0;
    std::unique_ptr<Tree> tree;
  };
  struct RunningDevice {
    std::string name;
    std::size_t loop = 0;
    std::unique_ptr<DeviceHost> host;
  };

  bool start_device(const DeviceConfig& device, std::size_t loop, std::string& error);
  bool start_tree(const ActorConfig& root, std::size_t loop, std::string& error);
  void stop_tree(RunningTree& running);
  // On the tree's loop: names its nodes for the log and the metrics.
  void register_nodes(RunningTree& running);
  void forget_nodes(RunningTree& running);
  // One snapshot of every loop's counters into the metrics.
  void collect_metrics();
  RunningDevice* find_device(std::string_view name);
  static void on_signal(uv_signal_t* handle, int signal);
  static void on_fatal(uv_async_t* handle);
  static void on_status(uv_timer_t* handle);
  static void on_collect(uv_timer_t* handle);

  Options options_;
  ActorTypeRegistry& types_;
  Config config_;
  LoopPlan plan_;
  std::unique_ptr<LoopGroup> loops_;
  std::unique_ptr<ControlService> control_;
  std::unique_ptr<control::ControlServer> control_server_;
  std::vector<std::unique_ptr<LoopMonitor>> monitors_;  // one per loop, used on it
  Metrics metrics_;
  MetricsServer metrics_server_;
  std::vector<RunningDevice> devices_;
  std::vector<RunningTree> trees_;  // start order
  SystemdNotifier notifier_;
  uv_loop_t main_loop_{};
  uv_signal_t sigterm_{};
  uv_signal_t sigint_{};
  uv_signal_t sighup_{};
  uv_async_t fatal_async_{};
  uv_timer_t status_timer_{};
  uv_timer_t collect_timer_{};
  std::uint64_t boot_id_ = 0;
  ExitCode exit_code_ = kExitOk;
  bool main_loop_open_ = false;
  bool shut_down_ = false;
};

}  // namespace lit::daemon

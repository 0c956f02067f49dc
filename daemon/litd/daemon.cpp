// The process around the trees: loop planning, start in config order with
// rollback, the main loop's signals, reload by reconciliation, and shutdown
// in reverse start order.
#include "litd/daemon.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <deque>
#include <numeric>
#include <random>
#include <thread>

#include "litd/logging.hpp"

namespace lit::daemon {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(10);

// How long a tree may take to shut down: every child's budget in turn, plus
// slack for the loop; a child with an infinite budget leaves it unbounded.
std::optional<std::chrono::milliseconds> shutdown_budget(const Tree& tree) {
  std::chrono::milliseconds total{2000};
  for (const auto& node : tree.nodes()) {
    if (node->config.shutdown.kind == Shutdown::Kind::infinity) return std::nullopt;
    if (node->config.shutdown.kind == Shutdown::Kind::timeout) {
      total += std::chrono::milliseconds(node->config.shutdown.timeout_ms);
    }
  }
  return total;
}

std::uint64_t random_boot_id() {
  std::random_device device;
  return (std::uint64_t{device()} << 32U) | device();
}

}  // namespace

std::vector<const ActorConfig*> roots_of(const Config& config) {
  std::vector<const ActorConfig*> roots;
  for (const ActorConfig& actor : config.actors) {
    if (actor.parent.empty()) roots.push_back(&actor);
  }
  return roots;
}

bool plan_loops(const Config& config, std::size_t loops, LoopPlan& plan, std::string& error) {
  const std::vector<const ActorConfig*> roots = roots_of(config);
  // Union-find over roots: trees placing children on one device join.
  std::vector<std::size_t> group(roots.size());
  std::iota(group.begin(), group.end(), 0);
  const auto find = [&](std::size_t i) {
    while (group[i] != i) i = group[i] = group[group[i]];
    return i;
  };
  std::vector<std::optional<std::size_t>> device_root(config.devices.size());
  for (const ActorConfig& actor : config.actors) {
    if (!actor.is_device_actor()) continue;
    std::size_t root = 0;
    while (root < roots.size() && !in_subtree(actor.path, roots[root]->path)) ++root;
    for (std::size_t d = 0; d < config.devices.size(); ++d) {
      if (config.devices[d].name != actor.device) continue;
      if (device_root[d]) {
        group[find(root)] = find(*device_root[d]);
      } else {
        device_root[d] = root;
      }
    }
  }
  // A group's loop: the explicit one of any member (all must agree), else round robin.
  std::vector<std::optional<std::size_t>> group_loop(roots.size());
  for (std::size_t i = 0; i < roots.size(); ++i) {
    if (!roots[i]->loop) continue;
    const std::size_t wanted = *roots[i]->loop;
    if (wanted >= loops) {
      error = roots[i]->path + ": loop " + std::to_string(wanted) + " does not exist (" + std::to_string(loops) +
              " worker loops)";
      return false;
    }
    std::optional<std::size_t>& chosen = group_loop[find(i)];
    if (chosen && *chosen != wanted) {
      error = roots[i]->path + ": loop " + std::to_string(wanted) + " contradicts loop " + std::to_string(*chosen) +
              " of a tree sharing a device with it (trees that share a device share a loop)";
      return false;
    }
    chosen = wanted;
  }
  std::size_t next = 0;
  plan.tree_loops.assign(roots.size(), 0);
  for (std::size_t i = 0; i < roots.size(); ++i) {
    std::optional<std::size_t>& chosen = group_loop[find(i)];
    if (!chosen) chosen = next++ % loops;
    plan.tree_loops[i] = *chosen;
  }
  plan.device_loops.assign(config.devices.size(), 0);
  for (std::size_t d = 0; d < config.devices.size(); ++d) {
    plan.device_loops[d] = device_root[d] ? plan.tree_loops[*device_root[d]] : 0;
  }
  return true;
}

Daemon::Daemon(Options options, ActorTypeRegistry& types)
    : options_(std::move(options)), types_(types), metrics_(kLitdVersion) {
  boot_id_ = random_boot_id();
}

Daemon::~Daemon() {
  shutdown();
  if (main_loop_open_) {
    uv_walk(
        &main_loop_,
        [](uv_handle_t* handle, void*) {
          if (uv_is_closing(handle) == 0) uv_close(handle, nullptr);
        },
        nullptr);
    uv_run(&main_loop_, UV_RUN_DEFAULT);
    uv_loop_close(&main_loop_);
  }
}

ExitCode Daemon::start(Config config, std::string& error) {
  config_ = std::move(config);
  const std::size_t workers = options_.workers.value_or(config_.workers);
  if (!plan_loops(config_, workers == 0 ? std::max(1U, std::thread::hardware_concurrency()) : workers, plan_, error)) {
    return kExitConfig;
  }
  uv_loop_init(&main_loop_);
  main_loop_open_ = true;
  uv_async_init(&main_loop_, &fatal_async_, &Daemon::on_fatal);
  fatal_async_.data = this;

  LoopGroup::Options loop_options;
  loop_options.workers = workers;
  loop_options.on_fatal = [this](std::size_t, std::string_view) { uv_async_send(&fatal_async_); };
  loops_ = std::make_unique<LoopGroup>(loop_options);
  if (!loops_->start()) {
    error = "could not start the worker loops";
    return kExitSoftware;
  }
  control_ = std::make_unique<ControlService>(*this, &main_loop_);
  set_log_hub(&control_->hub());
  if (!start_control(error)) {
    shutdown();
    return kExitUnavailable;
  }
  for (std::size_t i = 0; i < loops_->size(); ++i) {
    monitors_.push_back(std::make_unique<LoopMonitor>(i, &control_->hub()));
    LoopMonitor* monitor = monitors_.back().get();
    loops_->call_sync(i, [&] {
      loops_->scheduler(i).set_observer(monitor);
      loops_->port(i).set_before_run([monitor] { monitor->begin_batch(); });
    });
  }
  if (config_.metrics.enabled) {
    metrics_.set_actor_paths(config_.metrics.actor_paths);
    if (!metrics_server_.start(config_.metrics.listen, metrics_, error)) {
      shutdown();
      return kExitUnavailable;
    }
    logger("metrics")->info("serving metrics on http://{}/metrics", config_.metrics.listen);
  }
  for (std::size_t d = 0; d < config_.devices.size(); ++d) {
    if (!start_device(config_.devices[d], plan_.device_loops[d], error)) {
      shutdown();
      return kExitUnavailable;
    }
  }
  const std::vector<const ActorConfig*> roots = roots_of(config_);
  for (std::size_t i = 0; i < roots.size(); ++i) {
    if (!start_tree(*roots[i], plan_.tree_loops[i], error)) {
      shutdown();
      return kExitSoftware;
    }
  }
  logger("runtime")->info("started: {}", summary());
  return kExitOk;
}

bool Daemon::start_device(const DeviceConfig& device, std::size_t loop, std::string& error) {
  RunningDevice running{device.name, loop, nullptr};
  loops_->call_sync(loop, [&] {
    running.host = std::make_unique<DeviceHost>(&loops_->loop(loop),
                                                loops_->scheduler(loop),
                                                device,
                                                boot_id_,
                                                monitors_[loop].get(),
                                                control_ ? &control_->hub() : nullptr);
    running.host->start();
  });
  if (!running.host) {
    error = "device " + device.name + ": its loop is not running";
    return false;
  }
  devices_.push_back(std::move(running));
  return true;
}

bool Daemon::start_tree(const ActorConfig& root, std::size_t loop, std::string& error) {
  RunningTree running{root.path, loop, nullptr};
  bool started = false;
  loops_->call_sync(loop, [&] {
    running.tree = Tree::build(config_, root.path, types_, *this, error);
    if (!running.tree) return;
    register_nodes(running);
    started = running.tree->start(loops_->scheduler(loop), error);
  });
  if (!started) {
    if (running.tree) {
      loops_->call_sync(loop, [&] {
        forget_nodes(running);
        running.tree.reset();
      });
    }
    return false;
  }
  logger("supervisor")->info("tree {} started on loop {}", root.path, loop);
  trees_.push_back(std::move(running));
  return true;
}

void Daemon::stop_tree(RunningTree& running) {
  if (!running.tree) return;
  std::optional<std::chrono::milliseconds> budget;
  loops_->call_sync(running.loop, [&] {
    budget = shutdown_budget(*running.tree);
    running.tree->request_shutdown();
  });
  const auto deadline =
      budget ? std::chrono::steady_clock::now() + *budget : std::chrono::steady_clock::time_point::max();
  bool stopped = false;
  while (!stopped) {
    loops_->call_sync(running.loop, [&] { stopped = running.tree->stopped(); });
    if (stopped) break;
    if (std::chrono::steady_clock::now() > deadline) {
      logger("supervisor")->error("tree {} did not stop within {} ms; killing it", running.root, budget->count());
      loops_->call_sync(running.loop, [&] {
        Tree& tree = *running.tree;
        if (tree.scheduler() != nullptr && !tree.stopped()) {
          tree.scheduler()->stop(tree.root().core(), Reason::killed(), StopMode::kill);
        }
      });
      break;
    }
    notifier_.kick_watchdog();
    std::this_thread::sleep_for(kPoll);
  }
  loops_->call_sync(running.loop, [&] {
    forget_nodes(running);
    running.tree.reset();
  });
  logger("supervisor")->info("tree {} stopped", running.root);
}

void Daemon::register_nodes(RunningTree& running) {
  LoopMonitor& monitor = *monitors_[running.loop];
  for (const auto& node : running.tree->nodes()) {
    const ActorConfig& config = node->config;
    monitor.name(node->core(),
                 config.path,
                 config.is_device_actor() ? (config.type.empty() ? "device" : config.type) : config.type);
  }
}

void Daemon::forget_nodes(RunningTree& running) {
  LoopMonitor& monitor = *monitors_[running.loop];
  for (const auto& node : running.tree->nodes()) {
    metrics_.remove_actor(node->config.path);
    if (node->supervisor) metrics_.remove_supervisor(node->config.path);
    monitor.forget(node->core());
  }
}

Daemon::RunningDevice* Daemon::find_device(std::string_view name) {
  for (RunningDevice& device : devices_) {
    if (device.name == name) return &device;
  }
  return nullptr;
}

link::RemoteActor* Daemon::declare(std::string_view device, std::string_view remote_path, std::string& error) {
  RunningDevice* running = find_device(device);
  if (running == nullptr || !running->host) {
    error = "no device named " + std::string(device);
    return nullptr;
  }
  link::RemoteActor* proxy = running->host->node().declare(remote_path);
  if (proxy == nullptr) {
    error = "device " + std::string(device) + " has no room for another actor (at most " +
            std::to_string(link::RemoteNode::kMaxProxies) + ") or the path " + std::string(remote_path) +
            " is too long";
  }
  return proxy;
}

bool Daemon::start_control(std::string& error) {
  control::ControlServer::Options options;
  options.group = config_.control.group;
  options.mode = config_.control.mode;
  options.logger = logger("control");
  control_server_ = std::make_unique<control::ControlServer>(&main_loop_, *control_, options);
  std::optional<std::string> failed;
  if (const std::optional<int> fd = listened_fd("control")) {
    failed = control_server_->adopt(*fd);
  } else {
    // The socket's directory (systemd's RuntimeDirectory= makes /run/litd).
    const std::string& path = config_.control.socket;
    const std::size_t slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) mkdir(path.substr(0, slash).c_str(), 0755);
    failed = control_server_->listen(path);
  }
  if (failed) {
    error = "control: " + *failed;
    return false;
  }
  return true;
}

void Daemon::shutdown() {
  if (shut_down_ || !loops_) return;
  shut_down_ = true;
  notifier_.stopping();
  if (control_) control_->close();
  if (control_server_) control_server_->close();
  // The boards keep their actors: their own supervisors take them back, and
  // the next litd adopts them (same boot) instead of starting them again.
  for (auto& device : devices_) {
    loops_->call_sync(device.loop, [&] { device.host->leave("litd is stopping"); });
  }
  logger("runtime")->info("shutting down {} trees in reverse start order", trees_.size());
  for (auto tree = trees_.rbegin(); tree != trees_.rend(); ++tree) stop_tree(*tree);
  trees_.clear();
  for (auto device = devices_.rbegin(); device != devices_.rend(); ++device) {
    loops_->call_sync(device->loop, [&] {
      device->host->goodbye("litd is stopping");
      device->host->stop();
    });
  }
  // The lines' handles finish closing as their loops stop.
  loops_->stop();
  devices_.clear();
  set_log_hub(nullptr);
  logger("runtime")->info("stopped");
}

std::string Daemon::summary() {
  std::size_t actors = 0;
  for (const RunningTree& tree : trees_) actors += tree.tree ? tree.tree->nodes().size() : 0;
  std::string text = std::to_string(trees_.size()) + (trees_.size() == 1 ? " tree, " : " trees, ") +
                     std::to_string(actors) + (actors == 1 ? " actor" : " actors");
  if (!devices_.empty()) {
    text += "; devices:";
    for (RunningDevice& device : devices_) {
      bool up = false;
      loops_->call_sync(device.loop, [&] { up = device.host->link_up(); });
      text += " " + device.name + (up ? " up" : " down");
    }
  }
  return text;
}

ExitCode Daemon::run() {
  for (auto [handle, signal] :
       {std::pair{&sigterm_, SIGTERM}, std::pair{&sigint_, SIGINT}, std::pair{&sighup_, SIGHUP}}) {
    uv_signal_init(&main_loop_, handle);
    handle->data = this;
    uv_signal_start(handle, &Daemon::on_signal, signal);
  }
  uv_timer_init(&main_loop_, &collect_timer_);
  collect_timer_.data = this;
  if (metrics_server_.running()) uv_timer_start(&collect_timer_, &Daemon::on_collect, 1000, 1000);
  uv_timer_init(&main_loop_, &status_timer_);
  status_timer_.data = this;
  uv_timer_start(&status_timer_, &Daemon::on_status, 5000, 5000);
  notifier_.start_watchdog(main_loop_);
  notifier_.ready(summary());
  uv_run(&main_loop_, UV_RUN_DEFAULT);
  notifier_.stop_watchdog();
  shutdown();
  return exit_code_;
}

void Daemon::on_signal(uv_signal_t* handle, int signal) {
  auto& self = *static_cast<Daemon*>(handle->data);
  if (signal == SIGHUP) {
    std::string error;
    if (!self.reload(error)) logger("config")->error("reload rejected; the running trees are unchanged: {}", error);
    return;
  }
  logger("runtime")->info("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  uv_stop(&self.main_loop_);
}

void Daemon::on_fatal(uv_async_t* handle) {
  auto& self = *static_cast<Daemon*>(handle->data);
  const std::optional<LoopGroup::Fatal> fatal = self.loops_ ? self.loops_->fatal() : std::nullopt;
  const std::string reason = fatal ? fatal->reason : "unknown";
  logger("runtime")->critical("fatal: {}; shutting down", reason);
  self.notifier_.failed(EPROTO, "fatal: " + reason);
  self.exit_code_ = kExitSoftware;
  uv_stop(&self.main_loop_);
}

void Daemon::on_status(uv_timer_t* handle) {
  auto& self = *static_cast<Daemon*>(handle->data);
  self.notifier_.status(self.summary());
}

void Daemon::on_collect(uv_timer_t* handle) { static_cast<Daemon*>(handle->data)->collect_metrics(); }

void Daemon::collect_metrics() {
  // The loops' strings are copied on the loop; the snapshot's views point here.
  struct Names {
    std::string path;
    std::string type;
  };
  std::deque<Names> names;
  Snapshot snapshot;
  for (std::size_t loop = 0; loop < loops_->size(); ++loop) {
    loops_->call_sync(loop, [&] {
      for (RunningTree& running : trees_) {
        if (running.loop != loop || !running.tree) continue;
        for (const auto& node : running.tree->nodes()) {
          const LoopMonitor::ActorStats* stats = monitors_[loop]->find(node->core());
          Names& name = names.emplace_back(Names{node->config.path, stats != nullptr ? stats->type : ""});
          if (node->supervisor) {
            snapshot.supervisors.push_back(SupervisorSample{.path = name.path,
                                                            .restarts = node->supervisor->restarts(),
                                                            .link_restarts = node->supervisor->link_restarts(),
                                                            .escalations = stats != nullptr ? stats->escalations : 0});
          }
          ActorSample actor{.path = name.path, .type = name.type};
          if (const ActorCore& core = node->core(); core.has_mailbox()) {
            actor.mailbox_depth = core.queued();
            actor.drops = core.overflow_count();
          }
          if (stats != nullptr) {
            actor.messages = node->proxy != nullptr ? node->proxy->messages_forwarded() : stats->messages;
            actor.restarts = stats->starts > 1 ? stats->starts - 1 : 0;
            actor.rejections = stats->rejections;
            actor.discarded = stats->discarded;
            actor.processing = stats->processing;
          }
          snapshot.actors.push_back(actor);
        }
      }
      for (RunningDevice& device : devices_) {
        if (device.loop != loop || !device.host) continue;
        snapshot.devices.push_back(device.host->sample());
      }
    });
  }
  metrics_.update(snapshot);
  metrics_.update(read_process());
}

bool Daemon::reload(std::string& error) {
  notifier_.reloading();
  const auto finish = [&](bool ok) {
    metrics_.count_config_reload(ok ? ReloadResult::ok : ReloadResult::rejected);
    notifier_.ready(summary());
    return ok;
  };
  ConfigResult result = load_config(options_.config_path, types_);
  if (!result.config) {
    error = std::to_string(result.errors.size()) + " problem(s) in " + options_.config_path;
    for (const Diagnostic& diagnostic : result.errors) {
      logger("config")->error("{}", format_diagnostic(options_.config_path, diagnostic));
    }
    return finish(false);
  }
  Config& next = *result.config;
  // What a reload cannot change while running: say so rather than half-apply it.
  for (const DeviceConfig& device : config_.devices) {
    const DeviceConfig* now = next.find_device(device.name);
    if (now != nullptr && (now->port != device.port || now->baud != device.baud)) {
      error = "device " + device.name + ": changing its port or baud needs a restart of litd";
      return finish(false);
    }
  }
  LoopPlan next_plan;
  if (!plan_loops(next, loops_->size(), next_plan, error)) return finish(false);
  // A supervisor and its device children share a loop, and running trees and
  // devices keep theirs.
  for (const ActorConfig& actor : next.actors) {
    if (!actor.is_device_actor()) continue;
    const RunningDevice* device = find_device(actor.device);
    for (const RunningTree& tree : trees_) {
      if (device != nullptr && tree.root == root_of(actor.path) && tree.loop != device->loop) {
        error = actor.path + ": device " + actor.device + " runs on loop " + std::to_string(device->loop) +
                " but tree " + tree.root + " on loop " + std::to_string(tree.loop) + "; this change needs a restart";
        return finish(false);
      }
    }
  }

  std::vector<std::string> changes;
  // Trees whose root is gone or changed stop first, last started first.
  for (std::size_t i = trees_.size(); i-- > 0;) {
    const ActorConfig* root = next.find_actor(trees_[i].root);
    const ActorConfig* before = config_.find_actor(trees_[i].root);
    if (root != nullptr && before != nullptr && same_actor(*root, *before)) continue;
    stop_tree(trees_[i]);
    changes.push_back("stopped tree " + trees_[i].root);
    trees_.erase(trees_.begin() + static_cast<std::ptrdiff_t>(i));
  }
  // New devices before the trees that use them.
  for (std::size_t d = 0; d < next.devices.size(); ++d) {
    if (find_device(next.devices[d].name) != nullptr) continue;
    if (!start_device(next.devices[d], next_plan.device_loops[d], error)) return finish(false);
    changes.push_back("attached device " + next.devices[d].name);
  }
  config_ = next;
  // Running trees reconcile child by child on their loops.
  for (RunningTree& running : trees_) {
    for (;;) {
      Tree::Progress progress = Tree::Progress::failed;
      loops_->call_sync(running.loop, [&] {
        std::vector<std::pair<const ActorCore*, std::string>> before;
        for (const auto& node : running.tree->nodes()) before.emplace_back(&node->core(), node->config.path);
        progress = running.tree->reconcile(config_, types_, *this, changes, error);
        // Nodes it removed leave the log's names and the metrics.
        for (const auto& [core, path] : before) {
          const Tree::Node* now = running.tree->find(path);
          if (now != nullptr && &now->core() == core) continue;
          metrics_.remove_actor(path);
          metrics_.remove_supervisor(path);
          monitors_[running.loop]->forget(*core);
        }
        register_nodes(running);
      });
      if (progress == Tree::Progress::done) break;
      if (progress == Tree::Progress::failed) return finish(false);
      std::this_thread::sleep_for(kPoll);
    }
  }
  // Then the new trees, in file order.
  const std::vector<const ActorConfig*> roots = roots_of(config_);
  for (std::size_t i = 0; i < roots.size(); ++i) {
    bool running = false;
    for (const RunningTree& tree : trees_) running = running || tree.root == roots[i]->path;
    if (running) continue;
    std::size_t loop = next_plan.tree_loops[i];
    for (const ActorConfig& actor : config_.actors) {
      if (!actor.is_device_actor() || root_of(actor.path) != roots[i]->path) continue;
      if (const RunningDevice* device = find_device(actor.device)) loop = device->loop;
    }
    if (!start_tree(*roots[i], loop, error)) return finish(false);
    changes.push_back("started tree " + roots[i]->path);
  }
  logger("config")->info("reloaded {}: {}",
                         options_.config_path,
                         changes.empty() ? std::string("no changes") : std::to_string(changes.size()) + " changes");
  for (const std::string& change : changes) logger("config")->info("  {}", change);
  return finish(true);
}

}  // namespace lit::daemon

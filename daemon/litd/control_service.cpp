// Each request finds its tree or device on the main loop (by configured path
// or name), then does the work on that tree's or device's loop.
#include "litd/control_service.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "config/closest_name.hpp"
#include "control/protocol.hpp"
#include "litd/daemon.hpp"
#include "litd/logging.hpp"

namespace lit::daemon {
namespace {

using control::Response;
using control::Status;

constexpr std::chrono::milliseconds kPoll{10};

const char* strategy_name(Strategy strategy) {
  switch (strategy) {
    case Strategy::one_for_one: return "one_for_one";
    case Strategy::one_for_all: return "one_for_all";
    case Strategy::rest_for_one: return "rest_for_one";
    case Strategy::simple_one_for_one: return "simple_one_for_one";
  }
  return "?";
}

const char* restart_name(Restart restart) {
  switch (restart) {
    case Restart::permanent: return "permanent";
    case Restart::transient: return "transient";
    case Restart::temporary: return "temporary";
  }
  return "?";
}

control::StateKind state_kind(chart::StateKind kind) {
  switch (kind) {
    case chart::StateKind::atomic: return control::STATE_KIND_ATOMIC;
    case chart::StateKind::compound: return control::STATE_KIND_COMPOUND;
    case chart::StateKind::parallel: return control::STATE_KIND_PARALLEL;
    case chart::StateKind::final: return control::STATE_KIND_FINAL;
    case chart::StateKind::shallow_history: return control::STATE_KIND_HISTORY_SHALLOW;
    case chart::StateKind::deep_history: return control::STATE_KIND_HISTORY_DEEP;
  }
  return control::STATE_KIND_UNSPECIFIED;
}

// The active leaf states of a configuration, by name.
void add_configuration(const chart::Table* table,
                       chart::StateSet active,
                       google::protobuf::RepeatedPtrField<std::string>* out) {
  if (table == nullptr) return;
  for (std::uint16_t i = 0; i < table->state_count; ++i) {
    if ((active & chart::bit(static_cast<chart::StateIndex>(i)) & table->atomic_states) != 0) {
      out->Add(std::string(table->states[i].name));
    }
  }
}

// A device actor's chart: the configured type, else the chart the device's
// actor table names for it.
const chart::Table* device_chart_of(const Tree::Node& node) {
  if (!node.config.type.empty()) return device_chart(node.config.type);
  const link::RemoteNode* remote = node.proxy->node();
  if (remote == nullptr) return nullptr;
  const link::DeviceInfo& info = remote->device();
  for (std::uint32_t i = 0; i < info.actor_count; ++i) {
    if (node.proxy->path() == std::string_view(info.actors[i].path)) return device_chart(info.actors[i].chart);
  }
  return nullptr;
}

const char* send_failure(SendResult result) {
  switch (result) {
    case SendResult::ok: return "sent";
    case SendResult::full: return "its mailbox is full (the message was not queued)";
    case SendResult::dead: return "it is not running";
    case SendResult::invalid_event: return "its chart has no such event";
  }
  return "not sent";
}

Response ok() {
  Response response;
  response.set_status(control::STATUS_OK);
  return response;
}

}  // namespace

ControlService::ControlService(Daemon& daemon, uv_loop_t* main_loop) : daemon_(daemon), main_loop_(main_loop) {
  hub_.attach(main_loop, [this](const Response& item) { deliver(item); });
}

ControlService::~ControlService() { close(); }

void ControlService::close() {
  for (Subscriber& subscriber : subscribers_) subscriber.stream.end(control::STATUS_UNAVAILABLE, "litd is stopping");
  subscribers_.clear();
  for (auto& top : tops_) {
    top->stream.end(control::STATUS_UNAVAILABLE, "litd is stopping");
    if (top->timer != nullptr) {
      uv_close(reinterpret_cast<uv_handle_t*>(top->timer),
               [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
      top->timer = nullptr;
    }
  }
  tops_.clear();
  hub_.detach();
}

bool ControlService::fail_not_found(control::Responder& responder, const std::string& what, const std::string& path) {
  std::vector<std::string> candidates;
  if (what == "device") {
    for (const DeviceConfig& device : daemon_.config_.devices) candidates.push_back(device.name);
  } else {
    for (const ActorConfig& actor : daemon_.config_.actors) candidates.push_back(actor.path);
  }
  std::string closest(closest_name(path, candidates));
  if (closest.empty() && what == "actor") {
    // A bare name ("tick" for "gw/tick") is matched against the last segments.
    std::vector<std::string> names;
    for (const ActorConfig& actor : daemon_.config_.actors) names.push_back(actor.name);
    const std::string_view name = closest_name(path.substr(path.rfind('/') + 1), names);
    for (const ActorConfig& actor : daemon_.config_.actors) {
      if (!name.empty() && actor.name == name) {
        closest = actor.path;
        break;
      }
    }
  }
  return responder.fail(control::STATUS_NOT_FOUND,
                        "no " + what + " named " + (path.empty() ? "''" : path) +
                            (closest.empty() ? "" : "; did you mean " + closest + "?"),
                        closest);
}

void ControlService::handle(const control::Request& request,
                            const control::Caller& caller,
                            control::Responder responder) {
  static_cast<void>(caller);
  switch (request.kind_case()) {
    case control::Request::kStatus: status(responder); break;
    case control::Request::kTree: tree(request.tree(), responder); break;
    case control::Request::kInspect: inspect(request.inspect(), responder); break;
    case control::Request::kSupervision: supervise(request.supervision(), std::move(responder)); break;
    case control::Request::kSend: send(request.send(), responder); break;
    case control::Request::kDevices: devices(request.devices(), responder); break;
    case control::Request::kChart: chart(request.chart(), responder); break;
    case control::Request::kDeviceLink: device_link(request.device_link(), std::move(responder)); break;
    default: responder.fail(control::STATUS_INVALID_ARGUMENT, "not a request litd answers with one reply"); break;
  }
  daemon_.metrics_.count_control_request(ControlResult::ok);
}

// ---- status ---------------------------------------------------------------------------

void ControlService::status(control::Responder& responder) {
  Response response = ok();
  control::StatusReply& reply = *response.mutable_status_reply();
  reply.set_version(kLitdVersion);
  reply.set_uptime_ms(static_cast<std::uint64_t>((unix_time_us() - started_unix_us_) / 1000));
  reply.set_pid(static_cast<std::uint32_t>(getpid()));
  reply.set_config_file(daemon_.options_.config_path);
  reply.set_worker_loops(static_cast<std::uint32_t>(daemon_.loops_->size()));
  for (Daemon::RunningTree& running : daemon_.trees_) {
    control::TreeSummary& summary = *reply.add_trees();
    summary.set_path(running.root);
    summary.set_loop(static_cast<std::uint32_t>(running.loop));
    daemon_.loops_->call_sync(running.loop, [&] {
      summary.set_actors(static_cast<std::uint32_t>(running.tree->nodes().size()));
      summary.set_state(running.tree->stopped() ? control::RUN_STATE_STOPPED : control::RUN_STATE_RUNNING);
    });
  }
  for (Daemon::RunningDevice& device : daemon_.devices_) {
    control::DeviceSummary& summary = *reply.add_devices();
    summary.set_name(device.name);
    daemon_.loops_->call_sync(device.loop, [&] {
      summary.set_link_state(static_cast<control::LinkState>(device.host->link_state()));
      summary.set_boot_id(device.host->node().device().boot_id);
      summary.set_rtt_us(static_cast<std::uint32_t>(device.host->node().session_counters().srtt * 1000));
    });
  }
  responder.reply(std::move(response));
}

// ---- the tree -----------------------------------------------------------------------------

namespace {

// One node as the API shows it; on the tree's loop.
void describe(const Tree::Node& node,
              const LoopMonitor& monitor,
              std::size_t loop,
              const DeviceHost* device,
              control::Node& out) {
  const ActorConfig& config = node.config;
  out.set_name(config.name);
  out.set_path(config.path);
  const ActorCore& core = node.core();
  out.set_incarnation(core.incarnation());
  if (node.supervisor) {
    out.set_kind(control::NODE_KIND_SUPERVISOR);
    out.set_strategy_or_type(strategy_name(config.supervisor.strategy));
  } else if (node.proxy != nullptr) {
    out.set_kind(control::NODE_KIND_DEVICE_ACTOR);
    const chart::Table* chart = device_chart_of(node);
    out.set_strategy_or_type(!config.type.empty() ? config.type
                             : chart != nullptr   ? std::string(chart->name)
                                                  : std::string(node.proxy->path()));
    out.mutable_location()->set_device(config.device);
    out.set_incarnation(node.proxy->device_incarnation());
  } else {
    out.set_kind(control::NODE_KIND_ACTOR);
    out.set_strategy_or_type(config.type);
  }
  if (node.proxy == nullptr) out.mutable_location()->set_host_loop(static_cast<std::uint32_t>(loop));
  if (node.parent != nullptr) out.set_restart_type(restart_name(config.restart));
  // Running, or what its supervisor is doing about it.
  control::RunState state = core.alive() ? control::RUN_STATE_RUNNING : control::RUN_STATE_STOPPED;
  if (node.parent != nullptr) {
    if (const Child* child = node.parent->supervisor->find(config.name.c_str())) {
      if (child->state == Child::State::restarting) state = control::RUN_STATE_RESTARTING;
    }
  }
  if (node.proxy != nullptr && core.alive() && node.proxy->link() != link::RemoteActor::Link::attached) {
    state = control::RUN_STATE_UNREACHABLE;
  }
  out.set_state(state);
  if (node.actor) add_configuration(core.type().table, core.configuration(), out.mutable_configuration());
  if (node.proxy != nullptr && device != nullptr && state == control::RUN_STATE_RUNNING) {
    const chart::Table* table = nullptr;
    const chart::StateSet active = device->configuration(node.proxy->path(), &table);
    add_configuration(table, active, out.mutable_configuration());
  }
  if (const LoopMonitor::ActorStats* stats = monitor.find(core)) {
    out.set_restarts(stats->starts > 1 ? stats->starts - 1 : 0);
  }
}

}  // namespace

const DeviceHost* ControlService::device_of(const Tree::Node& node) const {
  if (node.proxy == nullptr) return nullptr;
  for (const Daemon::RunningDevice& device : daemon_.devices_) {
    if (device.name == node.config.device) return device.host.get();
  }
  return nullptr;
}

void ControlService::tree(const control::TreeRequest& request, control::Responder& responder) {
  const std::string& path = request.path();
  Response response = ok();
  bool found = path.empty();
  for (Daemon::RunningTree& running : daemon_.trees_) {
    if (!path.empty() && !in_subtree(path, running.root)) continue;
    daemon_.loops_->call_sync(running.loop, [&] {
      const LoopMonitor& monitor = *daemon_.monitors_[running.loop];
      // Nodes come parents first, so each finds its parent's reply node.
      std::vector<std::pair<const Tree::Node*, control::Node*>> placed;
      for (const auto& node : running.tree->nodes()) {
        if (!in_subtree(node->config.path, path)) continue;
        // Levels below the requested node (or below the roots).
        const auto depth = std::count(node->config.path.begin(), node->config.path.end(), '/') -
                           (path.empty() ? 0 : std::count(path.begin(), path.end(), '/'));
        if (request.depth() != 0 && depth > static_cast<std::ptrdiff_t>(request.depth())) {
          for (auto& [placed_node, placed_out] : placed) {
            if (placed_node == node->parent) placed_out->set_has_more_children(true);
          }
          continue;
        }
        control::Node* parent_out = nullptr;
        for (auto& [placed_node, placed_out] : placed) {
          if (placed_node == node->parent) parent_out = placed_out;
        }
        control::Node* out = parent_out != nullptr ? parent_out->add_children() : response.mutable_tree()->add_roots();
        describe(*node, monitor, running.loop, device_of(*node), *out);
        placed.emplace_back(node.get(), out);
        found = true;
      }
    });
  }
  if (!found) {
    fail_not_found(responder, "actor", path);
    return;
  }
  response.mutable_tree();
  responder.reply(std::move(response));
}

// ---- inspect ------------------------------------------------------------------------------

void ControlService::inspect(const control::InspectRequest& request, control::Responder& responder) {
  for (Daemon::RunningTree& running : daemon_.trees_) {
    if (!in_subtree(request.path(), running.root)) continue;
    Response response = ok();
    bool found = false;
    daemon_.loops_->call_sync(running.loop, [&] {
      const Tree::Node* node = running.tree->find(request.path());
      if (node == nullptr) return;
      found = true;
      const LoopMonitor& monitor = *daemon_.monitors_[running.loop];
      control::InspectReply& reply = *response.mutable_inspect();
      describe(*node, monitor, running.loop, device_of(*node), *reply.mutable_node());
      reply.set_parent(node->config.parent);
      control::SourcePosition& where = *reply.mutable_declared_at();
      where.set_file(daemon_.options_.config_path);
      where.set_line(node->config.where.line);
      where.set_column(node->config.where.column);
      const ActorCore& core = node->core();
      if (core.has_mailbox()) {
        control::Mailbox& out = *reply.mutable_mailbox();
        out.set_depth(core.queued());
        out.set_capacity(core.mailbox_capacity());
        out.set_overflow(to_string(core.overflow_policy()));
        reply.mutable_counters()->set_messages_dropped(core.overflow_count());
      }
      std::array<ActorId, 16> watchers{};
      const std::size_t watching = daemon_.loops_->scheduler(running.loop).watchers_of(core, watchers);
      for (std::size_t i = 0; i < std::min(watching, watchers.size()); ++i) {
        const LoopMonitor::ActorStats* watcher = monitor.find(*watchers[i].actor);
        reply.add_watchers(watcher != nullptr ? watcher->path : std::string("(an actor outside the config)"));
      }
      if (const chart::Table* table = core.type().table) {
        reply.set_chart(std::string(table->name));
        reply.set_chart_hash(table->structural_hash);
      }
      if (const LoopMonitor::ActorStats* stats = monitor.find(core)) {
        control::ActorCounters& counters = *reply.mutable_counters();
        const std::uint64_t processed = node->proxy != nullptr ? node->proxy->messages_forwarded() : stats->messages;
        counters.set_messages_processed(processed);
        // Everything accepted is processed by now, still queued, or was discarded by a stop.
        counters.set_messages_received(processed + stats->discarded + core.queued());
        counters.set_messages_discarded(stats->discarded);
        counters.set_restarts(stats->starts > 1 ? stats->starts - 1 : 0);
        counters.set_failures(stats->failures);
        counters.set_transitions(stats->transitions);
        counters.set_events_deferred(stats->deferred);
        if (core.has_mailbox()) reply.mutable_mailbox()->set_high_water(stats->mailbox_high_water);
        if (stats->last_failure) {
          control::Failure& failure = *reply.mutable_last_failure();
          failure.set_reason(to_string(stats->last_failure->kind));
          failure.set_detail(stats->last_failure->detail);
          failure.set_time_unix_ms(stats->last_failure->time_unix_ms);
          failure.set_incarnation(stats->last_failure->incarnation);
        }
        reply.set_started_unix_ms(stats->started_unix_ms);
      }
      // A device actor's own words for its last exit, as the device reported them.
      if (node->proxy != nullptr && node->proxy->last_exit_detail()[0] != '\0') {
        reply.mutable_last_failure()->set_detail(node->proxy->last_exit_detail());
      }
      if (node->proxy != nullptr) {
        if (const DeviceHost* device = device_of(*node)) {
          control::DeviceActorReport reported;
          if (device->report(node->proxy->path(), reported)) *reply.mutable_device() = reported;
        }
      }
    });
    if (!found) break;
    responder.reply(std::move(response));
    return;
  }
  fail_not_found(responder, "actor", request.path());
}

// ---- restart, stop, start -----------------------------------------------------------------

void ControlService::supervise(const control::SupervisionRequest& request, control::Responder responder) {
  Daemon::RunningTree* running = nullptr;
  for (Daemon::RunningTree& each : daemon_.trees_) {
    if (in_subtree(request.path(), each.root)) running = &each;
  }
  const auto action = request.action();
  if (action != control::SUPERVISION_ACTION_RESTART && action != control::SUPERVISION_ACTION_STOP &&
      action != control::SUPERVISION_ACTION_START) {
    responder.fail(control::STATUS_INVALID_ARGUMENT, "the action must be restart, stop or start");
    return;
  }
  if (running == nullptr) {
    fail_not_found(responder, "actor", request.path());
    return;
  }
  // The first step on the tree's loop: stop the child (restart, stop) or
  // start it (start). A stop may have to wait for a subtree's shutdown.
  struct Work {
    control::SupervisionRequest request;
    control::Responder responder;
    Daemon::RunningTree* running;
    std::chrono::steady_clock::time_point began = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point deadline;
    std::vector<std::string> affected;
    bool stopped = false;
    bool started = false;
  };
  auto work = std::make_shared<Work>();
  work->request = request;
  work->responder = std::move(responder);
  work->running = running;
  work->deadline = work->began + std::chrono::milliseconds(request.timeout_ms() != 0 ? request.timeout_ms() : 30'000);

  // One step; returns true when the work is finished (replied).
  auto step = [this, work]() -> bool {
    Status status = control::STATUS_OK;
    std::string message;
    std::uint32_t incarnation = 0;
    bool done = false;
    const std::string& path = work->request.path();
    daemon_.loops_->call_sync(work->running->loop, [&] {
      Tree::Node* node = work->running->tree->find(path);
      if (node == nullptr) {
        status = control::STATUS_NOT_FOUND;
        message = "no actor " + path;
        done = true;
        return;
      }
      if (node->parent == nullptr) {
        status = control::STATUS_FAILED_PRECONDITION;
        message = path + " is a tree's root: change the config and reload (SIGHUP), or restart litd";
        done = true;
        return;
      }
      Supervisor& parent = *node->parent->supervisor;
      const char* id = node->config.name.c_str();
      const auto action = work->request.action();
      const auto note_affected = [&] {
        if (!work->affected.empty()) return;
        for (const auto& each : work->running->tree->nodes()) {
          if (in_subtree(each->config.path, path)) work->affected.push_back(each->config.path);
        }
      };
      if (work->started) {
        // A device actor: done once its proxy is attached to the device's new
        // incarnation (or at once while the link is down: it attaches later).
        const bool link_ready = node->proxy->node() != nullptr && node->proxy->node()->ready();
        if (link_ready && node->core().alive() && node->proxy->link() != link::RemoteActor::Link::attached) return;
        incarnation = node->proxy->device_incarnation();
        done = true;
        return;
      }
      if (!work->stopped && action != control::SUPERVISION_ACTION_START) {
        const SupervisorError result = parent.terminate_child(id);
        if (result == SupervisorError::pending || result == SupervisorError::busy) return;  // later
        if (result != SupervisorError::ok) {
          status = control::STATUS_FAILED_PRECONDITION;
          message = path + ": " + to_string(result);
          done = true;
          return;
        }
        work->stopped = true;
        note_affected();
        if (action == control::SUPERVISION_ACTION_STOP) {
          done = true;
          return;
        }
      }
      const SupervisorError result = parent.restart_child(id);
      if (result == SupervisorError::busy) return;  // later
      if (result == SupervisorError::running && action == control::SUPERVISION_ACTION_START) {
        status = control::STATUS_FAILED_PRECONDITION;
        message = path + " is already running";
        done = true;
        return;
      }
      if (result != SupervisorError::ok) {
        status = control::STATUS_FAILED_PRECONDITION;
        message = path + ": " + to_string(result);
        done = true;
        return;
      }
      note_affected();
      if (node->proxy != nullptr) {
        work->started = true;  // the next steps wait for the device's reply
        return;
      }
      incarnation = node->core().incarnation();
      done = true;
    });
    if (!done && std::chrono::steady_clock::now() > work->deadline) {
      status = control::STATUS_UNAVAILABLE;
      message = path + ": still shutting down after " + std::to_string(work->request.timeout_ms()) + " ms";
      done = true;
    }
    if (!done) return false;
    if (status != control::STATUS_OK) {
      work->responder.fail(status, message);
      return true;
    }
    Response response = ok();
    control::SupervisionReply& reply = *response.mutable_supervision();
    reply.set_path(path);
    reply.set_action(work->request.action());
    reply.set_completed(true);
    reply.set_incarnation(incarnation);
    for (const std::string& line : work->affected) reply.add_affected(line);
    reply.set_elapsed_ms(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - work->began).count()));
    logger("control")->info("{} {}: {}",
                            control::SupervisionAction_Name(work->request.action()),
                            path,
                            reply.affected_size() > 0 ? "done" : "nothing to do");
    work->responder.reply(std::move(response));
    return true;
  };
  if (step()) return;
  // Not finished: poll on a main-loop timer until it is (or times out).
  struct TimerWork {
    std::function<bool()> step;
    uv_timer_t timer{};
  };
  auto* timer_work = new TimerWork{step, {}};
  uv_timer_init(main_loop_, &timer_work->timer);
  timer_work->timer.data = timer_work;
  uv_timer_start(
      &timer_work->timer,
      [](uv_timer_t* handle) {
        auto* self = static_cast<TimerWork*>(handle->data);
        if (!self->step()) return;
        uv_timer_stop(handle);
        uv_close(reinterpret_cast<uv_handle_t*>(handle),
                 [](uv_handle_t* closed) { delete static_cast<TimerWork*>(closed->data); });
      },
      kPoll.count(),
      kPoll.count());
}

// ---- send -----------------------------------------------------------------------------------

void ControlService::send(const control::SendRequest& request, control::Responder& responder) {
  for (Daemon::RunningTree& running : daemon_.trees_) {
    if (!in_subtree(request.path(), running.root)) continue;
    Status status = control::STATUS_OK;
    std::string message;
    Response response = ok();
    bool found = false;
    daemon_.loops_->call_sync(running.loop, [&] {
      Tree::Node* node = running.tree->find(request.path());
      if (node == nullptr) return;
      found = true;
      ActorCore& core = node->core();
      Scheduler& scheduler = daemon_.loops_->scheduler(running.loop);
      if (node->proxy != nullptr) {
        // A device actor: the event by the id its chart (known to litd by name) gives it.
        const chart::Table* table = device_chart_of(*node);
        const chart::EventId event = table != nullptr ? table->find_event(request.event()) : chart::kNone;
        if (event == chart::kNone) {
          status = control::STATUS_INVALID_ARGUMENT;
          message = table == nullptr
                        ? request.path() + ": litd does not know its chart (set `type` to a device chart " +
                              "litd knows, or wait for the device's handshake)"
                        : "chart " + std::string(table->name) + " has no event '" + request.event() + "'";
          return;
        }
        link::RemotePayload payload{};
        const auto& fields = request.data().fields();
        if (const auto value = fields.find("value"); value != fields.end()) {
          const auto number = static_cast<std::int32_t>(value->second.number_value());
          const auto raw = static_cast<std::uint32_t>(number);
          for (std::size_t i = 0; i < 4; ++i) payload.bytes[i] = static_cast<std::uint8_t>(raw >> (8U * i));
          payload.size = 4;
        }
        const SendResult sent = scheduler.send(node->proxy->address(), event, payload);
        if (sent != SendResult::ok) {
          status = control::STATUS_UNAVAILABLE;
          message = request.path() + ": " + send_failure(sent);
          return;
        }
      } else {
        const chart::Table* table = core.type().table;
        const chart::EventId event = table != nullptr ? table->find_event(request.event()) : chart::kNone;
        if (table == nullptr || event == chart::kNone) {
          status = control::STATUS_INVALID_ARGUMENT;
          message = request.path() + " takes no event '" + request.event() + "'";
          return;
        }
        if (!core.alive()) {
          status = control::STATUS_FAILED_PRECONDITION;
          message = request.path() + " is not running";
          return;
        }
        const SendResult sent = core.type().push_event(core, event);
        if (sent != SendResult::ok) {
          status = control::STATUS_UNAVAILABLE;
          message = request.path() + ": " + send_failure(sent);
          return;
        }
        scheduler.make_ready(core);
      }
      response.mutable_send()->set_incarnation(node->proxy != nullptr ? node->proxy->device_incarnation()
                                                                      : core.incarnation());
      if (core.has_mailbox()) response.mutable_send()->set_mailbox_depth(core.queued());
    });
    if (!found) break;
    if (status != control::STATUS_OK) {
      responder.fail(status, message);
    } else {
      responder.reply(std::move(response));
    }
    return;
  }
  fail_not_found(responder, "actor", request.path());
}

// ---- devices ---------------------------------------------------------------------------------

void ControlService::devices(const control::DevicesRequest& request, control::Responder& responder) {
  Response response = ok();
  bool found = request.name().empty();
  for (Daemon::RunningDevice& device : daemon_.devices_) {
    if (!request.name().empty() && device.name != request.name()) continue;
    found = true;
    daemon_.loops_->call_sync(device.loop, [&] { device.host->describe(*response.mutable_devices()->add_devices()); });
  }
  if (!found) {
    fail_not_found(responder, "device", request.name());
    return;
  }
  response.mutable_devices();
  responder.reply(std::move(response));
}

void ControlService::device_link(const control::DeviceLinkRequest& request, control::Responder responder) {
  Daemon::RunningDevice* device = daemon_.find_device(request.device());
  if (device == nullptr) {
    fail_not_found(responder, "device", request.device());
    return;
  }
  if (request.action() == control::DEVICE_LINK_ACTION_RELEASE) {
    Response response = ok();
    daemon_.loops_->call_sync(device->loop, [&] {
      device->host->release();
      device->host->describe(*response.mutable_device_link()->mutable_device());
    });
    logger("control")->info("{}: link released on request", device->name);
    responder.reply(std::move(response));
    return;
  }
  if (request.action() != control::DEVICE_LINK_ACTION_RESUME) {
    responder.fail(control::STATUS_INVALID_ARGUMENT, "the action must be release or resume");
    return;
  }
  std::uint32_t handshakes = 0;
  daemon_.loops_->call_sync(device->loop, [&] {
    handshakes = device->host->node().counters().handshakes;
    device->host->resume();
  });
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(request.timeout_ms() != 0 ? request.timeout_ms() : 10'000);
  struct Wait {
    ControlService* service;
    Daemon::RunningDevice* device;
    control::Responder responder;
    std::uint32_t handshakes;
    std::chrono::steady_clock::time_point deadline;
    uv_timer_t timer{};
  };
  auto* wait = new Wait{this, device, std::move(responder), handshakes, deadline, {}};
  uv_timer_init(main_loop_, &wait->timer);
  wait->timer.data = wait;
  uv_timer_start(
      &wait->timer,
      [](uv_timer_t* handle) {
        auto* self = static_cast<Wait*>(handle->data);
        Response response = ok();
        bool up = false;
        self->service->daemon_.loops_->call_sync(self->device->loop, [&] {
          up = self->device->host->node().counters().handshakes != self->handshakes && self->device->host->link_up();
          if (up) self->device->host->describe(*response.mutable_device_link()->mutable_device());
        });
        if (up) {
          self->responder.reply(std::move(response));
        } else if (std::chrono::steady_clock::now() > self->deadline) {
          self->responder.fail(control::STATUS_UNAVAILABLE,
                               self->device->name + ": no handshake since the link was resumed");
        } else {
          return;
        }
        uv_timer_stop(handle);
        uv_close(reinterpret_cast<uv_handle_t*>(handle),
                 [](uv_handle_t* closed) { delete static_cast<Wait*>(closed->data); });
      },
      kPoll.count(),
      kPoll.count());
}

// ---- charts ------------------------------------------------------------------------------------

void ControlService::chart(const control::ChartRequest& request, control::Responder& responder) {
  for (Daemon::RunningTree& running : daemon_.trees_) {
    if (!in_subtree(request.path(), running.root)) continue;
    Response response = ok();
    bool found = false;
    std::string error;
    daemon_.loops_->call_sync(running.loop, [&] {
      const Tree::Node* node = running.tree->find(request.path());
      if (node == nullptr) return;
      found = true;
      const chart::Table* table = node->proxy != nullptr ? device_chart_of(*node) : node->core().type().table;
      if (table == nullptr) {
        error = node->supervisor ? request.path() + " is a supervisor: it has no chart"
                                 : request.path() + ": litd does not know its chart";
        return;
      }
      control::ChartReply& reply = *response.mutable_chart();
      reply.set_name(std::string(table->name));
      reply.set_hash(table->structural_hash);
      for (std::uint16_t i = 0; i < table->state_count; ++i) {
        const chart::StateRow& row = table->states[i];
        control::ChartState& state = *reply.add_states();
        state.set_name(std::string(row.name));
        state.set_kind(state_kind(row.kind));
        state.set_parent(row.parent == chart::kRoot ? -1 : static_cast<int>(row.parent));
        state.set_initial(-1);
        if (row.initial != chart::kNone && row.kind == chart::StateKind::compound) {
          const chart::TransitionRow& initial = table->transitions[row.initial];
          if (initial.target_count > 0) state.set_initial(table->targets[initial.targets_begin]);
        }
        for (std::uint16_t j = 0; j < table->state_count; ++j) {
          if (table->states[j].parent == i) state.add_children(j);
        }
      }
      for (std::uint16_t t = 0; t < table->transition_count; ++t) {
        const chart::TransitionRow& row = table->transitions[t];
        if (row.source == chart::kRoot) continue;
        bool is_initial = false;
        for (std::uint16_t i = 0; i < table->state_count; ++i) is_initial = is_initial || table->states[i].initial == t;
        if (is_initial) continue;
        control::ChartTransition& out = *reply.add_transitions();
        out.set_source(row.source);
        out.set_internal((row.flags & chart::transition_flag::internal) != 0);
        for (std::uint16_t d = 0; d < row.descriptor_count; ++d) {
          const chart::EventId event = table->descriptors[row.descriptors_begin + d];
          const chart::EventRow& event_row = table->events[event];
          if (event_row.kind == chart::EventKind::timer) {
            for (std::uint16_t k = 0; k < table->timer_count; ++k) {
              if (table->timers[k].event == event) out.set_after_ms(table->timers[k].delay_ms);
            }
          } else {
            out.set_event(out.event().empty() ? std::string(event_row.name)
                                              : out.event() + " " + std::string(event_row.name));
          }
        }
        for (std::uint16_t k = 0; k < row.target_count; ++k) out.add_targets(table->targets[row.targets_begin + k]);
        if (row.guard != nullptr) out.set_guard("guard");
      }
      chart::StateSet active = node->actor ? node->core().configuration() : 0;
      if (const DeviceHost* device = device_of(*node)) active = device->configuration(node->proxy->path(), nullptr);
      for (std::uint16_t i = 0; i < table->state_count; ++i) {
        if ((active & chart::bit(static_cast<chart::StateIndex>(i))) != 0) reply.add_active(i);
      }
    });
    if (!found) break;
    if (!error.empty()) {
      responder.fail(control::STATUS_FAILED_PRECONDITION, error);
    } else {
      responder.reply(std::move(response));
    }
    return;
  }
  fail_not_found(responder, "actor", request.path());
}

// ---- streams -------------------------------------------------------------------------------

void ControlService::open_stream(const control::Request& request,
                                 const control::Caller& caller,
                                 control::Stream stream) {
  static_cast<void>(caller);
  if (request.has_top()) {
    auto top = std::make_unique<TopStream>();
    top->stream = stream;
    top->request = request.top();
    top->timer = new uv_timer_t;
    uv_timer_init(main_loop_, top->timer);
    top->timer->data = top.get();
    TopStream* raw = top.get();
    tops_.push_back(std::move(top));
    send_top(*raw);
    const std::uint64_t interval = raw->request.interval_ms() != 0 ? raw->request.interval_ms() : 1000;
    raw->timer->data = new std::pair<ControlService*, TopStream*>(this, raw);
    uv_timer_start(
        raw->timer,
        [](uv_timer_t* handle) {
          auto* context = static_cast<std::pair<ControlService*, TopStream*>*>(handle->data);
          context->first->send_top(*context->second);
        },
        interval,
        interval);
    stream.on_close([this, raw] {
      for (auto it = tops_.begin(); it != tops_.end(); ++it) {
        if (it->get() != raw) continue;
        uv_timer_stop(raw->timer);
        delete static_cast<std::pair<ControlService*, TopStream*>*>(raw->timer->data);
        uv_close(reinterpret_cast<uv_handle_t*>(raw->timer),
                 [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
        raw->timer = nullptr;
        tops_.erase(it);
        return;
      }
    });
    return;
  }
  if (request.has_logs()) {
    const control::LogsRequest& logs = request.logs();
    for (const control::LogRecord& record : hub_.backlog(logs.backlog() != 0 ? logs.backlog() : 100)) {
      if (!logs.device().empty() && record.device() != logs.device()) continue;
      if (logs.min_level() != control::LOG_LEVEL_UNSPECIFIED && record.level() < logs.min_level()) continue;
      Response item = ok();
      item.set_more(true);
      *item.mutable_log_record() = record;
      stream.push(std::move(item));
    }
    if (!logs.follow()) {
      stream.end();
      return;
    }
  } else if (!request.has_trace()) {
    stream.end(control::STATUS_INVALID_ARGUMENT, "not a stream request");
    return;
  }
  subscribers_.push_back(Subscriber{stream, request});
  auto position = std::prev(subscribers_.end());
  stream.on_close([this, position] {
    subscribers_.erase(position);
    bool any_trace = false;
    for (const Subscriber& subscriber : subscribers_) any_trace = any_trace || subscriber.request.has_trace();
    if (!any_trace) set_tracing(false);
  });
  if (request.has_trace()) set_tracing(true);
}

void ControlService::set_tracing(bool on) {
  if (tracing_ == on) return;
  tracing_ = on;
  for (Daemon::RunningTree& running : daemon_.trees_) {
    daemon_.loops_->call_sync(running.loop, [&] {
      Scheduler& scheduler = daemon_.loops_->scheduler(running.loop);
      for (const auto& node : running.tree->nodes()) {
        if (node->actor && node->core().alive()) scheduler.set_tracing(node->core(), on);
      }
      daemon_.monitors_[running.loop]->set_tracing(on);
    });
  }
}

void ControlService::deliver(const Response& item) {
  for (Subscriber& subscriber : subscribers_) {
    if (item.has_trace_event() && subscriber.request.has_trace()) {
      const control::TraceRequest& trace = subscriber.request.trace();
      if (trace.failures_only() && item.trace_event().kind() != control::TRACE_KIND_FAILURE) continue;
      bool wanted = trace.paths_size() == 0;
      for (const std::string& path : trace.paths()) wanted = wanted || in_subtree(item.trace_event().path(), path);
      if (!wanted) continue;
    } else if (item.has_log_record() && subscriber.request.has_logs()) {
      const control::LogsRequest& logs = subscriber.request.logs();
      if (!logs.device().empty() && item.log_record().device() != logs.device()) continue;
      if (logs.min_level() != control::LOG_LEVEL_UNSPECIFIED && item.log_record().level() < logs.min_level()) continue;
    } else {
      continue;
    }
    Response copy = item;
    copy.set_status(control::STATUS_OK);
    copy.set_more(true);
    subscriber.stream.push(std::move(copy));
  }
}

void ControlService::send_top(TopStream& top) {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = top.last_at == std::chrono::steady_clock::time_point{}
                             ? 0
                             : std::chrono::duration<double>(now - top.last_at).count();
  Response item = ok();
  item.set_more(true);
  control::TopSnapshot& snapshot = *item.mutable_top();
  snapshot.set_time_unix_ms(unix_time_us() / 1000);
  std::vector<std::pair<std::string, std::uint64_t>> counts;
  for (Daemon::RunningTree& running : daemon_.trees_) {
    daemon_.loops_->call_sync(running.loop, [&] {
      const LoopMonitor& monitor = *daemon_.monitors_[running.loop];
      for (const auto& node : running.tree->nodes()) {
        if (node->supervisor) continue;
        const LoopMonitor::ActorStats* stats = monitor.find(node->core());
        const std::uint64_t messages =
            node->proxy != nullptr ? node->proxy->messages_forwarded() : (stats != nullptr ? stats->messages : 0);
        counts.emplace_back(node->config.path, messages);
        control::ActorLoad& load = *snapshot.add_actors();
        load.set_path(node->config.path);
        const ActorCore& core = node->core();
        if (core.has_mailbox()) {
          load.set_mailbox_depth(core.queued());
          load.set_dropped(core.overflow_count());
        }
        load.set_mailbox_capacity(core.mailbox_capacity());
        if (stats != nullptr) load.set_restarts(stats->starts > 1 ? stats->starts - 1 : 0);
        for (const auto& [path, before] : top.last) {
          if (path == node->config.path && seconds > 0) {
            load.set_messages_per_second(static_cast<double>(messages - std::min(messages, before)) / seconds);
          }
        }
      }
    });
  }
  top.last = std::move(counts);
  top.last_at = now;
  auto& actors = *snapshot.mutable_actors();
  std::stable_sort(actors.begin(), actors.end(), [](const control::ActorLoad& a, const control::ActorLoad& b) {
    return a.messages_per_second() > b.messages_per_second();
  });
  if (top.request.limit() != 0 && static_cast<std::uint32_t>(actors.size()) > top.request.limit()) {
    actors.DeleteSubrange(static_cast<int>(top.request.limit()), actors.size() - static_cast<int>(top.request.limit()));
  }
  for (Daemon::RunningDevice& device : daemon_.devices_) {
    control::DeviceHealth& health = *snapshot.add_devices();
    health.set_name(device.name);
    daemon_.loops_->call_sync(device.loop, [&] {
      const link::RemoteNode& node = device.host->node();
      health.set_link_state(static_cast<control::LinkState>(device.host->link_state()));
      health.set_rtt_us(static_cast<std::uint32_t>(node.session_counters().srtt * 1000));
      const link::FrameErrors& errors = node.frame_errors();
      health.set_errors(std::uint64_t{errors.body_crc} + errors.header_check + errors.cobs + errors.too_long +
                        errors.too_short + errors.length_mismatch);
      health.set_retransmissions(node.session_counters().retransmissions);
    });
  }
  top.stream.push(std::move(item));
}

}  // namespace lit::daemon

// Trees from the config: nodes created in file order (a parent before its
// children), the root started by the scheduler, reloads reconciled child by
// child through the supervisors' OTP administration calls.
#include "litd/tree.hpp"

#include <algorithm>

namespace lit::daemon {
namespace {

bool same_params(const std::vector<Param>& a, const std::vector<Param>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const ParamValue& x = a[i].value;
    const ParamValue& y = b[i].value;
    if (a[i].name != b[i].name || x.kind != y.kind || x.boolean != y.boolean || x.integer != y.integer ||
        x.real != y.real || x.string != y.string || x.duration_ms != y.duration_ms) {
      return false;
    }
  }
  return true;
}

std::size_t children_of(const Config& config, std::string_view path) {
  return static_cast<std::size_t>(std::count_if(
      config.actors.begin(), config.actors.end(), [&](const ActorConfig& entry) { return entry.parent == path; }));
}

bool same_intensity(Intensity a, Intensity b) { return a.max_restarts == b.max_restarts && a.period_ms == b.period_ms; }

}  // namespace

bool in_subtree(std::string_view path, std::string_view root) {
  return root.empty() || path == root ||
         (path.size() > root.size() && path.starts_with(root) && path[root.size()] == '/');
}

std::string_view root_of(std::string_view path) { return path.substr(0, path.find('/')); }

bool same_actor(const ActorConfig& a, const ActorConfig& b) {
  const SupervisorSettings& x = a.supervisor;
  const SupervisorSettings& y = b.supervisor;
  return a.path == b.path && a.type == b.type && a.restart == b.restart && a.shutdown.kind == b.shutdown.kind &&
         a.shutdown.timeout_ms == b.shutdown.timeout_ms && a.significant == b.significant && a.device == b.device &&
         a.remote == b.remote && same_params(a.params, b.params) && a.loop == b.loop &&
         (!a.is_supervisor() ||
          (x.strategy == y.strategy && same_intensity(x.intensity, y.intensity) &&
           same_intensity(x.link_intensity, y.link_intensity) && x.auto_shutdown == y.auto_shutdown &&
           x.backoff.min_ms == y.backoff.min_ms && x.backoff.max_ms == y.backoff.max_ms &&
           x.backoff.jitter_percent == y.backoff.jitter_percent));
}

ActorCore& Tree::Node::core() {
  if (supervisor) return *supervisor;
  if (actor) return actor->core();
  return *proxy;
}

ChildSpec Tree::Node::spec() {
  return ChildSpec{.id = config.name.c_str(),
                   .actor = &core(),
                   .restart = config.restart,
                   .shutdown = config.shutdown,
                   .type = supervisor ? ChildType::supervisor : ChildType::worker,
                   .significant = config.significant};
}

Tree::~Tree() = default;

std::unique_ptr<Tree> Tree::build(const Config& config,
                                  std::string_view root,
                                  const ActorTypeRegistry& types,
                                  DeviceDirectory& devices,
                                  std::string& error) {
  std::unique_ptr<Tree> tree(new Tree());
  for (const ActorConfig& entry : config.actors) {
    if (!in_subtree(entry.path, root)) continue;
    Node* parent = entry.parent.empty() ? nullptr : tree->find(entry.parent);
    if (!entry.parent.empty() && parent == nullptr) {
      error = entry.path + ": its parent " + entry.parent + " is not in the tree";
      return nullptr;
    }
    if (!tree->add_node(entry, children_of(config, entry.path), parent, types, devices, error)) return nullptr;
  }
  if (tree->nodes_.empty() || !tree->root().supervisor) {
    error = std::string(root) + ": a tree's root must be a supervisor";
    return nullptr;
  }
  return tree;
}

bool Tree::add_node(const ActorConfig& config,
                    std::size_t child_count,
                    Node* parent,
                    const ActorTypeRegistry& types,
                    DeviceDirectory& devices,
                    std::string& error) {
  auto node = std::make_unique<Node>();
  node->config = config;
  node->parent = parent;
  if (config.is_supervisor()) {
    const SupervisorSettings& settings = config.supervisor;
    if (settings.strategy == Strategy::simple_one_for_one) {
      error = config.path + ": simple_one_for_one supervisors are not configurable in litd yet";
      return false;
    }
    // A supervisor's records are fixed at construction: room for the
    // configured children and for what reloads may add.
    node->children.resize(child_count + kSpareChildren);
    node->restart_stamps.resize(std::max<std::size_t>(1, RestartIntensity::stamps_needed(settings.intensity)));
    node->link_restart_stamps.resize(
        std::max<std::size_t>(1, RestartIntensity::stamps_needed(settings.link_intensity)));
    node->supervisor = std::make_unique<Supervisor>(SupervisorFlags{.strategy = settings.strategy,
                                                                    .intensity = settings.intensity,
                                                                    .link_intensity = settings.link_intensity,
                                                                    .auto_shutdown = settings.auto_shutdown,
                                                                    .backoff = settings.backoff},
                                                    std::span<Child>(node->children),
                                                    std::span<RestartIntensity::Stamp>(node->restart_stamps),
                                                    std::span<RestartIntensity::Stamp>(node->link_restart_stamps));
  } else if (config.is_device_actor()) {
    node->proxy = devices.declare(config.device, config.remote.empty() ? config.name : config.remote, error);
    if (node->proxy == nullptr) return false;
  } else {
    const HostActorType* type = types.type(config.type);
    if (type == nullptr) {
      error = config.path + ": unknown actor type '" + config.type + "'";
      return false;
    }
    node->actor = type->create(config);
    if (!node->actor) {
      error = config.path + ": the " + config.type + " type could not create it";
      return false;
    }
  }
  if (parent != nullptr && !parent->supervisor) {
    error = config.path + ": its parent " + parent->config.path + " is not a supervisor";
    return false;
  }
  // In the tree before it starts, so observers of its start can find it.
  Node& added = *nodes_.emplace_back(std::move(node));
  if (parent == nullptr) return true;
  // Before the tree starts the spec joins the static children; on a running
  // supervisor it is started at once (a reload).
  const SupervisorError result = parent->core().alive() ? parent->supervisor->start_child(added.spec())
                                                        : parent->supervisor->add_child(added.spec());
  if (result != SupervisorError::ok) {
    error = config.path + ": " + parent->config.path + " refused it: " + to_string(result);
    nodes_.pop_back();
    return false;
  }
  return true;
}

bool Tree::start(Scheduler& scheduler, std::string& error) {
  scheduler_ = &scheduler;
  Reason failure;
  if (!scheduler.start(root().core(), nullptr, failure)) {
    error = path() + " failed to start: " + failure.text;
    return false;
  }
  return true;
}

void Tree::request_shutdown() {
  ActorCore& core = root().core();
  if (scheduler_ == nullptr || !core.alive()) return;
  if (core.type().request_shutdown == nullptr || !core.type().request_shutdown(core, *scheduler_)) {
    scheduler_->stop(core, Reason::shutdown());
  }
}

Tree::Node* Tree::find(std::string_view path) {
  for (const auto& node : nodes_) {
    if (node->config.path == path) return node.get();
  }
  return nullptr;
}

void Tree::remove_node(Node& node) {
  // Its subtree goes with it (terminating a supervisor stopped it whole).
  const std::string prefix = node.config.path;
  std::erase_if(nodes_, [&](const std::unique_ptr<Node>& each) {
    return each.get() != nodes_.front().get() && in_subtree(each->config.path, prefix);
  });
}

Tree::Progress Tree::reconcile(const Config& config,
                               const ActorTypeRegistry& types,
                               DeviceDirectory& devices,
                               std::vector<std::string>& changes,
                               std::string& error) {
  // Removals, last started first; a node whose parent goes too leaves with it.
  for (std::size_t i = nodes_.size(); i-- > 1;) {
    Node& node = *nodes_[i];
    const ActorConfig* wanted = config.find_actor(node.config.path);
    if (wanted != nullptr && same_actor(*wanted, node.config)) continue;
    const ActorConfig* parent_wanted = config.find_actor(node.config.parent);
    if (node.parent != nullptr && node.parent != &root() &&
        (parent_wanted == nullptr || !same_actor(*parent_wanted, node.parent->config))) {
      continue;  // its parent is removed or replaced, and takes it along
    }
    Supervisor& parent = *node.parent->supervisor;
    // A child that takes time to shut down (a supervisor, a chart with a
    // shutdown event) answers pending, then busy until it has stopped.
    const SupervisorError stopped = parent.terminate_child(node.config.name.c_str());
    if (stopped == SupervisorError::pending || stopped == SupervisorError::busy) return Progress::waiting;
    if (stopped != SupervisorError::ok && stopped != SupervisorError::not_found) {
      error = node.config.path + ": could not stop it: " + to_string(stopped);
      return Progress::failed;
    }
    const SupervisorError deleted = parent.delete_child(node.config.name.c_str());
    if (deleted == SupervisorError::busy) return Progress::waiting;
    if (deleted != SupervisorError::ok) {
      error = node.config.path + ": could not remove it: " + to_string(deleted);
      return Progress::failed;
    }
    changes.push_back((wanted == nullptr ? "stopped and removed " : "stopped (changed) ") + node.config.path);
    remove_node(node);
    i = std::min(i, nodes_.size());
  }
  // Additions in file order, which puts parents first.
  for (const ActorConfig& entry : config.actors) {
    if (!in_subtree(entry.path, path()) || find(entry.path) != nullptr) continue;
    Node* parent = find(entry.parent);
    if (parent == nullptr) {
      error = entry.path + ": its parent " + entry.parent + " is not running";
      return Progress::failed;
    }
    if (!add_node(entry, children_of(config, entry.path), parent, types, devices, error)) return Progress::failed;
    changes.push_back("started " + entry.path);
  }
  return Progress::done;
}

}  // namespace lit::daemon

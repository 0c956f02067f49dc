// One configured supervision tree: a root supervisor and everything under it,
// created from the config's `[[actor]]` entries and run on one loop's
// scheduler. Every call, construction included, happens on that loop. Host
// actors and supervisors are owned here; device actors are proxies owned by
// their device's RemoteNode (DeviceHost), which lives on the same loop.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "lit/link/remote.hpp"
#include "lit/supervisor.hpp"
#include "litd/actor_types.hpp"

namespace lit::daemon {

// Finds the proxy of a device actor; the daemon's devices answer.
class DeviceDirectory {
 public:
  // Null, with `error`, if the device is unknown or has no room for the proxy.
  virtual link::RemoteActor* declare(std::string_view device, std::string_view remote_path, std::string& error) = 0;

 protected:
  DeviceDirectory() = default;
  DeviceDirectory(const DeviceDirectory&) = default;
  DeviceDirectory& operator=(const DeviceDirectory&) = default;
  ~DeviceDirectory() = default;
};

class Tree {
 public:
  // One configured actor: exactly one of supervisor, host actor, proxy.
  struct Node {
    ActorConfig config;
    Node* parent = nullptr;
    std::unique_ptr<Supervisor> supervisor;
    std::vector<Child> children;
    std::vector<RestartIntensity::Stamp> restart_stamps;
    std::vector<RestartIntensity::Stamp> link_restart_stamps;
    std::unique_ptr<HostActor> actor;
    link::RemoteActor* proxy = nullptr;

    ActorCore& core();
    const ActorCore& core() const { return const_cast<Node*>(this)->core(); }
    // The child spec its parent holds (id: the node's name).
    ChildSpec spec();
  };

  // Children a supervisor can gain by reloads beyond those it starts with.
  static constexpr std::size_t kSpareChildren = 16;

  // Creates every actor of the tree rooted at `root` (stopped). Null, with
  // `error`, if an actor cannot be created.
  static std::unique_ptr<Tree> build(const Config& config,
                                     std::string_view root,
                                     const ActorTypeRegistry& types,
                                     DeviceDirectory& devices,
                                     std::string& error);
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;
  ~Tree();

  // Starts the root; its supervisors start their children in file order.
  bool start(Scheduler& scheduler, std::string& error);
  // Asks the root to shut down: children stop in reverse start order within
  // their shutdown budgets; done once stopped() holds.
  void request_shutdown();
  bool stopped() const { return !root().core().alive(); }

  // Reconciles with a newer config of the same root: stops and removes the
  // children no longer in it (reverse order), then adds and starts new ones
  // (file order). A changed entry is replaced (removed, then added). Appends
  // what it did to `changes`, one line each. `waiting`: a child is still
  // shutting down; call again later (what is done stays done). `failed`:
  // see `error`.
  enum class Progress : std::uint8_t { done, waiting, failed };
  Progress reconcile(const Config& config,
                     const ActorTypeRegistry& types,
                     DeviceDirectory& devices,
                     std::vector<std::string>& changes,
                     std::string& error);

  Node& root() { return *nodes_.front(); }
  const Node& root() const { return *nodes_.front(); }
  const std::string& path() const { return nodes_.front()->config.path; }
  Node* find(std::string_view path);
  // Every node, parents before children, siblings in file order.
  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  Scheduler* scheduler() const { return scheduler_; }

 private:
  Tree() = default;
  // Creates one node (stopped) under `parent` (null for the root).
  bool add_node(const ActorConfig& config,
                std::size_t child_count,
                Node* parent,
                const ActorTypeRegistry& types,
                DeviceDirectory& devices,
                std::string& error);
  void remove_node(Node& node);

  std::vector<std::unique_ptr<Node>> nodes_;
  Scheduler* scheduler_ = nullptr;
};

// True when `path` is `root` or lies below it ("gw/cell/x" is in "gw/cell");
// an empty root holds every path.
bool in_subtree(std::string_view path, std::string_view root);
// The root of the tree a path belongs to: its first segment.
std::string_view root_of(std::string_view path);

// True when two entries configure the same actor the same way (a reload keeps it).
bool same_actor(const ActorConfig& a, const ActorConfig& b);

}  // namespace lit::daemon

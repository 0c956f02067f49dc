// Trees built from config entries, on the simulated port: start order, ordered
// shutdown, reconciliation on reload, device actors as proxies.
#include "litd/tree.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "sim/sim_port.hpp"

namespace {

using lit::daemon::ActorConfig;
using lit::daemon::Config;
using lit::daemon::Tree;

struct Loop {
  Loop() : scheduler(port, {.watches = watches, .delayed_sends = delayed}) { port.attach(scheduler); }
  lit::sim::SimPort port{1};
  std::array<lit::Watch, 64> watches{};
  std::array<lit::DelayedSend, 64> delayed{};
  lit::Scheduler scheduler;
};

// Start and exit order by actor, named through the tree.
struct Journal final : lit::Observer {
  Tree* tree = nullptr;
  std::vector<std::string> lines;
  std::string name_of(const lit::ActorCore& actor) const {
    for (const auto& node : tree->nodes()) {
      if (&node->core() == &actor) return node->config.path;
    }
    return "?";
  }
  void on_started(const lit::ActorCore& actor) override { lines.push_back("start " + name_of(actor)); }
  void on_exited(const lit::ActorCore& actor, std::uint32_t, lit::Reason reason) override {
    lines.push_back("exit " + name_of(actor) + " " + lit::to_string(reason.kind));
  }
};

// Device actors: proxies of one RemoteNode whose bytes go nowhere.
struct Devices final : lit::daemon::DeviceDirectory {
  explicit Devices(lit::Scheduler& scheduler)
      : node(scheduler, lit::link::ByteSink{nullptr, [](void*, std::span<const std::uint8_t>) {}}, {}) {}
  lit::link::RemoteActor* declare(std::string_view device, std::string_view path, std::string& error) override {
    if (device != "board0") {
      error = "no device named " + std::string(device);
      return nullptr;
    }
    return node.declare(path);
  }
  lit::link::RemoteNode node;
};

ActorConfig entry(const std::string& path, std::string type) {
  ActorConfig actor;
  actor.path = path;
  const auto slash = path.rfind('/');
  actor.name = slash == std::string::npos ? path : path.substr(slash + 1);
  actor.parent = slash == std::string::npos ? "" : path.substr(0, slash);
  actor.type = std::move(type);
  actor.shutdown = lit::Shutdown::timeout(100);
  return actor;
}

Config gateway() {
  Config config;
  config.actors.push_back(entry("gw", "supervisor"));
  config.actors.back().supervisor.intensity = {.max_restarts = 3, .period_ms = 1000};
  config.actors.push_back(entry("gw/first", "worker"));
  config.actors.push_back(entry("gw/cell", "supervisor"));
  config.actors.back().supervisor.strategy = lit::Strategy::one_for_all;
  config.actors.push_back(entry("gw/cell/tick", "ticker"));
  config.actors.push_back(entry("gw/cell/blinky", ""));
  config.actors.back().device = "board0";
  config.actors.push_back(entry("gw/last", "worker"));
  return config;
}

struct Fixture : testing::Test {
  Loop loop;
  lit::daemon::ActorTypeRegistry types;
  Devices devices{loop.scheduler};
  Journal journal;
  std::unique_ptr<Tree> tree;

  void build(const Config& config) {
    std::string error;
    tree = Tree::build(config, "gw", types, devices, error);
    ASSERT_NE(tree, nullptr) << error;
    journal.tree = tree.get();
    loop.scheduler.set_observer(&journal);
  }
  void start(const Config& config) {
    build(config);
    std::string error;
    ASSERT_TRUE(tree->start(loop.scheduler, error)) << error;
    loop.port.run_until_idle();
  }
  void TearDown() override { loop.scheduler.set_observer(nullptr); }
};

using TreeTest = Fixture;

TEST_F(TreeTest, a_tree_starts_every_configured_actor_in_file_order) {
  start(gateway());
  // A supervisor has started once its children have.
  EXPECT_EQ(journal.lines,
            (std::vector<std::string>{"start gw/first",
                                      "start gw/cell/tick",
                                      "start gw/cell/blinky",
                                      "start gw/cell",
                                      "start gw/last",
                                      "start gw"}));
  for (const auto& node : tree->nodes()) EXPECT_TRUE(node->core().alive()) << node->config.path;
  EXPECT_NE(tree->find("gw/cell/blinky")->proxy, nullptr);
  EXPECT_EQ(tree->find("gw/cell/blinky")->proxy->path(), "blinky");
}

TEST_F(TreeTest, shutdown_stops_children_in_reverse_start_order) {
  start(gateway());
  journal.lines.clear();
  tree->request_shutdown();
  loop.port.advance(1000);
  EXPECT_TRUE(tree->stopped());
  EXPECT_EQ(journal.lines,
            (std::vector<std::string>{"exit gw/last shutdown",
                                      "exit gw/cell/blinky shutdown",
                                      "exit gw/cell/tick shutdown",
                                      "exit gw/cell shutdown",
                                      "exit gw/first shutdown",
                                      "exit gw shutdown"}));
}

TEST_F(TreeTest, a_device_actor_on_an_unknown_device_is_named_and_nothing_is_built) {
  Config config = gateway();
  config.actors[4].device = "board9";
  std::string error;
  EXPECT_EQ(Tree::build(config, "gw", types, devices, error), nullptr);
  EXPECT_EQ(error, "no device named board9");
}

TEST_F(TreeTest, reconcile_stops_removed_children_and_starts_added_ones) {
  start(gateway());
  Config next = gateway();
  next.actors.erase(next.actors.begin() + 3);  // gw/cell/tick
  next.actors.push_back(entry("gw/added", "worker"));
  journal.lines.clear();
  std::vector<std::string> changes;
  std::string error;
  ASSERT_EQ(tree->reconcile(next, types, devices, changes, error), Tree::Progress::done) << error;
  loop.port.run_until_idle();
  EXPECT_EQ(changes, (std::vector<std::string>{"stopped and removed gw/cell/tick", "started gw/added"}));
  EXPECT_EQ(journal.lines, (std::vector<std::string>{"exit gw/cell/tick shutdown", "start gw/added"}));
  EXPECT_EQ(tree->find("gw/cell/tick"), nullptr);
  ASSERT_NE(tree->find("gw/added"), nullptr);
  EXPECT_TRUE(tree->find("gw/added")->core().alive());
  // The one_for_all sibling was not restarted by the removal.
  EXPECT_TRUE(tree->find("gw/cell/blinky")->core().alive());
}

TEST_F(TreeTest, reconcile_replaces_a_changed_child_with_a_new_incarnation) {
  start(gateway());
  Config next = gateway();
  next.actors[1].type = "ticker";
  std::vector<std::string> changes;
  std::string error;
  ASSERT_EQ(tree->reconcile(next, types, devices, changes, error), Tree::Progress::done) << error;
  EXPECT_EQ(changes, (std::vector<std::string>{"stopped (changed) gw/first", "started gw/first"}));
  const Tree::Node* first = tree->find("gw/first");
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(first->core().alive());
  EXPECT_EQ(first->config.type, "ticker");
}

TEST_F(TreeTest, reconcile_removes_a_subtree_with_its_supervisor_waiting_for_its_shutdown) {
  start(gateway());
  Config next = gateway();
  next.actors.erase(next.actors.begin() + 2, next.actors.begin() + 5);  // gw/cell and its children
  journal.lines.clear();
  std::vector<std::string> changes;
  std::string error;
  Tree::Progress progress = tree->reconcile(next, types, devices, changes, error);
  for (int i = 0; i < 100 && progress == Tree::Progress::waiting; ++i) {
    loop.port.advance(10);
    progress = tree->reconcile(next, types, devices, changes, error);
  }
  ASSERT_EQ(progress, Tree::Progress::done) << error;
  EXPECT_EQ(changes, (std::vector<std::string>{"stopped and removed gw/cell"}));
  EXPECT_EQ(journal.lines,
            (std::vector<std::string>{
                "exit gw/cell/blinky shutdown", "exit gw/cell/tick shutdown", "exit gw/cell shutdown"}));
  EXPECT_EQ(tree->find("gw/cell/tick"), nullptr);
  EXPECT_TRUE(tree->find("gw/last")->core().alive());
}

TEST_F(TreeTest, unchanged_config_changes_nothing) {
  start(gateway());
  journal.lines.clear();
  std::vector<std::string> changes;
  std::string error;
  ASSERT_EQ(tree->reconcile(gateway(), types, devices, changes, error), Tree::Progress::done) << error;
  EXPECT_TRUE(changes.empty());
  EXPECT_TRUE(journal.lines.empty());
}

}  // namespace

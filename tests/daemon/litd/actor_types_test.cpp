// Actor types: litd's built-ins registered by LIT_ACTOR_TYPE, and plugins
// loaded from real shared objects (argv[1]: a good plugin, argv[2]: one built
// for another ABI version).
#include "litd/actor_types.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "litd/plugin.hpp"
#include "sim/sim_port.hpp"

namespace {

std::string g_sample_plugin;
std::string g_old_abi_plugin;

using lit::daemon::ActorConfig;
using lit::daemon::ActorTypeRegistry;
using lit::daemon::ParamKind;

struct Loop {
  Loop() : scheduler(port, {.watches = watches, .delayed_sends = delayed}) { port.attach(scheduler); }
  lit::sim::SimPort port{1};
  std::array<lit::Watch, 4> watches{};
  std::array<lit::DelayedSend, 4> delayed{};
  lit::Scheduler scheduler;
};

// Counts one event's dispatches to one actor.
struct EventCounter final : lit::Observer {
  const lit::ActorCore* actor = nullptr;
  lit::chart::EventId event = lit::chart::kNone;
  int count = 0;
  void on_dispatched(const lit::ActorCore& who, lit::chart::EventId id, lit::chart::Outcome) override {
    if (&who == actor && id == event) ++count;
  }
};

ActorConfig config_of(std::string type, std::vector<lit::daemon::Param> params = {}) {
  ActorConfig config;
  config.path = "tree/" + type;
  config.name = type;
  config.parent = "tree";
  config.type = std::move(type);
  config.params = std::move(params);
  return config;
}

TEST(ActorTypes, the_built_in_types_are_registered_with_their_parameters) {
  ActorTypeRegistry registry;
  const lit::daemon::ActorTypeInfo* ticker = registry.find("ticker");
  ASSERT_NE(ticker, nullptr);
  ASSERT_EQ(ticker->params.size(), 1U);
  EXPECT_STREQ(ticker->params[0].name, "period");
  EXPECT_EQ(ticker->params[0].kind, ParamKind::duration);
  EXPECT_NE(registry.find("worker"), nullptr);
  EXPECT_EQ(registry.find("tiker"), nullptr);
  const std::vector<std::string> names = registry.names();
  EXPECT_NE(std::find(names.begin(), names.end(), "ticker"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "worker"), names.end());
}

TEST(ActorTypes, a_second_type_of_the_same_name_is_refused) {
  ActorTypeRegistry registry;
  std::string error;
  EXPECT_FALSE(registry.add(*registry.type("ticker"), error));
  EXPECT_EQ(error, "actor type 'ticker' is already defined");
  lit::daemon::HostActorType supervisor = *registry.type("worker");
  supervisor.name = "supervisor";
  EXPECT_FALSE(registry.add(supervisor, error));
  EXPECT_EQ(error, "actor type 'supervisor' is already defined");
}

TEST(ActorTypes, a_ticker_ticks_every_configured_period_and_fails_on_request) {
  ActorTypeRegistry registry;
  lit::daemon::Param period;
  period.name = "period";
  period.value.kind = ParamKind::duration;
  period.value.duration_ms = 250;
  auto ticker = registry.type("ticker")->create(config_of("ticker", {period}));
  Loop loop;
  const lit::chart::Table& table = *ticker->core().type().table;
  EventCounter ticks;
  ticks.actor = &ticker->core();
  ticks.event = table.find_event("tick");
  loop.scheduler.set_observer(&ticks);
  lit::Reason failure;
  ASSERT_TRUE(loop.scheduler.start(ticker->core(), nullptr, failure));
  loop.port.advance(249);
  EXPECT_EQ(ticks.count, 0);
  loop.port.advance(1);
  EXPECT_EQ(ticks.count, 1);
  loop.port.advance(1000);
  EXPECT_EQ(ticks.count, 5);

  const lit::ActorCore& core = ticker->core();
  ASSERT_EQ(core.type().push_event(ticker->core(), table.find_event("fail")), lit::SendResult::ok);
  loop.scheduler.make_ready(ticker->core());
  loop.port.run_until_idle();
  EXPECT_FALSE(core.alive());
  loop.scheduler.set_observer(nullptr);
}

TEST(ActorTypes, a_plugin_adds_its_types) {
  ActorTypeRegistry registry;
  std::string error;
  ASSERT_TRUE(registry.load_plugin(g_sample_plugin, error)) << error;
  const lit::daemon::ActorTypeInfo* pump = registry.find("sample_pump");
  ASSERT_NE(pump, nullptr);
  ASSERT_EQ(pump->params.size(), 1U);
  EXPECT_STREQ(pump->params[0].name, "flow");
  EXPECT_TRUE(pump->params[0].required);

  auto actor = registry.type("sample_pump")->create(config_of("sample_pump"));
  Loop loop;
  lit::Reason failure;
  ASSERT_TRUE(loop.scheduler.start(actor->core(), nullptr, failure)) << failure.text;
  EXPECT_TRUE(actor->core().alive());
  EXPECT_EQ(actor->mailbox_depth(), 0U);
  loop.scheduler.stop(actor->core(), lit::Reason::shutdown());
}

TEST(ActorTypes, a_plugin_loaded_twice_is_refused_whole) {
  ActorTypeRegistry registry;
  std::string error;
  ASSERT_TRUE(registry.load_plugin(g_sample_plugin, error)) << error;
  const std::size_t known = registry.names().size();
  EXPECT_FALSE(registry.load_plugin(g_sample_plugin, error));
  EXPECT_EQ(error, "plugin " + g_sample_plugin + ": actor type 'sample_pump' is already defined");
  EXPECT_EQ(registry.names().size(), known);
}

TEST(ActorTypes, a_plugin_for_another_abi_version_is_refused_naming_both_versions) {
  ActorTypeRegistry registry;
  std::string error;
  EXPECT_FALSE(registry.load_plugin(g_old_abi_plugin, error));
  const std::string theirs = std::to_string(lit::daemon::kPluginAbiVersion + 1);
  const std::string ours = std::to_string(lit::daemon::kPluginAbiVersion);
  EXPECT_EQ(error,
            "plugin " + g_old_abi_plugin + " was built for plugin ABI version " + theirs +
                "; this litd speaks version " + ours + ": rebuild the plugin against this litd");
}

TEST(ActorTypes, a_missing_file_or_a_library_that_is_no_plugin_is_named) {
  ActorTypeRegistry registry;
  std::string error;
  EXPECT_FALSE(registry.load_plugin("/nonexistent/libnothing.so", error));
  EXPECT_EQ(error.rfind("cannot load plugin /nonexistent/libnothing.so: ", 0), 0U) << error;
  EXPECT_FALSE(registry.load_plugin("libm.so.6", error));
  EXPECT_EQ(error, "plugin libm.so.6 has no lit_plugin_entry: not a litd plugin (use LIT_PLUGIN)");
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s SAMPLE_PLUGIN OLD_ABI_PLUGIN\n", argv[0]);
    return 2;
  }
  g_sample_plugin = argv[1];
  g_old_abi_plugin = argv[2];
  return RUN_ALL_TESTS();
}

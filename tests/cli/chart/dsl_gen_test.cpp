// `lit-chart gen` round trip: each chart in tests/cli/charts/ was turned into a
// DSL header by lit-chart at build time and compiled here. The compiled chart
// and the same chart loaded at run time must have the same structural hash and
// behave identically, step for step, on seeded random scripts of events (the
// chart's names, extensions of them and unknown names) and clock advances.
#include "chart/dsl_gen.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "chart/configuration.hpp"
#include "chart/event_names.hpp"
#include "chart/scxml_loader.hpp"
#include "hierarchy_chart.hpp"
#include "histories_chart.hpp"
#include "lit/chart/names.hpp"
#include "regions_chart.hpp"
#include "sim/chart_host.hpp"
#include "timers_chart.hpp"
#include "traffic_chart.hpp"
#include "wildcards_chart.hpp"

namespace lit::tools {
namespace {

struct GeneratedChart {
  const char* name;
  const chart::Table* table;
  std::size_t reachable_configurations;  // the random scripts must visit every one
};

const GeneratedChart kCharts[] = {
    {"hierarchy", &chart::table_of<generated::hierarchy_chart::hierarchy>, 5},
    {"regions", &chart::table_of<generated::regions_chart::regions>, 7},
    {"histories", &chart::table_of<generated::histories_chart::histories>, 9},
    {"timers", &chart::table_of<generated::timers_chart::timers>, 4},
    {"wildcards", &chart::table_of<generated::wildcards_chart::wildcards>, 5},
    {"traffic", &chart::table_of<generated::traffic_chart::traffic>, 6},
};

void PrintTo(const GeneratedChart& chart, std::ostream* out) { *out << chart.name; }

constexpr unsigned kSeeds = 60;
constexpr unsigned kSteps = 80;
constexpr std::uint64_t kAdvances[] = {0, 1, 99, 100, 250, 300, 1000, 1500, 2500};

LoadedChart load(const char* name) { return load_scxml_file(std::string(LIT_TEST_CHARTS) + "/" + name + ".scxml"); }

// One machine on its own virtual clock.
class Session {
 public:
  explicit Session(const chart::Table& table)
      : table_(table), history_(table.history_bytes), machine_(table, nullptr, host_, history_) {}

  void start() {
    machine_.start();
    host_.run_until_idle();
  }
  bool running() const { return machine_.running(); }

  // The id the name resolves to; the two tables number events alike.
  chart::EventId send(const std::string& name) {
    const chart::EventId id = chart::resolve_event(table_, name);
    host_.send(machine_, id);
    return id;
  }
  void advance(std::uint64_t ms) { host_.advance(ms); }

  std::vector<std::string> configuration() const { return state_names(table_, machine_.configuration()); }
  std::vector<std::string> logs() const {
    std::vector<std::string> lines;
    for (const auto& log : host_.logs()) lines.push_back(std::to_string(log.at_ms) + " " + log.label + ": " + log.text);
    return lines;
  }
  const std::vector<chart::Outcome>& outcomes() const { return host_.outcomes(); }

 private:
  const chart::Table& table_;
  sim::ChartHost host_;
  std::vector<std::uint8_t> history_;
  chart::Machine machine_;
};

// The chart's own event names, names that extend them, and names it never mentions.
std::vector<std::string> event_pool(const chart::Table& table) {
  std::vector<std::string> names = {"zzz", "unknown.event", "done.state.nowhere"};
  for (chart::EventId id = 0; id < table.event_count; ++id) {
    const std::string name = event_name(table, id);
    if (name.empty()) continue;
    names.push_back(name);
    names.push_back(name + ".more");
  }
  return names;
}

class GeneratedChartTest : public testing::TestWithParam<GeneratedChart> {};

TEST_P(GeneratedChartTest, has_the_structural_hash_of_the_loaded_chart) {
  const LoadedChart loaded = load(GetParam().name);
  EXPECT_EQ(GetParam().table->structural_hash, loaded.table().structural_hash);
  EXPECT_EQ(GetParam().table->name, loaded.table().name);
  EXPECT_EQ(GetParam().table->state_count, loaded.table().state_count);
  EXPECT_EQ(GetParam().table->transition_count, loaded.table().transition_count);
}

TEST_P(GeneratedChartTest, behaves_as_the_loaded_chart_on_random_scripts) {
  const LoadedChart loaded = load(GetParam().name);
  const std::vector<std::string> pool = event_pool(loaded.table());
  std::set<std::vector<std::string>> configurations;
  for (unsigned seed = 1; seed <= kSeeds; ++seed) {
    std::mt19937 random(seed);
    Session compiled(*GetParam().table);
    Session runtime(loaded.table());
    compiled.start();
    runtime.start();
    std::string script;
    for (unsigned step = 0; step < kSteps; ++step) {
      if (!compiled.running() && !runtime.running()) {
        compiled.start();
        runtime.start();
        script += " (restart)";
      } else if (random() % 4 == 0) {
        const std::uint64_t ms = kAdvances[random() % std::size(kAdvances)];
        compiled.advance(ms);
        runtime.advance(ms);
        script += " +" + std::to_string(ms) + "ms";
      } else {
        const std::string& name = pool[random() % pool.size()];
        const auto compiled_id = compiled.send(name);
        const auto runtime_id = runtime.send(name);
        ASSERT_EQ(compiled_id, runtime_id) << name;
        script += " " + name;
      }
      ASSERT_EQ(compiled.configuration(), runtime.configuration()) << "seed " << seed << ":" << script;
      ASSERT_EQ(compiled.logs(), runtime.logs()) << "seed " << seed << ":" << script;
      ASSERT_EQ(compiled.outcomes(), runtime.outcomes()) << "seed " << seed << ":" << script;
      configurations.insert(runtime.configuration());
    }
  }
  // Equal behaviour means little unless the scripts went everywhere the chart can go.
  EXPECT_GE(configurations.size(), GetParam().reachable_configurations);
}

TEST_P(GeneratedChartTest, generating_again_from_the_compiled_chart_gives_the_same_source) {
  const LoadedChart loaded = load(GetParam().name);
  DslOptions options;
  options.variable = GetParam().name;
  EXPECT_EQ(generate_dsl(*GetParam().table, options), generate_dsl(loaded.table(), options));
}

INSTANTIATE_TEST_SUITE_P(Charts,
                         GeneratedChartTest,
                         testing::ValuesIn(kCharts),
                         [](const testing::TestParamInfo<GeneratedChart>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace lit::tools

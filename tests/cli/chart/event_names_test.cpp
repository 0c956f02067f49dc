// Event names at run time: a name resolves to the id that behaves exactly as
// SCXML says that name does, whether the chart declared it or not.
#include "chart/event_names.hpp"

#include <gtest/gtest.h>

#include "lit/chart/dsl.hpp"
#include "lit/chart/names.hpp"
#include "scxml_text.hpp"

namespace lit::tools {
namespace {

LoadedChart load(const std::string& body) { return test::load_body(body); }

const std::string kSensorChart = R"X(
  <state id="idle">
    <transition event="sensor" target="busy"/>
    <transition event="sensor.high" target="done"/>
  </state>
  <state id="busy"><state id="working"/><final id="finished"/><transition event="done.state.busy" target="idle"/></state>
  <final id="done"/>)X";

using chart::resolve_event;

TEST(EventNames, declared_name_resolves_to_its_own_id) {
  const LoadedChart chart = load(kSensorChart);
  EXPECT_EQ(resolve_event(chart.table(), "sensor.high"), chart.table().find_event("sensor.high"));
}

TEST(EventNames, undeclared_name_resolves_to_its_longest_declared_token_prefix) {
  const LoadedChart chart = load(kSensorChart);
  EXPECT_EQ(resolve_event(chart.table(), "sensor.high.peak"), chart.table().find_event("sensor.high"));
  EXPECT_EQ(resolve_event(chart.table(), "sensor.low"), chart.table().find_event("sensor"));
}

TEST(EventNames, prefix_is_matched_by_whole_tokens_only) {
  const LoadedChart chart = load(kSensorChart);
  EXPECT_EQ(resolve_event(chart.table(), "sensors"), chart.table().other_event);
  EXPECT_EQ(resolve_event(chart.table(), "sensor.highest"), chart.table().find_event("sensor"));
}

TEST(EventNames, done_state_name_resolves_to_the_generated_completion_event) {
  const LoadedChart chart = load(kSensorChart);
  const chart::EventId id = resolve_event(chart.table(), "done.state.busy");
  ASSERT_LT(id, chart.table().event_count);
  EXPECT_EQ(chart.table().events[id].kind, chart::EventKind::done_state);
  EXPECT_EQ(event_name(chart.table(), id), "done.state.busy");
}

TEST(EventNames, name_extending_a_generated_event_resolves_to_it) {
  const LoadedChart chart = load(kSensorChart);
  EXPECT_EQ(resolve_event(chart.table(), "done.state.busy.extra"), resolve_event(chart.table(), "done.state.busy"));
}

TEST(EventNames, name_nothing_matches_resolves_to_the_other_event_which_no_state_handles) {
  const LoadedChart chart = load(kSensorChart);
  const chart::EventId id = resolve_event(chart.table(), "nobody");
  EXPECT_EQ(id, chart.table().other_event);
  EXPECT_EQ(chart.table().events[id].handlers, 0U);
  EXPECT_EQ(event_name(chart.table(), id), "");
}

TEST(EventNames, name_only_a_wildcard_matches_resolves_to_the_other_event_which_the_wildcard_handles) {
  const LoadedChart chart = load(
      R"X(<state id="a"><transition event="go" target="a"/><transition event="*" target="b"/></state><state id="b"/>)X");
  const chart::EventId id = resolve_event(chart.table(), "nobody");
  EXPECT_EQ(id, chart.table().other_event);
  EXPECT_EQ(chart.table().events[id].handlers, chart::bit(chart.table().find_state("a")));
}

struct Empty {};
using namespace lit::chart::dsl;
constexpr auto wildcard_only =
    lit::chart::define<Empty>("wildcard_only", initial("a"), state("a", on("*").to("b"), on("go").to("a")), state("b"));

TEST(EventNames, dsl_chart_resolves_names_it_never_mentions_to_its_other_event) {
  constexpr chart::EventId id = resolve_event(lit::chart::table_of<wildcard_only>, "nobody");
  static_assert(id == lit::chart::table_of<wildcard_only>.other_event);
  EXPECT_EQ(resolve_event(lit::chart::table_of<wildcard_only>, "go.on"), wildcard_only.event("go"));
}

TEST(EventNames, event_names_follow_scxml_token_rules) {
  using chart::valid_event_name;
  EXPECT_TRUE(valid_event_name("a"));
  EXPECT_TRUE(valid_event_name("done.state.x"));
  EXPECT_FALSE(valid_event_name(""));
  EXPECT_FALSE(valid_event_name("*"));
  EXPECT_FALSE(valid_event_name("a b"));
  EXPECT_FALSE(valid_event_name("a..b"));
  EXPECT_FALSE(valid_event_name(".a"));
}

}  // namespace
}  // namespace lit::tools

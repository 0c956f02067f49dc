// Event names at run time: a name resolves to the id that behaves exactly as
// SCXML says that name does, whether the chart declared it or not.
#include "chart/event_names.hpp"

#include <gtest/gtest.h>

#include "lit/chart/dsl.hpp"
#include "scxml_text.hpp"

namespace lit::tools {
namespace {

using Kind = ResolvedEvent::Kind;

LoadedChart load(const std::string& body) { return test::load_body(body); }

const std::string kSensorChart = R"X(
  <state id="idle">
    <transition event="sensor" target="busy"/>
    <transition event="sensor.high" target="done"/>
  </state>
  <state id="busy"><state id="working"/><final id="finished"/><transition event="done.state.busy" target="idle"/></state>
  <final id="done"/>)X";

TEST(EventNames, declared_name_resolves_to_its_own_id) {
  const LoadedChart chart = load(kSensorChart);
  const ResolvedEvent resolved = resolve_event(chart.table(), "sensor.high");
  EXPECT_EQ(resolved.kind, Kind::id);
  EXPECT_EQ(resolved.id, chart.table().find_event("sensor.high"));
}

TEST(EventNames, undeclared_name_resolves_to_its_longest_declared_token_prefix) {
  const LoadedChart chart = load(kSensorChart);
  EXPECT_EQ(resolve_event(chart.table(), "sensor.high.peak").id, chart.table().find_event("sensor.high"));
  EXPECT_EQ(resolve_event(chart.table(), "sensor.low").id, chart.table().find_event("sensor"));
}

TEST(EventNames, prefix_is_matched_by_whole_tokens_only) {
  const LoadedChart chart = load(kSensorChart);
  EXPECT_EQ(resolve_event(chart.table(), "sensors").kind, Kind::unmatched);
  EXPECT_EQ(resolve_event(chart.table(), "sensor.highest").id, chart.table().find_event("sensor"));
}

TEST(EventNames, done_state_name_resolves_to_the_generated_completion_event) {
  const LoadedChart chart = load(kSensorChart);
  const ResolvedEvent resolved = resolve_event(chart.table(), "done.state.busy");
  ASSERT_EQ(resolved.kind, Kind::id);
  EXPECT_EQ(chart.table().events[resolved.id].kind, chart::EventKind::done_state);
  EXPECT_EQ(event_name(chart.table(), resolved.id), "done.state.busy");
}

TEST(EventNames, name_no_descriptor_matches_is_unmatched_when_the_chart_has_no_wildcard) {
  const LoadedChart chart = load(kSensorChart);
  EXPECT_EQ(resolve_event(chart.table(), "nobody").kind, Kind::unmatched);
}

TEST(EventNames, name_only_a_wildcard_matches_resolves_to_an_id_no_other_descriptor_matches) {
  const LoadedChart chart = load(
      R"X(<state id="a"><transition event="go" target="a"/><transition event="*" target="b"/></state><state id="b"/>)X");
  const ResolvedEvent resolved = resolve_event(chart.table(), "nobody");
  ASSERT_EQ(resolved.kind, Kind::id);
  EXPECT_NE(resolved.id, chart.table().find_event("go"));
  EXPECT_EQ(chart.table().events[resolved.id].handlers, chart::bit(chart.table().find_state("a")));
}

struct Empty {};
using namespace lit::chart::dsl;
constexpr auto wildcard_only =
    lit::chart::define<Empty>("wildcard_only", initial("a"), state("a", on("*").to("a"), on("go").to("a")));

TEST(EventNames, wildcard_only_name_is_unrepresentable_when_the_table_has_no_such_id) {
  EXPECT_EQ(resolve_event(lit::chart::table_of<wildcard_only>, "nobody").kind, Kind::unrepresentable);
  EXPECT_EQ(resolve_event(lit::chart::table_of<wildcard_only>, "go.on").kind, Kind::id);
}

TEST(EventNames, event_names_follow_scxml_token_rules) {
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

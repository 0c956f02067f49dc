// `lit-chart simulate`'s engine and output: the configuration after the start
// and after each event or clock advance, printed exactly, for people and as JSON.
#include "chart/simulation.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "scxml_text.hpp"

namespace lit::tools {
namespace {

using Kind = SimulationCommand::Kind;

LoadedChart load(const std::string& body) { return test::load_body(body); }

SimulationCommand event(const std::string& name) { return {Kind::event, name, 0}; }
SimulationCommand advance(std::uint64_t ms) { return {Kind::advance, {}, ms}; }

const std::string kTimerChart = R"X(
  <state id="idle"><transition event="arm" target="armed"/></state>
  <state id="armed">
    <onentry><send event="timeout" delay="1.5s"/><log label="armed" expr="'waiting'"/></onentry>
    <transition event="timeout" target="expired"/>
    <transition event="disarm" target="idle"/>
  </state>
  <state id="expired"><onentry><log expr="'expired'"/></onentry></state>)X";

TEST(Simulation, delayed_send_fires_only_once_the_clock_reaches_it) {
  const LoadedChart chart = load(kTimerChart);
  const std::vector<SimulationCommand> script = {event("arm"), advance(1499), advance(1)};
  const Simulation run = simulate(chart.table(), script);
  EXPECT_EQ(format_text(run),
            "start: idle\n"
            "event arm: armed\n"
            "advance 1499ms (t=1499ms): armed\n"
            "advance 1ms (t=1500ms): expired\n");
  EXPECT_EQ(format_json(run),
            R"X({"initial":["idle"],"steps":[{"event":"arm","configuration":["armed"]},)X"
            R"X({"advance":1499,"configuration":["armed"]},{"advance":1,"configuration":["expired"]}]})X");
}

TEST(Simulation, logs_are_kept_with_the_step_that_made_them) {
  const LoadedChart chart = load(kTimerChart);
  const std::vector<SimulationCommand> script = {event("arm"), advance(2000)};
  const Simulation run = simulate(chart.table(), script);
  EXPECT_TRUE(run.start.logs.empty());
  ASSERT_EQ(run.steps[0].logs.size(), 1U);
  EXPECT_EQ(format_log(run.steps[0].logs[0]), "armed: waiting\n");
  ASSERT_EQ(run.steps[1].logs.size(), 1U);
  EXPECT_EQ(run.steps[1].logs[0].at_ms, 1500U);
  EXPECT_EQ(format_log(run.steps[1].logs[0]), "expired\n");
}

TEST(Simulation, delayed_send_is_not_cancelled_when_its_state_exits) {
  const LoadedChart chart = load(kTimerChart);
  const std::vector<SimulationCommand> script = {event("arm"), event("disarm"), event("arm"), advance(1500)};
  // Two timeouts are due at 1500 ms: the first takes armed to expired, the second finds nothing to do.
  EXPECT_EQ(
      format_json(simulate(chart.table(), script)),
      R"X({"initial":["idle"],"steps":[{"event":"arm","configuration":["armed"]},{"event":"disarm","configuration":["idle"]},)X"
      R"X({"event":"arm","configuration":["armed"]},{"advance":1500,"configuration":["expired"]}]})X");
}

TEST(Simulation, send_without_delay_is_taken_before_the_step_ends) {
  const LoadedChart chart =
      load(R"X(<state id="a"><onentry><send event="go"/></onentry><transition event="go" target="b"/></state>)X"
           R"X(<state id="b"/>)X");
  EXPECT_EQ(format_text(simulate(chart.table(), {})), "start: b\n");
}

TEST(Simulation, history_restores_the_configuration_left) {
  const LoadedChart chart = load(R"X(
    <state id="player">
      <history id="resume" type="deep"><transition target="stopped"/></history>
      <state id="stopped"><transition event="play" target="playing"/></state>
      <state id="playing">
        <state id="normal"><transition event="faster" target="fast"/></state>
        <state id="fast"/>
      </state>
      <transition event="menu" target="menu"/>
    </state>
    <state id="menu"><transition event="back" target="resume"/></state>)X");
  const std::vector<SimulationCommand> script = {
      event("back"), event("menu"), event("back"), event("play"), event("faster"), event("menu"), event("back")};
  EXPECT_EQ(format_text(simulate(chart.table(), script)),
            "start: stopped\n"
            "event back: stopped (unhandled)\n"
            "event menu: menu\n"
            "event back: stopped\n"
            "event play: normal\n"
            "event faster: fast\n"
            "event menu: menu\n"
            "event back: fast\n");
}

TEST(Simulation, parallel_regions_are_listed_sorted_by_state_id) {
  const LoadedChart chart = load(R"X(
    <parallel id="p">
      <state id="zeta"><state id="z1"><transition event="t" target="z2"/></state><state id="z2"/></state>
      <state id="alpha"><state id="a1"><transition event="t" cond="In('z1')" target="a2"/></state><state id="a2"/></state>
    </parallel>)X");
  const std::vector<SimulationCommand> script = {event("t"), event("t")};
  EXPECT_EQ(
      format_json(simulate(chart.table(), script)),
      R"X({"initial":["a1","z1"],"steps":[{"event":"t","configuration":["a2","z2"]},{"event":"t","configuration":["a2","z2"]}]})X");
}

TEST(Simulation, done_state_event_of_a_parallel_state_moves_the_chart_on) {
  const LoadedChart chart = load(R"X(
    <parallel id="job">
      <state id="fetch"><state id="fetching"><transition event="fetched" target="fetch_done"/></state><final id="fetch_done"/></state>
      <state id="parse"><state id="parsing"><transition event="parsed" target="parse_done"/></state><final id="parse_done"/></state>
      <transition event="done.state.job" target="report"/>
    </parallel>
    <state id="report"><onentry><log expr="'both done'"/></onentry></state>)X");
  const std::vector<SimulationCommand> script = {event("fetched"), event("parsed")};
  const Simulation run = simulate(chart.table(), script);
  EXPECT_EQ(format_text(run),
            "start: fetching, parsing\n"
            "event fetched: fetch_done, parsing\n"
            "event parsed: report\n");
  ASSERT_EQ(run.steps[1].logs.size(), 1U);
}

TEST(Simulation, event_names_match_descriptors_by_token_prefix) {
  const LoadedChart chart = load(R"X(
    <state id="idle">
      <transition event="sensor" target="sensing"/>
    </state>
    <state id="sensing">
      <transition event="sensor.high" target="alarm"/>
      <transition event="reset.*" target="idle"/>
    </state>
    <state id="alarm"><transition event="reset" target="idle"/></state>)X");
  const std::vector<SimulationCommand> script = {
      event("sensorx"), event("sensor.low"), event("sensor.high.peak"), event("reset.now"), event("sensor.high")};
  EXPECT_EQ(format_text(simulate(chart.table(), script)),
            "start: idle\n"
            "event sensorx: idle (unhandled)\n"
            "event sensor.low: sensing\n"
            "event sensor.high.peak: alarm\n"
            "event reset.now: idle\n"
            "event sensor.high: sensing\n");
}

TEST(Simulation, unknown_event_changes_nothing_unless_a_wildcard_takes_it) {
  const LoadedChart plain = load(R"X(<state id="a"><transition event="go" target="b"/></state><state id="b"/>)X");
  EXPECT_EQ(format_json(simulate(plain.table(), std::vector{event("nobody.knows")})),
            R"X({"initial":["a"],"steps":[{"event":"nobody.knows","configuration":["a"]}]})X");
  const LoadedChart wildcard =
      load(R"X(<state id="a"><transition event="go" target="b"/><transition event="*" target="c"/></state>)X"
           R"X(<state id="b"/><state id="c"/>)X");
  EXPECT_EQ(format_text(simulate(wildcard.table(), std::vector{event("nobody.knows")})),
            "start: a\n"
            "event nobody.knows: c\n");
}

TEST(Simulation, reaching_a_top_level_final_state_finishes_the_chart) {
  const LoadedChart chart = load(R"X(<state id="a"><transition event="quit" target="end"/></state><final id="end"/>)X");
  const std::vector<SimulationCommand> script = {event("quit"), event("quit")};
  EXPECT_EQ(format_text(simulate(chart.table(), script)),
            "start: a\n"
            "event quit: (no active state) (finished)\n"
            "event quit: (no active state) (not running)\n");
}

TEST(Simulation, failing_chart_stops_the_script_and_reports_why) {
  const LoadedChart chart =
      load(R"X(<state id="a"><transition event="spin" target="b"/></state>)X"
           R"X(<state id="b"><transition target="c"/></state><state id="c"><transition target="b"/></state>)X");
  const std::vector<SimulationCommand> script = {event("spin"), event("spin")};
  const Simulation run = simulate(chart.table(), script);
  EXPECT_TRUE(run.failed());
  EXPECT_EQ(run.failure, chart::Failure::livelock);
  EXPECT_EQ(format_text(run), "start: a\nevent spin: (no active state) (failed)\n");
}

// A zero-delay <send> of an event that re-enters its own state keeps the chart
// busy forever; the step stops at its dispatch limit instead of hanging.
TEST(Simulation, chart_that_keeps_sending_itself_events_stops_as_a_runaway) {
  const LoadedChart chart = load(R"X(<state id="a"><transition event="go" target="b"/></state>)X"
                                 R"X(<state id="b"><onentry><send event="again"/></onentry>)X"
                                 R"X(<transition event="again" target="b"/></state>)X");
  const std::vector<SimulationCommand> script = {event("go"), event("go")};
  const Simulation run = simulate(chart.table(), script, 50);
  EXPECT_TRUE(run.failed());
  EXPECT_TRUE(run.runaway);
  EXPECT_EQ(run.failure, chart::Failure::none);
  EXPECT_FALSE(run.start.runaway);
  ASSERT_EQ(run.steps.size(), 1U);
  EXPECT_TRUE(run.steps[0].runaway);
  EXPECT_EQ(run.failure_reason, "it keeps sending itself events: still busy after 50 events in one step");
  EXPECT_EQ(format_text(run), "start: a\nevent go: b (runaway: it keeps sending itself events)\n");
}

TEST(Simulation, delayed_sends_that_multiply_stop_as_a_runaway_within_an_advance) {
  const LoadedChart chart = load(R"X(<state id="a"><onentry><send event="t" delay="1ms"/>)X"
                                 R"X(<send event="t" delay="1ms"/></onentry>)X"
                                 R"X(<transition event="t" target="a"/></state>)X");
  const Simulation run = simulate(chart.table(), std::vector{advance(1000)}, 200);
  EXPECT_TRUE(run.runaway);
  EXPECT_EQ(format_text(run), "start: a\nadvance 1000ms (t=1000ms): a (runaway: it keeps sending itself events)\n");
}

TEST(Simulation, step_that_goes_idle_exactly_at_its_limit_is_not_a_runaway) {
  const LoadedChart chart =
      load(R"X(<state id="a"><onentry><send event="go"/></onentry><transition event="go" target="b"/></state>)X"
           R"X(<state id="b"/>)X");
  const Simulation run = simulate(chart.table(), {}, 1);
  EXPECT_FALSE(run.failed());
  EXPECT_EQ(format_text(run), "start: b\n");
}

// 55 deep histories of a parallel state with 63 descendants take 8 bytes each,
// 440 in all: hb's record must come after theirs, not wrap to byte 184 (inside
// h23's), where A's exit left a mask that read as "b1 + 12", past the chart.
TEST(Simulation, histories_past_256_bytes_of_history_memory_keep_their_own_records) {
  std::string histories;
  for (int i = 0; i < 55; ++i) {
    histories += R"X(<history id="h)X" + std::to_string(i) + R"X(" type="deep"><transition target="r1"/></history>)X";
  }
  const LoadedChart chart = load(
      R"X(<parallel id="A"><transition event="toH" target="hb"/>)X"
      R"X(<state id="r1"><state id="r1a"><transition event="next" target="r1b"/></state><state id="r1b"/></state>)X"
      R"X(<state id="r2"/>)X" +
      histories +
      R"X(</parallel><state id="B"><state id="b1"><transition event="next" target="b2"/></state><state id="b2"/>)X"
      R"X(<history id="hb" type="deep"><transition target="b1"/></history></state>)X");
  const chart::Table& table = chart.table();
  ASSERT_GT(table.history_bytes, 256U);
  std::vector<bool> used(table.history_bytes, false);
  for (chart::StateIndex state = 0; state < table.state_count; ++state) {
    const chart::StateRow& row = table.states[state];
    if (!chart::is_history(row.kind)) continue;
    for (unsigned i = row.history_offset; i < row.history_offset + row.history_size; ++i) {
      ASSERT_LT(i, used.size()) << row.name;
      EXPECT_FALSE(used[i]) << row.name << " shares history byte " << i;
      used[i] = true;
    }
  }
  const std::vector<SimulationCommand> script = {event("next"), event("toH")};
  EXPECT_EQ(format_text(simulate(chart.table(), script)), "start: r1a, r2\nevent next: r1b, r2\nevent toH: b1\n");
}

TEST(Simulation, refuses_names_that_are_not_event_names) {
  const LoadedChart chart = load(R"X(<state id="a"/>)X");
  for (const std::string name : {"", "*", "a b", ".a", "a..b", "a."}) {
    EXPECT_THROW(simulate(chart.table(), std::vector{event(name)}), std::invalid_argument) << name;
  }
}

TEST(Simulation, json_escapes_what_json_must_escape) {
  const LoadedChart chart = load(R"X(<state id="a"/>)X");
  EXPECT_EQ(format_json(simulate(chart.table(), std::vector{event("say\"hi\"\\")})),
            R"X({"initial":["a"],"steps":[{"event":"say\"hi\"\\","configuration":["a"]}]})X");
}

}  // namespace
}  // namespace lit::tools

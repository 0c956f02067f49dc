// The diagram renderers: what each SCXML construct looks like in Graphviz and
// in Mermaid, from the Table alone (so DSL charts render too).
#include <gtest/gtest.h>

#include <string>

#include "chart/render_dot.hpp"
#include "chart/render_mermaid.hpp"
#include "lit/chart/dsl.hpp"
#include "scxml_text.hpp"

namespace lit::tools {
namespace {

LoadedChart load(const std::string& body) { return test::load_body(body, " name=\"demo\""); }

const std::string kDemo = R"X(
  <state id="off"><transition event="power" target="on"/></state>
  <state id="on">
    <onentry><log label="lamp" expr="'on'"/></onentry>
    <transition event="power" target="off"/>
    <transition event="tick"><raise event="blink"/></transition>
    <state id="dim"><transition event="up" cond="In('dim')" target="bright"/></state>
    <state id="bright"><transition event="down" target="dim"><send event="settle" delay="500ms"/></transition></state>
    <history id="h" type="deep"><transition target="dim"/></history>
  </state>
  <parallel id="both">
    <state id="left"><state id="l1"/></state>
    <state id="right"/>
  </parallel>
  <final id="end"/>)X";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(RenderMermaid, writes_a_state_diagram_with_nested_states_initials_and_finals) {
  EXPECT_EQ(render_mermaid(load(kDemo).table()),
            "stateDiagram-v2\n"
            "    off\n"
            "    state on {\n"
            "        dim\n"
            "        bright\n"
            "        state \"H*\" as s4\n"
            "        [*] --> dim\n"
            "        dim --> bright : up [In(dim)]\n"
            "        bright --> dim : down / send settle after 500ms\n"
            "        s4 --> dim\n"
            "    }\n"
            "    on : entry / log lamp: 'on'\n"
            "    on : tick / raise blink\n"
            "    state both {\n"
            "        state \"left\" as s6\n"
            "        state s6 {\n"
            "            l1\n"
            "            [*] --> l1\n"
            "        }\n"
            "        --\n"
            "        state \"right\" as s8\n"
            "    }\n"
            "    state \"end\" as s9\n"
            "    [*] --> off\n"
            "    off --> on : power\n"
            "    on --> off : power\n"
            "    s9 --> [*]\n");
}

TEST(RenderMermaid, highlights_the_active_atomic_states) {
  const LoadedChart chart = load(kDemo);
  const chart::StateSet active =
      chart::bit(chart.table().find_state("on")) | chart::bit(chart.table().find_state("bright"));
  const std::string text = render_mermaid(chart.table(), DiagramOptions{active});
  EXPECT_TRUE(
      contains(text, "    classDef active fill:#fde68a,stroke:#b45309,stroke-width:2px\n    class bright active\n"));
}

TEST(RenderMermaid, aliases_names_mermaid_cannot_take_as_ids) {
  const LoadedChart chart =
      load(R"X(<state id="a.b"><transition event="go" target="end"/></state><state id="end"/><state id="s0"/>)X");
  const std::string text = render_mermaid(chart.table());
  EXPECT_TRUE(contains(text, "    state \"a.b\" as s0_\n")) << text;
  EXPECT_TRUE(contains(text, "    state \"end\" as s1\n")) << text;
  EXPECT_TRUE(contains(text, "    s0_ --> s1 : go\n")) << text;
}

TEST(RenderDot, draws_compound_and_parallel_states_as_clusters_with_distinct_regions) {
  const std::string text = render_dot(load(kDemo).table());
  EXPECT_TRUE(contains(text, "digraph \"demo\" {\n  compound=true;\n"));
  EXPECT_TRUE(contains(text,
                       "  subgraph cluster_s1 {\n    label=\"on\\nentry / log lamp: 'on'\\ntick / raise blink\";\n    "
                       "style=\"rounded\";\n"));
  EXPECT_TRUE(contains(text, "  subgraph cluster_s5 {\n    label=\"both (parallel)\";\n    style=\"rounded,bold\";\n"));
  EXPECT_TRUE(contains(text, "    subgraph cluster_s6 {\n      label=\"left\";\n      style=\"rounded,dashed\";\n"));
  EXPECT_TRUE(contains(text, "    s8 [label=\"right\", style=\"rounded,dashed\"];\n"));
}

TEST(RenderDot, draws_initial_dots_final_double_circles_and_history_circles) {
  const std::string text = render_dot(load(kDemo).table());
  EXPECT_TRUE(contains(text, "  start [shape=point, width=0.15, label=\"\"];\n"));
  EXPECT_TRUE(contains(text, "  start -> s0;\n"));
  EXPECT_TRUE(contains(text, "  s1_initial -> s2;\n"));
  EXPECT_TRUE(contains(text, "  s9 [label=\"end\", shape=doublecircle];\n"));
  EXPECT_TRUE(contains(text, "    s4 [shape=circle, fixedsize=true, width=0.35, label=\"H*\", xlabel=\"h\"];\n"));
  EXPECT_TRUE(contains(text, "  s4 -> s2 [style=dashed];\n"));
}

TEST(RenderDot, labels_edges_with_event_guard_and_actions_and_clips_them_at_clusters) {
  const std::string text = render_dot(load(kDemo).table());
  EXPECT_TRUE(contains(text, "  s0 -> s1_initial [label=\"power\", lhead=cluster_s1];\n"));
  EXPECT_TRUE(contains(text, "  s1_initial -> s0 [label=\"power\", ltail=cluster_s1];\n"));
  EXPECT_TRUE(contains(text, "  s2 -> s3 [label=\"up [In(dim)]\"];\n"));
  EXPECT_TRUE(contains(text, "  s3 -> s2 [label=\"down / send settle after 500ms\"];\n"));
}

TEST(RenderDot, highlights_active_states) {
  const LoadedChart chart = load(kDemo);
  const chart::StateSet active =
      chart::bit(chart.table().find_state("on")) | chart::bit(chart.table().find_state("dim"));
  const std::string text = render_dot(chart.table(), DiagramOptions{active});
  EXPECT_TRUE(contains(text, "    s2 [label=\"dim\", style=\"rounded,filled\", fillcolor=\"#fde68a\"];\n")) << text;
  EXPECT_TRUE(contains(text, "    color=\"#b45309\";\n    penwidth=2;\n")) << text;
}

struct Lamp {};
using namespace lit::chart::dsl;
using namespace std::chrono_literals;
constexpr auto lamp =
    lit::chart::define<Lamp>("lamp",
                             initial("off"),
                             state("off", on("power").to("on")),
                             state("on", after(500ms).to("off"), on("power").to("off").then([](Lamp&) {})));

TEST(RenderDot, renders_dsl_charts_with_timers_and_user_actions) {
  const std::string text = render_dot(lit::chart::table_of<lamp>);
  EXPECT_TRUE(contains(text, "  s1 -> s0 [label=\"after 500ms\"];\n")) << text;
  EXPECT_TRUE(contains(text, "  s1 -> s0 [label=\"power / call\"];\n")) << text;
}

}  // namespace
}  // namespace lit::tools

// The SCXML loader: every supported construct reads as the chart it means, and
// every unsupported or malformed one is refused with its line:column.
#include "chart/scxml_loader.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "chart/chart_error.hpp"
#include "chart/configuration.hpp"
#include "chart/simulation.hpp"
#include "scxml_text.hpp"

namespace lit::tools {
namespace {

using chart::ActionKind;
using chart::GuardKind;
using chart::StateKind;

std::string scxml(const std::string& body, const std::string& attributes = "") {
  return test::scxml_document(body, attributes);
}

LoadedChart load(const std::string& text) { return load_scxml(text, "chart.scxml", "chart"); }

struct Refusal {
  ChartErrorKind kind;
  std::string located;  // "LINE:COLUMN: message"
};

std::optional<Refusal> refusal(const std::string& text) {
  try {
    load(text);
  } catch (const ChartError& error) {
    return Refusal{error.kind(),
                   std::to_string(error.line()) + ":" + std::to_string(error.column()) + ": " + error.message()};
  }
  return std::nullopt;
}

// The refusal message of a one-line document, with its column.
std::string refused(const std::string& text) {
  const auto result = refusal(text);
  return result ? result->located : "accepted";
}

const chart::StateRow& state(const LoadedChart& chart, std::string_view name) {
  const chart::StateIndex index = chart.table().find_state(name);
  EXPECT_NE(index, chart::kRoot) << name;
  return chart.table().states[index];
}

// Transitions of a state as the table has them.
std::vector<const chart::TransitionRow*> transitions(const LoadedChart& chart, std::string_view name) {
  const chart::StateRow& row = state(chart, name);
  std::vector<const chart::TransitionRow*> rows;
  for (std::uint16_t t = row.first_transition; t < row.first_transition + row.transition_count; ++t)
    rows.push_back(&chart.table().transitions[t]);
  return rows;
}

std::vector<std::string> start_configuration(const LoadedChart& chart) {
  return simulate(chart.table(), {}).start.configuration;
}

// ---- accepted constructs ---------------------------------------------------------

TEST(ScxmlLoader, reads_states_in_document_order_with_their_parents) {
  const LoadedChart chart = load(scxml(R"X(<state id="a"><state id="a1"/><state id="a2"/></state><state id="b"/>)X"));
  const chart::Table& table = chart.table();
  ASSERT_EQ(table.state_count, 4);
  EXPECT_EQ(table.states[0].name, "a");
  EXPECT_EQ(table.states[0].kind, StateKind::compound);
  EXPECT_EQ(table.states[1].name, "a1");
  EXPECT_EQ(table.states[1].parent, 0);
  EXPECT_EQ(table.states[3].name, "b");
  EXPECT_EQ(table.states[3].parent, chart::kRoot);
}

TEST(ScxmlLoader, chart_without_initial_starts_in_its_first_state) {
  EXPECT_EQ(start_configuration(load(scxml(R"X(<state id="a"/><state id="b"/>)X"))), std::vector<std::string>{"a"});
}

TEST(ScxmlLoader, scxml_initial_attribute_chooses_the_first_state) {
  EXPECT_EQ(start_configuration(load(scxml(R"X(<state id="a"/><state id="b"/>)X", R"X( initial="b")X"))),
            std::vector<std::string>{"b"});
}

TEST(ScxmlLoader, compound_state_without_initial_starts_in_first_child_state_skipping_history) {
  const LoadedChart chart = load(scxml(R"X(<state id="p"><history id="h"><transition target="y"/></history>)X"
                                       R"X(<state id="x"/><state id="y"/></state>)X"));
  EXPECT_EQ(start_configuration(chart), std::vector<std::string>{"x"});
}

TEST(ScxmlLoader, state_initial_attribute_may_name_several_parallel_descendants) {
  const LoadedChart chart = load(scxml(
      R"X(<state id="top" initial="l2 r2"><parallel id="p">)X"
      R"X(<state id="l"><state id="l1"/><state id="l2"/></state><state id="r"><state id="r1"/><state id="r2"/></state>)X"
      R"X(</parallel></state>)X"));
  EXPECT_EQ(start_configuration(chart), (std::vector<std::string>{"l2", "r2"}));
}

TEST(ScxmlLoader, initial_element_transition_chooses_the_state_and_runs_its_actions) {
  const LoadedChart chart =
      load(scxml(R"X(<state id="p"><initial><transition target="y"><log expr="'in'"/></transition></initial>)X"
                 R"X(<state id="x"/><state id="y"/></state>)X"));
  const Simulation run = simulate(chart.table(), {});
  EXPECT_EQ(run.start.configuration, std::vector<std::string>{"y"});
  ASSERT_EQ(run.start.logs.size(), 1U);
  EXPECT_EQ(run.start.logs[0].text, "in");
}

TEST(ScxmlLoader, parallel_state_enters_every_region) {
  const LoadedChart chart =
      load(scxml(R"X(<parallel id="p"><state id="a"/><state id="b"><state id="b1"/></state></parallel>)X"));
  EXPECT_EQ(state(chart, "p").kind, StateKind::parallel);
  EXPECT_EQ(start_configuration(chart), (std::vector<std::string>{"a", "b1"}));
}

TEST(ScxmlLoader, final_state_reads_as_final_and_its_parent_gets_a_done_event) {
  const LoadedChart chart = load(scxml(R"X(<state id="job"><state id="run"/><final id="ok"/></state>)X"));
  EXPECT_EQ(state(chart, "ok").kind, StateKind::final);
  EXPECT_NE(state(chart, "job").done_event, chart::kNone);
}

TEST(ScxmlLoader, history_type_selects_shallow_or_deep_and_keeps_the_default_transition) {
  const LoadedChart chart =
      load(scxml(R"X(<state id="p"><state id="a"/><state id="b"/>)X"
                 R"X(<history id="hs"><transition target="b"><raise event="defaulted"/></transition></history>)X"
                 R"X(<history id="hd" type="deep"><transition target="a"/></history></state>)X"));
  EXPECT_EQ(state(chart, "hs").kind, StateKind::shallow_history);
  EXPECT_EQ(state(chart, "hd").kind, StateKind::deep_history);
  const chart::TransitionRow& fallback = chart.table().transitions[state(chart, "hs").initial];
  ASSERT_EQ(fallback.target_count, 1);
  EXPECT_EQ(chart.table().targets[fallback.targets_begin], chart.table().find_state("b"));
  ASSERT_EQ(fallback.action_count, 1);
  EXPECT_EQ(chart.table().actions[fallback.action_begin].kind, ActionKind::raise);
}

TEST(ScxmlLoader, transition_reads_event_list_targets_type_and_targetless_form) {
  const LoadedChart chart = load(scxml(R"X(<parallel id="p"><state id="a">)X"
                                       R"X(<transition event="go  stop.*" target="a2 b2" type="internal"/>)X"
                                       R"X(<transition event="tick"><log expr="'t'"/></transition>)X"
                                       R"X(<transition target="a2"/><state id="a1"/><state id="a2"/></state>)X"
                                       R"X(<state id="b"><state id="b1"/><state id="b2"/></state></parallel>)X"));
  const auto rows = transitions(chart, "a");
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0]->descriptor_count, 2);
  EXPECT_EQ(chart.table().events[chart.table().descriptors[rows[0]->descriptors_begin + 1]].name, "stop");
  EXPECT_EQ(rows[0]->target_count, 2);
  EXPECT_NE(rows[0]->flags & chart::transition_flag::internal, 0);
  EXPECT_NE(rows[1]->flags & chart::transition_flag::targetless, 0);
  EXPECT_EQ(rows[1]->action_count, 1);
  EXPECT_NE(rows[2]->flags & chart::transition_flag::eventless, 0);
}

TEST(ScxmlLoader, wildcard_descriptor_reads_as_any_event) {
  const LoadedChart chart = load(scxml(R"X(<state id="a"><transition event="*" target="a"/></state>)X"));
  EXPECT_EQ(chart.table().descriptors[transitions(chart, "a")[0]->descriptors_begin], chart::kAnyEvent);
}

TEST(ScxmlLoader, cond_in_and_its_negation_are_read_with_any_spacing_and_quotes) {
  const LoadedChart chart =
      load(scxml(R"X(<state id="a"><transition event="x" cond="In('a')" target="a"/>)X"
                 R"X(<transition event="y" cond=" ! In ( &quot;a&quot; ) " target="a"/></state>)X"));
  const auto rows = transitions(chart, "a");
  EXPECT_EQ(rows[0]->guard_kind, GuardKind::in_state);
  EXPECT_EQ(rows[1]->guard_kind, GuardKind::not_in_state);
  EXPECT_EQ(rows[1]->guard_state, chart.table().find_state("a"));
}

TEST(ScxmlLoader, send_delay_is_read_as_css2_time_in_milliseconds) {
  const LoadedChart chart =
      load(scxml(R"X(<state id="a"><onentry><send event="e"/><send event="e" delay="500ms"/>)X"
                 R"X(<send event="e" delay="2s"/><send event="e" delay="1.5s"/><send event="e" delay=".25s"/>)X"
                 R"X(<send event="e" delay=" 7.000ms "/></onentry></state>)X"));
  const chart::StateRow& row = state(chart, "a");
  ASSERT_EQ(row.entry_count, 6);
  const std::uint32_t expected[] = {0, 500, 2000, 1500, 250, 7};
  for (std::uint16_t i = 0; i < 6; ++i) {
    const chart::ActionRow& action = chart.table().actions[row.entry_begin + i];
    EXPECT_EQ(action.kind, ActionKind::send_after);
    EXPECT_EQ(action.delay_ms, expected[i]) << i;
  }
}

TEST(ScxmlLoader, send_to_internal_target_is_a_raise) {
  const LoadedChart chart =
      load(scxml(R"X(<state id="a"><onentry><send event="e" target="#_internal"/></onentry></state>)X"));
  EXPECT_EQ(chart.table().actions[state(chart, "a").entry_begin].kind, ActionKind::raise);
}

TEST(ScxmlLoader, onentry_and_onexit_keep_raise_send_and_log_in_document_order) {
  const LoadedChart chart = load(
      scxml(R"X(<state id="a"><onentry><raise event="r"/></onentry><onexit><log label="L" expr="'bye'"/></onexit>)X"
            R"X(<onentry><send event="s" delay="1s"/></onentry></state>)X"));
  const chart::StateRow& row = state(chart, "a");
  ASSERT_EQ(row.entry_count, 2);
  EXPECT_EQ(chart.table().actions[row.entry_begin].kind, ActionKind::raise);
  EXPECT_EQ(chart.table().actions[row.entry_begin + 1].kind, ActionKind::send_after);
  ASSERT_EQ(row.exit_count, 1);
  const chart::ActionRow& log = chart.table().actions[row.exit_begin];
  EXPECT_EQ(log.kind, ActionKind::log);
  EXPECT_EQ(log.label, "L");
  EXPECT_EQ(log.text, "bye");
}

TEST(ScxmlLoader, log_expr_may_be_a_double_quoted_literal_containing_single_quotes) {
  const LoadedChart chart = load(scxml(R"X(<state id="a"><onentry><log expr='"it&apos;s"'/></onentry></state>)X"));
  EXPECT_EQ(chart.table().actions[state(chart, "a").entry_begin].text, "it's");
}

TEST(ScxmlLoader, datamodel_and_binding_attributes_are_accepted) {
  EXPECT_EQ(refused(scxml(R"X(<state id="a"/>)X", R"X( datamodel="ecmascript" binding="late")X")), "accepted");
  EXPECT_EQ(refused(scxml(R"X(<state id="a"/>)X", R"X( datamodel="null")X")), "accepted");
}

TEST(ScxmlLoader, chart_is_named_by_its_name_attribute_or_else_the_default) {
  EXPECT_EQ(load(scxml(R"X(<state id="a"/>)X", R"X( name="lamp")X")).table().name, "lamp");
  EXPECT_EQ(load(scxml(R"X(<state id="a"/>)X")).table().name, "chart");
}

TEST(ScxmlLoader, state_without_id_gets_one_made_from_its_position) {
  const LoadedChart chart = load("<scxml>\n  <state/>\n</scxml>");
  EXPECT_EQ(chart.table().states[0].name, "_state_2_3");
}

TEST(ScxmlLoader, comments_processing_instructions_and_namespace_declarations_are_ignored) {
  EXPECT_EQ(
      refused(
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" "
          "xmlns:x=\"urn:x\"><?pi data?><state id=\"a\"><!-- c --></state></scxml>"),
      "accepted");
}

TEST(ScxmlLoader, state_records_where_it_was_declared) {
  const LoadedChart chart = load("<scxml>\n  <state id=\"a\">\n    <state id=\"b\"/>\n  </state>\n</scxml>");
  EXPECT_EQ(chart.location(1).line, 3U);
  EXPECT_EQ(chart.location(1).column, 5U);
}

// ---- refused: data model and unsupported elements --------------------------------

TEST(ScxmlLoader, refuses_every_element_that_needs_a_data_model) {
  for (const std::string element : {"datamodel", "data", "assign", "script", "if", "elseif", "else", "foreach"}) {
    const auto result = refusal(scxml("<state id=\"a\"><onentry><" + element + "/></onentry></state>"));
    ASSERT_TRUE(result) << element;
    EXPECT_EQ(result->kind, ChartErrorKind::unsupported);
    EXPECT_EQ(result->located, "1:85: <" + element + "> needs a data model, which lit-chart does not support");
  }
}

TEST(ScxmlLoader, refuses_datamodel_element_at_top_level) {
  EXPECT_EQ(refused("<scxml>\n  <datamodel><data id=\"x\"/></datamodel>\n</scxml>"),
            "2:3: <datamodel> needs a data model, which lit-chart does not support");
}

TEST(ScxmlLoader, refuses_invoke_cancel_donedata_finalize_param_and_content) {
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><invoke src="x"/></state></scxml>)X"),
            "1:22: <invoke> is not supported by lit-chart");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><onentry><cancel sendid="x"/></onentry></state></scxml>)X"),
            "1:31: <cancel> is not supported by lit-chart");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><final id="f"><donedata/></final></state></scxml>)X"),
            "1:36: <donedata> is not supported by lit-chart");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><transition event="e"><finalize/></transition></state></scxml>)X"),
            "1:44: <finalize> is not supported by lit-chart");
  EXPECT_EQ(
      refused(
          R"X(<scxml><state id="a"><onentry><send event="e"><param name="p" expr="1"/></send></onentry></state></scxml>)X"),
      "1:47: <param> is not supported by lit-chart");
  EXPECT_EQ(
      refused(
          R"X(<scxml><state id="a"><onentry><send event="e"><content>x</content></send></onentry></state></scxml>)X"),
      "1:47: <content> is not supported by lit-chart");
}

TEST(ScxmlLoader, refuses_expression_attributes_as_needing_a_data_model) {
  for (const std::string attribute : {"eventexpr", "targetexpr", "typeexpr", "delayexpr", "idlocation", "namelist"}) {
    EXPECT_EQ(refused(R"X(<scxml><state id="a"><onentry><send event="e" )X" + attribute +
                      R"X(="x"/></onentry></state></scxml>)X"),
              "1:47: attribute '" + attribute + "' on <send> needs a data model, which lit-chart does not support");
  }
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><onentry><raise event="e" expr="1"/></onentry></state></scxml>)X"),
            "1:48: attribute 'expr' on <raise> needs a data model, which lit-chart does not support");
}

TEST(ScxmlLoader, refuses_send_id_because_cancel_is_not_supported) {
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><onentry><send event="e" id="s"/></onentry></state></scxml>)X"),
            "1:47: unsupported attribute 'id' on <send>");
}

TEST(ScxmlLoader, refuses_send_to_any_other_target_or_processor) {
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><onentry><send event="e" target="#_parent"/></onentry></state></scxml>)X"),
            "1:47: send target '#_parent' is not supported: a <send> goes to the chart itself (no target) or to "
            "'#_internal'");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><onentry><send event="e" type="http"/></onentry></state></scxml>)X"),
            "1:47: send type 'http' is not supported; only the SCXML event processor is");
  EXPECT_EQ(
      refused(
          R"X(<scxml><state id="a"><onentry><send event="e" target="#_internal" delay="1s"/></onentry></state></scxml>)X"),
      "1:67: a <send> to '#_internal' cannot have a delay");
}

TEST(ScxmlLoader, refuses_delays_that_are_not_whole_milliseconds_of_css2_time) {
  for (const std::string delay : {"500", "1.5ms", "1.0005s", "s", "-1s", "1 s", "abc", "5000000000ms"}) {
    EXPECT_EQ(
        refused(R"X(<scxml><state id="a"><onentry><send event="e" delay=")X" + delay +
                R"X("/></onentry></state></scxml>)X"),
        "1:47: invalid delay '" + delay + "': expected a CSS2 time in whole milliseconds, such as '500ms' or '1.5s'");
  }
}

TEST(ScxmlLoader, refuses_conditions_other_than_in_and_not_in) {
  for (const std::string cond : {"x &gt; 1", "In(a)", "In('a') &amp;&amp; In('b')", "!!In('a')", "true", "in('a')"}) {
    const auto result = refusal(R"X(<scxml><state id="a"><transition event="e" cond=")X" + cond +
                                R"X(" target="a"/></state></scxml>)X");
    ASSERT_TRUE(result) << cond;
    EXPECT_EQ(result->kind, ChartErrorKind::unsupported);
    EXPECT_EQ(result->located.substr(0, 23), "1:44: unsupported cond ") << cond;
  }
}

TEST(ScxmlLoader, refuses_log_expr_that_is_not_a_plain_literal) {
  EXPECT_EQ(
      refused(R"X(<scxml><state id="a"><onentry><log expr="x + 1"/></onentry></state></scxml>)X"),
      "1:36: unsupported log expr 'x + 1': without a data model only a quoted literal such as 'text' is supported");
  EXPECT_EQ(
      refused(R"X(<scxml><state id="a"><onentry><log expr="'a\'b'"/></onentry></state></scxml>)X"),
      "1:36: unsupported log expr ''a\\'b'': without a data model only a quoted literal such as 'text' is supported");
}

TEST(ScxmlLoader, refuses_unknown_elements_and_attributes) {
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><blink/></state></scxml>)X"), "1:22: unknown element <blink>");
  EXPECT_EQ(refused(R"X(<scxml><state id="a" colour="red"/></scxml>)X"), "1:22: unknown attribute 'colour' on <state>");
  EXPECT_EQ(refused(R"X(<scxml exmode="strict"><state id="a"/></scxml>)X"),
            "1:8: unknown attribute 'exmode' on <scxml>");
  EXPECT_EQ(refused(R"X(<scxml xmlns:x="urn:x"><state id="a" x:y="1"/></scxml>)X"),
            "1:38: unknown attribute 'x:y' on <state>");
}

TEST(ScxmlLoader, refuses_scxml_elements_where_scxml_does_not_allow_them) {
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><raise event="e"/></state></scxml>)X"),
            "1:22: <raise> is not allowed in <state>");
  EXPECT_EQ(refused(R"X(<scxml><final id="f"><transition target="f"/></final></scxml>)X"),
            "1:22: <transition> is not allowed in <final>");
  EXPECT_EQ(refused(R"X(<scxml><parallel id="p"><final id="f"/></parallel></scxml>)X"),
            "1:25: <final> is not allowed in <parallel>");
  EXPECT_EQ(refused(R"X(<scxml><parallel id="p"><initial/></parallel></scxml>)X"),
            "1:25: <initial> is not allowed in <parallel>");
  EXPECT_EQ(refused(R"X(<scxml><history id="h"/></scxml>)X"), "1:8: <history> is not allowed in <scxml>");
  EXPECT_EQ(refused(R"X(<scxml><transition target="a"/><state id="a"/></scxml>)X"),
            "1:8: <transition> is not allowed in <scxml>");
}

TEST(ScxmlLoader, refuses_text_inside_elements) {
  EXPECT_EQ(refused(R"X(<scxml><state id="a">hello</state></scxml>)X"), "1:22: unexpected text in <state>");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><![CDATA[x]]></state></scxml>)X"), "1:31: unexpected text in <state>");
}

TEST(ScxmlLoader, refuses_wrong_document_element_namespace_and_version) {
  EXPECT_EQ(refused(R"X(<statechart/>)X"), "1:1: the document element is <statechart>, expected <scxml>");
  EXPECT_EQ(refused(R"X(<scxml xmlns="urn:other"><state id="a"/></scxml>)X"),
            "1:8: namespace 'urn:other' is not SCXML's (http://www.w3.org/2005/07/scxml)");
  EXPECT_EQ(refused(R"X(<scxml version="2.0"><state id="a"/></scxml>)X"),
            "1:8: SCXML version '2.0' is not supported (expected '1.0')");
}

TEST(ScxmlLoader, refuses_doctype_and_encodings_other_than_utf8) {
  EXPECT_EQ(refused("<!DOCTYPE scxml>\n<scxml><state id=\"a\"/></scxml>"),
            "1:11: DOCTYPE declarations are not supported");
  EXPECT_EQ(refused("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><scxml><state id=\"a\"/></scxml>"),
            "1:21: encoding 'ISO-8859-1' is not supported; save the chart as UTF-8");
}

TEST(ScxmlLoader, refuses_invalid_attribute_values) {
  EXPECT_EQ(
      refused(
          R"X(<scxml><state id="a"><history id="h" type="wide"><transition target="a"/></history></state></scxml>)X"),
      "1:38: history type must be 'shallow' or 'deep', not 'wide'");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><transition event="e" type="sideways" target="a"/></state></scxml>)X"),
            "1:44: transition type must be 'internal' or 'external', not 'sideways'");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><transition event=" " target="a"/></state></scxml>)X"),
            "1:34: empty event attribute");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><transition event="e" target=""/></state></scxml>)X"),
            "1:44: empty target attribute");
  EXPECT_EQ(refused(R"X(<scxml><state id="1a"/></scxml>)X"),
            "1:15: invalid state id '1a': ids are XML names (a letter or '_', then letters, digits, '_', '-', '.')");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><onentry><raise/></onentry></state></scxml>)X"),
            "1:31: <raise> needs the 'event' attribute");
}

TEST(ScxmlLoader, refuses_initial_given_twice_or_malformed) {
  EXPECT_EQ(
      refused(
          R"X(<scxml><state id="p" initial="a"><initial><transition target="a"/></initial><state id="a"/></state></scxml>)X"),
      "1:34: <state> has both an initial attribute and an <initial> element");
  EXPECT_EQ(
      refused(
          R"X(<scxml><state id="p"><initial><transition event="e" target="a"/></initial><state id="a"/></state></scxml>)X"),
      "1:43: the <transition> of <initial> takes no 'event' attribute");
  EXPECT_EQ(refused(R"X(<scxml><state id="p"><initial/><state id="a"/></state></scxml>)X"),
            "1:22: <initial> needs a <transition> with a target");
  EXPECT_EQ(
      refused(
          R"X(<scxml><state id="p"><history id="h"><transition cond="In('a')" target="a"/></history><state id="a"/></state></scxml>)X"),
      "1:50: the <transition> of <history> takes no 'cond' attribute");
}

// ---- refused: malformed XML --------------------------------------------------------------

TEST(ScxmlLoader, refuses_malformed_xml_at_the_position_pugixml_reports) {
  const auto result = refusal("<scxml>\n  <state id=\"a\">\n</scxml>");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->kind, ChartErrorKind::malformed);
  EXPECT_EQ(result->located, "3:3: malformed XML: start-end tags mismatch");
  EXPECT_EQ(refused("<scxml><state id=\"a></scxml>"), "1:19: malformed XML: error parsing element attribute");
  EXPECT_EQ(refused(""), "1:1: malformed XML: no document element found");
}

TEST(ScxmlLoader, refuses_duplicate_attributes_and_unknown_entities) {
  EXPECT_EQ(refused(R"X(<scxml><state id="a" id="b"/></scxml>)X"), "1:22: malformed XML: duplicate attribute 'id'");
  EXPECT_EQ(refused(R"X(<scxml><state id="a&b;"/></scxml>)X"), "1:20: malformed XML: unknown entity reference '&b;'");
}

TEST(ScxmlLoader, counts_lines_across_crlf_and_columns_in_characters) {
  EXPECT_EQ(refused("<scxml>\r\n<state id=\"a\">\r\n<blink/></state></scxml>"), "3:1: unknown element <blink>");
  EXPECT_EQ(refused("<scxml><state id=\"\xC3\xA9t\xC3\xA9\"><blink/></state></scxml>"),
            "1:24: unknown element <blink>");
}

// ---- refused by the compiler, located by the loader ------------------------------------------

TEST(ScxmlLoader, unknown_target_is_named_with_its_transition_position) {
  const auto result =
      refusal("<scxml>\n  <state id=\"a\">\n    <transition event=\"go\" target=\"foo\"/>\n  </state>\n</scxml>");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->kind, ChartErrorKind::invalid);
  EXPECT_EQ(result->located, "3:5: unknown target state 'foo' in <transition>");
}

TEST(ScxmlLoader, unknown_target_in_an_initial_attribute_points_at_the_attribute) {
  EXPECT_EQ(refused(R"X(<scxml><state id="p" initial="zz"><state id="a"/></state></scxml>)X"),
            "1:22: unknown target state 'zz' in the initial attribute of <state>");
  EXPECT_EQ(refused(R"X(<scxml initial="zz"><state id="a"/></scxml>)X"),
            "1:8: unknown target state 'zz' in the initial attribute of <scxml>");
}

TEST(ScxmlLoader, unknown_state_in_in_condition_is_named) {
  EXPECT_EQ(
      refused(R"X(<scxml><state id="a"><transition event="e" cond="In('nowhere')" target="a"/></state></scxml>)X"),
      "1:22: unknown state 'nowhere' in the In() condition of <transition>");
}

TEST(ScxmlLoader, structural_errors_are_named_at_their_element) {
  EXPECT_EQ(refused(R"X(<scxml><state id="a"/><state id="a"/></scxml>)X"), "1:23: duplicate state id 'a'");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><transition event="a..b" target="a"/></state></scxml>)X"),
            "1:22: invalid event name 'a..b' in <transition>");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><onentry><raise event="a b"/></onentry></state></scxml>)X"),
            "1:31: invalid event name 'a b' in <raise>");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><history id="h"/><state id="b"/></state></scxml>)X"),
            "1:22: <history> 'h' needs a <transition> giving its default");
  EXPECT_EQ(
      refused(
          R"X(<scxml><state id="a"><state id="b"/><state id="c"/><transition event="e" target="b c"/></state></scxml>)X"),
      "1:52: the targets of <transition> cannot be active together ('c' conflicts with an earlier target)");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><transition cond="In('a')"/></state></scxml>)X"), "accepted");
  EXPECT_EQ(refused(R"X(<scxml><state id="a"><transition/></state></scxml>)X"),
            "1:22: a <transition> with no event, no cond and no target would loop forever");
  EXPECT_EQ(refused(R"X(<scxml><state id="a" initial="a"/></scxml>)X"),
            "1:8: <state> 'a' has an initial state but no child states");
}

TEST(ScxmlLoader, refuses_charts_of_more_than_64_states) {
  std::string body;
  for (int i = 0; i < 65; ++i) body += "<state id=\"s" + std::to_string(i) + "\"/>";
  const auto result = refusal("<scxml>" + body + "</scxml>");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->located.substr(0, 31), "1:1086: too many states: a char");
}

// Row indices are 16 bits: 65536 actions used to wrap a state's action range
// past the end of the index space, and compiling the chart never finished.
TEST(ScxmlLoader, refuses_charts_of_more_rows_than_16_bit_indices_reach) {
  std::string logs;
  for (int i = 0; i < 65530; ++i) logs += "<log/>\n";
  const std::string entry = "<log/><log/><log/><log/><log/><log/><log/><log/>";
  const auto result = refusal("<scxml>\n<state id=\"a\"><onexit>\n" + logs +
                              "</onexit></state>\n<state id=\"b\"><onentry>" + entry + "</onentry></state></scxml>");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->kind, ChartErrorKind::invalid);
  EXPECT_EQ(result->located,
            "1:1: the chart is too large: it may have at most 65535 each of transitions, actions, transition "
            "targets and event descriptors");
}

TEST(ScxmlLoader, file_that_cannot_be_read_is_an_io_error) {
  try {
    load_scxml_file("/nonexistent/chart.scxml");
    FAIL() << "loaded";
  } catch (const ChartError& error) {
    EXPECT_EQ(error.kind(), ChartErrorKind::io);
    EXPECT_STREQ(error.what(), "/nonexistent/chart.scxml: error: cannot open file: No such file or directory");
  }
}

}  // namespace
}  // namespace lit::tools

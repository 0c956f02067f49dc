// The chart compiler: structural checks on a Spec built at run time (as the
// SCXML loader does), the structural hash, and the size of a machine's
// runtime state.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "chart_fixture.hpp"

using namespace lit::chart;
using namespace lit::chart::dsl;
using lit::chart::testing::Empty;

namespace {

// Builds a Spec by hand, the way a run-time front-end does.
class SpecBuilder {
 public:
  StateIndex add_state(std::string_view name, StateIndex parent = kRoot, SpecStateKind kind = SpecStateKind::state) {
    SpecState state{};
    state.name = name;
    state.parent = parent;
    state.kind = kind;
    state.location = SourceLocation{static_cast<std::uint32_t>(states_.size() + 1), 3};
    states_.push_back(state);
    return static_cast<StateIndex>(states_.size() - 1);
  }
  std::uint16_t add_transition(StateIndex source,
                               SpecTransitionRole role,
                               std::vector<std::string_view> events,
                               std::vector<std::string_view> targets,
                               bool internal = false) {
    names_.push_back(std::move(events));
    names_.push_back(std::move(targets));
    SpecTransition transition{};
    transition.source = source;
    transition.role = role;
    transition.internal = internal;
    transition.location = SourceLocation{100 + static_cast<std::uint32_t>(transitions_.size()), 7};
    transitions_.push_back(transition);
    return static_cast<std::uint16_t>(transitions_.size() - 1);
  }
  void set_initial(StateIndex state, std::string_view target) {
    const std::uint16_t index = add_transition(state, SpecTransitionRole::initial, {}, {target});
    if (state == kRoot) {
      initial_ = index;
    } else {
      states_[state].initial = index;
    }
  }
  void set_history_default(StateIndex history, std::string_view target) {
    states_[history].initial = add_transition(history, SpecTransitionRole::history_default, {}, {target});
  }
  SpecTransition& transition(std::uint16_t index) { return transitions_[index]; }

  Spec spec() {
    // Spans into names_ are made last, once names_ has stopped growing.
    for (std::size_t i = 0; i < transitions_.size(); ++i) {
      transitions_[i].events = names_[2 * i];
      transitions_[i].targets = names_[2 * i + 1];
    }
    return Spec{"built", initial_, states_, transitions_, {}, {}, {}, {}};
  }

 private:
  std::vector<SpecState> states_;
  std::vector<SpecTransition> transitions_;
  std::vector<std::vector<std::string_view>> names_;
  std::uint16_t initial_ = kNone;
};

constexpr Counts kRoomy{64, 128, 64, 256, 128, 128, 256, 16, 16, 16};

CompileResult compile_spec(SpecBuilder& builder) {
  static FixedTable<kRoomy> rows;
  rows = FixedTable<kRoomy>{};
  return compile(builder.spec(), rows);
}

SpecBuilder two_level() {
  SpecBuilder b;
  const StateIndex a = b.add_state("a");
  b.add_state("a1", a);
  b.add_state("a2", a);
  b.add_state("b");
  b.set_initial(kRoot, "a");
  b.set_initial(a, "a1");
  return b;
}

TEST(Compile, well_formed_spec_compiles) {
  SpecBuilder b = two_level();
  b.add_transition(1, SpecTransitionRole::on_event, {"go"}, {"b"});
  EXPECT_TRUE(compile_spec(b).ok());
}

TEST(Compile, unknown_target_is_named_with_its_location) {
  SpecBuilder b = two_level();
  b.add_transition(1, SpecTransitionRole::on_event, {"go"}, {"nowhere"});
  const CompileResult result = compile_spec(b);
  EXPECT_EQ(result.error, CompileError::unknown_target);
  EXPECT_EQ(result.subject, "nowhere");
  EXPECT_EQ(result.location.line, 102U);
  EXPECT_EQ(result.location.column, 7U);
}

TEST(Compile, duplicate_state_id_is_refused) {
  SpecBuilder b = two_level();
  b.add_state("a1");
  const CompileResult result = compile_spec(b);
  EXPECT_EQ(result.error, CompileError::duplicate_state_name);
  EXPECT_EQ(result.subject, "a1");
  EXPECT_EQ(result.location.line, 5U);
}

TEST(Compile, compound_state_without_initial_is_refused) {
  SpecBuilder b;
  const StateIndex a = b.add_state("a");
  b.add_state("a1", a);
  b.set_initial(kRoot, "a");
  EXPECT_EQ(compile_spec(b).error, CompileError::missing_initial);
}

TEST(Compile, chart_without_initial_is_refused) {
  SpecBuilder b;
  b.add_state("a");
  EXPECT_EQ(compile_spec(b).error, CompileError::missing_initial);
}

TEST(Compile, initial_target_outside_its_state_is_refused) {
  SpecBuilder b;
  const StateIndex a = b.add_state("a");
  b.add_state("a1", a);
  b.add_state("b");
  b.set_initial(kRoot, "a");
  b.set_initial(a, "b");
  const CompileResult result = compile_spec(b);
  EXPECT_EQ(result.error, CompileError::initial_target_outside_state);
  EXPECT_EQ(result.subject, "b");
}

TEST(Compile, initial_on_an_atomic_state_is_refused) {
  SpecBuilder b;
  const StateIndex a = b.add_state("a");
  b.add_state("b");
  b.set_initial(kRoot, "a");
  b.set_initial(a, "b");
  EXPECT_EQ(compile_spec(b).error, CompileError::unexpected_initial);
}

// a (a1, h) then b, with h's default left to the test.
SpecBuilder with_history(StateIndex& history) {
  SpecBuilder b;
  const StateIndex a = b.add_state("a");
  b.add_state("a1", a);
  history = b.add_state("h", a, SpecStateKind::deep_history);
  b.add_state("b");
  b.set_initial(kRoot, "a");
  b.set_initial(a, "a1");
  return b;
}

TEST(Compile, history_without_default_is_refused) {
  StateIndex h = 0;
  SpecBuilder b = with_history(h);
  const CompileResult result = compile_spec(b);
  EXPECT_EQ(result.error, CompileError::history_without_default);
  EXPECT_EQ(result.subject, "h");
}

TEST(Compile, history_default_outside_the_parent_is_refused) {
  StateIndex h = 0;
  SpecBuilder b = with_history(h);
  b.set_history_default(h, "b");
  EXPECT_EQ(compile_spec(b).error, CompileError::history_default_outside_parent);
}

TEST(Compile, history_with_a_default_inside_the_parent_compiles) {
  StateIndex h = 0;
  SpecBuilder b = with_history(h);
  b.set_history_default(h, "a1");
  EXPECT_TRUE(compile_spec(b).ok());
}

TEST(Compile, history_at_the_root_is_refused) {
  SpecBuilder b = two_level();
  const StateIndex h = b.add_state("h", kRoot, SpecStateKind::shallow_history);
  b.set_history_default(h, "a");
  EXPECT_EQ(compile_spec(b).error, CompileError::history_outside_state);
}

TEST(Compile, children_under_a_final_state_are_refused) {
  SpecBuilder b;
  const StateIndex f = b.add_state("f", kRoot, SpecStateKind::final);
  b.add_state("inside", f);
  b.set_initial(kRoot, "f");
  EXPECT_EQ(compile_spec(b).error, CompileError::child_of_leaf_state);
}

TEST(Compile, states_out_of_document_order_are_refused) {
  SpecBuilder b;
  const StateIndex a = b.add_state("a");
  b.add_state("b");
  b.add_state("a1", a);  // a's child after a's sibling
  b.set_initial(kRoot, "a");
  EXPECT_EQ(compile_spec(b).error, CompileError::not_document_order);
}

TEST(Compile, more_than_64_states_are_refused) {
  SpecBuilder b;
  std::vector<std::array<char, 24>> names(65);
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::snprintf(names[i].data(), names[i].size(), "s%zu", i);
    b.add_state(names[i].data());
  }
  b.set_initial(kRoot, "s0");
  EXPECT_EQ(compile_spec(b).error, CompileError::too_many_states);
}

TEST(Compile, state_id_with_whitespace_is_refused) {
  SpecBuilder b;
  b.add_state("two words");
  b.set_initial(kRoot, "two");
  EXPECT_EQ(compile_spec(b).error, CompileError::invalid_name);
}

TEST(Compile, malformed_event_descriptor_is_refused) {
  for (const std::string_view bad : {"a..b", ".a", "a.", "a*b", ""}) {
    SpecBuilder b = two_level();
    b.add_transition(1, SpecTransitionRole::on_event, {bad}, {"b"});
    const CompileResult result = compile_spec(b);
    EXPECT_EQ(result.error, CompileError::invalid_event_descriptor) << "descriptor '" << bad << "'";
  }
}

TEST(Compile, trailing_wildcard_descriptor_means_the_prefix) {
  SpecBuilder b = two_level();
  b.add_transition(1, SpecTransitionRole::on_event, {"sensor.*"}, {"b"});
  static FixedTable<kRoomy> rows;
  rows = FixedTable<kRoomy>{};
  ASSERT_TRUE(compile(b.spec(), rows).ok());
  Table table = rows.header;
  table.events = rows.events.data();
  EXPECT_NE(table.find_event("sensor"), kNone);
}

TEST(Compile, unguarded_targetless_eventless_transition_is_refused_as_a_loop) {
  SpecBuilder b = two_level();
  b.add_transition(1, SpecTransitionRole::eventless, {}, {});
  EXPECT_EQ(compile_spec(b).error, CompileError::eventless_loop);
}

TEST(Compile, unknown_state_in_in_condition_is_refused) {
  SpecBuilder b = two_level();
  const std::uint16_t t = b.add_transition(1, SpecTransitionRole::on_event, {"go"}, {"b"});
  b.transition(t).guard_kind = GuardKind::in_state;
  b.transition(t).guard_state = "ghost";
  const CompileResult result = compile_spec(b);
  EXPECT_EQ(result.error, CompileError::unknown_state_in_condition);
  EXPECT_EQ(result.subject, "ghost");
}

TEST(Compile, transition_out_of_a_final_state_is_refused) {
  SpecBuilder b;
  b.add_state("a");
  b.add_state("f", kRoot, SpecStateKind::final);
  b.set_initial(kRoot, "a");
  b.add_transition(1, SpecTransitionRole::on_event, {"go"}, {"a"});
  EXPECT_EQ(compile_spec(b).error, CompileError::transition_from_final_or_history);
}

// ---- structural hash --------------------------------------------------------

constexpr auto lamp_a = lit::chart::define<Empty>(
    "lamp", initial("off"), state("off", on("power").to("on")), state("on", on("power").to("off")));
constexpr auto lamp_b = lit::chart::define<Empty>(
    "lamp", initial("off"), state("off", on("power").to("on").then([] {})), state("on", on("power").to("off")));
constexpr auto lamp_renamed_event = lit::chart::define<Empty>(
    "lamp", initial("off"), state("off", on("switch").to("on")), state("on", on("power").to("off")));
constexpr auto lamp_other_target = lit::chart::define<Empty>(
    "lamp", initial("off"), state("off", on("power").to("on")), state("on", on("power").to("on")));

TEST(ChartHash, same_structure_gives_the_same_hash_whatever_the_action_bodies) {
  // lamp_b has an extra action, so its structure differs; compare two definitions of lamp_a's shape.
  constexpr auto again = lit::chart::define<Empty>(
      "lamp", initial("off"), state("off", on("power").to("on")), state("on", on("power").to("off")));
  EXPECT_EQ(lamp_a.structural_hash(), again.structural_hash());
}

TEST(ChartHash, any_structural_change_changes_the_hash) {
  EXPECT_NE(lamp_a.structural_hash(), lamp_b.structural_hash());
  EXPECT_NE(lamp_a.structural_hash(), lamp_renamed_event.structural_hash());
  EXPECT_NE(lamp_a.structural_hash(), lamp_other_target.structural_hash());
}

TEST(ChartHash, hash_is_a_compile_time_constant) {
  static_assert(lamp_a.structural_hash() != 0);
  constexpr std::uint64_t hash = lamp_a.structural_hash();
  EXPECT_EQ(hash, lamp_a.structural_hash());
}

TEST(ChartHash, runtime_spec_and_dsl_definition_of_one_chart_hash_alike) {
  SpecBuilder b;
  b.add_state("off");
  b.add_state("on");
  b.set_initial(kRoot, "off");
  b.add_transition(0, SpecTransitionRole::on_event, {"power"}, {"on"});
  b.add_transition(1, SpecTransitionRole::on_event, {"power"}, {"off"});
  Spec spec = b.spec();
  spec.name = "lamp";
  static FixedTable<kRoomy> rows;
  rows = FixedTable<kRoomy>{};
  ASSERT_TRUE(compile(spec, rows).ok());
  EXPECT_EQ(rows.header.structural_hash, lamp_a.structural_hash());
}

// ---- tables and runtime state ------------------------------------------------

constexpr auto sixteen = lit::chart::define<Empty>("sixteen",
                                                   initial("a"),
                                                   state("a",
                                                         initial("a1"),
                                                         on("b").to("b"),
                                                         state("a1", on("next").to("a2")),
                                                         state("a2", on("next").to("a3")),
                                                         state("a3", on("next").to("a1")),
                                                         deep_history("a_history", "a1")),
                                                   state("b",
                                                         initial("b1"),
                                                         on("a").to("a_history"),
                                                         state("b1", initial("b11"), state("b11"), state("b12")),
                                                         state("b2", initial("b21"), state("b21"), state("b22"))),
                                                   state("c", initial("c1"), state("c1"), state("c2")),
                                                   final("d"));

TEST(ChartTable, sixteen_state_chart_with_one_history_keeps_nine_bytes_of_runtime_state) {
  static_assert(lit::chart::table_of<sixteen>.state_count == 16);
  // The configuration is one 64-bit set; history adds one byte per history
  // state (a deep history without parallel regions records one atomic state).
  const std::size_t runtime_state = sizeof(StateSet) + sixteen.history_bytes();
  EXPECT_EQ(sixteen.history_bytes(), 1U);
  EXPECT_EQ(runtime_state, 9U);
  EXPECT_LE(runtime_state, 16U + 1U);
  std::printf(
      "[ report   ] runtime state of a 16-state chart with one history state: %zu bytes "
      "(configuration %zu + history %zu); sizeof(Machine) with its pointers: %zu; "
      "sizeof(Instance<sixteen>): %zu\n",
      runtime_state,
      sizeof(StateSet),
      sixteen.history_bytes(),
      sizeof(Machine),
      sizeof(Instance<sixteen>));
}

TEST(ChartTable, deep_history_over_parallel_regions_keeps_a_bitmask_of_the_subtree) {
  static constexpr auto chart =
      lit::chart::define<Empty>("regions",
                                initial("p"),
                                state("p",
                                      initial("q"),
                                      parallel("q",
                                               state("x", initial("x1"), state("x1"), state("x2")),
                                               state("y", initial("y1"), state("y1"), state("y2"))),
                                      state("z"),
                                      deep_history("h", "q")));
  // p has 9 descendants (q, x, x1, x2, y, y1, y2, z and h): two bytes of bits.
  EXPECT_EQ(chart.history_bytes(), 2U);
}

TEST(ChartTable, max_armed_timers_sums_parallel_regions_and_takes_the_busiest_child) {
  using namespace std::chrono_literals;
  static constexpr auto chart =
      lit::chart::define<Empty>("armed",
                                initial("both"),
                                parallel("both",
                                         after(5ms).to("single"),  // its own: 1
                                         state("left",
                                               initial("l1"),
                                               state("l1", after(1ms).to("l2"), after(2ms).to("l2")),  // 2
                                               state("l2", after(3ms).to("l1"))),                      // 1
                                         state("right", after(4ms).to("right"))),                      // 1
                                state("single", after(1ms).to("both"), after(9ms).to("both"), after(7ms).to("both")));
  // "both" with l1 and right: 1 + 2 + 1. "single" alone arms 3.
  static_assert(lit::chart::table_of<chart>.timer_count == 8);
  EXPECT_EQ(lit::chart::table_of<chart>.max_armed_timers, 4U);
  static constexpr auto no_timers = lit::chart::define<Empty>("none", initial("a"), state("a"));
  EXPECT_EQ(lit::chart::table_of<no_timers>.max_armed_timers, 0U);
}

TEST(ChartTable, names_are_available_for_introspection) {
  constexpr Table table = lit::chart::table_of<sixteen>;
  EXPECT_EQ(table.name, "sixteen");
  EXPECT_EQ(table.states[sixteen.state("b12")].name, "b12");
  EXPECT_EQ(table.states[table.states[sixteen.state("b12")].parent].name, "b1");
  EXPECT_EQ(table.events[sixteen.event("next")].name, "next");
}

TEST(ChartTable, active_states_have_full_paths_from_the_top_of_the_chart) {
  constexpr Table table = lit::chart::table_of<sixteen>;
  char path[32];
  EXPECT_EQ(state_path(table, sixteen.state("b12"), path, sizeof path), 8U);
  EXPECT_STREQ(path, "b/b1/b12");
  EXPECT_EQ(state_path(table, sixteen.state("c"), path, sizeof path), 1U);
  EXPECT_STREQ(path, "c");
}

TEST(ChartTable, state_path_is_cut_short_to_fit_and_reports_the_length_it_needs) {
  constexpr Table table = lit::chart::table_of<sixteen>;
  char path[5];
  EXPECT_EQ(state_path(table, sixteen.state("b12"), path, sizeof path), 8U);
  EXPECT_STREQ(path, "b/b1");
  static_assert([] {
    char buffer[16]{};
    return state_path(lit::chart::table_of<sixteen>, sixteen.state("a2"), buffer, sizeof buffer) == 4;
  }());
}

TEST(ChartTable, table_is_constant_so_it_can_live_in_flash) {
  // A constant-initialised table runs no static constructor.
  static constinit const Table table = lit::chart::table_of<sixteen>;
  EXPECT_EQ(table.state_count, 16U);
}

}  // namespace

// SCXML semantics of the engine (W3C SCXML, Appendix D), one rule per test.
// Charts log their entries, exits and transition actions with log(), so each
// test asserts the exact order in which things happened.
#include <gtest/gtest.h>

#include "chart_fixture.hpp"

using namespace lit::chart::dsl;
using lit::chart::Outcome;
using lit::chart::testing::ChartRun;
using lit::chart::testing::Empty;
using lit::chart::testing::Lines;

namespace {

#define ENTER_EXIT(id) entry(log("enter", id)), exit(log("exit", id))

// ---- run-to-completion and document order --------------------------------------

constexpr auto nested =
    lit::chart::define<Empty>("nested",
                              initial("a"),
                              state("a",
                                    ENTER_EXIT("a"),
                                    initial("a1"),
                                    state("a1",
                                          ENTER_EXIT("a1"),
                                          initial("a11"),
                                          state("a11", ENTER_EXIT("a11"), on("go").to("b11").then(log("t", "go"))))),
                              state("b",
                                    ENTER_EXIT("b"),
                                    initial("b1"),
                                    state("b1", ENTER_EXIT("b1"), initial("b11"), state("b11", ENTER_EXIT("b11")))));

TEST(Machine, start_enters_the_initial_configuration_outermost_first) {
  ChartRun<nested> run;
  EXPECT_EQ(run.start(), Outcome::handled);
  EXPECT_EQ(run.take_log(), (Lines{"enter a", "enter a1", "enter a11"}));
  EXPECT_EQ(run.active(), (Lines{"a", "a1", "a11"}));
}

TEST(Machine, transition_exits_innermost_first_then_runs_actions_then_enters_outermost_first) {
  ChartRun<nested> run;
  run.start();
  run.take_log();
  EXPECT_EQ(run.send(nested.event("go")), Outcome::handled);
  EXPECT_EQ(run.take_log(), (Lines{"exit a11", "exit a1", "exit a", "t go", "enter b", "enter b1", "enter b11"}));
  EXPECT_EQ(run.atomic(), (Lines{"b11"}));
}

TEST(Machine, unhandled_event_changes_nothing) {
  ChartRun<nested> run;
  run.start();
  run.take_log();
  EXPECT_EQ(run.send(nested.event("go")), Outcome::handled);
  EXPECT_EQ(run.send(nested.event("go")), Outcome::unhandled);
  run.take_log();
  EXPECT_EQ(run.take_log(), Lines{});
  EXPECT_EQ(run.atomic(), (Lines{"b11"}));
}

TEST(Machine, dispatch_before_start_reports_not_running) {
  ChartRun<nested> run;
  EXPECT_EQ(run.machine.dispatch(nested.event("go")), Outcome::not_running);
  EXPECT_EQ(run.take_log(), Lines{});
}

TEST(Machine, event_id_outside_the_chart_is_refused_without_effect) {
  ChartRun<nested> run;
  run.start();
  run.take_log();
  EXPECT_EQ(run.machine.dispatch(lit::chart::EventId{999}), Outcome::invalid_event);
  EXPECT_EQ(run.atomic(), (Lines{"a11"}));
}

// ---- initial states ------------------------------------------------------------

constexpr auto initials = lit::chart::define<Empty>("initials",
                                                    initial("p").then(log("t", "root-initial")),
                                                    state("p",
                                                          ENTER_EXIT("p"),
                                                          initial("p2").then(log("t", "p-initial")),
                                                          state("p1", ENTER_EXIT("p1")),
                                                          state("p2", ENTER_EXIT("p2"), on("deep").to("q2")),
                                                          state("q",
                                                                ENTER_EXIT("q"),
                                                                initial("q1"),
                                                                state("q1", ENTER_EXIT("q1")),
                                                                state("q2", ENTER_EXIT("q2"), on("up").to("p")))));

TEST(Machine, initial_transition_actions_run_after_the_parent_entry_and_before_the_child_entry) {
  ChartRun<initials> run;
  run.start();
  EXPECT_EQ(run.take_log(), (Lines{"t root-initial", "enter p", "t p-initial", "enter p2"}));
}

TEST(Machine, explicit_target_skips_the_default_initial_of_its_ancestors) {
  ChartRun<initials> run;
  run.start();
  run.take_log();
  run.send(initials.event("deep"));
  EXPECT_EQ(run.take_log(), (Lines{"exit p2", "enter q", "enter q2"}));
}

TEST(Machine, targeting_a_compound_state_enters_its_default_initial_and_runs_its_actions) {
  ChartRun<initials> run;
  run.start();
  run.send(initials.event("deep"));
  run.take_log();
  run.send(initials.event("up"));
  EXPECT_EQ(run.take_log(), (Lines{"exit q2", "exit q", "exit p", "enter p", "t p-initial", "enter p2"}));
}

// ---- external, internal and targetless transitions -------------------------------

constexpr auto kinds = lit::chart::define<Empty>("kinds",
                                                 initial("s"),
                                                 state("s",
                                                       ENTER_EXIT("s"),
                                                       initial("s1"),
                                                       on("external").to("s2"),
                                                       on("internal").to("s2").internal(),
                                                       on("internal_out").to("t").internal(),
                                                       on("self").to("s"),
                                                       on("nothing").then(log("t", "targetless")),
                                                       state("s1", ENTER_EXIT("s1")),
                                                       state("s2", ENTER_EXIT("s2"))),
                                                 state("t", ENTER_EXIT("t")));

TEST(Machine, external_transition_from_compound_state_exits_and_reenters_it) {
  ChartRun<kinds> run;
  run.start();
  run.take_log();
  run.send(kinds.event("external"));
  EXPECT_EQ(run.take_log(), (Lines{"exit s1", "exit s", "enter s", "enter s2"}));
}

TEST(Machine, internal_transition_from_compound_state_to_its_descendant_does_not_exit_it) {
  ChartRun<kinds> run;
  run.start();
  run.take_log();
  run.send(kinds.event("internal"));
  EXPECT_EQ(run.take_log(), (Lines{"exit s1", "enter s2"}));
  EXPECT_EQ(run.atomic(), (Lines{"s2"}));
}

TEST(Machine, internal_transition_to_a_target_outside_its_source_behaves_as_external) {
  ChartRun<kinds> run;
  run.start();
  run.take_log();
  run.send(kinds.event("internal_out"));
  EXPECT_EQ(run.take_log(), (Lines{"exit s1", "exit s", "enter t"}));
}

TEST(Machine, external_self_transition_exits_and_reenters_the_state_with_its_default_initial) {
  ChartRun<kinds> run;
  run.start();
  run.send(kinds.event("internal"));
  run.take_log();
  run.send(kinds.event("self"));
  EXPECT_EQ(run.take_log(), (Lines{"exit s2", "exit s", "enter s", "enter s1"}));
}

TEST(Machine, targetless_transition_runs_its_actions_and_leaves_the_configuration_alone) {
  ChartRun<kinds> run;
  run.start();
  run.take_log();
  EXPECT_EQ(run.send(kinds.event("nothing")), Outcome::handled);
  EXPECT_EQ(run.take_log(), (Lines{"t targetless"}));
  EXPECT_EQ(run.atomic(), (Lines{"s1"}));
}

// ---- selection: guards and document order ---------------------------------------

struct Flags {
  bool allow_first = false;
  bool allow_second = false;
};

constexpr auto guarded =
    lit::chart::define<Flags>("guarded",
                              initial("outer"),
                              state("outer",
                                    initial("inner"),
                                    on("e").to("from_outer"),
                                    state("inner",
                                          on("e").to("first").when([](const Flags& f) { return f.allow_first; }),
                                          on("e").to("second").when([](const Flags& f) { return f.allow_second; })),
                                    state("first"),
                                    state("second"),
                                    state("from_outer")));

TEST(Machine, first_enabled_transition_in_document_order_wins) {
  ChartRun<guarded> run;
  run.context.allow_first = true;
  run.context.allow_second = true;
  run.start();
  run.send(guarded.event("e"));
  EXPECT_EQ(run.atomic(), (Lines{"first"}));
}

TEST(Machine, false_guard_falls_through_to_the_next_transition) {
  ChartRun<guarded> run;
  run.context.allow_second = true;
  run.start();
  run.send(guarded.event("e"));
  EXPECT_EQ(run.atomic(), (Lines{"second"}));
}

TEST(Machine, ancestor_transition_is_taken_when_no_descendant_transition_is_enabled) {
  ChartRun<guarded> run;
  run.start();
  run.send(guarded.event("e"));
  EXPECT_EQ(run.atomic(), (Lines{"from_outer"}));
}

// ---- parallel regions and conflicts ---------------------------------------------

constexpr auto regions =
    lit::chart::define<Empty>("regions",
                              initial("p"),
                              parallel("p",
                                       ENTER_EXIT("p"),
                                       on("leave").to("out").then(log("t", "p-leave")),
                                       on("both_left").to("out").then(log("t", "p-both_left")),
                                       state("a",
                                             ENTER_EXIT("a"),
                                             initial("a1"),
                                             state("a1",
                                                   ENTER_EXIT("a1"),
                                                   on("step").to("a2").then(log("t", "a-step")),
                                                   on("leave").to("a2").then(log("t", "a1-leave"))),
                                             state("a2", ENTER_EXIT("a2"))),
                                       state("b",
                                             ENTER_EXIT("b"),
                                             initial("b1"),
                                             state("b1",
                                                   ENTER_EXIT("b1"),
                                                   on("step").to("b2").then(log("t", "b-step")),
                                                   on("both_left").to("b2").then(log("t", "b1-both_left"))),
                                             state("b2", ENTER_EXIT("b2")))),
                              state("out", ENTER_EXIT("out")));

TEST(Machine, entering_a_parallel_state_enters_every_region_in_document_order) {
  ChartRun<regions> run;
  run.start();
  EXPECT_EQ(run.take_log(), (Lines{"enter p", "enter a", "enter a1", "enter b", "enter b1"}));
  EXPECT_EQ(run.atomic(), (Lines{"a1", "b1"}));
}

TEST(Machine, one_event_takes_a_transition_in_each_region_exits_in_reverse_document_order) {
  ChartRun<regions> run;
  run.start();
  run.take_log();
  run.send(regions.event("step"));
  EXPECT_EQ(run.take_log(), (Lines{"exit b1", "exit a1", "t a-step", "t b-step", "enter a2", "enter b2"}));
  EXPECT_EQ(run.atomic(), (Lines{"a2", "b2"}));
}

TEST(Machine, earlier_transition_in_document_order_preempts_a_later_conflicting_one) {
  // a1's leave (a region-local move) is selected first; p's leave, selected
  // for region b, exits a1 too and is not from a descendant of a1: dropped.
  ChartRun<regions> run;
  run.start();
  run.take_log();
  run.send(regions.event("leave"));
  EXPECT_EQ(run.take_log(), (Lines{"exit a1", "t a1-leave", "enter a2"}));
  EXPECT_EQ(run.atomic(), (Lines{"a2", "b1"}));
}

TEST(Machine, descendant_transition_preempts_an_earlier_conflicting_ancestor_transition) {
  // Region a has no both_left, so p's transition is selected first (for a1);
  // b1's own transition conflicts with it and comes from a descendant of p: it wins.
  ChartRun<regions> run;
  run.start();
  run.take_log();
  run.send(regions.event("both_left"));
  EXPECT_EQ(run.take_log(), (Lines{"exit b1", "t b1-both_left", "enter b2"}));
  EXPECT_EQ(run.atomic(), (Lines{"a1", "b2"}));
}

TEST(Machine, leaving_a_parallel_state_exits_all_regions_in_reverse_document_order) {
  ChartRun<regions> run;
  run.start();
  run.send(regions.event("step"));
  run.take_log();
  run.send(regions.event("leave"));
  EXPECT_EQ(run.take_log(), (Lines{"exit b2", "exit b", "exit a2", "exit a", "exit p", "t p-leave", "enter out"}));
}

constexpr auto multi_target = lit::chart::define<Empty>("multi_target",
                                                        initial("idle"),
                                                        state("idle", on("go").to("a2", "b2")),
                                                        parallel("p",
                                                                 state("a", initial("a1"), state("a1"), state("a2")),
                                                                 state("b", initial("b1"), state("b1"), state("b2")),
                                                                 state("c", initial("c1"), state("c1"), state("c2"))));

TEST(Machine, multiple_targets_enter_their_regions_and_other_regions_by_default) {
  ChartRun<multi_target> run;
  run.start();
  run.send(multi_target.event("go"));
  EXPECT_EQ(run.atomic(), (Lines{"a2", "b2", "c1"}));
}

// ---- In() conditions --------------------------------------------------------------

constexpr auto in_conditions = lit::chart::define<Empty>(
    "in_conditions",
    initial("p"),
    parallel("p",
             state("light", initial("off"), state("off", on("toggle").to("on")), state("on", on("toggle").to("off"))),
             state("door",
                   initial("closed"),
                   state("closed", on("open").to("open").when(not_in("on"))),
                   state("open", on("close").to("closed").when(in("off"))))));

TEST(Machine, in_condition_tests_another_regions_configuration) {
  ChartRun<in_conditions> run;
  run.start();
  run.send(in_conditions.event("open"));
  EXPECT_EQ(run.atomic(), (Lines{"off", "open"}));
  run.send(in_conditions.event("toggle"));
  EXPECT_EQ(run.send(in_conditions.event("close")), Outcome::unhandled);
  EXPECT_EQ(run.atomic(), (Lines{"on", "open"}));
  run.send(in_conditions.event("toggle"));
  run.send(in_conditions.event("close"));
  run.send(in_conditions.event("toggle"));
  EXPECT_EQ(run.send(in_conditions.event("open")), Outcome::unhandled);
  EXPECT_EQ(run.atomic(), (Lines{"closed", "on"}));
}

// ---- eventless transitions and the internal queue --------------------------------

struct Counter {
  int value = 0;
};

constexpr auto eventless =
    lit::chart::define<Counter>("eventless",
                                initial("idle"),
                                state("idle", on("go").to("a").then(raise("internal"))),
                                state("a",
                                      ENTER_EXIT("a"),
                                      always().to("b").when([](const Counter& c) { return c.value == 0; }),
                                      on("internal").to("z")),
                                state("b", ENTER_EXIT("b"), always().to("c").when([](const Counter&) { return true; })),
                                state("c", ENTER_EXIT("c"), on("internal").to("d")),
                                state("d", ENTER_EXIT("d")),
                                state("z"));

TEST(Machine, eventless_transitions_run_until_stable_before_raised_events) {
  ChartRun<eventless> run;
  run.start();
  run.take_log();
  run.send(eventless.event("go"));
  EXPECT_EQ(run.take_log(), (Lines{"enter a", "exit a", "enter b", "exit b", "enter c", "exit c", "enter d"}));
  EXPECT_EQ(run.atomic(), (Lines{"d"}));
}

TEST(Machine, eventless_transition_waits_while_its_guard_is_false) {
  ChartRun<eventless> run;
  run.context.value = 1;
  run.start();
  run.send(eventless.event("go"));
  EXPECT_EQ(run.atomic(), (Lines{"z"}));
}

constexpr auto raising = lit::chart::define<Empty>("raising",
                                                   initial("s0"),
                                                   state("s0", on("go").to("s1").then(raise("one"), raise("two"))),
                                                   state("s1", on("one").to("s2"), on("two").to("wrong")),
                                                   state("s2", on("two").to("s3"), on("ext").to("wrong")),
                                                   state("s3", on("ext").to("done")),
                                                   state("wrong"),
                                                   state("done"));

TEST(Machine, raised_events_are_processed_in_order_before_the_next_external_event) {
  ChartRun<raising> run;
  run.start();
  run.host.post(run.machine, raising.event("go"));
  run.host.post(run.machine, raising.event("ext"));
  run.host.run_until_idle();
  EXPECT_EQ(run.atomic(), (Lines{"done"}));
}

// ---- final states and done events ----------------------------------------------

constexpr auto completion =
    lit::chart::define<Empty>("completion",
                              initial("job"),
                              state("job",
                                    initial("work"),
                                    on("done.state.job").to("reported").then(log("t", "job done")),
                                    state("work", on("finish").to("finished")),
                                    final("finished", entry(log("enter", "finished")))),
                              parallel("both",
                                       on("done.state.both").to("all_done"),
                                       state("left", initial("l1"), state("l1", on("l").to("lf")), final("lf")),
                                       state("right", initial("r1"), state("r1", on("r").to("rf")), final("rf"))),
                              state("reported", on("next").to("both")),
                              state("all_done", on("quit").to("end")),
                              final("end", entry(log("enter", "end")), exit(log("exit", "end"))));

TEST(Machine, entering_a_final_child_raises_done_state_of_its_parent_after_its_entry) {
  ChartRun<completion> run;
  run.start();
  run.take_log();
  EXPECT_EQ(run.send(completion.event("finish")), Outcome::handled);
  EXPECT_EQ(run.take_log(), (Lines{"enter finished", "t job done"}));
  EXPECT_EQ(run.atomic(), (Lines{"reported"}));
}

TEST(Machine, parallel_state_is_done_only_when_every_region_is_in_a_final_state) {
  ChartRun<completion> run;
  run.start();
  run.send(completion.event("finish"));
  run.send(completion.event("next"));
  run.send(completion.event("l"));
  EXPECT_EQ(run.atomic(), (Lines{"lf", "r1"}));
  run.send(completion.event("r"));
  EXPECT_EQ(run.atomic(), (Lines{"all_done"}));
}

TEST(Machine, top_level_final_state_finishes_the_machine_after_exiting_every_state) {
  ChartRun<completion> run;
  run.start();
  run.send(completion.event("finish"));
  run.send(completion.event("next"));
  run.send(completion.event("l"));
  run.send(completion.event("r"));
  run.take_log();
  EXPECT_EQ(run.send(completion.event("quit")), Outcome::finished);
  EXPECT_EQ(run.take_log(), (Lines{"enter end", "exit end"}));
  EXPECT_FALSE(run.machine.running());
  EXPECT_EQ(run.machine.configuration(), 0U);
  EXPECT_EQ(run.machine.dispatch(completion.event("quit")), Outcome::not_running);
}

// ---- history --------------------------------------------------------------------

constexpr auto histories = lit::chart::define<Empty>(
    "histories",
    initial("machine"),
    state("machine",
          initial("idle"),
          on("power_cut").to("off"),
          state("idle", on("start").to("running")),
          state("running", initial("slow"), state("slow", on("faster").to("fast")), state("fast", ENTER_EXIT("fast"))),
          shallow_history("machine_shallow", "idle").then(log("t", "shallow default")),
          deep_history("machine_deep", "idle")),
    state("off",
          on("resume_shallow").to("machine_shallow"),
          on("resume_deep").to("machine_deep"),
          on("resume_fresh").to("machine")));

TEST(Machine, shallow_history_restores_the_last_active_child_with_its_default_initial) {
  ChartRun<histories> run;
  run.start();
  run.send(histories.event("start"));
  run.send(histories.event("faster"));
  run.send(histories.event("power_cut"));
  run.send(histories.event("resume_shallow"));
  EXPECT_EQ(run.atomic(), (Lines{"slow"}));
}

TEST(Machine, deep_history_restores_the_atomic_configuration_after_a_deep_exit) {
  ChartRun<histories> run;
  run.start();
  run.send(histories.event("start"));
  run.send(histories.event("faster"));
  run.send(histories.event("power_cut"));
  run.take_log();
  run.send(histories.event("resume_deep"));
  EXPECT_EQ(run.atomic(), (Lines{"fast"}));
  EXPECT_EQ(run.take_log(), (Lines{"enter fast"}));
  EXPECT_EQ(run.active(), (Lines{"machine", "running", "fast"}));
}

TEST(Machine, entering_the_parent_directly_ignores_its_history) {
  ChartRun<histories> run;
  run.start();
  run.send(histories.event("start"));
  run.send(histories.event("power_cut"));
  run.send(histories.event("resume_fresh"));
  EXPECT_EQ(run.atomic(), (Lines{"idle"}));
}

TEST(Machine, restart_forgets_recorded_history) {
  ChartRun<histories> run;
  run.start();
  run.send(histories.event("start"));
  run.send(histories.event("faster"));
  run.send(histories.event("power_cut"));
  run.start();
  run.send(histories.event("power_cut"));
  run.take_log();
  run.send(histories.event("resume_deep"));
  EXPECT_EQ(run.atomic(), (Lines{"idle"}));
}

constexpr auto unrecorded =
    lit::chart::define<Empty>("unrecorded",
                              initial("off"),
                              state("off", on("resume").to("h")),
                              state("machine",
                                    initial("idle"),
                                    ENTER_EXIT("machine"),
                                    state("idle", ENTER_EXIT("idle")),
                                    state("busy", ENTER_EXIT("busy")),
                                    shallow_history("h", "busy").then(log("t", "history default"))));

TEST(Machine, unrecorded_history_takes_its_default_and_runs_its_actions_after_the_parent_entry) {
  ChartRun<unrecorded> run;
  run.start();
  run.take_log();
  run.send(unrecorded.event("resume"));
  EXPECT_EQ(run.take_log(), (Lines{"enter machine", "t history default", "enter busy"}));
  EXPECT_EQ(run.atomic(), (Lines{"busy"}));
}

constexpr auto inner_history = lit::chart::define<Empty>("inner_history",
                                                         initial("p"),
                                                         state("p",
                                                               initial("a"),
                                                               on("leave").to("outside"),
                                                               state("a", on("next").to("b")),
                                                               state("b", on("back").to("h")),
                                                               shallow_history("h", "b")),
                                                         state("outside", on("return").to("p")));

TEST(Machine, history_targeted_from_inside_its_parent_restores_the_record_from_the_last_exit) {
  ChartRun<inner_history> run;
  run.start();                              // p/a
  run.send(inner_history.event("leave"));   // records h = a
  run.send(inner_history.event("return"));  // p/a by default
  run.send(inner_history.event("next"));    // p/b; p does not exit, so h still records a
  run.send(inner_history.event("back"));
  EXPECT_EQ(run.atomic(), (Lines{"a"}));
}

constexpr auto parallel_history = lit::chart::define<Empty>(
    "parallel_history",
    initial("device"),
    state(
        "device",
        initial("p"),
        on("sleep").to("asleep"),
        parallel(
            "p",
            state("led", initial("led_off"), state("led_off", on("led").to("led_on")), state("led_on")),
            state("fan",
                  initial("fan_off"),
                  state("fan_off", on("fan").to("fan_on")),
                  state("fan_on", initial("fan_low"), state("fan_low", on("fan").to("fan_high")), state("fan_high")))),
        deep_history("device_history", "p")),
    state("asleep", on("wake").to("device_history")));

TEST(Machine, deep_history_over_parallel_regions_restores_every_region) {
  ChartRun<parallel_history> run;
  run.start();
  run.send(parallel_history.event("led"));
  run.send(parallel_history.event("fan"));
  run.send(parallel_history.event("fan"));
  EXPECT_EQ(run.atomic(), (Lines{"fan_high", "led_on"}));
  run.send(parallel_history.event("sleep"));
  EXPECT_EQ(run.atomic(), (Lines{"asleep"}));
  run.send(parallel_history.event("wake"));
  EXPECT_EQ(run.atomic(), (Lines{"fan_high", "led_on"}));
}

// ---- event descriptors -------------------------------------------------------------

constexpr auto descriptors = lit::chart::define<Empty>(
    "descriptors",
    events("sensor.temp.high", "sensor.temperature", "sensor", "other"),
    initial("idle"),
    state("idle", on("sensor.temp").to("temp"), on("alarm", "fault").to("alarm"), on("*").to("anything")),
    state("temp", on("reset").to("idle")),
    state("alarm", on("reset").to("idle")),
    state("anything", on("reset").to("idle")));

TEST(Machine, descriptor_matches_the_event_and_its_dotted_extensions) {
  ChartRun<descriptors> run;
  run.start();
  run.send(descriptors.event("sensor.temp.high"));
  EXPECT_EQ(run.atomic(), (Lines{"temp"}));
}

TEST(Machine, descriptor_does_not_match_a_longer_token) {
  ChartRun<descriptors> run;
  run.start();
  run.send(descriptors.event("sensor.temperature"));
  EXPECT_EQ(run.atomic(), (Lines{"anything"}));
}

TEST(Machine, descriptor_does_not_match_a_shorter_event) {
  ChartRun<descriptors> run;
  run.start();
  run.send(descriptors.event("sensor"));
  EXPECT_EQ(run.atomic(), (Lines{"anything"}));
}

TEST(Machine, transition_with_several_descriptors_matches_any_of_them) {
  ChartRun<descriptors> run;
  run.start();
  run.send(descriptors.event("fault"));
  EXPECT_EQ(run.atomic(), (Lines{"alarm"}));
  run.send(descriptors.event("reset"));
  run.send(descriptors.event("alarm"));
  EXPECT_EQ(run.atomic(), (Lines{"alarm"}));
}

TEST(Machine, wildcard_matches_any_event) {
  ChartRun<descriptors> run;
  run.start();
  run.send(descriptors.event("other"));
  EXPECT_EQ(run.atomic(), (Lines{"anything"}));
}

}  // namespace

// Event names: SCXML token rules, and resolving any name given at run time to
// the event id that behaves as that name does.
#include "lit/chart/names.hpp"

#include <gtest/gtest.h>

#include "chart_fixture.hpp"

using namespace lit::chart::dsl;
using lit::chart::resolve_event;
using lit::chart::testing::ChartRun;
using lit::chart::testing::Empty;
using lit::chart::testing::Lines;

namespace {

constexpr auto job = lit::chart::define<Empty>(
    "job",
    events("done.state.work.extra", "sensor.high"),
    initial("work"),
    state("work", initial("busy"), state("busy", on("finish").to("finished")), final("finished")),
    state("waiting", on("done.state.work").to("reported"), on("sensor").to("sensing")),
    state("reported"),
    state("sensing"));

TEST(EventNames, token_prefix_is_a_whole_token) {
  static_assert(lit::chart::is_token_prefix("a.b", "a.b.c"));
  static_assert(lit::chart::is_token_prefix("a.b", "a.b"));
  static_assert(!lit::chart::is_token_prefix("a.b", "a.bc"));
  static_assert(!lit::chart::is_token_prefix("a.b.c", "a.b"));
  SUCCEED();
}

TEST(EventNames, names_with_empty_tokens_wildcards_or_spaces_are_invalid) {
  static_assert(lit::chart::valid_event_name("sensor.high"));
  static_assert(!lit::chart::valid_event_name(""));
  static_assert(!lit::chart::valid_event_name("a..b"));
  static_assert(!lit::chart::valid_event_name("a."));
  static_assert(!lit::chart::valid_event_name("a b"));
  static_assert(!lit::chart::valid_event_name("a*"));
  SUCCEED();
}

TEST(EventNames, generated_event_name_resolves_to_the_generated_event) {
  constexpr lit::chart::Table table = lit::chart::table_of<job>;
  const lit::chart::EventId done = resolve_event(table, "done.state.work");
  ASSERT_LT(done, table.event_count);
  EXPECT_EQ(table.events[done].kind, lit::chart::EventKind::done_state);
}

TEST(EventNames, declared_extension_of_a_generated_event_is_matched_by_its_descriptor) {
  // "done.state.work.extra" extends done.state.work, so the transition on
  // done.state.work takes it, as SCXML prefix matching says.
  static constexpr auto chart = lit::chart::define<Empty>("extension",
                                                          events("done.state.p.extra"),
                                                          initial("a"),
                                                          state("a", on("done.state.p").to("b")),
                                                          state("b"),
                                                          state("p", initial("p1"), state("p1"), final("pf")));
  ChartRun<chart> run;
  run.start();
  run.send(chart.event("done.state.p.extra"));
  EXPECT_EQ(run.atomic(), (Lines{"b"}));
}

TEST(EventNames, undeclared_name_resolves_to_its_longest_known_prefix) {
  constexpr lit::chart::Table table = lit::chart::table_of<job>;
  EXPECT_EQ(resolve_event(table, "sensor.low"), job.event("sensor"));
  EXPECT_EQ(resolve_event(table, "sensor.high.peak"), job.event("sensor.high"));
  EXPECT_EQ(resolve_event(table, "done.state.work.other"), resolve_event(table, "done.state.work"));
}

TEST(EventNames, name_the_chart_never_mentions_resolves_to_its_other_event) {
  constexpr lit::chart::Table table = lit::chart::table_of<job>;
  static_assert(resolve_event(table, "nobody.knows") == table.other_event);
  EXPECT_EQ(table.events[table.other_event].kind, lit::chart::EventKind::other);
  EXPECT_EQ(table.events[table.other_event].handlers, 0U);
}

}  // namespace

// Per-state deferral: an event that the active configuration defers is kept by
// the host and recalled, in arrival order, after the deferring state exits.
#include <gtest/gtest.h>

#include "chart_fixture.hpp"

using namespace lit::chart::dsl;
using lit::chart::Outcome;
using lit::chart::testing::ChartRun;
using lit::chart::testing::Empty;
using lit::chart::testing::Lines;

namespace {

struct Jobs {
  int handled = 0;
};

constexpr auto worker = lit::chart::define<Jobs>(
    "worker",
    initial("ready"),
    state("ready", on("job").to("busy").then([](Jobs& jobs) { ++jobs.handled; }).then(log("job", "start"))),
    state("busy",
          defer("job"),
          on("done").to("ready"),
          on("cancel").to("ready"),
          on("urgent").to("ready").then(log("urgent", "preempts"))));

TEST(Defer, event_deferred_by_the_active_state_is_kept_instead_of_discarded) {
  ChartRun<worker> run;
  run.start();
  run.send(worker.event("job"));
  EXPECT_EQ(run.send(worker.event("job")), Outcome::deferred);
  EXPECT_EQ(run.host.deferred_count(run.machine), 1U);
  EXPECT_EQ(run.context.handled, 1);
}

TEST(Defer, kept_events_are_recalled_in_arrival_order_when_the_deferring_state_exits) {
  ChartRun<worker> run;
  run.start();
  run.send(worker.event("job"));
  run.send(worker.event("job"));
  run.send(worker.event("job"));
  EXPECT_EQ(run.host.deferred_count(run.machine), 2U);
  run.send(worker.event("done"));  // recall: the first kept job starts, the second is deferred again
  EXPECT_EQ(run.context.handled, 2);
  EXPECT_EQ(run.host.deferred_count(run.machine), 1U);
  EXPECT_EQ(run.atomic(), (Lines{"busy"}));
  run.send(worker.event("done"));
  EXPECT_EQ(run.context.handled, 3);
  EXPECT_EQ(run.host.deferred_count(run.machine), 0U);
}

TEST(Defer, recalled_events_run_before_events_queued_after_them) {
  ChartRun<worker> run;
  run.start();
  run.send(worker.event("job"));
  run.send(worker.event("job"));
  run.host.post(run.machine, worker.event("done"));
  run.host.post(run.machine, worker.event("urgent"));
  run.host.run_until_idle();
  // done recalls the job, which runs (busy again) before urgent is processed.
  EXPECT_EQ(run.take_log(), (Lines{"job start", "job start", "urgent preempts"}));
  EXPECT_EQ(run.context.handled, 2);
}

constexpr auto layered =
    lit::chart::define<Empty>("layered",
                              initial("outer"),
                              state("outer",
                                    initial("quiet"),
                                    on("ping").to("pinged_by_outer"),
                                    state("quiet", defer("ping"), on("wake").to("awake")),
                                    state("awake", defer("ping"), on("ping").to("pinged_by_awake")),
                                    state("pinged_by_outer"),
                                    state("pinged_by_awake")));

TEST(Defer, deferral_shadows_transitions_of_the_deferring_states_ancestors) {
  ChartRun<layered> run;
  run.start();
  EXPECT_EQ(run.send(layered.event("ping")), Outcome::deferred);
  EXPECT_EQ(run.atomic(), (Lines{"quiet"}));
}

TEST(Defer, transition_of_the_deferring_state_itself_wins_over_its_deferral) {
  ChartRun<layered> run;
  run.start();
  run.host.post(run.machine, layered.event("wake"));
  run.host.run_until_idle();
  EXPECT_EQ(run.send(layered.event("ping")), Outcome::handled);
  EXPECT_EQ(run.atomic(), (Lines{"pinged_by_awake"}));
}

TEST(Defer, host_without_room_gets_defer_overflow_so_the_loss_is_visible) {
  ChartRun<worker> run(lit::sim::ChartHost::Options{1, true});
  run.start();
  run.send(worker.event("job"));
  EXPECT_EQ(run.send(worker.event("job")), Outcome::deferred);
  EXPECT_EQ(run.send(worker.event("job")), Outcome::defer_overflow);
  EXPECT_EQ(run.host.defer_overflows(), 1U);
}

}  // namespace

// Invoked activities: started when their state has stayed entered through a
// macrostep, cancelled when it exits; the outcome comes back as an event, and
// an outcome from a cancelled invocation is never delivered.
#include <gtest/gtest.h>

#include <vector>

#include "chart_fixture.hpp"

using namespace lit::chart::dsl;
using lit::chart::testing::ChartRun;
using lit::chart::testing::Lines;

namespace {

struct Fetcher {
  std::vector<lit::chart::Activity> started;
};

constexpr auto fetching = lit::chart::define<Fetcher>(
    "fetching",
    initial("idle"),
    state("idle", on("fetch").to("loading"), on("fetch_and_leave").to("loading").then(raise("abort"))),
    state("loading",
          invoke("download", [](Fetcher& f, const lit::chart::Activity& a) { f.started.push_back(a); }),
          on("done.invoke.download").to("loaded"),
          on("error.invoke.download").to("failed"),
          on("abort").to("idle")),
    state("loaded"),
    state("failed"));

TEST(Invoke, activity_starts_when_its_state_is_entered) {
  ChartRun<fetching> run;
  run.start();
  run.send(fetching.event("fetch"));
  ASSERT_EQ(run.context.started.size(), 1U);
  EXPECT_EQ(run.host.running_activities().size(), 1U);
}

TEST(Invoke, success_is_delivered_as_done_invoke_event) {
  ChartRun<fetching> run;
  run.start();
  run.send(fetching.event("fetch"));
  EXPECT_TRUE(run.host.finish_activity(run.context.started.at(0), true));
  run.host.run_until_idle();
  EXPECT_EQ(run.atomic(), (Lines{"loaded"}));
}

TEST(Invoke, failure_is_delivered_as_error_invoke_event) {
  ChartRun<fetching> run;
  run.start();
  run.send(fetching.event("fetch"));
  run.host.finish_activity(run.context.started.at(0), false);
  run.host.run_until_idle();
  EXPECT_EQ(run.atomic(), (Lines{"failed"}));
}

TEST(Invoke, exit_cancels_the_activity_and_its_late_outcome_is_dropped) {
  ChartRun<fetching> run;
  run.start();
  run.send(fetching.event("fetch"));
  run.send(fetching.event("abort"));
  EXPECT_TRUE(run.host.running_activities().empty());
  EXPECT_FALSE(run.host.finish_activity(run.context.started.at(0), true));
  run.host.run_until_idle();
  EXPECT_EQ(run.atomic(), (Lines{"idle"}));
  EXPECT_EQ(run.host.stale_activity_reports(), 1U);
}

TEST(Invoke, outcome_of_an_earlier_invocation_never_reaches_a_later_one) {
  ChartRun<fetching> run;
  run.start();
  run.send(fetching.event("fetch"));
  run.send(fetching.event("abort"));
  run.send(fetching.event("fetch"));
  ASSERT_EQ(run.context.started.size(), 2U);
  EXPECT_FALSE(run.host.finish_activity(run.context.started[0], true));
  run.host.run_until_idle();
  EXPECT_EQ(run.atomic(), (Lines{"loading"}));
  EXPECT_TRUE(run.host.finish_activity(run.context.started[1], true));
  run.host.run_until_idle();
  EXPECT_EQ(run.atomic(), (Lines{"loaded"}));
}

TEST(Invoke, state_entered_and_exited_in_one_macrostep_never_starts_its_activity) {
  ChartRun<fetching> run;
  run.start();
  run.send(fetching.event("fetch_and_leave"));
  EXPECT_TRUE(run.context.started.empty());
  EXPECT_TRUE(run.host.running_activities().empty());
  EXPECT_EQ(run.atomic(), (Lines{"idle"}));
}

}  // namespace

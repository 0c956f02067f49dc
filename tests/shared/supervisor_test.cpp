// Behaviour tests of lit::Supervisor against Erlang/OTP's supervisor rules,
// one test per rule: strategies, restart types, shutdown kinds, start and stop
// order, restart intensity and escalation, significant children, backoff, the
// noconnection budget, start failures, child administration and restarts.
// Everything runs on the simulated port; traces come from lit::sim::Probe.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lit/runtime.hpp"
#include "sim/probe.hpp"
#include "sim/sim_port.hpp"

namespace {

using namespace lit::chart::dsl;
using lit::ChildSpec;
using lit::ChildType;
using lit::Reason;
using lit::Restart;
using lit::SendResult;
using lit::Shutdown;
using lit::Strategy;
using lit::SupervisorError;
using lit::SupervisorFlags;
using lit::chart::Step;
using Lines = std::vector<std::string>;

// What the workers of one test share with it: notes of exit actions, ignored
// shutdown requests and refused starts, and how many starts each should refuse.
struct Shared {
  Lines notes;
  std::map<std::string, int> refuse;
};

struct Work {
  struct Params {
    Shared* shared = nullptr;
    const char* name = "";
    bool ignore_shutdown = false;
    int value = 0;
  };
  explicit Work(const Params& params)
      : shared(params.shared), name(params.name), ignore_shutdown(params.ignore_shutdown), value(params.value) {}

  bool on_start(lit::Self self) {
    static_cast<void>(self);
    int& refusals = shared->refuse[name];
    if (refusals == 0) return true;
    --refusals;
    note("refuse");
    return false;
  }
  void note(const char* what) const { shared->notes.push_back(std::string(what) + " " + name); }

  Shared* shared;
  const char* name;
  bool ignore_shutdown;
  int value;
};

// A worker that stops at once when asked (no "shutdown" event), fails on
// "boom" and finishes (a top-level final state) on "finish".
constexpr auto plain_chart = lit::chart::define<Work>("plain",
                                                      initial("up"),
                                                      state("up",
                                                            exit([](Work& w) { w.note("exit-action"); }),
                                                            on("boom").then([](Step& s) { s.fail("boom"); }),
                                                            on("add").then([](Work& w) { ++w.value; }),
                                                            on("finish").to("done")),
                                                      final("done"));

// The same, but it traps shutdown requests: it finishes when asked, or, with
// ignore_shutdown, notes the request and carries on.
constexpr auto trap_chart =
    lit::chart::define<Work>("trap",
                             initial("up"),
                             state("up",
                                   exit([](Work& w) { w.note("exit-action"); }),
                                   on("boom").then([](Step& s) { s.fail("boom"); }),
                                   on("finish").to("done"),
                                   on("shutdown").when([](const Work& w) { return !w.ignore_shutdown; }).to("done"),
                                   on("shutdown").then([](Work& w) { w.note("ignored-shutdown"); })),
                             final("done"));

// A worker whose initial entry action fails, so its start fails.
constexpr auto bad_entry_chart =
    lit::chart::define<Work>("bad", initial("up"), state("up", entry([](Step& s) { s.fail("bad entry"); })));

using Plain = lit::Actor<plain_chart, lit::MailboxConfig{.capacity = 4}>;
using Trap = lit::Actor<trap_chart, lit::MailboxConfig{.capacity = 4}>;
using BadEntry = lit::Actor<bad_entry_chart>;
using Sup = lit::StaticSupervisor<8, 64>;

// Child records in use (removed ones may linger as empty records until compacted).
std::size_t records(const lit::Supervisor& supervisor) {
  std::size_t count = 0;
  for (const lit::Child& child : supervisor.children()) count += child.state != lit::Child::State::empty ? 1U : 0U;
  return count;
}

SupervisorFlags flags(Strategy strategy, std::uint32_t max_restarts = 10, lit::Millis period_ms = 1000) {
  return SupervisorFlags{.strategy = strategy, .intensity = {.max_restarts = max_restarts, .period_ms = period_ms}};
}

ChildSpec spec(const char* id,
               lit::ActorCore& actor,
               Restart restart = Restart::permanent,
               Shutdown shutdown = Shutdown::timeout(5000)) {
  return ChildSpec{.id = id, .actor = &actor, .restart = restart, .shutdown = shutdown};
}

ChildSpec supervisor_spec(const char* id,
                          lit::ActorCore& actor,
                          Restart restart = Restart::permanent,
                          Shutdown shutdown = Shutdown::infinity()) {
  return ChildSpec{.id = id, .actor = &actor, .restart = restart, .shutdown = shutdown, .type = ChildType::supervisor};
}

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorTest() { port.attach(scheduler); }

  Work::Params params(const char* name, bool ignore_shutdown = false, int value = 0) {
    return Work::Params{.shared = &shared, .name = name, .ignore_shutdown = ignore_shutdown, .value = value};
  }

  template <class A>
  SendResult send(A& actor, std::string_view event) {
    return scheduler.send(actor.address(), A::kTable.find_event(event));
  }
  // Sends `event` and runs the loop until nothing is ready.
  template <class A>
  void poke(A& actor, std::string_view event) {
    ASSERT_EQ(send(actor, event), SendResult::ok) << event;
    port.run_until_idle();
  }
  // Fails the actor from outside its activation, with any reason.
  void stop(lit::ActorCore& actor, Reason reason, lit::StopMode mode = lit::StopMode::kill) {
    scheduler.stop(actor, reason, mode);
    port.run_until_idle();
  }
  bool start_root(lit::Supervisor& supervisor) {
    Reason failure;
    const bool started = scheduler.start(supervisor, nullptr, failure);
    port.run_until_idle();
    return started;
  }
  void names(std::initializer_list<std::pair<const lit::ActorCore*, const char*>> list) {
    for (const auto& [actor, name] : list) probe.name(*actor, name);
  }
  // The lifecycle lines since the last call.
  Lines take() {
    Lines lines = probe.lifecycle();
    probe.clear();
    return lines;
  }
  Lines take_notes() {
    Lines notes = shared.notes;
    shared.notes.clear();
    return notes;
  }

  lit::sim::SimPort port{1};
  std::array<lit::Watch, 8> watches{};
  lit::Scheduler scheduler{port, {.watches = watches}};
  lit::sim::Probe probe{port, scheduler};
  Shared shared;
};

// ---- start order and strategies ---------------------------------------------------

TEST_F(SupervisorTest, children_start_in_order_before_the_supervisor_counts_as_started) {
  Plain a{params("a")}, b{params("b")}, c{params("c")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("c", c)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  EXPECT_EQ(take(), (Lines{"0 start a#1", "0 start b#1", "0 start c#1", "0 start sup#1"}));
  EXPECT_EQ(sup.running_children(), 3U);
}

TEST_F(SupervisorTest, one_for_one_restarts_only_the_failed_child) {
  Plain a{params("a")}, b{params("b")}, c{params("c")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("c", c)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  port.advance(5);
  poke(b, "boom");
  EXPECT_EQ(take(), (Lines{"5 exit b#1 failed:boom", "5 start b#2"}));
  EXPECT_EQ(a.incarnation(), 1U);
  EXPECT_EQ(c.incarnation(), 1U);
  EXPECT_EQ(sup.restarts(), 1U);
}

TEST_F(SupervisorTest, one_for_all_stops_siblings_in_reverse_order_and_restarts_all_in_start_order) {
  Plain a{params("a")}, b{params("b")}, c{params("c")}, d{params("d")};
  Sup sup{flags(Strategy::one_for_all)};
  names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {&d, "d"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("c", c)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("d", d)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  poke(b, "boom");
  EXPECT_EQ(take(),
            (Lines{"0 exit b#1 failed:boom",
                   "0 exit d#1 shutdown:shutdown",
                   "0 exit c#1 shutdown:shutdown",
                   "0 exit a#1 shutdown:shutdown",
                   "0 start a#2",
                   "0 start b#2",
                   "0 start c#2",
                   "0 start d#2"}));
  EXPECT_EQ(sup.restarts(), 1U);
}

TEST_F(SupervisorTest, rest_for_one_restarts_the_failed_child_and_those_started_after_it) {
  Plain a{params("a")}, b{params("b")}, c{params("c")}, d{params("d")};
  Sup sup{flags(Strategy::rest_for_one)};
  names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {&d, "d"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("c", c)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("d", d)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  poke(b, "boom");
  EXPECT_EQ(take(),
            (Lines{"0 exit b#1 failed:boom",
                   "0 exit d#1 shutdown:shutdown",
                   "0 exit c#1 shutdown:shutdown",
                   "0 start b#2",
                   "0 start c#2",
                   "0 start d#2"}));
  EXPECT_EQ(a.incarnation(), 1U);  // started before b: left alone
}

TEST_F(SupervisorTest, one_for_all_restart_also_starts_a_sibling_that_had_been_terminated) {
  // OTP's restart_multiple_children starts every child in the group, also
  // one stopped earlier with terminate_child (its pid is undefined, its spec kept).
  Plain a{params("a")}, b{params("b")};
  Sup sup{flags(Strategy::one_for_all)};
  names({{&a, "a"}, {&b, "b"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  ASSERT_EQ(sup.terminate_child("b"), SupervisorError::ok);
  take();
  poke(a, "boom");
  EXPECT_EQ(take(), (Lines{"0 exit a#1 failed:boom", "0 start a#2", "0 start b#2"}));
}

// ---- simple_one_for_one -------------------------------------------------------------

class DynamicTest : public SupervisorTest {
 protected:
  void SetUp() override {
    names({{&p0, "p0"}, {&p1, "p1"}, {&p2, "p2"}, {&sup, "sup"}});
    ASSERT_EQ(sup.set_dynamic(ChildSpec{.id = "worker", .restart = restart}, pool), SupervisorError::ok);
    ASSERT_TRUE(start_root(sup));
  }
  Restart restart = Restart::permanent;
  Plain p0{params("p0")}, p1{params("p1")}, p2{params("p2")};
  std::array<lit::ActorCore*, 3> pool{&p0, &p1, &p2};
  Sup sup{flags(Strategy::simple_one_for_one, 3)};
};

TEST_F(DynamicTest, simple_one_for_one_starts_with_no_children_and_fills_pool_slots_on_start_child) {
  EXPECT_EQ(take(), (Lines{"0 start sup#1"}));
  lit::ActorId first{}, second{};
  ASSERT_EQ(sup.start_child(&first), SupervisorError::ok);
  ASSERT_EQ(sup.start_child(&second), SupervisorError::ok);
  EXPECT_EQ(first.actor, &p0);
  EXPECT_EQ(second.actor, &p1);
  ASSERT_EQ(sup.start_child(), SupervisorError::ok);
  EXPECT_EQ(sup.start_child(), SupervisorError::no_room);
  EXPECT_EQ(take(), (Lines{"0 start p0#1", "0 start p1#1", "0 start p2#1"}));
}

TEST_F(DynamicTest, simple_one_for_one_start_child_uses_params_prepared_in_the_free_slot) {
  lit::ActorCore* const slot = sup.free_slot();
  ASSERT_EQ(slot, &p0);
  static_cast<Plain*>(slot)->set_params(params("p0", false, 42));
  ASSERT_EQ(sup.start_child(), SupervisorError::ok);
  EXPECT_EQ(p0.context().value, 42);
}

TEST_F(DynamicTest, simple_one_for_one_restarts_a_permanent_child_in_its_own_slot) {
  ASSERT_EQ(sup.start_child(), SupervisorError::ok);
  ASSERT_EQ(sup.start_child(), SupervisorError::ok);
  take();
  poke(p1, "boom");
  EXPECT_EQ(take(), (Lines{"0 exit p1#1 failed:boom", "0 start p1#2"}));
  EXPECT_EQ(sup.running_children(), 2U);
}

TEST_F(DynamicTest, simple_one_for_one_terminate_child_by_actor_id_stops_and_removes_it) {
  lit::ActorId first{}, second{};
  ASSERT_EQ(sup.start_child(&first), SupervisorError::ok);
  ASSERT_EQ(sup.start_child(&second), SupervisorError::ok);
  take();
  EXPECT_EQ(sup.terminate_child(first), SupervisorError::ok);
  EXPECT_EQ(take(), (Lines{"0 exit p0#1 shutdown:shutdown"}));
  EXPECT_EQ(sup.running_children(), 1U);
  EXPECT_EQ(records(sup), 1U);
  EXPECT_EQ(sup.free_slot(), &p0);
  EXPECT_EQ(sup.terminate_child(first), SupervisorError::not_found);  // a stale id
  port.run_until_idle();
  EXPECT_FALSE(p0.alive());  // not restarted
}

TEST_F(SupervisorTest, simple_one_for_one_terminating_a_child_that_traps_shutdown_frees_its_slot) {
  Trap t0{params("t0")};
  std::array<lit::ActorCore*, 1> slots{&t0};
  Sup sup{flags(Strategy::simple_one_for_one)};
  ASSERT_EQ(sup.set_dynamic(ChildSpec{.id = "t", .shutdown = Shutdown::timeout(20)}, slots), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  lit::ActorId child{};
  ASSERT_EQ(sup.start_child(&child), SupervisorError::ok);
  EXPECT_EQ(sup.terminate_child(child), SupervisorError::pending);
  port.run_until_idle();
  EXPECT_FALSE(t0.alive());
  EXPECT_EQ(records(sup), 0U);
  EXPECT_EQ(sup.free_slot(), &t0);
  EXPECT_EQ(sup.start_child(), SupervisorError::ok);
}

TEST_F(DynamicTest, simple_one_for_one_rejects_administration_by_child_id) {
  ASSERT_EQ(sup.start_child(), SupervisorError::ok);
  EXPECT_EQ(sup.terminate_child("worker"), SupervisorError::not_allowed);
  EXPECT_EQ(sup.restart_child("worker"), SupervisorError::not_allowed);
  EXPECT_EQ(sup.delete_child("worker"), SupervisorError::not_allowed);
  Plain extra{params("extra")};
  EXPECT_EQ(sup.start_child(spec("extra", extra)), SupervisorError::not_allowed);
  EXPECT_EQ(sup.add_child(spec("extra", extra)), SupervisorError::not_allowed);
  EXPECT_TRUE(p0.alive());
}

TEST_F(DynamicTest, static_strategies_reject_dynamic_administration) {
  Plain a{params("a")};
  Sup other{flags(Strategy::one_for_one)};
  EXPECT_EQ(other.set_dynamic(ChildSpec{.id = "w"}, pool), SupervisorError::not_allowed);
  ASSERT_EQ(other.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(other));
  EXPECT_EQ(other.start_child(), SupervisorError::not_allowed);
  EXPECT_EQ(other.terminate_child(a.id()), SupervisorError::not_allowed);
}

class TemporaryDynamicTest : public DynamicTest {
 protected:
  TemporaryDynamicTest() { restart = Restart::temporary; }
};

TEST_F(TemporaryDynamicTest, simple_one_for_one_temporary_child_is_removed_when_it_exits) {
  ASSERT_EQ(sup.start_child(), SupervisorError::ok);
  take();
  poke(p0, "boom");
  EXPECT_EQ(take(), (Lines{"0 exit p0#1 failed:boom"}));
  EXPECT_TRUE(records(sup) == 0);
  EXPECT_EQ(sup.free_slot(), &p0);
}

TEST_F(DynamicTest, simple_one_for_one_escalation_stops_every_dynamic_child) {
  ASSERT_EQ(sup.start_child(), SupervisorError::ok);
  ASSERT_EQ(sup.start_child(), SupervisorError::ok);
  take();
  for (int i = 0; i < 3; ++i) poke(p0, "boom");
  take();
  poke(p0, "boom");
  EXPECT_EQ(take(),
            (Lines{"0 exit p0#4 failed:boom",
                   "0 escalate sup shutdown:reached_max_restart_intensity",
                   "0 exit p1#1 shutdown:shutdown",
                   "0 exit sup#1 shutdown:shutdown"}));
}

// ---- restart types ------------------------------------------------------------------

TEST_F(SupervisorTest, permanent_child_is_restarted_after_normal_shutdown_and_abnormal_exits) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  poke(a, "finish");
  stop(a, Reason::shutdown(), lit::StopMode::graceful);
  poke(a, "boom");
  EXPECT_EQ(take(),
            (Lines{"0 exit a#1 normal:normal",
                   "0 start a#2",
                   "0 exit a#2 shutdown:shutdown",
                   "0 start a#3",
                   "0 exit a#3 failed:boom",
                   "0 start a#4"}));
}

TEST_F(SupervisorTest, transient_child_is_not_restarted_after_a_normal_exit) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::transient)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  poke(a, "finish");
  EXPECT_EQ(take(), (Lines{"0 exit a#1 normal:normal"}));
  ASSERT_NE(sup.find("a"), nullptr);  // the spec stays
  EXPECT_EQ(sup.find("a")->state, lit::Child::State::stopped);
  EXPECT_EQ(sup.restarts(), 0U);
}

TEST_F(SupervisorTest, transient_child_is_not_restarted_after_a_shutdown_exit) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::transient)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  stop(a, Reason::shutdown(), lit::StopMode::graceful);
  EXPECT_EQ(take(), (Lines{"0 exit a#1 shutdown:shutdown"}));
  EXPECT_FALSE(a.alive());
}

TEST_F(SupervisorTest, transient_child_is_restarted_after_abnormal_exits) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::transient)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  poke(a, "boom");
  stop(a, Reason::killed());
  stop(a, Reason::noconnection());
  EXPECT_EQ(take(),
            (Lines{"0 exit a#1 failed:boom",
                   "0 start a#2",
                   "0 exit a#2 killed:killed",
                   "0 start a#3",
                   "0 exit a#3 noconnection:noconnection",
                   "0 start a#4"}));
}

TEST_F(SupervisorTest, temporary_child_is_never_restarted_and_its_spec_is_removed) {
  Plain a{params("a")}, b{params("b")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&b, "b"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::temporary)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b, Restart::temporary)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  poke(a, "boom");
  poke(b, "finish");
  EXPECT_EQ(take(), (Lines{"0 exit a#1 failed:boom", "0 exit b#1 normal:normal"}));
  EXPECT_EQ(sup.find("a"), nullptr);
  EXPECT_EQ(sup.find("b"), nullptr);
  EXPECT_EQ(sup.restart_child("a"), SupervisorError::not_found);
}

TEST_F(SupervisorTest, temporary_sibling_taken_down_by_one_for_all_is_removed_not_restarted) {
  Plain a{params("a")}, b{params("b")}, c{params("c")};
  Sup sup{flags(Strategy::one_for_all)};
  names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b, Restart::temporary)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("c", c)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  poke(a, "boom");
  EXPECT_EQ(take(),
            (Lines{"0 exit a#1 failed:boom",
                   "0 exit c#1 shutdown:shutdown",
                   "0 exit b#1 shutdown:shutdown",
                   "0 start a#2",
                   "0 start c#2"}));
  EXPECT_EQ(sup.find("b"), nullptr);
}

TEST_F(SupervisorTest, temporary_sibling_taken_down_by_rest_for_one_is_removed_not_restarted) {
  Plain a{params("a")}, b{params("b")}, c{params("c")};
  Sup sup{flags(Strategy::rest_for_one)};
  names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("c", c, Restart::temporary)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  poke(b, "boom");
  EXPECT_EQ(take(), (Lines{"0 exit b#1 failed:boom", "0 exit c#1 shutdown:shutdown", "0 start b#2"}));
  EXPECT_EQ(sup.find("c"), nullptr);
}

TEST_F(SupervisorTest, temporary_sibling_that_must_be_waited_for_is_still_removed_not_restarted) {
  Plain a{params("a")};
  Trap slow{params("slow", /*ignore_shutdown=*/true)};
  Sup sup{flags(Strategy::one_for_all)};
  names({{&a, "a"}, {&slow, "slow"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("slow", slow, Restart::temporary, Shutdown::timeout(20))), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  poke(a, "boom");
  port.advance(20);
  EXPECT_EQ(take(), (Lines{"0 exit a#1 failed:boom", "20 exit slow#1 killed:killed", "20 start a#2"}));
  EXPECT_FALSE(slow.alive());
  EXPECT_EQ(sup.find("slow"), nullptr);
}

TEST_F(SupervisorTest, terminate_child_deletes_a_temporary_child_it_had_to_wait_for) {
  Trap a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::temporary, Shutdown::timeout(20))), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::pending);
  port.run_until_idle();
  EXPECT_FALSE(a.alive());
  EXPECT_EQ(sup.find("a"), nullptr);
}

// ---- shutdown kinds and stop order ------------------------------------------------

TEST_F(SupervisorTest, shutdown_stops_children_in_reverse_start_order) {
  Plain a{params("a")}, b{params("b")}, c{params("c")};
  Sup sup{flags(Strategy::one_for_one)};
  Sup root{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {&sup, "sup"}, {&root, "root"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("c", c)), SupervisorError::ok);
  ASSERT_EQ(root.add_child(supervisor_spec("sup", sup)), SupervisorError::ok);
  ASSERT_TRUE(start_root(root));
  take();
  EXPECT_EQ(root.terminate_child("sup"), SupervisorError::pending);
  port.run_until_idle();
  EXPECT_EQ(take(),
            (Lines{"0 exit c#1 shutdown:shutdown",
                   "0 exit b#1 shutdown:shutdown",
                   "0 exit a#1 shutdown:shutdown",
                   "0 exit sup#1 shutdown:shutdown"}));
  EXPECT_TRUE(root.idle());
  // Stopping a supervisor directly stops its children in the same order.
  ASSERT_EQ(root.restart_child("sup"), SupervisorError::ok);
  take();
  stop(root, Reason::shutdown(), lit::StopMode::graceful);
  EXPECT_EQ(take(),
            (Lines{"0 exit c#2 shutdown:shutdown",
                   "0 exit b#2 shutdown:shutdown",
                   "0 exit a#2 shutdown:shutdown",
                   "0 exit sup#2 shutdown:shutdown",
                   "0 exit root#1 shutdown:shutdown"}));
}

TEST_F(SupervisorTest, graceful_shutdown_of_a_child_that_does_not_trap_runs_its_exit_actions) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::ok);
  EXPECT_EQ(take(), (Lines{"0 exit a#1 shutdown:shutdown"}));
  EXPECT_EQ(take_notes(), (Lines{"exit-action a"}));
}

TEST_F(SupervisorTest, brutal_kill_stops_a_child_with_reason_killed_and_runs_no_exit_actions) {
  Trap a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::permanent, Shutdown::brutal_kill())), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::ok);
  EXPECT_EQ(take(), (Lines{"0 exit a#1 killed:killed"}));
  EXPECT_TRUE(take_notes().empty());  // neither the trap nor the exit actions ran
}

TEST_F(SupervisorTest, child_that_traps_shutdown_and_finishes_exits_with_reason_shutdown) {
  Trap a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::permanent, Shutdown::timeout(100))), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::pending);  // it handles "shutdown" on its own turn
  EXPECT_TRUE(a.alive());
  port.run_until_idle();
  EXPECT_EQ(take(), (Lines{"0 exit a#1 shutdown:shutdown"}));
  EXPECT_EQ(take_notes(), (Lines{"exit-action a"}));
  EXPECT_TRUE(sup.idle());
}

TEST_F(SupervisorTest, shutdown_timeout_kills_a_child_that_traps_shutdown_but_does_not_finish) {
  Trap a{params("a", /*ignore_shutdown=*/true)};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::permanent, Shutdown::timeout(100))), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::pending);
  port.advance(99);
  EXPECT_TRUE(a.alive());
  EXPECT_FALSE(sup.idle());
  EXPECT_EQ(take_notes(), (Lines{"ignored-shutdown a"}));
  port.advance(1);
  EXPECT_EQ(take(), (Lines{"100 exit a#1 killed:killed"}));
  EXPECT_TRUE(take_notes().empty());  // killed: no exit actions
  EXPECT_TRUE(sup.idle());
  EXPECT_FALSE(a.alive());
}

TEST_F(SupervisorTest, shutdown_infinity_waits_for_a_child_supervisor_to_stop_its_own_children) {
  Trap slow{params("slow", /*ignore_shutdown=*/true)};
  Sup sup{flags(Strategy::one_for_one)};
  Sup root{flags(Strategy::one_for_one)};
  names({{&slow, "slow"}, {&sup, "sup"}, {&root, "root"}});
  ASSERT_EQ(sup.add_child(spec("slow", slow, Restart::permanent, Shutdown::timeout(10'000))), SupervisorError::ok);
  ASSERT_EQ(root.add_child(supervisor_spec("sup", sup, Restart::permanent, Shutdown::infinity())), SupervisorError::ok);
  ASSERT_TRUE(start_root(root));
  take();
  EXPECT_EQ(root.terminate_child("sup"), SupervisorError::pending);
  port.advance(9'999);
  EXPECT_TRUE(sup.alive());
  EXPECT_EQ(root.restart_child("sup"), SupervisorError::busy);
  port.advance(1);
  EXPECT_EQ(take(), (Lines{"10000 exit slow#1 killed:killed", "10000 exit sup#1 shutdown:shutdown"}));
  EXPECT_TRUE(root.idle());
}

TEST_F(SupervisorTest, shutdown_timeout_of_a_child_supervisor_kills_it_and_its_children) {
  Trap slow{params("slow", /*ignore_shutdown=*/true)};
  Sup sup{flags(Strategy::one_for_one)};
  Sup root{flags(Strategy::one_for_one)};
  names({{&slow, "slow"}, {&sup, "sup"}, {&root, "root"}});
  ASSERT_EQ(sup.add_child(spec("slow", slow, Restart::permanent, Shutdown::timeout(10'000))), SupervisorError::ok);
  ASSERT_EQ(root.add_child(supervisor_spec("sup", sup, Restart::permanent, Shutdown::timeout(500))),
            SupervisorError::ok);
  ASSERT_TRUE(start_root(root));
  take();
  EXPECT_EQ(root.terminate_child("sup"), SupervisorError::pending);
  port.advance(500);
  EXPECT_EQ(take(), (Lines{"500 exit slow#1 killed:killed", "500 exit sup#1 killed:killed"}));
  EXPECT_TRUE(root.idle());
}

// ---- restart intensity and escalation ------------------------------------------------

class EscalationTest : public SupervisorTest {
 protected:
  void build(Restart sup_restart, std::uint32_t max_restarts, lit::Millis period_ms) {
    sup = std::make_unique<Sup>(flags(Strategy::one_for_one, max_restarts, period_ms));
    names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {sup.get(), "sup"}, {&root, "root"}});
    ASSERT_EQ(sup->add_child(spec("a", a)), SupervisorError::ok);
    ASSERT_EQ(sup->add_child(spec("b", b)), SupervisorError::ok);
    ASSERT_EQ(sup->add_child(spec("c", c)), SupervisorError::ok);
    ASSERT_EQ(root.add_child(supervisor_spec("sup", *sup, sup_restart)), SupervisorError::ok);
    ASSERT_TRUE(start_root(root));
    take();
  }
  Plain a{params("a")}, b{params("b")}, c{params("c")};
  std::unique_ptr<Sup> sup;
  Sup root{flags(Strategy::one_for_one, 5, 1000)};
};

TEST_F(EscalationTest, exceeding_intensity_stops_children_in_reverse_order_and_exits_with_shutdown) {
  build(Restart::permanent, 2, 1000);
  poke(b, "boom");
  port.advance(10);
  poke(b, "boom");
  port.advance(10);
  take();
  poke(b, "boom");
  const Lines lines = take();
  ASSERT_GE(lines.size(), 5U);
  EXPECT_EQ(Lines(lines.begin(), lines.begin() + 5),
            (Lines{"20 exit b#3 failed:boom",
                   "20 escalate sup shutdown:reached_max_restart_intensity",
                   "20 exit c#1 shutdown:shutdown",
                   "20 exit a#1 shutdown:shutdown",
                   "20 exit sup#1 shutdown:shutdown"}));
}

TEST_F(EscalationTest, permanent_child_supervisor_is_restarted_by_its_parent_after_escalation) {
  build(Restart::permanent, 0, 1000);
  poke(b, "boom");
  EXPECT_EQ(take(),
            (Lines{"0 exit b#1 failed:boom",
                   "0 escalate sup shutdown:reached_max_restart_intensity",
                   "0 exit c#1 shutdown:shutdown",
                   "0 exit a#1 shutdown:shutdown",
                   "0 exit sup#1 shutdown:shutdown",
                   "0 start a#2",
                   "0 start b#2",
                   "0 start c#2",
                   "0 start sup#2"}));
  EXPECT_EQ(root.restarts(), 1U);
}

TEST_F(EscalationTest, transient_child_supervisor_is_not_restarted_after_escalation) {
  build(Restart::transient, 0, 1000);
  poke(b, "boom");
  const Lines lines = take();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "0 exit sup#1 shutdown:shutdown");
  EXPECT_FALSE(sup->alive());
  EXPECT_EQ(root.restarts(), 0U);
  EXPECT_TRUE(root.alive());
}

TEST_F(EscalationTest, intensity_zero_escalates_on_the_first_failure) {
  build(Restart::transient, 0, 5000);
  poke(a, "boom");
  EXPECT_EQ(take(),
            (Lines{"0 exit a#1 failed:boom",
                   "0 escalate sup shutdown:reached_max_restart_intensity",
                   "0 exit c#1 shutdown:shutdown",
                   "0 exit b#1 shutdown:shutdown",
                   "0 exit sup#1 shutdown:shutdown"}));
}

TEST_F(EscalationTest, restarts_older_than_the_period_no_longer_count) {
  build(Restart::transient, 1, 1000);
  poke(a, "boom");
  port.advance(1001);
  poke(a, "boom");  // the first restart (at 0) is older than 1001 - 1000
  EXPECT_TRUE(sup->alive());
  port.advance(499);
  take();
  poke(a, "boom");  // 1001 and 1500 are within one period
  const Lines lines = take();
  ASSERT_GE(lines.size(), 2U);
  EXPECT_EQ(lines[1], "1500 escalate sup shutdown:reached_max_restart_intensity");
}

TEST_F(EscalationTest, restart_exactly_one_period_earlier_still_counts) {
  build(Restart::transient, 1, 1000);
  poke(a, "boom");
  port.advance(1000);
  take();
  poke(a, "boom");  // OTP keeps restarts R >= Now - Period
  const Lines lines = take();
  ASSERT_GE(lines.size(), 2U);
  EXPECT_EQ(lines[1], "1000 escalate sup shutdown:reached_max_restart_intensity");
}

// Port::fatal's contract names "a root supervisor gave up" as a reason to
// call it, but nothing calls it then. Disabled until the fix lands together
// with agent-fw/apps/actor_demo, whose root supervisor gives up on purpose
// and would now panic (see the supervisor tests' report).
TEST_F(SupervisorTest, root_supervisor_reaching_max_intensity_reports_fatal_to_the_port) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one, 0)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  poke(a, "boom");
  EXPECT_FALSE(sup.alive());
  EXPECT_EQ(port.fatals().size(), 1U);
}

TEST_F(SupervisorTest, supervisor_refuses_to_start_without_enough_restart_stamp_storage) {
  Plain a{params("a")};
  lit::StaticSupervisor<2, 4> sup{flags(Strategy::one_for_one, 4, 1000)};  // needs 5 stamps
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  EXPECT_FALSE(start_root(sup));
  EXPECT_FALSE(a.alive());
}

// ---- significant children and auto_shutdown ---------------------------------------

TEST_F(SupervisorTest, significant_permanent_child_is_rejected_and_the_supervisor_refuses_to_start) {
  Plain a{params("a")};
  Sup sup{SupervisorFlags{.auto_shutdown = lit::AutoShutdown::any_significant}};
  ChildSpec child = spec("a", a, Restart::permanent);
  child.significant = true;
  EXPECT_EQ(sup.add_child(child), SupervisorError::significant_permanent);
  EXPECT_FALSE(start_root(sup));
  EXPECT_FALSE(a.alive());
}

TEST_F(SupervisorTest, significant_child_under_auto_shutdown_never_is_rejected_and_the_supervisor_refuses_to_start) {
  Plain a{params("a")};
  Sup sup{SupervisorFlags{.auto_shutdown = lit::AutoShutdown::never}};
  ChildSpec child = spec("a", a, Restart::transient);
  child.significant = true;
  EXPECT_EQ(sup.add_child(child), SupervisorError::significant_without_auto_shutdown);
  EXPECT_FALSE(start_root(sup));
}

class SignificantTest : public SupervisorTest {
 protected:
  void build(lit::AutoShutdown auto_shutdown, Strategy strategy = Strategy::one_for_one) {
    sup = std::make_unique<Sup>(SupervisorFlags{
        .strategy = strategy, .intensity = {.max_restarts = 10, .period_ms = 1000}, .auto_shutdown = auto_shutdown});
    names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {sup.get(), "sup"}, {&root, "root"}});
    ChildSpec sa = spec("a", a, Restart::transient);
    sa.significant = true;
    ChildSpec sb = spec("b", b, Restart::temporary);
    sb.significant = true;
    ASSERT_EQ(sup->add_child(sa), SupervisorError::ok);
    ASSERT_EQ(sup->add_child(sb), SupervisorError::ok);
    ASSERT_EQ(sup->add_child(spec("c", c)), SupervisorError::ok);
    ASSERT_EQ(root.add_child(supervisor_spec("sup", *sup, Restart::transient)), SupervisorError::ok);
    ASSERT_TRUE(start_root(root));
    take();
  }
  Plain a{params("a")}, b{params("b")}, c{params("c")};
  std::unique_ptr<Sup> sup;
  Sup root{flags(Strategy::one_for_one)};
};

TEST_F(SignificantTest, any_significant_shuts_down_when_a_significant_child_exits_normally) {
  build(lit::AutoShutdown::any_significant);
  poke(a, "finish");
  EXPECT_EQ(take(),
            (Lines{"0 exit a#1 normal:normal",
                   "0 escalate sup shutdown:auto_shutdown",
                   "0 exit c#1 shutdown:shutdown",
                   "0 exit b#1 shutdown:shutdown",
                   "0 exit sup#1 shutdown:shutdown"}));
  EXPECT_FALSE(sup->alive());  // transient, and shutdown is not abnormal: not restarted
}

TEST_F(SignificantTest, significant_temporary_child_triggers_auto_shutdown_for_any_exit_reason) {
  build(lit::AutoShutdown::any_significant);
  poke(b, "boom");
  const Lines lines = take();
  ASSERT_GE(lines.size(), 2U);
  EXPECT_EQ(lines[1], "0 escalate sup shutdown:auto_shutdown");
  EXPECT_FALSE(sup->alive());
}

TEST_F(SignificantTest, significant_transient_child_failing_is_restarted_without_auto_shutdown) {
  build(lit::AutoShutdown::any_significant);
  poke(a, "boom");
  EXPECT_EQ(take(), (Lines{"0 exit a#1 failed:boom", "0 start a#2"}));
  EXPECT_TRUE(sup->alive());
}

TEST_F(SignificantTest, all_significant_shuts_down_only_after_every_significant_child_exited) {
  build(lit::AutoShutdown::all_significant);
  poke(a, "finish");
  EXPECT_EQ(take(), (Lines{"0 exit a#1 normal:normal"}));
  EXPECT_TRUE(sup->alive());
  poke(b, "finish");
  EXPECT_EQ(take(),
            (Lines{"0 exit b#1 normal:normal",
                   "0 escalate sup shutdown:auto_shutdown",
                   "0 exit c#1 shutdown:shutdown",
                   "0 exit sup#1 shutdown:shutdown"}));
}

TEST_F(SignificantTest, significant_child_terminated_by_its_supervisor_does_not_trigger_auto_shutdown) {
  build(lit::AutoShutdown::any_significant, Strategy::one_for_all);
  EXPECT_EQ(sup->terminate_child("a"), SupervisorError::ok);
  EXPECT_TRUE(sup->alive());
  poke(c, "boom");  // takes the significant temporary b down with it
  EXPECT_TRUE(sup->alive());
  EXPECT_EQ(sup->find("b"), nullptr);
  EXPECT_EQ(take(),
            (Lines{"0 exit a#1 shutdown:shutdown",
                   "0 exit c#1 failed:boom",
                   "0 exit b#1 shutdown:shutdown",
                   "0 start a#2",
                   "0 start c#2"}));
}

// ---- backoff ---------------------------------------------------------------------------

class BackoffTest : public SupervisorTest {
 protected:
  void build(lit::Backoff backoff) {
    sup = std::make_unique<Sup>(SupervisorFlags{.strategy = Strategy::one_for_one,
                                                .intensity = {.max_restarts = 50, .period_ms = 100'000},
                                                .backoff = backoff});
    names({{&a, "a"}, {sup.get(), "sup"}});
    ASSERT_EQ(sup->add_child(spec("a", a)), SupervisorError::ok);
    ASSERT_TRUE(start_root(*sup));
  }
  // Fails `a` and returns how long it stayed down.
  lit::Millis fail_and_time_restart() {
    const lit::Millis failed_at = port.now();
    const std::uint32_t incarnation = a.incarnation();
    poke(a, "boom");
    EXPECT_FALSE(a.alive());
    EXPECT_TRUE(port.run_until([&] { return a.alive(); }, 100'000));
    EXPECT_EQ(a.incarnation(), incarnation + 1);
    return port.now() - failed_at;
  }
  Plain a{params("a")};
  std::unique_ptr<Sup> sup;
};

TEST_F(BackoffTest, backoff_delays_between_failure_and_restart_double_up_to_max) {
  build(lit::Backoff{.min_ms = 10, .max_ms = 80});
  std::vector<lit::Millis> delays;
  delays.reserve(6);
  for (int i = 0; i < 6; ++i) delays.push_back(fail_and_time_restart());
  EXPECT_EQ(delays, (std::vector<lit::Millis>{10, 20, 40, 80, 80, 80}));
}

TEST_F(BackoffTest, backoff_starts_over_after_the_child_stayed_up_for_max) {
  build(lit::Backoff{.min_ms = 10, .max_ms = 80});
  EXPECT_EQ(fail_and_time_restart(), 10U);
  EXPECT_EQ(fail_and_time_restart(), 20U);
  port.advance(80);
  EXPECT_EQ(fail_and_time_restart(), 10U);
}

TEST_F(BackoffTest, old_address_is_dead_while_the_child_waits_for_its_backoff) {
  build(lit::Backoff{.min_ms = 50, .max_ms = 50});
  const auto old = a.address();
  poke(a, "boom");
  port.advance(20);
  EXPECT_FALSE(a.alive());
  EXPECT_EQ(sup->find("a")->state, lit::Child::State::restarting);
  EXPECT_EQ(scheduler.send(old, plain_chart.event("add")), SendResult::dead);
  port.advance(30);
  EXPECT_TRUE(a.alive());
}

// Restart delays with jitter on a port seeded with `seed`.
std::vector<lit::Millis> jittered_delays(std::uint64_t seed, int count) {
  lit::sim::SimPort port{seed};
  std::array<lit::Watch, 2> watches{};
  lit::Scheduler scheduler{port, {.watches = watches}};
  port.attach(scheduler);
  Shared shared;
  Plain a{Work::Params{.shared = &shared, .name = "a"}};
  Sup sup{SupervisorFlags{.intensity = {.max_restarts = 50, .period_ms = 100'000},
                          .backoff = {.min_ms = 100, .max_ms = 100, .jitter_percent = 50}}};
  EXPECT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  lit::Reason failure;
  EXPECT_TRUE(scheduler.start(sup, nullptr, failure));
  std::vector<lit::Millis> delays;
  for (int i = 0; i < count; ++i) {
    const lit::Millis failed_at = port.now();
    EXPECT_EQ(scheduler.send(a.address(), plain_chart.event("boom")), SendResult::ok);
    EXPECT_TRUE(port.run_until([&] { return a.alive(); }, 10'000));
    delays.push_back(port.now() - failed_at);
  }
  return delays;
}

TEST(Backoff, backoff_jitter_is_drawn_from_the_port_within_bounds_and_repeats_per_seed) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const std::vector<lit::Millis> delays = jittered_delays(seed, 12);
    EXPECT_EQ(delays, jittered_delays(seed, 12)) << "seed " << seed;
    // Jitter is up to 50% of the 100 ms delay, from the port's random source.
    lit::sim::SimPort random{seed};
    for (std::size_t i = 0; i < delays.size(); ++i) {
      EXPECT_EQ(delays[i], 100 + random.random() % 51) << "seed " << seed << " restart " << i;
      EXPECT_GE(delays[i], 100U);
      EXPECT_LE(delays[i], 150U);
    }
  }
  EXPECT_NE(jittered_delays(1, 12), jittered_delays(2, 12));
}

// ---- the noconnection budget --------------------------------------------------------------

class LinkBudgetTest : public SupervisorTest {
 protected:
  void SetUp() override {
    names({{&a, "a"}, {&sup, "sup"}});
    ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
    ASSERT_TRUE(start_root(sup));
    take();
  }
  Plain a{params("a")};
  Sup sup{SupervisorFlags{.intensity = {.max_restarts = 1, .period_ms = 5000},
                          .link_intensity = {.max_restarts = 5, .period_ms = 60'000}}};
};

TEST_F(LinkBudgetTest, noconnection_exits_use_their_own_budget_and_do_not_escalate_where_crashes_would) {
  for (int i = 0; i < 5; ++i) stop(a, Reason::noconnection());
  EXPECT_TRUE(sup.alive());
  EXPECT_EQ(sup.link_restarts(), 5U);
  EXPECT_EQ(sup.restarts(), 0U);
  stop(a, Reason::noconnection());  // the sixth within 60 s
  EXPECT_FALSE(sup.alive());
  const Lines lines = take();
  ASSERT_GE(lines.size(), 2U);
  EXPECT_EQ(lines[lines.size() - 2], "0 escalate sup shutdown:reached_max_restart_intensity");
}

TEST_F(LinkBudgetTest, noconnection_exits_do_not_consume_the_crash_budget) {
  for (int i = 0; i < 5; ++i) stop(a, Reason::noconnection());
  poke(a, "boom");  // the first crash: within the crash budget of 1
  EXPECT_TRUE(sup.alive());
  EXPECT_EQ(sup.restarts(), 1U);
  poke(a, "boom");
  EXPECT_FALSE(sup.alive());
}

// ---- start failures -------------------------------------------------------------------

TEST_F(SupervisorTest, init_fails_when_an_entry_action_fails_and_stops_started_children_in_reverse_order) {
  Plain a{params("a")}, b{params("b")}, d{params("d")};
  BadEntry c{params("c")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {&d, "d"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("c", c)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("d", d)), SupervisorError::ok);
  EXPECT_FALSE(start_root(sup));
  EXPECT_EQ(take(),
            (Lines{"0 start a#1", "0 start b#1", "0 exit b#1 shutdown:shutdown", "0 exit a#1 shutdown:shutdown"}));
  EXPECT_FALSE(sup.alive());
  EXPECT_FALSE(d.alive());
}

TEST_F(SupervisorTest, init_fails_when_a_childs_on_start_refuses) {
  Plain a{params("a")}, b{params("b")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&b, "b"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  shared.refuse["b"] = 1;
  EXPECT_FALSE(start_root(sup));
  EXPECT_EQ(take(), (Lines{"0 start a#1", "0 exit a#1 shutdown:shutdown"}));
  EXPECT_EQ(take_notes(), (Lines{"refuse b", "exit-action a"}));
  // The refusal is used up; the same supervisor starts now.
  EXPECT_TRUE(start_root(sup));
  EXPECT_TRUE(a.alive());
  EXPECT_TRUE(b.alive());
}

TEST_F(SupervisorTest, init_failure_kills_brutal_kill_children_without_exit_actions) {
  Plain a{params("a")};
  BadEntry b{params("b")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&b, "b"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::permanent, Shutdown::brutal_kill())), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  EXPECT_FALSE(start_root(sup));
  EXPECT_EQ(take(), (Lines{"0 start a#1", "0 exit a#1 killed:killed"}));
  EXPECT_TRUE(take_notes().empty());
}

TEST_F(SupervisorTest, failed_restart_is_retried_and_counts_against_intensity_until_escalation) {
  Plain a{params("a")}, b{params("b")};
  Sup sup{flags(Strategy::one_for_one, 3, 1000)};
  names({{&a, "a"}, {&b, "b"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  shared.refuse["a"] = 100;
  poke(a, "boom");
  // The crash and two retries are restarts 1 to 3; the third retry is the fourth.
  EXPECT_EQ(take(),
            (Lines{"0 exit a#1 failed:boom",
                   "0 escalate sup shutdown:reached_max_restart_intensity",
                   "0 exit b#1 shutdown:shutdown",
                   "0 exit sup#1 shutdown:shutdown"}));
  EXPECT_EQ(take_notes(), (Lines{"refuse a", "refuse a", "refuse a", "exit-action b"}));
}

TEST_F(SupervisorTest, failed_restart_recovers_when_a_retry_starts) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one, 3, 1000)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  shared.refuse["a"] = 2;
  poke(a, "boom");
  EXPECT_EQ(take(), (Lines{"0 exit a#1 failed:boom", "0 start a#4"}));  // #2 and #3 refused
  EXPECT_EQ(sup.restarts(), 3U);
  EXPECT_TRUE(sup.alive());
}

TEST_F(SupervisorTest, one_for_all_retry_after_a_failed_start_restarts_the_whole_group) {
  Plain a{params("a")}, b{params("b")}, c{params("c")};
  Sup sup{flags(Strategy::one_for_all, 5, 1000)};
  names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("c", c)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  shared.refuse["b"] = 1;
  poke(c, "boom");
  EXPECT_EQ(take(),
            (Lines{"0 exit c#1 failed:boom",
                   "0 exit b#1 shutdown:shutdown",
                   "0 exit a#1 shutdown:shutdown",
                   "0 start a#2",  // b#2 refused: the retry (OTP's try_again_restart) restarts the group
                   "0 exit a#2 shutdown:shutdown",
                   "0 start a#3",
                   "0 start b#3",
                   "0 start c#2"}));
  EXPECT_EQ(sup.restarts(), 2U);
}

TEST_F(SupervisorTest, exit_of_a_child_taken_down_by_an_aborted_group_restart_is_not_handled_again) {
  // b and c crash together. b's rest_for_one restart takes c down (OTP
  // consumes c's EXIT there) and stops at b's failed start. Only the retry
  // of b may count and restart c, not c's old exit as well.
  Plain a{params("a")}, b{params("b")}, c{params("c")};
  Sup sup{flags(Strategy::rest_for_one, 5, 1000)};
  names({{&a, "a"}, {&b, "b"}, {&c, "c"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("c", c)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  shared.refuse["b"] = 1;
  ASSERT_EQ(send(b, "boom"), SendResult::ok);
  ASSERT_EQ(send(c, "boom"), SendResult::ok);
  port.run_until_idle();
  EXPECT_EQ(take(), (Lines{"0 exit b#1 failed:boom", "0 exit c#1 failed:boom", "0 start b#3", "0 start c#2"}));
  EXPECT_EQ(sup.restarts(), 2U);
}

// ---- child administration -----------------------------------------------------------

TEST_F(SupervisorTest, start_child_starts_a_new_child_at_once_after_the_others) {
  Plain a{params("a")}, b{params("b")};
  Sup sup{flags(Strategy::rest_for_one)};
  names({{&a, "a"}, {&b, "b"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  lit::ActorId started{};
  EXPECT_EQ(sup.start_child(spec("b", b), &started), SupervisorError::ok);
  EXPECT_EQ(started, b.id());
  EXPECT_EQ(take(), (Lines{"0 start b#1"}));
  poke(a, "boom");  // b is last in start order, so rest_for_one takes it down too
  EXPECT_EQ(take(), (Lines{"0 exit a#1 failed:boom", "0 exit b#1 shutdown:shutdown", "0 start a#2", "0 start b#2"}));
}

TEST_F(SupervisorTest, start_child_rejects_a_duplicate_id) {
  Plain a{params("a")}, b{params("b")};
  Sup sup{flags(Strategy::one_for_one)};
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  EXPECT_EQ(sup.start_child(spec("a", b)), SupervisorError::duplicate_id);
  EXPECT_FALSE(b.alive());
  EXPECT_EQ(records(sup), 1U);
  EXPECT_EQ(sup.start_child(spec("b", a)), SupervisorError::invalid_spec);  // a's slot is taken
}

TEST_F(SupervisorTest, start_child_that_fails_to_start_keeps_no_spec) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  ASSERT_TRUE(start_root(sup));
  shared.refuse["a"] = 1;
  EXPECT_EQ(sup.start_child(spec("a", a)), SupervisorError::start_failed);
  EXPECT_EQ(sup.find("a"), nullptr);
}

TEST_F(SupervisorTest, add_child_rejects_a_duplicate_id_and_the_supervisor_then_refuses_to_start) {
  Plain a{params("a")}, b{params("b")};
  Sup sup{flags(Strategy::one_for_one)};
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  EXPECT_EQ(sup.add_child(spec("a", b)), SupervisorError::duplicate_id);
  EXPECT_FALSE(start_root(sup));
  EXPECT_FALSE(a.alive());
}

TEST_F(SupervisorTest, terminate_child_stops_a_child_keeps_its_spec_and_does_not_restart_it) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::ok);
  port.advance(100);
  EXPECT_EQ(take(), (Lines{"0 exit a#1 shutdown:shutdown"}));
  ASSERT_NE(sup.find("a"), nullptr);
  EXPECT_EQ(sup.find("a")->state, lit::Child::State::stopped);
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::ok);  // already stopped: fine, as in OTP
  EXPECT_EQ(sup.terminate_child("nobody"), SupervisorError::not_found);
  EXPECT_EQ(sup.restarts(), 0U);
}

TEST_F(SupervisorTest, terminate_child_deletes_a_temporary_child) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::temporary)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::ok);
  EXPECT_EQ(sup.find("a"), nullptr);
}

TEST_F(SupervisorTest, restart_child_starts_a_stopped_child_and_refuses_a_running_one) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  names({{&a, "a"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  EXPECT_EQ(sup.restart_child("a"), SupervisorError::running);
  ASSERT_EQ(sup.terminate_child("a"), SupervisorError::ok);
  take();
  EXPECT_EQ(sup.restart_child("a"), SupervisorError::ok);
  EXPECT_EQ(take(), (Lines{"0 start a#2"}));
  EXPECT_EQ(sup.restart_child("nobody"), SupervisorError::not_found);
}

TEST_F(SupervisorTest, a_held_child_exit_is_recorded_not_acted_on_until_restart_child_or_release) {
  Plain a{params("a")}, b{params("b")};
  Sup sup{flags(Strategy::one_for_all, 1, 1000)};
  names({{&a, "a"}, {&b, "b"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  ASSERT_EQ(sup.hold_child("a", true), SupervisorError::ok);
  EXPECT_EQ(sup.hold_child("nobody", true), SupervisorError::not_found);
  take();
  // Held: no restart, no sibling touched, no intensity spent.
  poke(a, "boom");
  EXPECT_EQ(take(), (Lines{"0 exit a#1 failed:boom"}));
  EXPECT_FALSE(a.alive());
  EXPECT_EQ(sup.restarts(), 0U);
  // Whoever holds it restarts it in its slot.
  ASSERT_EQ(sup.restart_child("a"), SupervisorError::ok);
  EXPECT_EQ(take(), (Lines{"0 start a#2"}));
  poke(a, "boom");
  take();
  // Released with an exit on record: the strategy runs as if it just happened.
  ASSERT_EQ(sup.hold_child("a", false), SupervisorError::ok);
  port.run_until_idle();
  EXPECT_EQ(take(), (Lines{"0 exit b#1 shutdown:shutdown", "0 start a#3", "0 start b#2"}));
  EXPECT_EQ(sup.restarts(), 1U);
  // Released with nothing on record: nothing happens.
  ASSERT_EQ(sup.hold_child("b", true), SupervisorError::ok);
  ASSERT_EQ(sup.hold_child("b", false), SupervisorError::ok);
  port.run_until_idle();
  EXPECT_EQ(take(), Lines{});
}

TEST_F(SupervisorTest, restart_child_that_fails_to_start_reports_it_and_keeps_the_spec) {
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  ASSERT_EQ(sup.terminate_child("a"), SupervisorError::ok);
  shared.refuse["a"] = 1;
  EXPECT_EQ(sup.restart_child("a"), SupervisorError::start_failed);
  ASSERT_NE(sup.find("a"), nullptr);
  EXPECT_EQ(sup.restart_child("a"), SupervisorError::ok);
}

TEST_F(SupervisorTest, delete_child_removes_a_stopped_child_and_refuses_a_running_one) {
  Plain a{params("a")}, b{params("b")};
  Sup sup{flags(Strategy::one_for_one)};
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  EXPECT_EQ(sup.delete_child("a"), SupervisorError::running);
  ASSERT_EQ(sup.terminate_child("a"), SupervisorError::ok);
  EXPECT_EQ(sup.delete_child("a"), SupervisorError::ok);
  EXPECT_EQ(sup.find("a"), nullptr);
  EXPECT_EQ(sup.delete_child("a"), SupervisorError::not_found);
  EXPECT_EQ(records(sup), 1U);
  // The id is free again.
  EXPECT_EQ(sup.start_child(spec("a", a)), SupervisorError::ok);
}

TEST_F(SupervisorTest, administration_of_a_supervisor_that_is_not_running_is_not_allowed) {
  // OTP: a call to a supervisor that is not running fails; here it must not
  // touch a loop the supervisor does not have.
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::temporary)), SupervisorError::ok);
  EXPECT_EQ(sup.restart_child("a"), SupervisorError::not_allowed);
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::not_allowed);
  EXPECT_EQ(sup.delete_child("a"), SupervisorError::not_allowed);
  EXPECT_FALSE(a.alive());
  ASSERT_TRUE(start_root(sup));  // the spec is still there
  EXPECT_TRUE(a.alive());
  stop(sup, Reason::shutdown(), lit::StopMode::graceful);
  EXPECT_EQ(sup.restart_child("a"), SupervisorError::not_allowed);
  EXPECT_FALSE(a.alive());
}

TEST_F(SupervisorTest, administration_is_busy_while_a_child_is_being_shut_down) {
  Trap a{params("a", /*ignore_shutdown=*/true)};
  Plain b{params("b")};
  Sup sup{flags(Strategy::one_for_one)};
  ASSERT_EQ(sup.add_child(spec("a", a, Restart::permanent, Shutdown::timeout(50))), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("b", b)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::pending);
  EXPECT_EQ(sup.terminate_child("b"), SupervisorError::busy);
  EXPECT_EQ(sup.restart_child("a"), SupervisorError::busy);
  EXPECT_EQ(sup.delete_child("b"), SupervisorError::busy);
  port.advance(50);
  EXPECT_EQ(sup.terminate_child("b"), SupervisorError::ok);
}

// OTP's calls queue behind the EXIT messages that came before them: a
// crashed child is handled (restarted) before the call sees it.
class UnhandledCrashTest : public SupervisorTest {
 protected:
  void SetUp() override {
    names({{&a, "a"}, {&sup, "sup"}});
    ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
    ASSERT_TRUE(start_root(sup));
    scheduler.stop(a, Reason::failed("crash"), lit::StopMode::kill);  // the supervisor has not run yet
    take();
  }
  Plain a{params("a")};
  Sup sup{flags(Strategy::one_for_one)};
};

TEST_F(UnhandledCrashTest, terminate_child_of_a_child_whose_crash_is_unhandled_leaves_it_stopped) {
  EXPECT_EQ(sup.terminate_child("a"), SupervisorError::ok);
  port.run_until_idle();
  EXPECT_FALSE(a.alive());
  EXPECT_EQ(take(), (Lines{"0 start a#2", "0 exit a#2 shutdown:shutdown"}));
}

TEST_F(UnhandledCrashTest, restart_child_of_a_child_whose_crash_is_unhandled_finds_it_running) {
  EXPECT_EQ(sup.restart_child("a"), SupervisorError::running);
  EXPECT_EQ(sup.restarts(), 1U);
  EXPECT_TRUE(a.alive());
}

TEST_F(UnhandledCrashTest, delete_child_of_a_child_whose_crash_is_unhandled_finds_it_running) {
  EXPECT_EQ(sup.delete_child("a"), SupervisorError::running);
  port.run_until_idle();
  EXPECT_TRUE(a.alive());
  EXPECT_NE(sup.find("a"), nullptr);
}

TEST_F(SupervisorTest, administration_after_an_awaited_child_exited_first_finishes_the_restart) {
  // The supervisor waits for slow to shut down during a one_for_all restart;
  // slow exits, and a call comes before the supervisor's next turn. In OTP
  // the DOWN is ahead of the call: the restart completes, then the call.
  Plain a{params("a")};
  Trap slow{params("slow", /*ignore_shutdown=*/true)};
  Sup sup{flags(Strategy::one_for_all)};
  names({{&a, "a"}, {&slow, "slow"}, {&sup, "sup"}});
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(spec("slow", slow, Restart::permanent, Shutdown::timeout(100))), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  take();
  poke(a, "boom");
  ASSERT_FALSE(sup.idle());
  scheduler.stop(slow, Reason::noconnection(), lit::StopMode::kill);
  EXPECT_EQ(sup.restart_child("slow"), SupervisorError::running);
  EXPECT_EQ(
      take(),
      (Lines{"0 exit a#1 failed:boom", "0 exit slow#1 noconnection:noconnection", "0 start a#2", "0 start slow#2"}));
  EXPECT_TRUE(sup.idle());
  EXPECT_EQ(sup.restarts(), 1U);  // the awaited child's own exit is not a second failure
}

// ---- a restart re-initialises the actor in its slot ----------------------------------

TEST_F(SupervisorTest, restart_reinitialises_the_actor_new_incarnation_fresh_context_empty_mailbox) {
  Plain a{params("a", false, 7)};
  Sup sup{flags(Strategy::one_for_one)};
  ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  poke(a, "add");
  EXPECT_EQ(a.context().value, 8);
  const auto old = a.address();
  const std::uint64_t dead_before = scheduler.dead_letters();
  ASSERT_EQ(send(a, "boom"), SendResult::ok);
  ASSERT_EQ(send(a, "add"), SendResult::ok);
  ASSERT_EQ(send(a, "add"), SendResult::ok);
  port.run_until_idle();
  ASSERT_TRUE(a.alive());
  EXPECT_EQ(a.incarnation(), old.incarnation + 1);
  EXPECT_EQ(a.context().value, 7);  // built again from Params
  EXPECT_EQ(a.queue_depth(), 0U);
  EXPECT_EQ(scheduler.dead_letters(), dead_before + 2);  // the two queued behind the crash
  EXPECT_EQ(scheduler.send(old, plain_chart.event("add")), SendResult::dead);
  EXPECT_EQ(scheduler.send(a.address(), plain_chart.event("add")), SendResult::ok);
  // Params set before a restart are what the next incarnation is built from.
  a.set_params(params("a", false, 100));
  poke(a, "boom");
  EXPECT_EQ(a.context().value, 100);
}

// ---- a restarted supervisor runs OTP's init again -----------------------------------

class SupervisorRestartTest : public SupervisorTest {
 protected:
  void SetUp() override {
    names({{&a, "a"}, {&t, "t"}, {&x, "x"}, {&sup, "sup"}, {&root, "root"}});
    ASSERT_EQ(sup.add_child(spec("a", a)), SupervisorError::ok);
    ASSERT_EQ(sup.add_child(spec("t", t, Restart::temporary)), SupervisorError::ok);
    ASSERT_EQ(root.add_child(supervisor_spec("sup", sup)), SupervisorError::ok);
    ASSERT_TRUE(start_root(root));
    take();
  }
  // Makes sup give up; root restarts it.
  void escalate() {
    poke(a, "boom");
    ASSERT_TRUE(sup.alive());
    ASSERT_EQ(sup.incarnation(), 2U);
  }
  Plain a{params("a")}, t{params("t")}, x{params("x")};
  Sup sup{flags(Strategy::one_for_one, 0)};
  Sup root{flags(Strategy::one_for_one)};
};

TEST_F(SupervisorRestartTest, restarted_supervisor_starts_its_removed_temporary_child_again) {
  poke(t, "boom");
  ASSERT_EQ(sup.find("t"), nullptr);
  take();
  escalate();
  const Lines lines = take();
  ASSERT_GE(lines.size(), 3U);
  EXPECT_EQ(Lines(lines.end() - 3, lines.end()), (Lines{"0 start a#2", "0 start t#2", "0 start sup#2"}));
  EXPECT_TRUE(t.alive());
}

TEST_F(SupervisorRestartTest, restarted_supervisor_starts_a_deleted_child_again) {
  ASSERT_EQ(sup.terminate_child("a"), SupervisorError::ok);
  ASSERT_EQ(sup.delete_child("a"), SupervisorError::ok);
  ASSERT_EQ(sup.start_child(spec("x", x)), SupervisorError::ok);
  poke(x, "boom");  // x is permanent: intensity 0 makes sup give up
  ASSERT_EQ(sup.incarnation(), 2U);
  EXPECT_TRUE(a.alive());
  EXPECT_TRUE(t.alive());
  EXPECT_FALSE(x.alive());  // added with start_child: not part of init
  EXPECT_EQ(sup.find("x"), nullptr);
  ASSERT_EQ(records(sup), 2U);
  EXPECT_STREQ(sup.children()[0].spec.id, "a");
  EXPECT_STREQ(sup.children()[1].spec.id, "t");
}

}  // namespace

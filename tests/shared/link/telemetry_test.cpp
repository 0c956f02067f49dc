// The device's telemetry over the link, and Goodbye: a DeviceAgent on a
// simulated device loop sends traces, log lines and metrics snapshots to a
// RemoteNode on a simulated host loop, through the real endpoint, session,
// framing and nanopb envelopes, over a byte pipe with a fixed latency that
// the tests can cut, or make lose single writes (one write is one frame).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "lit/link/agent.hpp"
#include "lit/link/remote.hpp"
#include "lit/runtime.hpp"
#include "two_loops.hpp"

namespace {

using namespace lit::chart::dsl;
using namespace lit::link::testing;

// ---- the device's actors ------------------------------------------------------------------

// A door, traced; it logs from inside its own step.
struct Door {
  struct Params {
    lit::link::DeviceAgent** agent = nullptr;
  };
  explicit Door(const Params& params) : agent(params.agent) {}
  lit::link::DeviceAgent** agent;
};
// The door logs as a port's Port::log would pass a chart's <log> on: from inside its step.
void creak(Door& door, Step& step) {
  static_cast<void>(step);
  static_cast<void>((*door.agent)->log_from_port("door", "warning", "the hinge creaks"));
}
constexpr auto door_chart = lit::chart::define<Door>(
    "door",
    initial("closed"),
    state("closed", on("open").to("opened"), on("creak").then(fn<&creak>), on("jam").then([](Step& step) {
      step.fail("jammed");
    })),
    state("opened", on("close").to("closed")));
using DoorActor = lit::Actor<door_chart, lit::MailboxConfig{.capacity = 4}>;

struct Worker {};
constexpr auto worker_chart = lit::chart::define<Worker>(
    "worker", initial("up"), state("up", on("ping"), on("boom").then([](Step& step) { step.fail("boom"); })));
using WorkerActor = lit::Actor<worker_chart, lit::MailboxConfig{.capacity = 2}>;
using Sup = lit::StaticSupervisor<4, 16>;

const lit::chart::EventId kPing = worker_chart.event("ping");
const lit::chart::EventId kBoom = worker_chart.event("boom");

// ---- the two sides --------------------------------------------------------------------------

constexpr lit::Millis kMetricsInterval = 100;
constexpr std::uint32_t kStackFree = 1536;
std::uint32_t stack_free() { return kStackFree; }

enum Index : std::uint32_t { kSupIndex, kDoorIndex, kValveIndex, kBlinkyIndex, kPumpIndex };

struct Device : DeviceLoop<8> {
  explicit Device(Pipe& out)
      : DeviceLoop(7),
        agent(scheduler,
              table,
              lit::link::ByteSink{&out, &Pipe::sink},
              lit::link::DeviceAgentConfig{
                  .boot_id = 0xB001, .metrics_interval = kMetricsInterval, .stack_free = &stack_free}) {
    scheduler.set_tracing(door, true);  // the door only: the others' steps are not traced
    start(agent,
          sup,
          {ChildSpec{.id = "door", .actor = &door},
           ChildSpec{.id = "valve", .actor = &valve},
           ChildSpec{.id = "blinky", .actor = &blinky},
           ChildSpec{.id = "pump", .actor = &pump}});
  }

  lit::link::DeviceAgent* self = &agent;
  DoorActor door{Door::Params{&self}};
  WorkerActor valve;
  WorkerActor blinky;
  WorkerActor pump;
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one, .intensity = {.max_restarts = 5, .period_ms = 10'000}}};
  // Five rows: a snapshot takes two Metrics envelopes (three actors each at most).
  std::array<lit::link::AgentActor, 5> table{{
      {.path = "/dev", .actor = &sup},
      {.path = "/dev/door", .actor = &door, .supervisor = &sup, .child_id = "door"},
      {.path = "/dev/valve", .actor = &valve, .supervisor = &sup, .child_id = "valve"},
      {.path = "/dev/blinky", .actor = &blinky, .supervisor = &sup, .child_id = "blinky"},
      {.path = "/dev/pump", .actor = &pump, .supervisor = &sup, .child_id = "pump"},
  }};
  lit::link::DeviceAgent agent;
};

// What the host's node handed on, as the daemon would publish it.
struct Recorder final : lit::link::RemoteNodeObserver {
  std::vector<lit_wire_Trace> traces;
  std::vector<lit_wire_Log> logs;
  std::vector<lit_wire_Metrics> metrics;
  std::vector<std::uint32_t> gaps;
  void on_trace(const lit_wire_Trace& trace) override { traces.push_back(trace); }
  void on_log(const lit_wire_Log& log) override { logs.push_back(log); }
  void on_metrics(const lit_wire_Metrics& snapshot) override { metrics.push_back(snapshot); }
  void on_telemetry_gap(std::uint32_t missing) override { gaps.push_back(missing); }
};

// A trace record as the tests compare it.
struct TraceStep {
  lit_wire_TraceKind kind;
  std::uint32_t from_state;
  std::uint32_t to_state;
  std::uint32_t event_id;
  friend bool operator==(const TraceStep&, const TraceStep&) = default;
};
std::ostream& operator<<(std::ostream& out, const TraceStep& step) {
  return out << "{kind " << static_cast<int>(step.kind) << ", from " << step.from_state << ", to " << step.to_state
             << ", event " << step.event_id << "}";
}

class TelemetryTest : public TwoLoops<Device> {
 protected:
  TelemetryTest() {
    node.set_observer(&recorder);
    device = std::make_unique<Device>(to_host);
  }

  void send_on_device(lit::ActorCore& actor, lit::chart::EventId event) {
    ASSERT_EQ(device->scheduler.send(lit::Address<lit::NoPayload>{actor.id()}, event), SendResult::ok);
    device->port.run_until_idle();
  }
  std::vector<TraceStep> door_steps() const {
    std::vector<TraceStep> steps;
    for (const lit_wire_Trace& trace : recorder.traces) {
      EXPECT_EQ(trace.actor, kDoorIndex);
      steps.push_back(TraceStep{trace.kind, trace.from_state, trace.to_state, trace.event_id});
    }
    return steps;
  }
  // The snapshot envelopes that carry actor 0 (the first of each snapshot).
  std::vector<lit_wire_Metrics> first_envelopes() const {
    std::vector<lit_wire_Metrics> first;
    for (const lit_wire_Metrics& m : recorder.metrics) {
      if (m.actors_count != 0 && m.actors[0].actor == 0) first.push_back(m);
    }
    return first;
  }

  Recorder recorder;
};

// ---- traces ---------------------------------------------------------------------------------

TEST_F(TelemetryTest, traces_of_a_traced_device_actor_arrive_in_the_engines_order_with_its_states) {
  run(50);
  ASSERT_TRUE(node.ready());
  // Its initial entry happened before the link was up: dropped, and counted.
  EXPECT_EQ(device->agent.counters().traces_dropped, 2U);
  EXPECT_TRUE(recorder.traces.empty());

  const lit::Millis opened_at = device->port.now();
  send_on_device(device->door, door_chart.event("open"));
  run(5);
  send_on_device(device->door, door_chart.event("close"));
  send_on_device(device->valve, kPing);  // not traced: no record
  run(5);

  const std::uint32_t closed = door_chart.state("closed");
  const std::uint32_t opened = door_chart.state("opened");
  const std::vector<TraceStep> expected{
      {lit_wire_TraceKind_TRACE_KIND_EVENT, 0, 0, door_chart.event("open")},
      {lit_wire_TraceKind_TRACE_KIND_EXIT, closed, 0, 0},
      {lit_wire_TraceKind_TRACE_KIND_TRANSITION, closed, opened, 0},
      {lit_wire_TraceKind_TRACE_KIND_ENTER, 0, opened, 0},
      {lit_wire_TraceKind_TRACE_KIND_EVENT, 0, 0, door_chart.event("close")},
      {lit_wire_TraceKind_TRACE_KIND_EXIT, opened, 0, 0},
      {lit_wire_TraceKind_TRACE_KIND_TRANSITION, opened, closed, 0},
      {lit_wire_TraceKind_TRACE_KIND_ENTER, 0, closed, 0},
  };
  EXPECT_EQ(door_steps(), expected);
  ASSERT_EQ(recorder.traces.size(), expected.size());
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(recorder.traces[i].timestamp_us, opened_at * 1000U) << i;
    EXPECT_EQ(recorder.traces[i].incarnation, device->door.incarnation()) << i;
  }
  EXPECT_GT(recorder.traces[4].timestamp_us, recorder.traces[3].timestamp_us);
  EXPECT_EQ(device->agent.counters().traces_sent, expected.size());
  EXPECT_EQ(node.counters().traces, expected.size());
  EXPECT_EQ(node.counters().telemetry_gaps, 0U);
}

TEST_F(TelemetryTest, a_restart_by_the_host_traces_the_new_incarnations_initial_entry) {
  lit::link::RemoteActor* door = node.declare("/dev/door");
  ASSERT_NE(door, nullptr);
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one}};
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "door", .actor = door}), SupervisorError::ok);
  Reason failure;
  ASSERT_TRUE(host.start(sup, nullptr, failure));
  run(50);
  ASSERT_EQ(door->link(), lit::link::RemoteActor::Link::attached);

  // The door fails on the device; the host supervisor restarts it there by a
  // command, and the new incarnation's initial entry is traced from inside
  // the agent's handling of that command.
  ASSERT_EQ(host.send(door->address(), door_chart.event("jam"), lit::link::RemotePayload{}), SendResult::ok);
  run(50);
  ASSERT_EQ(sup.restarts(), 1U);
  ASSERT_EQ(device->door.incarnation(), 2U);
  ASSERT_GE(recorder.traces.size(), 3U);
  const lit_wire_Trace& jam = recorder.traces.front();
  EXPECT_EQ(jam.kind, lit_wire_TraceKind_TRACE_KIND_EVENT);
  EXPECT_EQ(jam.event_id, door_chart.event("jam"));
  EXPECT_EQ(jam.incarnation, 1U);
  const lit_wire_Trace& initial = recorder.traces[recorder.traces.size() - 2];
  const lit_wire_Trace& entered = recorder.traces.back();
  EXPECT_EQ(initial.kind, lit_wire_TraceKind_TRACE_KIND_TRANSITION);
  EXPECT_EQ(initial.from_state, lit::chart::kRoot);
  EXPECT_EQ(initial.to_state, door_chart.state("closed"));
  EXPECT_EQ(initial.incarnation, 2U);
  EXPECT_EQ(entered.kind, lit_wire_TraceKind_TRACE_KIND_ENTER);
  EXPECT_EQ(entered.to_state, door_chart.state("closed"));
  EXPECT_EQ(entered.incarnation, 2U);
}

// ---- log lines ------------------------------------------------------------------------------

TEST_F(TelemetryTest, log_lines_arrive_with_level_actor_and_text) {
  run(50);
  ASSERT_TRUE(node.ready());
  EXPECT_EQ(device->agent.log(lit_wire_LogLevel_LOG_LEVEL_ERROR, kValveIndex, "valve stuck open"),
            lit::link::SendResult::ok);
  // From inside the door's step, as a port's Port::log would pass it on.
  send_on_device(device->door, door_chart.event("creak"));
  // From outside any actor, with a label that is not a level.
  EXPECT_EQ(device->agent.log_from_port("sensor", "calibrated", "offset 3"), lit::link::SendResult::ok);
  run(5);

  ASSERT_EQ(recorder.logs.size(), 3U);
  EXPECT_EQ(recorder.logs[0].level, lit_wire_LogLevel_LOG_LEVEL_ERROR);
  EXPECT_EQ(recorder.logs[0].actor, kValveIndex);
  EXPECT_STREQ(recorder.logs[0].text, "valve stuck open");
  EXPECT_EQ(recorder.logs[0].timestamp_us, (device->port.now() - 5) * 1000U);
  EXPECT_EQ(recorder.logs[1].level, lit_wire_LogLevel_LOG_LEVEL_WARNING);
  EXPECT_EQ(recorder.logs[1].actor, kDoorIndex);
  EXPECT_STREQ(recorder.logs[1].text, "the hinge creaks");
  EXPECT_EQ(recorder.logs[2].level, lit_wire_LogLevel_LOG_LEVEL_INFO);
  EXPECT_EQ(recorder.logs[2].actor, lit::link::kNoTableActor);
  EXPECT_STREQ(recorder.logs[2].text, "sensor calibrated: offset 3");
  EXPECT_EQ(device->agent.counters().logs_sent, 3U);
  EXPECT_EQ(node.counters().logs, 3U);

  // A line longer than the wire's 96 characters is cut, not refused.
  const std::string long_line(200, 'x');
  EXPECT_EQ(device->agent.log(lit_wire_LogLevel_LOG_LEVEL_INFO, kPumpIndex, long_line), lit::link::SendResult::ok);
  run(5);
  ASSERT_EQ(recorder.logs.size(), 4U);
  EXPECT_EQ(std::string(recorder.logs[3].text), long_line.substr(0, 96));
}

// ---- metrics --------------------------------------------------------------------------------

TEST_F(TelemetryTest, metrics_arrive_every_interval_with_every_actor_in_envelopes_of_three) {
  run(50);
  ASSERT_TRUE(node.ready());
  const std::size_t before = recorder.metrics.size();
  run(500);                                          // ticks at 100, 200, 300, 400, 500
  ASSERT_EQ(recorder.metrics.size() - before, 10U);  // two envelopes per snapshot: 3 + 2 actors
  const auto first = first_envelopes();
  ASSERT_EQ(first.size(), 5U);
  for (std::size_t i = 1; i < first.size(); ++i) {
    EXPECT_EQ(first[i].timestamp_us - first[i - 1].timestamp_us, kMetricsInterval * 1000U) << i;
  }
  const lit_wire_Metrics& last = recorder.metrics.back();
  ASSERT_EQ(last.actors_count, 2U);
  EXPECT_EQ(last.actors[1].actor, kPumpIndex);
  EXPECT_EQ(first.back().actors_count, 3U);
  EXPECT_EQ(last.stack_free, kStackFree);
  EXPECT_GT(last.link_tx_frames, 0U);
  EXPECT_GT(last.link_rx_frames, 0U);
  EXPECT_EQ(last.link_rx_errors, 0U);
  EXPECT_EQ(node.device_totals().stack_free, kStackFree);
  for (std::uint32_t i = 0; i < 5; ++i) {
    const lit_wire_ActorMetrics* metrics = node.device_metrics(i);
    ASSERT_NE(metrics, nullptr) << i;
    EXPECT_EQ(metrics->actor, i);
    EXPECT_EQ(metrics->incarnation, 1U) << i;
    EXPECT_EQ(metrics->restarts, 0U) << i;
  }
  EXPECT_EQ(node.device_metrics(5), nullptr);  // no such actor
}

TEST_F(TelemetryTest, a_snapshot_shows_queued_messages_drops_and_a_restart_after_a_forced_failure) {
  run(50);
  ASSERT_TRUE(node.ready());
  // The valve fails; its device supervisor restarts it.
  send_on_device(device->valve, kBoom);
  ASSERT_EQ(device->sup.restarts(), 1U);
  // Just before the snapshot at 300 is taken (this timer is armed before the
  // agent arms that one, so it fires first at the same instant), three
  // messages for a mailbox of two: two queued, one rejected.
  struct Filler : lit::Timer {
    Device* device = nullptr;
    std::array<SendResult, 3> results{};
  } filler;
  filler.device = device.get();
  filler.fire = [](lit::Timer& timer, lit::Scheduler& scheduler) {
    auto& self = static_cast<Filler&>(timer);
    for (SendResult& result : self.results) {
      result = scheduler.send(lit::Address<lit::NoPayload>{self.device->valve.id()}, kPing);
    }
  };
  ASSERT_LT(device->port.now(), 200U);
  device->scheduler.arm(filler, 300);
  run(260);  // past 300
  EXPECT_EQ(filler.results, (std::array<SendResult, 3>{SendResult::ok, SendResult::ok, SendResult::full}));

  const auto first = first_envelopes();
  const auto at_300 = std::find_if(first.begin(), first.end(), [](const lit_wire_Metrics& m) {
    return m.timestamp_us == std::uint64_t{300} * 1000U;
  });
  ASSERT_NE(at_300, first.end());
  const lit_wire_ActorMetrics& valve = at_300->actors[kValveIndex];
  EXPECT_EQ(valve.actor, kValveIndex);
  EXPECT_EQ(valve.mailbox_depth, 2U);
  EXPECT_EQ(valve.mailbox_drops, 1U);
  EXPECT_EQ(valve.mailbox_high_water, 2U);
  EXPECT_EQ(valve.restarts, 1U);
  EXPECT_EQ(valve.incarnation, 2U);
  EXPECT_EQ(valve.messages_handled, 1U);  // the boom; the pings wait
  // The blinky is the first actor of the snapshot's second envelope.
  const auto second_at_300 =
      std::find_if(recorder.metrics.begin(), recorder.metrics.end(), [](const lit_wire_Metrics& m) {
        return m.timestamp_us == std::uint64_t{300} * 1000U && m.actors_count != 0 && m.actors[0].actor == kBlinkyIndex;
      });
  ASSERT_NE(second_at_300, recorder.metrics.end());
  const lit_wire_ActorMetrics& blinky = second_at_300->actors[0];
  EXPECT_EQ(blinky.restarts, 0U);
  EXPECT_EQ(blinky.mailbox_depth, 0U);

  // The node keeps the latest: at 400 the pings had been handled.
  run(100);
  const lit_wire_ActorMetrics* latest = node.device_metrics(kValveIndex);
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->mailbox_depth, 0U);
  EXPECT_EQ(latest->messages_handled, 3U);
  EXPECT_EQ(latest->mailbox_high_water, 2U);
  EXPECT_EQ(latest->restarts, 1U);
  EXPECT_EQ(latest->incarnation, device->valve.incarnation());
  // Its active states, so the host can mend a configuration a lost trace left wrong.
  EXPECT_NE(latest->configuration, 0U);
  EXPECT_EQ(latest->configuration, device->valve.configuration());
  EXPECT_EQ(node.device_metrics(kBlinkyIndex)->configuration, device->blinky.configuration());
}

// ---- drops and gaps -------------------------------------------------------------------------

TEST_F(TelemetryTest, a_snapshot_counts_the_messages_the_link_delivered_apart_from_local_ones) {
  lit::link::RemoteActor* valve = node.declare("/dev/valve");
  ASSERT_NE(valve, nullptr);
  ASSERT_TRUE(node.manage(*valve));
  run(50);
  ASSERT_EQ(valve->link(), lit::link::RemoteActor::Link::attached);
  // Five pings over the link, two sent on the device itself.
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(host.send(valve->address(), kPing, lit::link::RemotePayload{}), SendResult::ok);
    run(5);
  }
  send_on_device(device->valve, kPing);
  send_on_device(device->valve, kPing);
  run(3 * kMetricsInterval);
  const lit_wire_ActorMetrics* latest = node.device_metrics(kValveIndex);
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->messages_from_host, 5U);
  EXPECT_EQ(latest->messages_from_host, valve->messages_forwarded());
  EXPECT_EQ(latest->messages_handled, 7U);
  EXPECT_EQ(node.device_metrics(kBlinkyIndex)->messages_from_host, 0U);
}

TEST_F(TelemetryTest, telemetry_is_dropped_and_counted_while_the_link_is_down) {
  run(50);
  ASSERT_TRUE(node.ready());
  unplug();
  run(1200);
  ASSERT_EQ(device->agent.state(), lit::link::EndpointState::down);
  const lit::link::DeviceAgentCounters before = device->agent.counters();
  const std::size_t traces = recorder.traces.size();
  const std::size_t logs = recorder.logs.size();
  const std::size_t metrics = recorder.metrics.size();

  send_on_device(device->door, door_chart.event("open"));  // four records
  EXPECT_EQ(device->agent.log(lit_wire_LogLevel_LOG_LEVEL_INFO, kDoorIndex, "nobody hears this"),
            lit::link::SendResult::link_down);
  run(300);  // three snapshots of two envelopes

  const lit::link::DeviceAgentCounters& after = device->agent.counters();
  EXPECT_EQ(after.traces_dropped - before.traces_dropped, 4U);
  EXPECT_EQ(after.logs_dropped - before.logs_dropped, 1U);
  EXPECT_EQ(after.metrics_dropped - before.metrics_dropped, 6U);
  EXPECT_EQ(after.traces_sent, before.traces_sent);
  EXPECT_EQ(after.logs_sent, before.logs_sent);
  EXPECT_EQ(after.metrics_sent, before.metrics_sent);
  EXPECT_EQ(recorder.traces.size(), traces);
  EXPECT_EQ(recorder.logs.size(), logs);
  EXPECT_EQ(recorder.metrics.size(), metrics);

  // Back up: the next snapshot tells the host how much the device dropped.
  replug();
  run(2000);
  ASSERT_TRUE(node.ready());
  const lit::link::DeviceAgentCounters& latest = device->agent.counters();
  EXPECT_GE(node.device_totals().telemetry_dropped, 4U + 1U + 6U);
  EXPECT_EQ(node.device_totals().telemetry_dropped,
            latest.traces_dropped + latest.logs_dropped + latest.metrics_dropped);
}

TEST_F(TelemetryTest, a_lost_best_effort_frame_is_counted_as_a_gap_on_the_host) {
  run(50);
  ASSERT_TRUE(node.ready());
  // Each best-effort envelope is written as one frame, at once.
  to_host.lose_writes = 1;
  EXPECT_EQ(device->agent.log(lit_wire_LogLevel_LOG_LEVEL_INFO, kPumpIndex, "lost"), lit::link::SendResult::ok);
  EXPECT_EQ(device->agent.log(lit_wire_LogLevel_LOG_LEVEL_INFO, kPumpIndex, "kept"), lit::link::SendResult::ok);
  run(5);
  ASSERT_EQ(recorder.logs.size(), 1U);
  EXPECT_STREQ(recorder.logs[0].text, "kept");
  EXPECT_EQ(node.counters().telemetry_gaps, 1U);
  EXPECT_EQ(recorder.gaps, (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(node.session_counters().best_effort_gaps, 1U);
}

// ---- goodbye --------------------------------------------------------------------------------

TEST_F(TelemetryTest, goodbye_makes_the_device_release_its_holds_at_once_and_its_supervisor_take_over) {
  lit::link::RemoteActor* valve = node.declare("/dev/valve");
  ASSERT_NE(valve, nullptr);
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one}};
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "valve", .actor = valve}), SupervisorError::ok);
  Reason failure;
  ASSERT_TRUE(host.start(sup, nullptr, failure));
  MonitorActor monitor;
  ASSERT_TRUE(host.start(monitor, nullptr, failure));
  run(50);
  ASSERT_EQ(valve->link(), lit::link::RemoteActor::Link::attached);
  ASSERT_TRUE(device->agent.claimed(kValveIndex));
  ASSERT_EQ(host.watch(monitor.id(), valve->id()), lit::WatchResult::ok);

  node.goodbye("litd stopping");
  host_port.run_until_idle();
  // The host side ends its proxies as on link loss, and is closed.
  EXPECT_TRUE(node.closed());
  EXPECT_FALSE(node.ready());
  ASSERT_EQ(monitor.context().downs.size(), 1U);
  EXPECT_EQ(monitor.context().downs[0].reason.kind, lit::ExitKind::noconnection);
  EXPECT_EQ(valve->link(), lit::link::RemoteActor::Link::detached);

  run(5);  // the line's latency, far below the device's link timeout
  EXPECT_EQ(device->agent.counters().goodbyes, 1U);
  EXPECT_FALSE(device->agent.claimed(kValveIndex));
  EXPECT_EQ(device->agent.state(), lit::link::EndpointState::down);
  // Its session has not timed out: only the Goodbye took the link down.
  EXPECT_EQ(device->agent.session_counters().link_downs, 0U);

  // Device autonomy: a failure now is the device supervisor's to restart.
  const std::uint32_t incarnation = device->valve.incarnation();
  send_on_device(device->valve, kBoom);
  EXPECT_EQ(device->sup.restarts(), 1U);
  EXPECT_TRUE(device->valve.alive());
  EXPECT_EQ(device->valve.incarnation(), incarnation + 1);
  // Nothing was reported to the departed host, nor sent by the closed node.
  const std::uint64_t host_sent = to_device.carried;
  run(2000);
  EXPECT_EQ(to_device.carried, host_sent);
  EXPECT_EQ(device->agent.session_counters().link_downs, 1U);  // the timeout follows in its own time
  EXPECT_EQ(device->agent.state(), lit::link::EndpointState::down);
  // The host supervisor's restart of the proxy waits, detached, on the closed node.
  EXPECT_TRUE(valve->alive());
  EXPECT_EQ(valve->link(), lit::link::RemoteActor::Link::detached);
}

}  // namespace

// Supervision across the link: a host loop with a RemoteNode and a device loop
// with a DeviceAgent, each on its own simulated port, joined by a byte pipe
// with a fixed latency that the tests can cut (unplug), and a device that can
// be rebooted (a fresh device loop with a new boot id). Everything goes
// through the real endpoint, session, framing and nanopb envelopes.
#include "lit/link/remote.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lit/link/agent.hpp"
#include "lit/runtime.hpp"
#include "two_loops.hpp"

namespace {

using namespace lit::chart::dsl;
using namespace lit::link::testing;

// ---- the actors -----------------------------------------------------------------------------

// A message payload on the device: a sequence number, to check order.
struct Seq {
  std::uint32_t n = 0;
};

struct Worker {
  std::uint32_t pings = 0;
  std::uint32_t last_seq = 0;
  std::uint32_t out_of_order = 0;
};

// The same chart runs on both sides: the device's actors, and the host's
// copy that names the events and checks the structural hash.
constexpr auto worker_chart = lit::chart::define<Worker>("worker",
                                                         initial("up"),
                                                         state("up",
                                                               on("ping").then([](Worker& w, Step& step) {
                                                                 ++w.pings;
                                                                 const auto* seq =
                                                                     static_cast<const Seq*>(step.event().data);
                                                                 if (seq != nullptr && seq->n != 0) {
                                                                   if (seq->n != w.last_seq + 1) ++w.out_of_order;
                                                                   w.last_seq = seq->n;
                                                                 }
                                                               }),
                                                               on("boom").then([](Step& step) { step.fail("boom"); })));

using DeviceWorker = lit::Actor<worker_chart, lit::MailboxConfig{.capacity = 2}, Seq>;
using HostWorker = lit::Actor<worker_chart, lit::MailboxConfig{.capacity = 4}>;
using Sup = lit::StaticSupervisor<4, 16>;

// A sequence number, or no payload (n = 0).
bool decode_seq(std::span<const std::uint8_t> payload, Seq& seq) {
  if (payload.empty()) return true;
  if (payload.size() != sizeof(seq.n)) return false;
  std::memcpy(&seq.n, payload.data(), sizeof(seq.n));
  return true;
}
constexpr auto deliver_seq = &deliver_decoded<Seq, &decode_seq>;

// Requests: a host client asks a device oracle, which answers through the
// agent to the export the request named.
struct Client {
  std::vector<std::uint32_t> answers;    // correlation ids answered
  std::vector<std::uint32_t> link_down;  // correlation ids failed by link loss
  std::vector<std::uint32_t> failed;     // correlation ids failed by the oracle's exit
};
std::uint32_t correlation_of(Step& step) {
  return static_cast<const lit::link::RemotePayload*>(step.event().data)->correlation_id;
}
constexpr auto client_chart = lit::chart::define<Client>(
    "client",
    initial("on"),
    state("on",
          on("answer").then([](Client& c, Step& s) { c.answers.push_back(correlation_of(s)); }),
          on("link_down").then([](Client& c, Step& s) { c.link_down.push_back(correlation_of(s)); }),
          on("request_failed").then([](Client& c, Step& s) { c.failed.push_back(correlation_of(s)); })));
using ClientActor = lit::Actor<client_chart, lit::MailboxConfig{.capacity = 4}, lit::link::RemotePayload>;

struct Question {
  lit::link::MessageOrigin origin;
};
struct Oracle {
  struct Params {
    lit::link::DeviceAgent** agent = nullptr;
  };
  explicit Oracle(const Params& params) : agent(params.agent) {}
  lit::link::DeviceAgent** agent;
};
constexpr auto oracle_chart = lit::chart::define<Oracle>(
    "oracle",
    initial("up"),
    state("up",
          on("ask").then([](Oracle& o, Step& s) {
            const auto& question = *static_cast<const Question*>(s.event().data);
            const std::uint8_t answer = 42;
            static_cast<void>((*o.agent)->reply_to_host(
                question.origin, client_chart.event("answer"), std::span<const std::uint8_t>(&answer, 1), 3));
          }),
          on("ignore")));
using OracleActor = lit::Actor<oracle_chart, lit::MailboxConfig{.capacity = 4}, Question>;

lit::SendResult deliver_question(lit::Scheduler& scheduler,
                                 lit::ActorCore& actor,
                                 lit::chart::EventId event,
                                 std::span<const std::uint8_t> payload,
                                 lit::link::MessageOrigin origin) {
  static_cast<void>(payload);
  return scheduler.send(lit::Address<Question>{actor.id()}, event, Question{origin});
}

lit::link::RemotePayload seq_payload(std::uint32_t n) {
  lit::link::RemotePayload payload;
  payload.size = sizeof(n);
  std::memcpy(payload.bytes.data(), &n, sizeof(n));
  return payload;
}

const lit::chart::EventId kPing = worker_chart.event("ping");
const lit::chart::EventId kBoom = worker_chart.event("boom");

// ---- the two sides ----------------------------------------------------------------------------

struct Device : DeviceLoop<8> {
  explicit Device(Pipe& out, std::uint64_t boot_id, std::uint64_t schema_hash = lit::link::kSchemaHash)
      : DeviceLoop(7),
        agent(scheduler,
              table,
              lit::link::ByteSink{&out, &Pipe::sink},
              lit::link::DeviceAgentConfig{.boot_id = boot_id,
                                           .last_reset = lit_wire_ResetReason_RESET_REASON_WATCHDOG,
                                           .schema_hash = schema_hash}) {
    start(agent,
          sup,
          {ChildSpec{.id = "blinky", .actor = &blinky},
           ChildSpec{.id = "valve", .actor = &valve},
           ChildSpec{.id = "oracle", .actor = &oracle}});
  }

  DeviceWorker blinky;
  DeviceWorker valve;
  lit::link::DeviceAgent* self = &agent;
  OracleActor oracle{Oracle::Params{&self}};
  // Restarts on its own up to 5 in 10 s.
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one, .intensity = {.max_restarts = 5, .period_ms = 10'000}}};
  std::array<lit::link::AgentActor, 4> table{{
      {.path = "/dev", .actor = &sup},
      {.path = "/dev/blinky", .actor = &blinky, .supervisor = &sup, .child_id = "blinky", .deliver = deliver_seq},
      {.path = "/dev/valve", .actor = &valve, .supervisor = &sup, .child_id = "valve", .deliver = deliver_seq},
      {.path = "/dev/oracle", .actor = &oracle, .supervisor = &sup, .child_id = "oracle", .deliver = &deliver_question},
  }};
  lit::link::DeviceAgent agent;
};

class RemoteTest : public TwoLoops<Device> {
 protected:
  RemoteTest() { device = std::make_unique<Device>(to_host, 0xB001); }

  // The device loses power and boots again with a new boot id.
  void reboot(std::uint64_t boot_id) {
    to_device.bytes.clear();
    to_host.bytes.clear();
    device.reset();
    device = std::make_unique<Device>(to_host, boot_id);
  }
};

// ---- the handshake ----------------------------------------------------------------------------

TEST_F(RemoteTest, handshake_brings_boot_id_reset_reason_and_the_actor_table) {
  run(50);
  ASSERT_TRUE(node.ready());
  const lit::link::DeviceInfo& info = node.device();
  EXPECT_EQ(info.boot_id, 0xB001U);
  EXPECT_EQ(info.last_reset, lit_wire_ResetReason_RESET_REASON_WATCHDOG);
  ASSERT_EQ(info.actor_count, 4U);
  EXPECT_STREQ(info.actors[0].path, "/dev");
  EXPECT_STREQ(info.actors[0].chart, "supervisor");
  EXPECT_FALSE(info.actors[0].supervised);
  EXPECT_STREQ(info.actors[2].path, "/dev/valve");
  EXPECT_STREQ(info.actors[2].chart, "worker");
  EXPECT_TRUE(info.actors[2].supervised);
  EXPECT_EQ(info.actors[2].incarnation, 1U);
  // The device's chart hash is the host build's hash of the same chart.
  EXPECT_EQ(info.actors[2].chart_hash, HostWorker::kTable.structural_hash);
  EXPECT_EQ(device->agent.host_boot_id(), 0x4057U);
  EXPECT_EQ(node.counters().handshakes, 1U);
  EXPECT_EQ(node.endpoint_counters().rejections, 0U);
}

TEST_F(RemoteTest, a_schema_mismatch_is_refused_by_both_sides_with_a_message_naming_both_hashes) {
  device = std::make_unique<Device>(to_host, 0xB002, lit::link::kSchemaHash ^ 1U);
  RemoteActor* valve = node.declare("/dev/valve");
  ASSERT_NE(valve, nullptr);
  ASSERT_TRUE(node.manage(*valve));
  run(100);
  EXPECT_EQ(node.state(), lit::link::EndpointState::rejected);
  EXPECT_EQ(device->agent.state(), lit::link::EndpointState::rejected);
  EXPECT_FALSE(node.ready());
  const std::string error = node.error();
  EXPECT_NE(error.find("wire schema mismatch"), std::string::npos) << error;
  EXPECT_NE(error.find("build both from the same proto/"), std::string::npos) << error;
  char mine[19];
  std::snprintf(mine, sizeof(mine), "0x%016llx", static_cast<unsigned long long>(lit::link::kSchemaHash));
  EXPECT_NE(error.find(mine), std::string::npos) << error;
  // Nothing crossed: the table never arrived and the proxy never attached.
  EXPECT_EQ(node.device().rows_received, 0U);
  EXPECT_EQ(valve->link(), RemoteActor::Link::detached);
  EXPECT_EQ(host.send(valve->address(), kPing, lit::link::RemotePayload{}), SendResult::ok);
  run(100);
  EXPECT_EQ(device->valve.context().pings, 0U);
  ASSERT_FALSE(host_port.logs().empty());
  EXPECT_NE(host_port.logs().back().find("wire schema mismatch"), std::string::npos);
}

// ---- messages -------------------------------------------------------------------------------

TEST_F(RemoteTest, sending_to_a_device_actor_is_the_same_call_and_keeps_order_under_flow_control) {
  RemoteActor* valve = node.declare("/dev/valve");
  ASSERT_TRUE(node.manage(*valve));
  run(50);
  ASSERT_EQ(valve->link(), RemoteActor::Link::attached);
  EXPECT_EQ(valve->device_incarnation(), 1U);
  // Far more than the device mailbox (2) holds: the agent refuses what does
  // not fit, the session resends it, and all of it arrives, in order.
  std::uint32_t sent = 0;
  for (int round = 0; round < 40; ++round) {
    while (host.send(valve->address(), kPing, seq_payload(sent + 1)) == SendResult::ok) ++sent;
    run(100);
  }
  for (int waited = 0; waited < 120 && device->valve.context().pings < sent; ++waited) run(1000);
  EXPECT_GE(sent, 40U);
  EXPECT_EQ(device->valve.context().pings, sent);
  EXPECT_EQ(device->valve.context().last_seq, sent);
  EXPECT_EQ(device->valve.context().out_of_order, 0U);
  EXPECT_GT(device->agent.counters().mailbox_full, 0U) << "the test must exercise the refusal path";
  EXPECT_EQ(device->agent.counters().dead_messages, 0U);
}

// ---- supervision across the link -----------------------------------------------------------

TEST_F(RemoteTest, a_device_failure_restarts_host_and_device_children_of_a_one_for_all_host_supervisor) {
  HostWorker before, after;
  RemoteActor* valve = node.declare("/dev/valve");
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_all, .intensity = {.max_restarts = 3, .period_ms = 5000}}};
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "before", .actor = &before}), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "valve", .actor = valve}), SupervisorError::ok);
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "after", .actor = &after}), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  run(50);
  ASSERT_EQ(valve->link(), RemoteActor::Link::attached);
  EXPECT_TRUE(device->agent.claimed(2));
  const std::uint32_t device_before = device->valve.incarnation();

  ASSERT_EQ(host.send(valve->address(), kBoom, lit::link::RemotePayload{}), SendResult::ok);
  run(50);
  // The host supervisor handled it: every child restarted, the device one in
  // its static slot by a command, so its incarnation moved on once.
  EXPECT_EQ(sup.restarts(), 1U);
  EXPECT_EQ(before.incarnation(), 2U);
  EXPECT_EQ(after.incarnation(), 2U);
  EXPECT_EQ(valve->incarnation(), 2U);
  EXPECT_EQ(valve->link(), RemoteActor::Link::attached);
  EXPECT_TRUE(device->valve.alive());
  EXPECT_EQ(device->valve.incarnation(), device_before + 1);
  EXPECT_EQ(valve->device_incarnation(), device->valve.incarnation());
  EXPECT_STREQ(valve->last_exit_detail(), "boom");
  // The device supervisor left it to the host.
  EXPECT_EQ(device->sup.restarts(), 0U);
  EXPECT_EQ(device->blinky.incarnation(), 1U);
  EXPECT_EQ(node.counters().exits_reported, 1U);
}

TEST_F(RemoteTest, terminate_and_restart_child_of_a_device_child_stop_and_restart_it_on_the_device) {
  RemoteActor* valve = node.declare("/dev/valve");
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one, .intensity = {.max_restarts = 3, .period_ms = 5000}}};
  // The default shutdown (a timeout): a proxy takes no shutdown event, so it is stopped at once.
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "valve", .actor = valve}), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  run(50);
  ASSERT_EQ(valve->link(), RemoteActor::Link::attached);
  ASSERT_EQ(host.send(valve->address(), kPing, lit::link::RemotePayload{}), SendResult::ok);
  run(20);
  ASSERT_EQ(device->valve.context().pings, 1U);
  const std::uint32_t device_before = device->valve.incarnation();

  ASSERT_EQ(sup.terminate_child("valve"), SupervisorError::ok);
  run(50);
  EXPECT_FALSE(valve->alive());
  EXPECT_FALSE(device->valve.alive());  // STOP went over the link
  ASSERT_EQ(sup.restart_child("valve"), SupervisorError::ok);
  run(50);
  EXPECT_EQ(valve->link(), RemoteActor::Link::attached);
  EXPECT_TRUE(device->valve.alive());
  EXPECT_EQ(device->valve.incarnation(), device_before + 1);
  EXPECT_EQ(valve->device_incarnation(), device->valve.incarnation());
  EXPECT_EQ(device->valve.context().pings, 0U);  // a fresh context in the same slot
  EXPECT_EQ(sup.restarts(), 0U);                 // commanded, not a failure
}

TEST_F(RemoteTest, restart_intensity_exceeded_on_a_device_child_escalates_the_host_supervisor) {
  RemoteActor* valve = node.declare("/dev/valve");
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one, .intensity = {.max_restarts = 2, .period_ms = 5000}}};
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "valve", .actor = valve}), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  run(50);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(valve->link(), RemoteActor::Link::attached) << i;
    ASSERT_EQ(host.send(valve->address(), kBoom, lit::link::RemotePayload{}), SendResult::ok);
    run(50);
  }
  // Two restarts fit the window, the third failure does not: OTP shuts the
  // supervisor down, which stops the device child too.
  EXPECT_FALSE(sup.alive());
  EXPECT_EQ(sup.restarts(), 3U);
  EXPECT_FALSE(valve->alive());
  EXPECT_FALSE(device->valve.alive());
  EXPECT_EQ(device->sup.restarts(), 0U);
  ASSERT_EQ(host_port.fatals().size(), 1U);  // a root supervisor reaching its intensity is fatal
}

// ---- link loss and reconnection -------------------------------------------------------------

TEST_F(RemoteTest, link_loss_gives_each_watcher_one_noconnection_down_and_draws_on_the_link_budget) {
  RemoteActor* valve = node.declare("/dev/valve");
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one, .intensity = {.max_restarts = 1, .period_ms = 60'000}}};
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "valve", .actor = valve}), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  MonitorActor first, second;
  ASSERT_TRUE(start_root(first));
  ASSERT_TRUE(start_root(second));
  run(50);
  ASSERT_EQ(valve->link(), RemoteActor::Link::attached);
  const lit::ActorId watched = valve->id();
  ASSERT_EQ(host.watch(first.id(), watched), lit::WatchResult::ok);
  ASSERT_EQ(host.watch(second.id(), watched), lit::WatchResult::ok);
  // A message in flight when the cable goes is not delivered to a later life.
  ASSERT_EQ(host.send(valve->address(), kPing, seq_payload(1)), SendResult::ok);

  unplug();
  const lit::Millis unplugged_at = now;
  run(1200);
  for (MonitorActor* monitor : {&first, &second}) {
    ASSERT_EQ(monitor->context().downs.size(), 1U);
    EXPECT_EQ(monitor->context().downs[0].actor, watched);
    EXPECT_EQ(monitor->context().downs[0].reason.kind, lit::ExitKind::noconnection);
  }
  EXPECT_EQ(node.counters().link_losses, 1U);
  EXPECT_LE(node.session_counters().link_downs, 1U);
  // The link budget paid for the restart; the crash budget (1) is untouched.
  EXPECT_EQ(sup.link_restarts(), 1U);
  EXPECT_EQ(sup.restarts(), 0U);
  EXPECT_TRUE(sup.alive());
  EXPECT_TRUE(valve->alive());
  EXPECT_EQ(valve->link(), RemoteActor::Link::detached);
  static_cast<void>(unplugged_at);

  // Device autonomy: with the host gone its own supervisor restarts a failure.
  EXPECT_FALSE(device->agent.claimed(2));
  ASSERT_EQ(device->scheduler.send(device->valve.address(), kBoom, Seq{}), SendResult::ok);
  device->port.run_until_idle();
  EXPECT_EQ(device->sup.restarts(), 1U);
  EXPECT_TRUE(device->valve.alive());
  const std::uint32_t device_incarnation = device->valve.incarnation();

  // Same boot id: the proxy re-attaches to what runs now; nothing is re-spawned.
  replug();
  run(2000);
  EXPECT_EQ(node.counters().handshakes, 2U);
  EXPECT_EQ(node.counters().reboots, 0U);
  EXPECT_EQ(valve->link(), RemoteActor::Link::attached);
  EXPECT_EQ(valve->device_incarnation(), device_incarnation);
  EXPECT_EQ(device->valve.incarnation(), device_incarnation);
  EXPECT_TRUE(device->agent.claimed(2));
  // Still exactly one DOWN each.
  EXPECT_EQ(first.context().downs.size(), 1U);
  EXPECT_EQ(second.context().downs.size(), 1U);
  ASSERT_EQ(host.send(valve->address(), kPing, lit::link::RemotePayload{}), SendResult::ok);
  run(50);
  EXPECT_EQ(device->valve.context().pings, 1U);
}

TEST_F(RemoteTest, after_a_reboot_old_addresses_are_dead_and_children_are_respawned_from_spec) {
  RemoteActor* valve = node.declare("/dev/valve");
  RemoteActor* blinky = node.declare("/dev/blinky");
  ASSERT_TRUE(node.manage(*blinky));
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one}};
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "valve", .actor = valve}), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  run(50);
  ASSERT_EQ(valve->link(), RemoteActor::Link::attached);
  ASSERT_EQ(blinky->link(), RemoteActor::Link::attached);
  const auto old_valve = valve->address();
  const auto old_blinky = blinky->address();

  unplug();
  run(1200);
  reboot(0xB002);
  replug();
  run(2000);
  EXPECT_EQ(node.device().boot_id, 0xB002U);
  EXPECT_EQ(node.counters().reboots, 1U);
  EXPECT_EQ(host.send(old_valve, kPing, seq_payload(1)), SendResult::dead);
  EXPECT_EQ(host.send(old_blinky, kPing, seq_payload(1)), SendResult::dead);
  ASSERT_EQ(valve->link(), RemoteActor::Link::attached);
  ASSERT_EQ(blinky->link(), RemoteActor::Link::attached);
  EXPECT_EQ(valve->device_incarnation(), device->valve.incarnation());
  EXPECT_TRUE(device->agent.claimed(2));
  EXPECT_FALSE(device->agent.claimed(1));  // the node only watches blinky
  ASSERT_EQ(host.send(valve->address(), kPing, seq_payload(1)), SendResult::ok);
  ASSERT_EQ(host.send(blinky->address(), kPing, seq_payload(1)), SendResult::ok);
  run(50);
  EXPECT_EQ(device->valve.context().pings, 1U);
  EXPECT_EQ(device->blinky.context().pings, 1U);
}

TEST_F(RemoteTest, a_managed_proxy_follows_device_side_restarts_with_one_down_per_incarnation) {
  RemoteActor* blinky = node.declare("/dev/blinky");
  ASSERT_TRUE(node.manage(*blinky));
  MonitorActor monitor;
  ASSERT_TRUE(start_root(monitor));
  run(50);
  ASSERT_EQ(blinky->link(), RemoteActor::Link::attached);
  ASSERT_EQ(host.watch(monitor.id(), blinky->id()), lit::WatchResult::ok);
  ASSERT_EQ(host.send(blinky->address(), kBoom, lit::link::RemotePayload{}), SendResult::ok);
  run(50);
  ASSERT_EQ(monitor.context().downs.size(), 1U);
  EXPECT_EQ(monitor.context().downs[0].reason.kind, lit::ExitKind::failed);
  // The device supervisor restarted it (the host does not supervise it); the
  // node attached a new proxy incarnation to the new device incarnation.
  EXPECT_EQ(device->sup.restarts(), 1U);
  EXPECT_EQ(blinky->link(), RemoteActor::Link::attached);
  EXPECT_EQ(blinky->device_incarnation(), device->blinky.incarnation());
  EXPECT_EQ(blinky->incarnation(), 2U);
}

TEST_F(RemoteTest, a_declared_path_the_device_lacks_fails_the_child_with_a_clear_reason) {
  RemoteActor* ghost = node.declare("/dev/ghost");
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one, .intensity = {.max_restarts = 1, .period_ms = 5000}}};
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "ghost", .actor = ghost}), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  EXPECT_TRUE(ghost->alive());  // waiting for the device
  run(100);
  EXPECT_EQ(node.counters().unknown_actors, 1U);
  EXPECT_FALSE(ghost->alive());
  EXPECT_FALSE(sup.alive());  // its restarts failed to start: the supervisor gave up
}

// ---- requests --------------------------------------------------------------------------------

TEST_F(RemoteTest, a_request_is_answered_through_the_export_and_fails_with_link_down_when_the_link_goes) {
  RemoteActor* oracle = node.declare("/dev/oracle");
  ASSERT_TRUE(node.manage(*oracle));
  ClientActor client;
  ASSERT_TRUE(start_root(client));
  ASSERT_TRUE(node.export_actor(0, client.address()));
  run(50);
  ASSERT_EQ(oracle->link(), RemoteActor::Link::attached);

  lit::link::RemotePayload ask;
  ask.correlation_id = 7;
  ask.reply_export = 1;  // export 0
  ASSERT_EQ(host.send(oracle->address(), oracle_chart.event("ask"), ask), SendResult::ok);
  run(50);
  EXPECT_EQ(client.context().answers, (std::vector<std::uint32_t>{7}));
  EXPECT_EQ(node.counters().replies, 1U);
  EXPECT_EQ(node.pending_requests(), 0U);

  // One the oracle never answers: pending until the link goes.
  ask.correlation_id = 8;
  ASSERT_EQ(host.send(oracle->address(), oracle_chart.event("ignore"), ask), SendResult::ok);
  run(50);
  EXPECT_EQ(node.pending_requests(), 1U);
  unplug();
  run(1200);
  EXPECT_EQ(client.context().link_down, (std::vector<std::uint32_t>{8}));
  EXPECT_EQ(node.counters().requests_failed, 1U);
  EXPECT_EQ(node.pending_requests(), 0U);
  EXPECT_TRUE(client.context().failed.empty());
}

TEST_F(RemoteTest, a_request_fails_with_request_failed_when_its_target_exits_first) {
  RemoteActor* oracle = node.declare("/dev/oracle");
  ASSERT_TRUE(node.manage(*oracle));
  ClientActor client;
  ASSERT_TRUE(start_root(client));
  ASSERT_TRUE(node.export_actor(0, client.address()));
  run(50);
  lit::link::RemotePayload ask;
  ask.correlation_id = 9;
  ask.reply_export = 1;
  ASSERT_EQ(host.send(oracle->address(), oracle_chart.event("ignore"), ask), SendResult::ok);
  run(50);
  ASSERT_EQ(node.pending_requests(), 1U);
  // The oracle fails on the device (stopped by its supervisor from outside).
  device->scheduler.stop(device->oracle, Reason::failed("crashed"), lit::StopMode::kill);
  device->port.run_until_idle();
  run(50);
  EXPECT_EQ(client.context().failed, (std::vector<std::uint32_t>{9}));
  EXPECT_EQ(node.pending_requests(), 0U);
  EXPECT_TRUE(client.context().link_down.empty());
}

TEST_F(RemoteTest, device_messages_to_an_unknown_export_are_counted_not_lost_silently) {
  run(50);
  const std::uint8_t byte = 1;
  EXPECT_EQ(device->agent.send_to_host(5, 0, std::span<const std::uint8_t>(&byte, 1), 2), lit::link::SendResult::ok);
  run(50);
  EXPECT_EQ(node.counters().undeliverable, 1U);
  EXPECT_EQ(node.counters().messages_to_host, 0U);
}

// ---- a device actor without a device supervisor ---------------------------------------------

// The minimal agent's wiring: one actor the device starts as a root, no
// device supervisor, and an agent without AgentSupervision. The host's
// supervisor is its only one.
struct LoneDevice : DeviceLoop<2> {
  explicit LoneDevice(Pipe& out)
      : DeviceLoop(11),
        agent(scheduler,
              table,
              lit::link::ByteSink{&out, &Pipe::sink},
              lit::link::DeviceAgentConfig{.boot_id = 0xB0B0, .telemetry = nullptr, .supervision = nullptr}) {
    port.attach(scheduler);
    scheduler.set_observer(&agent.observer());
    Reason failure;
    EXPECT_TRUE(scheduler.start(lone, nullptr, failure));
    port.run_until_idle();
  }

  DeviceWorker lone;
  std::array<lit::link::AgentActor, 1> table{{{.path = "/dev/lone", .actor = &lone, .deliver = deliver_seq}}};
  lit::link::DeviceAgent agent;
};

class LoneRemoteTest : public TwoLoops<LoneDevice> {
 protected:
  LoneRemoteTest() { device = std::make_unique<LoneDevice>(to_host); }
};

TEST_F(LoneRemoteTest, the_host_starts_stops_and_restarts_a_device_actor_that_has_no_device_supervisor) {
  RemoteActor* lone = node.declare("/dev/lone");
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one, .intensity = {.max_restarts = 3, .period_ms = 5000}}};
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "lone", .actor = lone}), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  run(50);
  ASSERT_EQ(lone->link(), RemoteActor::Link::attached);
  EXPECT_FALSE(node.device().actors[0].supervised);
  EXPECT_EQ(lone->device_incarnation(), 1U);  // already running: START answered "already running"
  EXPECT_TRUE(device->agent.claimed(0));
  ASSERT_EQ(host.send(lone->address(), kPing, seq_payload(1)), SendResult::ok);
  run(20);
  ASSERT_EQ(device->lone.context().pings, 1U);

  // STOP and START, commanded by the host supervisor.
  ASSERT_EQ(sup.terminate_child("lone"), SupervisorError::ok);
  run(50);
  EXPECT_FALSE(device->lone.alive());
  ASSERT_EQ(sup.restart_child("lone"), SupervisorError::ok);
  run(50);
  ASSERT_EQ(lone->link(), RemoteActor::Link::attached);
  EXPECT_TRUE(device->lone.alive());
  EXPECT_EQ(device->lone.incarnation(), 2U);
  EXPECT_EQ(device->lone.context().pings, 0U);  // a fresh context

  // A failure on the device: reported, and the host's strategy restarts it.
  ASSERT_EQ(host.send(lone->address(), kBoom, lit::link::RemotePayload{}), SendResult::ok);
  run(50);
  EXPECT_EQ(sup.restarts(), 1U);
  ASSERT_EQ(lone->link(), RemoteActor::Link::attached);
  EXPECT_TRUE(device->lone.alive());
  EXPECT_EQ(device->lone.incarnation(), 3U);
  EXPECT_EQ(lone->device_incarnation(), 3U);
  EXPECT_EQ(device->agent.counters().commands_deferred, 0U);
}

TEST_F(LoneRemoteTest, while_the_link_is_down_nothing_restarts_it_and_the_host_does_once_it_is_back) {
  RemoteActor* lone = node.declare("/dev/lone");
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one, .intensity = {.max_restarts = 3, .period_ms = 60'000}}};
  ASSERT_EQ(sup.add_child(ChildSpec{.id = "lone", .actor = lone}), SupervisorError::ok);
  ASSERT_TRUE(start_root(sup));
  run(50);
  ASSERT_EQ(lone->link(), RemoteActor::Link::attached);

  unplug();
  run(1200);
  EXPECT_FALSE(device->agent.claimed(0));
  ASSERT_EQ(device->scheduler.send(device->lone.address(), kBoom, Seq{}), SendResult::ok);
  device->port.run_until_idle();
  run(500);
  EXPECT_FALSE(device->lone.alive());  // no device supervisor to restart it

  replug();
  run(2000);
  EXPECT_EQ(node.counters().handshakes, 2U);
  ASSERT_EQ(lone->link(), RemoteActor::Link::attached);
  EXPECT_TRUE(device->lone.alive());
  EXPECT_EQ(device->lone.incarnation(), 2U);
  EXPECT_EQ(lone->device_incarnation(), 2U);
  ASSERT_EQ(host.send(lone->address(), kPing, seq_payload(1)), SendResult::ok);
  run(50);
  EXPECT_EQ(device->lone.context().pings, 1U);
}

TEST(LoneDeviceWiring, a_row_with_a_device_supervisor_but_no_agent_supervision_is_a_fatal_wiring_error) {
  lit::sim::SimPort port(5);
  lit::Scheduler scheduler{port, {}};
  DeviceWorker worker;
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one}};
  const std::array<lit::link::AgentActor, 1> table{
      {{.path = "/dev/w", .actor = &worker, .supervisor = &sup, .child_id = "w"}}};
  Pipe out;
  const lit::link::DeviceAgent agent(scheduler,
                                     table,
                                     lit::link::ByteSink{&out, &Pipe::sink},
                                     lit::link::DeviceAgentConfig{.telemetry = nullptr, .supervision = nullptr});
  ASSERT_EQ(port.fatals().size(), 1U);
  EXPECT_NE(port.fatals()[0].find("DeviceAgentConfig::supervision"), std::string::npos) << port.fatals()[0];
}

TEST(CopyText, a_c_string_is_cut_to_its_field_and_null_is_empty) {
  char field[6];
  lit::link::copy_text(field, "echo");
  EXPECT_STREQ(field, "echo");
  lit::link::copy_text(field, "thermostat");
  EXPECT_STREQ(field, "therm");
  lit::link::copy_text(field, static_cast<const char*>(nullptr));
  EXPECT_STREQ(field, "");
  lit::link::copy_text(field, std::string_view("sensor/x", 6));
  EXPECT_STREQ(field, "senso");
}

}  // namespace

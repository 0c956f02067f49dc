// Seeded property tests of supervision across the link: a host with a
// RemoteNode and a device with a DeviceAgent, joined by the modelled UART
// (tests/sim/uart.hpp) at 115200 baud with bit errors, noise bursts, dropped
// and duplicated bytes, and, per seed, random unplugs and device reboots.
// Host traffic is a stream of numbered messages to a supervised device child.
// For every seed:
//   - each watch of a proxy incarnation gets exactly one DOWN, and only once
//     that incarnation has ended;
//   - the device actor never sees a message twice or out of order, and never
//     one sent before a reboot (no stale address reaches a new actor);
//   - with the cable never pulled, every message sent is delivered.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lit/link/agent.hpp"
#include "lit/link/remote.hpp"
#include "lit/runtime.hpp"
#include "sim/uart.hpp"
#include "two_loops.hpp"

namespace {

using namespace lit::chart::dsl;
using namespace lit::link::testing;

// Each message says which device boot the host was attached to when it sent it.
struct Tagged {
  std::uint32_t seq = 0;
  std::uint32_t boot = 0;
};

struct Sink {
  struct Params {
    std::uint32_t boot = 0;
  };
  explicit Sink(const Params& params) : boot(params.boot) {}
  std::uint32_t boot = 0;  // this device's boot
  std::uint32_t received = 0;
  std::uint32_t last_seq = 0;
  std::uint32_t disorder = 0;  // a number not above the last one: a duplicate or a reordering
  std::uint32_t stale = 0;     // sent while attached to another boot
};

constexpr auto sink_chart =
    lit::chart::define<Sink>("sink", initial("up"), state("up", on("ping").then([](Sink& sink, Step& step) {
                               const auto& tag = *static_cast<const Tagged*>(step.event().data);
                               ++sink.received;
                               if (tag.seq <= sink.last_seq) ++sink.disorder;
                               sink.last_seq = tag.seq;
                               if (tag.boot != sink.boot) ++sink.stale;
                             })));
using SinkActor = lit::Actor<sink_chart, lit::MailboxConfig{.capacity = 4}, Tagged>;
using Sup = lit::StaticSupervisor<2, 16>;
const lit::chart::EventId kPing = sink_chart.event("ping");

bool decode_tagged(std::span<const std::uint8_t> payload, Tagged& tag) {
  if (payload.size() != sizeof(tag)) return false;
  std::memcpy(&tag, payload.data(), sizeof(tag));
  return true;
}
constexpr auto deliver_tagged = &deliver_decoded<Tagged, &decode_tagged>;

struct Wire {
  lit::sim::UartLine* line = nullptr;
  std::uint64_t* now_us = nullptr;
  static void sink(void* context, std::span<const std::uint8_t> bytes) {
    auto* wire = static_cast<Wire*>(context);
    wire->line->write(bytes, *wire->now_us);
  }
};

struct Device : DeviceLoop<4> {
  Device(Wire& out, std::uint32_t boot)
      : DeviceLoop(11),
        sink(Sink::Params{boot}),
        agent(scheduler, table, lit::link::ByteSink{&out, &Wire::sink}, lit::link::DeviceAgentConfig{.boot_id = boot}) {
    start(agent, sup, {ChildSpec{.id = "sink", .actor = &sink}});
  }
  SinkActor sink;
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one}};
  std::array<lit::link::AgentActor, 2> table{{
      {.path = "/dev", .actor = &sup},
      {.path = "/dev/sink", .actor = &sink, .supervisor = &sup, .child_id = "sink", .deliver = deliver_tagged},
  }};
  lit::link::DeviceAgent agent;
};

struct Outcome {
  std::uint32_t sent = 0;
  std::uint32_t delivered = 0;
  std::uint32_t disorder = 0;
  std::uint32_t stale = 0;
  std::uint32_t watches = 0;
  std::uint32_t downs = 0;
  std::uint32_t bad_downs = 0;  // a second DOWN for an incarnation, or one for an incarnation still alive
  std::uint32_t unplugs = 0;
  std::uint32_t reboots = 0;
  std::uint64_t bits_flipped = 0;
};

// One seeded run: `traffic_ms` of messages (and faults), then `quiet_ms` for
// what is on its way to arrive.
Outcome run_seed(std::uint64_t seed, bool pull_cable, lit::Millis traffic_ms, lit::Millis quiet_ms) {
  const lit::Millis duration_ms = traffic_ms + quiet_ms;
  lit::sim::UartFaults faults{
      .bit_error_rate = 1e-4, .burst_rate = 1e-5, .burst_length_bits = 12, .drop_rate = 2e-5, .duplicate_rate = 2e-5};
  lit::sim::UartLink cable(115200, seed, faults);
  std::uint64_t now_us = 0;
  Wire to_device{&cable.a_to_b, &now_us};
  Wire to_host{&cable.b_to_a, &now_us};
  std::uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&rng](std::uint64_t bound) {
    rng ^= rng << 13U;
    rng ^= rng >> 7U;
    rng ^= rng << 17U;
    return rng % bound;
  };

  lit::sim::SimPort host_port{seed};
  std::array<lit::Watch, 8> host_watches{};
  lit::Scheduler host{host_port, {.watches = host_watches}, {.loop_id = 0}};
  host_port.attach(host);
  lit::link::RemoteNode node{host, lit::link::ByteSink{&to_device, &Wire::sink}, {.boot_id = 0x40}};
  std::uint32_t boot = 1;
  auto device = std::make_unique<Device>(to_host, boot);

  RemoteActor* proxy = node.declare("/dev/sink");
  Sup sup{SupervisorFlags{.strategy = Strategy::one_for_one,
                          .intensity = {.max_restarts = 10, .period_ms = 1000},
                          .link_intensity = {.max_restarts = 10, .period_ms = 1000}}};
  EXPECT_EQ(sup.add_child(ChildSpec{.id = "sink", .actor = proxy}), SupervisorError::ok);
  MonitorActor monitor;
  Reason failure;
  EXPECT_TRUE(host.start(sup, nullptr, failure));
  EXPECT_TRUE(host.start(monitor, nullptr, failure));

  Outcome out;
  std::map<std::uint32_t, int> downs_per_incarnation;  // proxy incarnation -> DOWNs seen
  std::uint32_t watched = 0;                           // the proxy incarnation watched last
  lit::Millis unplug_until = 0;
  std::vector<std::uint8_t> for_device;
  std::vector<std::uint8_t> for_host;
  std::uint32_t delivered_before_reboots = 0;

  for (lit::Millis t = 1; t <= duration_ms; ++t) {
    now_us = lit::sim::us_from_ms(t);
    host_port.advance(1);
    device->port.advance(1);
    for_device.clear();
    cable.a_to_b.read(now_us, for_device);
    for_host.clear();
    cable.b_to_a.read(now_us, for_host);
    exchange(node, host_port, *device, for_device, for_host);

    // Watch each proxy incarnation once.
    if (proxy->alive() && proxy->incarnation() != watched) {
      watched = proxy->incarnation();
      EXPECT_EQ(host.watch(monitor.id(), proxy->id()), lit::WatchResult::ok);
      ++out.watches;
      downs_per_incarnation[watched] = 0;
    }
    // Traffic: a message every 5 ms while attached, tagged with the boot.
    if (t % 5 == 0 && t < traffic_ms && proxy->link() == RemoteActor::Link::attached) {
      const Tagged tag{out.sent + 1, static_cast<std::uint32_t>(node.device().boot_id)};
      lit::link::RemotePayload payload;
      payload.size = sizeof(tag);
      std::memcpy(payload.bytes.data(), &tag, sizeof(tag));
      if (host.send(proxy->address(), kPing, payload) == SendResult::ok) ++out.sent;
    }
    // Faults: pull the cable for 0.2-2.5 s, sometimes rebooting the device meanwhile.
    if (pull_cable && unplug_until == 0 && t + 3000 < traffic_ms && next(4000) == 0) {
      cable.unplug(now_us);
      unplug_until = t + 200 + static_cast<lit::Millis>(next(2300));
      ++out.unplugs;
      if (next(2) == 0) {
        delivered_before_reboots += device->sink.context().received;
        out.disorder += device->sink.context().disorder;
        out.stale += device->sink.context().stale;
        device.reset();
        device = std::make_unique<Device>(to_host, ++boot);
        ++out.reboots;
      }
    }
    if (unplug_until != 0 && t >= unplug_until) {
      cable.replug();
      unplug_until = 0;
    }
  }
  for (const lit::Down& down : monitor.context().downs) {
    const lit::ActorId id = down.actor;
    auto it = downs_per_incarnation.find(id.incarnation);
    if (it == downs_per_incarnation.end() || id.actor != proxy) {
      ++out.bad_downs;
      continue;
    }
    if (++it->second > 1) ++out.bad_downs;
    if (proxy->alive() && proxy->incarnation() == id.incarnation) ++out.bad_downs;
  }
  // Every ended incarnation that was watched got its DOWN.
  for (const auto& [incarnation, downs] : downs_per_incarnation) {
    const bool ended = !proxy->alive() || proxy->incarnation() != incarnation;
    if (ended && downs != 1) ++out.bad_downs;
  }
  out.downs = static_cast<std::uint32_t>(monitor.context().downs.size());
  out.delivered = delivered_before_reboots + device->sink.context().received;
  out.disorder += device->sink.context().disorder;
  out.stale += device->sink.context().stale;
  if (std::getenv("LIT_DEBUG") != nullptr) {
    const auto h = node.session_counters();
    std::printf("seed %llu sent %u link %d ups %u downs %u retx %u frames %u refus %u full %u handshakes %u box %u\n",
                static_cast<unsigned long long>(seed),
                out.sent,
                static_cast<int>(proxy->link()),
                h.link_ups,
                h.link_downs,
                h.retransmissions,
                h.frames_sent,
                device->agent.session_counters().refusals,
                device->agent.counters().mailbox_full,
                node.counters().handshakes,
                proxy->queued());
    const auto& ac = device->agent.counters();
    const auto dsc = device->agent.session_counters();
    std::printf("   inflight %zu rto %llu timeouts %u\n",
                node.session_inflight(),
                static_cast<unsigned long long>(h.rto),
                h.timeouts);
    std::printf(
        "   agent delivered %u dead %u invalid %u unknown %u | dev session delivered %u dup %u malformed %u | sink %u "
        "inc %u | fwd %u host dead letters %llu decode %u unexpected %u\n",
        ac.messages_delivered,
        ac.dead_messages,
        ac.invalid_events,
        ac.unknown_actors,
        dsc.delivered,
        dsc.duplicates,
        dsc.malformed_records,
        device->sink.context().received,
        device->sink.incarnation(),
        proxy->messages_forwarded(),
        static_cast<unsigned long long>(host.dead_letters()),
        device->agent.endpoint_counters().decode_errors,
        device->agent.endpoint_counters().unexpected);
  }
  out.bits_flipped = cable.a_to_b.counters().bits_flipped + cable.b_to_a.counters().bits_flipped;
  return out;
}

TEST(RemoteProperty, noisy_line_delivers_every_message_once_in_order) {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const Outcome out = run_seed(seed, false, 20'000, 40'000);
    SCOPED_TRACE("seed " + std::to_string(seed));
    EXPECT_GT(out.sent, 2500U);  // of 4000 offered (one per 5 ms for 20 s)
    EXPECT_GT(out.bits_flipped, 0U);
    EXPECT_EQ(out.delivered, out.sent);
    EXPECT_EQ(out.disorder, 0U);
    EXPECT_EQ(out.stale, 0U);
    EXPECT_EQ(out.bad_downs, 0U);
  }
}

TEST(RemoteProperty, unplugs_and_reboots_keep_downs_exact_and_addresses_fresh) {
  std::uint32_t unplugs = 0;
  std::uint32_t reboots = 0;
  std::uint32_t downs = 0;
  for (std::uint64_t seed = 100; seed < 124; ++seed) {
    const Outcome out = run_seed(seed, true, 30'000, 10'000);
    SCOPED_TRACE("seed " + std::to_string(seed));
    EXPECT_EQ(out.disorder, 0U);
    EXPECT_EQ(out.stale, 0U);
    EXPECT_EQ(out.bad_downs, 0U);
    EXPECT_LE(out.delivered, out.sent);
    EXPECT_GT(out.delivered, 0U);
    unplugs += out.unplugs;
    reboots += out.reboots;
    downs += out.downs;
  }
  // The schedule must actually have pulled cables and rebooted devices.
  EXPECT_GT(unplugs, 20U);
  EXPECT_GT(reboots, 5U);
  EXPECT_GT(downs, 20U);
}

}  // namespace

// Test harness for the link above the session: a host loop with a RemoteNode
// and a device loop with a DeviceAgent, each on its own simulated port, joined
// by a wire. A test declares its Device (a DeviceLoop with its actors, table
// and agent); TwoLoops runs both loops over a byte pipe 1 ms at a time.
// Single-threaded, virtual time only: nothing here blocks or sleeps.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "lit/link/agent.hpp"
#include "lit/link/remote.hpp"
#include "lit/runtime.hpp"
#include "sim/sim_port.hpp"

namespace lit::link::testing {

// The names the link's tests speak, for their `using namespace lit::link::testing`.
using lit::ChildSpec;
using lit::Reason;
using lit::SendResult;  // the scheduler's, which tests check most
using lit::Strategy;
using lit::SupervisorError;
using lit::SupervisorFlags;
using lit::chart::Step;
using lit::link::RemoteActor;

// One direction of the wire: bytes arrive `latency` ms after they were written,
// unless the pipe is cut; `lose_writes` drops that many whole writes (frames).
struct Pipe {
  Millis latency = 2;
  bool cut = false;
  int lose_writes = 0;
  std::deque<std::pair<Millis, std::uint8_t>> bytes;
  Millis now = 0;
  std::uint64_t carried = 0;

  void write(std::span<const std::uint8_t> data) {
    if (cut) return;
    if (lose_writes > 0) {
      --lose_writes;
      return;
    }
    for (std::uint8_t b : data) bytes.emplace_back(now + latency, b);
    carried += data.size();
  }
  std::vector<std::uint8_t> due(Millis at) {
    std::vector<std::uint8_t> out;
    while (!bytes.empty() && bytes.front().first <= at) {
      out.push_back(bytes.front().second);
      bytes.pop_front();
    }
    return out;
  }
  static void sink(void* context, std::span<const std::uint8_t> data) { static_cast<Pipe*>(context)->write(data); }
};

// A host actor that keeps every DOWN it is sent.
struct Monitor {
  std::vector<Down> downs;
};
constexpr auto monitor_chart =
    chart::define<Monitor>("monitor",
                           chart::dsl::initial("watching"),
                           chart::dsl::state("watching", chart::dsl::on("down").then([](Monitor& m, chart::Step& s) {
                             m.downs.push_back(*static_cast<const Down*>(s.event().data));
                           })));
using MonitorActor = Actor<monitor_chart>;

// A table row's `deliver` for a device actor whose payload is T: `decode`
// makes the T from the message's bytes, or refuses them as an invalid event.
template <typename T, bool (*decode)(std::span<const std::uint8_t>, T&)>
SendResult deliver_decoded(Scheduler& scheduler,
                           ActorCore& actor,
                           chart::EventId event,
                           std::span<const std::uint8_t> payload,
                           MessageOrigin origin) {
  static_cast<void>(origin);
  T value{};
  if (!decode(payload, value)) return SendResult::invalid_event;
  return scheduler.send(Address<T>{actor.id()}, event, value);
}

// The device's loop (loop 1) on its own simulated port. A Device derives from
// it, declares its actors, supervisor, table and agent, and starts them.
template <std::size_t Watches>
struct DeviceLoop {
  explicit DeviceLoop(std::uint64_t seed) : port(seed) {}

  // The agent observes the loop; `children` join `sup`, which starts as the root.
  void start(DeviceAgent& agent, Supervisor& sup, std::initializer_list<ChildSpec> children) {
    port.attach(scheduler);
    scheduler.set_observer(&agent.observer());
    for (const ChildSpec& child : children) EXPECT_EQ(sup.add_child(child), SupervisorError::ok) << child.id;
    Reason failure;
    EXPECT_TRUE(scheduler.start(sup, nullptr, failure));
    port.run_until_idle();
  }

  sim::SimPort port;
  std::array<Watch, Watches> watches{};
  Scheduler scheduler{port, {.watches = watches}, {.loop_id = 1}};
};

// Hands each side what arrived for it, then runs both loops until idle. What
// a side writes meanwhile cannot arrive at the same instant: the wire has latency.
template <class Device>
void exchange(RemoteNode& node,
              sim::SimPort& host_port,
              Device& device,
              std::span<const std::uint8_t> for_device,
              std::span<const std::uint8_t> for_host) {
  if (!for_device.empty()) device.agent.on_bytes(for_device);
  if (!for_host.empty()) node.on_bytes(for_host);
  host_port.run_until_idle();
  device.port.run_until_idle();
}

// The fixture: the host loop (loop 0) and its node, a Device the test makes,
// and a pipe each way. The test's constructor creates `device`.
template <class Device>
class TwoLoops : public ::testing::Test {
 protected:
  TwoLoops() { host_port.attach(host); }

  // Runs both loops and the wire for `ms` milliseconds, 1 ms at a time.
  void run(Millis ms) {
    for (Millis i = 0; i < ms; ++i) {
      host_port.advance(1);
      device->port.advance(1);
      ++now;
      to_device.now = now;
      to_host.now = now;
      exchange(node, host_port, *device, to_device.due(now), to_host.due(now));
    }
  }
  void unplug() {
    to_device.cut = true;
    to_host.cut = true;
    to_device.bytes.clear();
    to_host.bytes.clear();
  }
  void replug() {
    to_device.cut = false;
    to_host.cut = false;
  }
  bool start_root(ActorCore& actor) {
    Reason failure;
    const bool started = host.start(actor, nullptr, failure);
    host_port.run_until_idle();
    return started;
  }

  Millis now = 0;
  Pipe to_device;
  Pipe to_host;
  sim::SimPort host_port{3};
  std::array<Watch, 16> host_watches{};
  Scheduler host{host_port, {.watches = host_watches}, {.loop_id = 0}};
  RemoteNode node{host, ByteSink{&to_device, &Pipe::sink}, RemoteNodeConfig{.boot_id = 0x4057}};
  std::unique_ptr<Device> device;
};

}  // namespace lit::link::testing

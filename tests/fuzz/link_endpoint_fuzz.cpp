// libFuzzer target for the two ends of the link above the session: arbitrary
// envelopes, delivered through a real session in well-formed frames (so they
// get past the CRCs), to the device's DeviceAgent or to the host's RemoteNode.
// The first input byte picks the side; the rest is a list of records
// [length u8][bytes], each sent reliably after a valid handshake. Neither
// side may crash, read out of bounds, leak, or stop answering: afterwards the
// fuzzer's peer must still get its handshake and heartbeats.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lit/link/agent.hpp"
#include "lit/link/remote.hpp"
#include "lit/runtime.hpp"
#include "sim/sim_port.hpp"

namespace {

using namespace lit::chart::dsl;

struct Work {};
constexpr auto work_chart = lit::chart::define<Work>(
    "work", initial("up"), state("up", on("ping"), on("boom").then([](lit::chart::Step& s) { s.fail("boom"); })));
using Worker = lit::Actor<work_chart, lit::MailboxConfig{.capacity = 2}>;
using Sup = lit::StaticSupervisor<2, 16>;

// Bytes written by one side, read by the other at the next step.
struct Queue {
  std::vector<std::uint8_t> bytes;
  static void sink(void* context, std::span<const std::uint8_t> data) {
    auto* queue = static_cast<Queue*>(context);
    queue->bytes.insert(queue->bytes.end(), data.begin(), data.end());
  }
};

// The fuzzer's end: a bare session that accepts everything.
struct Peer {
  using Session = lit::link::LinkSession<4, lit::link::kDefaultMaxBody>;
  Session session;
  Queue* out = nullptr;
  std::uint32_t received = 0;
  bool on_reliable(std::span<const std::uint8_t> body) {
    static_cast<void>(body);
    ++received;
    return true;
  }
  void on_best_effort(std::span<const std::uint8_t> body, std::uint32_t gap) {
    static_cast<void>(body);
    static_cast<void>(gap);
  }
  void on_link_up() {}
  void on_link_down() {}
  void on_send_failed(std::uint32_t token) { static_cast<void>(token); }
  void write(std::span<const std::uint8_t> bytes) const { Queue::sink(out, bytes); }
};

std::vector<std::uint8_t> encode(const lit::link::Envelope& envelope) {
  std::array<std::uint8_t, lit_wire_Envelope_size> buffer{};
  const std::size_t size = lit::link::encode_envelope(envelope, buffer);
  return {buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(size)};
}

template <class Side>
void drive(Side& side,
           lit::sim::SimPort& port,
           Peer& peer,
           Queue& to_side,
           Queue& to_peer,
           const lit::link::Envelope& hello,
           std::span<const std::uint8_t> records) {
  lit::Millis now = 0;
  auto step = [&] {
    ++now;
    port.advance(1);
    if (!to_side.bytes.empty()) {
      const std::vector<std::uint8_t> bytes = std::move(to_side.bytes);
      to_side.bytes.clear();
      side.on_bytes(bytes);
    }
    port.run_until_idle();
    if (!to_peer.bytes.empty()) {
      const std::vector<std::uint8_t> bytes = std::move(to_peer.bytes);
      to_peer.bytes.clear();
      peer.session.on_bytes(bytes, now, peer);
    }
    peer.session.poll(now, peer, peer);
  };
  for (int i = 0; i < 20 && !peer.session.link_up(); ++i) step();
  if (!peer.session.link_up()) __builtin_trap();  // a fresh pair must connect
  const std::vector<std::uint8_t> first = encode(hello);
  static_cast<void>(peer.session.send_reliable(first, now));
  std::size_t at = 0;
  while (at < records.size()) {
    const std::size_t length = records[at];
    const std::size_t end = at + 1 + length < records.size() ? at + 1 + length : records.size();
    const std::span<const std::uint8_t> record = records.subspan(at + 1, end - (at + 1));
    for (int tries = 0; tries < 400; ++tries) {
      if (peer.session.send_reliable(record, now) != lit::link::SendResult::window_full) break;
      step();
    }
    at = end;
  }
  for (int i = 0; i < 300 && peer.session.in_flight() != 0; ++i) step();
  // Still alive: it keeps talking to the peer.
  const std::uint32_t frames = peer.session.frame_errors().frames_ok;
  for (int i = 0; i < 600; ++i) step();
  if (peer.session.frame_errors().frames_ok == frames) __builtin_trap();
}

void fuzz_device(std::span<const std::uint8_t> records) {
  lit::sim::SimPort port{1};
  std::array<lit::Watch, 4> watches{};
  lit::Scheduler scheduler{port, {.watches = watches}};
  port.attach(scheduler);
  Worker a, b;
  Sup sup{lit::SupervisorFlags{.strategy = lit::Strategy::one_for_all}};
  static_cast<void>(sup.add_child(lit::ChildSpec{.id = "a", .actor = &a}));
  static_cast<void>(sup.add_child(lit::ChildSpec{.id = "b", .actor = &b}));
  const std::array<lit::link::AgentActor, 3> table{{
      {.path = "/dev", .actor = &sup},
      {.path = "/dev/a", .actor = &a, .supervisor = &sup, .child_id = "a"},
      {.path = "/dev/b", .actor = &b, .supervisor = &sup, .child_id = "b"},
  }};
  Queue to_agent, to_peer;
  lit::link::DeviceAgent agent{scheduler, table, lit::link::ByteSink{&to_peer, &Queue::sink}, {.boot_id = 7}};
  scheduler.set_observer(&agent.observer());
  lit::Reason failure;
  static_cast<void>(scheduler.start(sup, nullptr, failure));
  Peer peer;
  peer.out = &to_agent;
  lit::link::Envelope hello = lit_wire_Envelope_init_zero;
  hello.which_body = lit_wire_Envelope_handshake_tag;
  hello.body.handshake.protocol_version = lit::link::kProtocolVersion;
  hello.body.handshake.schema_hash = lit::link::kSchemaHash;
  hello.body.handshake.boot_id = 1;
  drive(agent, port, peer, to_agent, to_peer, hello, records);
}

void fuzz_host(std::span<const std::uint8_t> records) {
  lit::sim::SimPort port{1};
  std::array<lit::Watch, 4> watches{};
  lit::Scheduler scheduler{port, {.watches = watches}};
  port.attach(scheduler);
  Queue to_node, to_peer;
  lit::link::RemoteNode node{scheduler, lit::link::ByteSink{&to_peer, &Queue::sink}, {.boot_id = 3}};
  lit::link::RemoteActor* a = node.declare("/dev/a");
  lit::link::RemoteActor* b = node.declare("/dev/b");
  Sup sup{lit::SupervisorFlags{.strategy = lit::Strategy::one_for_all,
                               .intensity = {.max_restarts = 10, .period_ms = 1000}}};
  static_cast<void>(sup.add_child(lit::ChildSpec{.id = "a", .actor = a}));
  static_cast<void>(node.manage(*b));
  lit::Reason failure;
  static_cast<void>(scheduler.start(sup, nullptr, failure));
  Peer peer;
  peer.out = &to_node;
  lit::link::Envelope hello = lit_wire_Envelope_init_zero;
  hello.which_body = lit_wire_Envelope_handshake_tag;
  hello.body.handshake.protocol_version = lit::link::kProtocolVersion;
  hello.body.handshake.schema_hash = lit::link::kSchemaHash;
  hello.body.handshake.boot_id = 9;
  hello.body.handshake.actor_count = 3;
  drive(node, port, peer, to_node, to_peer, hello, records);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> records(data + 1, size - 1);
  if ((data[0] & 1U) == 0) {
    fuzz_device(records);
  } else {
    fuzz_host(records);
  }
  return 0;
}

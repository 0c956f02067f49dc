// Instructions from the first byte of a received link frame to the push of its
// message into an actor's mailbox, on a Cortex-M3, counted under QEMU -icount
// with a dithered Stopwatch (icount.hpp); run it through
// `meson test --benchmark` or bench/run-m3.sh.
//
// The whole device path first: the DeviceAgent (lit/link/agent.hpp) takes the
// bytes, its session undoes COBS and checks the header CRC-16 and body CRC-32,
// handles sequence and records, nanopb decodes the ActorMessage envelope, the
// agent finds the actor in its table and the actor's deliver hook posts the
// payload with Scheduler::send. The frames are what the host sends once the
// link is up, built here with FrameEncoder and nanopb. Then two layers of it
// alone, as baselines: the link session handing a raw record to the same post
// (no envelope), and the frame decoder alone (no session).
#include <array>
#include <cstdint>
#include <span>

#include "bare_port.hpp"
#include "board.hpp"
#include "console.hpp"
#include "icount.hpp"
#include "lit/link/agent.hpp"
#include "lit/link/frame.hpp"
#include "lit/link/session.hpp"
#include "lit/runtime.hpp"
#include "stack_watermark.hpp"
#include "tick_counter.hpp"

namespace {

using lit::bench::icount::Stopwatch;
using lit::port::console;

constexpr std::uint32_t kFrames = 10'240;
constexpr lit::Millis kNow = 1'000;  // for the bare session; the agent reads the port's clock

struct Reading {
  std::uint32_t value = 0;
};

struct Sink {
  std::uint32_t readings = 0;
  std::uint32_t sum = 0;
};

constexpr auto sink_chart = [] {
  using namespace lit::chart::dsl;
  return lit::chart::define<Sink>(
      "sink", initial("ready"), state("ready", on("reading").then([](Sink& sink, lit::chart::Step& step) {
        ++sink.readings;
        sink.sum += static_cast<const Reading*>(step.event().data)->value;
      })));
}();
constexpr lit::chart::EventId kReading = sink_chart.event("reading");

using SinkActor = lit::Actor<sink_chart, lit::MailboxConfig{.capacity = 4}, Reading>;

lit::port::BarePort port;
lit::Scheduler scheduler(port, {});
SinkActor sink;
Stopwatch stopwatch;
std::uint32_t posted = 0;

// Every layer ends here: the reading, 4 bytes little-endian, posted to the sink.
lit::SendResult post(lit::chart::EventId event, std::span<const std::uint8_t> payload) {
  if (payload.size() < 4) return lit::SendResult::invalid_event;
  const Reading reading{lit::link::detail::load_u32(payload.data())};
  const lit::SendResult result = scheduler.send(sink.address(), event, reading);
  stopwatch.stop();
  ++posted;
  return result;
}

// ---- the device agent ----------------------------------------------------------

lit::SendResult deliver_reading(lit::Scheduler&,
                                lit::ActorCore&,
                                lit::chart::EventId event,
                                std::span<const std::uint8_t> payload,
                                lit::link::MessageOrigin) {
  return post(event, payload);
}

const std::array<lit::link::AgentActor, 1> actor_table{{
    {.path = "sink", .actor = &sink, .deliver = &deliver_reading},
}};

// What the device sends back (acks, its handshake and table) is not looked at.
std::uint32_t bytes_to_host = 0;
void to_host(void*, std::span<const std::uint8_t> bytes) { bytes_to_host += static_cast<std::uint32_t>(bytes.size()); }

lit::link::DeviceAgent agent(scheduler, actor_table, lit::link::ByteSink{nullptr, &to_host}, {.boot_id = 1});

// ---- the session alone, and the framing alone ----------------------------------------------

// A raw record: the event byte, then the payload.
struct SessionOwner {
  bool on_reliable(std::span<const std::uint8_t> record) {
    return post(lit::chart::EventId{record[0]}, record.subspan(1)) == lit::SendResult::ok;
  }
  void on_best_effort(std::span<const std::uint8_t>, std::uint32_t) {}
  void on_link_up() {}
  void on_link_down() {}
  void on_send_failed(std::uint32_t) {}
};

struct FrameOwner {
  void on_frame(const lit::link::FrameHeader&, std::span<const std::uint8_t> body) {
    post(lit::chart::EventId{body[0]}, body.subspan(1));
  }
};

lit::link::LinkSession<> session;
lit::link::FrameDecoder<> decoder;

// ---- frames as the host sends them -----------------------------------------------------------

using Encoder = lit::link::FrameEncoder<>;
std::array<std::uint8_t, Encoder::kMaxWireSize> wire{};

// Up in epoch 0, echoing the device's epoch 0: the host once the link is up.
constexpr std::uint8_t kHostFlags = lit::link::kFlagReliable | lit::link::kFlagPeerKnown;

std::size_t encode_frame(std::uint8_t flags, std::uint8_t sequence, std::span<const std::uint8_t> body) {
  return Encoder::encode(lit::link::FrameHeader{lit::link::kFrameVersion, flags, sequence, 0, 0}, body, wire);
}

// A reliable frame of one record (a 1-byte length, then the record).
std::size_t encode_record(std::uint8_t sequence, std::span<const std::uint8_t> record) {
  std::array<std::uint8_t, 128> body{};
  body[0] = static_cast<std::uint8_t>(record.size());
  for (std::size_t i = 0; i < record.size(); ++i) body[1 + i] = record[i];
  return encode_frame(kHostFlags, sequence, std::span<const std::uint8_t>(body.data(), 1 + record.size()));
}

std::size_t encode_envelope_frame(std::uint8_t sequence, const lit::link::Envelope& envelope) {
  std::array<std::uint8_t, lit::link::kDefaultMaxBody> encoded{};
  const std::size_t size = lit::link::encode_envelope(envelope, encoded);
  return encode_record(sequence, std::span<const std::uint8_t>(encoded.data(), size));
}

std::size_t encode_message(std::uint8_t sequence, std::uint32_t value) {
  lit::link::Envelope envelope = lit_wire_Envelope_init_zero;
  envelope.which_body = lit_wire_Envelope_actor_message_tag;
  lit_wire_ActorMessage& message = envelope.body.actor_message;
  message.destination = 0;
  message.event_id = kReading;
  message.destination_incarnation = sink.incarnation();
  message.payload.size = 4;
  for (std::size_t i = 0; i < 4; ++i) message.payload.bytes[i] = static_cast<std::uint8_t>(value >> (8U * i));
  return encode_envelope_frame(sequence, envelope);
}

// A raw record: the event, the reading, then filler up to `record_size` bytes.
std::array<std::uint8_t, 128> raw_record(std::size_t record_size, std::uint32_t value) {
  std::array<std::uint8_t, 128> record{};
  record[0] = static_cast<std::uint8_t>(kReading);
  for (std::size_t i = 0; i < 4; ++i) record[1 + i] = static_cast<std::uint8_t>(value >> (8U * i));
  for (std::size_t i = 5; i < record_size; ++i) record[i] = static_cast<std::uint8_t>(i);
  return record;
}

std::size_t encode_raw(std::uint8_t sequence, std::size_t record_size, std::uint32_t value) {
  const auto record = raw_record(record_size, value);
  return encode_record(sequence, std::span<const std::uint8_t>(record.data(), record_size));
}

std::size_t encode_bare(std::size_t record_size, std::uint32_t value) {
  const auto record = raw_record(record_size, value);
  return encode_frame(0, 0, std::span<const std::uint8_t>(record.data(), record_size));
}

// ---- measuring -------------------------------------------------------------------------------

unsigned failures = 0;
void check(bool ok, const char* what) {
  if (ok) return;
  console << "link_rx_m3: FAIL: " << what << '\n';
  ++failures;
}

struct Figure {
  std::uint32_t tenths = 0;      // instructions per frame, x10
  std::uint32_t wire_bytes = 0;  // the frame's size on the wire
};

// kFrames frames, each made by encode(i) and fed by feed(size), each timed
// from its first byte to the post; the actor drains its mailbox between them.
template <class Encode, class Feed>
Figure measure(Encode encode, Feed feed, std::uint32_t overhead_tenths, const char* what) {
  stopwatch.reset();
  const std::uint32_t posted_before = posted;
  const std::uint32_t sum_before = sink.context().sum;
  std::uint32_t expected_sum = 0;
  std::size_t size = 0;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    size = encode(i);
    expected_sum += i;
    stopwatch.start();
    feed(std::span<const std::uint8_t>(wire.data(), size));
    port.poll();
  }
  check(posted - posted_before == kFrames && stopwatch.stretches() == kFrames, what);
  check(sink.context().sum - sum_before == expected_sum, what);
  return Figure{lit::bench::icount::tenths_per_event(stopwatch.ticks(), kFrames) - overhead_tenths,
                static_cast<std::uint32_t>(size)};
}

void print_figure(const char* what, const Figure& figure) {
  console << "  " << what << " (" << figure.wire_bytes << " bytes on the wire): ";
  lit::bench::icount::print_tenths(figure.tenths);
  console << " instructions/frame\n";
}

}  // namespace

int main() {
  lit::board::init();
  lit::bench::stack_watermark::paint();
  port.attach(scheduler);
  scheduler.set_observer(&agent.observer());
  lit::Reason failure;
  check(scheduler.start(sink, nullptr, failure), "the actor did not start");

  // The host opens the link (down in epoch 0, echoing the device's epoch 0),
  // then sends its handshake as the first reliable record.
  const std::size_t hello = encode_frame(
      lit::link::kFlagAckOnly | lit::link::kFlagDown | lit::link::kFlagPeerKnown, 0, std::span<const std::uint8_t>{});
  agent.on_bytes(std::span<const std::uint8_t>(wire.data(), hello));
  SessionOwner session_owner;
  session.on_bytes(std::span<const std::uint8_t>(wire.data(), hello), kNow, session_owner);
  lit::link::Envelope handshake = lit_wire_Envelope_init_zero;
  handshake.which_body = lit_wire_Envelope_handshake_tag;
  handshake.body.handshake.protocol_version = lit::link::kProtocolVersion;
  handshake.body.handshake.schema_hash = lit::link::kSchemaHash;
  handshake.body.handshake.boot_id = 2;
  agent.on_bytes(std::span<const std::uint8_t>(wire.data(), encode_envelope_frame(0, handshake)));
  port.poll();
  check(agent.state() == lit::link::EndpointState::ready, "the agent's link did not come up");
  check(session.link_up(), "the bare session did not come up");
  if (failures != 0) return 1;

  lit::cortex_m::tick_counter::start();
  // The stopwatch's own cost: a stretch with nothing in it.
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    stopwatch.start();
    stopwatch.stop();
  }
  const std::uint32_t overhead = lit::bench::icount::tenths_per_event(stopwatch.ticks(), stopwatch.stretches());

  std::uint8_t agent_sequence = 1;  // 0 was the handshake
  const Figure through_agent = measure([&](std::uint32_t i) { return encode_message(agent_sequence++, i); },
                                       [](std::span<const std::uint8_t> bytes) { agent.on_bytes(bytes); },
                                       overhead,
                                       "the device agent delivered every message");
  check(agent.counters().messages_delivered == kFrames, "the agent counted every message");

  std::uint8_t session_sequence = 0;
  constexpr std::size_t kSmall = 5;
  constexpr std::size_t kLarge = 64;
  const auto through_session = [&](std::size_t record_size) {
    return measure([&](std::uint32_t i) { return encode_raw(session_sequence++, record_size, i); },
                   [&](std::span<const std::uint8_t> bytes) { session.on_bytes(bytes, kNow, session_owner); },
                   overhead,
                   "the session delivered every record");
  };
  const Figure session_small = through_session(kSmall);
  const Figure session_large = through_session(kLarge);

  FrameOwner frame_owner;
  const Figure framing = measure([&](std::uint32_t i) { return encode_bare(kSmall, i); },
                                 [&](std::span<const std::uint8_t> bytes) { decoder.push(bytes, frame_owner); },
                                 overhead,
                                 "the decoder delivered every frame");
  if (failures != 0) return 1;

  console << "link_rx_m3 on " << lit::board::name() << ": " << kFrames
          << " reliable frames each, from a frame's first byte to the actor's mailbox push\n";
  console << "  stopwatch: ";
  lit::bench::icount::print_tenths(overhead);
  console << " instructions (subtracted)\n";
  print_figure("device agent, ActorMessage with a 4-byte payload", through_agent);
  print_figure("session alone, 5-byte raw record               ", session_small);
  print_figure("session alone, 64-byte raw record              ", session_large);
  console << "    per extra wire byte: ";
  lit::bench::icount::print_tenths((session_large.tenths - session_small.tenths) /
                                   (session_large.wire_bytes - session_small.wire_bytes));
  console << " instructions\n";
  print_figure("frame decoder alone, 5-byte raw record         ", framing);
  console << "  stack used: " << lit::bench::stack_watermark::high_water() << " of "
          << lit::bench::stack_watermark::reserve() << " B (painted high-water mark)\n";
  return 0;
}

// Cross-codec tests for the wire schema (proto/lit.proto): every Envelope case,
// filled to its nanopb bounds, encoded by libprotobuf (host) and decoded by
// nanopb (device) and back; over-bound host messages are refused by the device
// decoder; both sides compile the same schema hash.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "lit.nanopb.h"
#include "lit.pb.h"
#include "lit_schema_hash.h"

extern "C" std::uint64_t lit_schema_hash_from_c();
extern "C" std::size_t lit_envelope_size_from_c();

namespace {

using Case = lit::wire::Envelope::BodyCase;

constexpr std::uint32_t kMax32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kMax64 = std::numeric_limits<std::uint64_t>::max();

// A string of exactly n lowercase letters (valid UTF-8, which libprotobuf
// checks and nanopb does not), starting at letter `start`: n is the bound in
// lit.options minus the NUL.
std::string text(std::size_t n, std::size_t start = 0) {
  std::string s(n, ' ');
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>('a' + (start + i) % 26);
  }
  return s;
}

constexpr std::size_t kEventMax = sizeof(lit_wire_ActorMessage{}.event) - 1;
constexpr std::size_t kPayloadMax = sizeof(lit_wire_ActorMessage{}.payload.bytes);
constexpr std::size_t kDetailMax = sizeof(lit_wire_Down{}.detail) - 1;
constexpr std::size_t kLogMax = sizeof(lit_wire_Log{}.text) - 1;
constexpr std::size_t kPathMax = sizeof(lit_wire_ActorInfo{}.path) - 1;
constexpr std::size_t kChartMax = sizeof(lit_wire_ActorInfo{}.chart) - 1;
constexpr std::size_t kMetricsMax = std::size(lit_wire_Metrics{}.actors);

// The host's Envelope for one case, every field at its largest value and every
// bounded field at its bound.
lit::wire::Envelope at_bounds(Case c) {
  lit::wire::Envelope e;
  switch (c) {
    case Case::kHandshake: {
      auto* h = e.mutable_handshake();
      h->set_protocol_version(kMax32);
      h->set_schema_hash(LIT_SCHEMA_HASH);
      h->set_boot_id(kMax64);
      h->set_last_reset(lit::wire::RESET_REASON_WATCHDOG);
      h->set_actor_count(kMax32);
      break;
    }
    case Case::kActorTableEntry: {
      auto* t = e.mutable_actor_table_entry();
      t->set_index(kMax32);
      auto* a = t->mutable_info();
      a->set_path(text(kPathMax));
      a->set_chart(text(kChartMax, 7));
      a->set_chart_hash(kMax64);
      a->set_incarnation(kMax32 - 1);
      a->set_supervised(true);
      break;
    }
    case Case::kActorExit: {
      auto* x = e.mutable_actor_exit();
      x->set_actor(kMax32);
      x->set_incarnation(kMax32 - 1);
      x->set_reason(lit::wire::EXIT_REASON_KILLED);
      x->set_detail(text(kDetailMax, 4));
      break;
    }
    case Case::kGoodbye: e.mutable_goodbye()->set_reason(text(kDetailMax, 5)); break;
    case Case::kHeartbeat:
      e.mutable_heartbeat()->set_sequence(kMax32);
      e.mutable_heartbeat()->set_uptime_ms(kMax64);
      break;
    case Case::kActorMessage: {
      auto* m = e.mutable_actor_message();
      m->set_destination(kMax32);
      m->set_source(kMax32 - 1);
      m->set_correlation_id(kMax32 - 2);
      m->set_event_id(kMax32 - 3);
      m->set_event(text(kEventMax));
      std::string payload(kPayloadMax, '\0');
      for (std::size_t i = 0; i < kPayloadMax; ++i) {
        payload[i] = static_cast<char>(255 - i);  // includes NULs' neighbours and 0x80+
      }
      m->set_payload(payload);
      m->set_destination_incarnation(kMax32 - 4);
      break;
    }
    case Case::kSupervisionCommand: {
      auto* s = e.mutable_supervision_command();
      s->set_request_id(kMax32);
      s->set_action(lit::wire::SUPERVISION_ACTION_RESTART);
      s->set_actor(kMax32 - 1);
      break;
    }
    case Case::kSupervisionReply: {
      auto* r = e.mutable_supervision_reply();
      r->set_request_id(kMax32);
      r->set_result(lit::wire::SUPERVISION_RESULT_FAILED);
      r->set_detail(text(kDetailMax));
      r->set_actor(kMax32 - 1);
      r->set_incarnation(kMax32 - 2);
      break;
    }
    case Case::kDown: {
      auto* d = e.mutable_down();
      d->set_actor(kMax32);
      d->set_watcher(kMax32 - 1);
      d->set_reason(lit::wire::EXIT_REASON_NO_ACTOR);
      d->set_detail(text(kDetailMax, 1));
      break;
    }
    case Case::kFailure: {
      auto* f = e.mutable_failure();
      f->set_actor(kMax32);
      f->set_reason(lit::wire::EXIT_REASON_ESCALATED);
      f->set_state(kMax32 - 1);
      f->set_event_id(kMax32 - 2);
      f->set_detail(text(kDetailMax, 2));
      break;
    }
    case Case::kTrace: {
      auto* t = e.mutable_trace();
      t->set_timestamp_us(kMax64);
      t->set_actor(kMax32);
      t->set_from_state(kMax32 - 1);
      t->set_to_state(kMax32 - 2);
      t->set_event_id(kMax32 - 3);
      t->set_incarnation(kMax32 - 4);
      t->set_kind(lit::wire::TRACE_KIND_DEFERRED);
      break;
    }
    case Case::kLog: {
      auto* l = e.mutable_log();
      l->set_timestamp_us(kMax64);
      l->set_level(lit::wire::LOG_LEVEL_ERROR);
      l->set_actor(kMax32);
      l->set_text(text(kLogMax, 3));
      break;
    }
    case Case::kMetrics: {
      auto* m = e.mutable_metrics();
      m->set_timestamp_us(kMax64);
      m->set_stack_free(kMax32);
      m->set_link_tx_frames(kMax32 - 1);
      m->set_link_rx_frames(kMax32 - 2);
      m->set_link_rx_errors(kMax32 - 3);
      m->set_link_retransmissions(kMax32 - 4);
      m->set_telemetry_dropped(kMax32 - 5);
      for (std::size_t i = 0; i < kMetricsMax; ++i) {
        auto* a = m->add_actors();
        const auto k = static_cast<std::uint32_t>(i);
        a->set_actor(k);
        a->set_messages_handled(kMax32 - k);
        a->set_mailbox_high_water(kMax32 - k - 1);
        a->set_mailbox_drops(kMax32 - k - 2);
        a->set_restarts(kMax32 - k - 3);
        a->set_mailbox_depth(kMax32 - k - 4);
        a->set_incarnation(kMax32 - k - 5);
      }
      break;
    }
    case Case::BODY_NOT_SET: break;
  }
  return e;
}

std::string as_string(const char* s) { return {s}; }

// Field by field: what nanopb holds is what the host message says.
void expect_same(const lit::wire::Envelope& h, const lit_wire_Envelope& n) {
  ASSERT_EQ(static_cast<int>(n.which_body), static_cast<int>(h.body_case()));
  switch (h.body_case()) {
    case Case::kHandshake: {
      const auto& hh = h.handshake();
      const auto& nh = n.body.handshake;
      EXPECT_EQ(nh.protocol_version, hh.protocol_version());
      EXPECT_EQ(nh.schema_hash, hh.schema_hash());
      EXPECT_EQ(nh.boot_id, hh.boot_id());
      EXPECT_EQ(static_cast<int>(nh.last_reset), static_cast<int>(hh.last_reset()));
      EXPECT_EQ(nh.actor_count, hh.actor_count());
      break;
    }
    case Case::kActorTableEntry: {
      const auto& ht = h.actor_table_entry();
      const auto& nt = n.body.actor_table_entry;
      EXPECT_EQ(nt.index, ht.index());
      ASSERT_TRUE(nt.has_info);
      EXPECT_EQ(as_string(nt.info.path), ht.info().path());
      EXPECT_EQ(as_string(nt.info.chart), ht.info().chart());
      EXPECT_EQ(nt.info.chart_hash, ht.info().chart_hash());
      EXPECT_EQ(nt.info.incarnation, ht.info().incarnation());
      EXPECT_EQ(nt.info.supervised, ht.info().supervised());
      break;
    }
    case Case::kActorExit: {
      const auto& hx = h.actor_exit();
      const auto& nx = n.body.actor_exit;
      EXPECT_EQ(nx.actor, hx.actor());
      EXPECT_EQ(nx.incarnation, hx.incarnation());
      EXPECT_EQ(static_cast<int>(nx.reason), static_cast<int>(hx.reason()));
      EXPECT_EQ(as_string(nx.detail), hx.detail());
      break;
    }
    case Case::kGoodbye: EXPECT_EQ(as_string(n.body.goodbye.reason), h.goodbye().reason()); break;
    case Case::kHeartbeat:
      EXPECT_EQ(n.body.heartbeat.sequence, h.heartbeat().sequence());
      EXPECT_EQ(n.body.heartbeat.uptime_ms, h.heartbeat().uptime_ms());
      break;
    case Case::kActorMessage: {
      const auto& hm = h.actor_message();
      const auto& nm = n.body.actor_message;
      EXPECT_EQ(nm.destination, hm.destination());
      EXPECT_EQ(nm.source, hm.source());
      EXPECT_EQ(nm.correlation_id, hm.correlation_id());
      EXPECT_EQ(nm.event_id, hm.event_id());
      EXPECT_EQ(as_string(nm.event), hm.event());
      EXPECT_EQ(nm.destination_incarnation, hm.destination_incarnation());
      ASSERT_EQ(nm.payload.size, hm.payload().size());
      EXPECT_EQ(0, std::memcmp(nm.payload.bytes, hm.payload().data(), nm.payload.size));
      break;
    }
    case Case::kSupervisionCommand: {
      const auto& hs = h.supervision_command();
      const auto& ns = n.body.supervision_command;
      EXPECT_EQ(ns.request_id, hs.request_id());
      EXPECT_EQ(static_cast<int>(ns.action), static_cast<int>(hs.action()));
      EXPECT_EQ(ns.actor, hs.actor());
      break;
    }
    case Case::kSupervisionReply: {
      const auto& hr = h.supervision_reply();
      const auto& nr = n.body.supervision_reply;
      EXPECT_EQ(nr.request_id, hr.request_id());
      EXPECT_EQ(static_cast<int>(nr.result), static_cast<int>(hr.result()));
      EXPECT_EQ(as_string(nr.detail), hr.detail());
      EXPECT_EQ(nr.actor, hr.actor());
      EXPECT_EQ(nr.incarnation, hr.incarnation());
      break;
    }
    case Case::kDown: {
      const auto& hd = h.down();
      const auto& nd = n.body.down;
      EXPECT_EQ(nd.actor, hd.actor());
      EXPECT_EQ(nd.watcher, hd.watcher());
      EXPECT_EQ(static_cast<int>(nd.reason), static_cast<int>(hd.reason()));
      EXPECT_EQ(as_string(nd.detail), hd.detail());
      break;
    }
    case Case::kFailure: {
      const auto& hf = h.failure();
      const auto& nf = n.body.failure;
      EXPECT_EQ(nf.actor, hf.actor());
      EXPECT_EQ(static_cast<int>(nf.reason), static_cast<int>(hf.reason()));
      EXPECT_EQ(nf.state, hf.state());
      EXPECT_EQ(nf.event_id, hf.event_id());
      EXPECT_EQ(as_string(nf.detail), hf.detail());
      break;
    }
    case Case::kTrace: {
      const auto& ht = h.trace();
      const auto& nt = n.body.trace;
      EXPECT_EQ(nt.timestamp_us, ht.timestamp_us());
      EXPECT_EQ(nt.actor, ht.actor());
      EXPECT_EQ(nt.from_state, ht.from_state());
      EXPECT_EQ(nt.to_state, ht.to_state());
      EXPECT_EQ(nt.event_id, ht.event_id());
      EXPECT_EQ(nt.incarnation, ht.incarnation());
      EXPECT_EQ(static_cast<int>(nt.kind), static_cast<int>(ht.kind()));
      break;
    }
    case Case::kLog: {
      const auto& hl = h.log();
      const auto& nl = n.body.log;
      EXPECT_EQ(nl.timestamp_us, hl.timestamp_us());
      EXPECT_EQ(static_cast<int>(nl.level), static_cast<int>(hl.level()));
      EXPECT_EQ(nl.actor, hl.actor());
      EXPECT_EQ(as_string(nl.text), hl.text());
      break;
    }
    case Case::kMetrics: {
      const auto& hm = h.metrics();
      const auto& nm = n.body.metrics;
      EXPECT_EQ(nm.timestamp_us, hm.timestamp_us());
      EXPECT_EQ(nm.stack_free, hm.stack_free());
      EXPECT_EQ(nm.link_tx_frames, hm.link_tx_frames());
      EXPECT_EQ(nm.link_rx_frames, hm.link_rx_frames());
      EXPECT_EQ(nm.link_rx_errors, hm.link_rx_errors());
      EXPECT_EQ(nm.link_retransmissions, hm.link_retransmissions());
      EXPECT_EQ(nm.telemetry_dropped, hm.telemetry_dropped());
      ASSERT_EQ(static_cast<int>(nm.actors_count), hm.actors_size());
      for (int i = 0; i < hm.actors_size(); ++i) {
        const auto& na = nm.actors[i];
        const auto& ha = hm.actors(i);
        EXPECT_EQ(na.actor, ha.actor());
        EXPECT_EQ(na.messages_handled, ha.messages_handled());
        EXPECT_EQ(na.mailbox_high_water, ha.mailbox_high_water());
        EXPECT_EQ(na.mailbox_drops, ha.mailbox_drops());
        EXPECT_EQ(na.restarts, ha.restarts());
        EXPECT_EQ(na.mailbox_depth, ha.mailbox_depth());
        EXPECT_EQ(na.incarnation, ha.incarnation());
      }
      break;
    }
    case Case::BODY_NOT_SET: break;
  }
}

// Device side: decode into the one static struct, as the firmware will.
bool device_decode(const std::string& bytes, lit_wire_Envelope& out, std::string* error = nullptr) {
  out = lit_wire_Envelope_init_zero;
  pb_istream_t in = pb_istream_from_buffer(reinterpret_cast<const pb_byte_t*>(bytes.data()), bytes.size());
  const bool ok = pb_decode(&in, lit_wire_Envelope_fields, &out);
  if (!ok && error != nullptr) {
    *error = PB_GET_ERROR(&in);
  }
  return ok;
}

// Device side: encode into a buffer of the generated worst-case size.
std::string device_encode(const lit_wire_Envelope& e) {
  std::array<pb_byte_t, lit_wire_Envelope_size> buffer{};
  pb_ostream_t out = pb_ostream_from_buffer(buffer.data(), buffer.size());
  if (!pb_encode(&out, lit_wire_Envelope_fields, &e)) {
    ADD_FAILURE() << "nanopb encode: " << PB_GET_ERROR(&out);
    return {};
  }
  return {reinterpret_cast<const char*>(buffer.data()), out.bytes_written};
}

constexpr std::array kAllCases = {
    Case::kHandshake,
    Case::kHeartbeat,
    Case::kActorMessage,
    Case::kSupervisionCommand,
    Case::kSupervisionReply,
    Case::kDown,
    Case::kFailure,
    Case::kTrace,
    Case::kLog,
    Case::kMetrics,
    Case::kActorTableEntry,
    Case::kActorExit,
    Case::kGoodbye,
};

class EnvelopeCase : public ::testing::TestWithParam<Case> {};

TEST_P(EnvelopeCase, HostToDevice) {
  const auto host = at_bounds(GetParam());
  std::string bytes;
  ASSERT_TRUE(host.SerializeToString(&bytes));
  EXPECT_LE(bytes.size(), static_cast<std::size_t>(lit_wire_Envelope_size));
  lit_wire_Envelope device = lit_wire_Envelope_init_zero;
  std::string error;
  ASSERT_TRUE(device_decode(bytes, device, &error)) << error;
  expect_same(host, device);
}

TEST_P(EnvelopeCase, DeviceToHost) {
  // The device struct is built by decoding, then re-encoded by nanopb: the
  // host must read back the same message, and both encoders agree byte for
  // byte (proto3, fields in tag order, no packed fields).
  const auto expected = at_bounds(GetParam());
  std::string host_bytes;
  ASSERT_TRUE(expected.SerializeToString(&host_bytes));
  lit_wire_Envelope device = lit_wire_Envelope_init_zero;
  ASSERT_TRUE(device_decode(host_bytes, device));

  const std::string device_bytes = device_encode(device);
  EXPECT_EQ(device_bytes, host_bytes);
  lit::wire::Envelope host;
  ASSERT_TRUE(host.ParseFromString(device_bytes));
  expect_same(host, device);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(host, expected));
}

INSTANTIATE_TEST_SUITE_P(
    Wire, EnvelopeCase, ::testing::ValuesIn(kAllCases), [](const ::testing::TestParamInfo<Case>& info) {
      return lit::wire::Envelope::descriptor()->FindFieldByNumber(static_cast<int>(info.param))->camelcase_name();
    });

TEST(Wire, EveryOneofCaseIsTested) {
  const auto* body = lit::wire::Envelope::descriptor()->FindOneofByName("body");
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(static_cast<std::size_t>(body->field_count()), kAllCases.size());
}

TEST(Wire, DeviceBuiltHeartbeatAndHandshakeReachTheHost) {
  // Structs filled the way firmware fills them, not via a decode.
  lit_wire_Envelope beat = lit_wire_Envelope_init_zero;
  beat.which_body = lit_wire_Envelope_heartbeat_tag;
  beat.body.heartbeat.sequence = 7;
  beat.body.heartbeat.uptime_ms = 123456789012ULL;
  lit::wire::Envelope host;
  ASSERT_TRUE(host.ParseFromString(device_encode(beat)));
  ASSERT_TRUE(host.has_heartbeat());
  EXPECT_EQ(host.heartbeat().sequence(), 7U);
  EXPECT_EQ(host.heartbeat().uptime_ms(), 123456789012ULL);

  lit_wire_Envelope hello = lit_wire_Envelope_init_zero;
  hello.which_body = lit_wire_Envelope_handshake_tag;
  auto& h = hello.body.handshake;
  h.protocol_version = 1;
  h.schema_hash = LIT_SCHEMA_HASH;
  h.boot_id = 0xfeedfacecafebeefULL;
  h.last_reset = lit_wire_ResetReason_RESET_REASON_HARD_FAULT;
  h.actor_count = 2;
  ASSERT_TRUE(host.ParseFromString(device_encode(hello)));
  ASSERT_TRUE(host.has_handshake());
  EXPECT_EQ(host.handshake().schema_hash(), LIT_SCHEMA_HASH);
  EXPECT_EQ(host.handshake().last_reset(), lit::wire::RESET_REASON_HARD_FAULT);
  EXPECT_EQ(host.handshake().actor_count(), 2U);

  lit_wire_Envelope row = lit_wire_Envelope_init_zero;
  row.which_body = lit_wire_Envelope_actor_table_entry_tag;
  auto& t = row.body.actor_table_entry;
  t.index = 1;
  t.has_info = true;
  std::strncpy(t.info.path, "/root/blinky", sizeof(t.info.path) - 1);
  std::strncpy(t.info.chart, "Blinky", sizeof(t.info.chart) - 1);
  t.info.chart_hash = 0x1122334455667788ULL;
  t.info.incarnation = 3;
  t.info.supervised = true;
  ASSERT_TRUE(host.ParseFromString(device_encode(row)));
  ASSERT_TRUE(host.has_actor_table_entry());
  EXPECT_EQ(host.actor_table_entry().index(), 1U);
  EXPECT_EQ(host.actor_table_entry().info().path(), "/root/blinky");
  EXPECT_EQ(host.actor_table_entry().info().chart(), "Blinky");
  EXPECT_EQ(host.actor_table_entry().info().chart_hash(), 0x1122334455667788ULL);
  EXPECT_EQ(host.actor_table_entry().info().incarnation(), 3U);
  EXPECT_TRUE(host.actor_table_entry().info().supervised());
}

// One past each kind of bound: libprotobuf encodes it happily, the device's
// decoder refuses the whole envelope with an error instead of truncating.
void expect_refused(const lit::wire::Envelope& e, const char* what) {
  std::string bytes;
  ASSERT_TRUE(e.SerializeToString(&bytes));
  lit_wire_Envelope device = lit_wire_Envelope_init_zero;
  std::string error;
  EXPECT_FALSE(device_decode(bytes, device, &error)) << what;
  EXPECT_FALSE(error.empty()) << what;
}

TEST(WireBounds, DeviceRefusesOverlongFields) {
  auto e = at_bounds(Case::kActorMessage);
  e.mutable_actor_message()->set_event(text(kEventMax + 1));
  expect_refused(e, "event name");

  e = at_bounds(Case::kActorMessage);
  e.mutable_actor_message()->mutable_payload()->push_back('x');
  expect_refused(e, "payload");

  e = at_bounds(Case::kLog);
  e.mutable_log()->set_text(text(kLogMax + 1));
  expect_refused(e, "log text");

  e = at_bounds(Case::kActorTableEntry);
  e.mutable_actor_table_entry()->mutable_info()->set_path(text(kPathMax + 1));
  expect_refused(e, "actor path");

  e = at_bounds(Case::kActorExit);
  e.mutable_actor_exit()->set_detail(text(kDetailMax + 1));
  expect_refused(e, "exit detail");

  e = at_bounds(Case::kMetrics);
  e.mutable_metrics()->add_actors()->set_actor(1);
  expect_refused(e, "metrics entries");
}

TEST(WireBounds, DeviceEncodeNeverOverrunsItsBuffer) {
  // The firmware sizes its frame buffer with lit_wire_Envelope_size; a smaller
  // buffer makes the encode fail, not write past it.
  lit_wire_Envelope device = lit_wire_Envelope_init_zero;
  std::string bytes;
  ASSERT_TRUE(at_bounds(Case::kActorMessage).SerializeToString(&bytes));
  ASSERT_TRUE(device_decode(bytes, device));
  std::vector<pb_byte_t> small(bytes.size() - 1);
  pb_ostream_t out = pb_ostream_from_buffer(small.data(), small.size());
  EXPECT_FALSE(pb_encode(&out, lit_wire_Envelope_fields, &device));
  EXPECT_LE(out.bytes_written, small.size());
}

TEST(WireBounds, HostRefusesInvalidUtf8FromTheDevice) {
  // nanopb is built without PB_VALIDATE_UTF8, so a device string is whatever
  // bytes it holds; libprotobuf refuses the envelope, and the host drops it.
  lit_wire_Envelope device = lit_wire_Envelope_init_zero;
  device.which_body = lit_wire_Envelope_log_tag;
  device.body.log.text[0] = static_cast<char>(0xff);
  lit::wire::Envelope host;
  EXPECT_FALSE(host.ParseFromString(device_encode(device)));
}

TEST(WireBounds, HostRejectsGarbageWithoutCrashing) {
  lit::wire::Envelope host;
  EXPECT_FALSE(host.ParseFromString(std::string("\x0a\xff\xff\xff\xff\x0f", 6)));
  lit_wire_Envelope device = lit_wire_Envelope_init_zero;
  EXPECT_FALSE(device_decode(std::string("\x0a\xff\xff\xff\xff\x0f", 6), device));
}

TEST(SchemaHash, IsNonzeroAndSeenAlikeByBothSides) {
  static_assert(LIT_SCHEMA_HASH != 0ULL, "schema hash must be nonzero");
  // The hash travels as fixed64: both codecs carry all 64 bits unchanged.
  lit::wire::Envelope host;
  host.mutable_handshake()->set_schema_hash(LIT_SCHEMA_HASH);
  std::string bytes;
  ASSERT_TRUE(host.SerializeToString(&bytes));
  lit_wire_Envelope device = lit_wire_Envelope_init_zero;
  ASSERT_TRUE(device_decode(bytes, device));
  EXPECT_EQ(device.body.handshake.schema_hash, static_cast<std::uint64_t>(LIT_SCHEMA_HASH));
  EXPECT_EQ(lit_schema_hash_from_c(), static_cast<std::uint64_t>(LIT_SCHEMA_HASH));
  EXPECT_EQ(lit_envelope_size_from_c(), sizeof(lit_wire_Envelope));
}

}  // namespace

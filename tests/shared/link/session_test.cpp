// Tests of the link session (lit/link/session.hpp): two sessions joined by a
// simulated byte channel with a virtual clock (1 ms polls) that can drop,
// duplicate, corrupt and delay frames, driven by seeded std::mt19937. Checks
// exactly-once in-order delivery, RTT estimation and backoff, gap counting,
// heartbeats, link-down reporting, the restart handshake, record coalescing
// refusal by the receiver's owner (also part-way through a frame) with the
// refused frame held and offered again, fast retransmission from selective
// acks, and the busy signal that keeps the sender from resending.
#include "lit/link/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <utility>
#include <vector>

namespace {

using lit::Millis;
using lit::link::SendResult;
using lit::link::SessionConfig;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kMaxBody = 64;
using Session = lit::link::LinkSession<4, kMaxBody>;

struct Handler {
  std::vector<Bytes> reliable;
  std::vector<std::pair<Bytes, std::uint32_t>> best_effort;
  std::vector<std::uint32_t> failed;
  int ups = 0;
  int downs = 0;
  int refuse_next = 0;    // refuse this many reliable offers
  int refuse_offer = -1;  // refuse the offer with this index (counting every offer from 0), once
  int offers = 0;
  bool on_reliable(std::span<const std::uint8_t> body) {
    if (offers++ == refuse_offer) return false;
    if (refuse_next > 0) {
      --refuse_next;
      return false;
    }
    reliable.emplace_back(body.begin(), body.end());
    return true;
  }
  void on_best_effort(std::span<const std::uint8_t> body, std::uint32_t gap) {
    best_effort.emplace_back(Bytes(body.begin(), body.end()), gap);
  }
  void on_link_up() { ++ups; }
  void on_link_down() { ++downs; }
  void on_send_failed(std::uint32_t token) { failed.push_back(token); }
};

// One direction of the link. Each write() is one whole frame.
struct Channel {
  std::mt19937* rng = nullptr;
  Millis now = 0;
  Millis delay = 1;
  Millis jitter = 0;  // extra uniform delay 0..jitter: reorders frames
  double drop = 0;
  double duplicate = 0;
  double flip = 0;                         // one random bit flipped in the frame
  bool cut = false;                        // drop everything
  int drop_next = 0;                       // drop this many writes
  std::vector<std::uint32_t> drop_writes;  // drop the writes with these numbers (the first write is 1)
  std::uint32_t writes = 0;
  std::vector<Millis> write_times;
  std::multimap<Millis, Bytes> in_flight;  // equal times keep write order

  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(*rng) < p; }
  Millis latency() { return delay + (jitter > 0 ? std::uniform_int_distribution<Millis>(0, jitter)(*rng) : Millis{0}); }

  void write(std::span<const std::uint8_t> frame) {
    ++writes;
    write_times.push_back(now);
    if (cut) return;
    if (std::find(drop_writes.begin(), drop_writes.end(), writes) != drop_writes.end()) return;
    if (drop_next > 0) {
      --drop_next;
      return;
    }
    if (chance(drop)) return;
    Bytes bytes(frame.begin(), frame.end());
    if (chance(flip)) {
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(*rng);
      bytes[at] = static_cast<std::uint8_t>(bytes[at] ^ (1U << std::uniform_int_distribution<unsigned>(0, 7)(*rng)));
    }
    if (chance(duplicate)) in_flight.emplace(now + latency(), bytes);
    in_flight.emplace(now + latency(), std::move(bytes));
  }

  template <typename Receiver>
  Millis deliver(Millis at, Receiver& receiver, Handler& handler) {
    Millis last = 0;
    while (!in_flight.empty() && in_flight.begin()->first <= at) {
      receiver.on_bytes(in_flight.begin()->second, at, handler);
      in_flight.erase(in_flight.begin());
      last = at;
    }
    return last;
  }
};

template <typename S>
struct BasicLink {
  explicit BasicLink(const SessionConfig& config = SessionConfig{}, std::uint32_t seed = 1)
      : rng(seed), a(config), b(config) {
    ab.rng = &rng;
    ba.rng = &rng;
  }

  void step() {
    const bool a_rx = ba.deliver(now, a, ha) != 0;
    const bool b_rx = ab.deliver(now, b, hb) != 0;
    if (a_rx) a_last_rx = now;
    ab.now = now;
    ba.now = now;
    if (!lazy || a_rx || now >= a.next_deadline()) {
      a.poll(now, ab, ha);
      ++polls;
    }
    if (!lazy || b_rx || now >= b.next_deadline()) b.poll(now, ba, hb);
    ++now;
  }
  void run_for(Millis ms) {
    for (Millis end = now + ms; now < end;) step();
  }
  void establish() {
    run_for(20);
    ASSERT_TRUE(a.link_up());
    ASSERT_TRUE(b.link_up());
  }

  std::mt19937 rng;
  S a;
  S b;
  Handler ha;
  Handler hb;
  Channel ab;  // a writes, b reads
  Channel ba;
  Millis now = 0;
  Millis a_last_rx = 0;
  bool lazy = false;  // poll only after received bytes or at next_deadline()
  Millis polls = 0;   // polls of a
};
using Link = BasicLink<Session>;

Bytes message(std::uint32_t index, std::mt19937& rng) {
  Bytes body(std::uniform_int_distribution<std::size_t>(4, Session::kMaxRecord)(rng));
  for (std::size_t i = 0; i < 4; ++i) body[i] = static_cast<std::uint8_t>(index >> (8 * i));
  for (std::size_t i = 4; i < body.size(); ++i) body[i] = static_cast<std::uint8_t>(rng());  // zeros too
  return body;
}

std::uint32_t frame_errors(const Session& session) {
  const auto& e = session.frame_errors();
  return e.cobs + e.too_long + e.too_short + e.header_check + e.unknown_version + e.length_mismatch + e.body_crc;
}

// Index of the first message that differs (or is missing); expected.size() when equal.
std::size_t first_difference(const std::vector<Bytes>& got, const std::vector<Bytes>& expected) {
  std::size_t i = 0;
  while (i < expected.size() && i < got.size() && got[i] == expected[i]) ++i;
  return got.size() == expected.size() ? i : std::min(i, got.size());
}

// Both directions delayed by `delay` plus up to `jitter` ms (reordering), with
// 10 % of frames dropped, 5 % duplicated and 5 % with a bit flipped.
void make_noisy(Link& link, Millis delay, Millis jitter) {
  for (Channel* ch : {&link.ab, &link.ba}) {
    ch->delay = delay;
    ch->jitter = jitter;
    ch->drop = 0.1;
    ch->duplicate = 0.05;
    ch->flip = 0.05;
  }
}

// Sends `count` messages each way, queueing as the windows allow, until both
// sides have delivered them all or `limit` ms pass.
void exchange(Link& link, std::uint32_t count, std::vector<Bytes>& to_b, std::vector<Bytes>& to_a, Millis limit) {
  std::mt19937 content(link.rng());
  for (std::uint32_t i = 0; i < count; ++i) to_b.push_back(message(i, content));
  for (std::uint32_t i = 0; i < count; ++i) to_a.push_back(message(i + count, content));
  std::size_t next_b = 0;
  std::size_t next_a = 0;
  for (const Millis end = link.now + limit; link.now < end;) {
    while (next_b < to_b.size() && link.a.send_reliable(to_b[next_b], link.now, 0) == SendResult::ok) ++next_b;
    while (next_a < to_a.size() && link.b.send_reliable(to_a[next_a], link.now, 0) == SendResult::ok) ++next_a;
    link.step();
    if (link.hb.reliable.size() == to_b.size() && link.ha.reliable.size() == to_a.size()) break;
  }
}

TEST(LinkSession, DeliversInOrderExactlyOnceOnACleanChannel) {
  Link link;
  link.establish();
  std::vector<Bytes> to_b;
  std::vector<Bytes> to_a;
  exchange(link, 100, to_b, to_a, 10000);
  EXPECT_EQ(link.hb.reliable, to_b);
  EXPECT_EQ(link.ha.reliable, to_a);
  for (const Session* s : {&link.a, &link.b}) {
    const auto c = s->counters();
    EXPECT_EQ(c.retransmissions, 0U);
    EXPECT_EQ(c.duplicates, 0U);
    EXPECT_EQ(c.out_of_window, 0U);
    EXPECT_EQ(c.link_downs, 0U);
    EXPECT_EQ(frame_errors(*s), 0U);
  }
}

TEST(LinkSession, NoisyChannelLosesDuplicatesAndReordersNothingOverManySeeds) {
  SessionConfig config;
  config.rto_min = 10;
  config.rto_initial = 50;
  config.link_timeout = 60000;  // this test is about the reliable class only
  std::uint64_t retransmissions = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t errors = 0;
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    Link link(config, seed);
    link.establish();  // the restart handshake wants an in-order channel (see session.hpp)
    make_noisy(link, 2, 4);
    link.run_for(50);
    std::vector<Bytes> to_b;
    std::vector<Bytes> to_a;
    exchange(link, 200, to_b, to_a, 60000);
    ASSERT_EQ(first_difference(link.hb.reliable, to_b), to_b.size()) << "seed " << seed;
    ASSERT_EQ(first_difference(link.ha.reliable, to_a), to_a.size()) << "seed " << seed;
    ASSERT_EQ(link.a.counters().link_downs + link.b.counters().link_downs, 0U) << "seed " << seed;
    retransmissions += link.a.counters().retransmissions + link.b.counters().retransmissions;
    duplicates += link.a.counters().duplicates + link.b.counters().duplicates;
    errors += frame_errors(link.a) + frame_errors(link.b);
  }
  EXPECT_GT(retransmissions, 0U);
  EXPECT_GT(duplicates, 0U);
  EXPECT_GT(errors, 0U);
  RecordProperty("retransmissions", static_cast<int>(retransmissions));
  RecordProperty("duplicates_dropped", static_cast<int>(duplicates));
  RecordProperty("frame_errors", static_cast<int>(errors));
}

TEST(LinkSession, RttEstimateConvergesToTheChannelDelay) {
  SessionConfig config;
  config.rto_min = 10;
  Link link(config);
  link.ab.delay = 20;
  link.ba.delay = 20;
  link.run_for(100);
  std::vector<Bytes> to_b;
  std::vector<Bytes> to_a;
  exchange(link, 100, to_b, to_a, 20000);
  ASSERT_EQ(link.hb.reliable, to_b);
  const auto c = link.a.counters();
  EXPECT_GT(c.rtt_samples, 10U);
  EXPECT_GE(c.srtt, 40U);  // 20 ms each way; the ack leaves on the poll that received the frame
  EXPECT_LE(c.srtt, 42U);
  EXPECT_LE(c.rto, c.srtt + 4 * c.rttvar + 3);  // the counter's rttvar is 4 x RTTVAR / 4, truncated
  EXPECT_LT(c.rto, 60U);
  RecordProperty("srtt", static_cast<int>(c.srtt));
  RecordProperty("rto", static_cast<int>(c.rto));
}

TEST(LinkSession, KarnsRuleTakesNoSampleFromARetransmittedFrame) {
  Link link;
  link.establish();
  ASSERT_EQ(link.a.counters().rtt_samples, 0U);
  link.ab.drop_next = 1;  // the first transmission
  ASSERT_EQ(link.a.send_reliable(Bytes{1, 2, 3}, link.now, 0), SendResult::ok);
  link.run_for(2000);
  ASSERT_EQ(link.hb.reliable.size(), 1U);
  EXPECT_EQ(link.a.counters().retransmissions, 1U);
  EXPECT_EQ(link.a.in_flight(), 0U);
  EXPECT_EQ(link.a.counters().rtt_samples, 0U);
  EXPECT_EQ(link.a.rto(), 1000U);  // still backed off: initial 500 doubled, no fresh sample
  ASSERT_EQ(link.a.send_reliable(Bytes{4}, link.now, 0), SendResult::ok);
  link.run_for(20);
  EXPECT_EQ(link.a.counters().rtt_samples, 1U);
  EXPECT_EQ(link.a.rto(), SessionConfig{}.rto_min);  // 2 ms RTT, clamped up
}

TEST(LinkSession, RtoBacksOffExponentiallyAndIsClamped) {
  SessionConfig config;
  config.rto_initial = 100;
  config.rto_min = 50;
  config.rto_max = 1000;
  config.link_timeout = 100000;
  Link link(config);
  link.establish();
  link.ab.cut = true;
  ASSERT_EQ(link.a.send_reliable(Bytes{7}, link.now, 0), SendResult::ok);
  std::vector<Millis> sent_at;
  std::uint32_t seen = 0;
  for (int i = 0; i < 8000; ++i) {
    link.step();
    const auto c = link.a.counters();
    if (c.reliable_sent + c.retransmissions != seen) {
      seen = c.reliable_sent + c.retransmissions;
      sent_at.push_back(link.now - 1);
    }
  }
  ASSERT_GE(sent_at.size(), 7U);
  const std::vector<Millis> expected{100, 200, 400, 800, 1000, 1000};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(sent_at[i + 1] - sent_at[i], expected[i]) << i;
  EXPECT_EQ(link.a.rto(), 1000U);
  EXPECT_EQ(link.a.counters().timeouts, link.a.counters().retransmissions);
}

TEST(LinkSession, ABestEffortBodyLeavesAfterTheReliableOnesQueuedBeforeIt) {
  Link link;
  link.establish();
  const std::uint32_t first = link.ab.writes;
  ASSERT_EQ(link.a.send_reliable(Bytes{1}, link.now, 0), SendResult::ok);  // queued until the next poll
  ASSERT_EQ(link.a.send_best_effort(Bytes{2}, link.now, link.ab), SendResult::ok);
  ASSERT_EQ(link.ab.writes, first + 2);  // both written now, the reliable frame first
  link.run_for(5);
  ASSERT_EQ(link.hb.reliable.size(), 1U);
  ASSERT_EQ(link.hb.best_effort.size(), 1U);
  EXPECT_EQ(link.a.counters().reliable_sent, 1U);  // not sent twice by the poll
  EXPECT_EQ(link.a.counters().retransmissions, 0U);
}

TEST(LinkSession, BestEffortGapCountingIsExactForAKnownDropPattern) {
  Link link;
  link.establish();
  std::uint32_t dropped = 0;
  std::vector<std::uint32_t> expected_gaps;
  std::uint32_t run = 0;
  for (std::uint32_t i = 0; i < 600; ++i) {  // wraps the 8-bit sequence twice
    const bool drop = (i % 7 == 3 || i % 10 == 0 || (i >= 300 && i < 305)) && i != 599;
    link.ab.drop_next = drop ? 1 : 0;
    ASSERT_EQ(link.a.send_best_effort(Bytes{static_cast<std::uint8_t>(i)}, link.now, link.ab), SendResult::ok);
    if (drop) {
      ++dropped;
      ++run;
    } else {
      expected_gaps.push_back(run);
      run = 0;
    }
    if (i % 50 == 0) link.step();
  }
  link.ab.drop_next = 0;
  link.run_for(10);
  ASSERT_EQ(link.hb.best_effort.size(), expected_gaps.size());
  for (std::size_t i = 0; i < expected_gaps.size(); ++i) EXPECT_EQ(link.hb.best_effort[i].second, expected_gaps[i]);
  EXPECT_EQ(link.b.counters().best_effort_gaps, dropped);
  EXPECT_EQ(link.b.counters().best_effort_delivered, 600U - dropped);
}

TEST(LinkSession, HeartbeatsFlowWhenIdleAndKeepTheLinkUp) {
  Link link;
  link.establish();
  const std::uint32_t before = link.a.counters().ack_only_sent;
  link.run_for(10000);
  EXPECT_TRUE(link.a.link_up());
  EXPECT_TRUE(link.b.link_up());
  EXPECT_EQ(link.a.counters().link_downs + link.b.counters().link_downs, 0U);
  EXPECT_EQ(link.a.counters().ack_only_sent - before, 40U);  // every 250 ms
  EXPECT_EQ(link.b.counters().frames_sent, link.b.counters().ack_only_sent);
}

TEST(LinkSession, LinkDownIsReportedWithinTheTimeoutAndPendingSendsFail) {
  Link link;
  link.establish();
  link.ab.cut = true;
  link.ba.cut = true;
  for (std::uint32_t token : {11U, 12U, 13U}) {
    ASSERT_EQ(link.a.send_reliable(Bytes{1}, link.now, token), SendResult::ok);
  }
  Millis down_at = 0;
  for (int i = 0; i < 3000 && down_at == 0; ++i) {
    link.step();
    if (link.ha.downs == 1) down_at = link.now - 1;
  }
  ASSERT_NE(down_at, 0U);
  EXPECT_LE(down_at - link.a_last_rx, SessionConfig{}.link_timeout + 1);
  EXPECT_GE(down_at - link.a_last_rx, SessionConfig{}.link_timeout);
  EXPECT_EQ(link.ha.failed, (std::vector<std::uint32_t>{11, 12, 13}));
  EXPECT_FALSE(link.a.link_up());
  EXPECT_EQ(link.a.in_flight(), 0U);
  EXPECT_EQ(link.a.send_reliable(Bytes{2}, link.now, 14), SendResult::link_down);
  EXPECT_EQ(link.a.counters().send_failures, 3U);

  // Restored: the first valid frame brings each side up with fresh sequences.
  link.run_for(1100);
  EXPECT_EQ(link.hb.downs, 1);
  link.ab.cut = false;
  link.ba.cut = false;
  link.run_for(600);
  EXPECT_TRUE(link.a.link_up());
  EXPECT_TRUE(link.b.link_up());
  EXPECT_EQ(link.ha.ups, 2);
  ASSERT_EQ(link.a.send_reliable(Bytes{9, 9}, link.now, 15), SendResult::ok);
  link.run_for(20);
  EXPECT_EQ(link.hb.reliable, (std::vector<Bytes>{Bytes{9, 9}}));
  // The RTT estimate restarted too: its first sample after the reset is taken whole.
  EXPECT_EQ(link.a.counters().srtt, 2U);
}

TEST(LinkSession, PollingOnlyAtNextDeadlineSufficesOnANoisyChannel) {
  // A port arms one timer at next_deadline() and polls after received bytes.
  SessionConfig config;
  config.rto_min = 10;
  config.link_timeout = 60000;
  for (std::uint32_t seed = 1; seed <= 50; ++seed) {
    Link link(config, seed);
    link.lazy = true;
    link.establish();
    make_noisy(link, 3, 3);
    link.run_for(50);
    std::vector<Bytes> to_b;
    std::vector<Bytes> to_a;
    exchange(link, 100, to_b, to_a, 60000);
    ASSERT_EQ(first_difference(link.hb.reliable, to_b), to_b.size()) << "seed " << seed;
    ASSERT_EQ(first_difference(link.ha.reliable, to_a), to_a.size()) << "seed " << seed;
    ASSERT_LT(link.polls, link.now) << "seed " << seed;  // fewer polls than milliseconds
  }
}

TEST(LinkSession, NextDeadlineIsTheEarliestOfHeartbeatRetransmissionAndLinkTimeout) {
  SessionConfig config;
  config.rto_initial = 100;
  Link link(config);
  link.establish();
  link.ab.cut = true;
  link.ba.cut = true;
  const Millis sent = link.now;
  ASSERT_EQ(link.a.send_reliable(Bytes{1}, link.now, 0), SendResult::ok);
  EXPECT_EQ(link.a.next_deadline(), 0U);
  link.step();
  EXPECT_EQ(link.a.next_deadline(), sent + 100);  // the retransmission
  link.run_for(101);
  // Backed off to 200 ms; the heartbeat (250 ms after the last frame) is later.
  EXPECT_EQ(link.a.next_deadline(), sent + 100 + 200);
}

TEST(LinkSession, RefusedBodiesAreHeldOfferedAgainAndDeliveredOnceAccepted) {
  SessionConfig config;
  config.rto_min = 10;
  Link link(config);
  link.establish();
  link.hb.refuse_next = 3;
  std::vector<Bytes> sent;
  for (std::uint8_t i = 0; i < 4; ++i) {
    sent.push_back(Bytes(Session::kMaxRecord, i));  // one frame each
    ASSERT_EQ(link.a.send_reliable(sent.back(), link.now, 0), SendResult::ok);
  }
  EXPECT_EQ(link.a.send_reliable(Bytes{5}, link.now, 0), SendResult::window_full);
  link.run_for(100);  // three offers again 10 ms apart at b, nothing resent by a
  EXPECT_EQ(link.hb.reliable, sent);
  EXPECT_EQ(link.b.counters().refusals, 3U);
  EXPECT_EQ(link.b.counters().reoffers, 3U);
  EXPECT_EQ(link.a.counters().retransmissions, 0U);
  EXPECT_EQ(link.a.counters().timeouts, 0U);
  EXPECT_EQ(link.a.in_flight(), 0U);
}

TEST(LinkSession, SendResultsReportWhyNothingWasQueued) {
  Link link;
  EXPECT_EQ(link.a.send_reliable(Bytes{1}, 0, 0), SendResult::link_down);  // no frame received yet
  link.establish();
  EXPECT_EQ(link.a.send_reliable(Bytes(Session::kMaxRecord + 1), link.now, 0), SendResult::too_long);
  EXPECT_EQ(link.a.send_best_effort(Bytes(kMaxBody + 1), link.now, link.ab), SendResult::too_long);
  EXPECT_EQ(link.a.send_reliable(Bytes(Session::kMaxRecord), link.now, 0), SendResult::ok);
  EXPECT_EQ(link.a.next_deadline(), 0U);  // queued: poll at once
}

Bytes encoded(lit::link::FrameHeader header, const Bytes& body) {
  Bytes out(lit::link::FrameEncoder<kMaxBody>::kMaxWireSize);
  out.resize(lit::link::FrameEncoder<kMaxBody>::encode(header, body, out));
  return out;
}

// Flags of a peer in epoch 0, down, that knows a fresh session (epoch 0).
constexpr std::uint8_t kKnown = lit::link::kFlagPeerKnown | lit::link::kFlagDown;

TEST(LinkSession, BogusAcksAndFramesBeyondTheWindowAreIgnored) {
  using lit::link::kFrameVersion;
  constexpr std::uint8_t kFlagAckOnly = lit::link::kFlagAckOnly | kKnown;
  constexpr std::uint8_t kFlagReliable = lit::link::kFlagReliable | kKnown;
  Session session;
  Handler handler;
  Channel sink;
  std::mt19937 rng(1);
  sink.rng = &rng;
  session.on_bytes(encoded({kFrameVersion, kFlagAckOnly, 0, 0, 0}, Bytes{0xFF}), 0, handler);
  ASSERT_TRUE(session.link_up());
  ASSERT_EQ(session.send_reliable(Bytes{1}, 0, 7), SendResult::ok);
  session.poll(0, sink, handler);
  // Acks for frames never sent, and a bitmap full of ones, change nothing.
  session.on_bytes(encoded({kFrameVersion, kFlagAckOnly, 0, 2, 0}, Bytes{0xFF}), 1, handler);
  session.on_bytes(encoded({kFrameVersion, kFlagAckOnly, 0, 200, 0}, Bytes{}), 1, handler);
  EXPECT_EQ(session.in_flight(), 1U);
  // Reliable sequence 4 is beyond a 4-frame window expecting 0; 250 is old.
  session.on_bytes(encoded({kFrameVersion, kFlagReliable, 4, 0, 0}, Bytes{9}), 2, handler);
  session.on_bytes(encoded({kFrameVersion, kFlagReliable, 250, 0, 0}, Bytes{9}), 2, handler);
  EXPECT_TRUE(handler.reliable.empty());
  EXPECT_EQ(session.counters().out_of_window, 1U);
  EXPECT_EQ(session.counters().duplicates, 1U);
  // The right ack retires the frame.
  session.on_bytes(encoded({kFrameVersion, kFlagAckOnly, 0, 1, 0}, Bytes{0}), 3, handler);
  EXPECT_EQ(session.in_flight(), 0U);
  EXPECT_EQ(session.counters().rtt_samples, 1U);
  EXPECT_EQ(session.counters().srtt, 3U);
}

TEST(LinkSession, BodiesQueuedBetweenPollsShareAFrameUpToMaxBodyOrTheRecordLimit) {
  Link link;
  link.establish();
  const std::uint32_t writes_before = link.ab.writes;
  // 10-byte bodies are 11-byte records: five fill 55 of the 64 body bytes.
  std::vector<Bytes> sent;
  for (std::uint8_t i = 0; i < 7; ++i) {
    sent.push_back(Bytes(10, i));
    ASSERT_EQ(link.a.send_reliable(sent.back(), link.now, i), SendResult::ok);
  }
  EXPECT_EQ(link.a.in_flight(), 2U);
  // 1-byte bodies are 2-byte records: a frame holds kMaxRecordsPerFrame of them.
  for (std::uint8_t i = 0; i < 10; ++i) {
    sent.push_back(Bytes{i});
    ASSERT_EQ(link.a.send_reliable(sent.back(), link.now, i), SendResult::ok);
  }
  static_assert(Session::kMaxRecordsPerFrame == 8);
  // Frame 2 held 2 records of 11 bytes and takes 6 more, frame 3 takes the last 4.
  EXPECT_EQ(link.a.in_flight(), 3U);
  link.run_for(10);
  EXPECT_EQ(link.hb.reliable, sent);
  const auto c = link.a.counters();
  EXPECT_EQ(c.reliable_sent, 3U);
  EXPECT_EQ(c.records_sent, 17U);
  EXPECT_EQ(link.b.counters().delivered, 17U);
  // Three data frames plus the acks they piggyback nothing on: b sent only ack-only frames.
  EXPECT_EQ(link.ab.writes - writes_before, 3U);
}

TEST(LinkSession, ATransmittedFrameIsNeverExtended) {
  SessionConfig config;
  config.link_timeout = 100000;
  Link link(config);
  link.establish();
  link.ab.cut = true;  // keep the first frame unacked, and retransmitted
  ASSERT_EQ(link.a.send_reliable(Bytes{1}, link.now, 0), SendResult::ok);
  link.step();
  ASSERT_EQ(link.a.send_reliable(Bytes{2}, link.now, 0), SendResult::ok);
  EXPECT_EQ(link.a.in_flight(), 2U);
  link.step();
  link.ab.cut = false;
  link.run_for(3000);
  EXPECT_EQ(link.hb.reliable, (std::vector<Bytes>{Bytes{1}, Bytes{2}}));
  EXPECT_EQ(link.a.counters().reliable_sent, 2U);
  EXPECT_GE(link.a.counters().retransmissions, 2U);
  EXPECT_EQ(link.b.counters().duplicates, 0U);
}

TEST(LinkSession, WindowFullOnlyWhenEverySlotIsTakenAndTheNewestCannotGrow) {
  Link link;
  link.establish();
  link.ba.cut = true;  // no acks for now
  for (int frame = 0; frame < 4; ++frame) {
    ASSERT_EQ(link.a.send_reliable(Bytes(30, 1), link.now, 0), SendResult::ok);
    link.step();  // transmitted: the next body needs a new frame
  }
  // All four frames sent and unacked for a moment: a new body cannot join any.
  EXPECT_EQ(link.a.in_flight(), 4U);
  EXPECT_EQ(link.a.send_reliable(Bytes{1}, link.now, 0), SendResult::window_full);
  link.ba.cut = false;
  link.run_for(5);
  EXPECT_EQ(link.a.in_flight(), 0U);
  // Three untransmitted frames' worth of records fit in one slot less.
  ASSERT_EQ(link.a.send_reliable(Bytes(31, 2), link.now, 0), SendResult::ok);
  ASSERT_EQ(link.a.send_reliable(Bytes(31, 2), link.now, 0), SendResult::ok);  // 64 bytes: full
  EXPECT_EQ(link.a.in_flight(), 1U);
  ASSERT_EQ(link.a.send_reliable(Bytes(1, 3), link.now, 0), SendResult::ok);
  EXPECT_EQ(link.a.in_flight(), 2U);
}

TEST(LinkSession, RefusalPartWayThroughAFrameResumesAtTheRefusedRecord) {
  SessionConfig config;
  config.rto_min = 10;
  config.rto_initial = 50;
  Link link(config);
  link.establish();
  link.hb.refuse_offer = 2;  // the third record of the frame
  std::vector<Bytes> sent;
  for (std::uint8_t i = 0; i < 5; ++i) {
    sent.push_back(Bytes{i, i});
    ASSERT_EQ(link.a.send_reliable(sent.back(), link.now, 0), SendResult::ok);
  }
  while (link.b.counters().refusals == 0) link.step();
  EXPECT_EQ(link.hb.reliable, (std::vector<Bytes>{sent[0], sent[1]}));
  EXPECT_EQ(link.a.in_flight(), 1U);  // not acked
  link.run_for(200);
  EXPECT_EQ(link.hb.reliable, sent);
  EXPECT_EQ(link.hb.offers, 6);  // five records, one of them offered twice
  EXPECT_EQ(link.a.counters().reliable_sent, 1U);
  EXPECT_EQ(link.a.counters().retransmissions, 0U);  // b held the frame
  EXPECT_EQ(link.b.counters().refusals, 1U);
  EXPECT_EQ(link.b.counters().delivered, 5U);
  EXPECT_EQ(link.a.in_flight(), 0U);
}

TEST(LinkSession, RefusalPartWayThroughABufferedFrameResumesAtTheRefusedRecord) {
  SessionConfig config;
  config.rto_min = 10;
  config.rto_initial = 50;
  Link link(config);
  link.establish();
  std::vector<Bytes> sent;
  link.ab.drop_next = 1;     // frame 0's first transmission: frame 1 waits in b's buffer
  link.hb.refuse_offer = 4;  // frame 1's second record, offered from the buffer once frame 0 arrives
  for (std::uint8_t frame = 0; frame < 2; ++frame) {
    for (std::uint8_t i = 0; i < 3; ++i) {
      sent.push_back(Bytes{frame, i});
      ASSERT_EQ(link.a.send_reliable(sent.back(), link.now, 0), SendResult::ok);
    }
    link.step();
  }
  link.run_for(300);
  EXPECT_EQ(link.hb.reliable, sent);
  EXPECT_EQ(link.hb.offers, 7);
  EXPECT_EQ(link.b.counters().refusals, 1U);
  EXPECT_EQ(link.b.counters().delivered, 6U);
  // Frame 0 once (the bitmap showed frame 1 past it); frame 1 held by b.
  EXPECT_EQ(link.a.counters().retransmissions, 1U);
  EXPECT_EQ(link.a.counters().fast_retransmissions, 1U);
  EXPECT_EQ(link.a.counters().busy_probes, 0U);
  EXPECT_EQ(link.b.counters().reoffers, 1U);
  EXPECT_EQ(link.a.counters().timeouts, 0U);
  EXPECT_EQ(link.a.in_flight(), 0U);
}

TEST(LinkSession, EveryRecordsTokenFailsInSendOrderAtLinkDown) {
  Link link;
  link.establish();
  link.ab.cut = true;
  link.ba.cut = true;
  for (std::uint32_t token : {1U, 2U, 3U}) ASSERT_EQ(link.a.send_reliable(Bytes{1}, link.now, token), SendResult::ok);
  link.step();
  for (std::uint32_t token : {4U, 5U}) ASSERT_EQ(link.a.send_reliable(Bytes(40, 2), link.now, token), SendResult::ok);
  EXPECT_EQ(link.a.in_flight(), 3U);  // 40-byte records: one per frame after the first
  link.run_for(1100);
  EXPECT_EQ(link.ha.downs, 1);
  EXPECT_EQ(link.ha.failed, (std::vector<std::uint32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(link.a.counters().send_failures, 5U);
}

TEST(LinkSession, TheLargestRecordFillsTheFrameBodyAtEitherVarintWidth) {
  static_assert(lit::link::LinkSession<4, 64>::kMaxRecord == 63);
  static_assert(lit::link::LinkSession<4, 128>::kMaxRecord == 127);
  static_assert(lit::link::LinkSession<4, 129>::kMaxRecord == 127);
  static_assert(lit::link::LinkSession<4, 130>::kMaxRecord == 128);
  static_assert(lit::link::LinkSession<4, 256>::kMaxRecord == 254);
  using Wide = lit::link::LinkSession<4, 256>;
  BasicLink<Wide> link;
  link.run_for(20);
  ASSERT_TRUE(link.a.link_up());
  std::vector<Bytes> sent;
  for (const std::size_t size : {std::size_t{0}, std::size_t{127}, std::size_t{128}, Wide::kMaxRecord}) {
    Bytes body(size);
    for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<std::uint8_t>(i * 7);
    sent.push_back(body);
    ASSERT_EQ(link.a.send_reliable(body, link.now, 0), SendResult::ok) << size;
    link.step();
  }
  EXPECT_EQ(link.a.send_reliable(Bytes(Wide::kMaxRecord + 1), link.now, 0), SendResult::too_long);
  link.run_for(20);
  EXPECT_EQ(link.hb.reliable, sent);
  EXPECT_EQ(link.a.counters().reliable_sent, 4U);
}

TEST(LinkSession, AMalformedRecordListIsCountedAckedAndDeliversNothing) {
  using lit::link::kFrameVersion;
  constexpr std::uint8_t kReliable = lit::link::kFlagReliable | kKnown;
  Session session;
  Handler handler;
  Channel sink;
  std::mt19937 rng(1);
  sink.rng = &rng;
  session.on_bytes(encoded({kFrameVersion, lit::link::kFlagAckOnly | kKnown, 0, 0, 0}, Bytes{}), 0, handler);
  ASSERT_TRUE(session.link_up());
  // A good record, then one claiming 9 bytes with 2 left; then a 3-byte varint.
  session.on_bytes(encoded({kFrameVersion, kReliable, 0, 0, 0}, Bytes{1, 0xAA, 9, 1, 2}), 1, handler);
  session.on_bytes(encoded({kFrameVersion, kReliable, 1, 0, 0}, Bytes{0x81, 0x81, 0x01}), 1, handler);
  session.on_bytes(encoded({kFrameVersion, kReliable, 2, 0, 0}, Bytes{2, 0xBB, 0xCC, 0}), 1, handler);
  EXPECT_EQ(session.counters().malformed_records, 2U);
  EXPECT_EQ(handler.reliable, (std::vector<Bytes>{Bytes{0xBB, 0xCC}, Bytes{}}));
  // The ack covers all three frames.
  session.poll(2, sink, handler);
  ASSERT_EQ(sink.in_flight.size(), 1U);
  const Bytes& ack = sink.in_flight.begin()->second;
  lit::link::FrameDecoder<kMaxBody> decoder;
  struct Capture {
    lit::link::FrameHeader header;
    void on_frame(const lit::link::FrameHeader& h, std::span<const std::uint8_t>) { header = h; }
  } capture{};
  decoder.push(ack, capture);
  EXPECT_EQ(capture.header.ack, 3U);
}

TEST(LinkSession, AOneSidedTimeoutRestartsBothSidesAndTrafficFlowsAgain) {
  Link link;
  link.establish();
  link.ab.cut = true;  // b hears nothing and times out; a still hears b
  ASSERT_EQ(link.a.send_reliable(Bytes{7}, link.now, 70), SendResult::ok);
  link.run_for(1100);
  EXPECT_EQ(link.hb.downs, 1);
  // b's frames said it restarted: a went down too, failing what b never got,
  // rather than staying up with sequences b has forgotten.
  EXPECT_EQ(link.a.counters().peer_restarts, 1U);
  EXPECT_EQ(link.ha.downs, 1);
  EXPECT_EQ(link.ha.failed, (std::vector<std::uint32_t>{70}));
  EXPECT_FALSE(link.a.link_up());
  link.ab.cut = false;
  link.run_for(300);
  ASSERT_TRUE(link.a.link_up());
  ASSERT_TRUE(link.b.link_up());
  ASSERT_EQ(link.a.send_reliable(Bytes{8}, link.now, 80), SendResult::ok);
  ASSERT_EQ(link.b.send_reliable(Bytes{9}, link.now, 90), SendResult::ok);
  link.run_for(20);
  EXPECT_EQ(link.hb.reliable, (std::vector<Bytes>{Bytes{8}}));
  EXPECT_EQ(link.ha.reliable, (std::vector<Bytes>{Bytes{9}}));
  EXPECT_EQ(link.a.counters().link_downs + link.b.counters().link_downs, 2U);
}

TEST(LinkSession, APeerThatRebootsIsNoticedAndBothSidesStartAfresh) {
  Link link;
  link.establish();
  std::vector<Bytes> to_b;
  std::vector<Bytes> to_a;
  exchange(link, 10, to_b, to_a, 1000);  // sequences away from zero
  ASSERT_EQ(link.hb.reliable.size(), 10U);
  ASSERT_EQ(link.a.send_reliable(Bytes{5}, link.now, 50), SendResult::ok);
  link.ab.cut = true;
  link.step();
  link.ab.cut = false;
  link.b = Session{};  // b reboots
  link.hb = Handler{};
  link.run_for(50);
  EXPECT_EQ(link.a.counters().peer_restarts, 1U);
  EXPECT_EQ(link.ha.failed, (std::vector<std::uint32_t>{50}));
  ASSERT_TRUE(link.a.link_up());
  ASSERT_TRUE(link.b.link_up());
  ASSERT_EQ(link.a.send_reliable(Bytes{6}, link.now, 60), SendResult::ok);
  link.run_for(20);
  EXPECT_EQ(link.hb.reliable, (std::vector<Bytes>{Bytes{6}}));
}

// Queues `frames` frames of one largest record each; returns the bodies.
std::vector<Bytes> queue_full_frames(Link& link, std::uint8_t frames, std::uint8_t first) {
  std::vector<Bytes> sent;
  for (std::uint8_t i = 0; i < frames; ++i) {
    sent.push_back(Bytes(Session::kMaxRecord, static_cast<std::uint8_t>(first + i)));
    EXPECT_EQ(link.a.send_reliable(sent.back(), link.now, 0), SendResult::ok);
  }
  return sent;
}

// Runs until b has delivered `count` bodies (or `limit` ms); returns the time taken.
Millis run_until_delivered(Link& link, std::size_t count, Millis limit) {
  const Millis start = link.now;
  while (link.hb.reliable.size() < count && link.now - start < limit) link.step();
  const Millis took = link.now - start;
  link.run_for(3);  // the last ack reaches the sender
  return took;
}

// Takes an RTT sample (2 ms on this channel) so the RTO is rto_min, not rto_initial.
void measure(Link& link) {
  ASSERT_EQ(link.a.send_reliable(Bytes{0}, link.now, 0), SendResult::ok);
  link.run_for(10);
  ASSERT_EQ(link.a.counters().rtt_samples, 1U);
  ASSERT_EQ(link.a.rto(), SessionConfig{}.rto_min);
  link.hb.reliable.clear();
}

TEST(LinkSession, ALostFrameInAFullWindowIsResentBeforeItsRto) {
  Link link;
  link.establish();
  measure(link);
  link.ab.drop_writes = {link.ab.writes + 1};  // frame 0's first transmission
  const std::vector<Bytes> sent = queue_full_frames(link, 4, 1);
  const Millis took = run_until_delivered(link, 4, 1000);
  EXPECT_EQ(link.hb.reliable, sent);
  // Frame 1 reached b at 1 ms, its selective ack came back at 2 ms, and
  // frame 0 was resent then (a round of srtt = 2 ms after its transmission)
  // and delivered with the three behind it 1 ms later: far inside the 50 ms RTO.
  EXPECT_LE(took, 4U);
  EXPECT_LT(took, link.a.rto());
  const auto c = link.a.counters();
  EXPECT_EQ(c.retransmissions, 1U);
  EXPECT_EQ(c.fast_retransmissions, 1U);
  EXPECT_EQ(c.timeouts, 0U);
  EXPECT_EQ(link.b.counters().duplicates, 0U);
  EXPECT_EQ(link.a.in_flight(), 0U);
}

TEST(LinkSession, FastRetransmissionsNeitherBackTheRtoOffNorRepeatWithinARound) {
  Link link;
  link.establish();
  measure(link);
  const Millis rto = link.a.rto();
  std::vector<Bytes> sent;
  for (std::uint8_t round = 0; round < 20; ++round) {
    // Frame 0 of each window is lost, and in every other round its first
    // resend too: the second resend follows a round (srtt) later, unprompted.
    const std::uint32_t base = link.ab.writes;
    link.ab.drop_writes = {base + 1};
    if (round % 2 == 1) link.ab.drop_writes.push_back(base + 5);
    for (const Bytes& body : queue_full_frames(link, 4, static_cast<std::uint8_t>(4 * round))) sent.push_back(body);
    EXPECT_LT(run_until_delivered(link, sent.size(), 1000), rto) << round;
    EXPECT_EQ(link.a.rto(), rto) << round;
  }
  EXPECT_EQ(link.hb.reliable, sent);
  const auto c = link.a.counters();
  EXPECT_EQ(c.fast_retransmissions, 30U);  // one per round, two in every other one
  EXPECT_EQ(c.retransmissions, 30U);
  EXPECT_EQ(c.timeouts, 0U);
  // Karn: no sample from a resent frame; the sacked frames behind it still give them.
  EXPECT_GT(c.rtt_samples, 20U);
  EXPECT_EQ(link.b.counters().duplicates, 0U);
}

TEST(LinkSession, ARefusedRecordIsOfferedAgainSoonThenLessOftenAndTheSenderResendsNothing) {
  SessionConfig config;
  config.busy_retry = 10;
  Link link(config);
  link.establish();
  measure(link);
  link.hb.refuse_next = 6;  // the first record of the next frame, six times
  std::vector<Bytes> sent;
  for (std::uint8_t i = 0; i < 3; ++i) {
    sent.push_back(Bytes{i, i});
    ASSERT_EQ(link.a.send_reliable(sent.back(), link.now, 0), SendResult::ok);
  }
  while (link.b.counters().refusals == 0) link.step();
  const Millis refused_at = link.now - 1;
  while (link.hb.reliable.empty()) link.step();
  // Offered again after 1, 2, 4, 8 and 10 ms (busy_retry caps the doubling), then accepted 10 ms later.
  EXPECT_EQ(link.now - 1 - refused_at, 1 + 2 + 4 + 8 + 10 + 10);
  EXPECT_EQ(link.b.counters().refusals, 6U);
  EXPECT_EQ(link.b.counters().reoffers, 6U);
  link.run_for(100);
  EXPECT_EQ(link.hb.reliable, sent);     // each once, in order
  EXPECT_EQ(link.hb.offers - 1, 6 + 3);  // the measuring body, then six refusals and three accepted
  EXPECT_GE(link.b.counters().busy_sent, 1U);
  const auto c = link.a.counters();
  EXPECT_GE(c.busy_received, 1U);
  EXPECT_EQ(c.busy_probes, 0U);
  EXPECT_EQ(c.retransmissions, 0U);
  EXPECT_EQ(c.timeouts, 0U);
  EXPECT_EQ(link.a.rto(), SessionConfig{}.rto_min);  // not backed off, and no sample from the held frame
  EXPECT_EQ(link.a.in_flight(), 0U);
}

TEST(LinkSession, AConsumerStalledForSecondsCostsNoResendsAndKeepsTheLinkUp) {
  Link link;
  link.establish();
  measure(link);
  link.hb.refuse_next = 300;  // 3 s of offers, one each busy_retry
  const Bytes body{1, 2, 3};
  ASSERT_EQ(link.a.send_reliable(body, link.now, 0), SendResult::ok);
  link.run_for(3500);
  EXPECT_EQ(link.hb.reliable.back(), body);
  EXPECT_EQ(link.b.counters().refusals, 300U);
  EXPECT_EQ(link.b.counters().reoffers, 300U);
  const auto c = link.a.counters();
  EXPECT_EQ(c.retransmissions, 0U);  // the busy heartbeats kept extending the hold
  EXPECT_EQ(c.timeouts, 0U);
  EXPECT_GT(c.busy_received, 10U);
  EXPECT_EQ(link.a.counters().link_downs, 0U);
  EXPECT_EQ(link.b.counters().link_downs, 0U);
  EXPECT_EQ(link.a.in_flight(), 0U);
}

TEST(LinkSession, AHeldFrameIsProbedWhenBusyFramesStopComing) {
  SessionConfig config;
  config.link_timeout = 5000;  // the silent spell below must not take the link down
  Link link(config);
  link.establish();
  measure(link);
  link.hb.refuse_next = 100;  // 1 s of offers
  ASSERT_EQ(link.a.send_reliable(Bytes{7}, link.now, 0), SendResult::ok);
  while (link.a.counters().busy_received == 0) link.step();
  link.ba.cut = true;  // b's busy heartbeats are lost for 600 ms
  link.run_for(600);
  link.ba.cut = false;
  // The hold (RTO + heartbeat) ran out once; unanswered, the probe is then an
  // ordinary frame under its RTO.
  EXPECT_EQ(link.a.counters().busy_probes, 1U);
  EXPECT_GE(link.a.counters().timeouts, 1U);
  link.run_for(1000);
  EXPECT_EQ(link.hb.reliable.back(), Bytes{7});
  EXPECT_EQ(link.b.counters().delivered, 2U);   // the measuring body and this one, once each
  EXPECT_GE(link.b.counters().duplicates, 1U);  // the probe found the frame held
  EXPECT_EQ(link.a.in_flight(), 0U);
}

TEST(LinkSession, ARefusalWhileAFilledGapIsDeliveredHoldsThatFrameAndDeliversEveryRecordOnce) {
  Link link;
  link.establish();
  measure(link);
  // Frame 0 is lost, frames 1-3 wait in b's buffer; when frame 0 fills the
  // gap, b's owner takes five records and refuses the sixth (frame 2's
  // second), as a small mailbox would; frame 3 stays buffered meanwhile.
  link.ab.drop_writes = {link.ab.writes + 1};
  std::vector<Bytes> sent;
  for (std::uint8_t frame = 0; frame < 4; ++frame) {
    for (std::uint8_t i = 0; i < 2; ++i) {
      sent.push_back(Bytes{frame, i});
      ASSERT_EQ(link.a.send_reliable(sent.back(), link.now, 0), SendResult::ok);
    }
    link.step();  // one frame per step
  }
  link.hb.refuse_offer = link.hb.offers + 5;
  link.run_for(200);
  EXPECT_EQ(link.hb.reliable, sent);
  EXPECT_EQ(link.b.counters().delivered, 8U + 1U);  // the measuring body too
  EXPECT_EQ(link.hb.offers, 1 + 8 + 1);
  EXPECT_EQ(link.b.counters().refusals, 1U);
  const auto c = link.a.counters();
  EXPECT_EQ(c.timeouts, 0U);
  EXPECT_EQ(c.fast_retransmissions, 1U);  // frame 0
  EXPECT_GE(c.busy_received, 1U);
  EXPECT_EQ(c.busy_probes, 0U);
  EXPECT_EQ(c.retransmissions, 1U);  // frame 0 only: b held frame 2
  EXPECT_EQ(link.b.counters().reoffers, 1U);
  EXPECT_EQ(link.a.rto(), SessionConfig{}.rto_min);
  EXPECT_EQ(link.a.in_flight(), 0U);
}

}  // namespace

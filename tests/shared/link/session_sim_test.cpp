// Property tests of the link session (lit/link/session.hpp) over the modelled
// UART (tests/sim/uart.hpp): two LinkSession<4, 256> on a 115200-baud line
// with bit errors, noise bursts, dropped and duplicated bytes, and the cable
// pulled for windows shorter and longer than the link timeout, over many
// seeds. Virtual time advances in 1 ms steps; each side reads what arrived and
// polls when bytes came in or its next_deadline() is due, as a port would.
// The property: each reliable body the session accepted is delivered once, in
// order, or reported failed once; both when the peer accepted it and the ack
// was lost to the outage (counted, never after the failure was reported).
// Best-effort gaps equal the bodies missing; both sides go down together,
// within link_timeout + one poll of the unplug when the outage outlasts it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <span>
#include <vector>

#include "lit/link/session.hpp"
#include "sim/uart.hpp"
#include "sim/uart_session.hpp"

namespace {

using lit::Millis;
using lit::link::SendResult;
using lit::link::SessionConfig;
using lit::sim::UartCounters;
using lit::sim::UartFaults;
using lit::sim::UartLine;
using lit::sim::UartLink;
using Session = lit::link::LinkSession<4, 256>;

constexpr std::uint32_t kBaud = 115200;
constexpr std::uint8_t kReliableTag = 0xA5;
constexpr std::uint8_t kBestEffortTag = 0x5A;

void put_u32(std::vector<std::uint8_t>& body, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) body.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
std::uint32_t get_u32(std::span<const std::uint8_t> body, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value |= std::uint32_t{body[at + i]} << (8 * i);
  return value;
}

// Reliable body `index`: tag, index, then filler that depends on the index
// (zeros included), so the receiver can check every byte.
std::vector<std::uint8_t> reliable_body(std::uint32_t index) {
  std::vector<std::uint8_t> body{kReliableTag};
  put_u32(body, index);
  const std::size_t filler = (index * 37U) % 120U;
  for (std::size_t i = 0; i < filler; ++i) body.push_back(static_cast<std::uint8_t>((index + i) * 11U));
  return body;
}

// One party: its session, its handler and output, and what it saw.
struct Endpoint : lit::sim::UartSessionEnd<Endpoint, Session> {
  enum class Fate : std::uint8_t { queued, accepted, refused_down, failed };

  Endpoint(const SessionConfig& config, UartLine& out_line, UartLine& in_line)
      : UartSessionEnd(config, out_line, in_line) {}

  // Sending side.
  std::vector<Fate> fates;  // by reliable index
  std::vector<Millis> failed_at;
  std::vector<std::uint32_t> failures;  // on_send_failed calls per index
  std::vector<std::uint32_t> backlog;   // created, not yet accepted by the session
  std::uint32_t best_effort_ordinal = 0;
  std::uint32_t best_effort_epoch = ~0U;  // link_ups when the ordinal restarted
  std::uint32_t best_effort_sent = 0;

  // Receiving side.
  std::vector<std::uint32_t> delivered;
  std::vector<Millis> delivered_at;
  std::uint32_t content_errors = 0;
  std::uint32_t best_effort_received = 0;
  std::uint32_t best_effort_gap_sum = 0;
  std::uint32_t best_effort_gap_errors = 0;  // gaps differing from the ordinals' difference
  std::uint32_t last_epoch = ~0U;
  std::uint32_t last_ordinal = 0;
  std::vector<Millis> downs_at;
  int ups = 0;

  // Handler
  bool on_reliable(std::span<const std::uint8_t> body) {
    if (body.size() < 5 || body[0] != kReliableTag) {
      ++content_errors;
      return true;
    }
    const std::uint32_t index = get_u32(body, 1);
    const auto expected = reliable_body(index);
    if (!std::equal(body.begin(), body.end(), expected.begin(), expected.end())) ++content_errors;
    delivered.push_back(index);
    delivered_at.push_back(now_ms());
    return true;
  }
  void on_best_effort(std::span<const std::uint8_t> body, std::uint32_t gap) {
    if (body.size() != 9 || body[0] != kBestEffortTag) {
      ++content_errors;
      return;
    }
    const std::uint32_t epoch = get_u32(body, 1);
    const std::uint32_t ordinal = get_u32(body, 5);
    // Sequences restart with each link-up of the sender; gaps count within one.
    const std::uint32_t expected = epoch == last_epoch ? ordinal - last_ordinal - 1 : ordinal;
    if (gap != expected) ++best_effort_gap_errors;
    last_epoch = epoch;
    last_ordinal = ordinal;
    best_effort_gap_sum += gap;
    ++best_effort_received;
  }
  void on_link_up() { ++ups; }
  void on_link_down() { downs_at.push_back(now_ms()); }
  void on_send_failed(std::uint32_t token) {
    ++failures[token];
    fates[token] = Fate::failed;
    failed_at[token] = now_ms();
  }

  void create_reliable() {
    const auto index = static_cast<std::uint32_t>(fates.size());
    fates.push_back(Fate::queued);
    failed_at.push_back(0);
    failures.push_back(0);
    backlog.push_back(index);
  }

  void offer_backlog() {
    std::size_t taken = 0;
    while (taken < backlog.size()) {
      const std::uint32_t index = backlog[taken];
      const SendResult result = session.send_reliable(reliable_body(index), now_ms(), index);
      if (result == SendResult::window_full) break;
      fates[index] = result == SendResult::ok ? Fate::accepted : Fate::refused_down;
      ++taken;
    }
    backlog.erase(backlog.begin(), backlog.begin() + static_cast<std::ptrdiff_t>(taken));
  }

  void send_best_effort() {
    const std::uint32_t epoch = session.counters().link_ups;
    if (epoch != best_effort_epoch) {
      best_effort_epoch = epoch;
      best_effort_ordinal = 0;
    }
    std::vector<std::uint8_t> body{kBestEffortTag};
    put_u32(body, epoch);
    put_u32(body, best_effort_ordinal);
    if (session.send_best_effort(body, now_ms(), *this) == SendResult::ok) {
      ++best_effort_ordinal;
      ++best_effort_sent;
    }
  }

  // Reads what arrived and polls when bytes came or a deadline is due.
  void step(std::uint64_t at_us) {
    receive(at_us);
    if (!rx.empty() || session.next_deadline() <= now_ms()) poll();
  }
};

struct Window {
  std::uint64_t unplug_us;
  std::uint64_t replug_us;
};

struct Outcome {
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  std::uint64_t failed_but_delivered = 0;  // the peer took it; its ack was lost to the link down
  std::uint64_t lost = 0;                  // accepted, never delivered, never failed: must stay 0
  std::uint64_t out_of_order = 0;          // delivered at or below an earlier index: must stay 0
  std::uint64_t delivered_after_failure = 0;
  std::uint64_t double_failures = 0;
  std::uint64_t never_accepted_delivered = 0;
};

// What `receiver` got from `sender`, against what `sender` was told.
Outcome judge(const Endpoint& sender, const Endpoint& receiver) {
  Outcome outcome;
  std::vector<bool> seen(sender.fates.size(), false);
  std::int64_t last = -1;
  for (std::size_t i = 0; i < receiver.delivered.size(); ++i) {
    const std::uint32_t index = receiver.delivered[i];
    if (static_cast<std::int64_t>(index) <= last || index >= seen.size()) {
      ++outcome.out_of_order;
      continue;
    }
    last = index;
    seen[index] = true;
    ++outcome.delivered;
    const auto fate = sender.fates[index];
    if (fate == Endpoint::Fate::failed) {
      ++outcome.failed_but_delivered;
      if (receiver.delivered_at[i] > sender.failed_at[index]) ++outcome.delivered_after_failure;
    } else if (fate != Endpoint::Fate::accepted) {
      ++outcome.never_accepted_delivered;
    }
  }
  for (std::size_t index = 0; index < sender.fates.size(); ++index) {
    if (sender.failures[index] > 1) ++outcome.double_failures;
    if (sender.fates[index] == Endpoint::Fate::failed) ++outcome.failed;
    if (sender.fates[index] == Endpoint::Fate::accepted && !seen[index]) ++outcome.lost;
  }
  return outcome;
}

struct Totals {
  Outcome outcome;
  std::uint64_t bits_flipped = 0;
  std::uint64_t bytes_dropped = 0;
  std::uint64_t bytes_duplicated = 0;
  std::uint64_t bursts = 0;
  std::uint64_t frame_errors = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t link_downs = 0;
  std::uint64_t peer_restarts = 0;
  std::uint64_t long_windows = 0;
  std::uint64_t best_effort_sent = 0;
  std::uint64_t best_effort_received = 0;
  std::uint64_t best_effort_gaps = 0;
  std::uint64_t records_sent = 0;
  std::uint64_t reliable_frames = 0;
};

void add(Outcome& total, const Outcome& one) {
  total.delivered += one.delivered;
  total.failed += one.failed;
  total.failed_but_delivered += one.failed_but_delivered;
  total.lost += one.lost;
  total.out_of_order += one.out_of_order;
  total.delivered_after_failure += one.delivered_after_failure;
  total.double_failures += one.double_failures;
  total.never_accepted_delivered += one.never_accepted_delivered;
}

std::uint32_t frame_error_count(const Session& session) {
  const auto& e = session.frame_errors();
  return e.cobs + e.too_long + e.too_short + e.header_check + e.unknown_version + e.length_mismatch + e.body_crc;
}

// One seeded run: traffic both ways, three unplug windows (one shorter than
// the link timeout, one longer, one near it), then a drain with the line
// plugged until nothing is in flight.
void run_seed(std::uint32_t seed, const UartFaults& faults, Totals& totals) {
  const SessionConfig config;  // link_timeout 1000 ms, heartbeat 250 ms
  std::mt19937 rng(seed);
  UartLink link(kBaud, seed, faults);
  Endpoint a(config, link.a_to_b, link.b_to_a);
  Endpoint b(config, link.b_to_a, link.a_to_b);

  std::vector<Window> windows;
  std::uint64_t at_ms = std::uniform_int_distribution<std::uint64_t>(1000, 2000)(rng);
  const std::uint64_t durations[3] = {std::uniform_int_distribution<std::uint64_t>(20, 950)(rng),
                                      std::uniform_int_distribution<std::uint64_t>(1100, 3000)(rng),
                                      std::uniform_int_distribution<std::uint64_t>(850, 1150)(rng)};
  for (const std::uint64_t duration : durations) {
    const std::uint64_t unplug_us = at_ms * 1000 + std::uniform_int_distribution<std::uint64_t>(0, 999)(rng);
    windows.push_back(Window{unplug_us, unplug_us + duration * 1000});
    at_ms += duration + 2500;
  }
  const std::uint64_t traffic_end_us = at_ms * 1000;
  const std::uint64_t limit_us = traffic_end_us + 20'000'000;

  std::size_t next_window = 0;
  bool plugged = true;
  std::uint64_t now_us = 0;
  for (; now_us < limit_us; now_us += 1000) {
    if (!plugged && now_us >= windows[next_window].replug_us) {
      link.replug();
      plugged = true;
      ++next_window;
    }
    if (now_us < traffic_end_us) {
      for (Endpoint* e : {&a, &b}) {
        if (e->backlog.size() < 32 && std::uniform_int_distribution<int>(0, 9)(rng) < 3) e->create_reliable();
        if (now_us % 40'000 == 0 && e->session.link_up()) e->send_best_effort();
      }
    }
    a.offer_backlog();
    b.offer_backlog();
    a.step(now_us);
    b.step(now_us);
    if (plugged && next_window < windows.size() && windows[next_window].unplug_us < now_us + 1000) {
      // The cable comes out between two steps, at a random phase; each side
      // takes in what arrived until then.
      const std::uint64_t unplug_us = windows[next_window].unplug_us;
      a.step(unplug_us);
      b.step(unplug_us);
      link.unplug(unplug_us);
      plugged = false;
    }
    const bool drained = a.backlog.empty() && b.backlog.empty() && a.session.in_flight() == 0 &&
                         b.session.in_flight() == 0 && a.session.link_up() && b.session.link_up();
    if (now_us >= traffic_end_us && next_window == windows.size() && drained) break;
  }
  ASSERT_LT(now_us, limit_us) << "seed " << seed << ": never drained";

  // Link-down detection: for a window longer than the timeout both sides go
  // down within link_timeout + one poll (1 ms) of the unplug.
  for (const Window& w : windows) {
    if (w.replug_us - w.unplug_us <= lit::sim::us_from_ms(config.link_timeout) + 1000) continue;
    ++totals.long_windows;
    for (const Endpoint* e : {&a, &b}) {
      const bool detected = std::any_of(e->downs_at.begin(), e->downs_at.end(), [&](Millis down) {
        return lit::sim::us_from_ms(down) >= w.unplug_us &&
               lit::sim::us_from_ms(down) <= w.unplug_us + lit::sim::us_from_ms(config.link_timeout) + 1000;
      });
      EXPECT_TRUE(detected) << "seed " << seed << " window at " << w.unplug_us << " us";
    }
  }
  // Both sides restart together, and only because of the windows.
  EXPECT_EQ(a.session.counters().link_downs, b.session.counters().link_downs) << "seed " << seed;
  EXPECT_LE(a.session.counters().link_downs, windows.size()) << "seed " << seed;
  EXPECT_EQ(a.content_errors + b.content_errors, 0U) << "seed " << seed;
  EXPECT_EQ(a.best_effort_gap_errors + b.best_effort_gap_errors, 0U) << "seed " << seed;
  EXPECT_EQ(a.session.counters().malformed_records + b.session.counters().malformed_records, 0U);

  const Outcome ab = judge(a, b);
  const Outcome ba = judge(b, a);
  for (const Outcome* o : {&ab, &ba}) {
    EXPECT_EQ(o->lost, 0U) << "seed " << seed;
    EXPECT_EQ(o->out_of_order, 0U) << "seed " << seed;
    EXPECT_EQ(o->delivered_after_failure, 0U) << "seed " << seed;
    EXPECT_EQ(o->double_failures, 0U) << "seed " << seed;
    EXPECT_EQ(o->never_accepted_delivered, 0U) << "seed " << seed;
  }
  add(totals.outcome, ab);
  add(totals.outcome, ba);
  for (const UartLine* line : {&link.a_to_b, &link.b_to_a}) {
    totals.bits_flipped += line->counters().bits_flipped;
    totals.bytes_dropped += line->counters().bytes_dropped;
    totals.bytes_duplicated += line->counters().bytes_duplicated;
    totals.bursts += line->counters().bursts;
  }
  for (const Endpoint* e : {&a, &b}) {
    const auto c = e->session.counters();
    totals.frame_errors += frame_error_count(e->session);
    totals.retransmissions += c.retransmissions;
    totals.link_downs += c.link_downs;
    totals.peer_restarts += c.peer_restarts;
    totals.best_effort_sent += e->best_effort_sent;
    totals.best_effort_received += e->best_effort_received;
    totals.best_effort_gaps += e->best_effort_gap_sum;
    totals.records_sent += c.records_sent;
    totals.reliable_frames += c.reliable_sent;
    EXPECT_EQ(c.best_effort_gaps, e->best_effort_gap_sum) << "seed " << seed;
  }
}

constexpr std::uint32_t kSeeds = 200;

TEST(LinkSessionOverUart, ReliableBodiesAreDeliveredOnceInOrderOrReportedFailedOverManySeeds) {
  UartFaults faults;
  faults.bit_error_rate = 1e-4;
  faults.burst_rate = 2e-5;
  faults.burst_length_bits = 16;
  faults.drop_rate = 2e-5;
  faults.duplicate_rate = 2e-5;
  Totals totals;
  for (std::uint32_t seed = 1; seed <= kSeeds; ++seed) {
    run_seed(seed, faults, totals);
    if (HasFailure()) break;
  }
  const Outcome& o = totals.outcome;
  // Every accepted body was delivered or reported failed; a failed one may
  // also have been delivered (accepted by the peer, ack lost to the outage).
  EXPECT_EQ(o.lost, 0U);
  EXPECT_GT(o.delivered, 200U * kSeeds);
  EXPECT_GT(o.failed, 0U);
  EXPECT_GT(o.failed_but_delivered, 0U);  // it happens: the documented exception
  EXPECT_LT(o.failed_but_delivered, o.failed);
  // The faults were real and the session worked through them.
  EXPECT_GT(totals.bits_flipped, 1000U);
  EXPECT_GT(totals.bursts, 10U);
  EXPECT_GT(totals.bytes_dropped, 10U);
  EXPECT_GT(totals.bytes_duplicated, 10U);
  EXPECT_GT(totals.frame_errors, 100U);
  EXPECT_GT(totals.retransmissions, 100U);
  EXPECT_GE(totals.link_downs, 2 * totals.long_windows);
  EXPECT_GT(totals.peer_restarts, 0U);                     // one-sided timeouts happened and were resolved
  EXPECT_GT(totals.records_sent, totals.reliable_frames);  // coalescing happened
  // Best-effort: every gap reported matches the bodies missing before it.
  EXPECT_GT(totals.best_effort_gaps, 0U);
  EXPECT_LE(totals.best_effort_received + totals.best_effort_gaps, totals.best_effort_sent);
  RecordProperty("delivered", static_cast<int>(o.delivered));
  RecordProperty("failed", static_cast<int>(o.failed));
  RecordProperty("failed_but_delivered", static_cast<int>(o.failed_but_delivered));
  RecordProperty("peer_restarts", static_cast<int>(totals.peer_restarts));
  RecordProperty("frame_errors", static_cast<int>(totals.frame_errors));
  std::printf(
      "delivered %llu, failed %llu (of which delivered %llu), link downs %llu (peer restarts %llu), "
      "frame errors %llu, retransmissions %llu, best-effort sent %llu received %llu gaps %llu\n",
      static_cast<unsigned long long>(o.delivered),
      static_cast<unsigned long long>(o.failed),
      static_cast<unsigned long long>(o.failed_but_delivered),
      static_cast<unsigned long long>(totals.link_downs),
      static_cast<unsigned long long>(totals.peer_restarts),
      static_cast<unsigned long long>(totals.frame_errors),
      static_cast<unsigned long long>(totals.retransmissions),
      static_cast<unsigned long long>(totals.best_effort_sent),
      static_cast<unsigned long long>(totals.best_effort_received),
      static_cast<unsigned long long>(totals.best_effort_gaps));
}

TEST(UartLine, BytesTakeTenBitTimesEachAndQueueBehindEachOther) {
  UartLine line(115200, 1);
  const std::vector<std::uint8_t> bytes{1, 2, 3};
  line.write(bytes, 1000);
  // 10 bits at 115200 baud = 86.8 us per byte.
  EXPECT_EQ(line.next_arrival_us(), 1087U);
  std::vector<std::uint8_t> out;
  line.read(1173, out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{1}));
  line.read(1174, out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{1, 2}));
  line.write(bytes, 1100);  // behind the first three, which end at 1260.4 us
  line.read(1000000, out);
  EXPECT_EQ(out.size(), 6U);
  EXPECT_EQ(line.idle_at_us(), 1521U);  // 6 x 86.805 us after 1000 us
  EXPECT_EQ(line.next_arrival_us(), UINT64_MAX);
}

TEST(UartLine, FaultsHappenAtTheConfiguredRatesAndTheSameSeedGivesTheSameBytes) {
  UartFaults faults;
  faults.bit_error_rate = 1e-3;
  faults.drop_rate = 1e-3;
  faults.duplicate_rate = 1e-3;
  faults.burst_rate = 1e-4;
  std::vector<std::uint8_t> runs[2];
  UartCounters counters[2];
  for (int run = 0; run < 2; ++run) {
    UartLine line(921600, 7, faults);
    const std::vector<std::uint8_t> zeros(1000, 0);
    for (std::uint64_t i = 0; i < 1000; ++i) line.write(zeros, i * 20000);
    line.read(UINT64_MAX / 1000, runs[run]);
    counters[run] = line.counters();
  }
  EXPECT_EQ(runs[0], runs[1]);
  const auto& c = counters[0];
  EXPECT_EQ(c.bytes_written, 1'000'000U);
  EXPECT_EQ(c.bytes_delivered, c.bytes_written - c.bytes_dropped + c.bytes_duplicated);
  EXPECT_NEAR(static_cast<double>(c.bytes_dropped), 1000, 150);
  EXPECT_NEAR(static_cast<double>(c.bytes_duplicated), 1000, 150);
  EXPECT_NEAR(static_cast<double>(c.bursts), 100, 40);
  // 8e6 data bits at 1e-3, plus about 8 of each burst's 16 bits.
  EXPECT_NEAR(static_cast<double>(c.bits_flipped), 8000 + 100 * 6.4, 600);
  // The line carried zeros: the ones delivered are the flips (less those in
  // dropped bytes, plus those in duplicated ones).
  std::uint64_t ones = 0;
  for (const std::uint8_t byte : runs[0]) ones += static_cast<std::uint64_t>(__builtin_popcount(byte));
  EXPECT_NEAR(static_cast<double>(ones), static_cast<double>(c.bits_flipped), 60);
  EXPECT_GT(ones, 0U);
}

TEST(UartLine, UnpluggingLosesWhatIsOnTheWireAndWhatIsWrittenUntilReplugged) {
  UartLine line(115200, 1);
  const std::vector<std::uint8_t> bytes(10, 0x55);
  line.write(bytes, 0);  // arrivals at 86.8 us steps
  line.unplug(300);      // three have arrived
  line.write(bytes, 400);
  line.replug();
  line.write(std::vector<std::uint8_t>{0x66}, 5000);
  std::vector<std::uint8_t> out;
  line.read(10000, out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0x55, 0x55, 0x55, 0x66}));
  EXPECT_EQ(line.counters().bytes_lost_unplugged, 17U);
}

}  // namespace

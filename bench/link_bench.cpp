// Link benchmark on the modelled UART (tests/sim/uart.hpp): goodput, delivery
// latency and link-down detection of two LinkSession<4, 256> on virtual time.
// The figures are the model's, deterministic for a given command line, not
// wall-clock measurements. Each side reads what arrived at every byte arrival,
// a saturating sender then refills its window, and each side polls when a
// frame delimiter came in or its next_deadline() is due.
//
// Usage: link_bench [--quick] [--seconds N]
//   --seconds N   virtual seconds per throughput case (default 60)
//   --quick       10 s per case and 20 unplugs instead of 50
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "lit/link/session.hpp"
#include "sim/uart.hpp"
#include "sim/uart_session.hpp"

namespace {

using lit::link::SendResult;
using lit::link::SessionConfig;
using lit::sim::UartFaults;
using Session = lit::link::LinkSession<4, 256>;

constexpr std::size_t kBodySize = 64;

struct Party : lit::sim::UartSessionEnd<Party, Session> {
  Party(const SessionConfig& config, lit::sim::UartLine& out_line, lit::sim::UartLine& in_line)
      : UartSessionEnd(config, out_line, in_line) {}

  std::uint32_t next_index = 0;
  bool saturate = false;  // keep the session's window full of 64-byte bodies
  // A slow consumer: a mailbox of `mailbox` records drained one per
  // drain_us; a record finding it full is refused. 0: accepts everything.
  std::uint64_t mailbox = 0;
  std::uint64_t drain_us = 1000;
  std::uint64_t queued = 0;
  std::uint64_t drained_at_us = 0;
  std::uint64_t refused = 0;

  // Received bodies, from measure_from_us on.
  std::uint64_t measure_from_us = 0;
  std::uint64_t delivered_bytes = 0;
  std::vector<std::uint64_t> latencies_us;
  std::vector<std::uint64_t> downs_at_us;

  bool on_reliable(std::span<const std::uint8_t> body) {
    if (mailbox != 0 && !enqueue()) {
      ++refused;
      return false;
    }
    std::uint64_t sent_us = 0;
    std::memcpy(&sent_us, body.data(), sizeof sent_us);
    if (sent_us >= measure_from_us) {
      delivered_bytes += body.size();
      latencies_us.push_back(now_us - sent_us);
    }
    return true;
  }
  void on_best_effort(std::span<const std::uint8_t>, std::uint32_t) {}
  void on_link_up() {}
  void on_link_down() { downs_at_us.push_back(now_us); }
  void on_send_failed(std::uint32_t) {}

  bool enqueue() {
    const std::uint64_t drained = std::min(queued, (now_us - drained_at_us) / drain_us);
    queued -= drained;
    drained_at_us = queued == 0 ? now_us : drained_at_us + drained * drain_us;
    if (queued == mailbox) return false;
    ++queued;
    return true;
  }

  // A 64-byte body: its send instant, its index, filler.
  SendResult send_one() {
    std::array<std::uint8_t, kBodySize> body{};
    std::memcpy(body.data(), &now_us, sizeof now_us);
    std::memcpy(body.data() + 8, &next_index, sizeof next_index);
    for (std::size_t i = 12; i < body.size(); ++i) body[i] = static_cast<std::uint8_t>(i * 13 + next_index);
    const SendResult result = session.send_reliable(body, now_ms(), next_index);
    if (result == SendResult::ok) ++next_index;
    return result;
  }

  void step(std::uint64_t at_us) {
    receive(at_us);
    // Refilled after the acks just read, so a window they free is used at
    // once, as a producer told of the free space would.
    if (saturate && session.link_up()) {
      while (send_one() == SendResult::ok) {
      }
    }
    const bool frame_end = std::find(rx.begin(), rx.end(), std::uint8_t{0}) != rx.end();
    if (frame_end || session.next_deadline() <= now_ms()) poll();
  }

  std::uint64_t next_event_us() const {
    const std::uint64_t deadline = lit::sim::us_from_ms(session.next_deadline());
    return std::min(in->next_arrival_us(), deadline);
  }
};

// What A's session did over a measured stretch, and how long it was.
struct Stretch {
  double seconds = 0;
  lit::link::SessionCounters before;
  lit::link::SessionCounters after;
  std::uint64_t refused = 0;  // by B's owner
};

// Two parties on one cable, stepped from event to event.
struct Bench {
  Bench(std::uint32_t baud, std::uint64_t seed, const UartFaults& faults, const SessionConfig& config = {})
      : link(baud, seed, faults), a(config, link.a_to_b, link.b_to_a), b(config, link.b_to_a, link.a_to_b) {}

  void run_until(std::uint64_t end_us) {
    while (now_us < end_us) {
      a.step(now_us);
      b.step(now_us);
      const std::uint64_t next = std::min(a.next_event_us(), b.next_event_us());
      now_us = std::min(end_us, std::max(next, now_us + 1));
    }
  }

  // A saturates the link from its coming up (by 100 ms) on; after a 1 s
  // warm-up, B measures the bodies sent in the next `seconds`.
  Stretch saturated(std::uint64_t seconds) {
    run_until(100'000);
    a.saturate = true;
    run_until(1'100'000);
    const std::uint64_t start_us = now_us;
    Stretch stretch;
    stretch.before = a.session.counters();
    const std::uint64_t refused_before = b.refused;
    b.measure_from_us = start_us;
    b.delivered_bytes = 0;
    b.latencies_us.clear();
    const std::uint64_t end_us = start_us + seconds * 1'000'000;
    run_until(end_us);
    stretch.after = a.session.counters();
    stretch.refused = b.refused - refused_before;
    stretch.seconds = static_cast<double>(end_us - start_us) / 1e6;
    return stretch;
  }

  lit::sim::UartLink link;
  Party a;
  Party b;
  std::uint64_t now_us = 0;
};

struct LatencyStats {
  double mean_ms = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

LatencyStats stats(std::vector<std::uint64_t> samples) {
  LatencyStats s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (const std::uint64_t v : samples) sum += static_cast<double>(v);
  const auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1));
    return static_cast<double>(samples[i]) / 1000.0;
  };
  s.mean_ms = sum / static_cast<double>(samples.size()) / 1000.0;
  s.p50_ms = at(0.50);
  s.p99_ms = at(0.99);
  s.max_ms = static_cast<double>(samples.back()) / 1000.0;
  return s;
}

struct LoadedResult {
  double goodput = 0;  // fraction of the line rate
  double frames_per_second = 0;
  double records_per_frame = 0;
  std::uint32_t retransmissions = 0;
  std::uint32_t frame_errors = 0;
  LatencyStats latency;
};

// A saturating sender A, B only acks, for `seconds` after a 1 s warm-up.
LoadedResult loaded(std::uint32_t baud, double bit_error_rate, std::uint64_t seconds) {
  UartFaults faults;
  faults.bit_error_rate = bit_error_rate;
  Bench bench(baud, 42, faults);
  const Stretch stretch = bench.saturated(seconds);
  const auto& before = stretch.before;
  const auto& after = stretch.after;
  LoadedResult r;
  const double elapsed = stretch.seconds;
  r.goodput = static_cast<double>(bench.b.delivered_bytes) / elapsed / bench.link.a_to_b.line_rate_bytes_per_second();
  const auto frames = after.reliable_sent - before.reliable_sent;
  r.frames_per_second = frames / elapsed;
  r.records_per_frame = frames == 0 ? 0 : static_cast<double>(after.records_sent - before.records_sent) / frames;
  r.retransmissions = after.retransmissions - before.retransmissions;
  const auto& e = bench.b.session.frame_errors();
  r.frame_errors = e.cobs + e.too_long + e.too_short + e.header_check + e.length_mismatch + e.body_crc;
  r.latency = stats(bench.b.latencies_us);
  return r;
}

struct ConsumerResult {
  double goodput = 0;      // fraction of the line rate
  double of_capacity = 0;  // fraction of what the consumer or the line could take, whichever is less
  std::uint64_t refusals = 0;
  std::uint32_t retransmissions = 0;
  std::uint32_t timeouts = 0;
  LatencyStats latency;
};

// A saturating sender A and a receiver B whose owner is a slow consumer
// (mailbox records, one drained per drain_us), for `seconds` after a 1 s warm-up.
ConsumerResult slow_consumer(
    std::uint32_t baud, double bit_error_rate, std::uint64_t mailbox, std::uint64_t drain_us, std::uint64_t seconds) {
  UartFaults faults;
  faults.bit_error_rate = bit_error_rate;
  Bench bench(baud, 42, faults);
  bench.b.mailbox = mailbox;
  bench.b.drain_us = drain_us;
  const Stretch stretch = bench.saturated(seconds);
  const auto& before = stretch.before;
  const auto& after = stretch.after;
  ConsumerResult r;
  const double elapsed = stretch.seconds;
  const double line = bench.link.a_to_b.line_rate_bytes_per_second();
  const double consumer = static_cast<double>(kBodySize) * 1e6 / static_cast<double>(drain_us);
  r.goodput = static_cast<double>(bench.b.delivered_bytes) / elapsed / line;
  r.of_capacity = static_cast<double>(bench.b.delivered_bytes) / elapsed / std::min(line, consumer);
  r.refusals = stretch.refused;
  r.retransmissions = after.retransmissions - before.retransmissions;
  r.timeouts = after.timeouts - before.timeouts;
  r.latency = stats(bench.b.latencies_us);
  return r;
}

// One 64-byte body at a time on an otherwise idle link, at random phases.
LatencyStats idle_latency(std::uint32_t baud, int samples) {
  Bench bench(baud, 7, UartFaults{});
  bench.run_until(100'000);
  std::uint64_t random = 12345;
  for (int i = 0; i < samples; ++i) {
    random = random * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::uint64_t at = bench.now_us + 200'000 + (random >> 33) % 100'000;
    bench.run_until(at);
    bench.a.now_us = at;
    bench.a.send_one();
    bench.run_until(at + 100'000);
  }
  return stats(bench.b.latencies_us);
}

struct Detection {
  double mean_ms = 0;
  double max_ms = 0;
  int samples = 0;
};

// Unplugs the cable at random instants and measures until each side reports
// the link down; replugs and waits for the link to come back between samples.
Detection detection(std::uint32_t baud, bool with_traffic, int unplugs) {
  Bench bench(baud, 99, UartFaults{});
  bench.run_until(100'000);
  std::uint64_t random = 777;
  std::vector<std::uint64_t> delays;
  for (int i = 0; i < unplugs; ++i) {
    bench.a.saturate = with_traffic;
    random = random * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::uint64_t unplug_us = bench.now_us + 500'000 + (random >> 33) % 1'000'000;
    bench.run_until(unplug_us);
    bench.link.unplug(unplug_us);
    bench.a.saturate = false;
    const std::size_t downs_a = bench.a.downs_at_us.size();
    const std::size_t downs_b = bench.b.downs_at_us.size();
    bench.run_until(unplug_us + 1'500'000);
    for (const Party* p : {&bench.a, &bench.b}) {
      const std::size_t before = p == &bench.a ? downs_a : downs_b;
      if (p->downs_at_us.size() > before) delays.push_back(p->downs_at_us[before] - unplug_us);
    }
    bench.link.replug();
    bench.run_until(bench.now_us + 1'000'000);
  }
  Detection d;
  d.samples = static_cast<int>(delays.size());
  for (const std::uint64_t v : delays) d.mean_ms += static_cast<double>(v) / 1000.0;
  if (!delays.empty()) d.mean_ms /= static_cast<double>(delays.size());
  if (!delays.empty()) d.max_ms = static_cast<double>(*std::max_element(delays.begin(), delays.end())) / 1000.0;
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seconds = 60;
  int unplugs = 50;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      seconds = 10;
      unplugs = 20;
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: link_bench [--quick] [--seconds N]\n");
      return 2;
    }
  }
  const std::uint32_t bauds[] = {115200, 921600};
  std::printf(
      "link_bench: LinkSession<4, 256> on the modelled UART (8N1, line rate = baud / 10 bytes/s),\n"
      "64-byte bodies, default SessionConfig, %" PRIu64 " virtual s per loaded case. Model figures.\n\n",
      seconds);

  LatencyStats idle[2];
  for (int i = 0; i < 2; ++i) idle[i] = idle_latency(bauds[i], 100);

  std::printf("%-8s %-7s %8s %9s %8s %7s %7s %9s %9s %9s %9s %7s\n",
              "baud",
              "BER",
              "goodput",
              "frames/s",
              "rec/frame",
              "retx",
              "bad",
              "mean ms",
              "p50 ms",
              "p99 ms",
              "max ms",
              "x idle");
  int failures = 0;
  for (int i = 0; i < 2; ++i) {
    for (const double ber : {0.0, 1e-5, 1e-4}) {
      const LoadedResult r = loaded(bauds[i], ber, seconds);
      std::printf("%-8u %-7.0e %7.1f%% %9.1f %8.2f %7u %7u %9.2f %9.2f %9.2f %9.2f %7.1f\n",
                  bauds[i],
                  ber,
                  r.goodput * 100,
                  r.frames_per_second,
                  r.records_per_frame,
                  r.retransmissions,
                  r.frame_errors,
                  r.latency.mean_ms,
                  r.latency.p50_ms,
                  r.latency.p99_ms,
                  r.latency.max_ms,
                  idle[i].mean_ms > 0 ? r.latency.mean_ms / idle[i].mean_ms : 0.0);
      if (ber == 0.0 && r.goodput < 0.85) ++failures;
    }
  }
  constexpr std::uint64_t kMailbox = 4;
  constexpr std::uint64_t kDrainUs = 1000;
  std::printf("\nslow consumer: B's owner refuses a record when its %" PRIu64
              "-record mailbox is full, drained one per %" PRIu64
              " us\n(capacity = the lesser of the line and the consumer's %.0f bytes/s):\n",
              kMailbox,
              kDrainUs,
              static_cast<double>(kBodySize) * 1e6 / static_cast<double>(kDrainUs));
  std::printf("%-8s %-7s %8s %9s %9s %7s %8s %9s %9s\n",
              "baud",
              "BER",
              "goodput",
              "of cap.",
              "refusals",
              "retx",
              "timeouts",
              "mean ms",
              "p99 ms");
  for (const std::uint32_t baud : bauds) {
    for (const double ber : {0.0, 1e-5}) {
      const ConsumerResult r = slow_consumer(baud, ber, kMailbox, kDrainUs, seconds);
      std::printf("%-8u %-7.0e %7.1f%% %8.1f%% %9" PRIu64 " %7u %8u %9.2f %9.2f\n",
                  baud,
                  ber,
                  r.goodput * 100,
                  r.of_capacity * 100,
                  r.refusals,
                  r.retransmissions,
                  r.timeouts,
                  r.latency.mean_ms,
                  r.latency.p99_ms);
    }
  }
  std::printf("\nidle link, one 64-byte body at a time (100 samples at random phases):\n");
  for (int i = 0; i < 2; ++i) {
    std::printf(
        "  %-8u mean %.3f ms  p50 %.3f ms  max %.3f ms\n", bauds[i], idle[i].mean_ms, idle[i].p50_ms, idle[i].max_ms);
  }
  std::printf("\nlink-down detection after an unplug (link_timeout %" PRIu64 " ms, heartbeat %" PRIu64
              " ms), %d unplugs at random phases, both sides:\n",
              SessionConfig{}.link_timeout,
              SessionConfig{}.heartbeat_interval,
              unplugs);
  for (const std::uint32_t baud : bauds) {
    for (const bool traffic : {false, true}) {
      const Detection d = detection(baud, traffic, unplugs);
      std::printf("  %-8u %-10s mean %7.1f ms  max %7.1f ms  (%d detections)\n",
                  baud,
                  traffic ? "saturated" : "idle",
                  d.mean_ms,
                  d.max_ms,
                  d.samples);
      if (d.samples != 2 * unplugs || d.max_ms > static_cast<double>(SessionConfig{}.link_timeout) + 1.0) ++failures;
    }
  }
  if (failures != 0)
    std::printf("\n%d figure(s) missed their target (goodput >= 85 %%, detection <= timeout + 1 ms)\n", failures);
  return failures == 0 ? 0 : 1;
}

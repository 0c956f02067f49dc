// The floor under any actor runtime: the actor workloads done with bare
// single-producer/single-consumer rings and no runtime at all (no scheduler,
// no envelopes, no supervision). Each ring has exactly one pushing and one
// popping thread at any time; every run checks the sum of what was received
// against what was sent and exits non-zero on a mismatch, printing nothing.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string_view>
#include <thread>

#include "report.hpp"

namespace {

using lit::bench::Args;
using lit::bench::Report;
using lit::bench::Timer;

constexpr std::string_view kWorkloads = "mailbox pingpong fanin spawn restart (restart prints nothing)";

// Fixed at 64 rather than std::hardware_destructive_interference_size: GCC
// warns that the latter may differ between translation units.
constexpr std::size_t kCacheLine = 64;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Indices run freely and are masked on access, so full (tail - head ==
// Capacity) and empty (tail == head) need no spare slot. Each side caches the
// other side's index and re-reads it only when the cached value says full or
// empty, which keeps the other side's cache line out of the common path.
template <typename T, std::size_t Capacity>
class SpscRing {
  static_assert(Capacity > 0 && (Capacity & (Capacity - 1)) == 0, "capacity must be a power of two");

 public:
  bool try_push(T value) {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_cache_ == Capacity) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail - head_cache_ == Capacity) return false;
    }
    slots_[tail & (Capacity - 1)] = value;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  bool try_pop(T& out) {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_cache_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head == tail_cache_) return false;
    }
    out = slots_[head & (Capacity - 1)];
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  void push(T value) {
    while (!try_push(value)) cpu_relax();
  }

  T pop() {
    T value{};
    while (!try_pop(value)) cpu_relax();
    return value;
  }

 private:
  // Producer's line.
  alignas(kCacheLine) std::atomic<std::size_t> tail_{0};
  std::size_t head_cache_ = 0;
  // Consumer's line.
  alignas(kCacheLine) std::atomic<std::size_t> head_{0};
  std::size_t tail_cache_ = 0;
  alignas(kCacheLine) std::array<T, Capacity> slots_{};
};

using Mailbox = SpscRing<int, 1024>;

std::uint64_t sum_below(std::uint64_t n) { return n * (n - 1) / 2; }

bool check(std::string_view workload, std::uint64_t got, std::uint64_t want) {
  if (got == want) return true;
  std::fprintf(stderr,
               "spsc %.*s: received sum %llu, sent %llu\n",
               static_cast<int>(workload.size()),
               workload.data(),
               static_cast<unsigned long long>(got),
               static_cast<unsigned long long>(want));
  return false;
}

bool mailbox(const Args& args, const Report& report) {
  const std::uint64_t count = args.count.value_or(10'000'000);
  auto ring = std::make_unique<Mailbox>();
  std::uint64_t sum = 0;
  const Timer timer;
  if (args.threads == 1) {
    // One thread can only make progress by filling the ring and then draining
    // it; every slot is written once and read once per lap, as with two.
    std::uint64_t sent = 0;
    int value = 0;
    while (sent < count) {
      while (sent < count && ring->try_push(static_cast<int>(sent))) ++sent;
      while (ring->try_pop(value)) sum += static_cast<std::uint64_t>(value);
    }
  } else {
    std::thread consumer([&] {
      for (std::uint64_t i = 0; i < count; ++i) sum += static_cast<std::uint64_t>(ring->pop());
    });
    for (std::uint64_t i = 0; i < count; ++i) ring->push(static_cast<int>(i));
    consumer.join();
  }
  const double seconds = timer.seconds();
  if (!check(args.workload, sum, sum_below(count))) return false;
  report.figure("", static_cast<double>(count) / seconds, "msgs/s");
  return true;
}

bool pingpong(const Args& args, const Report& report) {
  const std::uint64_t rounds = args.count.value_or(1'000'000);
  auto ping = std::make_unique<Mailbox>();
  auto pong = std::make_unique<Mailbox>();
  std::uint64_t sum = 0;
  const Timer timer;
  if (args.threads == 1) {
    for (std::uint64_t i = 0; i < rounds; ++i) {
      ping->push(static_cast<int>(i));
      pong->push(ping->pop());
      sum += static_cast<std::uint64_t>(pong->pop());
    }
  } else {
    std::thread ponger([&] {
      for (std::uint64_t i = 0; i < rounds; ++i) pong->push(ping->pop());
    });
    for (std::uint64_t i = 0; i < rounds; ++i) {
      ping->push(static_cast<int>(i));
      sum += static_cast<std::uint64_t>(pong->pop());
    }
    ponger.join();
  }
  const double seconds = timer.seconds();
  if (!check(args.workload, sum, sum_below(rounds))) return false;
  report.figure("", static_cast<double>(rounds) / seconds, "round_trips/s");
  return true;
}

// The producers step round-robin a few messages at a time, standing in for 64
// actors sharing one loop thread; the consumer visits the rings round-robin.
bool fanin(const Args& args, const Report& report) {
  constexpr std::size_t kProducers = 64;
  constexpr std::uint64_t kBatch = 16;
  const std::uint64_t per_producer = args.count.value_or(10'000'000) / kProducers;
  if (per_producer == 0) {
    std::fprintf(stderr, "spsc fanin: --count must be at least %zu\n", kProducers);
    return false;
  }
  const std::uint64_t total = per_producer * kProducers;
  auto rings = std::make_unique<Mailbox[]>(kProducers);
  std::array<std::uint64_t, kProducers> sent{};
  std::uint64_t sum = 0;
  std::uint64_t received = 0;

  // Returns whether every producer has sent its share.
  const auto produce_round = [&] {
    bool done = true;
    for (std::size_t p = 0; p < kProducers; ++p) {
      for (std::uint64_t b = 0; b < kBatch && sent[p] < per_producer; ++b) {
        if (!rings[p].try_push(static_cast<int>(sent[p]))) break;
        ++sent[p];
      }
      done = done && sent[p] == per_producer;
    }
    return done;
  };
  const auto consume_round = [&] {
    int value = 0;
    for (std::size_t p = 0; p < kProducers; ++p) {
      for (std::uint64_t b = 0; b < kBatch && rings[p].try_pop(value); ++b) {
        sum += static_cast<std::uint64_t>(value);
        ++received;
      }
    }
  };

  const Timer timer;
  if (args.threads == 1) {
    bool done = false;
    while (!done || received < total) {
      if (!done) done = produce_round();
      consume_round();
    }
  } else {
    std::thread consumer([&] {
      while (received < total) consume_round();
    });
    while (!produce_round()) {
    }
    consumer.join();
  }
  const double seconds = timer.seconds();
  if (!check(args.workload, sum, kProducers * sum_below(per_producer))) return false;
  report.figure("", static_cast<double>(total) / seconds, "msgs/s");
  return true;
}

// A lower bound for spawning, not a spawn: constructing an object that holds
// a 64-slot ring in storage reserved up front. No registration, scheduling or
// allocation per actor, and --threads changes nothing here.
struct IdleActor {
  SpscRing<int, 64> mailbox;
};

bool spawn(const Args& args, const Report& report) {
  const std::uint64_t count = args.count.value_or(100'000);
  std::allocator<IdleActor> allocator;
  // Reserved but untouched pages are not resident, so the RSS delta below is
  // what construction touched.
  IdleActor* storage = allocator.allocate(count);
  const std::uint64_t rss_before = lit::bench::current_rss_bytes();
  const Timer timer;
  for (std::uint64_t i = 0; i < count; ++i) std::construct_at(storage + i);
  const double seconds = timer.seconds();
  const std::uint64_t rss_after = lit::bench::current_rss_bytes();
  // Popping from the last one keeps the construction loop from being dropped.
  int unused = 0;
  const bool empty = !storage[count - 1].mailbox.try_pop(unused);
  std::destroy_n(storage, count);
  allocator.deallocate(storage, count);
  if (!empty || rss_before == 0) {
    std::fprintf(stderr, "spsc spawn: %s\n", empty ? "/proc/self/statm unreadable" : "a fresh ring was not empty");
    return false;
  }
  report.figure("", static_cast<double>(count) / seconds, "spawns/s");
  report.figure("bytes_per_actor", static_cast<double>(rss_after - rss_before) / static_cast<double>(count), "bytes");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = lit::bench::parse_args(argc, argv, kWorkloads);
  if (args.threads != 1 && args.threads != 2) {
    std::fprintf(stderr, "spsc_bench: --threads must be 1 or 2\n");
    return 2;
  }
  const Report report("spsc", args.workload, args.threads);
  bool ok = false;
  if (args.workload == "mailbox") {
    ok = mailbox(args, report);
  } else if (args.workload == "pingpong") {
    ok = pingpong(args, report);
  } else if (args.workload == "fanin") {
    ok = fanin(args, report);
  } else if (args.workload == "spawn") {
    ok = spawn(args, report);
  } else if (args.workload == "restart") {
    // Rings have nothing to fail or to restart, so there is no baseline
    // figure; succeeding silently lets one driver run every workload on
    // every implementation.
    return 0;
  } else {
    lit::bench::exit_with_usage(argv[0], kWorkloads);
  }
  if (!ok) return 1;
  report.figure("peak_rss", static_cast<double>(lit::bench::peak_rss_bytes()), "bytes");
  return 0;
}

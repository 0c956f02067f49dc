// lit-bit's own actor runtime on the five workloads the baselines run
// (bench/baselines): mailbox, pingpong, fanin, spawn and restart, on one loop
// thread or across two (Schedulers with distinct loop ids, each on its own
// std::thread with a BenchPort). Same command line and output lines as
// caf_bench and spsc_bench, impl name `lit`; every run checks what arrived.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "baselines/report.hpp"
#include "bench_port.hpp"
#include "lit/runtime.hpp"

namespace {

namespace dsl = lit::chart::dsl;
using lit::bench::Args;
using lit::bench::BenchPort;
using lit::bench::now_ns;
using lit::bench::Report;
using lit::chart::Step;

constexpr std::string_view kWorkloads = "mailbox pingpong fanin spawn restart";

// Mailbox capacity (and remote inbox capacity across loops) for every receiver.
constexpr std::uint16_t kCapacity = 1024;
// Handled messages per activation: the runtime's default
// (Scheduler::Options::fairness, 64) unless LIT_BENCH_FAIRNESS=N says
// otherwise. Instruction counts per message are the same at 64 and 1024 for
// every workload here, so the default is what is measured.
std::uint16_t fairness() {
  const std::uint16_t standard = lit::Scheduler::Options{}.fairness;
  const char* text = std::getenv("LIT_BENCH_FAIRNESS");
  if (text == nullptr) return standard;
  const long value = std::strtol(text, nullptr, 10);
  return value > 0 && value <= 65535 ? static_cast<std::uint16_t>(value) : standard;
}

// The message every workload sends: 4 bytes, 8 with the event id.
struct Item {
  std::uint32_t value = 0;
};

std::uint64_t sum_below(std::uint64_t n) { return n * (n - 1) / 2; }

bool check(std::string_view workload, std::uint64_t got, std::uint64_t want) {
  if (got == want) return true;
  std::fprintf(stderr,
               "lit %.*s: received %llu, expected %llu\n",
               static_cast<int>(workload.size()),
               workload.data(),
               static_cast<unsigned long long>(got),
               static_cast<unsigned long long>(want));
  return false;
}

[[noreturn]] void unexpected(const char* what, lit::SendResult result) {
  std::fprintf(stderr, "lit: %s: unexpected send result %d\n", what, static_cast<int>(result));
  std::abort();
}

// ---- loops -----------------------------------------------------------------------

// LIT_BENCH_PIN=1 puts loop i on CPU i. Off by default, as in the baselines:
// the kernel may then run both loops on one CPU for a while, which shows as
// single-thread throughput in a two-thread run.
void pin_to_cpu(unsigned cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) {
    std::fprintf(stderr, "lit: could not pin a loop to CPU %u\n", cpu);
  }
}

// One or two loops: a BenchPort and a Scheduler each. With one thread,
// everything runs on the calling thread; with two, loop i runs on thread i
// while the calling thread only waits (and gives up on a hang).
class Loops {
 public:
  Loops(unsigned threads, std::uint16_t fairness_per_activation) : count_(threads) {
    for (unsigned i = 0; i < count_; ++i) {
      ports_.at(i) = std::make_unique<BenchPort>(i + 1);
      schedulers_.at(i) = std::make_unique<lit::Scheduler>(
          *ports_.at(i),
          lit::Scheduler::Storage{},
          lit::Scheduler::Options{.fairness = fairness_per_activation, .loop_id = static_cast<std::uint8_t>(i)});
    }
  }

  unsigned count() const { return count_; }
  lit::Scheduler& scheduler(unsigned i) { return *schedulers_.at(i); }
  // Where receivers live: loop 1 across two loops, else the only one.
  lit::Scheduler& last() { return *schedulers_.at(count_ - 1); }
  BenchPort& port(unsigned i) { return *ports_.at(i); }

  // Any thread, including an action on one of the loops.
  void stop_all() {
    for (unsigned i = 0; i < count_; ++i) ports_.at(i)->stop();
  }

  // Runs work(i) for every loop i, each on its own thread when there are two;
  // returns the time (now_ns) they were let go.
  std::uint64_t run_each(const std::function<void(unsigned)>& work) {
    if (count_ == 1) {
      const std::uint64_t start = now_ns();
      work(0);
      return start;
    }
    std::atomic<bool> go{false};
    std::atomic<unsigned> finished{0};
    std::vector<std::thread> threads;
    threads.reserve(count_);
    const bool pin = std::getenv("LIT_BENCH_PIN") != nullptr;
    for (unsigned i = 0; i < count_; ++i) {
      threads.emplace_back([&, i] {
        if (pin) pin_to_cpu(i);
        while (!go.load(std::memory_order_acquire)) lit::bench::cpu_relax();
        work(i);
        finished.fetch_add(1, std::memory_order_release);
      });
    }
    const std::uint64_t start = now_ns();
    go.store(true, std::memory_order_release);
    // A lost wakeup would hang the run; a benchmark must not hang.
    constexpr std::uint64_t kHangNs = 120'000'000'000ULL;
    while (finished.load(std::memory_order_acquire) < count_) {
      if (now_ns() - start > kHangNs) {
        std::fprintf(stderr, "lit: a loop made no progress for 120 s; giving up\n");
        std::_Exit(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    for (std::thread& thread : threads) thread.join();
    return start;
  }

  // Runs every loop until an action calls stop_all().
  std::uint64_t run() {
    return run_each([this](unsigned i) { ports_.at(i)->run(*schedulers_.at(i)); });
  }

  // The loop's context before the loops run (actors are started from here).
  static constexpr std::size_t kMaxLoops = 2;

 private:
  unsigned count_;
  std::array<std::unique_ptr<BenchPort>, kMaxLoops> ports_{};
  std::array<std::unique_ptr<lit::Scheduler>, kMaxLoops> schedulers_{};
};

void start_or_die(lit::Scheduler& scheduler, lit::ActorCore& actor, lit::Supervisor* parent = nullptr) {
  lit::Reason failure;
  if (!scheduler.start(actor, parent, failure)) {
    std::fprintf(stderr, "lit: an actor failed to start: %s\n", failure.text);
    std::abort();
  }
}

// ---- mailbox: the loop's own code producing, one consumer actor ------------------------

struct FlowResult {
  std::uint64_t sum = 0;
  std::uint64_t done_ns = 0;
};

// The consumer: counts and sums what arrives; the last message stops the loops.
struct Sink {
  struct Params {
    std::uint64_t expected = 0;
    FlowResult* result = nullptr;
    Loops* loops = nullptr;
  };
  explicit Sink(const Params& params) : params(params) {}
  Params params;
  std::uint64_t received = 0;
  std::uint64_t sum = 0;
};

constexpr auto sink_chart = lit::chart::define<Sink>(
    "sink", dsl::initial("run"), dsl::state("run", dsl::on("item").then([](Sink& sink, Step& step) {
      sink.sum += static_cast<const Item*>(step.event().data)->value;
      if (++sink.received == sink.params.expected) {
        sink.params.result->sum = sink.sum;
        sink.params.result->done_ns = now_ns();
        sink.params.loops->stop_all();
      }
    })));
constexpr lit::chart::EventId kItem = sink_chart.event("item");

using LocalSinkActor = lit::Actor<sink_chart, lit::MailboxConfig{.capacity = kCapacity}, Item>;
using RemoteSinkActor = lit::Actor<sink_chart, lit::MailboxConfig{.capacity = 16, .remote_capacity = kCapacity}, Item>;

// The producer is loop 0's own code (what a port callback does): it sends
// with Scheduler::send, and on `full` runs the loop, which lets the consumer
// drain its mailbox on one loop, and retries. Across two loops the consumer
// drains on loop 1's thread meanwhile.
template <class SinkActor>
bool mailbox_on(const Args& args, const Report& report) {
  const std::uint64_t count = args.count.value_or(10'000'000);
  if (count > std::numeric_limits<std::uint32_t>::max()) {
    std::fprintf(stderr, "lit mailbox: --count must fit 32 bits\n");
    return false;
  }
  Loops loops(args.threads, fairness());
  FlowResult result;
  SinkActor sink(typename SinkActor::Params{count, &result, &loops});
  start_or_die(loops.last(), sink);
  const lit::Address<Item> target = sink.address();
  const std::uint64_t start = loops.run_each([&](unsigned loop) {
    lit::Scheduler& scheduler = loops.scheduler(loop);
    if (loop != 0) {
      loops.port(loop).run(scheduler);
      return;
    }
    lit::bench::Backoff backoff;
    for (std::uint64_t i = 0; i < count; ++i) {
      lit::SendResult sent = scheduler.send(target, kItem, Item{static_cast<std::uint32_t>(i)});
      while (sent == lit::SendResult::full) {
        scheduler.run();
        if (loops.count() > 1 && !backoff.pause()) backoff.reset();  // the consumer drains on the other thread
        sent = scheduler.send(target, kItem, Item{static_cast<std::uint32_t>(i)});
      }
      backoff.reset();
      if (sent != lit::SendResult::ok) unexpected("producer", sent);
    }
    while (result.done_ns == 0 && loops.count() == 1) scheduler.run();
  });
  const double seconds = static_cast<double>(result.done_ns - start) * 1e-9;
  if (!check(args.workload, result.sum, sum_below(count))) return false;
  report.figure("", static_cast<double>(count) / seconds, "msgs/s");
  return true;
}

bool mailbox(const Args& args, const Report& report) {
  if (args.threads == 1) return mailbox_on<LocalSinkActor>(args, report);
  return mailbox_on<RemoteSinkActor>(args, report);
}

// ---- fanin: 64 producer actors, one consumer, windowed flow control ------------------

// Producers send kWindow items per "go"; the consumer sends a producer "go"
// each time it has taken kWindow items from it. With 64 producers the
// windows add up to the mailbox's capacity, so every send finds room and
// nobody spins on `full`; the mailbox stays bounded.
constexpr std::size_t kProducers = 64;
constexpr std::uint32_t kWindow = kCapacity / kProducers;

struct Tagged {
  std::uint32_t value = 0;
  std::uint16_t from = 0;
};

struct Collector {
  struct Params {
    std::uint64_t per_producer = 0;
    const lit::Address<lit::NoPayload>* producers = nullptr;
    FlowResult* result = nullptr;
    Loops* loops = nullptr;
  };
  explicit Collector(const Params& params) : params(params) {}
  Params params;
  std::uint64_t received = 0;
  std::uint64_t sum = 0;
  std::array<std::uint32_t, kProducers> taken{};
};

void collect(Collector& collector, Step& step);

constexpr auto collector_chart = lit::chart::define<Collector>(
    "collector", dsl::initial("run"), dsl::state("run", dsl::on("item").then(dsl::fn<&collect>)));
constexpr lit::chart::EventId kTagged = collector_chart.event("item");

struct Producer {
  struct Params {
    lit::Address<Tagged> target{};
    std::uint64_t count = 0;
    std::uint16_t index = 0;
  };
  explicit Producer(const Params& params) : params(params) {}
  Params params;
  std::uint64_t sent = 0;
};

void produce(Producer& producer, Step& step);

constexpr auto producer_chart = lit::chart::define<Producer>(
    "producer", dsl::initial("run"), dsl::state("run", dsl::on("go").then(dsl::fn<&produce>)));
constexpr lit::chart::EventId kGo = producer_chart.event("go");

void produce(Producer& producer, Step& step) {
  lit::Scheduler& scheduler = lit::scheduler_of(step);
  const lit::Address<Tagged> target = producer.params.target;
  const std::uint16_t index = producer.params.index;
  std::uint64_t sent = producer.sent;
  const std::uint64_t end = std::min(producer.params.count, sent + kWindow);
  for (; sent < end; ++sent) {
    const lit::SendResult result = scheduler.send(target, kTagged, Tagged{static_cast<std::uint32_t>(sent), index});
    if (result != lit::SendResult::ok) unexpected("producer (window overrun)", result);
  }
  producer.sent = sent;
}

void collect(Collector& collector, Step& step) {
  const Tagged& item = *static_cast<const Tagged*>(step.event().data);
  collector.sum += item.value;
  const std::uint32_t taken = ++collector.taken[item.from];
  if (taken % kWindow == 0 && taken < collector.params.per_producer) {
    const lit::SendResult result = lit::scheduler_of(step).send(collector.params.producers[item.from], kGo);
    if (result != lit::SendResult::ok) unexpected("collector's go", result);
  }
  if (++collector.received == collector.params.per_producer * kProducers) {
    collector.params.result->sum = collector.sum;
    collector.params.result->done_ns = now_ns();
    collector.params.loops->stop_all();
  }
}

template <class CollectorActor, class ProducerActor>
bool fanin_on(const Args& args, const Report& report) {
  const std::uint64_t per_producer = args.count.value_or(10'000'000) / kProducers;
  if (per_producer == 0 || per_producer > std::numeric_limits<std::uint32_t>::max()) {
    std::fprintf(stderr, "lit fanin: --count must be at least %zu, and below 2^32 per producer\n", kProducers);
    return false;
  }
  const std::uint64_t total = per_producer * kProducers;
  Loops loops(args.threads, fairness());
  FlowResult result;
  std::array<lit::Address<lit::NoPayload>, kProducers> addresses{};
  CollectorActor collector(typename CollectorActor::Params{per_producer, addresses.data(), &result, &loops});
  start_or_die(loops.last(), collector);
  const auto producers = std::make_unique<ProducerActor[]>(kProducers);
  for (std::size_t p = 0; p < kProducers; ++p) {
    producers[p].set_params(Producer::Params{collector.address(), per_producer, static_cast<std::uint16_t>(p)});
    start_or_die(loops.scheduler(0), producers[p]);
    addresses.at(p) = producers[p].address();
    const lit::SendResult kicked = loops.scheduler(0).send(addresses.at(p), kGo);
    if (kicked != lit::SendResult::ok) unexpected("first go", kicked);
  }
  const std::uint64_t start = loops.run();
  const double seconds = static_cast<double>(result.done_ns - start) * 1e-9;
  if (!check(args.workload, result.sum, kProducers * sum_below(per_producer))) return false;
  report.figure("", static_cast<double>(total) / seconds, "msgs/s");
  return true;
}

bool fanin(const Args& args, const Report& report) {
  using LocalProducer = lit::Actor<producer_chart, lit::MailboxConfig{.capacity = 2}>;
  using LocalCollector = lit::Actor<collector_chart, lit::MailboxConfig{.capacity = kCapacity}, Tagged>;
  if (args.threads == 1) return fanin_on<LocalCollector, LocalProducer>(args, report);
  using RemoteProducer = lit::Actor<producer_chart, lit::MailboxConfig{.capacity = 2, .remote_capacity = 2}>;
  using RemoteCollector =
      lit::Actor<collector_chart, lit::MailboxConfig{.capacity = 16, .remote_capacity = kCapacity}, Tagged>;
  return fanin_on<RemoteCollector, RemoteProducer>(args, report);
}

// ---- pingpong ----------------------------------------------------------------------

struct Rally {
  std::uint32_t rounds = 0;
  std::uint32_t last = 0;
  std::uint64_t done_ns = 0;
  Loops* loops = nullptr;
  std::array<lit::Address<Item>, 2> players{};
};

// Player 0 serves: it counts the returns and sends n + 1 until n == rounds;
// player 1 returns whatever it gets.
struct Player {
  struct Params {
    Rally* rally = nullptr;
    unsigned index = 0;
  };
  explicit Player(const Params& params) : rally(params.rally), index(params.index) {}
  Rally* rally;
  unsigned index;
};

void play(Player& player, Step& step);

constexpr auto player_chart = lit::chart::define<Player>(
    "player", dsl::initial("play"), dsl::state("play", dsl::on("ball").then(dsl::fn<&play>)));
constexpr lit::chart::EventId kBall = player_chart.event("ball");

void play(Player& player, Step& step) {
  std::uint32_t n = static_cast<const Item*>(step.event().data)->value;
  Rally& rally = *player.rally;
  if (player.index == 0) {
    if (n == rally.rounds) {
      rally.last = n;
      rally.done_ns = now_ns();
      rally.loops->stop_all();
      return;
    }
    ++n;
  }
  const lit::SendResult result = lit::scheduler_of(step).send(rally.players.at(1 - player.index), kBall, Item{n});
  if (result != lit::SendResult::ok) unexpected("player", result);
}

template <class PlayerActor>
bool rally(const Args& args, const Report& report) {
  const std::uint64_t rounds = args.count.value_or(1'000'000);
  if (rounds > std::numeric_limits<std::uint32_t>::max()) {
    std::fprintf(stderr, "lit pingpong: --count must fit 32 bits\n");
    return false;
  }
  Loops loops(args.threads, fairness());
  Rally state{static_cast<std::uint32_t>(rounds), 0, 0, &loops, {}};
  PlayerActor serve(typename PlayerActor::Params{&state, 0});
  PlayerActor answer(typename PlayerActor::Params{&state, 1});
  start_or_die(loops.scheduler(0), serve);
  start_or_die(loops.last(), answer);
  state.players = {serve.address(), answer.address()};
  const lit::SendResult kicked = loops.scheduler(0).send(serve.address(), kBall, Item{0});
  if (kicked != lit::SendResult::ok) unexpected("first ball", kicked);
  const std::uint64_t start = loops.run();
  const double seconds = static_cast<double>(state.done_ns - start) * 1e-9;
  if (!check(args.workload, state.last, rounds)) return false;
  report.figure("", static_cast<double>(rounds) / seconds, "round_trips/s");
  return true;
}

bool pingpong(const Args& args, const Report& report) {
  if (args.threads == 1) return rally<lit::Actor<player_chart, lit::MailboxConfig{.capacity = 4}, Item>>(args, report);
  return rally<lit::Actor<player_chart, lit::MailboxConfig{.capacity = 4, .remote_capacity = 4}, Item>>(args, report);
}

// ---- spawn -------------------------------------------------------------------------

struct Idle {
  int pokes = 0;
};

constexpr auto idle_chart = lit::chart::define<Idle>(
    "idle", dsl::initial("wait"), dsl::state("wait", dsl::on("poke").then([](Idle& idle) { ++idle.pokes; })));

// An idle actor with room for 8 messages, as small as a useful actor gets.
using IdleActor = lit::Actor<idle_chart, lit::MailboxConfig{.capacity = 8}, Item>;

// Constructs and starts `count` actors in storage reserved (not touched) up
// front; with two loops each starts half on its own thread.
bool spawn(const Args& args, const Report& report) {
  const std::uint64_t count = args.count.value_or(100'000);
  Loops loops(args.threads, fairness());
  std::allocator<IdleActor> allocator;
  IdleActor* const storage = allocator.allocate(count);
  const std::uint64_t rss_before = lit::bench::current_rss_bytes();
  std::array<std::uint64_t, Loops::kMaxLoops> done_ns{};
  const std::uint64_t share = count / loops.count();
  const std::uint64_t start = loops.run_each([&](unsigned loop) {
    lit::Scheduler& scheduler = loops.scheduler(loop);
    const std::uint64_t first = share * loop;
    const std::uint64_t end = loop + 1 == loops.count() ? count : first + share;
    for (std::uint64_t i = first; i < end; ++i) {
      IdleActor* const actor = std::construct_at(storage + i);
      start_or_die(scheduler, *actor);
    }
    done_ns.at(loop) = now_ns();
  });
  const std::uint64_t done = *std::max_element(done_ns.begin(), done_ns.begin() + loops.count());
  const std::uint64_t rss_after = lit::bench::current_rss_bytes();
  std::uint64_t alive = 0;
  for (std::uint64_t i = 0; i < count; ++i) alive += storage[i].alive() ? 1U : 0U;
  std::destroy_n(storage, count);
  allocator.deallocate(storage, count);
  if (!check(args.workload, alive, count)) return false;
  if (rss_before == 0) {
    std::fprintf(stderr, "lit spawn: /proc/self/statm unreadable\n");
    return false;
  }
  const double seconds = static_cast<double>(done - start) * 1e-9;
  report.figure("", static_cast<double>(count) / seconds, "spawns/s");
  report.figure("bytes_per_actor",
                (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / static_cast<double>(count),
                "bytes");
  report.figure("sizeof", static_cast<double>(sizeof(IdleActor)), "bytes");
  return true;
}

// ---- restart -----------------------------------------------------------------------

// Restart k is the failure of generation k and the start of generation k + 1.
struct RestartLog {
  std::vector<std::uint64_t> failed_ns;
  std::vector<std::uint64_t> running_ns;
  std::uint64_t generation = 0;
  std::uint64_t done_ns = 0;
  BenchPort* port = nullptr;
};

// Every incarnation sends itself "fail" from its entry action and fails on
// it, so failing is a handled message, not part of starting. The last one
// stops its loop instead.
struct Flaky {
  struct Params {
    RestartLog* log = nullptr;
  };
  explicit Flaky(const Params& params) : log(params.log) {}
  RestartLog* log;
};

constexpr auto flaky_chart = lit::chart::define<Flaky>("flaky",
                                                       dsl::initial("up"),
                                                       dsl::state("up",
                                                                  dsl::entry(
                                                                      [](Flaky& flaky) {
                                                                        RestartLog& log = *flaky.log;
                                                                        if (log.generation > 0)
                                                                          log.running_ns[log.generation - 1] = now_ns();
                                                                      },
                                                                      dsl::send("fail")),
                                                                  dsl::on("fail").then([](Flaky& flaky, Step& step) {
                                                                    RestartLog& log = *flaky.log;
                                                                    if (log.generation == log.failed_ns.size()) {
                                                                      log.done_ns = now_ns();
                                                                      log.port->stop();
                                                                      return;
                                                                    }
                                                                    log.failed_ns[log.generation++] = now_ns();
                                                                    step.fail("restart benchmark");
                                                                  })));

using FlakyActor = lit::Actor<flaky_chart, lit::MailboxConfig{.capacity = 2}, lit::NoPayload>;

// A one_for_one supervisor and its one permanent child, on one loop.
struct Nursery {
  explicit Nursery(std::uint64_t restarts)
      : intensity{.max_restarts = static_cast<std::uint32_t>(std::max<std::uint64_t>(200'000, restarts * 2)),
                  .period_ms = 1'000'000},
        children(1),
        stamps(lit::RestartIntensity::stamps_needed(intensity)),
        link_stamps(lit::RestartIntensity::stamps_needed(lit::SupervisorFlags{}.link_intensity)),
        supervisor(lit::SupervisorFlags{.strategy = lit::Strategy::one_for_one, .intensity = intensity},
                   children,
                   stamps,
                   link_stamps),
        child(FlakyActor::Params{&log}) {
    log.failed_ns.assign(restarts, 0);
    log.running_ns.assign(restarts, 0);
  }

  lit::Intensity intensity;
  std::vector<lit::Child> children;
  std::vector<lit::RestartIntensity::Stamp> stamps;
  std::vector<lit::RestartIntensity::Stamp> link_stamps;
  lit::Supervisor supervisor;
  RestartLog log;
  FlakyActor child;
};

// Mean failure-to-running time over the first `window` restarts of each
// loop's log, or over the last `window` when `from_end` is set.
double mean_latency_ns(const std::vector<const RestartLog*>& logs, std::size_t window, bool from_end) {
  double total = 0;
  std::size_t n = 0;
  for (const RestartLog* log : logs) {
    const std::size_t size = log->failed_ns.size();
    const std::size_t take = std::min(window, size);
    const std::size_t first = from_end ? size - take : 0;
    for (std::size_t k = first; k < first + take; ++k, ++n) {
      total += static_cast<double>(log->running_ns[k] - log->failed_ns[k]);
    }
  }
  return n == 0 ? 0.0 : total / static_cast<double>(n);
}

bool restart(const Args& args, const Report& report) {
  const std::uint64_t restarts = args.count.value_or(100'000);
  Loops loops(args.threads, fairness());
  std::vector<std::unique_ptr<Nursery>> nurseries;
  std::vector<const RestartLog*> logs;
  const std::uint64_t share = restarts / loops.count();
  for (unsigned loop = 0; loop < loops.count(); ++loop) {
    const std::uint64_t mine = loop + 1 == loops.count() ? restarts - share * loop : share;
    nurseries.push_back(std::make_unique<Nursery>(mine));
    Nursery& nursery = *nurseries.back();
    nursery.log.port = &loops.port(loop);
    const lit::SupervisorError added =
        nursery.supervisor.add_child(lit::ChildSpec{.id = "flaky", .actor = &nursery.child});
    if (added != lit::SupervisorError::ok) {
      std::fprintf(stderr, "lit restart: add_child: %s\n", lit::to_string(added));
      return false;
    }
    start_or_die(loops.scheduler(loop), nursery.supervisor);
    logs.push_back(&nursery.log);
  }
  const std::uint64_t start = loops.run();
  std::uint64_t done = 0;
  std::uint64_t generations = 0;
  std::uint64_t supervised = 0;
  for (const auto& nursery : nurseries) {
    done = std::max(done, nursery->log.done_ns);
    generations += nursery->log.generation;
    supervised += nursery->supervisor.restarts();
  }
  if (!check(args.workload, generations, restarts) || !check(args.workload, supervised, restarts)) return false;
  const double seconds = static_cast<double>(done - start) * 1e-9;
  report.figure("", static_cast<double>(restarts) / seconds, "restarts/s");
  report.figure("latency_ns", mean_latency_ns(logs, std::numeric_limits<std::size_t>::max(), false), "ns");
  report.figure("first1k_latency_ns", mean_latency_ns(logs, 1000, false), "ns");
  report.figure("last1k_latency_ns", mean_latency_ns(logs, 1000, true), "ns");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = lit::bench::parse_args(argc, argv, kWorkloads);
  if (args.threads != 1 && args.threads != 2) {
    std::fprintf(stderr, "actor_bench: --threads must be 1 or 2\n");
    return 2;
  }
  const Report report("lit", args.workload, args.threads);
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
    ok = restart(args, report);
  } else {
    lit::bench::exit_with_usage(argv[0], kWorkloads);
  }
  if (!ok) return 1;
  report.figure("peak_rss", static_cast<double>(lit::bench::peak_rss_bytes()), "bytes");
  return 0;
}

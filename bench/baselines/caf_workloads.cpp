// The actor workloads on CAF 0.17 (Debian's libcaf), the established runtime
// lit-bit's is compared against in the same run. --threads sets CAF's
// scheduler.max-threads; the main thread only starts a workload and waits for
// its result. Every run checks what was received against what was sent and
// exits non-zero on a mismatch; all actors are stopped before the system goes.
#include <algorithm>
#include <atomic>
#include <caf/all.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <thread>
#include <vector>

#include "report.hpp"

namespace {

using lit::bench::Args;
using lit::bench::Report;
using lit::bench::Timer;

using go_atom = caf::atom_constant<caf::atom("go")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using fail_atom = caf::atom_constant<caf::atom("fail")>;

constexpr std::string_view kWorkloads = "mailbox pingpong fanin spawn restart";

std::uint64_t sum_below(std::uint64_t n) { return n * (n - 1) / 2; }

bool check(std::string_view workload, std::uint64_t got, std::uint64_t want) {
  if (got == want) return true;
  std::fprintf(stderr,
               "caf %.*s: received sum %llu, sent %llu\n",
               static_cast<int>(workload.size()),
               workload.data(),
               static_cast<unsigned long long>(got),
               static_cast<unsigned long long>(want));
  return false;
}

// Blocks the main thread until an actor reports `done` with its checksum.
std::uint64_t await_done(caf::scoped_actor& self) {
  std::uint64_t result = 0;
  self->receive([&](done_atom, std::uint64_t value) { result = value; });
  return result;
}

void stop_all(const std::vector<caf::actor>& actors) {
  for (const caf::actor& actor : actors) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

struct Tally {
  std::uint64_t received = 0;
  std::uint64_t sum = 0;
};

caf::behavior consumer(caf::stateful_actor<Tally>* self, const caf::actor& report_to, std::uint64_t expected) {
  return {[=](int value) {
    Tally& tally = self->state;
    tally.sum += static_cast<std::uint64_t>(value);
    if (++tally.received == expected) self->send(report_to, done_atom::value, tally.sum);
  }};
}

// Sends its whole share in one activation: CAF's mailboxes are unbounded, so
// nothing pushes back and the backlog is what peak RSS shows.
caf::behavior producer(caf::event_based_actor* self, const caf::actor& target, std::uint64_t count) {
  return {[=](go_atom) {
    for (std::uint64_t i = 0; i < count; ++i) self->send(target, static_cast<int>(i));
  }};
}

bool mailbox(caf::actor_system& system, const Args& args, const Report& report) {
  const std::uint64_t count = args.count.value_or(10'000'000);
  caf::scoped_actor self{system};
  const caf::actor sink = system.spawn(consumer, caf::actor{self}, count);
  const caf::actor source = system.spawn(producer, sink, count);
  const Timer timer;
  self->send(source, go_atom::value);
  const std::uint64_t sum = await_done(self);
  const double seconds = timer.seconds();
  stop_all({source, sink});
  if (!check(args.workload, sum, sum_below(count))) return false;
  report.figure("", static_cast<double>(count) / seconds, "msgs/s");
  return true;
}

caf::behavior ponger(caf::event_based_actor* self) {
  return {[=](int n) { self->send(caf::actor_cast<caf::actor>(self->current_sender()), n); }};
}

// Round trip n is complete when n comes back; the checksum is the last n.
caf::behavior pinger(caf::event_based_actor* self, const caf::actor& pong, const caf::actor& report_to, int rounds) {
  return {
      [=](go_atom) { self->send(pong, 1); },
      [=](int n) {
        if (n == rounds) {
          self->send(report_to, done_atom::value, static_cast<std::uint64_t>(n));
        } else {
          self->send(pong, n + 1);
        }
      },
  };
}

bool pingpong(caf::actor_system& system, const Args& args, const Report& report) {
  const std::uint64_t rounds = args.count.value_or(1'000'000);
  caf::scoped_actor self{system};
  const caf::actor pong = system.spawn(ponger);
  const caf::actor ping = system.spawn(pinger, pong, caf::actor{self}, static_cast<int>(rounds));
  const Timer timer;
  self->send(ping, go_atom::value);
  const std::uint64_t last = await_done(self);
  const double seconds = timer.seconds();
  stop_all({ping, pong});
  if (!check(args.workload, last, rounds)) return false;
  report.figure("", static_cast<double>(rounds) / seconds, "round_trips/s");
  return true;
}

bool fanin(caf::actor_system& system, const Args& args, const Report& report) {
  constexpr std::uint64_t kProducers = 64;
  const std::uint64_t per_producer = args.count.value_or(10'000'000) / kProducers;
  if (per_producer == 0) {
    std::fprintf(stderr, "caf fanin: --count must be at least %llu\n", static_cast<unsigned long long>(kProducers));
    return false;
  }
  const std::uint64_t total = per_producer * kProducers;
  caf::scoped_actor self{system};
  std::vector<caf::actor> actors;
  actors.push_back(system.spawn(consumer, caf::actor{self}, total));
  for (std::uint64_t p = 0; p < kProducers; ++p) actors.push_back(system.spawn(producer, actors.front(), per_producer));
  const Timer timer;
  for (std::size_t p = 1; p < actors.size(); ++p) self->send(actors[p], go_atom::value);
  const std::uint64_t sum = await_done(self);
  const double seconds = timer.seconds();
  stop_all(actors);
  if (!check(args.workload, sum, kProducers * sum_below(per_producer))) return false;
  report.figure("", static_cast<double>(total) / seconds, "msgs/s");
  return true;
}

// The body runs when CAF first schedules the actor, so the counter says the
// actor is initialised and able to receive, not merely allocated.
caf::behavior idle(caf::event_based_actor*, std::atomic<std::uint64_t>* initialised) {
  initialised->fetch_add(1, std::memory_order_release);
  return {[](int) {}};
}

// spawns/s counts from the first spawn until every actor has been initialised.
bool spawn(caf::actor_system& system, const Args& args, const Report& report) {
  const std::uint64_t count = args.count.value_or(100'000);
  // Sized (and so touched) before the first RSS reading so that the handles
  // themselves are not counted per actor.
  std::vector<caf::actor> actors(count);
  std::atomic<std::uint64_t> initialised{0};
  const std::uint64_t rss_before = lit::bench::current_rss_bytes();
  const Timer timer;
  for (caf::actor& actor : actors) actor = system.spawn(idle, &initialised);
  while (initialised.load(std::memory_order_acquire) < count) std::this_thread::yield();
  const double seconds = timer.seconds();
  const std::uint64_t rss_after = lit::bench::current_rss_bytes();
  stop_all(actors);
  if (rss_before == 0) {
    std::fprintf(stderr, "caf spawn: /proc/self/statm unreadable\n");
    return false;
  }
  report.figure("", static_cast<double>(count) / seconds, "spawns/s");
  report.figure("bytes_per_actor",
                (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / static_cast<double>(count),
                "bytes");
  return true;
}

// Restart k is the failure of generation k and the start of generation k+1.
// Each side writes only its own slot, and the down message and spawn between
// them order the writes before the main thread's reads after `done`.
struct RestartLog {
  std::vector<std::uint64_t> failed_ns;
  std::vector<std::uint64_t> running_ns;
};

// Fails on its first message, sent by itself, so that failing is a handled
// message like any other and not part of initialisation. The last generation
// reports instead of failing.
caf::behavior failing_child(caf::event_based_actor* self,
                            RestartLog* log,
                            const caf::actor& report_to,
                            std::uint64_t generation,
                            std::uint64_t restarts) {
  if (generation > 0) log->running_ns[generation - 1] = lit::bench::now_ns();
  if (generation == restarts) {
    self->send(report_to, done_atom::value, generation);
    return {};
  }
  self->send(self, fail_atom::value);
  return {[=](fail_atom) {
    log->failed_ns[generation] = lit::bench::now_ns();
    self->quit(caf::sec::runtime_error);
  }};
}

struct Generations {
  std::uint64_t current = 0;
};

// CAF has no supervisors; the nearest equivalent is monitoring the child and
// spawning a new one from the down message.
caf::behavior restarter(caf::stateful_actor<Generations>* self,
                        RestartLog* log,
                        const caf::actor& report_to,
                        std::uint64_t restarts) {
  self->set_down_handler([=](caf::down_msg&) {
    // The last generation's own exit also arrives here and must not respawn.
    if (++self->state.current <= restarts) {
      self->spawn<caf::monitored>(failing_child, log, report_to, self->state.current, restarts);
    }
  });
  return {[=](go_atom) { self->spawn<caf::monitored>(failing_child, log, report_to, std::uint64_t{0}, restarts); }};
}

double mean_latency_ns(const RestartLog& log, std::size_t first, std::size_t last) {
  double total = 0;
  for (std::size_t k = first; k < last; ++k) total += static_cast<double>(log.running_ns[k] - log.failed_ns[k]);
  return total / static_cast<double>(last - first);
}

bool restart(caf::actor_system& system, const Args& args, const Report& report) {
  const std::uint64_t restarts = args.count.value_or(100'000);
  RestartLog log{std::vector<std::uint64_t>(restarts), std::vector<std::uint64_t>(restarts)};
  caf::scoped_actor self{system};
  const caf::actor parent = system.spawn(restarter, &log, caf::actor{self}, restarts);
  const Timer timer;
  self->send(parent, go_atom::value);
  const std::uint64_t generation = await_done(self);
  const double seconds = timer.seconds();
  stop_all({parent});
  if (!check(args.workload, generation, restarts)) return false;
  const std::size_t n = log.failed_ns.size();
  const std::size_t window = std::min<std::size_t>(1000, n);
  report.figure("", static_cast<double>(restarts) / seconds, "restarts/s");
  report.figure("latency_ns", mean_latency_ns(log, 0, n), "ns");
  report.figure("first1k_latency_ns", mean_latency_ns(log, 0, window), "ns");
  report.figure("last1k_latency_ns", mean_latency_ns(log, n - window, n), "ns");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = lit::bench::parse_args(argc, argv, kWorkloads);
  bool (*workload)(caf::actor_system&, const Args&, const Report&) = nullptr;
  if (args.workload == "mailbox") {
    workload = mailbox;
  } else if (args.workload == "pingpong") {
    workload = pingpong;
  } else if (args.workload == "fanin") {
    workload = fanin;
  } else if (args.workload == "spawn") {
    workload = spawn;
  } else if (args.workload == "restart") {
    workload = restart;
  } else {
    lit::bench::exit_with_usage(argv[0], kWorkloads);
  }
  const Report report("caf", args.workload, args.threads);
  bool ok = false;
  {
    caf::actor_system_config config;
    config.set("scheduler.max-threads", static_cast<std::size_t>(args.threads));
    caf::actor_system system{config};
    ok = workload(system, args, report);
  }  // The system's destructor waits for every actor to finish.
  if (!ok) return 1;
  report.figure("peak_rss", static_cast<double>(lit::bench::peak_rss_bytes()), "bytes");
  return 0;
}

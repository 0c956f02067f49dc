// The libuv port across two loop threads (a LoopGroup of two UvPort loops):
// loop 0's code sending to an actor on loop 1, and ping-pong between the two.
// Each figure is printed beside the same workload on BenchPort's two threads
// (bench/actor_bench, run as a subprocess in the same run) and their ratio; a
// wrong count or a hang fails the run instead of printing a figure.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "baselines/report.hpp"
#include "bench_port.hpp"
#include "lit/runtime.hpp"
#include "port/loop_group.hpp"

namespace {

namespace dsl = lit::chart::dsl;
using lit::bench::now_ns;
using lit::bench::Report;
using lit::chart::Step;
using lit::daemon::LoopGroup;

constexpr std::uint16_t kCapacity = 1024;  // actor_bench's remote inbox for the consumer
constexpr auto kHang = std::chrono::seconds(120);

struct Item {
  std::uint32_t value = 0;
};

// ---- the baseline: actor_bench's BenchPort run of the same workload ------------------------------

// Runs `actor_bench <workload> --threads 2 --count N` and returns its
// `lit.<workload>.2t VALUE UNIT` figure.
std::optional<double> benchport_figure(const std::string& actor_bench, std::string_view workload, std::uint64_t count) {
  const std::string command =
      actor_bench + " " + std::string(workload) + " --threads 2 --count " + std::to_string(count);
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  const std::string wanted = "lit." + std::string(workload) + ".2t ";
  std::optional<double> figure;
  std::array<char, 256> line{};
  while (std::fgets(line.data(), static_cast<int>(line.size()), pipe) != nullptr) {
    const std::string_view text(line.data());
    if (text.starts_with(wanted)) figure = std::strtod(line.data() + wanted.size(), nullptr);
  }
  if (pclose(pipe) != 0) return std::nullopt;
  return figure;
}

// ---- mailbox: loop 0's code sends, one consumer actor on loop 1 ------------------------------------

struct Sink {
  struct Params {
    std::uint64_t expected = 0;
    std::promise<std::uint64_t>* done_ns = nullptr;
  };
  explicit Sink(const Params& params) : params(params) {}
  Params params;
  std::uint64_t received = 0;
  std::uint64_t sum = 0;
};

constexpr auto sink_chart = lit::chart::define<Sink>(
    "sink", dsl::initial("run"), dsl::state("run", dsl::on("item").then([](Sink& sink, Step& step) {
      sink.sum += static_cast<const Item*>(step.event().data)->value;
      if (++sink.received == sink.params.expected) sink.params.done_ns->set_value(now_ns());
    })));
constexpr lit::chart::EventId kItem = sink_chart.event("item");
using SinkActor = lit::Actor<sink_chart, lit::MailboxConfig{.capacity = 16, .remote_capacity = kCapacity}, Item>;

bool start_on(LoopGroup& group, std::size_t loop, lit::ActorCore& actor) {
  lit::Reason failure;
  if (group.start_actor(loop, actor, failure)) return true;
  std::fprintf(stderr, "uv: an actor failed to start: %s\n", failure.text);
  return false;
}

std::optional<double> uv_mailbox(std::uint64_t count) {
  std::promise<std::uint64_t> done;
  std::future<std::uint64_t> done_ns = done.get_future();
  SinkActor sink(SinkActor::Params{count, &done});
  LoopGroup group({.workers = 2});
  if (!group.start() || !start_on(group, 1, sink)) return std::nullopt;
  std::promise<std::uint64_t> started;
  std::future<std::uint64_t> start_ns = started.get_future();
  group.call(0, [&] {
    lit::Scheduler& scheduler = group.scheduler(0);
    const lit::Address<Item> target = sink.address();
    lit::bench::Backoff backoff;
    started.set_value(now_ns());
    for (std::uint64_t i = 0; i < count; ++i) {
      lit::SendResult sent = scheduler.send(target, kItem, Item{static_cast<std::uint32_t>(i)});
      while (sent == lit::SendResult::full) {  // the consumer drains on loop 1 meanwhile
        if (!backoff.pause()) backoff.reset();
        sent = scheduler.send(target, kItem, Item{static_cast<std::uint32_t>(i)});
      }
      backoff.reset();
      if (sent != lit::SendResult::ok) {
        std::fprintf(stderr, "uv mailbox: send failed (%d)\n", static_cast<int>(sent));
        std::abort();
      }
    }
  });
  if (done_ns.wait_for(kHang) != std::future_status::ready) {
    std::fprintf(stderr, "uv mailbox: no progress for %lld s\n", static_cast<long long>(kHang.count()));
    std::_Exit(1);
  }
  const std::uint64_t finished = done_ns.get();
  const std::uint64_t began = start_ns.get();
  group.stop();
  const std::uint64_t want = count * (count - 1) / 2;
  if (sink.context().sum != want) {
    std::fprintf(stderr,
                 "uv mailbox: sum %llu, expected %llu\n",
                 static_cast<unsigned long long>(sink.context().sum),
                 static_cast<unsigned long long>(want));
    return std::nullopt;
  }
  return static_cast<double>(count) / (static_cast<double>(finished - began) * 1e-9);
}

// ---- pingpong: one actor per loop, the ball crosses the loops both ways ---------------------------

struct Rally {
  std::uint32_t rounds = 0;
  std::array<lit::Address<Item>, 2> players{};
  std::promise<std::uint64_t> done_ns;
};

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
    "player",
    dsl::initial("play"),
    dsl::state("play", dsl::on("ball").then([](Player& player, Step& step) { play(player, step); })));
constexpr lit::chart::EventId kBall = player_chart.event("ball");
using PlayerActor = lit::Actor<player_chart, lit::MailboxConfig{.capacity = 4, .remote_capacity = 4}, Item>;

// Player 0 serves and counts the returns; player 1 returns what it gets.
void play(Player& player, Step& step) {
  std::uint32_t n = static_cast<const Item*>(step.event().data)->value;
  Rally& rally = *player.rally;
  if (player.index == 0) {
    if (n == rally.rounds) {
      rally.done_ns.set_value(now_ns());
      return;
    }
    ++n;
  }
  const lit::SendResult sent = lit::scheduler_of(step).send(rally.players.at(1 - player.index), kBall, Item{n});
  if (sent != lit::SendResult::ok) step.fail("the ball was not returned");
}

std::optional<double> uv_pingpong(std::uint64_t rounds) {
  Rally rally;
  rally.rounds = static_cast<std::uint32_t>(rounds);
  std::future<std::uint64_t> done_ns = rally.done_ns.get_future();
  PlayerActor serve(PlayerActor::Params{&rally, 0});
  PlayerActor answer(PlayerActor::Params{&rally, 1});
  LoopGroup group({.workers = 2});
  if (!group.start() || !start_on(group, 0, serve) || !start_on(group, 1, answer)) return std::nullopt;
  rally.players = {serve.address(), answer.address()};
  const std::uint64_t began = now_ns();
  if (lit::post(serve.address(), kBall, Item{0}) != lit::SendResult::ok) return std::nullopt;
  if (done_ns.wait_for(kHang) != std::future_status::ready) {
    std::fprintf(stderr, "uv pingpong: no progress for %lld s\n", static_cast<long long>(kHang.count()));
    std::_Exit(1);
  }
  const std::uint64_t finished = done_ns.get();
  group.stop();
  return static_cast<double>(rounds) / (static_cast<double>(finished - began) * 1e-9);
}

// ---- the command line and the comparison ------------------------------------------------------------

struct Options {
  std::string actor_bench;
  std::uint64_t messages = 10'000'000;
  std::uint64_t rounds = 100'000;
};

[[noreturn]] void usage(const char* program) {
  std::fprintf(stderr, "usage: %s --actor-bench PATH [--messages N] [--rounds N]\n", program);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) usage(argv[0]);
    const std::string_view option = argv[i];
    const char* value = argv[i + 1];
    if (option == "--actor-bench") {
      options.actor_bench = value;
    } else if (option == "--messages" || option == "--rounds") {
      char* end = nullptr;
      const unsigned long long number = std::strtoull(value, &end, 10);
      if (end == value || *end != '\0' || number < 2 || number > 0xFFFF'FFFFULL) usage(argv[0]);
      (option == "--messages" ? options.messages : options.rounds) = number;
    } else {
      usage(argv[0]);
    }
  }
  if (options.actor_bench.empty()) usage(argv[0]);
  return options;
}

// Prints `uv.<workload>.2t`, the BenchPort baseline and their ratio; false
// if either run failed.
bool compare(std::string_view workload,
             std::string_view unit,
             std::optional<double> uv,
             std::optional<double> baseline,
             double target) {
  const Report report("uv", workload, 2);
  if (!uv) {
    std::fprintf(stderr, "uv %.*s: the run failed\n", static_cast<int>(workload.size()), workload.data());
    return false;
  }
  report.figure("", *uv, unit);
  if (target > 0) report.figure("target", target, unit);
  if (!baseline || *baseline <= 0) {
    std::fprintf(
        stderr, "uv %.*s: the BenchPort baseline failed\n", static_cast<int>(workload.size()), workload.data());
    return false;
  }
  report.figure("benchport_baseline", *baseline, unit);
  report.figure("ratio_to_benchport", *uv / *baseline, "x");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  // The baseline first, then the port: one after the other, never competing.
  const std::optional<double> mailbox_baseline = benchport_figure(options.actor_bench, "mailbox", options.messages);
  const std::optional<double> mailbox = uv_mailbox(options.messages);
  const std::optional<double> pingpong_baseline = benchport_figure(options.actor_bench, "pingpong", options.rounds);
  const std::optional<double> pingpong = uv_pingpong(options.rounds);
  const bool mailbox_ok = compare("mailbox", "msgs/s", mailbox, mailbox_baseline, 10'000'000.0);
  const bool pingpong_ok = compare("pingpong", "round_trips/s", pingpong, pingpong_baseline, 0);
  return mailbox_ok && pingpong_ok ? 0 : 1;
}

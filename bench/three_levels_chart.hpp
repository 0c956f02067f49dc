// The dispatch benchmark's workload, shared by the host benchmark
// (bench/statechart_bench.cpp) and the Cortex-M3 instruction count
// (bench/firmware/): a 3-level hierarchy (a > a1 > a11, b > b1 > b11) where
// every "flip" moves between the two deepest states, so each dispatch exits
// three states and enters three, each with an action that bumps that state's
// own entry or exit counter (distinct counters, as real actions do distinct
// things, so neither side can fold six actions into one addition). Beside it,
// the hand-written switch machine doing the same work, as the baseline. Only
// the shared core; builds anywhere.
#pragma once

#include <cstdint>

#include "lit/chart/dsl.hpp"

namespace lit::bench {

struct Counter {
  std::uint32_t entries[6] = {};
  std::uint32_t exits[6] = {};
  std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (int i = 0; i < 6; ++i) sum += entries[i] + exits[i];
    return sum;
  }
};

#define LIT_BENCH_BUMP(i) entry([](Counter& c) { ++c.entries[i]; }), exit([](Counter& c) { ++c.exits[i]; })

inline constexpr auto three_levels = [] {
  using namespace lit::chart::dsl;
  return lit::chart::define<Counter>(
      "three_levels",
      initial("a"),
      state("a",
            LIT_BENCH_BUMP(0),
            initial("a1"),
            state("a1", LIT_BENCH_BUMP(1), initial("a11"), state("a11", LIT_BENCH_BUMP(2), on("flip").to("b11")))),
      state("b",
            LIT_BENCH_BUMP(3),
            initial("b1"),
            state("b1", LIT_BENCH_BUMP(4), initial("b11"), state("b11", LIT_BENCH_BUMP(5), on("flip").to("a11")))));
}();

#undef LIT_BENCH_BUMP

// Counter increments per flip: three exits and three entries.
inline constexpr std::uint64_t kThreeLevelsWorkPerEvent = 6;

// Runs charts that use no host services; only the dispatch itself is measured.
class NullHost final : public lit::chart::Host {
 public:
  void arm_timer(lit::chart::Machine&, std::uint16_t, std::uint32_t) override {}
  void cancel_timer(lit::chart::Machine&, std::uint16_t) override {}
  void send_after(lit::chart::Machine&, lit::chart::EventId, std::uint32_t) override {}
  bool defer(lit::chart::Machine&, const lit::chart::Event&) override { return false; }
  void recall(lit::chart::Machine&) override {}
  void start_activity(lit::chart::Machine&, std::uint16_t) override {}
  void cancel_activity(lit::chart::Machine&, std::uint16_t) override {}
  void log(lit::chart::Machine&, std::string_view, std::string_view) override {}
  void trace(lit::chart::Machine&, lit::chart::TraceRecord) override {}
};

// The hand-written equivalent of three_levels: what a careful C programmer
// writes, with the entry and exit work inlined into dispatch(). dispatch() is
// kept out of line, as it is when events come from a queue in an event loop;
// inlined into a benchmark loop, the compiler would fold successive events
// together and measure nothing.
class SwitchMachine {
 public:
  enum class State : std::uint8_t { a11, b11 };
  enum class Event : std::uint8_t { flip, other };

  explicit SwitchMachine(Counter& counter) : counter_(counter) { enter_a(); }

  [[gnu::noinline]] void dispatch(Event event) {
    switch (state_) {
      case State::a11:
        if (event == Event::flip) {
          exit_a();
          enter_b();
        }
        break;
      case State::b11:
        if (event == Event::flip) {
          exit_b();
          enter_a();
        }
        break;
    }
  }

 private:
  void enter_a() {
    ++counter_.entries[0];
    ++counter_.entries[1];
    ++counter_.entries[2];
    state_ = State::a11;
  }
  void exit_a() {
    ++counter_.exits[2];
    ++counter_.exits[1];
    ++counter_.exits[0];
  }
  void enter_b() {
    ++counter_.entries[3];
    ++counter_.entries[4];
    ++counter_.entries[5];
    state_ = State::b11;
  }
  void exit_b() {
    ++counter_.exits[5];
    ++counter_.exits[4];
    ++counter_.exits[3];
  }

  Counter& counter_;
  State state_ = State::a11;
};

}  // namespace lit::bench

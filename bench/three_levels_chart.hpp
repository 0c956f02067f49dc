// The dispatch benchmark's workload, shared by the host benchmark and the
// Cortex-M3 instruction count (bench/firmware/): a 3-level hierarchy
// (a > a1 > a11, b > b1 > b11) where every "flip" moves between the two deepest
// states, so each dispatch exits three states and enters three, each with an
// action that bumps a counter. Beside it, the hand-written switch machine doing
// the same work, as the baseline, and a host that provides nothing (the chart
// needs no timers, deferral or activities). Only the shared core; builds anywhere.
#pragma once

#include <cstdint>

#include "lit/chart/dsl.hpp"
#include "lit/chart/machine.hpp"

namespace lit::bench {

struct Counter {
  std::uint64_t value = 0;
};

inline constexpr auto three_levels = [] {
  using namespace lit::chart::dsl;
  constexpr auto bump = [](Counter& counter) { ++counter.value; };
  return lit::chart::define<Counter>("three_levels",
                                     initial("a"),
                                     state("a",
                                           entry(bump),
                                           exit(bump),
                                           initial("a1"),
                                           state("a1",
                                                 entry(bump),
                                                 exit(bump),
                                                 initial("a11"),
                                                 state("a11", entry(bump), exit(bump), on("flip").to("b11")))),
                                     state("b",
                                           entry(bump),
                                           exit(bump),
                                           initial("b1"),
                                           state("b1",
                                                 entry(bump),
                                                 exit(bump),
                                                 initial("b11"),
                                                 state("b11", entry(bump), exit(bump), on("flip").to("a11")))));
}();

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
// writes, with the entry and exit work inlined.
class SwitchMachine {
 public:
  enum class State : std::uint8_t { a11, b11 };
  enum class Event : std::uint8_t { flip, other };

  explicit SwitchMachine(Counter& counter) : counter_(counter) { enter_a(); }

  void dispatch(Event event) {
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
    ++counter_.value;  // a
    ++counter_.value;  // a1
    ++counter_.value;  // a11
    state_ = State::a11;
  }
  void exit_a() { counter_.value += 3; }
  void enter_b() {
    ++counter_.value;
    ++counter_.value;
    ++counter_.value;
    state_ = State::b11;
  }
  void exit_b() { counter_.value += 3; }

  Counter& counter_;
  State state_ = State::a11;
};

}  // namespace lit::bench

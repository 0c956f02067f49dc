// The firmware actor benchmarks' workload: a two-state chart where every
// "toggle" is one transition with one exit and one entry action, each bumping
// its own counter; beside it, the same machine written by hand as a switch, the
// baseline. Only the shared core; builds anywhere.
#pragma once

#include <cstdint>

#include "lit/chart/dsl.hpp"

namespace lit::bench {

struct Toggles {
  std::uint32_t entries[2] = {};
  std::uint32_t exits[2] = {};
  std::uint32_t total() const { return entries[0] + entries[1] + exits[0] + exits[1]; }
};

inline constexpr auto toggle_chart = [] {
  using namespace lit::chart::dsl;
  return lit::chart::define<Toggles>("toggle",
                                     initial("off"),
                                     state("off",
                                           entry([](Toggles& t) { ++t.entries[0]; }),
                                           exit([](Toggles& t) { ++t.exits[0]; }),
                                           on("toggle").to("on")),
                                     state("on",
                                           entry([](Toggles& t) { ++t.entries[1]; }),
                                           exit([](Toggles& t) { ++t.exits[1]; }),
                                           on("toggle").to("off")));
}();

// Counter increments per toggle: one exit and one entry.
inline constexpr std::uint32_t kToggleWorkPerEvent = 2;

// The hand-written equivalent, dispatch() kept out of line as it is when events
// come from a queue.
class SwitchToggle {
 public:
  explicit SwitchToggle(Toggles& toggles) : toggles_(toggles) { ++toggles_.entries[0]; }

  [[gnu::noinline]] void dispatch() {
    if (on_) {
      ++toggles_.exits[1];
      ++toggles_.entries[0];
    } else {
      ++toggles_.exits[0];
      ++toggles_.entries[1];
    }
    on_ = !on_;
  }

 private:
  Toggles& toggles_;
  bool on_ = false;
};

}  // namespace lit::bench

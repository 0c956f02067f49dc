// Test helpers: run a DSL chart on the simulated host and read back what it did.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "lit/statechart.hpp"
#include "sim/chart_host.hpp"

namespace lit::chart::testing {

struct Empty {};

// The sorted ids of the active atomic states.
inline std::vector<std::string> atomic_names(const Machine& machine) {
  std::vector<std::string> names;
  for (StateSet rest = machine.atomic_configuration(); rest != 0; rest &= rest - 1) {
    names.emplace_back(machine.table().states[lowest_bit(rest)].name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The ids of every active state, in document order.
inline std::vector<std::string> all_names(const Machine& machine) {
  std::vector<std::string> names;
  for (StateSet rest = machine.configuration(); rest != 0; rest &= rest - 1) {
    names.emplace_back(machine.table().states[lowest_bit(rest)].name);
  }
  return names;
}

template <const auto& Definition, class Context = typename std::remove_cvref_t<decltype(Definition)>::Context>
struct ChartRun {
  explicit ChartRun(sim::ChartHost::Options options = {}) : host(options), machine(context, host) {}

  Outcome start() { return machine.start(); }
  Outcome send(EventId event) { return host.send(machine, event); }
  std::vector<std::string> atomic() const { return atomic_names(machine); }
  std::vector<std::string> active() const { return all_names(machine); }

  // The log actions run so far as "label text", then forgets them.
  std::vector<std::string> take_log() {
    std::vector<std::string> fresh;
    for (std::size_t i = seen_; i < host.logs().size(); ++i)
      fresh.push_back(host.logs()[i].label + " " + host.logs()[i].text);
    seen_ = host.logs().size();
    return fresh;
  }

  Context context{};
  sim::ChartHost host;
  Instance<Definition> machine;

 private:
  std::size_t seen_ = 0;
};

using Lines = std::vector<std::string>;

}  // namespace lit::chart::testing

// Configuration <-> names; see configuration.hpp.
#include "chart/configuration.hpp"

#include <algorithm>
#include <stdexcept>

#include "lit/chart/entry_set.hpp"

namespace lit::tools {

std::vector<std::string> state_names(const chart::Table& table, chart::StateSet states) {
  std::vector<std::string> names;
  for (; states != 0; states &= states - 1) names.emplace_back(table.states[chart::lowest_bit(states)].name);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> atomic_configuration(const chart::Table& table, chart::StateSet configuration) {
  return state_names(table, configuration & table.atomic_states);
}

chart::StateSet states_named(const chart::Table& table, const std::vector<std::string>& names) {
  chart::StateSet states = 0;
  for (const std::string& name : names) {
    const chart::StateIndex index = table.find_state(name);
    if (index == chart::kRoot) throw std::invalid_argument("unknown state '" + name + "'");
    states |= chart::bit(index);
  }
  return states;
}

}  // namespace lit::tools

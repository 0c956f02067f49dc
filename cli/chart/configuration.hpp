// A chart's configuration as people read it: state names, sorted. Used by
// `lit-chart simulate`, the renderers' highlighting and the tests. Host-only; pure.
#pragma once

#include <string>
#include <vector>

#include "lit/chart/table.hpp"

namespace lit::tools {

// Names of the states in `states`, sorted alphabetically (byte order).
std::vector<std::string> state_names(const chart::Table& table, chart::StateSet states);

// The atomic (and final) states of a configuration, by name, sorted.
std::vector<std::string> atomic_configuration(const chart::Table& table, chart::StateSet configuration);

// The states named in `names`; throws std::invalid_argument naming the first unknown one.
chart::StateSet states_named(const chart::Table& table, const std::vector<std::string>& names);

}  // namespace lit::tools

// Renders a chart as a Graphviz digraph: compound states and parallel states
// as clusters (parallel ones bold, their regions dashed), initial pseudo-states
// as dots, final states as double circles, history as H / H* circles, edges
// labelled "event [guard] / actions". Host-only; pure.
#pragma once

#include <string>

#include "chart/diagram.hpp"

namespace lit::tools {

std::string render_dot(const chart::Table& table, const DiagramOptions& options = {});

}  // namespace lit::tools

// Renders a chart as a Mermaid stateDiagram-v2: compound and parallel states
// as nested composite states, "--" between parallel regions, "[*] -->" for
// initial states, "--> [*]" after final states, history as "H" / "H*" states,
// edges labelled "event [guard] / actions". Host-only; pure.
#pragma once

#include <string>

#include "chart/diagram.hpp"

namespace lit::tools {

std::string render_mermaid(const chart::Table& table, const DiagramOptions& options = {});

}  // namespace lit::tools

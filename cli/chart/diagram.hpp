// What the Graphviz and Mermaid renderers share: the state tree of a Table and
// the text of its labels ("event [guard] / actions"), so both diagrams say the
// same thing. Works on any Table (SCXML-loaded or DSL-defined). Host-only; pure.
#pragma once

#include <string>
#include <vector>

#include "lit/chart/table.hpp"

namespace lit::tools {

struct DiagramOptions {
  // States to highlight, e.g. a running machine's configuration(); 0 for none.
  chart::StateSet active = 0;
};

// Children of `parent` (kRoot for the top level), history states included, in document order.
std::vector<chart::StateIndex> children_of(const chart::Table& table, chart::StateIndex parent);

// "power", "a b", "after 500ms", "" for eventless transitions.
std::string trigger_label(const chart::Table& table, const chart::TransitionRow& transition);
// "raise go, send tick after 500ms, log 'hello'".
std::string actions_label(const chart::Table& table, std::uint16_t begin, std::uint16_t count);
// "event [guard] / actions", each part only when present.
std::string transition_label(const chart::Table& table, const chart::TransitionRow& transition);

// Lines describing what a state does without leaving it: "entry / ...",
// "exit / ...", and one line per targetless transition ("tick / log 'x'").
std::vector<std::string> state_reactions(const chart::Table& table, chart::StateIndex state);

// Targets of a transition, in the order written.
std::vector<chart::StateIndex> targets_of(const chart::Table& table, const chart::TransitionRow& transition);

}  // namespace lit::tools

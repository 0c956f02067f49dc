// `litctl chart`: a ChartReply (the statechart litd runs for an actor, with
// its active configuration) rebuilt as a host Table and drawn by cli/chart's
// Graphviz or Mermaid renderer, the active states highlighted. Pure; any
// thread; never prints.
#pragma once

#include <optional>
#include <string>

#include "control.pb.h"

namespace lit::litctl {

enum class ChartFormat : bool { dot, mermaid };

// The diagram, or nullopt with `error` set when the reply does not describe a
// valid chart (a state out of range, more than 64 states).
std::optional<std::string> render_chart(const control::ChartReply& reply, ChartFormat format, std::string& error);

}  // namespace lit::litctl

// Graphviz output; see render_dot.hpp. Edges cannot end on a cluster, so each
// cluster has a node that stands for it (its initial dot, or an invisible
// anchor for a parallel state) and edges are clipped with lhead/ltail.
#include "chart/render_dot.hpp"

#include "lit/chart/entry_set.hpp"

namespace lit::tools {

namespace {

using chart::StateIndex;
using chart::StateKind;

constexpr const char* kActiveFill = "#fde68a";
constexpr const char* kActiveLine = "#b45309";

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

class DotWriter {
 public:
  DotWriter(const chart::Table& table, const DiagramOptions& options) : table_(table), options_(options) {}

  std::string render() {
    out_ += "digraph " + quote(table_.name) + " {\n";
    out_ += "  compound=true;\n";
    out_ += "  fontname=\"Helvetica\";\n";
    out_ += "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];\n";
    out_ += "  edge [fontname=\"Helvetica\", fontsize=10];\n";
    out_ += "  start [shape=point, width=0.15, label=\"\"];\n";
    for (const StateIndex child : children_of(table_, chart::kRoot)) state(child, 1);
    edges();
    out_ += "}\n";
    return out_;
  }

 private:
  static std::string id(StateIndex state) { return "s" + std::to_string(state); }
  bool cluster(StateIndex state) const {
    return table_.states[state].kind == StateKind::compound || table_.states[state].kind == StateKind::parallel;
  }
  bool active(StateIndex state) const { return (options_.active & chart::bit(state)) != 0; }

  // The node an edge to or from `state` attaches to.
  std::string endpoint(StateIndex state) const {
    switch (table_.states[state].kind) {
      case StateKind::compound: return id(state) + "_initial";
      case StateKind::parallel: return id(state) + "_anchor";
      default: return id(state);
    }
  }

  std::string label_of(StateIndex state, std::string_view suffix) const {
    std::string label = std::string(table_.states[state].name) + std::string(suffix);
    for (const std::string& line : state_reactions(table_, state)) label += "\n" + line;
    return label;
  }

  void state(StateIndex state, int depth) {
    const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
    const chart::StateRow& row = table_.states[state];
    const bool region = row.parent != chart::kRoot && table_.states[row.parent].kind == StateKind::parallel;
    switch (row.kind) {
      case StateKind::atomic:
      case StateKind::final: {
        std::string attributes = "label=" + quote(label_of(state, ""));
        if (row.kind == StateKind::final) attributes += ", shape=doublecircle";
        if (region || active(state)) {
          attributes +=
              std::string(", style=\"rounded") + (region ? ",dashed" : "") + (active(state) ? ",filled" : "") + "\"";
        }
        if (active(state)) attributes += std::string(", fillcolor=\"") + kActiveFill + "\"";
        out_ += indent + id(state) + " [" + attributes + "];\n";
        return;
      }
      case StateKind::shallow_history:
      case StateKind::deep_history: {
        const char* mark = row.kind == StateKind::deep_history ? "H*" : "H";
        std::string attributes =
            "shape=circle, fixedsize=true, width=0.35, label=\"" + std::string(mark) + "\", xlabel=" + quote(row.name);
        if (active(state)) attributes += std::string(", style=filled, fillcolor=\"") + kActiveFill + "\"";
        out_ += indent + id(state) + " [" + attributes + "];\n";
        return;
      }
      case StateKind::compound:
      case StateKind::parallel: break;
    }
    const bool parallel = row.kind == StateKind::parallel;
    out_ += indent + "subgraph cluster_" + id(state) + " {\n";
    out_ += indent + "  label=" + quote(label_of(state, parallel ? " (parallel)" : "")) + ";\n";
    std::string style = parallel ? "rounded,bold" : (region ? "rounded,dashed" : "rounded");
    if (active(state)) {
      style += ",filled";
      out_ += indent + "  color=\"" + kActiveLine + "\";\n";
      out_ += indent + "  penwidth=2;\n";
      out_ += indent + "  fillcolor=\"#fffbeb\";\n";
    }
    out_ += indent + "  style=\"" + style + "\";\n";
    if (parallel) {
      out_ += indent + "  " + endpoint(state) + " [shape=point, style=invis, width=0.01, height=0.01, label=\"\"];\n";
    } else {
      out_ += indent + "  " + endpoint(state) + " [shape=point, width=0.12, label=\"\"];\n";
    }
    for (const StateIndex child : children_of(table_, state)) this->state(child, depth + 1);
    out_ += indent + "}\n";
  }

  bool inside(StateIndex state, StateIndex container) const {
    return (table_.states[container].descendants & chart::bit(state)) != 0;
  }

  void edge(
      const std::string& tail, StateIndex from, StateIndex to, const std::string& label, const std::string& extra) {
    std::string attributes;
    const auto add = [&](const std::string& attribute) {
      if (!attributes.empty()) attributes += ", ";
      attributes += attribute;
    };
    if (!label.empty()) add("label=" + quote(label));
    if (from != chart::kRoot && from != to && cluster(from) && !inside(to, from)) add("ltail=cluster_" + id(from));
    if (from != to && cluster(to) && (from == chart::kRoot || !inside(from, to))) add("lhead=cluster_" + id(to));
    if (!extra.empty()) add(extra);
    out_ += "  " + tail + " -> " + endpoint(to) + (attributes.empty() ? "" : " [" + attributes + "]") + ";\n";
  }

  void edges() {
    const chart::TransitionRow& root_initial = table_.transitions[table_.initial];
    for (const StateIndex target : targets_of(table_, root_initial)) {
      edge("start",
           chart::kRoot,
           target,
           actions_label(table_, root_initial.action_begin, root_initial.action_count),
           "");
    }
    for (std::uint16_t i = 0; i < table_.state_count; ++i) {
      const auto state = static_cast<StateIndex>(i);
      const chart::StateRow& row = table_.states[state];
      if (row.initial != chart::kNone) {
        const chart::TransitionRow& initial = table_.transitions[row.initial];
        const std::string label = actions_label(table_, initial.action_begin, initial.action_count);
        const bool history = chart::is_history(row.kind);
        for (const StateIndex target : targets_of(table_, initial)) {
          // An initial dot lies inside its own cluster: no ltail.
          edge(endpoint(state), history ? state : chart::kRoot, target, label, history ? "style=dashed" : "");
        }
      }
      for (std::uint16_t t = row.first_transition; t < row.first_transition + row.transition_count; ++t) {
        const chart::TransitionRow& transition = table_.transitions[t];
        const std::string label = transition_label(table_, transition);
        for (const StateIndex target : targets_of(table_, transition)) edge(endpoint(state), state, target, label, "");
      }
    }
  }

  const chart::Table& table_;
  const DiagramOptions& options_;
  std::string out_;
};

}  // namespace

std::string render_dot(const chart::Table& table, const DiagramOptions& options) {
  return DotWriter(table, options).render();
}

}  // namespace lit::tools

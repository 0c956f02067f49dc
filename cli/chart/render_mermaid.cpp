// Mermaid output; see render_mermaid.hpp. Mermaid ids must be plain words, so
// other state names get an alias ("state "a.b" as s3"). Each edge is written in
// the innermost composite state that holds both its ends, after that state's
// children are declared, so Mermaid never invents a state in the wrong scope.
#include "chart/render_mermaid.hpp"

#include <map>
#include <set>

#include "lit/chart/entry_set.hpp"

namespace lit::tools {

namespace {

using chart::StateIndex;
using chart::StateKind;

bool plain_word(std::string_view name) {
  static const std::set<std::string_view> reserved = {"state",
                                                      "note",
                                                      "end",
                                                      "as",
                                                      "direction",
                                                      "classDef",
                                                      "class",
                                                      "left",
                                                      "right",
                                                      "of",
                                                      "over",
                                                      "TB",
                                                      "BT",
                                                      "LR",
                                                      "RL",
                                                      "hide"};
  if (name.empty() || reserved.count(name) != 0) return false;
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(name.front())) return false;
  for (const char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Mermaid reads '#' and ';' as markup and a label ends at the line's end.
std::string escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '#': out += "#35;"; break;
      case ';': out += "#59;"; break;
      case '"': out += "#quot;"; break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

class MermaidWriter {
 public:
  MermaidWriter(const chart::Table& table, const DiagramOptions& options) : table_(table), options_(options) {
    std::set<std::string> taken;
    for (std::uint16_t i = 0; i < table_.state_count; ++i) {
      if (plain_word(table_.states[i].name) && !chart::is_history(table_.states[i].kind))
        taken.emplace(table_.states[i].name);
    }
    for (std::uint16_t i = 0; i < table_.state_count; ++i) {
      const chart::StateRow& row = table_.states[i];
      if (plain_word(row.name) && !chart::is_history(row.kind)) {
        ids_.emplace_back(row.name);
        continue;
      }
      std::string alias = "s" + std::to_string(i);
      while (taken.count(alias) != 0) alias += '_';
      taken.insert(alias);
      ids_.push_back(alias);
    }
    collect_edges();
  }

  std::string render() {
    out_ += "stateDiagram-v2\n";
    scope(chart::kRoot, 1);
    std::string active;
    for (std::uint16_t i = 0; i < table_.state_count; ++i) {
      if ((options_.active & table_.atomic_states & chart::bit(i)) == 0) continue;
      active += (active.empty() ? "" : ",") + ids_[i];
    }
    if (!active.empty()) {
      out_ += "    classDef active fill:#fde68a,stroke:#b45309,stroke-width:2px\n";
      out_ += "    class " + active + " active\n";
    }
    return out_;
  }

 private:
  static std::string pad(int depth) { return std::string(static_cast<std::size_t>(depth) * 4, ' '); }

  // The innermost compound (not parallel) state that holds both ends, or the root.
  StateIndex scope_of(StateIndex from, StateIndex to) const {
    chart::StateSet common = table_.states[to].ancestors;
    if (from != chart::kRoot) common &= table_.states[from].ancestors;
    for (; common != 0; common &= ~chart::bit(chart::highest_bit(common))) {
      const auto candidate = static_cast<StateIndex>(chart::highest_bit(common));
      if (table_.states[candidate].kind == StateKind::compound) return candidate;
    }
    return chart::kRoot;
  }

  static std::string line(const std::string& from, const std::string& to, const std::string& label) {
    return from + " --> " + to + (label.empty() ? "" : " : " + escape(label));
  }

  void collect_edges() {
    for (std::uint16_t i = 0; i < table_.state_count; ++i) {
      const auto state = static_cast<StateIndex>(i);
      const chart::StateRow& row = table_.states[state];
      if (chart::is_history(row.kind) && row.initial != chart::kNone) {
        const chart::TransitionRow& fallback = table_.transitions[row.initial];
        const std::string label = actions_label(table_, fallback.action_begin, fallback.action_count);
        for (const StateIndex target : targets_of(table_, fallback)) {
          edges_[scope_of(state, target)].push_back(line(ids_[state], ids_[target], label));
        }
      }
      for (std::uint16_t t = row.first_transition; t < row.first_transition + row.transition_count; ++t) {
        const chart::TransitionRow& transition = table_.transitions[t];
        const std::string label = transition_label(table_, transition);
        for (const StateIndex target : targets_of(table_, transition)) {
          edges_[scope_of(state, target)].push_back(line(ids_[state], ids_[target], label));
        }
      }
    }
  }

  void declare(StateIndex state, int depth) {
    const chart::StateRow& row = table_.states[state];
    const std::string& id = ids_[state];
    if (chart::is_history(row.kind)) {
      out_ += pad(depth) + "state \"" + (row.kind == StateKind::deep_history ? "H*" : "H") + "\" as " + id + "\n";
      return;
    }
    if (id != row.name) out_ += pad(depth) + "state \"" + escape(row.name) + "\" as " + id + "\n";
    if (row.kind == StateKind::compound || row.kind == StateKind::parallel) {
      out_ += pad(depth) + "state " + id + " {\n";
      scope(state, depth + 1);
      out_ += pad(depth) + "}\n";
    } else if (id == row.name) {
      out_ += pad(depth) + id + "\n";
    }
    for (const std::string& reaction : state_reactions(table_, state))
      out_ += pad(depth) + id + " : " + escape(reaction) + "\n";
  }

  void scope(StateIndex parent, int depth) {
    const std::vector<StateIndex> children = children_of(table_, parent);
    if (parent != chart::kRoot && table_.states[parent].kind == StateKind::parallel) {
      // History pseudo-states first, then the regions, split by "--".
      for (const StateIndex child : children) {
        if (chart::is_history(table_.states[child].kind)) declare(child, depth);
      }
      bool first = true;
      for (const StateIndex child : children) {
        if (chart::is_history(table_.states[child].kind)) continue;
        if (!first) out_ += pad(depth) + "--\n";
        first = false;
        declare(child, depth);
      }
    } else {
      for (const StateIndex child : children) declare(child, depth);
      const std::uint16_t initial = parent == chart::kRoot ? table_.initial : table_.states[parent].initial;
      if (initial != chart::kNone) {
        const chart::TransitionRow& transition = table_.transitions[initial];
        const std::string label = actions_label(table_, transition.action_begin, transition.action_count);
        for (const StateIndex target : targets_of(table_, transition))
          out_ += pad(depth) + line("[*]", ids_[target], label) + "\n";
      }
    }
    if (const auto found = edges_.find(parent); found != edges_.end()) {
      for (const std::string& edge : found->second) out_ += pad(depth) + edge + "\n";
    }
    for (const StateIndex child : children) {
      if (table_.states[child].kind == StateKind::final) out_ += pad(depth) + ids_[child] + " --> [*]\n";
    }
  }

  const chart::Table& table_;
  const DiagramOptions& options_;
  std::vector<std::string> ids_;
  std::map<StateIndex, std::vector<std::string>> edges_;
  std::string out_;
};

}  // namespace

std::string render_mermaid(const chart::Table& table, const DiagramOptions& options) {
  return MermaidWriter(table, options).render();
}

}  // namespace lit::tools

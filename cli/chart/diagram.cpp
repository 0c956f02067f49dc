// Shared pieces of the diagram renderers; see diagram.hpp.
#include "chart/diagram.hpp"

#include "chart/event_names.hpp"

namespace lit::tools {

std::vector<chart::StateIndex> children_of(const chart::Table& table, chart::StateIndex parent) {
  std::vector<chart::StateIndex> children;
  for (std::uint16_t i = 0; i < table.state_count; ++i) {
    if (table.states[i].parent == parent) children.push_back(static_cast<chart::StateIndex>(i));
  }
  return children;
}

std::string trigger_label(const chart::Table& table, const chart::TransitionRow& transition) {
  std::string text;
  for (std::uint16_t i = 0; i < transition.descriptor_count; ++i) {
    const chart::EventId id = table.descriptors[transition.descriptors_begin + i];
    if (!text.empty()) text += ' ';
    if (id != chart::kAnyEvent && table.events[id].kind == chart::EventKind::timer) {
      text += "after " + std::to_string(timer_delay_ms(table, id)) + "ms";
    } else {
      text += event_name(table, id);
    }
  }
  return text;
}

std::string actions_label(const chart::Table& table, std::uint16_t begin, std::uint16_t count) {
  std::string text;
  for (std::uint16_t i = begin; i < begin + count; ++i) {
    const chart::ActionRow& action = table.actions[i];
    if (!text.empty()) text += ", ";
    switch (action.kind) {
      case chart::ActionKind::call: text += "call"; break;
      case chart::ActionKind::raise: text += "raise " + event_name(table, action.event); break;
      case chart::ActionKind::send_after:
        text += "send " + event_name(table, action.event);
        if (action.delay_ms != 0) text += " after " + std::to_string(action.delay_ms) + "ms";
        break;
      case chart::ActionKind::log:
        text += "log ";
        if (!action.label.empty()) text += std::string(action.label) + ": ";
        text += "'" + std::string(action.text) + "'";
        break;
    }
  }
  return text;
}

std::string transition_label(const chart::Table& table, const chart::TransitionRow& transition) {
  std::string text = trigger_label(table, transition);
  const auto part = [&](const std::string& piece) {
    if (!text.empty()) text += ' ';
    text += piece;
  };
  const std::string_view guarded =
      transition.guard_kind == chart::GuardKind::none ? std::string_view{} : table.states[transition.guard_state].name;
  switch (transition.guard_kind) {
    case chart::GuardKind::none: break;
    case chart::GuardKind::call: part("[guard]"); break;
    case chart::GuardKind::in_state: part("[In(" + std::string(guarded) + ")]"); break;
    case chart::GuardKind::not_in_state: part("[!In(" + std::string(guarded) + ")]"); break;
  }
  if (transition.action_count != 0) part("/ " + actions_label(table, transition.action_begin, transition.action_count));
  return text;
}

std::vector<std::string> state_reactions(const chart::Table& table, chart::StateIndex state) {
  const chart::StateRow& row = table.states[state];
  std::vector<std::string> lines;
  if (row.entry_count != 0) lines.push_back("entry / " + actions_label(table, row.entry_begin, row.entry_count));
  if (row.exit_count != 0) lines.push_back("exit / " + actions_label(table, row.exit_begin, row.exit_count));
  for (std::uint16_t t = row.first_transition; t < row.first_transition + row.transition_count; ++t) {
    const chart::TransitionRow& transition = table.transitions[t];
    if ((transition.flags & chart::transition_flag::targetless) != 0)
      lines.push_back(transition_label(table, transition));
  }
  return lines;
}

std::vector<chart::StateIndex> targets_of(const chart::Table& table, const chart::TransitionRow& transition) {
  return {table.targets + transition.targets_begin, table.targets + transition.targets_begin + transition.target_count};
}

}  // namespace lit::tools

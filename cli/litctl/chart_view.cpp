// ChartReply to Table to diagram (chart_view.hpp). States and transitions
// become a ChartSource and go through the one chart compiler, so litctl draws
// with exactly the renderers lit-chart uses. Pure; any thread.
#include "litctl/chart_view.hpp"

#include <vector>

#include "chart/loaded_chart.hpp"
#include "chart/render_dot.hpp"
#include "chart/render_mermaid.hpp"

namespace lit::litctl {

namespace {

// Guards are known by name only; the diagram labels them, nothing runs them.
bool named_guard(const void* /*context*/, const chart::Step& /*step*/) { return false; }

chart::SpecStateKind spec_kind(control::StateKind kind) {
  switch (kind) {
    case control::STATE_KIND_PARALLEL: return chart::SpecStateKind::parallel;
    case control::STATE_KIND_FINAL: return chart::SpecStateKind::final;
    case control::STATE_KIND_HISTORY_SHALLOW: return chart::SpecStateKind::shallow_history;
    case control::STATE_KIND_HISTORY_DEEP: return chart::SpecStateKind::deep_history;
    default: return chart::SpecStateKind::state;
  }
}

}  // namespace

std::optional<std::string> render_chart(const control::ChartReply& reply, ChartFormat format, std::string& error) {
  const int count = reply.states_size();
  // The states are the chart table's own, in document order; its root is
  // implicit (parent -1 marks a top-level state), as in a host Table.
  if (count > static_cast<int>(chart::kMaxStates)) {
    error = "the chart has " + std::to_string(count) + " states, more than a chart may have";
    return std::nullopt;
  }
  const auto table_index = [&](long index) -> std::optional<chart::StateIndex> {
    if (index < 0 || index >= count) return std::nullopt;
    return static_cast<chart::StateIndex>(index);
  };

  tools::ChartSource source;
  source.name = source.keep(reply.name().empty() ? std::string("chart") : reply.name());
  std::vector<std::string_view> names;
  names.reserve(static_cast<std::size_t>(count));
  for (int index = 0; index < count; ++index) names.push_back(source.keep(reply.states(index).name()));

  const auto add_initial = [&](chart::StateIndex parent, int child) -> std::uint16_t {
    const auto target = table_index(child);
    if (!target) return chart::kNone;
    chart::SpecTransition initial;
    initial.source = parent;
    initial.role = chart::SpecTransitionRole::initial;
    initial.targets = source.keep(std::vector<std::string_view>{names[*target]});
    source.transitions.push_back(initial);
    return static_cast<std::uint16_t>(source.transitions.size() - 1);
  };

  for (int index = 0; index < count; ++index) {
    const control::ChartState& state = reply.states(index);
    chart::SpecState spec;
    spec.name = names[static_cast<std::size_t>(index)];
    spec.kind = spec_kind(state.kind());
    const auto parent = table_index(state.parent());
    if (state.parent() >= 0 && !parent) {
      error = "state '" + state.name() + "' names a parent out of range";
      return std::nullopt;
    }
    spec.parent = parent.value_or(chart::kRoot);
    source.states.push_back(spec);
  }
  for (int index = 0; index < count; ++index) {
    const control::ChartState& state = reply.states(index);
    if (state.initial() >= 0) {
      source.states[static_cast<std::size_t>(index)].initial =
          add_initial(static_cast<chart::StateIndex>(index), state.initial());
    }
  }
  // The chart's own initial state: the first top-level one, as SCXML's default.
  for (int index = 0; index < count && source.initial == chart::kNone; ++index) {
    if (reply.states(index).parent() < 0) source.initial = add_initial(chart::kRoot, index);
  }

  for (const control::ChartTransition& transition : reply.transitions()) {
    const auto from = table_index(transition.source());
    if (!from) {
      error = "a transition names a source state out of range";
      return std::nullopt;
    }
    chart::SpecTransition spec;
    spec.source = *from;
    std::vector<std::string_view> targets;
    for (const std::uint32_t target : transition.targets()) {
      const auto to = table_index(target);
      if (!to) {
        error = "a transition names a target state out of range";
        return std::nullopt;
      }
      targets.push_back(names[*to]);
    }
    spec.targets = source.keep(std::move(targets));
    if (transition.after_ms() > 0) {
      spec.role = chart::SpecTransitionRole::after;
      spec.delay_ms = transition.after_ms();
    } else if (transition.event().empty()) {
      spec.role = chart::SpecTransitionRole::eventless;
    } else {
      spec.events = source.keep(std::vector<std::string_view>{source.keep(transition.event())});
    }
    spec.internal = transition.internal();
    if (!transition.guard().empty()) {
      spec.guard_kind = chart::GuardKind::call;
      spec.guard = &named_guard;
    }
    source.transitions.push_back(spec);
  }

  tools::CompiledChart compiled = tools::compile_chart(std::move(source));
  if (!compiled.result.ok()) {
    error = "litd described a chart that does not compile" +
            (compiled.subject.empty() ? std::string() : " (at '" + compiled.subject + "')");
    return std::nullopt;
  }
  tools::DiagramOptions options;
  for (const std::uint32_t active : reply.active()) {
    if (const auto index = table_index(active)) options.active |= chart::bit(*index);
  }
  const chart::Table& table = compiled.chart->table();
  return format == ChartFormat::dot ? tools::render_dot(table, options) : tools::render_mermaid(table, options);
}

}  // namespace lit::litctl

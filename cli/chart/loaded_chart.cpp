// Owns a run-time chart's storage and compiles it with the shared compiler.
#include "chart/loaded_chart.hpp"

#include <utility>

namespace lit::tools {

std::string_view ChartSource::keep(std::string text) { return strings_.emplace_back(std::move(text)); }

std::span<const std::string_view> ChartSource::keep(std::vector<std::string_view> names) {
  const auto& kept = name_lists_.emplace_back(std::move(names));
  return {kept.data(), kept.size()};
}

chart::Spec ChartSource::spec() const {
  return chart::Spec{name, initial, states, transitions, actions, {}, {}, declared_events};
}

CompiledChart compile_chart(ChartSource source) {
  auto storage = std::make_unique<LoadedChart::Storage>();
  storage->source = std::move(source);
  storage->spec = storage->source.spec();
  CompiledChart compiled;
  compiled.result = chart::compile(storage->spec, storage->rows);
  if (!compiled.result.ok()) {
    compiled.subject = std::string(compiled.result.subject);
    compiled.result.subject = {};
    return compiled;
  }
  storage->table = chart::table_view(storage->rows);
  compiled.chart.reset(new LoadedChart(std::move(storage)));
  return compiled;
}

}  // namespace lit::tools

// A chart built at run time on the host. It owns everything its Table points
// into: the names, the front-end's Spec and the compiled rows, so the Table is
// valid for as long as the LoadedChart lives (moves included). Front-ends fill a
// ChartSource and hand it to compile_chart(); tools then see only the Table,
// exactly as they would for a chart made with the C++ DSL. Host-only.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lit/chart/compile.hpp"
#include "lit/chart/spec.hpp"
#include "lit/chart/table.hpp"

namespace lit::tools {

// std::vector with the compiler's output contract: push_back reports success,
// and refuses the row that would get index kNone (row indices are 16 bits).
template <class T>
class RowVector {
 public:
  bool push_back(const T& value) {
    if (items_.size() >= chart::kNone) return false;
    items_.push_back(value);
    return true;
  }
  T& operator[](std::size_t index) { return items_[index]; }
  const T& operator[](std::size_t index) const { return items_[index]; }
  std::size_t size() const { return items_.size(); }
  T* data() { return items_.data(); }
  const T* data() const { return items_.data(); }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + items_.size(); }

 private:
  std::vector<T> items_;
};

struct ChartRows {
  RowVector<chart::StateRow> states;
  RowVector<chart::TransitionRow> transitions;
  RowVector<chart::StateIndex> targets;
  RowVector<chart::EventId> descriptors;
  RowVector<chart::ActionRow> actions;
  RowVector<chart::EventRow> events;
  RowVector<chart::TimerRow> timers;
  RowVector<chart::InvokeRow> invokes;
  chart::Table header{};
};

// What a front-end builds: a Spec's parts plus stable storage for its strings.
// Views handed out by keep() stay valid for the life of the source.
class ChartSource {
 public:
  std::string_view keep(std::string text);
  std::span<const std::string_view> keep(std::vector<std::string_view> names);

  std::string_view name;
  std::uint16_t initial = chart::kNone;
  std::vector<chart::SpecState> states;
  std::vector<chart::SpecTransition> transitions;
  std::vector<chart::SpecAction> actions;
  std::vector<std::string_view> declared_events;

  chart::Spec spec() const;

 private:
  std::deque<std::string> strings_;
  std::deque<std::vector<std::string_view>> name_lists_;
};

struct CompiledChart;
// Runs the one chart compiler (lit/chart/compile.hpp) over a front-end's source.
CompiledChart compile_chart(ChartSource source);

class LoadedChart {
 public:
  const chart::Table& table() const { return storage_->table; }
  const chart::Spec& spec() const { return storage_->spec; }
  // Where each state was declared (0:0 when the front-end had no source text).
  chart::SourceLocation location(chart::StateIndex state) const { return storage_->source.states[state].location; }

 private:
  friend CompiledChart compile_chart(ChartSource source);

  struct Storage {
    ChartSource source;
    chart::Spec spec;
    ChartRows rows;
    chart::Table table;
  };
  explicit LoadedChart(std::unique_ptr<Storage> storage) : storage_(std::move(storage)) {}

  std::unique_ptr<Storage> storage_;
};

struct CompiledChart {
  // On failure result.subject is cleared (it viewed the discarded source):
  // the offending name is in `subject`.
  chart::CompileResult result;
  std::string subject;
  std::unique_ptr<LoadedChart> chart;  // set when result.ok()
};

}  // namespace lit::tools

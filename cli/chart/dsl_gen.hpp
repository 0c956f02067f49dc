// `lit-chart gen`: writes a chart as C++ source for the definition DSL
// (lit/chart/dsl.hpp), a header whose define() compiles to the same rows and
// the same structural hash as the Table it came from. Charts that call user
// functions, defer events or invoke activities cannot be written back (their
// code is not in the table); those throw ChartError. Host-only; pure.
#pragma once

#include <string>

#include "lit/chart/table.hpp"

namespace lit::tools {

struct DslOptions {
  std::string variable;    // the chart's variable; empty: made from the chart's name
  std::string context;     // the context type; empty: an empty struct named Context is emitted
  std::string include;     // a header to include first (where `context` is declared), optional
  std::string name_space;  // an enclosing namespace ("a::b"), optional
  std::string source;      // what the chart was generated from, for the header comment
};

std::string generate_dsl(const chart::Table& table, const DslOptions& options);

// `name` made into a C++ identifier: other characters become '_', and a leading digit gets a '_' before it.
std::string identifier_from(std::string_view name);

}  // namespace lit::tools

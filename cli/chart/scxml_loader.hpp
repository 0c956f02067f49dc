// Reads an SCXML document into a LoadedChart. It supports the subset that
// lit-bit's engine runs without a data model (cli/lit-chart/README.md lists it)
// and rejects everything else with a ChartError that names the element or
// attribute and its line:column: a document is never read as a different chart.
// Host-only; throws ChartError.
#pragma once

#include <string>
#include <string_view>

#include "chart/loaded_chart.hpp"

namespace lit::tools {

// `file_name` is used in messages; `default_chart_name` when <scxml> has no name.
LoadedChart load_scxml(std::string_view text, const std::string& file_name, std::string_view default_chart_name);

// Reads PATH ("-" for standard input); the chart is named after the file's stem
// unless <scxml name="..."> says otherwise.
LoadedChart load_scxml_file(const std::string& path);

}  // namespace lit::tools

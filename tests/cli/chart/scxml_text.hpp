// Test helpers: SCXML documents written as the inside of their <scxml> element.
#pragma once

#include <string>

#include "chart/loaded_chart.hpp"
#include "chart/scxml_loader.hpp"

namespace lit::tools::test {

inline std::string scxml_document(const std::string& body, const std::string& attributes = "") {
  return "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\"" + attributes + ">" + body + "</scxml>";
}

// Loads the document as "test.scxml"; the chart is named "test" unless `attributes` names it.
inline LoadedChart load_body(const std::string& body, const std::string& attributes = "") {
  return load_scxml(scxml_document(body, attributes), "test.scxml", "test");
}

}  // namespace lit::tools::test

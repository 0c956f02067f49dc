// Formats chart errors the way compilers do, so editors can jump to them.
#include "chart/chart_error.hpp"

#include <utility>

namespace lit::tools {

namespace {

std::string format(const std::string& file, std::uint32_t line, std::uint32_t column, const std::string& message) {
  std::string text = file;
  if (line != 0) text += ":" + std::to_string(line) + ":" + std::to_string(column);
  return text + ": error: " + message;
}

}  // namespace

ChartError::ChartError(
    ChartErrorKind kind, std::string file, std::uint32_t line, std::uint32_t column, std::string message)
    : std::runtime_error(format(file, line, column, message)),
      kind_(kind),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

}  // namespace lit::tools

// The one error type of the host chart tools: what went wrong with a chart, and
// where. Thrown by the loader and the generators and caught at the tool edge,
// which prints what() and maps kind() to an exit status. Host-only.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace lit::tools {

enum class ChartErrorKind : std::uint8_t {
  io,           // the file could not be read
  malformed,    // not well-formed XML
  unsupported,  // valid SCXML that lit-chart does not implement (data model, invoke, ...)
  invalid,      // a chart that breaks SCXML's or the compiler's rules (unknown target, ...)
};

class ChartError : public std::runtime_error {
 public:
  // line 0 means "no position": the message then reads "FILE: error: ...".
  ChartError(ChartErrorKind kind, std::string file, std::uint32_t line, std::uint32_t column, std::string message);

  ChartErrorKind kind() const { return kind_; }
  const std::string& file() const { return file_; }
  std::uint32_t line() const { return line_; }
  std::uint32_t column() const { return column_; }
  // The message without the "FILE:LINE:COLUMN: error: " prefix.
  const std::string& message() const { return message_; }

 private:
  ChartErrorKind kind_;
  std::string file_;
  std::uint32_t line_;
  std::uint32_t column_;
  std::string message_;
};

}  // namespace lit::tools

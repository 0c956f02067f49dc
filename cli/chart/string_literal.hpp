// Double-quoted string literals that are valid both as JSON strings and as C++
// string literals, for the tools' JSON output and generated C++. Host-only; pure.
#pragma once

#include <string>
#include <string_view>

namespace lit::tools {

// `text` in double quotes, with '"', '\' and control characters escaped
// (\n, \r, \t, else \u00XX); other bytes, UTF-8 included, are kept as they are.
std::string string_literal(std::string_view text);

}  // namespace lit::tools

// The configuration reader's shared helpers (config_reader.hpp): positions,
// quoting, type names, hints and name syntax. Pure functions; called only by
// the reader on its one thread.
#include "config/config_reader.hpp"

#include <algorithm>

#include "config/closest_name.hpp"

namespace lit::daemon::config_reader {

SourcePosition position(const toml::source_region& region) { return {region.begin.line, region.begin.column}; }
SourcePosition position(const toml::node& node) { return position(node.source()); }
SourcePosition position(const toml::key& key) { return position(key.source()); }

std::string at_text(SourcePosition where) { return std::to_string(where.line) + ':' + std::to_string(where.column); }

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

const char* type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
  }
  return "an unknown value";
}

std::string hint(std::string_view word,
                 std::span<const std::string_view> candidates,
                 std::string_view known_label,
                 std::string_view none_known) {
  const std::string_view close = closest_name(word, candidates);
  if (!close.empty()) return "; did you mean " + quoted(close) + '?';
  if (candidates.empty()) return none_known.empty() ? std::string{} : " (" + std::string(none_known) + ')';
  return " (" + std::string(known_label) + ": " + join_names(candidates) + ')';
}

std::vector<std::string_view> views(std::span<const std::string> names) { return {names.begin(), names.end()}; }

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

bool is_name(std::string_view text) { return !text.empty() && std::all_of(text.begin(), text.end(), is_name_char); }

bool is_path(std::string_view text) {
  if (text.empty()) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = text.find('/', start);
    if (!is_name(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start))) {
      return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

std::string describe_duration(Millis ms) { return std::to_string(ms) + "ms"; }

SourcePosition key_position(const toml::table& table, std::string_view key) {
  const auto found = table.find(key);
  return found == table.end() ? position(table) : position(found->first);
}

SourcePosition value_position(const toml::table& table, std::string_view key) {
  const auto found = table.find(key);
  return found == table.end() ? position(table) : position(found->second);
}

}  // namespace lit::daemon::config_reader

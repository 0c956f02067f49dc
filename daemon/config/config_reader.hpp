// The configuration reader's internals, shared by config_file.cpp (the
// document and its sections) and config_tree.cpp (the actors and the rules
// between them): positions, the collected problems, and Section, one TOML
// table read against the keys it may hold. Only daemon/config includes this;
// toml++ comes through config/toml.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/closest_name.hpp"
#include "config/config.hpp"
#include "config/duration.hpp"
#include "config/toml.hpp"

namespace lit::daemon::config_reader {

// ---- positions and problems ------------------------------------------------------

SourcePosition position(const toml::source_region& region);
SourcePosition position(const toml::node& node);
SourcePosition position(const toml::key& key);
// Where a key, or its value, sits in a table; the table's own position when the
// key is absent.
SourcePosition key_position(const toml::table& table, std::string_view key);
SourcePosition value_position(const toml::table& table, std::string_view key);
std::string at_text(SourcePosition where);  // "12:5"

class Problems {
 public:
  void add(SourcePosition where, std::string message) { list_.push_back({where, std::move(message)}); }
  bool empty() const { return list_.empty(); }
  std::vector<Diagnostic> take_sorted() {
    std::stable_sort(list_.begin(), list_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
    });
    return std::move(list_);
  }

 private:
  std::vector<Diagnostic> list_;
};

// ---- words for messages -------------------------------------------------------------

std::string quoted(std::string_view text);    // 'text'
const char* type_name(toml::node_type type);  // "an integer"
std::string describe_duration(Millis ms);     // "250ms"
// "; did you mean 'x'?" when a candidate is close, else " (known: a, b)", or
// " (none_known)" when there are no candidates.
std::string hint(std::string_view word,
                 std::span<const std::string_view> candidates,
                 std::string_view known_label = "known",
                 std::string_view none_known = "");
std::vector<std::string_view> views(std::span<const std::string> names);

// ---- names and values --------------------------------------------------------------

bool is_name_char(char c);
// One path segment, device name or remote name: [A-Za-z0-9_.-]+.
bool is_name(std::string_view text);
// '/'-separated names, none empty.
bool is_path(std::string_view text);

inline constexpr std::string_view kPathRule = "non-empty names of letters, digits, '_', '.' and '-', separated by '/'";
inline constexpr std::string_view kNameRule = "letters, digits, '_', '.' and '-'";
inline constexpr std::int64_t kMaxWorkers = 1024;

// An enum's spelling in the file.
template <typename Enum>
struct Named {
  std::string_view name;
  Enum value;
};

template <typename Enum, std::size_t N>
std::vector<std::string_view> names_of(const std::array<Named<Enum>, N>& table) {
  std::vector<std::string_view> names;
  names.reserve(N);
  for (const Named<Enum>& entry : table) names.push_back(entry.name);
  return names;
}

// ---- one TOML table, read against the keys it may hold --------------------------------

// Reports every key not in `known` when made (with a "did you mean"); its
// getters then read known keys, reporting a wrong type or value at the value
// and returning nothing for it. An absent key is no problem to the getters.
class Section {
 public:
  Section(const toml::table& table,
          std::string_view title,
          std::string_view prefix,
          std::span<const std::string_view> known,
          Problems& problems)
      : table_(table), prefix_(prefix), problems_(problems) {
    for (auto&& [key, node] : table) {
      const std::string_view name = key.str();
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      problems_.add(position(key), "unknown key " + quoted(name) + " in " + std::string(title) + hint(name, known));
    }
  }

  const toml::table& table() const { return table_; }
  SourcePosition where() const { return position(table_); }
  bool has(std::string_view key) const { return table_.contains(key); }
  const toml::node* node(std::string_view key) const { return table_.get(key); }
  SourcePosition key_at(std::string_view key) const { return key_position(table_, key); }
  SourcePosition value_at(std::string_view key) const { return value_position(table_, key); }
  // "actor.strategy": how messages name a key.
  std::string name(std::string_view key) const { return std::string(prefix_) + '.' + std::string(key); }
  Problems& problems() const { return problems_; }

  void wrong_type(std::string_view key, const toml::node& value, std::string_view expected) const {
    problems_.add(position(value),
                  quoted(name(key)) + " must be " + std::string(expected) + ", found " + type_name(value.type()));
  }

  std::optional<std::string> string(std::string_view key) const {
    const toml::node* value = node(key);
    if (value == nullptr) return std::nullopt;
    if (const auto* text = value->as_string()) return text->get();
    wrong_type(key, *value, "a string");
    return std::nullopt;
  }

  std::optional<bool> boolean(std::string_view key) const {
    const toml::node* value = node(key);
    if (value == nullptr) return std::nullopt;
    if (const auto* flag = value->as_boolean()) return flag->get();
    wrong_type(key, *value, "a boolean (true or false)");
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) const {
    const toml::node* value = node(key);
    if (value == nullptr) return std::nullopt;
    const auto* number = value->as_integer();
    if (number == nullptr) {
      wrong_type(key, *value, "an integer");
      return std::nullopt;
    }
    if (number->get() < min || number->get() > max) {
      problems_.add(position(*value),
                    quoted(name(key)) + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                        ", found " + std::to_string(number->get()));
      return std::nullopt;
    }
    return number->get();
  }

  // A duration string; zero is refused unless `zero_ok`.
  std::optional<Millis> duration(std::string_view key, bool zero_ok = false) const {
    const toml::node* value = node(key);
    if (value == nullptr) return std::nullopt;
    const auto* text = value->as_string();
    if (text == nullptr) {
      wrong_type(key, *value, "a duration string with a unit, such as \"250ms\" or \"1.5s\"");
      return std::nullopt;
    }
    const std::optional<Millis> ms = parse_duration(text->get());
    if (!ms) {
      problems_.add(position(*value), bad_duration(key, text->get()));
      return std::nullopt;
    }
    if (*ms == 0 && !zero_ok) {
      problems_.add(position(*value), quoted(name(key)) + " must be longer than zero");
      return std::nullopt;
    }
    return ms;
  }

  std::string bad_duration(std::string_view key, std::string_view text) const {
    return quoted(name(key)) + " is not a duration: " + quoted(text) +
           " (a number and a unit: ms, s, m or h, such as \"250ms\" or \"1.5s\"; whole milliseconds up to " +
           describe_duration(kMaxConfigDuration) + ')';
  }

  template <typename Enum, std::size_t N>
  std::optional<Enum> choice(std::string_view key, const std::array<Named<Enum>, N>& allowed) const {
    const std::optional<std::string> text = string(key);
    if (!text) return std::nullopt;
    for (const Named<Enum>& entry : allowed) {
      if (entry.name == *text) return entry.value;
    }
    problems_.add(value_at(key), bad_choice(name(key), *text, names_of(allowed)));
    return std::nullopt;
  }

  static std::string bad_choice(std::string_view what,
                                std::string_view found,
                                std::span<const std::string_view> allowed) {
    std::string message = quoted(what) + " must be one of " + join_names(allowed) + "; found " + quoted(found);
    const std::string_view close = closest_name(found, allowed);
    if (!close.empty()) message += " (did you mean " + quoted(close) + "?)";
    return message;
  }

  // A sub-table written inline (`reconnect = { ... }`) or as [a.b].
  const toml::table* subtable(std::string_view key) const {
    const toml::node* value = node(key);
    if (value == nullptr) return nullptr;
    if (const auto* table = value->as_table()) return table;
    wrong_type(key, *value, "a table");
    return nullptr;
  }

  const toml::array* array(std::string_view key) const {
    const toml::node* value = node(key);
    if (value == nullptr) return nullptr;
    if (const auto* list = value->as_array()) return list;
    wrong_type(key, *value, "an array");
    return nullptr;
  }

  // Each string of an array of strings, with its position; elements of another
  // type are reported.
  std::vector<std::pair<std::string, SourcePosition>> strings(std::string_view key) const {
    std::vector<std::pair<std::string, SourcePosition>> out;
    const toml::array* list = array(key);
    if (list == nullptr) return out;
    for (const toml::node& element : *list) {
      if (const auto* text = element.as_string()) {
        out.emplace_back(text->get(), position(element));
      } else {
        problems_.add(position(element),
                      "each entry of " + quoted(name(key)) + " must be a string, found " + type_name(element.type()));
      }
    }
    return out;
  }

  void require(std::string_view key, std::string_view title) const {
    if (!has(key)) problems_.add(where(), std::string(title) + " needs " + quoted(key));
  }

 private:
  const toml::table& table_;
  std::string_view prefix_;
  Problems& problems_;
};

// ---- what the reader keeps beside the Config -------------------------------------------

struct ActorEntry {
  ActorConfig config;
  const toml::table* table = nullptr;
  bool path_ok = false;
  // The type is known (a catalog type, a supervisor, or a device actor), so
  // rules that depend on it apply.
  bool kind_known = false;
  SourcePosition path_at;
};

struct Reader {
  explicit Reader(ActorTypeCatalog& catalog) : types(catalog) {}
  ActorTypeCatalog& types;
  Problems problems;
  Config config;
  bool workers_ok = true;
  std::vector<ActorEntry> actors;
  std::vector<std::pair<std::string, SourcePosition>> metric_paths;
};

// [[actor]] entries, read in file order once devices and plugins are known.
void read_actor(const toml::table& table, Reader& reader);
// The rules between actors, and metrics.actor_paths against the declared actors.
void check_tree(Reader& reader);

}  // namespace lit::daemon::config_reader

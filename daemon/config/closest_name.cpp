// Edit distances for the configuration checker's "did you mean" hints (optimal
// string alignment: Levenshtein plus adjacent swaps). Names are short, so a
// plain O(n*m) table is plenty. Never throws beyond allocation.
#include "config/closest_name.hpp"

#include <algorithm>
#include <cstddef>

namespace lit::daemon {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t columns = b.size() + 1;
  std::vector<std::size_t> table((a.size() + 1) * columns);
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return table[i * columns + j]; };
  for (std::size_t i = 0; i <= a.size(); ++i) at(i, 0) = i;
  for (std::size_t j = 0; j <= b.size(); ++j) at(0, j) = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      std::size_t best = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1])) {
        best = std::min(best, at(i - 2, j - 2) + 1);
      }
      at(i, j) = best;
    }
  }
  return at(a.size(), b.size());
}

std::size_t allowed_edits(std::string_view word) {
  if (word.size() <= 4) return 1;
  if (word.size() <= 8) return 2;
  return 3;
}

template <typename Name>
std::string_view closest(std::string_view word, std::span<const Name> candidates) {
  // Names in a configuration are short; a pasted paragraph is no typo.
  constexpr std::size_t kLongest = 64;
  if (word.empty() || word.size() > kLongest) return {};
  std::string_view best;
  std::size_t best_distance = allowed_edits(word) + 1;
  for (const Name& candidate : candidates) {
    const std::string_view name = candidate;
    if (name.size() > kLongest) continue;
    const std::size_t distance = edit_distance(word, name);
    if (distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

template <typename Name>
std::string join(std::span<const Name> names) {
  std::string joined;
  for (const Name& name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}

}  // namespace

std::string_view closest_name(std::string_view word, std::span<const std::string_view> candidates) {
  return closest(word, candidates);
}

std::string_view closest_name(std::string_view word, std::span<const std::string> candidates) {
  return closest(word, candidates);
}

std::string join_names(std::span<const std::string_view> names) { return join(names); }

std::string join_names(std::span<const std::string> names) { return join(names); }

}  // namespace lit::daemon

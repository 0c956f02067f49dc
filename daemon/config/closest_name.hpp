// "Did you mean ...?": the known name closest to a misspelt one, for the
// configuration checker's hints. Pure functions; never throws.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lit::daemon {

// The candidate nearest to `word` by edit distance (insertions, deletions,
// substitutions and swaps of adjacent letters, ignoring case), if it is close
// enough to be a likely typo: 1 edit for up to 4 letters, 2 up to 8, else 3.
// Empty when none is. Ties go to the earlier candidate.
std::string_view closest_name(std::string_view word, std::span<const std::string_view> candidates);
std::string_view closest_name(std::string_view word, std::span<const std::string> candidates);

// "a, b, c": candidates for a "known: ..." list.
std::string join_names(std::span<const std::string_view> names);
std::string join_names(std::span<const std::string> names);

}  // namespace lit::daemon

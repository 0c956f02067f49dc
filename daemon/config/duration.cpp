// Parses configuration durations ("250ms", "1.5s") into whole milliseconds with
// integer arithmetic only, so "0.1s" is exactly 100 and no rounding hides a
// sub-millisecond value. Never throws, never allocates.
#include "config/duration.hpp"

#include <array>
#include <cstdint>

namespace lit::daemon {

namespace {

struct Unit {
  std::string_view suffix;
  Millis ms;
};

// "ms" before "m", "s": the longest suffix that matches wins.
constexpr std::array<Unit, 4> kUnits{{{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<Millis> parse_duration(std::string_view text) {
  const Unit* unit = nullptr;
  for (const Unit& candidate : kUnits) {
    if (text.size() > candidate.suffix.size() && text.ends_with(candidate.suffix)) {
      unit = &candidate;
      break;
    }
  }
  if (unit == nullptr) return std::nullopt;
  const std::string_view number = text.substr(0, text.size() - unit->suffix.size());

  const std::size_t point = number.find('.');
  const std::string_view whole = number.substr(0, point);
  const std::string_view fraction = point == std::string_view::npos ? std::string_view{} : number.substr(point + 1);
  if (whole.empty() || (point != std::string_view::npos && fraction.empty())) return std::nullopt;

  // An hour is 3.6e6 ms: a fraction with more significant digits is finer than
  // a millisecond in every unit.
  constexpr std::size_t kMaxFractionDigits = 7;
  Millis whole_value = 0;
  for (const char c : whole) {
    if (!is_digit(c)) return std::nullopt;
    whole_value = whole_value * 10 + static_cast<Millis>(c - '0');
    if (whole_value > kMaxConfigDuration) return std::nullopt;
  }
  Millis fraction_value = 0;
  Millis fraction_scale = 1;
  std::size_t significant = fraction.size();
  while (significant != 0 && fraction[significant - 1] == '0') --significant;  // "1.500s" is "1.5s"
  for (std::size_t i = 0; i < fraction.size(); ++i) {
    if (!is_digit(fraction[i])) return std::nullopt;
    if (i >= significant) continue;
    if (i >= kMaxFractionDigits) return std::nullopt;
    fraction_value = fraction_value * 10 + static_cast<Millis>(fraction[i] - '0');
    fraction_scale *= 10;
  }

  const Millis fraction_ms_scaled = fraction_value * unit->ms;
  if (fraction_ms_scaled % fraction_scale != 0) return std::nullopt;  // finer than a millisecond
  if (whole_value > kMaxConfigDuration / unit->ms) return std::nullopt;
  const Millis total = whole_value * unit->ms + fraction_ms_scaled / fraction_scale;
  if (total > kMaxConfigDuration) return std::nullopt;
  return total;
}

}  // namespace lit::daemon

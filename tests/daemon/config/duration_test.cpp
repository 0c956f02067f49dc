// Configuration durations (daemon/config/duration.hpp) and the "did you mean"
// hints (closest_name.hpp): the exact values accepted and what is refused.
#include "config/duration.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "config/closest_name.hpp"

namespace lit::daemon {
namespace {

TEST(ConfigDuration, EveryUnitConvertsToWholeMilliseconds) {
  EXPECT_EQ(parse_duration("250ms"), Millis{250});
  EXPECT_EQ(parse_duration("1s"), Millis{1000});
  EXPECT_EQ(parse_duration("2m"), Millis{120'000});
  EXPECT_EQ(parse_duration("1h"), Millis{3'600'000});
  EXPECT_EQ(parse_duration("0s"), Millis{0});
}

TEST(ConfigDuration, FractionsAreExactWithoutRounding) {
  EXPECT_EQ(parse_duration("1.5s"), Millis{1500});
  EXPECT_EQ(parse_duration("0.1s"), Millis{100});
  EXPECT_EQ(parse_duration("0.001s"), Millis{1});
  EXPECT_EQ(parse_duration("1.500s"), Millis{1500});
  EXPECT_EQ(parse_duration("0.5m"), Millis{30'000});
  EXPECT_EQ(parse_duration("0.0000003h"), std::nullopt);  // 1.08 ms
  EXPECT_EQ(parse_duration("0.5ms"), std::nullopt);
  EXPECT_EQ(parse_duration("1.0001s"), std::nullopt);
}

TEST(ConfigDuration, MalformedTextIsRefused) {
  for (const std::string_view text :
       {"", "ms", "250", "250 ms", "-1s", "+1s", "1.s", ".5s", "1..5s", "1e3ms", "1S", "5x", "1d", "1.5.5s", "s1"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << text;
  }
}

TEST(ConfigDuration, ValuesBeyond32BitMillisecondsAreRefused) {
  EXPECT_EQ(parse_duration("4294967295ms"), kMaxConfigDuration);
  EXPECT_EQ(parse_duration("4294967296ms"), std::nullopt);
  EXPECT_EQ(parse_duration("1193h"), Millis{1193} * 3'600'000);
  EXPECT_EQ(parse_duration("1194h"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999999s"), std::nullopt);
  EXPECT_EQ(parse_duration("0000000000000000000001s"), Millis{1000});
}

TEST(ClosestName, SuggestsATypoButNotAnUnrelatedWord) {
  constexpr std::array<std::string_view, 3> kNames{"strategy", "intensity", "period"};
  EXPECT_EQ(closest_name("stratgy", kNames), "strategy");
  EXPECT_EQ(closest_name("Period", kNames), "period");
  EXPECT_EQ(closest_name("peroid", kNames), "period");  // a swap is one edit
  EXPECT_EQ(closest_name("colour", kNames), "");
  EXPECT_EQ(closest_name("", kNames), "");
}

TEST(ClosestName, JoinsNamesWithCommas) {
  constexpr std::array<std::string_view, 3> kNames{"a", "b", "c"};
  EXPECT_EQ(join_names(kNames), "a, b, c");
  EXPECT_EQ(join_names(std::span<const std::string_view>{}), "");
}

}  // namespace
}  // namespace lit::daemon

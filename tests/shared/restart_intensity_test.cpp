// Tests of lit::RestartIntensity, OTP's MaxR-in-MaxT rule on its own: the
// window boundaries, storage sizing, and a randomised comparison with a plain
// list of restart times kept exactly like OTP's supervisor:add_restart/3.
#include "lit/restart_intensity.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace {

using lit::Intensity;
using lit::Millis;
using lit::RestartIntensity;

// OTP's add_restart: keep the restarts at or after Now - Period (newest
// first), push Now, and give up when the list is longer than MaxR.
class OtpRestartList {
 public:
  explicit OtpRestartList(Intensity intensity) : intensity_(intensity) {}
  bool add(Millis now) {
    const auto threshold = static_cast<std::int64_t>(now) - static_cast<std::int64_t>(intensity_.period_ms);
    while (!restarts_.empty() && static_cast<std::int64_t>(restarts_.back()) < threshold) restarts_.pop_back();
    restarts_.push_front(now);
    return restarts_.size() <= intensity_.max_restarts;
  }
  void clear() { restarts_.clear(); }
  std::size_t size() const { return restarts_.size(); }

 private:
  Intensity intensity_;
  std::deque<Millis> restarts_;  // newest first, as in OTP
};

TEST(RestartIntensity, stamps_needed_is_the_smaller_of_count_and_time_bounds) {
  EXPECT_EQ(RestartIntensity::stamps_needed({.max_restarts = 3, .period_ms = 5000}), 4U);
  EXPECT_EQ(RestartIntensity::stamps_needed({.max_restarts = 100, .period_ms = 2}), 3U);
  EXPECT_EQ(RestartIntensity::stamps_needed({.max_restarts = 0, .period_ms = 5000}), 1U);
  EXPECT_EQ(RestartIntensity::stamps_needed({.max_restarts = 7, .period_ms = 0}), 1U);
}

TEST(RestartIntensity, storage_ok_only_with_enough_stamps) {
  std::array<RestartIntensity::Stamp, 3> stamps{};
  EXPECT_TRUE(RestartIntensity({.max_restarts = 2, .period_ms = 1000}, stamps).storage_ok());
  EXPECT_FALSE(RestartIntensity({.max_restarts = 3, .period_ms = 1000}, stamps).storage_ok());
  EXPECT_TRUE(RestartIntensity({.max_restarts = 3, .period_ms = 2}, stamps).storage_ok());
}

TEST(RestartIntensity, allows_max_restarts_within_the_period_and_refuses_one_more) {
  std::array<RestartIntensity::Stamp, 4> stamps{};
  RestartIntensity window({.max_restarts = 3, .period_ms = 1000}, stamps);
  EXPECT_TRUE(window.add(100));
  EXPECT_TRUE(window.add(200));
  EXPECT_TRUE(window.add(300));
  EXPECT_EQ(window.in_window(), 3U);
  EXPECT_FALSE(window.add(400));
  EXPECT_EQ(window.total(), 4U);
}

TEST(RestartIntensity, intensity_zero_refuses_the_first_restart) {
  std::array<RestartIntensity::Stamp, 1> stamps{};
  RestartIntensity window({.max_restarts = 0, .period_ms = 1000}, stamps);
  EXPECT_FALSE(window.add(5));
}

TEST(RestartIntensity, restart_exactly_one_period_earlier_still_counts) {
  // OTP keeps every restart R with R >= Now - Period.
  std::array<RestartIntensity::Stamp, 2> stamps{};
  RestartIntensity window({.max_restarts = 1, .period_ms = 1000}, stamps);
  EXPECT_TRUE(window.add(500));
  EXPECT_FALSE(window.add(1500));
}

TEST(RestartIntensity, restarts_older_than_the_period_no_longer_count) {
  std::array<RestartIntensity::Stamp, 2> stamps{};
  RestartIntensity window({.max_restarts = 1, .period_ms = 1000}, stamps);
  EXPECT_TRUE(window.add(500));
  EXPECT_TRUE(window.add(1501));
  EXPECT_EQ(window.in_window(), 1U);
  EXPECT_TRUE(window.add(2502));
  EXPECT_FALSE(window.add(2600));
}

TEST(RestartIntensity, restarts_in_one_millisecond_share_a_stamp_but_each_counts) {
  std::array<RestartIntensity::Stamp, 1> stamps{};  // period 0: one stamp is enough
  RestartIntensity window({.max_restarts = 3, .period_ms = 0}, stamps);
  ASSERT_TRUE(window.storage_ok());
  EXPECT_TRUE(window.add(10));
  EXPECT_TRUE(window.add(10));
  EXPECT_TRUE(window.add(10));
  EXPECT_FALSE(window.add(10));
  window.reset();
  EXPECT_TRUE(window.add(11));
  EXPECT_EQ(window.in_window(), 1U);
}

TEST(RestartIntensity, reset_forgets_the_window_but_not_the_total) {
  std::array<RestartIntensity::Stamp, 2> stamps{};
  RestartIntensity window({.max_restarts = 1, .period_ms = 1000}, stamps);
  EXPECT_TRUE(window.add(1));
  EXPECT_FALSE(window.add(2));
  window.reset();
  EXPECT_EQ(window.in_window(), 0U);
  EXPECT_TRUE(window.add(3));
  EXPECT_EQ(window.total(), 3U);
}

TEST(RestartIntensity, without_storage_it_counts_and_errs_towards_giving_up) {
  // A default-constructed window has no stamps: it must neither read nor
  // write out of bounds, and with nothing to expire it gives up early.
  RestartIntensity window;
  EXPECT_FALSE(window.storage_ok());
  EXPECT_TRUE(window.add(0));
  EXPECT_FALSE(window.add(100'000));
  EXPECT_EQ(window.total(), 2U);
}

TEST(RestartIntensity, matches_otp_restart_list_on_random_sequences) {
  std::mt19937 rng(20260101);
  for (int round = 0; round < 2000; ++round) {
    const Intensity intensity{.max_restarts = static_cast<std::uint32_t>(rng() % 6),
                              .period_ms = std::array<Millis, 5>{0, 1, 3, 50, 1000}[rng() % 5]};
    std::vector<RestartIntensity::Stamp> stamps(RestartIntensity::stamps_needed(intensity));
    RestartIntensity window(intensity, stamps);
    ASSERT_TRUE(window.storage_ok());
    OtpRestartList otp(intensity);
    Millis now = rng() % 3;
    for (int step = 0; step < 60; ++step) {
      now += std::array<Millis, 6>{0, 0, 1, 2, 40, 900}[rng() % 6];
      const bool expected = otp.add(now);
      ASSERT_EQ(window.add(now), expected) << "round " << round << " step " << step << " at " << now;
      ASSERT_EQ(window.in_window(), otp.size()) << "round " << round << " step " << step;
      if (!expected) {  // the supervisor would have given up; a new one starts afresh
        window.reset();
        otp.clear();
      }
    }
  }
}

}  // namespace

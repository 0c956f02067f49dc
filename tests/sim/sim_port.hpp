// The simulated port: one scheduler on a virtual clock, single-threaded and
// deterministic. Time moves only through advance() (or run_for()); timers due
// at the same instant fire in arming order; random() is a seeded generator,
// so the same seed gives the same run, trace for trace. Host-only, for tests.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lit/port.hpp"
#include "lit/scheduler.hpp"

namespace lit::sim {

class SimPort final : public Port {
 public:
  explicit SimPort(std::uint64_t seed = 1) : state_(seed) {}
  SimPort(const SimPort&) = delete;
  SimPort& operator=(const SimPort&) = delete;

  void attach(Scheduler& scheduler) { scheduler_ = &scheduler; }

  // Runs ready actors until none is left (at most `max_activations`).
  // Returns the number of activations.
  std::size_t run_until_idle(std::size_t max_activations = 10'000'000);
  // Moves the clock forward by `ms`, firing timers in deadline order, each
  // followed by run_until_idle().
  void advance(Millis ms);
  // Runs and advances in 1 ms steps until `done()` holds or `timeout_ms` of
  // virtual time passed. Returns whether it held.
  bool run_until(const std::function<bool()>& done, Millis timeout_ms);

  // Port
  std::uint32_t enter_critical() override { return critical_depth_++; }
  void exit_critical(std::uint32_t saved) override { critical_depth_ = saved; }
  Millis now() override { return now_; }
  void arm_timer(Millis deadline) override { deadline_ = deadline; }
  void wake() override { ++wakeups_; }
  void fatal(const char* reason) override { fatals_.emplace_back(reason); }
  std::uint32_t random() override;
  void log(std::string_view actor, std::string_view label, std::string_view text) override;

  Millis deadline() const { return deadline_; }
  std::uint64_t wakeups() const { return wakeups_; }
  const std::vector<std::string>& fatals() const { return fatals_; }
  const std::vector<std::string>& logs() const { return logs_; }
  bool in_critical_section() const { return critical_depth_ != 0; }

 private:
  Scheduler* scheduler_ = nullptr;
  Millis now_ = 0;
  Millis deadline_ = kNever;
  std::uint64_t state_;
  std::uint32_t critical_depth_ = 0;
  std::uint64_t wakeups_ = 0;
  std::vector<std::string> fatals_;
  std::vector<std::string> logs_;
};

}  // namespace lit::sim

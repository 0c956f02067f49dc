// A bare-metal lit::Port for one scheduler in the firmware's main loop:
// PRIMASK critical sections, the board's millisecond clock widened to 64 bits,
// the scheduler's one-shot timer polled from the loop, and WFI when idle.
// wake() and the critical section are ISR-safe. Static storage only. (The
// firmware issue adds SysTick-driven one-shots and interrupt-driven UARTs.)
#pragma once

#include <cstdint>

#include "lit/port.hpp"
#include "lit/scheduler.hpp"

namespace lit::port {

class BarePort final : public Port {
 public:
  // idle() asks has_ready() before it sleeps: the scheduler need not wake() it.
  void attach(Scheduler& scheduler) {
    scheduler_ = &scheduler;
    scheduler.set_polled(true);
  }

  // One pass of the main loop: due timers, then ready actors. Returns whether
  // work remains; the caller sleeps (wait_for_interrupt) when it does not.
  [[gnu::always_inline]] bool poll() {
    woken_ = false;
    if (timer_armed_) [[unlikely]]
      poll_timer();
    return scheduler_->run(32);
  }
  // Runs the loop until `done()` or `timeout_ms` pass; sleeps in WFI when idle.
  template <class Done>
  bool run_until(Done done, std::uint32_t timeout_ms) {
    const Millis until = now() + timeout_ms;
    while (!done()) {
      if (now() >= until) return false;
      if (!poll()) idle();
    }
    return true;
  }
  void run_for(std::uint32_t ms) {
    run_until([] { return false; }, ms);
  }
  // Sleeps in WFI unless an actor is ready or wake() was called since poll()
  // began; any interrupt (at the latest the 1 ms tick) ends the sleep.
  void idle();

  std::uint32_t enter_critical() override;
  void exit_critical(std::uint32_t saved) override;
  Millis now() override;
  void arm_timer(Millis deadline) override {
    deadline_ = deadline;
    timer_armed_ = deadline != kNever;
  }
  void wake() override { woken_ = true; }
  void fatal(const char* reason) override;
  std::uint32_t random() override;
  void log(std::string_view actor, std::string_view label, std::string_view text) override;

 private:
  // The scheduler's timer, if it is due.
  void poll_timer();

  Scheduler* scheduler_ = nullptr;
  volatile Millis deadline_ = kNever;
  bool timer_armed_ = false;  // deadline_ != kNever, tested in one load by poll()
  volatile bool woken_ = false;
  std::uint32_t last_ms_ = 0;
  Millis high_ = 0;
  std::uint32_t random_state_ = 0x2545F491U;
};

}  // namespace lit::port

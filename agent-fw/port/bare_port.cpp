// The bare-metal port; see bare_port.hpp.
#include "bare_port.hpp"

#include "board.hpp"
#include "console.hpp"

namespace lit::port {

std::uint32_t BarePort::enter_critical() {
  std::uint32_t primask = 0;
  asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
  return primask;
}

void BarePort::exit_critical(std::uint32_t saved) { asm volatile("msr primask, %0" ::"r"(saved) : "memory"); }

Millis BarePort::now() {
  // The board's counter is 32 bits of milliseconds; widen it, counting wraps.
  const std::uint32_t ms = board::now_ms();
  if (ms < last_ms_) high_ += Millis{1} << 32U;
  last_ms_ = ms;
  return high_ | ms;
}

void BarePort::poll_timer() {
  if (now() < deadline_) return;
  deadline_ = kNever;
  timer_armed_ = false;
  scheduler_->on_timer();
}

void BarePort::idle() {
  // Sleep unless an ISR posted since poll() began; the tick wakes us for timers.
  const std::uint32_t saved = enter_critical();
  if (!woken_ && !scheduler_->has_ready()) board::wait_for_interrupt();
  exit_critical(saved);
}

void BarePort::fatal(const char* reason) { board::panic(reason); }

std::uint32_t BarePort::random() {
  // xorshift32: enough for backoff jitter.
  random_state_ ^= random_state_ << 13U;
  random_state_ ^= random_state_ >> 17U;
  random_state_ ^= random_state_ << 5U;
  return random_state_;
}

void BarePort::log(std::string_view actor, std::string_view label, std::string_view text) {
  console << actor << ' ' << label << ": " << text << '\n';
}

}  // namespace lit::port

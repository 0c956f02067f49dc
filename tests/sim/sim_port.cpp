// Deterministic simulated port; see sim_port.hpp.
#include "sim/sim_port.hpp"

namespace lit::sim {

std::size_t SimPort::run_until_idle(std::size_t max_activations) {
  std::size_t total = 0;
  while (scheduler_->has_ready() && total < max_activations) {
    scheduler_->run(1);
    ++total;
  }
  return total;
}

void SimPort::advance(Millis ms) {
  const Millis until = now_ + ms;
  run_until_idle();
  while (deadline_ != kNever && deadline_ <= until) {
    now_ = deadline_ > now_ ? deadline_ : now_;
    deadline_ = kNever;
    scheduler_->on_timer();
    run_until_idle();
  }
  now_ = until;
}

bool SimPort::run_until(const std::function<bool()>& done, Millis timeout_ms) {
  run_until_idle();
  for (Millis waited = 0; !done(); ++waited) {
    if (waited == timeout_ms) return false;
    advance(1);
  }
  return true;
}

std::uint32_t SimPort::random() {
  // splitmix64: small, fast, and every seed gives a full-period stream.
  state_ += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return static_cast<std::uint32_t>((z ^ (z >> 31U)) >> 32U);
}

void SimPort::log(std::string_view actor, std::string_view label, std::string_view text) {
  logs_.push_back(std::string(actor) + " " + std::string(label) + ": " + std::string(text));
}

}  // namespace lit::sim

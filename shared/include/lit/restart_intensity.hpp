// OTP's restart intensity: a supervisor gives up when more than MaxR restarts
// fall within MaxT. Exactly OTP's rule (a restart at `now` counts every
// earlier restart at or after now - period), at O(1) amortised per restart
// and in fixed storage: restarts in the same millisecond share one stamp, so
// min(MaxR + 1, period_ms + 1) stamps always suffice. No allocation.
#pragma once

#include <cstdint>
#include <span>

#include "lit/port.hpp"

namespace lit {

struct Intensity {
  std::uint32_t max_restarts = 1;  // OTP's default intensity
  Millis period_ms = 5000;         // OTP's default period, 5 s
};

class RestartIntensity {
 public:
  struct Stamp {
    Millis at = 0;
    std::uint32_t count = 0;
  };

  // Stamps needed for an exact window.
  static constexpr std::size_t stamps_needed(Intensity intensity) {
    const Millis by_count = Millis{intensity.max_restarts} + 1;
    const Millis by_time = intensity.period_ms + 1;
    return static_cast<std::size_t>(by_count < by_time ? by_count : by_time);
  }

  constexpr RestartIntensity() = default;
  constexpr RestartIntensity(Intensity intensity, std::span<Stamp> storage) : intensity_(intensity), stamps_(storage) {}

  bool storage_ok() const { return stamps_.size() >= stamps_needed(intensity_); }

  // Records a restart at `now`. Returns false when it exceeds the intensity:
  // the supervisor must then shut down and escalate.
  bool add(Millis now) {
    ++total_;
    if (stamps_.empty()) {
      // No storage (a default-constructed window): nothing can expire, so
      // every restart stays counted, which errs towards giving up.
      ++in_window_;
      return in_window_ <= intensity_.max_restarts;
    }
    const bool full_period = now >= intensity_.period_ms;
    const Millis threshold = full_period ? now - intensity_.period_ms : 0;
    while (size_ != 0 && stamps_[head_].at < threshold) {
      in_window_ -= stamps_[head_].count;
      head_ = next(head_);
      --size_;
    }
    ++in_window_;
    const std::size_t newest = size_ == 0 ? head_ : (head_ + size_ - 1) % stamps_.size();
    const bool same_millisecond = size_ != 0 && stamps_[newest].at == now;
    if (same_millisecond || size_ == stamps_.size()) {
      // A full ring is only reachable with too little storage (storage_ok()
      // is false): folding into the newest stamp keeps the count and errs
      // towards giving up.
      ++stamps_[newest].count;
    } else {
      stamps_[(head_ + size_) % stamps_.size()] = Stamp{now, 1};
      ++size_;
    }
    return in_window_ <= intensity_.max_restarts;
  }

  void reset() {
    head_ = 0;
    size_ = 0;
    in_window_ = 0;
  }

  std::uint64_t total() const { return total_; }
  std::uint32_t in_window() const { return in_window_; }
  const Intensity& intensity() const { return intensity_; }

 private:
  std::size_t next(std::size_t index) const { return index + 1 == stamps_.size() ? 0 : index + 1; }

  Intensity intensity_{};
  std::span<Stamp> stamps_{};
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::uint32_t in_window_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace lit

// A fixed-size byte queue for exactly one producer and one consumer, which
// may be an interrupt handler and the main loop. Each index is written by one
// side only and published with release/acquire ordering, so neither side
// masks interrupts. The indices run freely and wrap at 2^32; the capacity is
// a power of two, so every slot is usable. Static storage, no allocation.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

namespace lit::board {

template <std::size_t Capacity>
class ByteRing {
  static_assert(Capacity > 0 && (Capacity & (Capacity - 1)) == 0, "the capacity must be a power of two");
  static_assert(Capacity <= (std::size_t{1} << 31), "free-running 32-bit indices need the capacity below 2^31");

 public:
  static constexpr std::size_t kCapacity = Capacity;

  // Producer side.
  bool push(std::uint8_t byte) {
    const std::uint32_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) == Capacity) return false;
    bytes_[head & kMask] = byte;
    head_.store(head + 1U, std::memory_order_release);
    return true;
  }
  // Pushes as many of `bytes` as fit; returns how many.
  std::size_t push(std::span<const std::uint8_t> bytes) {
    const std::uint32_t head = head_.load(std::memory_order_relaxed);
    const std::size_t room = Capacity - (head - tail_.load(std::memory_order_acquire));
    const std::size_t count = bytes.size() < room ? bytes.size() : room;
    for (std::size_t i = 0; i < count; ++i) bytes_[(head + i) & kMask] = bytes[i];
    head_.store(head + static_cast<std::uint32_t>(count), std::memory_order_release);
    return count;
  }
  std::size_t free_space() const { return Capacity - size(); }

  // Consumer side.
  bool pop(std::uint8_t& byte) {
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (head_.load(std::memory_order_acquire) == tail) return false;
    byte = bytes_[tail & kMask];
    tail_.store(tail + 1U, std::memory_order_release);
    return true;
  }
  // Pops up to out.size() bytes into `out`; returns how many.
  std::size_t pop(std::span<std::uint8_t> out) {
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    const std::size_t held = head_.load(std::memory_order_acquire) - tail;
    const std::size_t count = out.size() < held ? out.size() : held;
    for (std::size_t i = 0; i < count; ++i) out[i] = bytes_[(tail + i) & kMask];
    tail_.store(tail + static_cast<std::uint32_t>(count), std::memory_order_release);
    return count;
  }

  // Either side; exact for the caller's own side, a lower bound of progress for the other's.
  std::size_t size() const { return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire); }
  bool empty() const { return size() == 0; }

 private:
  static constexpr std::uint32_t kMask = static_cast<std::uint32_t>(Capacity - 1);

  std::array<std::uint8_t, Capacity> bytes_{};
  std::atomic<std::uint32_t> head_{0};  // next slot the producer fills; written by the producer only
  std::atomic<std::uint32_t> tail_{0};  // next slot the consumer empties; written by the consumer only
};

}  // namespace lit::board

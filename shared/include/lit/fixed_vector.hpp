// A vector with its capacity fixed at compile time and its storage inline: the
// shared core's only container. Usable in constant expressions, so charts built
// by the DSL can keep their rows in flash. Never allocates; push_back on a full
// vector returns false and changes nothing.
#pragma once

#include <array>
#include <cstddef>

namespace lit {

template <class T, std::size_t Capacity>
class FixedVector {
 public:
  constexpr bool push_back(const T& value) {
    if (size_ == Capacity) return false;
    items_[size_++] = value;
    return true;
  }
  constexpr T& operator[](std::size_t index) { return items_[index]; }
  constexpr const T& operator[](std::size_t index) const { return items_[index]; }
  constexpr std::size_t size() const { return size_; }
  static constexpr std::size_t capacity() { return Capacity; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr T* data() { return items_.data(); }
  constexpr const T* data() const { return items_.data(); }
  constexpr T* begin() { return items_.data(); }
  constexpr T* end() { return items_.data() + size_; }
  constexpr const T* begin() const { return items_.data(); }
  constexpr const T* end() const { return items_.data() + size_; }
  constexpr T& back() { return items_[size_ - 1]; }

 private:
  std::array<T, Capacity == 0 ? 1 : Capacity> items_{};
  std::size_t size_ = 0;
};

}  // namespace lit

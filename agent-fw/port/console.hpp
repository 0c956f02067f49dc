// Formatted text on the board console without printf, which would pull in
// newlib's malloc: text, decimal integers and fixed-width hex, written through
// board::console_write() as they are formatted. Nothing is buffered or
// allocated. Thread context only, like the console it writes to.
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>

namespace lit::port {

struct Hex {
  std::uint64_t value;
  unsigned digits;  // zero-padded to this many digits, no "0x"
};
constexpr Hex hex(std::uint64_t value, unsigned digits) { return Hex{value, digits}; }

class Console {
 public:
  Console& operator<<(std::string_view text);
  Console& operator<<(const char* text) { return *this << std::string_view(text); }
  Console& operator<<(char character) { return *this << std::string_view(&character, 1); }
  Console& operator<<(Hex number);
  // Decimal, up to 32 bits: a 64-bit decimal would link libgcc's 64-bit
  // division (about 1 KB on a Cortex-M3). Narrow the value, or print hex().
  template <std::integral T>
  requires(!std::same_as<T, char> && !std::same_as<T, bool>) Console& operator<<(T number) {
    static_assert(sizeof(T) <= sizeof(std::uint32_t), "64-bit decimals are not printed: narrow the value or use hex()");
    if constexpr (std::signed_integral<T>) {
      if (number < 0) {
        *this << '-';
        return decimal(0U - static_cast<std::uint32_t>(number));
      }
    }
    return decimal(static_cast<std::uint32_t>(number));
  }

 private:
  Console& decimal(std::uint32_t number);
};

inline constinit Console console;

}  // namespace lit::port

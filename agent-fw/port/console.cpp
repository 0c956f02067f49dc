// Console formatting; see console.hpp.
#include "console.hpp"

#include "board.hpp"

namespace lit::port {

Console& Console::operator<<(std::string_view text) {
  board::console_write(text);
  return *this;
}

Console& Console::operator<<(Hex number) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  char text[16];
  const unsigned digits = number.digits > sizeof text ? sizeof text : number.digits;
  for (unsigned i = 0; i < digits; ++i) text[digits - 1 - i] = kDigits[(number.value >> (4U * i)) & 0xFU];
  return *this << std::string_view(text, digits);
}

Console& Console::decimal(std::uint32_t number) {
  char text[10];
  unsigned start = sizeof text;
  do {
    text[--start] = static_cast<char>('0' + number % 10U);
    number /= 10U;
  } while (number != 0);
  return *this << std::string_view(text + start, sizeof text - start);
}

}  // namespace lit::port

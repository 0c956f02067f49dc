// Stack painting; see stack_paint.hpp.
#include "stack_paint.hpp"

extern "C" {
extern std::uint32_t _stack_limit[];  // from sections.ld
extern std::uint32_t _stack_top[];
}

namespace lit::port::stack {
namespace {
constexpr std::uint32_t kPaint = 0xC5C5'C5C5U;
}

void paint() {
  std::uint32_t* sp = nullptr;
  asm volatile("mov %0, sp" : "=r"(sp));
  // Leave 64 bytes under the stack pointer alone: this function's own frame
  // and whatever an interrupt pushes meanwhile.
  for (volatile std::uint32_t* word = _stack_limit; word < sp - 16; ++word) *word = kPaint;
}

std::uint32_t free_bytes() {
  std::uint32_t words = 0;
  for (const volatile std::uint32_t* word = _stack_limit; word < _stack_top && *word == kPaint; ++word) ++words;
  return words * 4U;
}

std::uint32_t reserve_bytes() {
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(_stack_top) -
                                    reinterpret_cast<std::uintptr_t>(_stack_limit));
}

}  // namespace lit::port::stack

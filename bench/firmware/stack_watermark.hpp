// The stack a benchmark image really used, to hold beside the static figures
// of agent-fw/tools/stack_report.py: paint() fills the unused part of the
// stack reserve with a pattern early in main(), high_water() later finds how
// far down it was overwritten. Main loop only (an interrupt that runs while
// paint() works would have its frame painted over, which only hides it).
// Bare metal; reads the reserve's bounds from sections.ld.
#pragma once

#include <cstdint>

extern "C" {
extern char _stack_top[];    // from sections.ld
extern char _stack_limit[];  // the lowest address of the stack reserve
}

namespace lit::bench::stack_watermark {

inline constexpr std::uint32_t kPaint = 0x5AC4'5AC4U;
// Left alone below the stack pointer: paint()'s own frame, and some margin.
inline constexpr std::uintptr_t kMargin = 64;

inline std::uintptr_t stack_pointer() {
  std::uintptr_t sp = 0;
  asm volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

inline void paint() {
  const std::uintptr_t end = stack_pointer() - kMargin;
  // Volatile: a plain loop would become a memset call, with a frame of its own.
  for (std::uintptr_t word = reinterpret_cast<std::uintptr_t>(_stack_limit); word < end; word += 4) {
    *reinterpret_cast<volatile std::uint32_t*>(word) = kPaint;
  }
}

// Bytes from the top of the stack down to the deepest word written since paint().
inline std::uint32_t high_water() {
  std::uintptr_t word = reinterpret_cast<std::uintptr_t>(_stack_limit);
  const std::uintptr_t top = reinterpret_cast<std::uintptr_t>(_stack_top);
  while (word < top && *reinterpret_cast<volatile const std::uint32_t*>(word) == kPaint) word += 4;
  return static_cast<std::uint32_t>(top - word);
}

inline std::uint32_t reserve() {
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(_stack_top) -
                                    reinterpret_cast<std::uintptr_t>(_stack_limit));
}

}  // namespace lit::bench::stack_watermark

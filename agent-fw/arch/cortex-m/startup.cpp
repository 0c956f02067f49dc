// Reset and fault handlers common to every Cortex-M board. Reset brings the C++
// runtime up by hand (no crt0): it copies .data from flash, zeroes .bss, turns
// the FPU on when the ABI uses it, runs any static constructors (the core has
// none; it is constinit) and calls main(). Each board supplies the vector table
// that points here, and lit::board::panic() for unexpected exceptions; the
// HardFault handler is in fault.cpp.
#include <cstdint>

#include "board.hpp"
#include "registers.hpp"

// Symbols from agent-fw/arch/cortex-m/sections.ld.
extern "C" {
extern std::uint32_t _sidata[];
extern std::uint32_t _sdata[];
extern std::uint32_t _edata[];
extern std::uint32_t _sbss[];
extern std::uint32_t _ebss[];
using Constructor = void (*)();
extern Constructor __preinit_array_start[];
extern Constructor __preinit_array_end[];
extern Constructor __init_array_start[];
extern Constructor __init_array_end[];

[[noreturn]] void Reset_Handler();
void Default_Handler();
}

// The application's main(). C++ forbids calling ::main, so reach the symbol
// under another name.
int application_main() asm("main");

void Reset_Handler() {
  // Volatile pointers: keep the compiler from turning these loops into calls
  // to memcpy/memset before the C library's own data exists.
  const volatile std::uint32_t* source = _sidata;
  for (volatile std::uint32_t* word = _sdata; word < _edata; ++word, ++source) *word = *source;
  for (volatile std::uint32_t* word = _sbss; word < _ebss; ++word) *word = 0;
#if defined(__ARM_FP)
  lit::cortex_m::reg(lit::cortex_m::scb::kCpacr) |= lit::cortex_m::scb::kCp10Cp11Full;
  asm volatile("dsb\n\tisb" ::: "memory");
#endif
  for (Constructor* constructor = __preinit_array_start; constructor < __preinit_array_end; ++constructor)
    (*constructor)();
  for (Constructor* constructor = __init_array_start; constructor < __init_array_end; ++constructor) (*constructor)();
  const int status = application_main();
  lit::board::exit(status);
}

void Default_Handler() { lit::board::panic("unexpected exception"); }

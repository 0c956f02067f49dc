// The STM32F405 vector table: the Cortex-M4 system exceptions and the part's 82
// external interrupts (all unused while the console is polled).
#include "vector_table.hpp"

[[gnu::used, gnu::section(".vectors")]] constinit const auto vector_table = lit::cortex_m::make_vector_table<82>();

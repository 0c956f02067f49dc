// The AN385 vector table: the Cortex-M3 system exceptions and the 32 external
// interrupts of the MPS2 FPGA image (all unused while the console is polled).
#include "vector_table.hpp"

[[gnu::used, gnu::section(".vectors")]] constinit const auto vector_table = lit::cortex_m::make_vector_table<32>();

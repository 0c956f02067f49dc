// Prints the demo chart's structural hash as the host computes it, in the form
// the firmware prints it ("0x" and 16 hex digits). Built for the build machine;
// the QEMU test checks the device printed the same hash for the same chart.
#include <cinttypes>
#include <cstdio>

#include "demo_chart.hpp"

int main() {
  std::printf("0x%016" PRIx64 "\n", lit::demo::pump_chart.structural_hash());
  return 0;
}

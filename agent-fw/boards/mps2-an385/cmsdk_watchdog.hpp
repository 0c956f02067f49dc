// Driver for the ARM CMSDK APB watchdog (AN385: 0x40008000, clocked at 25 MHz,
// its interrupt wired to the NMI; QEMU 7.2 models it). The counter runs down
// from the load value; at zero it raises the interrupt and reloads, and if
// the interrupt is still pending at the next zero it resets the system. The
// board's NMI handler records ResetCause::watchdog with the interrupted PC
// and resets at the first zero, so the second is only a backstop. Thread
// context; kick() is a single register write.
#pragma once

#include <cstdint>

namespace lit::board::cmsdk {

class Watchdog {
 public:
  constexpr explicit Watchdog(std::uintptr_t base) : base_(base) {}

  // Starts counting down `ticks` watchdog-clock cycles, with interrupt and reset enabled.
  void start(std::uint32_t ticks) const;
  // Reloads the counter and clears the interrupt.
  void kick() const;

 private:
  volatile std::uint32_t& reg(std::uintptr_t offset) const {
    return *reinterpret_cast<volatile std::uint32_t*>(base_ + offset);
  }

  std::uintptr_t base_;
};

}  // namespace lit::board::cmsdk

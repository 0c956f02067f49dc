// One side of a link session on the modelled UART (uart.hpp), for tests and
// benchmarks of the session: the session, the line it writes to, the line it
// reads from, and the virtual instant it has reached. Derived is the session's
// handler (on_reliable, on_best_effort, on_link_up, on_link_down,
// on_send_failed); this is its output. Single-threaded, host-only, virtual time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "lit/link/session.hpp"
#include "sim/uart.hpp"

namespace lit::sim {

template <typename Derived, typename Session>
class UartSessionEnd {
 public:
  Session session;
  UartLine* out;
  UartLine* in;
  std::uint64_t now_us = 0;
  std::vector<std::uint8_t> rx;  // what the last receive() read

  Millis now_ms() const { return ms_from_us(now_us); }

  // The session's output.
  void write(std::span<const std::uint8_t> bytes) { out->write(bytes, now_us); }

  // Moves to `at_us` and hands the session what arrived by then.
  void receive(std::uint64_t at_us) {
    now_us = at_us;
    rx.clear();
    in->read(now_us, rx);
    if (!rx.empty()) session.on_bytes(rx, now_ms(), derived());
  }

  void poll() { session.poll(now_ms(), derived(), derived()); }

 private:
  friend Derived;
  UartSessionEnd(const link::SessionConfig& config, UartLine& out_line, UartLine& in_line)
      : session(config), out(&out_line), in(&in_line) {}

  Derived& derived() { return static_cast<Derived&>(*this); }
};

}  // namespace lit::sim

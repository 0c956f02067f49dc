// The port: everything the actor runtime needs from a platform, and nothing
// else. Three ports implement it: libuv (daemon/port/), bare metal
// (agent-fw/port/) and the deterministic simulator (tests/sim/). The core calls
// it from its own loop context, except wake(), enter_critical() and
// exit_critical(), which any context may call (an ISR on the MCU, any thread on
// the host). No port call may block for long or allocate from inside the core.
#pragma once

#include <cstdint>
#include <string_view>

namespace lit {

// Milliseconds on a monotonic clock that never goes backwards. 64 bits, so it
// never wraps in practice on either side.
using Millis = std::uint64_t;
inline constexpr Millis kNever = ~Millis{0};

class Port {
 public:
  // A critical section against every other context that may touch this loop's
  // shared state: PRIMASK or BASEPRI on the MCU, a mutex or spinlock on the
  // host, nothing in the single-threaded simulator. Sections nest: exit
  // restores what enter returned. Kept to a few instructions inside.
  virtual std::uint32_t enter_critical() = 0;
  virtual void exit_critical(std::uint32_t saved) = 0;

  virtual Millis now() = 0;

  // The loop's one-shot timer: call Scheduler::on_timer() once, at or after
  // `deadline`. A later call replaces the deadline; kNever disarms it. The
  // scheduler keeps its own ordered timer list and asks only for the earliest.
  virtual void arm_timer(Millis deadline) = 0;

  // An actor became ready (a message arrived, a timer fired): the loop must
  // call Scheduler::run() soon. Any context may call this, including ISRs and
  // other threads; ports coalesce repeated wakeups (uv_async_send, a pending
  // flag before WFI).
  virtual void wake() = 0;

  // Something the core cannot recover from: a root supervisor gave up, or an
  // invariant broke. Bare metal logs and resets; the daemon logs and exits;
  // the simulator records it. The core does nothing more on this loop after a
  // fatal call returns.
  virtual void fatal(const char* reason) = 0;

  // Randomness for restart backoff jitter. The simulator's is seeded, so runs
  // repeat exactly.
  virtual std::uint32_t random() = 0;

  // A chart's <log> or a runtime note, for the platform's log. Optional.
  virtual void log(std::string_view actor, std::string_view label, std::string_view text) {
    static_cast<void>(actor);
    static_cast<void>(label);
    static_cast<void>(text);
  }

 protected:
  Port() = default;
  Port(const Port&) = default;
  Port& operator=(const Port&) = default;
  ~Port() = default;  // never deleted through a Port*
};

// Scoped critical section on a port.
class CriticalSection {
 public:
  explicit CriticalSection(Port& port) : port_(port), saved_(port.enter_critical()) {}
  ~CriticalSection() { port_.exit_critical(saved_); }
  CriticalSection(const CriticalSection&) = delete;
  CriticalSection& operator=(const CriticalSection&) = delete;

 private:
  Port& port_;
  std::uint32_t saved_;
};

}  // namespace lit

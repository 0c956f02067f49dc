// Why an actor stopped: the exit reason that supervisors, watchers and DOWN
// notifications carry. Plain data. `text` is always a string with static
// storage (a literal), so a reason can be copied anywhere, including across
// restarts, without owning memory.
#pragma once

#include <cstdint>

namespace lit {

enum class ExitKind : std::uint8_t {
  normal,        // the chart reached a top-level final state, or a plain stop
  shutdown,      // told to stop by its supervisor, or a supervisor escalating
  killed,        // brutal kill, or a shutdown timeout ran out; no exit actions ran
  failed,        // fail(reason) from an action, an engine bound, or (host) an exception
  noconnection,  // the link to the device it lives on was lost
  noproc,        // watched an actor that was already gone
};

struct Reason {
  ExitKind kind = ExitKind::normal;
  const char* text = "";

  static constexpr Reason normal() { return {ExitKind::normal, "normal"}; }
  static constexpr Reason shutdown() { return {ExitKind::shutdown, "shutdown"}; }
  static constexpr Reason killed() { return {ExitKind::killed, "killed"}; }
  static constexpr Reason failed(const char* why) { return {ExitKind::failed, why}; }
  static constexpr Reason noconnection() { return {ExitKind::noconnection, "noconnection"}; }
  static constexpr Reason noproc() { return {ExitKind::noproc, "noproc"}; }

  // OTP's rule for transient children: everything but normal and shutdown is abnormal.
  constexpr bool abnormal() const { return kind != ExitKind::normal && kind != ExitKind::shutdown; }
};

constexpr const char* to_string(ExitKind kind) {
  switch (kind) {
    case ExitKind::normal: return "normal";
    case ExitKind::shutdown: return "shutdown";
    case ExitKind::killed: return "killed";
    case ExitKind::failed: return "failed";
    case ExitKind::noconnection: return "noconnection";
    case ExitKind::noproc: return "noproc";
  }
  return "?";
}

}  // namespace lit

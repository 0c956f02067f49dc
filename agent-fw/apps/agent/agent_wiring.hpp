// What every agent image wires the same way (apps/agent, apps/agent_min): the
// uplink through which the demo actors reach the host, the DeviceAgent's
// byte sink on the board's link UART, and the reset cause in wire terms.
// Firmware only (board.hpp); the host compiles demo_actors.hpp alone.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "board.hpp"
#include "demo_actors.hpp"

namespace lit::demo {

// The agent the uplink sends through; main() sets it once it exists.
inline link::DeviceAgent* uplink_agent = nullptr;

// A demo actor's reply or published value: one little-endian int32 to the
// origin's export. A full window or a down link loses it; the host's request
// then fails (link_down) or is never answered, and the agent counts the send.
inline void uplink_send(void*, link::MessageOrigin to, chart::EventId event, std::int32_t value, std::uint32_t source) {
  if (uplink_agent == nullptr || to.reply_export == 0) return;
  const auto raw = static_cast<std::uint32_t>(value);
  const std::array<std::uint8_t, 4> payload{static_cast<std::uint8_t>(raw),
                                            static_cast<std::uint8_t>(raw >> 8U),
                                            static_cast<std::uint8_t>(raw >> 16U),
                                            static_cast<std::uint8_t>(raw >> 24U)};
  static_cast<void>(uplink_agent->send_to_host(to.reply_export - 1U, event, payload, source, to.correlation_id));
}
inline constexpr Uplink kUplink{nullptr, &uplink_send};

// The DeviceAgent's byte sink. The TX ring drains by interrupt; wait for room
// rather than lose a frame.
inline void link_write(void*, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    bytes = bytes.subspan(board::link_write(bytes));
    if (!bytes.empty()) board::wait_for_interrupt();
  }
}

// The handshake's reset reason. The wire has no "fatal": a reset after an
// unrecoverable error is one the firmware commanded.
inline lit_wire_ResetReason wire_reset_reason(board::ResetCause cause) {
  switch (cause) {
    case board::ResetCause::power_on: return lit_wire_ResetReason_RESET_REASON_POWER_ON;
    case board::ResetCause::hard_fault: return lit_wire_ResetReason_RESET_REASON_HARD_FAULT;
    case board::ResetCause::watchdog: return lit_wire_ResetReason_RESET_REASON_WATCHDOG;
    case board::ResetCause::commanded: return lit_wire_ResetReason_RESET_REASON_COMMANDED;
    case board::ResetCause::fatal: return lit_wire_ResetReason_RESET_REASON_COMMANDED;
  }
  return lit_wire_ResetReason_RESET_REASON_UNSPECIFIED;
}

}  // namespace lit::demo

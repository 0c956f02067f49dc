// The wire envelope (proto/lit.proto) as both ends of the link code see it:
// nanopb's static struct, encoded into and decoded from one frame record.
// Nothing here allocates; the host's tools use libprotobuf on the same schema.
#pragma once

#include <pb_decode.h>
#include <pb_encode.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "lit.nanopb.h"
#include "lit/reason.hpp"
#include "lit_schema_hash.h"

namespace lit::link {

using Envelope = lit_wire_Envelope;

// The wire protocol's version: a peer with another one is refused.
inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::uint64_t kSchemaHash = LIT_SCHEMA_HASH;
// The most actors a device's table may hold (ActorInfo indexes are wire ids).
inline constexpr std::size_t kMaxDeviceActors = 16;

// Encodes into `out`; returns the size, or 0 if it does not fit.
inline std::size_t encode_envelope(const Envelope& envelope, std::span<std::uint8_t> out) {
  pb_ostream_t stream = pb_ostream_from_buffer(out.data(), out.size());
  return pb_encode(&stream, lit_wire_Envelope_fields, &envelope) ? stream.bytes_written : 0;
}

// Decodes one envelope; false on malformed input or a field over its bound.
inline bool decode_envelope(std::span<const std::uint8_t> in, Envelope& envelope) {
  envelope = lit_wire_Envelope_init_zero;
  pb_istream_t stream = pb_istream_from_buffer(in.data(), in.size());
  return pb_decode(&stream, lit_wire_Envelope_fields, &envelope);
}

// Copies a string into a bounded nanopb char array, always NUL-terminated.
template <std::size_t N>
void copy_text(char (&to)[N], std::string_view from) {
  const std::size_t n = from.size() < N - 1 ? from.size() : N - 1;
  for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
  to[n] = '\0';
}
template <std::size_t N>
void copy_text(std::array<char, N>& to, std::string_view from) {
  const std::size_t n = from.size() < N - 1 ? from.size() : N - 1;
  for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
  to[n] = '\0';
}

// A received bounded string: up to its first NUL, never past its array.
template <std::size_t N>
std::string_view text_of(const char (&text)[N]) {
  std::size_t n = 0;
  while (n < N && text[n] != '\0') ++n;
  return {text, n};
}

// A received enum field's value. nanopb stores whatever number arrived (that
// fits the field), so a peer can put one outside the enum's range there;
// reading the field as the enum would then be undefined, so it is read as its
// integer. Enums are 32-bit on the host and as small as their values allow on
// arm-none-eabi (AAPCS short enums).
template <class Enum>
std::int32_t wire_value(const Enum& field) {
  using Raw = std::underlying_type_t<Enum>;
  Raw value{};
  std::memcpy(&value, &field, sizeof(value));
  return static_cast<std::int32_t>(value);
}

inline lit_wire_ExitReason to_wire(ExitKind kind) {
  switch (kind) {
    case ExitKind::normal: return lit_wire_ExitReason_EXIT_REASON_NORMAL;
    case ExitKind::shutdown: return lit_wire_ExitReason_EXIT_REASON_STOPPED;
    case ExitKind::killed: return lit_wire_ExitReason_EXIT_REASON_KILLED;
    case ExitKind::failed: return lit_wire_ExitReason_EXIT_REASON_FAILED;
    case ExitKind::noconnection: return lit_wire_ExitReason_EXIT_REASON_STOPPED;
    case ExitKind::noproc: return lit_wire_ExitReason_EXIT_REASON_NO_ACTOR;
  }
  return lit_wire_ExitReason_EXIT_REASON_UNSPECIFIED;
}

}  // namespace lit::link

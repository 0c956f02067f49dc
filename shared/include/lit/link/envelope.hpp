// The wire envelope (proto/lit.proto) as both ends of the link code see it:
// nanopb's static struct, encoded into and decoded from one frame record.
// Each end names the kinds of body it speaks (BodyKind), so an image links
// the nanopb descriptors of those messages only. Nothing here allocates; the
// host's tools use libprotobuf on the same schema.
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

// One kind of envelope body: its tag in the Envelope's oneof and its message's
// nanopb descriptor. The codec below handles the oneof itself (a body is a
// length-delimited field: its key, its length, its bytes, as nanopb and
// libprotobuf encode it) and nanopb the body, so only the descriptors in an
// end's list are linked.
struct BodyKind {
  pb_size_t tag;
  const pb_msgdesc_t* fields;
};
using BodyKinds = std::span<const BodyKind>;

// Every kind of body: the host's list (it decodes whatever a device sends).
inline constexpr BodyKind kEveryBody[] = {
    {lit_wire_Envelope_handshake_tag, lit_wire_Handshake_fields},
    {lit_wire_Envelope_heartbeat_tag, lit_wire_Heartbeat_fields},
    {lit_wire_Envelope_actor_message_tag, lit_wire_ActorMessage_fields},
    {lit_wire_Envelope_supervision_command_tag, lit_wire_SupervisionCommand_fields},
    {lit_wire_Envelope_supervision_reply_tag, lit_wire_SupervisionReply_fields},
    {lit_wire_Envelope_down_tag, lit_wire_Down_fields},
    {lit_wire_Envelope_failure_tag, lit_wire_Failure_fields},
    {lit_wire_Envelope_trace_tag, lit_wire_Trace_fields},
    {lit_wire_Envelope_log_tag, lit_wire_Log_fields},
    {lit_wire_Envelope_metrics_tag, lit_wire_Metrics_fields},
    {lit_wire_Envelope_actor_table_entry_tag, lit_wire_ActorTableEntry_fields},
    {lit_wire_Envelope_actor_exit_tag, lit_wire_ActorExit_fields},
    {lit_wire_Envelope_goodbye_tag, lit_wire_Goodbye_fields},
};
// A body's key is one byte (field numbers up to 15), its length one or two.
static_assert(sizeof(kEveryBody) / sizeof(kEveryBody[0]) == 13 && lit_wire_Envelope_goodbye_tag <= 15,
              "every Envelope body is listed, and its key fits one byte");
inline constexpr std::size_t kBodyHead = 3;
// What encode_envelope needs for any envelope: the largest one, with room for
// the longest head before its body.
inline constexpr std::size_t kEnvelopeBuffer = lit_wire_Envelope_size + 1;

inline const BodyKind* find_body_kind(BodyKinds kinds, std::uint32_t tag) {
  for (const BodyKind& kind : kinds) {
    if (kind.tag == tag) return &kind;
  }
  return nullptr;
}

// Encodes into `out`; returns the size, or 0 if it does not fit or its body
// is not one of `kinds`.
inline std::size_t encode_envelope(const Envelope& envelope,
                                   std::span<std::uint8_t> out,
                                   BodyKinds kinds = kEveryBody) {
  const BodyKind* const kind = find_body_kind(kinds, envelope.which_body);
  if (kind == nullptr || out.size() < kBodyHead) return 0;
  // The body first, after room for its head; then the head, and the body
  // moved up against it.
  pb_ostream_t stream = pb_ostream_from_buffer(out.data() + kBodyHead, out.size() - kBodyHead);
  if (!pb_encode(&stream, kind->fields, &envelope.body)) return 0;
  const std::size_t size = stream.bytes_written;
  if (size >= 0x4000) return 0;
  std::size_t at = 0;
  out[at++] = static_cast<std::uint8_t>((std::uint32_t{kind->tag} << 3U) | PB_WT_STRING);
  if (size >= 0x80) {
    out[at++] = static_cast<std::uint8_t>(size | 0x80U);
    out[at++] = static_cast<std::uint8_t>(size >> 7U);
  } else {
    out[at++] = static_cast<std::uint8_t>(size);
  }
  for (std::size_t i = 0; i < size; ++i) out[at + i] = out[kBodyHead + i];  // down, never overlapping ahead
  return at + size;
}

// Decodes one envelope; false on malformed input or a field over its bound.
// A body of a kind not in `kinds` is skipped unread, as an unknown field is:
// the envelope then has no body (which_body 0), unless another field gave it
// one. Repeated bodies follow protobuf's rule for a oneof: the last kind
// wins, and the same kind again merges into it.
inline bool decode_envelope(std::span<const std::uint8_t> in, Envelope& envelope, BodyKinds kinds = kEveryBody) {
  envelope = lit_wire_Envelope_init_zero;
  pb_istream_t stream = pb_istream_from_buffer(in.data(), in.size());
  while (stream.bytes_left != 0) {
    pb_wire_type_t wire_type = PB_WT_VARINT;
    std::uint32_t tag = 0;
    bool eof = false;
    if (!pb_decode_tag(&stream, &wire_type, &tag, &eof) || tag == 0) return false;
    const BodyKind* const kind = find_body_kind(kinds, tag);
    if (kind == nullptr) {
      if (!pb_skip_field(&stream, wire_type)) return false;
      continue;
    }
    if (wire_type != PB_WT_STRING) return false;
    if (envelope.which_body != kind->tag) {
      std::memset(&envelope.body, 0, sizeof(envelope.body));  // proto3: every default is zero
      envelope.which_body = kind->tag;
    }
    pb_istream_t body = stream;
    if (!pb_make_string_substream(&stream, &body)) return false;
    const bool decoded = pb_decode_ex(&body, kind->fields, &envelope.body, PB_DECODE_NOINIT);
    if (!pb_close_string_substream(&stream, &body) || !decoded) return false;
  }
  return true;
}

// Copies a string into a bounded nanopb char array, always NUL-terminated.
// One copy of the loop for every array size (out of line: it is on no hot
// path, and the device has a dozen bounded strings).
[[gnu::noinline]] inline void copy_text(char* to, std::size_t capacity, std::string_view from) {
  const std::size_t n = from.size() < capacity - 1 ? from.size() : capacity - 1;
  for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
  to[n] = '\0';
}
// A C string (null: empty), read no further than what fits.
[[gnu::noinline]] inline void copy_text(char* to, std::size_t capacity, const char* from) {
  std::size_t n = 0;
  for (; from != nullptr && n + 1 < capacity && from[n] != '\0'; ++n) to[n] = from[n];
  to[n] = '\0';
}
template <std::size_t N>
void copy_text(char (&to)[N], std::string_view from) {
  copy_text(to, N, from);
}
template <std::size_t N>
void copy_text(char (&to)[N], const char* from) {
  copy_text(to, N, from);
}
template <std::size_t N>
void copy_text(std::array<char, N>& to, std::string_view from) {
  copy_text(to.data(), N, from);
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

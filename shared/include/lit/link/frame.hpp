// Link framing: one frame = 8-byte header (with its own CRC-16) + body +
// CRC-32 of the body, COBS-encoded and ended by a 0x00 delimiter (format in
// docs/architecture.md, "Wire protocol"). FrameEncoder writes frames into a
// caller's buffer; FrameDecoder is fed received bytes from one context (the
// serial reader task, not an ISR) and hands good frames to a handler. Neither
// allocates; the decoder's buffer is a fixed member sized by MaxBody.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lit/link/cobs.hpp"
#include "lit/link/crc.hpp"

namespace lit::link {

// 2: reliable bodies are record lists, and the session flag bits below.
inline constexpr std::uint8_t kFrameVersion = 2;
inline constexpr std::size_t kFrameHeaderSize = 8;
inline constexpr std::size_t kFrameTrailerSize = 4;  // CRC-32 of the body
inline constexpr std::size_t kDefaultMaxBody = 256;

// Flag bits. Bits the receiver does not know are passed up unchanged, not
// rejected: a newer peer may set them, and the header check already vouches
// for them.
inline constexpr std::uint8_t kFlagReliable = 0x01;
inline constexpr std::uint8_t kFlagAckOnly = 0x02;
// The link session (lit/link/session.hpp) uses the next bits; this layer only
// carries them: 0x04 the sender's epoch, 0x08 the receiver's epoch as the
// sender saw it, 0x10 that echo is valid, 0x20 the sender's link is down,
// 0x40 the sender's owner refused a record of the frame it acks (busy).
// 0x80 is free.

struct FrameHeader {
  std::uint8_t version = kFrameVersion;
  std::uint8_t flags = 0;
  std::uint8_t sequence = 0;
  std::uint8_t ack = 0;
  std::uint16_t length = 0;  // body length; the encoder sets it from the body
  friend constexpr bool operator==(const FrameHeader&, const FrameHeader&) = default;
};

// Raw (unencoded) and on-the-wire (encoded + delimiter) sizes of a frame.
constexpr std::size_t frame_raw_size(std::size_t body) { return kFrameHeaderSize + body + kFrameTrailerSize; }
constexpr std::size_t frame_wire_size_max(std::size_t body) { return cobs_max_encoded_size(frame_raw_size(body)) + 1; }

namespace detail {

constexpr std::array<std::uint8_t, kFrameHeaderSize> pack_header(const FrameHeader& header) {
  std::array<std::uint8_t, kFrameHeaderSize> raw{header.version,
                                                 header.flags,
                                                 header.sequence,
                                                 header.ack,
                                                 static_cast<std::uint8_t>(header.length & 0xFFU),
                                                 static_cast<std::uint8_t>(header.length >> 8),
                                                 0,
                                                 0};
  const std::uint16_t check = crc16(std::span<const std::uint8_t>(raw).first(6));
  raw[6] = static_cast<std::uint8_t>(check & 0xFFU);
  raw[7] = static_cast<std::uint8_t>(check >> 8);
  return raw;
}

constexpr std::uint16_t load_u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8));
}

constexpr std::uint32_t load_u32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

}  // namespace detail

// Encodes one frame, delimiter included, into `out`. Returns the bytes written,
// or 0 when the body is longer than MaxBody or `out` is too small (then `out`
// holds garbage that must not be sent). header.length is ignored: the body's
// size is written. header.version is written as given (normally kFrameVersion).
template <std::size_t MaxBody = kDefaultMaxBody>
struct FrameEncoder {
  static_assert(MaxBody <= 0xFFFF, "the length field is 16 bits");
  static constexpr std::size_t kMaxBody = MaxBody;
  static constexpr std::size_t kMaxWireSize = frame_wire_size_max(MaxBody);

  static constexpr std::size_t encode(const FrameHeader& header,
                                      std::span<const std::uint8_t> body,
                                      std::span<std::uint8_t> out) {
    if (body.size() > MaxBody) return 0;
    FrameHeader sized = header;
    sized.length = static_cast<std::uint16_t>(body.size());
    const auto raw_header = detail::pack_header(sized);
    const std::uint32_t crc = crc32(body);
    const std::array<std::uint8_t, kFrameTrailerSize> trailer{static_cast<std::uint8_t>(crc & 0xFFU),
                                                              static_cast<std::uint8_t>((crc >> 8) & 0xFFU),
                                                              static_cast<std::uint8_t>((crc >> 16) & 0xFFU),
                                                              static_cast<std::uint8_t>(crc >> 24)};
    CobsEncoder cobs(out);
    cobs.push(raw_header);
    cobs.push(body);
    cobs.push(trailer);
    const CobsResult result = cobs.finish();
    if (!result.ok() || result.size >= out.size()) return 0;
    out[result.size] = 0;  // the delimiter
    return result.size + 1;
  }
};

// Every rejected frame is counted once, under the first check it fails, in
// this order: cobs, too_long, too_short, header_check, unknown_version,
// length_mismatch, body_crc.
struct FrameErrors {
  std::uint32_t cobs = 0;             // a COBS block cut short by the delimiter
  std::uint32_t too_long = 0;         // no delimiter within the largest frame; skipped to the next one
  std::uint32_t too_short = 0;        // fewer bytes than header + CRC-32
  std::uint32_t header_check = 0;     // header CRC-16 mismatch
  std::uint32_t unknown_version = 0;  // good header, version we do not speak
  std::uint32_t length_mismatch = 0;  // header length disagrees with the frame's size
  std::uint32_t body_crc = 0;         // body CRC-32 mismatch
  std::uint32_t frames_ok = 0;        // frames handed to on_frame
  std::uint32_t bytes_discarded = 0;  // encoded bytes of rejected frames (delimiters not counted)
  friend constexpr bool operator==(const FrameErrors&, const FrameErrors&) = default;
};

// Streaming decoder. COBS is undone byte by byte as the bytes arrive, so the
// only buffer is one raw frame (header + MaxBody + CRC-32). After any error it
// discards until the next 0x00 and starts afresh there: that is the whole
// resynchronisation. Empty frames (0x00 0x00, or a 0x00 a sender emits first to
// flush a receiver after reset) are ignored, not counted as errors.
//
// Handler needs `void on_frame(const FrameHeader&, std::span<const std::uint8_t>
// body)`; the body points into the decoder and is valid only during the call.
template <std::size_t MaxBody = kDefaultMaxBody>
class FrameDecoder {
 public:
  static_assert(MaxBody <= 0xFFFF, "the length field is 16 bits");
  static constexpr std::size_t kMaxBody = MaxBody;
  static constexpr std::size_t kMaxRawSize = frame_raw_size(MaxBody);

  template <typename Handler>
  void push(std::uint8_t byte, Handler& handler) {
    if (byte == 0) {
      end_frame(handler);
      return;
    }
    ++encoded_;
    if (state_ == State::discarding) return;
    if (block_left_ == 0) {
      // A code byte. The previous block, unless full (0xFF) or the first,
      // stood for a zero, which we now know is not the frame's last byte.
      if (encoded_ > 1 && code_ != 0xFF && !store(0)) return;
      code_ = byte;
      block_left_ = static_cast<std::uint8_t>(byte - 1);
      return;
    }
    --block_left_;
    store(byte);
  }

  template <typename Handler>
  void push(std::span<const std::uint8_t> bytes, Handler& handler) {
    for (const std::uint8_t byte : bytes) push(byte, handler);
  }

  const FrameErrors& errors() const { return errors_; }

 private:
  enum class State : std::uint8_t { receiving, discarding };

  bool store(std::uint8_t byte) {
    if (size_ == buffer_.size()) {
      ++errors_.too_long;
      state_ = State::discarding;
      return false;
    }
    buffer_[size_++] = byte;
    return true;
  }

  template <typename Handler>
  void end_frame(Handler& handler) {
    if (encoded_ != 0) {
      if (state_ == State::discarding) {
        reject();
      } else if (block_left_ != 0) {
        reject(errors_.cobs);
      } else {
        check(handler);
      }
    }
    state_ = State::receiving;
    encoded_ = 0;
    size_ = 0;
    block_left_ = 0;
    code_ = 0;
  }

  template <typename Handler>
  void check(Handler& handler) {
    if (size_ < kFrameHeaderSize + kFrameTrailerSize) return reject(errors_.too_short);
    const std::uint8_t* p = buffer_.data();
    if (crc16(std::span<const std::uint8_t>(p, 6)) != detail::load_u16(p + 6)) return reject(errors_.header_check);
    FrameHeader header{p[0], p[1], p[2], p[3], detail::load_u16(p + 4)};
    // The version is trusted only once the header check passes, so a future
    // version must keep these 8 bytes and their check where they are.
    if (header.version != kFrameVersion) return reject(errors_.unknown_version);
    if (frame_raw_size(header.length) != size_) return reject(errors_.length_mismatch);
    const std::span<const std::uint8_t> body(p + kFrameHeaderSize, header.length);
    if (crc32(body) != detail::load_u32(p + kFrameHeaderSize + header.length)) return reject(errors_.body_crc);
    ++errors_.frames_ok;
    handler.on_frame(header, body);
  }

  void reject(std::uint32_t& kind) {
    ++kind;
    reject();
  }
  void reject() { errors_.bytes_discarded += static_cast<std::uint32_t>(encoded_); }

  std::array<std::uint8_t, kMaxRawSize> buffer_{};
  std::size_t size_ = 0;     // raw bytes decoded so far
  std::size_t encoded_ = 0;  // encoded bytes received since the last delimiter
  std::uint8_t code_ = 0;    // current COBS block's code byte
  std::uint8_t block_left_ = 0;
  State state_ = State::receiving;
  FrameErrors errors_{};
};

}  // namespace lit::link

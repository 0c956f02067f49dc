// Consistent Overhead Byte Stuffing (Cheshire & Baker): rewrites a byte string
// so it holds no 0x00, leaving 0x00 free as the frame delimiter on the wire.
// Writes only into caller-given spans, never allocates, never reads or writes
// outside them; any context may call it. The delimiter itself is not part of
// the encoding here: the framing layer (frame.hpp) appends it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace lit::link {

enum class CobsStatus : std::uint8_t {
  ok,
  output_too_small,  // encode or decode ran out of room in `out`
  unexpected_zero,   // decode: a 0x00 inside the encoded data (it is the delimiter)
  truncated_block,   // decode: a code byte promises more bytes than remain
};

struct CobsResult {
  std::size_t size = 0;  // bytes written to `out` when status is ok
  CobsStatus status = CobsStatus::ok;
  constexpr bool ok() const { return status == CobsStatus::ok; }
};

// The longest encoding of n bytes: one code byte per started run of 254 bytes,
// plus the first. (This encoder ends a full 254-byte run with a new, possibly
// empty, block, so n = 254 encodes to 256 bytes; the bound covers it.)
constexpr std::size_t cobs_max_encoded_size(std::size_t n) { return n + n / 254 + 1; }

// Streaming encoder: push the raw bytes in any number of pieces, then finish().
// Used directly by the frame encoder to encode header, body and CRC without
// first copying them into one buffer.
class CobsEncoder {
 public:
  constexpr explicit CobsEncoder(std::span<std::uint8_t> out) : out_(out) { open_block(); }

  constexpr void push(std::uint8_t byte) {
    if (byte == 0) {
      close_block();
      open_block();
      return;
    }
    put(byte);
    if (++code_ == 0xFF) {  // a full block of 254 non-zero bytes: no zero implied
      close_block();
      open_block();
    }
  }

  constexpr void push(std::span<const std::uint8_t> bytes) {
    for (const std::uint8_t byte : bytes) push(byte);
  }

  // Closes the last block. Returns output_too_small if any byte did not fit
  // (the contents of `out` are then unspecified).
  constexpr CobsResult finish() {
    close_block();
    if (overflow_) return {0, CobsStatus::output_too_small};
    return {pos_, CobsStatus::ok};
  }

 private:
  constexpr void open_block() {
    code_index_ = pos_;
    code_ = 1;
    put(0);  // placeholder for the code byte
  }
  constexpr void close_block() {
    if (code_index_ < out_.size()) out_[code_index_] = code_;
  }
  constexpr void put(std::uint8_t byte) {
    if (pos_ < out_.size()) {
      out_[pos_] = byte;
    } else {
      overflow_ = true;
    }
    ++pos_;
  }

  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  std::size_t code_index_ = 0;
  std::uint8_t code_ = 1;
  bool overflow_ = false;
};

constexpr CobsResult cobs_encode(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  CobsEncoder encoder(out);
  encoder.push(in);
  return encoder.finish();
}

// Decodes one encoded frame (without its delimiter). `out` may be `in` itself
// (in-place decoding): the write position never passes the read position.
constexpr CobsResult cobs_decode(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  std::size_t read = 0;
  std::size_t write = 0;
  while (read < in.size()) {
    const std::uint8_t code = in[read++];
    if (code == 0) return {0, CobsStatus::unexpected_zero};
    const std::size_t run = std::size_t{code} - 1;
    if (run > in.size() - read) return {0, CobsStatus::truncated_block};
    if (run > out.size() - write) return {0, CobsStatus::output_too_small};
    for (std::size_t i = 0; i < run; ++i) {
      const std::uint8_t byte = in[read++];
      if (byte == 0) return {0, CobsStatus::unexpected_zero};
      out[write++] = byte;
    }
    // Every block but a full one (0xFF) and the last stands for a zero after it.
    if (code != 0xFF && read < in.size()) {
      if (write >= out.size()) return {0, CobsStatus::output_too_small};
      out[write++] = 0;
    }
  }
  return {write, CobsStatus::ok};
}

}  // namespace lit::link

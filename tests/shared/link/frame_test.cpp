// Tests of the link framing (lit/link/frame.hpp): round trips, each kind of
// corruption counted under its own name, resynchronisation at the next
// delimiter, and randomised noisy streams in which no damaged frame may ever
// reach the handler and every intact frame after the damage must.
#include "lit/link/frame.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace {

using lit::link::FrameErrors;
using lit::link::FrameHeader;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kMaxBody = 64;
using Encoder = lit::link::FrameEncoder<kMaxBody>;
using Decoder = lit::link::FrameDecoder<kMaxBody>;

struct Received {
  FrameHeader header;
  Bytes body;
  bool operator==(const Received&) const = default;
};

struct Collector {
  std::vector<Received> frames;
  void on_frame(const FrameHeader& header, std::span<const std::uint8_t> body) {
    frames.push_back({header, Bytes(body.begin(), body.end())});
  }
};

Bytes frame(FrameHeader header, const Bytes& body) {
  Bytes out(Encoder::kMaxWireSize);
  const std::size_t size = Encoder::encode(header, body, out);
  EXPECT_NE(size, 0U);
  out.resize(size);
  return out;
}

Bytes body_of(std::size_t size, std::uint8_t seed) {
  Bytes body(size);
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<std::uint8_t>(seed + i * 7);  // zeros included
  return body;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

FrameErrors decode(const Bytes& stream, Collector& collector) {
  Decoder decoder;
  decoder.push(stream, collector);
  return decoder.errors();
}

FrameHeader header(std::uint8_t sequence, std::uint16_t length = 0) {
  return FrameHeader{lit::link::kFrameVersion, lit::link::kFlagReliable, sequence, 0x42, length};
}

TEST(Frame, RoundTripsBodiesOfEverySize) {
  for (std::size_t size = 0; size <= kMaxBody; ++size) {
    Collector got;
    const auto errors = decode(frame(header(3), body_of(size, 0xF0)), got);
    ASSERT_EQ(got.frames.size(), 1U) << size;
    EXPECT_EQ(got.frames[0].header, header(3, static_cast<std::uint16_t>(size)));
    EXPECT_EQ(got.frames[0].body, body_of(size, 0xF0));
    EXPECT_EQ(errors, (FrameErrors{.frames_ok = 1}));
  }
}

TEST(Frame, WireLayoutIsHeaderCheckBodyCrcThenDelimiter) {
  const Bytes wire = frame(FrameHeader{lit::link::kFrameVersion, 0x03, 0x10, 0x20, 0}, {0xAA});
  Bytes raw(wire.size());
  const auto result = lit::link::cobs_decode(std::span(wire).first(wire.size() - 1), raw);
  ASSERT_TRUE(result.ok());
  raw.resize(result.size);
  ASSERT_EQ(raw.size(), 13U);
  EXPECT_EQ((Bytes(raw.begin(), raw.begin() + 6)), (Bytes{lit::link::kFrameVersion, 0x03, 0x10, 0x20, 1, 0}));
  const std::uint16_t check = lit::link::crc16(std::span(raw).first(6));
  EXPECT_EQ(raw[6], check & 0xFF);
  EXPECT_EQ(raw[7], check >> 8);
  EXPECT_EQ(raw[8], 0xAA);
  const std::uint32_t crc = lit::link::crc32(std::span(raw).subspan(8, 1));
  EXPECT_EQ(raw[9], crc & 0xFF);
  EXPECT_EQ(raw[12], crc >> 24);
  EXPECT_EQ(wire.back(), 0);
}

TEST(Frame, UnknownFlagBitsArePassedUp) {
  Collector got;
  decode(frame(FrameHeader{lit::link::kFrameVersion, 0xFC, 1, 2, 0}, {}), got);
  ASSERT_EQ(got.frames.size(), 1U);
  EXPECT_EQ(got.frames[0].header.flags, 0xFC);
}

TEST(Frame, EncoderRefusesABodyTooLongOrAnOutputTooSmall) {
  Bytes out(Encoder::kMaxWireSize);
  EXPECT_EQ(Encoder::encode(header(1), Bytes(kMaxBody + 1, 1), out), 0U);
  const Bytes body = body_of(kMaxBody, 1);
  const std::size_t needed = Encoder::encode(header(1), body, out);
  ASSERT_NE(needed, 0U);
  for (std::size_t room = 0; room < needed; ++room) {
    Bytes small(room);
    EXPECT_EQ(Encoder::encode(header(1), body, small), 0U) << room;
  }
}

TEST(Frame, LeadingAndRepeatedDelimitersAreIgnored) {
  Collector got;
  const auto errors = decode(concat({{0, 0, 0}, frame(header(1), {5}), {0, 0}, frame(header(2), {6}), {0}}), got);
  EXPECT_EQ(got.frames.size(), 2U);
  EXPECT_EQ(errors, (FrameErrors{.frames_ok = 2}));
}

TEST(Frame, ByteByByteDeliveryMatchesOneSpan) {
  const Bytes stream = concat({frame(header(1), body_of(10, 1)),
                               {0x05, 0x01, 0x00},
                               frame(header(2), body_of(64, 2)),
                               Bytes(300, 0x33),
                               {0},
                               frame(header(3), {})});
  Collector whole;
  const auto whole_errors = decode(stream, whole);
  Collector pieces;
  Decoder decoder;
  for (const auto byte : stream) decoder.push(byte, pieces);
  EXPECT_EQ(whole.frames, pieces.frames);
  EXPECT_EQ(whole_errors, decoder.errors());
  EXPECT_EQ(whole.frames.size(), 3U);
}

// Flips each bit of each encoded byte of a frame in turn (the delimiter too):
// the damaged frame never reaches the handler, at least one error is counted
// (a byte flipped to 0x00 splits it into two rejected pieces), and the intact
// frame after it is received unless the damaged byte was the delimiter.
TEST(Frame, EveryCorruptedByteIsRejectedAndTheNextFrameStillArrives) {
  const Bytes victim = frame(header(7), body_of(20, 9));
  const Bytes next = frame(header(8), body_of(5, 1));
  for (std::size_t pos = 0; pos < victim.size(); ++pos) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes damaged = victim;
      damaged[pos] = static_cast<std::uint8_t>(damaged[pos] ^ (1U << bit));
      Collector got;
      const auto errors = decode(concat({damaged, next}), got);
      if (pos + 1 == victim.size()) {
        // The delimiter itself: the two frames merge into one bad frame.
        EXPECT_TRUE(got.frames.empty()) << bit;
      } else {
        ASSERT_EQ(got.frames.size(), 1U) << pos << ":" << bit;
        EXPECT_EQ(got.frames[0], (Received{header(8, 5), body_of(5, 1)})) << pos << ":" << bit;
      }
      const std::uint32_t rejected = errors.cobs + errors.too_long + errors.too_short + errors.header_check +
                                     errors.unknown_version + errors.length_mismatch + errors.body_crc;
      EXPECT_GE(rejected, 1U) << pos << ":" << bit;
    }
  }
}

// Raw-frame corruption at each position lands in the kind that owns the byte.
TEST(Frame, CorruptionIsCountedByTheKindOfTheDamagedField) {
  const Bytes body = body_of(12, 3);
  const std::size_t raw_size = lit::link::frame_raw_size(body.size());
  for (std::size_t pos = 0; pos < raw_size; ++pos) {
    // Build the raw frame, damage one byte, then stuff and delimit it by hand.
    Bytes wire = frame(header(1), body);
    Bytes raw(raw_size + 8);
    const auto decoded = lit::link::cobs_decode(std::span(wire).first(wire.size() - 1), raw);
    ASSERT_TRUE(decoded.ok());
    raw.resize(decoded.size);
    raw[pos] ^= 0x10;
    Bytes stuffed(lit::link::cobs_max_encoded_size(raw.size()));
    const auto encoded = lit::link::cobs_encode(raw, stuffed);
    stuffed.resize(encoded.size);
    stuffed.push_back(0);
    Collector got;
    const auto errors = decode(stuffed, got);
    EXPECT_TRUE(got.frames.empty()) << pos;
    if (pos < 8) {
      EXPECT_EQ(errors, (FrameErrors{.header_check = 1, .bytes_discarded = static_cast<std::uint32_t>(encoded.size)}))
          << pos;
    } else {
      EXPECT_EQ(errors, (FrameErrors{.body_crc = 1, .bytes_discarded = static_cast<std::uint32_t>(encoded.size)}))
          << pos;
    }
  }
}

Bytes stuff(const Bytes& raw) {
  Bytes out(lit::link::cobs_max_encoded_size(raw.size()));
  out.resize(lit::link::cobs_encode(raw, out).size);
  out.push_back(0);
  return out;
}

Bytes raw_frame(const FrameHeader& h, const Bytes& body) {
  const auto packed = lit::link::detail::pack_header(h);
  // Sized up front: GCC 12's -Warray-bounds misfires on inserting after a
  // vector built from an 8-byte array.
  Bytes raw(packed.size() + body.size());
  std::copy(packed.begin(), packed.end(), raw.begin());
  std::copy(body.begin(), body.end(), raw.begin() + static_cast<std::ptrdiff_t>(packed.size()));
  const std::uint32_t crc = lit::link::crc32(body);
  for (int i = 0; i < 4; ++i) raw.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  return raw;
}

TEST(Frame, UnknownVersionIsCountedWhenTheHeaderIsSound) {
  Collector got;
  const auto errors =
      decode(concat({frame(FrameHeader{lit::link::kFrameVersion + 1, 0, 1, 0, 0}, {1, 2}), frame(header(2), {})}), got);
  EXPECT_EQ(errors.unknown_version, 1U);
  EXPECT_EQ(errors.frames_ok, 1U);
}

TEST(Frame, LengthFieldDisagreeingWithTheFrameIsALengthMismatch) {
  Collector got;
  const auto errors = decode(stuff(raw_frame(header(1, 3), {1, 2})), got);
  EXPECT_EQ(errors.length_mismatch, 1U);
  EXPECT_TRUE(got.frames.empty());
}

TEST(Frame, TruncatedFramesAreTooShortOrFailTheirChecks) {
  const Bytes raw = raw_frame(header(1, 6), body_of(6, 1));
  for (std::size_t keep = 1; keep < raw.size(); ++keep) {
    Collector got;
    const auto errors = decode(
        concat({stuff(Bytes(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(keep))), frame(header(2), {9})}),
        got);
    ASSERT_EQ(got.frames.size(), 1U) << keep;
    EXPECT_EQ(got.frames[0].header.sequence, 2);
    if (keep < 12) {
      EXPECT_EQ(errors.too_short, 1U) << keep;
    } else {
      EXPECT_EQ(errors.length_mismatch, 1U) << keep;
    }
  }
}

TEST(Frame, CobsBlockCutShortByTheDelimiterIsACobsError) {
  Collector got;
  const Bytes wire = frame(header(1), body_of(20, 1));
  const auto errors = decode(concat({Bytes(wire.begin(), wire.begin() + 5), {0}, frame(header(2), {})}), got);
  ASSERT_EQ(got.frames.size(), 1U);
  EXPECT_EQ(errors.cobs, 1U);
  EXPECT_EQ(errors.bytes_discarded, 5U);
}

TEST(Frame, OverlongGarbageIsSkippedToTheNextDelimiter) {
  Collector got;
  const Bytes garbage(5000, 0x7E);
  const auto errors = decode(concat({garbage, {0}, frame(header(1), {1}), garbage, frame(header(2), {2})}), got);
  // The second run of garbage has no delimiter of its own: it swallows frame 2.
  ASSERT_EQ(got.frames.size(), 1U);
  EXPECT_EQ(got.frames[0].header.sequence, 1);
  EXPECT_EQ(errors.too_long, 2U);
  EXPECT_EQ(errors.bytes_discarded, 5000U + 5000U + frame(header(2), {2}).size() - 1);
}

// Many frames through a channel that flips bits, drops, duplicates and inserts
// bytes. Every frame handed up must be one that was sent, byte for byte, and
// every frame whose encoding (and the delimiter before it) arrived untouched
// must be received.
TEST(Frame, NoisyStreamsNeverDeliverDamagedFramesAndKeepEveryIntactOne) {
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    std::vector<Received> sent;
    std::vector<bool> must_arrive;
    Bytes stream;
    bool previous_intact = true;  // the stream starts in sync
    for (int n = 0; n < 40; ++n) {
      const auto size = static_cast<std::size_t>(rng() % (kMaxBody + 1));
      Bytes body(size);
      for (auto& byte : body) byte = static_cast<std::uint8_t>(rng() % 4 == 0 ? 0 : rng());
      const FrameHeader h{lit::link::kFrameVersion,
                          static_cast<std::uint8_t>(rng()),
                          static_cast<std::uint8_t>(n),
                          0,
                          static_cast<std::uint16_t>(size)};
      Bytes wire = frame(h, body);
      bool intact = true;
      if (rng() % 3 == 0) {
        intact = false;
        const auto pos = static_cast<std::ptrdiff_t>(rng() % wire.size());
        switch (rng() % 4) {
          case 0: wire[static_cast<std::size_t>(pos)] ^= static_cast<std::uint8_t>(1U << (rng() % 8)); break;
          case 1: wire.erase(wire.begin() + pos); break;
          case 2: wire.insert(wire.begin() + pos, wire[static_cast<std::size_t>(pos)]); break;
          default: wire.insert(wire.begin() + pos, static_cast<std::uint8_t>(rng())); break;
        }
      }
      sent.push_back({h, body});
      must_arrive.push_back(intact && previous_intact);
      previous_intact = intact;
      stream.insert(stream.end(), wire.begin(), wire.end());
    }
    Collector got;
    Decoder decoder;
    decoder.push(stream, got);
    for (const auto& frame_got : got.frames) {
      EXPECT_NE(std::find(sent.begin(), sent.end(), frame_got), sent.end()) << "seed " << seed;
    }
    for (std::size_t i = 0; i < sent.size(); ++i) {
      if (!must_arrive[i]) continue;
      EXPECT_NE(std::find(got.frames.begin(), got.frames.end(), sent[i]), got.frames.end())
          << "seed " << seed << " frame " << i;
    }
    EXPECT_EQ(decoder.errors().frames_ok, got.frames.size());
  }
}

}  // namespace

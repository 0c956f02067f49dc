// Tests of the link's checksums (lit/link/crc.hpp) and byte stuffing
// (lit/link/cobs.hpp): the catalogued check values, COBS against hand-worked
// encodings, and round trips of random data around the 254-byte block limit.
#include "lit/link/cobs.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <span>
#include <string_view>
#include <vector>

#include "lit/link/crc.hpp"

namespace {

using lit::link::cobs_decode;
using lit::link::cobs_encode;
using lit::link::cobs_max_encoded_size;
using lit::link::CobsStatus;
using Bytes = std::vector<std::uint8_t>;

constexpr std::string_view kCheckInput = "123456789";

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

Bytes encode(const Bytes& in) {
  Bytes out(cobs_max_encoded_size(in.size()));
  const auto result = cobs_encode(in, out);
  EXPECT_TRUE(result.ok());
  out.resize(result.size);
  return out;
}

TEST(Crc, Crc32MatchesTheCatalogueCheckValue) { EXPECT_EQ(lit::link::crc32(as_bytes(kCheckInput)), 0xCBF43926U); }

TEST(Crc, Crc16CcittFalseMatchesTheCatalogueCheckValue) { EXPECT_EQ(lit::link::crc16(as_bytes(kCheckInput)), 0x29B1U); }

TEST(Crc, ChecksAreComputedAtCompileTime) {
  constexpr std::uint8_t kBytes[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  static_assert(lit::link::crc32(kBytes) == 0xCBF43926U);
  static_assert(lit::link::crc16(kBytes) == 0x29B1U);
}

TEST(Crc, IncrementalUpdatesEqualOneShot) {
  const auto all = as_bytes(kCheckInput);
  for (std::size_t cut = 0; cut <= all.size(); ++cut) {
    const auto state32 =
        lit::link::crc32_update(lit::link::crc32_update(lit::link::kCrc32Init, all.first(cut)), all.subspan(cut));
    EXPECT_EQ(lit::link::crc32_finish(state32), 0xCBF43926U);
    const auto state16 =
        lit::link::crc16_update(lit::link::crc16_update(lit::link::kCrc16Init, all.first(cut)), all.subspan(cut));
    EXPECT_EQ(state16, 0x29B1U);
  }
}

TEST(Crc, EmptyInputGivesTheInitialValueFinished) {
  EXPECT_EQ(lit::link::crc32({}), 0U);
  EXPECT_EQ(lit::link::crc16({}), 0xFFFFU);
}

TEST(Cobs, EncodesTheTextbookExamples) {
  EXPECT_EQ(encode({}), (Bytes{0x01}));
  EXPECT_EQ(encode({0x00}), (Bytes{0x01, 0x01}));
  EXPECT_EQ(encode({0x00, 0x00}), (Bytes{0x01, 0x01, 0x01}));
  EXPECT_EQ(encode({0x11, 0x22, 0x00, 0x33}), (Bytes{0x03, 0x11, 0x22, 0x02, 0x33}));
  EXPECT_EQ(encode({0x11, 0x00, 0x00, 0x00}), (Bytes{0x02, 0x11, 0x01, 0x01, 0x01}));
}

TEST(Cobs, FullBlockOf254BytesImpliesNoZero) {
  Bytes in(254);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint8_t>(i % 255 + 1);
  const Bytes out = encode(in);
  ASSERT_EQ(out.size(), 256U);
  EXPECT_EQ(out.front(), 0xFF);
  EXPECT_EQ(out.back(), 0x01);
}

TEST(Cobs, RoundTripsRandomDataAroundTheBlockLimit) {
  std::mt19937 rng(1234);
  const std::size_t sizes[] = {0, 1, 2, 253, 254, 255, 256, 507, 508, 509, 1000};
  for (const std::size_t size : sizes) {
    for (int pattern = 0; pattern < 4; ++pattern) {
      Bytes in(size);
      for (auto& byte : in) {
        switch (pattern) {
          case 0: byte = static_cast<std::uint8_t>(rng()); break;                    // random, some zeros
          case 1: byte = static_cast<std::uint8_t>(rng() % 255 + 1); break;          // no zeros at all
          case 2: byte = 0; break;                                                   // all zeros
          default: byte = rng() % 8 == 0 ? 0 : static_cast<std::uint8_t>(1); break;  // sparse zeros
        }
      }
      const Bytes encoded = encode(in);
      EXPECT_LE(encoded.size(), cobs_max_encoded_size(size));
      for (const auto byte : encoded) ASSERT_NE(byte, 0) << "size " << size << " pattern " << pattern;
      Bytes decoded(size);
      const auto result = cobs_decode(encoded, decoded);
      ASSERT_TRUE(result.ok()) << "size " << size << " pattern " << pattern;
      decoded.resize(result.size);
      EXPECT_EQ(decoded, in) << "size " << size << " pattern " << pattern;
    }
  }
}

TEST(Cobs, DecodesInPlace) {
  const Bytes in = {0x00, 0x11, 0x00, 0x00, 0x22, 0x33, 0x00};
  Bytes buffer = encode(in);
  const auto result = cobs_decode(buffer, buffer);
  ASSERT_TRUE(result.ok());
  buffer.resize(result.size);
  EXPECT_EQ(buffer, in);
}

TEST(Cobs, EncodeReportsAnOutputTooSmall) {
  const Bytes in(300, 0x55);
  for (std::size_t room = 0; room < cobs_max_encoded_size(in.size()); ++room) {
    Bytes out(room);
    EXPECT_EQ(cobs_encode(in, out).status, CobsStatus::output_too_small) << room;
  }
}

TEST(Cobs, DecodeRejectsAZeroInside) {
  Bytes out(8);
  EXPECT_EQ(cobs_decode(Bytes{0x03, 0x11, 0x00}, out).status, CobsStatus::unexpected_zero);
  EXPECT_EQ(cobs_decode(Bytes{0x00, 0x11}, out).status, CobsStatus::unexpected_zero);
}

TEST(Cobs, DecodeRejectsACodeThatOverruns) {
  Bytes out(8);
  EXPECT_EQ(cobs_decode(Bytes{0x04, 0x11, 0x22}, out).status, CobsStatus::truncated_block);
}

TEST(Cobs, DecodeReportsAnOutputTooSmall) {
  Bytes out(2);
  EXPECT_EQ(cobs_decode(Bytes{0x04, 0x11, 0x22, 0x33}, out).status, CobsStatus::output_too_small);
  EXPECT_EQ(cobs_decode(Bytes{0x03, 0x11, 0x22, 0x01}, out).status, CobsStatus::output_too_small);
}

}  // namespace

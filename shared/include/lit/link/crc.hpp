// CRC-32 (IEEE 802.3) for frame bodies and CRC-16/CCITT-FALSE for frame
// headers, as the link's framing uses them. Pure constexpr functions of their
// inputs, callable from any context (ISR included); nothing static is built at
// run time. Nibble tables (16 entries each) instead of the usual 256-entry
// ones: a few dozen bytes of flash on the MCU for about half the speed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace lit::link {

namespace detail {

// Reflected CRC-32: entry i is the remainder of the 4-bit value i shifted out
// LSB first through the reversed polynomial.
constexpr std::array<std::uint32_t, 16> make_crc32_nibble_table() {
  std::array<std::uint32_t, 16> table{};
  for (std::uint32_t i = 0; i < 16; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 4; ++bit) c = (c & 1U) != 0 ? (c >> 1) ^ 0xEDB88320U : c >> 1;
    table[i] = c;
  }
  return table;
}

// Non-reflected CRC-16: entry i is the remainder of i placed in the top nibble
// and shifted out MSB first.
constexpr std::array<std::uint16_t, 16> make_crc16_nibble_table() {
  std::array<std::uint16_t, 16> table{};
  for (std::uint32_t i = 0; i < 16; ++i) {
    std::uint32_t c = i << 12;
    for (int bit = 0; bit < 4; ++bit) c = ((c & 0x8000U) != 0 ? (c << 1) ^ 0x1021U : c << 1) & 0xFFFFU;
    table[i] = static_cast<std::uint16_t>(c);
  }
  return table;
}

inline constexpr std::array<std::uint32_t, 16> kCrc32Nibbles = make_crc32_nibble_table();
inline constexpr std::array<std::uint16_t, 16> kCrc16Nibbles = make_crc16_nibble_table();

}  // namespace detail

// CRC-32/ISO-HDLC (zlib's crc32): poly 0x04C11DB7 reflected, init and xorout
// 0xFFFFFFFF. Incremental use: state = kCrc32Init; state = crc32_update(state,
// piece)...; crc32_finish(state).
inline constexpr std::uint32_t kCrc32Init = 0xFFFFFFFFU;

constexpr std::uint32_t crc32_update(std::uint32_t state, std::span<const std::uint8_t> bytes) {
  for (const std::uint8_t byte : bytes) {
    state ^= byte;
    state = (state >> 4) ^ detail::kCrc32Nibbles[state & 0xFU];
    state = (state >> 4) ^ detail::kCrc32Nibbles[state & 0xFU];
  }
  return state;
}

constexpr std::uint32_t crc32_finish(std::uint32_t state) { return state ^ 0xFFFFFFFFU; }

constexpr std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  return crc32_finish(crc32_update(kCrc32Init, bytes));
}

// CRC-16/CCITT-FALSE (CRC-16/IBM-3740): poly 0x1021, init 0xFFFF, not
// reflected, no xorout, so there is no finish step.
inline constexpr std::uint16_t kCrc16Init = 0xFFFFU;

constexpr std::uint16_t crc16_update(std::uint16_t state, std::span<const std::uint8_t> bytes) {
  std::uint32_t c = state;
  for (const std::uint8_t byte : bytes) {
    c = ((c << 4) ^ detail::kCrc16Nibbles[((c >> 12) ^ (std::uint32_t{byte} >> 4)) & 0xFU]) & 0xFFFFU;
    c = ((c << 4) ^ detail::kCrc16Nibbles[((c >> 12) ^ std::uint32_t{byte}) & 0xFU]) & 0xFFFFU;
  }
  return static_cast<std::uint16_t>(c);
}

constexpr std::uint16_t crc16(std::span<const std::uint8_t> bytes) { return crc16_update(kCrc16Init, bytes); }

}  // namespace lit::link

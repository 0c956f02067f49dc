// Compiles the header-only link framing into lit_core under the core's strict
// warnings, on the host and for every firmware target, and pins the checksum
// definitions at compile time: a wrong table fails the build, not the link.
// Holds no state and defines nothing that runs at start-up.
#include "lit/link/frame.hpp"

#include <array>
#include <cstdint>

namespace lit::link {

namespace {
constexpr std::array<std::uint8_t, 9> kCheckInput{'1', '2', '3', '4', '5', '6', '7', '8', '9'};
}  // namespace

static_assert(crc32(kCheckInput) == 0xCBF43926U, "CRC-32/ISO-HDLC check value");
static_assert(crc16(kCheckInput) == 0x29B1U, "CRC-16/CCITT-FALSE check value");

template struct FrameEncoder<kDefaultMaxBody>;
template class FrameDecoder<kDefaultMaxBody>;

}  // namespace lit::link

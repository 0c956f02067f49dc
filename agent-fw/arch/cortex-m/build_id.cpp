// The build id note as the linker lays it out: namesz, descsz, type (3 =
// NT_GNU_BUILD_ID), the name "GNU\0", then the id bytes.
#include "build_id.hpp"

extern "C" const std::uint8_t __build_id_start[];  // NOLINT(bugprone-reserved-identifier)
extern "C" const std::uint8_t __build_id_end[];    // NOLINT(bugprone-reserved-identifier)

namespace lit::arch {
namespace {

std::uint32_t word(const std::uint8_t* at) {
  return std::uint32_t{at[0]} | std::uint32_t{at[1]} << 8U | std::uint32_t{at[2]} << 16U | std::uint32_t{at[3]} << 24U;
}

}  // namespace

std::uint64_t build_id_prefix() {
  constexpr std::uint32_t kHeader = 12;
  constexpr std::uint32_t kNameSize = 4;  // "GNU\0"
  constexpr std::uint32_t kBuildIdType = 3;
  const auto size = static_cast<std::uint32_t>(__build_id_end - __build_id_start);
  if (size < kHeader + kNameSize + 8 || word(__build_id_start) != kNameSize ||
      word(__build_id_start + 8) != kBuildIdType || word(__build_id_start + 4) < 8) {
    return 0;
  }
  std::uint64_t prefix = 0;
  for (std::uint32_t i = 0; i < 8; ++i) prefix = prefix << 8U | __build_id_start[kHeader + kNameSize + i];
  return prefix;
}

}  // namespace lit::arch

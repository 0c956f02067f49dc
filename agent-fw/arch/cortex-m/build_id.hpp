// The image's identity: the GNU build id the linker writes (-Wl,--build-id,
// kept in flash by sections.ld), so a running board can say exactly which ELF
// it runs and the host can compare it with a file (readelf -n). Read-only
// data, callable from any context.
#pragma once

#include <cstdint>

namespace lit::arch {

// The build id's first 8 bytes as a big-endian number (its first 16 hex
// digits as readelf prints them); 0 if the image has none.
std::uint64_t build_id_prefix();

}  // namespace lit::arch

// The GNU build id of an ELF file on the host, as the firmware reports its
// prefix (arch/cortex-m/build_id.hpp): the first 8 bytes of the id,
// big-endian. Reads 32- and 64-bit little-endian ELF files; nullopt when the
// file cannot be read or has no build id note.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace lit::test {

inline std::optional<std::uint64_t> elf_build_id_prefix(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() < sizeof(Elf32_Ehdr) || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) return std::nullopt;
  const auto notes_at = [&](std::size_t offset, std::size_t size) -> std::optional<std::uint64_t> {
    std::size_t at = offset;
    while (at + 12 <= offset + size && at + 12 <= bytes.size()) {
      std::uint32_t name_size = 0;
      std::uint32_t desc_size = 0;
      std::uint32_t type = 0;
      std::memcpy(&name_size, &bytes[at], 4);
      std::memcpy(&desc_size, &bytes[at + 4], 4);
      std::memcpy(&type, &bytes[at + 8], 4);
      const std::size_t desc = at + 12 + ((name_size + 3U) & ~3U);
      if (desc + desc_size > bytes.size()) return std::nullopt;
      if (type == NT_GNU_BUILD_ID && name_size == 4 && desc_size >= 8 && std::memcmp(&bytes[at + 12], "GNU", 4) == 0) {
        std::uint64_t prefix = 0;
        for (std::size_t i = 0; i < 8; ++i) prefix = prefix << 8U | bytes[desc + i];
        return prefix;
      }
      at = desc + ((desc_size + 3U) & ~3U);
    }
    return std::nullopt;
  };
  const auto sections = [&](auto header, auto section) -> std::optional<std::uint64_t> {
    using Header = decltype(header);
    using Section = decltype(section);
    std::memcpy(&header, bytes.data(), sizeof(Header));
    for (std::size_t i = 0; i < header.e_shnum; ++i) {
      const std::size_t at = header.e_shoff + i * header.e_shentsize;
      if (at + sizeof(Section) > bytes.size()) return std::nullopt;
      std::memcpy(&section, &bytes[at], sizeof(Section));
      if (section.sh_type != SHT_NOTE) continue;
      if (auto found = notes_at(section.sh_offset, section.sh_size)) return found;
    }
    return std::nullopt;
  };
  return bytes[EI_CLASS] == ELFCLASS32 ? sections(Elf32_Ehdr{}, Elf32_Shdr{}) : sections(Elf64_Ehdr{}, Elf64_Shdr{});
}

}  // namespace lit::test

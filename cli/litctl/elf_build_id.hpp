// The GNU build id of a firmware ELF file, as the agent reports it in its
// handshake (agent-fw/arch/cortex-m/build_id.hpp): the first 8 bytes of the
// id, big-endian. `litctl flash` compares it with what the board reports
// after flashing; the firmware and litd tests compare it the same way.
// Reads 32- and 64-bit little-endian ELF files from their section headers;
// nullopt when the file cannot be read, is not ELF, is cut short, or has no
// build id note. Header-only, so the firmware build's host test driver can
// use it without the rest of litctl.
#pragma once

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace lit::litctl {

namespace detail {

// A GNU build id among the notes in bytes[offset, offset + size).
inline std::optional<std::uint64_t> build_id_in_notes(const std::vector<unsigned char>& bytes,
                                                      std::size_t offset,
                                                      std::size_t size) {
  if (offset > bytes.size() || size > bytes.size() - offset) return std::nullopt;
  const std::size_t end = offset + size;
  std::size_t at = offset;
  while (end - at >= 12) {
    std::uint32_t name_size = 0;
    std::uint32_t desc_size = 0;
    std::uint32_t type = 0;
    std::memcpy(&name_size, &bytes[at], 4);
    std::memcpy(&desc_size, &bytes[at + 4], 4);
    std::memcpy(&type, &bytes[at + 8], 4);
    const std::size_t name = at + 12;
    const std::size_t name_padded = (std::size_t{name_size} + 3U) & ~std::size_t{3};
    if (name_padded > end - name) return std::nullopt;
    const std::size_t desc = name + name_padded;
    const std::size_t desc_padded = (std::size_t{desc_size} + 3U) & ~std::size_t{3};
    if (desc_padded > end - desc) return std::nullopt;
    if (type == NT_GNU_BUILD_ID && name_size == 4 && desc_size >= 8 && std::memcmp(&bytes[name], "GNU", 4) == 0) {
      std::uint64_t prefix = 0;
      for (std::size_t i = 0; i < 8; ++i) prefix = prefix << 8U | bytes[desc + i];
      return prefix;
    }
    at = desc + desc_padded;
  }
  return std::nullopt;
}

template <typename Header, typename Section>
std::optional<std::uint64_t> build_id_in_sections(const std::vector<unsigned char>& bytes) {
  if (bytes.size() < sizeof(Header)) return std::nullopt;
  Header header{};
  std::memcpy(&header, bytes.data(), sizeof(Header));
  if (header.e_shentsize < sizeof(Section) || header.e_shoff > bytes.size()) return std::nullopt;
  for (std::size_t i = 0; i < header.e_shnum; ++i) {
    const std::size_t at = static_cast<std::size_t>(header.e_shoff) + i * header.e_shentsize;
    if (at > bytes.size() || bytes.size() - at < sizeof(Section)) return std::nullopt;
    Section section{};
    std::memcpy(&section, &bytes[at], sizeof(Section));
    if (section.sh_type != SHT_NOTE) continue;
    const auto found = build_id_in_notes(
        bytes, static_cast<std::size_t>(section.sh_offset), static_cast<std::size_t>(section.sh_size));
    if (found) return found;
  }
  return std::nullopt;
}

}  // namespace detail

inline std::optional<std::uint64_t> elf_build_id_prefix(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() < EI_NIDENT || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) return std::nullopt;
  if (bytes[EI_DATA] != ELFDATA2LSB) return std::nullopt;
  switch (bytes[EI_CLASS]) {
    case ELFCLASS32: return detail::build_id_in_sections<Elf32_Ehdr, Elf32_Shdr>(bytes);
    case ELFCLASS64: return detail::build_id_in_sections<Elf64_Ehdr, Elf64_Shdr>(bytes);
    default: return std::nullopt;
  }
}

}  // namespace lit::litctl

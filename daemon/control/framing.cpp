// Length-delimited frames (framing.hpp): varint prefix, bounded body.
// Single-threaded per decoder; never throws, never allocates for a length it
// has not received.
#include "control/framing.hpp"

#include <fmt/format.h>

namespace lit::control {
namespace {

// A 32-bit varint takes at most 5 bytes; any limit we use fits in 32 bits.
constexpr std::size_t kMaxPrefixBytes = 5;

void append_varint(std::uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

}  // namespace

bool append_frame(const google::protobuf::MessageLite& message, std::string& out, std::size_t max_frame_bytes) {
  const std::size_t size = message.ByteSizeLong();
  if (size > max_frame_bytes) return false;
  const std::size_t start = out.size();
  append_varint(size, out);
  const std::size_t body = out.size();
  out.resize(body + size);
  if (!message.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(out.data() + body)) && size != 0) {
    out.resize(start);
    return false;
  }
  return true;
}

void FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  feed(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void FrameDecoder::feed(std::string_view bytes) {
  if (failed() || bytes.empty()) return;
  // Drop what has been read before growing, so the buffer never holds more
  // than the unread frames.
  if (read_offset_ != 0) {
    buffer_.erase(0, read_offset_);
    read_offset_ = 0;
  }
  buffer_.append(bytes);
}

FrameDecoder::Result FrameDecoder::next(std::string_view& body) {
  if (failed()) return Result::error;
  const std::string_view unread = std::string_view(buffer_).substr(read_offset_);
  std::uint64_t length = 0;
  std::size_t prefix = 0;
  for (;;) {
    if (prefix == unread.size()) return Result::need_more;
    if (prefix == kMaxPrefixBytes) {
      error_ = "malformed frame: its length prefix runs past 5 bytes";
      return Result::error;
    }
    const auto byte = static_cast<std::uint8_t>(unread[prefix]);
    length |= std::uint64_t{byte & 0x7Fu} << (7 * prefix);
    ++prefix;
    if ((byte & 0x80u) == 0) break;
  }
  if (length > max_frame_bytes_) {
    error_ = fmt::format("frame of {} bytes exceeds the limit of {} bytes", length, max_frame_bytes_);
    return Result::error;
  }
  if (unread.size() - prefix < length) return Result::need_more;
  body = unread.substr(prefix, static_cast<std::size_t>(length));
  read_offset_ += prefix + static_cast<std::size_t>(length);
  return Result::frame;
}

}  // namespace lit::control

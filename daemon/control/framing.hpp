// Length-delimited framing of control messages, protobuf's standard delimited
// form: a varint byte count, then the message. One encoder and one decoder
// serve the server and the client. The decoder never trusts a length: a
// prefix over the limit (1 MiB by default) or longer than 5 bytes is an error
// before any byte of the body is buffered, so its memory stays bounded by one
// frame plus the bytes fed after it. Single-threaded per decoder; never throws.
#pragma once

#include <google/protobuf/message_lite.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace lit::control {

inline constexpr std::size_t kMaxFrameBytes = std::size_t{1} << 20;

// Appends `message` as one frame to `out`. False (and `out` unchanged) when
// the message is bigger than `max_frame_bytes`.
bool append_frame(const google::protobuf::MessageLite& message,
                  std::string& out,
                  std::size_t max_frame_bytes = kMaxFrameBytes);

class FrameDecoder {
 public:
  enum class Result : std::uint8_t {
    frame,      // `next` produced one whole frame's body
    need_more,  // the buffered bytes end inside a frame
    error,      // the stream is corrupt; error() says how; every later call fails too
  };

  explicit FrameDecoder(std::size_t max_frame_bytes = kMaxFrameBytes) : max_frame_bytes_(max_frame_bytes) {}

  // Buffers received bytes. Call next() until it stops returning `frame`
  // before feeding more, or the buffer holds every unread frame.
  void feed(std::span<const std::uint8_t> bytes);
  void feed(std::string_view bytes);

  // The next frame's body in `body` (valid until the next feed() or next()).
  Result next(std::string_view& body);

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] bool failed() const { return !error_.empty(); }
  // Bytes held: a partial frame, or frames not taken yet.
  [[nodiscard]] std::size_t buffered() const { return buffer_.size() - read_offset_; }

 private:
  std::size_t max_frame_bytes_;
  std::string buffer_;
  std::size_t read_offset_ = 0;
  std::string error_;
};

}  // namespace lit::control

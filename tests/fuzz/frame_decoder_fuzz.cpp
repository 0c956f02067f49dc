// libFuzzer target for the link's frame decoder (lit/link/frame.hpp). The input
// is a received byte stream. Any frame the decoder accepts must have a body of
// at most MaxBody bytes and must re-encode to a frame that decodes to the same
// header and body; feeding the stream byte by byte must give exactly the same
// frames and counters as one span. Anything else, or any sanitizer report, is a
// finding (abort).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "lit/link/frame.hpp"

namespace {

constexpr std::size_t kMaxBody = 64;  // small, so too_long is easy to reach
using Encoder = lit::link::FrameEncoder<kMaxBody>;
using Decoder = lit::link::FrameDecoder<kMaxBody>;

void require(bool condition) {
  if (!condition) std::abort();
}

struct Frame {
  lit::link::FrameHeader header;
  std::vector<std::uint8_t> body;
  bool operator==(const Frame&) const = default;
};

struct Collector {
  std::vector<Frame> frames;
  void on_frame(const lit::link::FrameHeader& header, std::span<const std::uint8_t> body) {
    require(body.size() <= kMaxBody);
    require(body.size() == header.length);
    require(header.version == lit::link::kFrameVersion);
    frames.push_back({header, {body.begin(), body.end()}});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);

  Collector whole;
  Decoder whole_decoder;
  whole_decoder.push(input, whole);

  Collector bytewise;
  Decoder bytewise_decoder;
  for (const std::uint8_t byte : input) bytewise_decoder.push(byte, bytewise);
  require(whole.frames == bytewise.frames);
  require(whole_decoder.errors() == bytewise_decoder.errors());
  require(whole_decoder.errors().frames_ok == whole.frames.size());

  for (const Frame& frame : whole.frames) {
    std::array<std::uint8_t, Encoder::kMaxWireSize> wire{};
    const std::size_t wire_size = Encoder::encode(frame.header, frame.body, wire);
    require(wire_size != 0);
    Collector again;
    Decoder decoder;
    decoder.push(std::span<const std::uint8_t>(wire).first(wire_size), again);
    require(again.frames.size() == 1);
    require(again.frames[0] == frame);
  }
  return 0;
}

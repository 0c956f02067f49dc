// Length-delimited framing (daemon/control/framing.hpp): round trips, frames
// split anywhere, and corrupt or oversized prefixes refused before their body
// is buffered.
#include "control/framing.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "control.pb.h"

namespace lit::control {
namespace {

Request status_request(std::uint64_t id) {
  Request request;
  request.set_request_id(id);
  request.set_protocol_version(1);
  request.mutable_status();
  return request;
}

TEST(ControlFraming, frames_round_trip_even_when_fed_one_byte_at_a_time) {
  std::string wire;
  ASSERT_TRUE(append_frame(status_request(1), wire));
  ASSERT_TRUE(append_frame(status_request(300), wire));
  FrameDecoder decoder;
  std::vector<std::uint64_t> ids;
  std::string_view body;
  for (char byte : wire) {
    decoder.feed(std::string_view(&byte, 1));
    while (decoder.next(body) == FrameDecoder::Result::frame) {
      Request request;
      ASSERT_TRUE(request.ParseFromArray(body.data(), static_cast<int>(body.size())));
      ids.push_back(request.request_id());
    }
  }
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{1, 300}));
  EXPECT_EQ(decoder.buffered(), 0U);
}

TEST(ControlFraming, encoding_matches_protobufs_own_delimited_form) {
  const Request request = status_request(7);
  std::string wire;
  ASSERT_TRUE(append_frame(request, wire));
  const std::string body = request.SerializeAsString();
  ASSERT_LT(body.size(), 128U);
  EXPECT_EQ(wire, std::string(1, static_cast<char>(body.size())) + body);
}

TEST(ControlFraming, empty_frame_is_a_frame_with_an_empty_body) {
  FrameDecoder decoder;
  decoder.feed(std::string_view("\0", 1));
  std::string_view body = "x";
  EXPECT_EQ(decoder.next(body), FrameDecoder::Result::frame);
  EXPECT_TRUE(body.empty());
  EXPECT_EQ(decoder.next(body), FrameDecoder::Result::need_more);
}

TEST(ControlFraming, length_over_the_limit_is_an_error_before_its_body_arrives) {
  FrameDecoder decoder(1024);
  std::string wire;
  // 2 MiB announced; nothing of the body sent.
  std::uint64_t length = std::uint64_t{2} << 20;
  while (length >= 0x80) {
    wire.push_back(static_cast<char>((length & 0x7F) | 0x80));
    length >>= 7;
  }
  wire.push_back(static_cast<char>(length));
  decoder.feed(wire);
  std::string_view body;
  EXPECT_EQ(decoder.next(body), FrameDecoder::Result::error);
  EXPECT_EQ(decoder.error(), "frame of 2097152 bytes exceeds the limit of 1024 bytes");
  decoder.feed(std::string(100, 'x'));
  EXPECT_EQ(decoder.next(body), FrameDecoder::Result::error);
  EXPECT_LE(decoder.buffered(), wire.size());
}

TEST(ControlFraming, prefix_longer_than_five_bytes_is_an_error) {
  FrameDecoder decoder;
  decoder.feed(std::string(6, '\x80'));
  std::string_view body;
  EXPECT_EQ(decoder.next(body), FrameDecoder::Result::error);
  EXPECT_NE(decoder.error().find("length prefix"), std::string::npos);
}

TEST(ControlFraming, message_bigger_than_the_limit_is_not_encoded) {
  Response response;
  response.set_message(std::string(2000, 'm'));
  std::string wire = "keep";
  EXPECT_FALSE(append_frame(response, wire, 1024));
  EXPECT_EQ(wire, "keep");
}

}  // namespace
}  // namespace lit::control

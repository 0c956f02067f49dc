// The control protocol's helpers (daemon/control/protocol.hpp): the JSON to
// Struct conversion behind `litctl send`, and the names used in messages.
#include "control/protocol.hpp"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

namespace lit::control {
namespace {

TEST(ControlProtocol, json_object_becomes_struct_fields) {
  google::protobuf::Struct data;
  ASSERT_EQ(json_to_struct(R"({"level": 3, "name": "pump", "on": true, "limits": [1, 2]})", data), std::nullopt);
  EXPECT_EQ(data.fields().at("level").number_value(), 3.0);
  EXPECT_EQ(data.fields().at("name").string_value(), "pump");
  EXPECT_TRUE(data.fields().at("on").bool_value());
  EXPECT_EQ(data.fields().at("limits").list_value().values_size(), 2);
  google::protobuf::Struct again;
  ASSERT_EQ(json_to_struct(struct_to_json(data), again), std::nullopt);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(again, data));
}

TEST(ControlProtocol, bad_json_is_refused_with_a_clear_message) {
  google::protobuf::Struct data;
  const std::optional<std::string> error = json_to_struct(R"({"level": 3,)", data);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->rfind("event data is not valid JSON: ", 0), 0U) << *error;
  EXPECT_EQ(data.fields_size(), 0);
}

TEST(ControlProtocol, json_that_is_not_an_object_is_refused) {
  google::protobuf::Struct data;
  EXPECT_EQ(json_to_struct("[1, 2]", data), "event data must be a JSON object, not an array");
  EXPECT_EQ(json_to_struct(R"("on")", data), "event data must be a JSON object, not a string");
  EXPECT_EQ(json_to_struct("42", data), "event data must be a JSON object, not a single value");
  EXPECT_EQ(json_to_struct("  ", data).value_or("").rfind("event data is empty", 0), 0U);
}

TEST(ControlProtocol, only_trace_logs_and_top_are_streams) {
  Request request;
  request.mutable_trace();
  EXPECT_TRUE(is_stream_request(request));
  request.mutable_logs();
  EXPECT_TRUE(is_stream_request(request));
  request.mutable_top();
  EXPECT_TRUE(is_stream_request(request));
  request.mutable_supervision();
  EXPECT_FALSE(is_stream_request(request));
  EXPECT_EQ(request_kind_name(request), "supervision");
  EXPECT_EQ(status_name(STATUS_NOT_FOUND), "not_found");
}

}  // namespace
}  // namespace lit::control

// The control protocol's fixed points shared by the server, the client and
// litctl: the protocol version, the names of statuses and request kinds for
// messages and logs, stream kinds, and the JSON-to-Struct conversion `send`
// uses. Pure functions over proto/control.proto's messages; any thread; never
// throws (protobuf's JSON parser reports errors as values).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "control.pb.h"

namespace lit::control {

// The version every Request carries and every Response states. Bump it when a
// field or request kind changes meaning or is removed; additions keep it.
inline constexpr std::uint32_t kProtocolVersion = 1;

// "ok", "not_found", "invalid_argument", ... (the enum's name without its
// STATUS_ prefix, in lower case).
std::string_view status_name(Status status);

// "status", "tree", "inspect", ...: the oneof case's field name; "none" when
// the request names no kind.
std::string_view request_kind_name(const Request& request);

// True for the kinds answered by a stream of items (trace, logs, top).
bool is_stream_request(const Request& request);

// A Response to `request_id` with `status` and `message`, the server's
// protocol version set and more = false.
Response make_response(std::uint64_t request_id, Status status, std::string message = {});

// Parses `json`, which must be one JSON object, into `out` with protobuf's
// JSON support. Returns a message such as "event data is not valid JSON:
// ..." or "event data must be a JSON object, not an array" on failure (and
// leaves `out` empty).
std::optional<std::string> json_to_struct(std::string_view json, google::protobuf::Struct& out);

// `data` as compact JSON ("{}" when empty).
std::string struct_to_json(const google::protobuf::Struct& data);

}  // namespace lit::control

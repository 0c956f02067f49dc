// The control protocol's names, stream kinds and JSON conversion
// (protocol.hpp). Pure; any thread.
#include "control/protocol.hpp"

#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <utility>

namespace lit::control {

std::string_view status_name(Status status) {
  switch (status) {
    case STATUS_OK: return "ok";
    case STATUS_NOT_FOUND: return "not_found";
    case STATUS_INVALID_ARGUMENT: return "invalid_argument";
    case STATUS_PERMISSION_DENIED: return "permission_denied";
    case STATUS_UNAVAILABLE: return "unavailable";
    case STATUS_INTERNAL: return "internal";
    case STATUS_VERSION_MISMATCH: return "version_mismatch";
    case STATUS_FAILED_PRECONDITION: return "failed_precondition";
    default: return "unspecified";
  }
}

std::string_view request_kind_name(const Request& request) {
  switch (request.kind_case()) {
    case Request::kStatus: return "status";
    case Request::kTree: return "tree";
    case Request::kInspect: return "inspect";
    case Request::kSupervision: return "supervision";
    case Request::kSend: return "send";
    case Request::kTrace: return "trace";
    case Request::kLogs: return "logs";
    case Request::kDevices: return "devices";
    case Request::kTop: return "top";
    case Request::kChart: return "chart";
    case Request::kDeviceLink: return "device_link";
    case Request::kCancel: return "cancel";
    case Request::KIND_NOT_SET: return "none";
  }
  return "none";
}

bool is_stream_request(const Request& request) {
  return request.has_trace() || request.has_logs() || request.has_top();
}

Response make_response(std::uint64_t request_id, Status status, std::string message) {
  Response response;
  response.set_request_id(request_id);
  response.set_status(status);
  response.set_message(std::move(message));
  response.set_protocol_version(kProtocolVersion);
  return response;
}

std::optional<std::string> json_to_struct(std::string_view json, google::protobuf::Struct& out) {
  out.Clear();
  std::size_t first = 0;
  while (first < json.size() && std::isspace(static_cast<unsigned char>(json[first])) != 0) ++first;
  if (first == json.size()) return "event data is empty: give a JSON object such as {\"level\": 3}";
  const char opening = json[first];
  if (opening != '{') {
    const std::string_view what = opening == '[' ? "an array" : opening == '"' ? "a string" : "a single value";
    return "event data must be a JSON object, not " + std::string(what);
  }
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &out, google::protobuf::util::JsonParseOptions());
  if (!status.ok()) {
    out.Clear();
    return "event data is not valid JSON: " + std::string(status.message());
  }
  return std::nullopt;
}

std::string struct_to_json(const google::protobuf::Struct& data) {
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(data, &json).ok()) return "{}";
  return json;
}

}  // namespace lit::control

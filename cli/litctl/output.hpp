// How litctl writes data: the output format chosen by -o, protobuf messages
// as JSON (proto3's mapping with the .proto's field names: the schema is
// proto/control.proto, documented in cli/litctl/README.md), JSON strings, and
// the human forms of durations, times, link states and hashes. Pure
// functions; any thread; never print.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control.pb.h"

namespace lit::litctl {

enum class Format : std::uint8_t { text, json, dot, mermaid };

// One message as one line of JSON: field names as in the .proto, every field
// present (zeros and empty lists included), enums by name, 64-bit integers as
// strings (proto3's JSON mapping).
std::string to_json(const google::protobuf::Message& message);
// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);

// "3d 4h", "1h 2m", "2m 5s", "4.2s", "850ms".
std::string human_duration_ms(std::uint64_t milliseconds);
// "1.25 ms", "850 µs".
std::string human_rtt(std::uint32_t microseconds);
// Local time "2026-11-21 14:03:07"; "-" for 0.
std::string human_time_ms(std::int64_t unix_ms);
// Local time of day with microseconds to milliseconds: "14:03:07.123".
std::string time_of_day_us(std::int64_t unix_us);
// "0x0123456789abcdef".
std::string hex64(std::uint64_t value);

std::string_view run_state_name(control::RunState state);    // "running", "stopped", ...
std::string_view link_state_name(control::LinkState state);  // "up", "connecting", ...
std::string_view node_kind_name(control::NodeKind kind);     // "supervisor", "actor", "device_actor"
std::string_view trace_kind_name(control::TraceKind kind);   // "transition", "failure", ...
std::string_view log_level_name(control::LogLevel level);    // "info", "warn", ...
// "host loop 1", "device board0".
std::string location_text(const control::Location& location);
// "a, b, c"; "-" when empty.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");
std::string join(const google::protobuf::RepeatedPtrField<std::string>& items, std::string_view separator = ", ");

// Rows laid out in columns padded to their widest cell, two spaces apart,
// the first row being the header. Cells are measured in UTF-8 code points.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

// A path as litd names it, as in its configuration: no leading or trailing
// '/' ("/gw/tick/" -> "gw/tick"), so paths copied from either form work.
std::string canonical_path(std::string_view path);

}  // namespace lit::litctl

// litctl's output helpers (output.hpp): JSON through protobuf's util, human
// forms of numbers and times, tables. Pure; any thread.
#include "litctl/output.hpp"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "chart/string_literal.hpp"

namespace lit::litctl {

std::string to_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return "{}";
  return json;
}

std::string json_string(std::string_view text) { return tools::string_literal(text); }

std::string human_duration_ms(std::uint64_t milliseconds) {
  const std::uint64_t seconds = milliseconds / 1000;
  char text[64];
  if (milliseconds < 1000) {
    std::snprintf(text, sizeof text, "%llums", static_cast<unsigned long long>(milliseconds));
  } else if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(milliseconds) / 1000.0);
  } else if (seconds < 3600) {
    std::snprintf(text,
                  sizeof text,
                  "%llum %llus",
                  static_cast<unsigned long long>(seconds / 60),
                  static_cast<unsigned long long>(seconds % 60));
  } else if (seconds < 86400) {
    std::snprintf(text,
                  sizeof text,
                  "%lluh %llum",
                  static_cast<unsigned long long>(seconds / 3600),
                  static_cast<unsigned long long>(seconds % 3600 / 60));
  } else {
    std::snprintf(text,
                  sizeof text,
                  "%llud %lluh",
                  static_cast<unsigned long long>(seconds / 86400),
                  static_cast<unsigned long long>(seconds % 86400 / 3600));
  }
  return text;
}

std::string human_rtt(std::uint32_t microseconds) {
  char text[32];
  if (microseconds < 1000) {
    std::snprintf(text, sizeof text, "%u µs", microseconds);
  } else {
    std::snprintf(text, sizeof text, "%.2f ms", static_cast<double>(microseconds) / 1000.0);
  }
  return text;
}

namespace {

std::tm local_time(std::int64_t unix_seconds) {
  const auto seconds = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  localtime_r(&seconds, &parts);
  return parts;
}

}  // namespace

std::string human_time_ms(std::int64_t unix_ms) {
  if (unix_ms == 0) return "-";
  const std::tm parts = local_time(unix_ms / 1000);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &parts);
  return text;
}

std::string time_of_day_us(std::int64_t unix_us) {
  const std::tm parts = local_time(unix_us / 1000000);
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, "%H:%M:%S", &parts);
  std::snprintf(text + length, sizeof text - length, ".%03lld", static_cast<long long>(unix_us / 1000 % 1000));
  return text;
}

std::string hex64(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string_view run_state_name(control::RunState state) {
  switch (state) {
    case control::RUN_STATE_RUNNING: return "running";
    case control::RUN_STATE_STOPPED: return "stopped";
    case control::RUN_STATE_RESTARTING: return "restarting";
    case control::RUN_STATE_FAILED: return "failed";
    case control::RUN_STATE_UNREACHABLE: return "unreachable";
    default: return "unknown";
  }
}

std::string_view link_state_name(control::LinkState state) {
  switch (state) {
    case control::LINK_STATE_UP: return "up";
    case control::LINK_STATE_CONNECTING: return "connecting";
    case control::LINK_STATE_DOWN: return "down";
    case control::LINK_STATE_RELEASED: return "released";
    case control::LINK_STATE_INCOMPATIBLE: return "incompatible";
    default: return "unknown";
  }
}

std::string_view node_kind_name(control::NodeKind kind) {
  switch (kind) {
    case control::NODE_KIND_SUPERVISOR: return "supervisor";
    case control::NODE_KIND_ACTOR: return "actor";
    case control::NODE_KIND_DEVICE_ACTOR: return "device_actor";
    default: return "unknown";
  }
}

std::string_view trace_kind_name(control::TraceKind kind) {
  switch (kind) {
    case control::TRACE_KIND_TRANSITION: return "transition";
    case control::TRACE_KIND_FAILURE: return "failure";
    case control::TRACE_KIND_STARTED: return "started";
    case control::TRACE_KIND_STOPPED: return "stopped";
    case control::TRACE_KIND_RESTARTED: return "restarted";
    case control::TRACE_KIND_DOWN: return "down";
    case control::TRACE_KIND_LINK: return "link";
    default: return "unknown";
  }
}

std::string_view log_level_name(control::LogLevel level) {
  switch (level) {
    case control::LOG_LEVEL_TRACE: return "trace";
    case control::LOG_LEVEL_DEBUG: return "debug";
    case control::LOG_LEVEL_INFO: return "info";
    case control::LOG_LEVEL_WARN: return "warn";
    case control::LOG_LEVEL_ERROR: return "error";
    case control::LOG_LEVEL_CRITICAL: return "critical";
    default: return "-";
  }
}

std::string location_text(const control::Location& location) {
  switch (location.where_case()) {
    case control::Location::kHostLoop: return "host loop " + std::to_string(location.host_loop());
    case control::Location::kDevice: return "device " + location.device();
    default: return "-";
  }
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  if (items.empty()) return "-";
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string join(const google::protobuf::RepeatedPtrField<std::string>& items, std::string_view separator) {
  return join(std::vector<std::string>(items.begin(), items.end()), separator);
}

namespace {

std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

}  // namespace

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], display_width(row[column]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t column = 0; column < row.size(); ++column) {
      line += row[column];
      if (column + 1 < row.size()) line += std::string(widths[column] - display_width(row[column]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string canonical_path(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

}  // namespace lit::litctl

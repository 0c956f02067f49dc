// The human (text) forms of litd's replies: status, the drawn tree, the ls
// table, inspect, devices, one trace or log line, a top screen. Pure
// functions from control.proto's messages to text; the JSON forms are
// output.hpp's to_json. Any thread; never print.
#pragma once

#include <string>
#include <vector>

#include "control.pb.h"

namespace lit::litctl {

std::string status_text(const control::StatusReply& status, const std::string& socket_path);
// Every root and its descendants, drawn with box-drawing characters.
std::string tree_text(const control::TreeReply& tree);
// One row per node (children not drawn).
std::string ls_text(const std::vector<control::Node>& nodes);
std::string inspect_text(const control::InspectReply& inspect);
std::string devices_text(const control::DevicesReply& devices);
std::string trace_line(const control::TraceEvent& event);
std::string log_line(const control::LogRecord& record);
// One screen of `litctl top` (no terminal control sequences).
std::string top_text(const control::TopSnapshot& snapshot, const std::string& socket_path);

}  // namespace lit::litctl

// litctl's commands, one function each: ask litd (or OpenOCD), print the
// data to `out` as text or JSON and diagnostics to `err`, and return the exit
// code (exit_codes.hpp). main.cpp parses the command line and calls them.
// Blocking, one thread; never throws.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "control.pb.h"
#include "litctl/output.hpp"

namespace lit::litctl {

struct Context {
  std::string socket_path;
  Format format = Format::text;
  std::chrono::milliseconds timeout{10'000};  // each request's reply
  std::ostream& out;
  std::ostream& err;
  std::function<bool()> interrupted = [] { return false; };  // a SIGINT or SIGTERM arrived
};

int run_status(Context& context);
int run_tree(Context& context, const std::string& path);
int run_ls(Context& context, const std::string& path);
int run_inspect(Context& context, const std::string& path);
int run_supervision(Context& context, const std::string& path, control::SupervisionAction action, bool wait);
int run_send(Context& context,
             const std::string& path,
             const std::string& event,
             const std::optional<std::string>& data);
int run_trace(Context& context, const std::vector<std::string>& paths, bool failures_only, std::uint64_t count);
int run_logs(Context& context, const std::string& device, bool follow, std::uint32_t backlog, control::LogLevel level);
int run_devices(Context& context, const std::string& name);
// `screen`: clear the terminal before each snapshot (stdout is a terminal).
int run_top(Context& context, std::uint32_t interval_ms, std::uint32_t limit, std::uint64_t count, bool screen);
int run_chart(Context& context, const std::string& path);

struct FlashOptions {
  std::string firmware;
  std::string board = "stm32f4discovery";
  std::string device;  // empty: flash without asking litd
  std::string openocd = "openocd";
  bool dry_run = false;
  std::chrono::milliseconds openocd_timeout{120'000};
  std::chrono::milliseconds handshake_timeout{15'000};
};
int run_flash(Context& context, const FlashOptions& options);

}  // namespace lit::litctl

// litd's logging through spdlog: one named logger per component ("runtime",
// "link", "device", "config", "control", ...) sharing one stderr sink, levels
// per component. Under systemd (JOURNAL_STREAM set) lines carry sd-daemon
// priority prefixes and no timestamp, since the journal adds its own. Any
// thread may log; setup happens once in main before the loops start.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace spdlog {
class logger;
}

namespace lit::daemon {

class EventHub;

// The component's logger, created on first use with the current settings.
std::shared_ptr<spdlog::logger> logger(std::string_view component);

// False, with `error`, for an unknown level name.
bool parse_log_level(std::string_view name, int& level, std::string& error);

// Applies a default level and per-component levels (also to loggers created
// before). `journal`: format for the journal (see above).
bool configure_logging(const LogConfig& config, bool journal, std::string& error);

// Every line logged from now on also goes to `hub` as a LogRecord (for
// `litctl logs`); null stops that.
void set_log_hub(EventHub* hub);

// True when stderr goes to the journal (systemd sets JOURNAL_STREAM to its
// device and inode).
bool stderr_is_journal();

}  // namespace lit::daemon

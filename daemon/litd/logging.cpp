// Loggers share one sink; the registry of per-component levels is consulted
// whenever a logger is created, so late-created loggers obey the config.
#include "litd/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace lit::daemon {
namespace {

// %* : the sd-daemon priority prefix digit of a line's level.
class JournalPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&, spdlog::memory_buf_t& out) override {
    static constexpr char kPriority[] = {'7', '7', '6', '4', '3', '2', '6'};  // trace..critical, off
    out.push_back(kPriority[static_cast<std::size_t>(message.level)]);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JournalPriority>(); }
};

std::unique_ptr<spdlog::formatter> make_formatter(const std::string& pattern) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<JournalPriority>('*').set_pattern(pattern);
  return formatter;
}

struct Settings {
  std::mutex mutex;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  spdlog::level::level_enum level = spdlog::level::info;
  std::vector<std::pair<std::string, spdlog::level::level_enum>> components;
  std::string pattern = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v";
};

Settings& settings() {
  static Settings instance;
  return instance;
}

spdlog::level::level_enum level_for(const Settings& s, std::string_view component) {
  for (const auto& [name, level] : s.components) {
    if (name == component) return level;
  }
  return s.level;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(std::string_view component) {
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  const std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  auto created = std::make_shared<spdlog::logger>(name, s.sink);
  created->set_level(level_for(s, component));
  created->set_formatter(make_formatter(s.pattern));
  spdlog::register_logger(created);
  return created;
}

bool parse_log_level(std::string_view name, int& level, std::string& error) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},
      {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  };
  for (const auto& [text, value] : kLevels) {
    if (text == name) {
      level = value;
      return true;
    }
  }
  error = "unknown log level '" + std::string(name) + "' (use trace, debug, info, warn, error, critical or off)";
  return false;
}

bool configure_logging(const LogConfig& config, bool journal, std::string& error) {
  int level = 0;
  if (!parse_log_level(config.level, level, error)) return false;
  std::vector<std::pair<std::string, spdlog::level::level_enum>> components;
  for (const LogConfig::Component& component : config.components) {
    int component_level = 0;
    if (!parse_log_level(component.level, component_level, error)) return false;
    components.emplace_back(component.name, static_cast<spdlog::level::level_enum>(component_level));
  }
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  s.level = static_cast<spdlog::level::level_enum>(level);
  s.components = std::move(components);
  // The journal stamps time itself and reads "<N>" as the priority.
  s.pattern = journal ? "<%*>[%n] %v" : "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v";
  if (journal) {
    s.sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  // Loggers the daemon's parts create by themselves (spdlog::get, else a
  // factory) find these, registered with the shared sink and levels.
  for (const char* component : {"runtime", "supervisor", "link", "device", "config", "control", "metrics"}) {
    if (spdlog::get(component) == nullptr) {
      auto created = std::make_shared<spdlog::logger>(component, s.sink);
      spdlog::register_logger(created);
    }
  }
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& each) {
    each->sinks() = {s.sink};
    each->set_level(level_for(s, each->name()));
    each->set_formatter(make_formatter(s.pattern));
  });
  return true;
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long device = 0;
  unsigned long inode = 0;
  if (std::sscanf(stream, "%lu:%lu", &device, &inode) != 2) return false;
  struct stat status {};
  return fstat(2, &status) == 0 && status.st_dev == device && status.st_ino == inode;
}

}  // namespace lit::daemon

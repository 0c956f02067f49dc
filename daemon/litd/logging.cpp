// Loggers share one sink; the registry of per-component levels is consulted
// whenever a logger is created, so late-created loggers obey the config.
#include "litd/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "litd/event_hub.hpp"

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

// Hands each line to the event hub while one is set.
class HubSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void set(EventHub* hub) {
    std::lock_guard lock(mutex_);
    hub_ = hub;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (hub_ == nullptr) return;
    static constexpr control::LogLevel kLevels[] = {control::LOG_LEVEL_TRACE,
                                                    control::LOG_LEVEL_DEBUG,
                                                    control::LOG_LEVEL_INFO,
                                                    control::LOG_LEVEL_WARN,
                                                    control::LOG_LEVEL_ERROR,
                                                    control::LOG_LEVEL_CRITICAL,
                                                    control::LOG_LEVEL_CRITICAL};
    control::Response item;
    control::LogRecord& record = *item.mutable_log_record();
    record.set_time_unix_us(
        std::chrono::duration_cast<std::chrono::microseconds>(message.time.time_since_epoch()).count());
    record.set_level(kLevels[static_cast<std::size_t>(message.level)]);
    record.set_logger(std::string(message.logger_name.begin(), message.logger_name.end()));
    record.set_text(std::string(message.payload.begin(), message.payload.end()));
    hub_->publish(std::move(item));
  }
  void flush_() override {}

 private:
  EventHub* hub_ = nullptr;
};

struct Settings {
  std::mutex mutex;
  std::shared_ptr<HubSink> hub_sink = std::make_shared<HubSink>();
  spdlog::sink_ptr output = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  // Every logger writes here: stderr (or the journal) and the hub.
  std::shared_ptr<spdlog::sinks::dist_sink_mt> sink =
      std::make_shared<spdlog::sinks::dist_sink_mt>(std::vector<spdlog::sink_ptr>{output, hub_sink});
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
    s.output = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    s.sink->set_sinks({s.output, s.hub_sink});
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

void set_log_hub(EventHub* hub) { settings().hub_sink->set(hub); }

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

// litd's configuration: the model a TOML file (config_file.cpp) is parsed
// into, checked whole before anything starts. A file is either accepted as a
// complete Config or rejected with every problem found, each naming its line
// and column; nothing in between reaches the running daemon. Plain data, no
// libuv, no toml++ types: the tree builder, `litd --check` and the reload
// reconciler all read this.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lit/port.hpp"
#include "lit/supervisor.hpp"

namespace lit::daemon {

// 1-based, as editors count; 0 means "the file as a whole".
struct SourcePosition {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

struct Diagnostic {
  SourcePosition where;
  std::string message;
};

// "litd.toml:12:5: error: unknown actor type 'pinegr' (known: pinger, sensor)".
std::string format_diagnostic(std::string_view source_name, const Diagnostic& diagnostic);

// ---- actor parameters ----------------------------------------------------------
// An actor type declares its parameters; the checker holds each `[actor.params]`
// entry against them (unknown name, wrong kind, missing required, bad value).

enum class ParamKind : std::uint8_t { boolean, integer, real, string, duration };
const char* to_string(ParamKind kind);

struct ParamSpec {
  const char* name = "";
  ParamKind kind = ParamKind::integer;
  bool required = false;
  const char* help = "";
};

struct ParamValue {
  ParamKind kind = ParamKind::integer;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string string;
  Millis duration_ms = 0;
};

struct Param {
  std::string name;
  ParamValue value;
  SourcePosition where;
};

// What the checker needs to know of an actor type. Built-in types and plugin
// types (loaded from `daemon.plugins`) both answer through an ActorTypeCatalog.
struct ActorTypeInfo {
  std::string name;
  std::span<const ParamSpec> params;
  std::string help;
};

class ActorTypeCatalog {
 public:
  virtual const ActorTypeInfo* find(std::string_view name) const = 0;
  // Every known type name, for "known: ..." hints and `litd --list-types`.
  virtual std::vector<std::string> names() const = 0;
  // Loads a plugin named in `daemon.plugins` so its types become known. False,
  // with a message naming the problem (missing file, no entry point, ABI
  // version mismatch), if it could not.
  virtual bool load_plugin(const std::string& path, std::string& error) = 0;

 protected:
  ActorTypeCatalog() = default;
  ActorTypeCatalog(const ActorTypeCatalog&) = default;
  ActorTypeCatalog& operator=(const ActorTypeCatalog&) = default;
  ~ActorTypeCatalog() = default;
};

// ---- the tree --------------------------------------------------------------------

inline constexpr std::string_view kSupervisorType = "supervisor";

struct SupervisorSettings {
  Strategy strategy = Strategy::one_for_one;
  Intensity intensity{};  // OTP's defaults: 1 restart in 5 s
  Intensity link_intensity{.max_restarts = 10, .period_ms = 60'000};
  AutoShutdown auto_shutdown = AutoShutdown::never;
  Backoff backoff{};
};

// One `[[actor]]` entry: a supervisor, a host actor or a device actor. The
// list keeps file order, which is start order among siblings; a parent comes
// before its children.
struct ActorConfig {
  std::string path;                 // "root/edge/pinger": '/'-separated names
  std::string name;                 // the last segment
  std::string parent;               // the path without its last segment; empty for a root
  std::string type;                 // kSupervisorType, a registered type, or (device actors) the chart name or empty
  SupervisorSettings supervisor{};  // type == kSupervisorType
  // As a child of its parent (ignored for roots).
  Restart restart = Restart::permanent;
  Shutdown shutdown{};
  bool significant = false;
  // Device actors: the device it lives on, and its path in the device's actor
  // table (default: `name`). Empty `device`: a host actor.
  std::string device;
  std::string remote;
  std::vector<Param> params;
  // Roots only: the worker loop the tree is pinned to; children share their
  // root's loop. Empty: the daemon assigns loops round robin.
  std::optional<std::uint32_t> loop;
  SourcePosition where;

  bool is_supervisor() const { return type == kSupervisorType; }
  bool is_device_actor() const { return !device.empty(); }
};

struct DeviceConfig {
  std::string name;
  std::string port;  // a tty path: /dev/ttyACM0, /dev/serial/by-id/..., a pty's link
  std::uint32_t baud = 115200;
  std::string firmware;  // expected firmware name; empty: any
  Millis link_timeout_ms = 1000;
  Millis heartbeat_ms = 250;
  Millis reconnect_min_ms = 100;  // reopen backoff after an unplug, doubling to max
  Millis reconnect_max_ms = 5000;
  SourcePosition where;
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  struct Component {
    std::string name;  // "link", "device", "control", "supervisor", ...
    std::string level;
  };
  std::vector<Component> components;
};

struct MetricsConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:9464";  // host:port; loopback by default
  // Actor paths that get per-path series; every other actor is counted under
  // its type only, so label sets stay bounded.
  std::vector<std::string> actor_paths;
};

struct ControlConfig {
  std::string socket = "/run/litd/control.sock";
  std::string group;  // callers in this group may use the API (root always may); empty: root only
  std::uint32_t mode = 0660;
};

struct Config {
  std::uint32_t workers = 0;  // worker loops; 0: one per core
  std::vector<std::string> plugins;
  LogConfig log;
  MetricsConfig metrics;
  ControlConfig control;
  std::vector<DeviceConfig> devices;
  std::vector<ActorConfig> actors;  // file order

  const ActorConfig* find_actor(std::string_view path) const;
  const DeviceConfig* find_device(std::string_view name) const;
};

// Exactly one of the two is set: a complete, consistent config, or every
// problem found (sorted by position).
struct ConfigResult {
  std::optional<Config> config;
  std::vector<Diagnostic> errors;
};

ConfigResult parse_config(std::string_view text, ActorTypeCatalog& types);
// Reads the file first; an unreadable file is one diagnostic at 0:0.
ConfigResult load_config(const std::string& path, ActorTypeCatalog& types);

}  // namespace lit::daemon

// Reads litd's TOML configuration into a Config and checks it whole: the TOML
// syntax (toml++, header-only, TOML_EXCEPTIONS=0, so nothing throws through
// here), then every key, type and value of README.md, collecting every
// problem with its line and column; config_tree.cpp reads the actors. Called
// before anything starts (and by `litd --check`), from one thread; its one
// side effect is loading the plugins named in daemon.plugins.
#include <sys/un.h>

#include <charconv>

#include "config/config_reader.hpp"

namespace lit::daemon {

namespace config_reader {
namespace {

constexpr std::array<Named<std::string_view>, 7> kLogLevels{{
    {"trace", "trace"},
    {"debug", "debug"},
    {"info", "info"},
    {"warn", "warn"},
    {"error", "error"},
    {"critical", "critical"},
    {"off", "off"},
}};

// The rates Linux termios offers (B50 ... B4000000).
constexpr auto kBaudRates = std::to_array<std::int64_t>(
    {50,     75,     110,     134,     150,     200,     300,     600,     1200,    1800,
     2400,   4800,   9600,    19200,   38400,   57600,   115200,  230400,  460800,  500000,
     576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000});

constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path) - 1;
constexpr std::size_t kMaxGroupName = 32;

struct DeviceEntry {
  bool name_ok = false;
  bool port_ok = false;
  SourcePosition name_at;
  SourcePosition port_at;
};

constexpr auto kTopKeys = std::to_array<std::string_view>({"daemon", "log", "metrics", "control", "device", "actor"});
constexpr auto kDaemonKeys = std::to_array<std::string_view>({"workers", "plugins"});
constexpr auto kLogKeys = std::to_array<std::string_view>({"level", "components"});
constexpr auto kMetricsKeys = std::to_array<std::string_view>({"enabled", "listen", "actor_paths"});
constexpr auto kControlKeys = std::to_array<std::string_view>({"socket", "group", "mode"});
constexpr auto kDeviceKeys =
    std::to_array<std::string_view>({"name", "port", "baud", "firmware", "link_timeout", "heartbeat", "reconnect"});
constexpr auto kMinMaxKeys = std::to_array<std::string_view>({"min", "max"});

void read_daemon(const toml::table& table, Reader& reader) {
  const Section section(table, "[daemon]", "daemon", kDaemonKeys, reader.problems);
  if (section.has("workers")) {
    const std::optional<std::int64_t> workers = section.integer("workers", 0, kMaxWorkers);
    reader.workers_ok = workers.has_value();
    if (workers) reader.config.workers = static_cast<std::uint32_t>(*workers);
  }
  for (auto& [path, where] : section.strings("plugins")) {
    if (path.empty()) {
      reader.problems.add(where, "a plugin path must not be empty");
      continue;
    }
    std::string error;
    if (!reader.types.load_plugin(path, error)) {
      reader.problems.add(where, "cannot load plugin " + quoted(path) + ": " + error);
      continue;
    }
    reader.config.plugins.push_back(std::move(path));
  }
}

void read_log(const toml::table& table, Reader& reader) {
  const Section section(table, "[log]", "log", kLogKeys, reader.problems);
  if (auto level = section.choice("level", kLogLevels)) reader.config.log.level = *level;
  const toml::table* components = section.subtable("components");
  if (components == nullptr) return;
  const std::vector<std::string_view> levels = names_of(kLogLevels);
  for (auto&& [key, node] : *components) {
    const std::string what = "log.components." + std::string(key.str());
    if (!is_name(key.str())) {
      reader.problems.add(position(key),
                          "log component name " + quoted(key.str()) + " must be " + std::string(kNameRule));
      continue;
    }
    const auto* level = node.as_string();
    if (level == nullptr) {
      reader.problems.add(position(node), quoted(what) + " must be a string, found " + type_name(node.type()));
      continue;
    }
    if (std::find(levels.begin(), levels.end(), level->get()) == levels.end()) {
      reader.problems.add(position(node), Section::bad_choice(what, level->get(), levels));
      continue;
    }
    reader.config.log.components.push_back({std::string(key.str()), level->get()});
  }
}

// host:port, host a name, an IPv4 address or a bracketed IPv6 address.
bool is_listen_address(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  unsigned port_number = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (port.empty() || error != std::errc{} || end != port.data() + port.size() || port_number == 0 ||
      port_number > 65535) {
    return false;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    const std::string_view address = host.substr(1, host.size() - 2);
    return !address.empty() && std::all_of(address.begin(), address.end(), [](char c) {
      return c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
  }
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

void read_metrics(const toml::table& table, Reader& reader) {
  const Section section(table, "[metrics]", "metrics", kMetricsKeys, reader.problems);
  if (auto enabled = section.boolean("enabled")) reader.config.metrics.enabled = *enabled;
  if (auto listen = section.string("listen")) {
    if (is_listen_address(*listen)) {
      reader.config.metrics.listen = std::move(*listen);
    } else {
      reader.problems.add(
          section.value_at("listen"),
          "'metrics.listen' must be host:port, such as \"127.0.0.1:9464\" or \"[::1]:9464\"; found " + quoted(*listen));
    }
  }
  // Checked against the actors once they are all read.
  reader.metric_paths = section.strings("actor_paths");
}

// "0660": octal digits only, at most 0777.
std::optional<std::uint32_t> parse_mode(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  std::uint32_t mode = 0;
  for (const char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<std::uint32_t>(c - '0');
  }
  if (mode > 0777) return std::nullopt;
  return mode;
}

void read_control(const toml::table& table, Reader& reader) {
  const Section section(table, "[control]", "control", kControlKeys, reader.problems);
  if (auto socket = section.string("socket")) {
    if (socket->empty() || socket->front() != '/') {
      reader.problems.add(section.value_at("socket"),
                          "'control.socket' must be an absolute path, found " + quoted(*socket));
    } else if (socket->size() > kMaxSocketPath) {
      reader.problems.add(section.value_at("socket"),
                          "'control.socket' is " + std::to_string(socket->size()) +
                              " bytes long; a Unix socket path holds at most " + std::to_string(kMaxSocketPath));
    } else {
      reader.config.control.socket = std::move(*socket);
    }
  }
  if (auto group = section.string("group")) {
    if (!group->empty() && (!is_name(*group) || group->front() == '-' || group->size() > kMaxGroupName)) {
      reader.problems.add(section.value_at("group"),
                          "'control.group' must be a group name (" + std::string(kNameRule) + ", not starting with " +
                              "'-', at most " + std::to_string(kMaxGroupName) + " characters), found " +
                              quoted(*group));
    } else {
      reader.config.control.group = std::move(*group);
    }
  }
  if (const toml::node* mode = section.node("mode")) {
    const auto* text = mode->as_string();
    const std::optional<std::uint32_t> parsed = text == nullptr ? std::nullopt : parse_mode(text->get());
    if (parsed) {
      reader.config.control.mode = *parsed;
    } else if (text == nullptr) {
      section.wrong_type("mode", *mode, "an octal string such as \"0660\"");
    } else {
      reader.problems.add(position(*mode),
                          "'control.mode' must be an octal string no greater than \"0777\", such as \"0660\"; found " +
                              quoted(text->get()));
    }
  }
}

void read_min_max(const Section& parent, std::string_view key, std::string_view title, Millis& min_ms, Millis& max_ms) {
  const toml::table* table = parent.subtable(key);
  if (table == nullptr) return;
  const std::string prefix = parent.name(key);
  const Section section(*table, title, prefix, kMinMaxKeys, parent.problems());
  const std::optional<Millis> min = section.duration("min");
  const std::optional<Millis> max = section.duration("max");
  const Millis new_min = min.value_or(min_ms);
  const Millis new_max = max.value_or(max_ms);
  if ((min || max) && new_min > new_max) {
    parent.problems().add(section.value_at(max ? "max" : "min"),
                          quoted(prefix + ".min") + " (" + describe_duration(new_min) + ") must not exceed " +
                              quoted(prefix + ".max") + " (" + describe_duration(new_max) + ')');
    return;
  }
  if (min) min_ms = *min;
  if (max) max_ms = *max;
}

void read_device(const toml::table& table, Reader& reader, std::vector<DeviceEntry>& entries) {
  const Section section(table, "[[device]]", "device", kDeviceKeys, reader.problems);
  DeviceConfig device;
  DeviceEntry entry;
  device.where = section.where();
  section.require("name", "[[device]]");
  section.require("port", "[[device]]");
  if (auto name = section.string("name")) {
    entry.name_at = section.value_at("name");
    if (is_name(*name)) {
      device.name = std::move(*name);
      entry.name_ok = true;
    } else {
      reader.problems.add(entry.name_at,
                          "'device.name' must be " + std::string(kNameRule) + ", found " + quoted(*name));
    }
  }
  if (auto port = section.string("port")) {
    entry.port_at = section.value_at("port");
    if (!port->empty() && port->front() == '/') {
      device.port = std::move(*port);
      entry.port_ok = true;
    } else {
      reader.problems.add(entry.port_at, "'device.port' must be the absolute path of a tty, found " + quoted(*port));
    }
  }
  if (const toml::node* baud = section.node("baud")) {
    const auto* number = baud->as_integer();
    const std::span<const std::int64_t> rates(kBaudRates);
    if (number == nullptr) {
      section.wrong_type("baud", *baud, "an integer");
    } else if (std::find(rates.begin(), rates.end(), number->get()) == rates.end()) {
      std::string list;
      for (const std::int64_t rate : rates) list += (list.empty() ? "" : ", ") + std::to_string(rate);
      reader.problems.add(
          position(*baud),
          "'device.baud' must be a standard rate (" + list + "), found " + std::to_string(number->get()));
    } else {
      device.baud = static_cast<std::uint32_t>(number->get());
    }
  }
  if (auto firmware = section.string("firmware")) device.firmware = std::move(*firmware);
  const std::optional<Millis> link_timeout = section.duration("link_timeout");
  const std::optional<Millis> heartbeat = section.duration("heartbeat");
  if (link_timeout) device.link_timeout_ms = *link_timeout;
  if (heartbeat) device.heartbeat_ms = *heartbeat;
  if ((link_timeout || heartbeat) && device.heartbeat_ms >= device.link_timeout_ms) {
    reader.problems.add(section.value_at(link_timeout ? "link_timeout" : "heartbeat"),
                        "'device.heartbeat' (" + describe_duration(device.heartbeat_ms) +
                            ") must be shorter than 'device.link_timeout' (" +
                            describe_duration(device.link_timeout_ms) + "), or a quiet link looks lost");
  }
  read_min_max(section, "reconnect", "device.reconnect", device.reconnect_min_ms, device.reconnect_max_ms);

  for (std::size_t i = 0; i < entries.size(); ++i) {
    const DeviceConfig& other = reader.config.devices[i];
    if (entry.name_ok && entries[i].name_ok && other.name == device.name) {
      reader.problems.add(
          entry.name_at,
          "duplicate device name " + quoted(device.name) + " (first declared at " + at_text(entries[i].name_at) + ')');
      entry.name_ok = false;
    }
    if (entry.port_ok && entries[i].port_ok && other.port == device.port) {
      const std::string user = other.name.empty() ? std::string{} : " by " + quoted(other.name);
      reader.problems.add(entry.port_at,
                          "duplicate device port " + quoted(device.port) + " (already used" + user + " at " +
                              at_text(entries[i].port_at) + ')');
      entry.port_ok = false;
    }
  }
  reader.config.devices.push_back(std::move(device));
  entries.push_back(entry);
}

void read_document(const toml::table& root, Reader& reader) {
  const Section section(root, "the top level", "", kTopKeys, reader.problems);
  auto table_of = [&](std::string_view key) -> const toml::table* {
    const toml::node* node = section.node(key);
    if (node == nullptr) return nullptr;
    if (const auto* table = node->as_table()) return table;
    reader.problems.add(
        position(*node),
        quoted(key) + " must be a table ([" + std::string(key) + "]), found " + type_name(node->type()));
    return nullptr;
  };
  auto tables_of = [&](std::string_view key) {
    std::vector<const toml::table*> tables;
    const toml::node* node = section.node(key);
    if (node == nullptr) return tables;
    const auto* list = node->as_array();
    if (list == nullptr) {
      reader.problems.add(
          position(*node),
          quoted(key) + " must be an array of tables ([[" + std::string(key) + "]]), found " + type_name(node->type()));
      return tables;
    }
    for (const toml::node& element : *list) {
      if (const auto* table = element.as_table()) {
        tables.push_back(table);
      } else {
        reader.problems.add(position(element),
                            "each " + quoted(key) + " entry must be a table ([[" + std::string(key) + "]]), found " +
                                type_name(element.type()));
      }
    }
    return tables;
  };

  // Plugins first, so their actor types are known; devices before actors, so
  // actors may name any device in the file.
  if (const toml::table* daemon = table_of("daemon")) read_daemon(*daemon, reader);
  if (const toml::table* log = table_of("log")) read_log(*log, reader);
  if (const toml::table* metrics = table_of("metrics")) read_metrics(*metrics, reader);
  if (const toml::table* control = table_of("control")) read_control(*control, reader);
  std::vector<DeviceEntry> devices;
  for (const toml::table* device : tables_of("device")) read_device(*device, reader, devices);
  for (const toml::table* actor : tables_of("actor")) read_actor(*actor, reader);
  check_tree(reader);
  for (ActorEntry& entry : reader.actors) reader.config.actors.push_back(std::move(entry.config));
}

}  // namespace
}  // namespace config_reader

ConfigResult parse_config(std::string_view text, ActorTypeCatalog& types) {
  ConfigResult result;
  toml::parse_result parsed = toml::parse(text);
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    result.errors.push_back({config_reader::position(error.source()), std::string(error.description())});
    return result;
  }
  config_reader::Reader reader(types);
  config_reader::read_document(parsed.table(), reader);
  if (!reader.problems.empty()) {
    result.errors = reader.problems.take_sorted();
    return result;
  }
  result.config = std::move(reader.config);
  return result;
}

}  // namespace lit::daemon

// The [[actor]] entries of litd's configuration and the rules between them:
// types from the catalog, params against their ParamSpecs, supervisor and
// child settings, then unique paths, parents declared first and supervising,
// and OTP's rules on significant and simple_one_for_one children. Called by
// parse_config only, on its one thread.
#include <map>

#include "config/config_reader.hpp"

namespace lit::daemon::config_reader {

namespace {

constexpr std::array<Named<Strategy>, 4> kStrategies{{
    {"one_for_one", Strategy::one_for_one},
    {"one_for_all", Strategy::one_for_all},
    {"rest_for_one", Strategy::rest_for_one},
    {"simple_one_for_one", Strategy::simple_one_for_one},
}};
constexpr std::array<Named<Restart>, 3> kRestarts{{
    {"permanent", Restart::permanent},
    {"transient", Restart::transient},
    {"temporary", Restart::temporary},
}};
constexpr std::array<Named<AutoShutdown>, 3> kAutoShutdowns{{
    {"never", AutoShutdown::never},
    {"any_significant", AutoShutdown::any_significant},
    {"all_significant", AutoShutdown::all_significant},
}};

// Each restart a supervisor may take within its period costs a stamp of
// storage in the tree; OTP intensities are single or double digits.
constexpr std::int64_t kMaxIntensity = 10'000;

constexpr auto kBackoffKeys = std::to_array<std::string_view>({"min", "max", "jitter"});
constexpr auto kSupervisorKeys = std::to_array<std::string_view>(
    {"strategy", "intensity", "period", "link_intensity", "link_period", "auto_shutdown", "backoff"});
constexpr auto kChildKeys = std::to_array<std::string_view>({"restart", "shutdown", "significant"});
constexpr auto kActorKeys = std::to_array<std::string_view>({"path",
                                                             "type",
                                                             "strategy",
                                                             "intensity",
                                                             "period",
                                                             "link_intensity",
                                                             "link_period",
                                                             "auto_shutdown",
                                                             "backoff",
                                                             "restart",
                                                             "shutdown",
                                                             "significant",
                                                             "device",
                                                             "remote",
                                                             "params",
                                                             "loop"});

std::optional<ParamValue> read_param_value(const toml::node& node, ParamKind kind) {
  ParamValue value;
  value.kind = kind;
  switch (kind) {
    case ParamKind::boolean:
      if (const auto* flag = node.as_boolean()) {
        value.boolean = flag->get();
        return value;
      }
      break;
    case ParamKind::integer:
      if (const auto* number = node.as_integer()) {
        value.integer = number->get();
        return value;
      }
      break;
    case ParamKind::real:
      if (const auto* number = node.as_floating_point()) {
        value.real = number->get();
        return value;
      }
      if (const auto* number = node.as_integer()) {
        value.real = static_cast<double>(number->get());
        return value;
      }
      break;
    case ParamKind::string:
      if (const auto* text = node.as_string()) {
        value.string = text->get();
        return value;
      }
      break;
    case ParamKind::duration:
      if (const auto* text = node.as_string()) {
        const std::optional<Millis> ms = parse_duration(text->get());
        if (!ms) return std::nullopt;
        value.duration_ms = *ms;
        return value;
      }
      break;
  }
  return std::nullopt;
}

const char* kind_article(ParamKind kind) {
  switch (kind) {
    case ParamKind::boolean: return "a boolean";
    case ParamKind::integer: return "an integer";
    case ParamKind::real: return "a real number";
    case ParamKind::string: return "a string";
    case ParamKind::duration: return "a duration such as \"250ms\" or \"1.5s\"";
  }
  return "a value";
}

void read_params(const Section& actor, const ActorTypeInfo& info, ActorConfig& config) {
  Problems& problems = actor.problems();
  std::vector<std::string_view> names;
  for (const ParamSpec& spec : info.params) names.emplace_back(spec.name);
  const toml::table* params = actor.subtable("params");
  if (params != nullptr) {
    for (auto&& [key, node] : *params) {
      const std::string_view name = key.str();
      const auto spec = std::find_if(info.params.begin(), info.params.end(), [name](const ParamSpec& candidate) {
        return name == candidate.name;
      });
      if (spec == info.params.end()) {
        problems.add(position(key),
                     "unknown parameter " + quoted(name) + " for actor type " + quoted(info.name) +
                         hint(name, names, "parameters", "it takes none"));
        continue;
      }
      std::optional<ParamValue> value = read_param_value(node, spec->kind);
      if (!value) {
        const auto* text = node.as_string();
        const bool bad_duration = spec->kind == ParamKind::duration && text != nullptr;
        problems.add(position(node),
                     "parameter " + quoted(name) + " of actor type " + quoted(info.name) + " must be " +
                         kind_article(spec->kind) + ", found " +
                         (bad_duration ? quoted(text->get()) : type_name(node.type())));
        continue;
      }
      config.params.push_back({std::string(name), std::move(*value), position(key)});
    }
  }
  for (const ParamSpec& spec : info.params) {
    if (spec.required && (params == nullptr || !params->contains(spec.name))) {
      problems.add(actor.value_at("type"),
                   "actor type " + quoted(info.name) + " needs parameter " + quoted(spec.name) + " (" +
                       kind_article(spec.kind) + ')');
    }
  }
  std::stable_sort(config.params.begin(), config.params.end(), [](const Param& a, const Param& b) {
    return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
  });
}

std::optional<Shutdown> read_shutdown(const Section& section) {
  const toml::node* node = section.node("shutdown");
  if (node == nullptr) return std::nullopt;
  const auto* text = node->as_string();
  if (text == nullptr) {
    section.wrong_type("shutdown", *node, "a duration such as \"5s\", \"brutal_kill\" or \"infinity\"");
    return std::nullopt;
  }
  if (text->get() == "brutal_kill") return Shutdown::brutal_kill();
  if (text->get() == "infinity") return Shutdown::infinity();
  if (const std::optional<Millis> ms = parse_duration(text->get())) {
    return Shutdown::timeout(static_cast<std::uint32_t>(*ms));  // parse_duration stays within 32 bits
  }
  section.problems().add(position(*node),
                         "'actor.shutdown' must be a duration such as \"5s\", \"brutal_kill\" or "
                         "\"infinity\"; found " +
                             quoted(text->get()));
  return std::nullopt;
}

void read_supervisor(const Section& section, SupervisorSettings& settings) {
  if (auto strategy = section.choice("strategy", kStrategies)) settings.strategy = *strategy;
  if (auto intensity = section.integer("intensity", 0, kMaxIntensity)) {
    settings.intensity.max_restarts = static_cast<std::uint32_t>(*intensity);
  }
  if (auto period = section.duration("period")) settings.intensity.period_ms = *period;
  if (auto intensity = section.integer("link_intensity", 0, kMaxIntensity)) {
    settings.link_intensity.max_restarts = static_cast<std::uint32_t>(*intensity);
  }
  if (auto period = section.duration("link_period")) settings.link_intensity.period_ms = *period;
  if (auto auto_shutdown = section.choice("auto_shutdown", kAutoShutdowns)) settings.auto_shutdown = *auto_shutdown;

  const toml::table* backoff = section.subtable("backoff");
  if (backoff == nullptr) return;
  const Section backoff_section(*backoff, "actor.backoff", "actor.backoff", kBackoffKeys, section.problems());
  backoff_section.require("min", "'actor.backoff'");
  backoff_section.require("max", "'actor.backoff'");
  const std::optional<Millis> min = backoff_section.duration("min");
  const std::optional<Millis> max = backoff_section.duration("max");
  const std::optional<std::int64_t> jitter = backoff_section.integer("jitter", 0, 100);
  if (!min || !max) return;
  if (*min > *max) {
    section.problems().add(backoff_section.value_at("max"),
                           "'actor.backoff.min' (" + describe_duration(*min) +
                               ") must not exceed 'actor.backoff.max' (" + describe_duration(*max) + ')');
    return;
  }
  settings.backoff = {.min_ms = *min, .max_ms = *max, .jitter_percent = static_cast<std::uint16_t>(jitter.value_or(0))};
}

}  // namespace

void read_actor(const toml::table& table, Reader& reader) {
  const Section section(table, "[[actor]]", "actor", kActorKeys, reader.problems);
  Problems& problems = reader.problems;
  ActorEntry entry;
  ActorConfig& actor = entry.config;
  actor.where = section.where();

  section.require("path", "[[actor]]");
  if (auto path = section.string("path")) {
    entry.path_at = section.value_at("path");
    if (is_path(*path)) {
      const std::size_t slash = path->rfind('/');
      actor.name = slash == std::string::npos ? *path : path->substr(slash + 1);
      actor.parent = slash == std::string::npos ? std::string{} : path->substr(0, slash);
      actor.path = std::move(*path);
      entry.path_ok = true;
    } else {
      problems.add(entry.path_at, "'actor.path' must be " + std::string(kPathRule) + "; found " + quoted(*path));
    }
  }
  const bool is_root = entry.path_ok && actor.parent.empty();
  const std::string who = entry.path_ok ? quoted(actor.path) : std::string("this actor");

  // Where it lives: a device actor names its device. A device key of the
  // wrong type leaves that unknown, so the rules that depend on it wait.
  std::optional<std::string> device = section.string("device");
  const bool device_unreadable = section.has("device") && !device;
  if (device) {
    if (reader.config.find_device(*device) == nullptr) {
      std::vector<std::string_view> declared;
      for (const DeviceConfig& candidate : reader.config.devices) {
        if (!candidate.name.empty()) declared.emplace_back(candidate.name);
      }
      problems.add(
          section.value_at("device"),
          "no [[device]] named " + quoted(*device) + " is declared" + hint(*device, declared, "declared", "none are"));
    }
    actor.device = std::move(*device);
  }
  const bool on_device = device.has_value();
  if (auto remote = section.string("remote")) {
    if (!on_device) {
      if (!device_unreadable) {
        problems.add(section.key_at("remote"), "'remote' applies to device actors only (with 'device')");
      }
    } else if (!is_path(remote->starts_with('/') ? std::string_view(*remote).substr(1) : std::string_view(*remote))) {
      problems.add(section.value_at("remote"),
                   "'actor.remote' must be " + std::string(kPathRule) + "; found " + quoted(*remote));
    } else {
      actor.remote = std::move(*remote);
    }
  }
  if (on_device && actor.remote.empty()) actor.remote = actor.name;

  // What it is. A device actor's type, if given, names its chart, which the
  // device's actor table confirms at the handshake; the catalog is the host's.
  const ActorTypeInfo* info = nullptr;
  std::optional<std::string> type = section.string("type");
  if (on_device) {
    entry.kind_known = true;
    if (type && *type == kSupervisorType) {
      problems.add(section.value_at("type"),
                   who + " lives on device " + quoted(actor.device) +
                       " and so cannot be a supervisor: device actors are supervised from the host");
    }
  } else if (!section.has("type")) {
    problems.add(section.where(), "[[actor]] needs 'type' (\"supervisor\" or an actor type)");
  } else if (type && *type == kSupervisorType) {
    entry.kind_known = true;
  } else if (type) {
    info = reader.types.find(*type);
    entry.kind_known = info != nullptr;
    if (info == nullptr) {
      std::vector<std::string> known = reader.types.names();
      known.emplace_back(kSupervisorType);
      std::sort(known.begin(), known.end());
      known.erase(std::unique(known.begin(), known.end()), known.end());
      const std::vector<std::string_view> known_views = views(known);
      const std::string_view close = closest_name(*type, known_views);
      problems.add(section.value_at("type"),
                   "unknown actor type " + quoted(*type) +
                       (close.empty() ? "" : "; did you mean " + quoted(close) + '?') +
                       " (known: " + join_names(known_views) + ')');
    }
  }
  if (type) actor.type = std::move(*type);
  if (device_unreadable) entry.kind_known = false;
  const bool supervisor = actor.is_supervisor() && !on_device;

  if (is_root && entry.kind_known && !supervisor) {
    problems.add(on_device ? section.value_at("path") : section.value_at("type"),
                 "root actor " + who + " must be a supervisor (type = \"supervisor\"); put it under one");
  }

  // Supervisor settings, on supervisors only.
  if (supervisor) {
    read_supervisor(section, actor.supervisor);
  } else if (entry.kind_known) {
    for (const std::string_view key : kSupervisorKeys) {
      if (section.has(key)) {
        problems.add(section.key_at(key), quoted(key) + " applies to supervisors only, and " + who + " is not one");
      }
    }
  }

  // As a child of its parent; a root has none.
  if (is_root) {
    for (const std::string_view key : kChildKeys) {
      if (section.has(key)) {
        problems.add(section.key_at(key),
                     quoted(key) + " applies to children only, and " + who + " is a root (it has no parent)");
      }
    }
  } else {
    if (auto restart = section.choice("restart", kRestarts)) actor.restart = *restart;
    if (supervisor) actor.shutdown = Shutdown::infinity();  // OTP's default for supervisor children
    if (auto shutdown = read_shutdown(section)) actor.shutdown = *shutdown;
    if (auto significant = section.boolean("significant")) actor.significant = *significant;
    if (actor.significant && actor.restart == Restart::permanent) {
      problems.add(section.key_at("significant"),
                   "a significant child cannot be permanent" +
                       std::string(section.has("restart") ? "" : " (the default restart)") + "; make " + who +
                       " transient or temporary");
    }
  }

  // Parameters, for host actors of a known type.
  if (section.has("params")) {
    if (supervisor || on_device) {
      problems.add(section.key_at("params"),
                   std::string(supervisor ? "supervisors" : "device actors") + " take no 'params'; " + who + " is " +
                       (supervisor ? "a supervisor" : "on a device"));
    } else if (info == nullptr) {
      (void)section.subtable("params");  // still a table, though its type is unknown
    }
  }
  if (info != nullptr) read_params(section, *info, actor);

  // The worker loop, for roots.
  if (section.has("loop")) {
    if (!is_root && entry.path_ok) {
      problems.add(section.key_at("loop"), "'loop' applies to roots only; " + who + " runs on its root's loop");
    } else if (auto loop = section.integer("loop", 0, kMaxWorkers - 1)) {
      if (reader.workers_ok && reader.config.workers != 0 && *loop >= reader.config.workers) {
        problems.add(section.value_at("loop"),
                     "'actor.loop' is " + std::to_string(*loop) +
                         ", but daemon.workers = " + std::to_string(reader.config.workers) + " gives loops 0 to " +
                         std::to_string(reader.config.workers - 1));
      } else {
        actor.loop = static_cast<std::uint32_t>(*loop);
      }
    }
  }

  entry.table = &table;
  reader.actors.push_back(std::move(entry));
}

// The rules between actors: unique paths, parents declared first and
// supervising, OTP's rules on significant and simple_one_for_one children.
void check_tree(Reader& reader) {
  Problems& problems = reader.problems;
  std::map<std::string, std::size_t, std::less<>> first_by_path;
  std::vector<std::size_t> children(reader.actors.size(), 0);
  for (std::size_t index = 0; index < reader.actors.size(); ++index) {
    ActorEntry& entry = reader.actors[index];
    const ActorConfig& actor = entry.config;
    if (!entry.path_ok) continue;
    const auto [first, inserted] = first_by_path.emplace(actor.path, index);
    if (!inserted) {
      problems.add(entry.path_at,
                   "duplicate actor path " + quoted(actor.path) + " (first declared at " +
                       at_text(reader.actors[first->second].path_at) + ')');
      entry.path_ok = false;
      continue;
    }
    if (actor.parent.empty()) continue;

    const auto parent = first_by_path.find(actor.parent);
    if (parent == first_by_path.end()) {
      const auto later = std::find_if(reader.actors.begin() + static_cast<std::ptrdiff_t>(index) + 1,
                                      reader.actors.end(),
                                      [&](const ActorEntry& other) { return other.config.path == actor.parent; });
      if (later != reader.actors.end()) {
        problems.add(entry.path_at,
                     "parent " + quoted(actor.parent) + " of " + quoted(actor.path) + " is declared after it (at " +
                         at_text(later->path_at) + "); declare a parent before its children");
      } else {
        problems.add(entry.path_at,
                     "parent " + quoted(actor.parent) + " of " + quoted(actor.path) + " is not declared");
      }
      continue;
    }
    const ActorEntry& parent_entry = reader.actors[parent->second];
    if (!parent_entry.kind_known) continue;
    if (!parent_entry.config.is_supervisor() || parent_entry.config.is_device_actor()) {
      problems.add(entry.path_at,
                   "parent " + quoted(actor.parent) + " of " + quoted(actor.path) + " is not a supervisor (it is " +
                       (parent_entry.config.is_device_actor() ? std::string("a device actor")
                                                              : "a " + quoted(parent_entry.config.type)) +
                       ')');
      continue;
    }
    ++children[parent->second];
    if (actor.significant && parent_entry.config.supervisor.auto_shutdown == AutoShutdown::never) {
      problems.add(key_position(*entry.table, "significant"),
                   "a significant child needs a parent with auto_shutdown any_significant or all_significant; " +
                       quoted(actor.parent) + " has auto_shutdown never");
    }
  }
  for (std::size_t index = 0; index < reader.actors.size(); ++index) {
    const ActorEntry& entry = reader.actors[index];
    const ActorConfig& actor = entry.config;
    if (!entry.kind_known || !actor.is_supervisor() || actor.is_device_actor()) continue;
    if (actor.supervisor.strategy == Strategy::simple_one_for_one && children[index] != 1) {
      problems.add(value_position(*entry.table, "strategy"),
                   "a simple_one_for_one supervisor has exactly one child spec; " + quoted(actor.path) + " has " +
                       std::to_string(children[index]));
    }
  }

  std::vector<std::string_view> paths;
  paths.reserve(first_by_path.size());
  for (const auto& [path, index] : first_by_path) paths.emplace_back(path);
  for (auto& [path, where] : reader.metric_paths) {
    if (first_by_path.find(path) == first_by_path.end()) {
      problems.add(where,
                   "'metrics.actor_paths' names " + quoted(path) + ", which is no declared actor" +
                       hint(path, paths, "declared"));
      continue;
    }
    reader.config.metrics.actor_paths.push_back(std::move(path));
  }
}

}  // namespace lit::daemon::config_reader

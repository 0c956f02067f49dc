// The actor type registry: linked types, plugins loaded with dlopen, and the
// checks a plugin passes before any of its types is used.
#include "litd/actor_types.hpp"

#include <dlfcn.h>

#include <algorithm>

#include "litd/plugin.hpp"

namespace lit::daemon {

std::vector<const HostActorType*>& linked_actor_types() {
  static std::vector<const HostActorType*> types;
  return types;
}

std::vector<const chart::Table*>& linked_device_charts() {
  static std::vector<const chart::Table*> charts;
  return charts;
}

const chart::Table* device_chart(std::string_view name) {
  for (const chart::Table* table : linked_device_charts()) {
    if (table->name == name) return table;
  }
  return nullptr;
}

const Param* find_param(const ActorConfig& config, std::string_view name) {
  for (const Param& param : config.params) {
    if (param.name == name) return &param;
  }
  return nullptr;
}

Millis param_duration(const ActorConfig& config, std::string_view name, Millis fallback) {
  const Param* param = find_param(config, name);
  return param != nullptr && param->value.kind == ParamKind::duration ? param->value.duration_ms : fallback;
}

std::int64_t param_integer(const ActorConfig& config, std::string_view name, std::int64_t fallback) {
  const Param* param = find_param(config, name);
  return param != nullptr && param->value.kind == ParamKind::integer ? param->value.integer : fallback;
}

ActorTypeRegistry::ActorTypeRegistry() {
  for (const HostActorType* type : linked_actor_types()) {
    std::string ignored;
    add(*type, ignored);
  }
}

ActorTypeRegistry::~ActorTypeRegistry() {
  entries_.clear();
  for (void* handle : plugins_) dlclose(handle);
}

bool ActorTypeRegistry::add(const HostActorType& type, std::string& error) {
  const std::string_view name = type.name;
  if (name.empty() || type.create == nullptr) {
    error = "an actor type needs a name and a create function";
    return false;
  }
  if (name == kSupervisorType || this->type(name) != nullptr) {
    error = "actor type '" + std::string(name) + "' is already defined";
    return false;
  }
  entries_.push_back(Entry{&type, ActorTypeInfo{std::string(name), type.params, type.help}});
  return true;
}

const HostActorType* ActorTypeRegistry::type(std::string_view name) const {
  const auto found =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& entry) { return entry.info.name == name; });
  return found != entries_.end() ? found->type : nullptr;
}

const ActorTypeInfo* ActorTypeRegistry::find(std::string_view name) const {
  const auto found =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& entry) { return entry.info.name == name; });
  return found != entries_.end() ? &found->info : nullptr;
}

std::vector<std::string> ActorTypeRegistry::names() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const Entry& entry : entries_) names.push_back(entry.info.name);
  return names;
}

bool ActorTypeRegistry::load_plugin(const std::string& path, std::string& error) {
  // RTLD_LOCAL: two plugins may define the same internal symbols.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    error = "cannot load plugin " + path + ": " + (why != nullptr ? why : "unknown error");
    return false;
  }
  const auto close_with = [&](std::string message) {
    dlclose(handle);
    error = std::move(message);
    return false;
  };
  void* symbol = dlsym(handle, "lit_plugin_entry");
  if (symbol == nullptr) {
    return close_with("plugin " + path + " has no lit_plugin_entry: not a litd plugin (use LIT_PLUGIN)");
  }
  const auto entry = reinterpret_cast<lit_plugin_entry_fn>(symbol);
  const lit_plugin* plugin = entry();
  if (plugin == nullptr) return close_with("plugin " + path + ": lit_plugin_entry returned nothing");
  if (plugin->abi_version != kPluginAbiVersion) {
    return close_with("plugin " + path + " was built for plugin ABI version " + std::to_string(plugin->abi_version) +
                      "; this litd speaks version " + std::to_string(kPluginAbiVersion) +
                      ": rebuild the plugin against this litd");
  }
  if (plugin->core_size != sizeof(ActorCore)) {
    return close_with("plugin " + path + " was built with other lit headers (actor core of " +
                      std::to_string(plugin->core_size) + " bytes, this litd's is " +
                      std::to_string(sizeof(ActorCore)) + "): rebuild the plugin against this litd");
  }
  const std::size_t before = entries_.size();
  for (std::size_t i = 0; i < plugin->type_count; ++i) {
    std::string why;
    if (plugin->types[i] == nullptr || !add(*plugin->types[i], why)) {
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(before), entries_.end());  // all or none
      return close_with("plugin " + path + ": " + (why.empty() ? "a null actor type" : why));
    }
  }
  plugins_.push_back(handle);
  return true;
}

}  // namespace lit::daemon

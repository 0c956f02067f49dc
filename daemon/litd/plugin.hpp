// The plugin interface: a shared object that adds actor types to litd. It
// exports one C function, `lit_plugin_entry`, whose answer starts with the ABI
// version it was built for; litd refuses a plugin whose version differs from
// its own (kPluginAbiVersion), naming both, before it reads anything else.
// The version changes whenever HostActorType, HostActor or the core's actor
// layout changes, so a plugin must be rebuilt against the litd it runs in.
//
//   LIT_PLUGIN("my_actors", &pump_type, &valve_type);
#pragma once

#include <cstddef>
#include <cstdint>

#include "litd/actor_types.hpp"

namespace lit::daemon {

inline constexpr std::uint32_t kPluginAbiVersion = 1;

}  // namespace lit::daemon

extern "C" {

struct lit_plugin {
  std::uint32_t abi_version;  // first, so any version can be read
  std::uint32_t core_size;    // sizeof(lit::ActorCore) the plugin was built with
  const char* name;
  std::size_t type_count;
  const lit::daemon::HostActorType* const* types;
};

using lit_plugin_entry_fn = const lit_plugin* (*)();

}  // extern "C"

#define LIT_PLUGIN(plugin_name, ...)                                               \
  extern "C" [[gnu::visibility("default")]] const lit_plugin* lit_plugin_entry() { \
    static const ::lit::daemon::HostActorType* const types[] = {__VA_ARGS__};      \
    static const lit_plugin plugin{::lit::daemon::kPluginAbiVersion,               \
                                   sizeof(::lit::ActorCore),                       \
                                   plugin_name,                                    \
                                   sizeof(types) / sizeof(types[0]),               \
                                   types};                                         \
    return &plugin;                                                                \
  }

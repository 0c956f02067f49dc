// A plugin built for another plugin ABI version: litd must refuse it by
// its version alone, without touching its types.
#include "litd/plugin.hpp"

extern "C" [[gnu::visibility("default")]] const lit_plugin* lit_plugin_entry() {
  static const lit_plugin plugin{lit::daemon::kPluginAbiVersion + 1, 0, "old", 0, nullptr};
  return &plugin;
}

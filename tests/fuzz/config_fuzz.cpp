// libFuzzer target for litd's configuration reader (daemon/config/config.hpp):
// parse_config on arbitrary bytes with a fixed catalog. It must never crash,
// and its result must keep the contract: exactly one of a config or errors,
// errors sorted by position, each formattable. Anything else, or any sanitizer
// report, is a finding (abort).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace {

using lit::daemon::ActorTypeCatalog;
using lit::daemon::ActorTypeInfo;
using lit::daemon::ParamKind;
using lit::daemon::ParamSpec;

void require(bool condition) {
  if (!condition) std::abort();
}

constexpr std::array<ParamSpec, 5> kPingerParams{{
    {"period", ParamKind::duration, true, ""},
    {"count", ParamKind::integer, false, ""},
    {"verbose", ParamKind::boolean, false, ""},
    {"ratio", ParamKind::real, false, ""},
    {"label", ParamKind::string, false, ""},
}};

// pinger and sensor built in; one plugin path that loads and adds pump.
class FuzzCatalog final : public ActorTypeCatalog {
 public:
  const ActorTypeInfo* find(std::string_view name) const override {
    for (const ActorTypeInfo& type : types_) {
      if (type.name == name) return &type;
    }
    if (plugin_loaded_ && pump_.name == name) return &pump_;
    return nullptr;
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out{"pinger", "sensor"};
    if (plugin_loaded_) out.emplace_back("pump");
    return out;
  }
  bool load_plugin(const std::string& path, std::string& error) override {
    if (path != "/usr/lib/litd/plugins/libmy_actors.so") {
      error = "No such file or directory";
      return false;
    }
    plugin_loaded_ = true;
    return true;
  }

 private:
  std::array<ActorTypeInfo, 2> types_{{{"pinger", kPingerParams, ""}, {"sensor", {}, ""}}};
  ActorTypeInfo pump_{"pump", {}, ""};
  bool plugin_loaded_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  FuzzCatalog types;
  const lit::daemon::ConfigResult result = lit::daemon::parse_config(text, types);
  require(result.config.has_value() != !result.errors.empty());
  for (std::size_t i = 0; i < result.errors.size(); ++i) {
    const lit::daemon::Diagnostic& error = result.errors[i];
    require(!error.message.empty());
    require(!lit::daemon::format_diagnostic("f", error).empty());
    if (i == 0) continue;
    const lit::daemon::SourcePosition previous = result.errors[i - 1].where;
    require(previous.line < error.where.line ||
            (previous.line == error.where.line && previous.column <= error.where.column));
  }
  if (result.config) {
    for (const lit::daemon::ActorConfig& actor : result.config->actors) {
      require(result.config->find_actor(actor.path) == &actor);
      require(actor.parent.empty() || result.config->find_actor(actor.parent) != nullptr);
    }
  }
  return 0;
}

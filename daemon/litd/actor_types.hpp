// Actor types litd can create from its configuration: a name, the parameters
// the config checker holds `[actor.params]` against, and a factory. Types come
// from two places, both read through one ActorTypeRegistry:
//   - linked into the daemon binary (litd's built-ins, or a user's own daemon
//     binary that links lit_daemon): `LIT_ACTOR_TYPE(type)` at namespace scope;
//   - plugins: a shared object named in `daemon.plugins` that exports
//     `lit_plugin_entry` (see plugin.hpp), checked for its ABI version at load.
// The registry is filled before any loop runs and read-only afterwards.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "lit/actor.hpp"

namespace lit::daemon {

// One actor the daemon created from its config; owns the typed actor object.
// Lives on the loop of its tree; every call comes from that loop.
class HostActor {
 public:
  HostActor() = default;
  HostActor(const HostActor&) = delete;
  HostActor& operator=(const HostActor&) = delete;
  virtual ~HostActor() = default;

  virtual ActorCore& core() = 0;
  virtual std::size_t mailbox_capacity() const = 0;
  virtual std::size_t mailbox_depth() const = 0;
};

// A chart actor of a given chart, mailbox and payload as a HostActor.
template <const auto& Chart, MailboxConfig Config = MailboxConfig{}, class Payload = NoPayload>
class ChartHostActor final : public HostActor {
 public:
  using Typed = Actor<Chart, Config, Payload>;
  explicit ChartHostActor(const typename Typed::Params& params) : actor_(params) {}

  ActorCore& core() override { return actor_; }
  std::size_t mailbox_capacity() const override { return Typed::capacity(); }
  std::size_t mailbox_depth() const override { return actor_.queue_depth(); }
  Typed& actor() { return actor_; }

 private:
  Typed actor_;
};

struct HostActorType {
  const char* name = "";
  const char* help = "";
  std::span<const ParamSpec> params{};
  // The chart's table, for state names and `litctl chart`.
  const chart::Table* table = nullptr;
  // Builds a stopped actor from an entry the checker accepted (its params
  // match `params`). Runs on the actor's loop.
  std::unique_ptr<HostActor> (*create)(const ActorConfig& config) = nullptr;
};

// Reading checked params; a param the entry leaves out gives `fallback`.
const Param* find_param(const ActorConfig& config, std::string_view name);
Millis param_duration(const ActorConfig& config, std::string_view name, Millis fallback);
std::int64_t param_integer(const ActorConfig& config, std::string_view name, std::int64_t fallback);

class ActorTypeRegistry final : public ActorTypeCatalog {
 public:
  // Starts with every type linked into this binary.
  ActorTypeRegistry();
  ~ActorTypeRegistry();
  ActorTypeRegistry(const ActorTypeRegistry&) = delete;
  ActorTypeRegistry& operator=(const ActorTypeRegistry&) = delete;

  // False (with `error`) for a duplicate name.
  bool add(const HostActorType& type, std::string& error);
  const HostActorType* type(std::string_view name) const;

  const ActorTypeInfo* find(std::string_view name) const override;
  std::vector<std::string> names() const override;
  bool load_plugin(const std::string& path, std::string& error) override;

 private:
  struct Entry {
    const HostActorType* type;
    ActorTypeInfo info;
  };
  std::vector<Entry> entries_;
  std::vector<void*> plugins_;  // dlopen handles, closed with the registry
};

// The types `LIT_ACTOR_TYPE` linked into this binary, in registration order.
std::vector<const HostActorType*>& linked_actor_types();

struct ActorTypeRegistration {
  explicit ActorTypeRegistration(const HostActorType& type) { linked_actor_types().push_back(&type); }
};

// Charts of device actors litd knows by name (the firmware's charts compiled
// for the host), for sending events by name and drawing them. The handshake
// names each device actor's chart and its structural hash.
std::vector<const chart::Table*>& linked_device_charts();
const chart::Table* device_chart(std::string_view name);

struct DeviceChartRegistration {
  explicit DeviceChartRegistration(const chart::Table& table) { linked_device_charts().push_back(&table); }
};

}  // namespace lit::daemon

#define LIT_ACTOR_TYPE_CONCAT2(a, b) a##b
#define LIT_ACTOR_TYPE_CONCAT(a, b) LIT_ACTOR_TYPE_CONCAT2(a, b)
// At namespace scope in a source file linked into the daemon binary:
//   LIT_ACTOR_TYPE(my_type);   // my_type: a lit::daemon::HostActorType
#define LIT_ACTOR_TYPE(type) \
  static const ::lit::daemon::ActorTypeRegistration LIT_ACTOR_TYPE_CONCAT(lit_actor_type_, __LINE__) { type }

// At namespace scope: LIT_DEVICE_CHART(lit::chart::table_of<thermostat_chart>);
#define LIT_DEVICE_CHART(table) \
  static const ::lit::daemon::DeviceChartRegistration LIT_ACTOR_TYPE_CONCAT(lit_device_chart_, __LINE__) { table }

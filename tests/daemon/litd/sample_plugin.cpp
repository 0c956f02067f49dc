// A plugin as a user would write one, exported with LIT_PLUGIN: a pump, and a
// gauge whose `read` event throws (a host actor's exception fails it, and its
// supervisor restarts it).
#include <stdexcept>

#include "litd/plugin.hpp"

namespace {

using namespace lit::chart::dsl;

struct Pump {
  int strokes = 0;
};

constexpr auto pump_chart = lit::chart::define<Pump>(
    "pump", initial("idle"), state("idle", on("start").to("pumping")), state("pumping", on("stop").to("idle")));

constexpr lit::daemon::ParamSpec kPumpParams[] = {
    {.name = "flow", .kind = lit::daemon::ParamKind::integer, .required = true, .help = "litres per minute"},
};

const lit::daemon::HostActorType pump_type{
    .name = "sample_pump",
    .help = "a pump from a plugin",
    .params = kPumpParams,
    .table = &lit::chart::table_of<pump_chart>,
    .create = [](const lit::daemon::ActorConfig&) -> std::unique_ptr<lit::daemon::HostActor> {
      return std::make_unique<lit::daemon::ChartHostActor<pump_chart>>(
          lit::daemon::ChartHostActor<pump_chart>::Typed::Params{});
    },
};

struct Gauge {
  int reads = 0;
};

constexpr auto gauge_chart =
    lit::chart::define<Gauge>("gauge", initial("idle"), state("idle", on("read").then([](Gauge&) -> void {
                                throw std::runtime_error("sensor bus timeout");
                              })));

const lit::daemon::HostActorType gauge_type{
    .name = "sample_gauge",
    .help = "a gauge whose `read` throws",
    .params = {},
    .table = &lit::chart::table_of<gauge_chart>,
    .create = [](const lit::daemon::ActorConfig&) -> std::unique_ptr<lit::daemon::HostActor> {
      return std::make_unique<lit::daemon::ChartHostActor<gauge_chart>>(
          lit::daemon::ChartHostActor<gauge_chart>::Typed::Params{});
    },
};

}  // namespace

LIT_PLUGIN("sample", &pump_type, &gauge_type);

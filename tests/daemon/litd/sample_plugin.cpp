// A plugin as a user would write one: one actor type, exported with LIT_PLUGIN.
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

}  // namespace

LIT_PLUGIN("sample", &pump_type);

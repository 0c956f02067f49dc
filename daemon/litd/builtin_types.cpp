// litd's built-in host actor types, for the demo and for trying a tree out
// before writing one's own:
//   ticker  counts ticks every `period`; fails on `fail`
//   worker  counts `work` events; fails on `fail`
// Both live on their tree's loop like any configured actor.
#include <chrono>

#include "demo_actors.hpp"
#include "litd/actor_types.hpp"

namespace lit::daemon {
namespace {

using namespace lit::chart::dsl;

struct Ticker {
  struct Params {
    Millis period_ms = 1000;
  };
  explicit Ticker(const Params& params) : period_ms(params.period_ms) {}
  Millis period_ms;
  std::uint64_t ticks = 0;
};

// The period is a parameter, so the tick is a delayed send rather than after().
// Through the scheduler, not the machine's Host: the core is built without
// RTTI, so code built with it (UBSan's vptr check) must not call the Host's
// virtual functions.
void schedule_tick(const Ticker& ticker, chart::Step& step) {
  chart::Machine& machine = step.machine();
  scheduler_of(step).send_after(
      machine, machine.table().find_event("tick"), static_cast<std::uint32_t>(ticker.period_ms));
}

constexpr auto ticker_chart =
    chart::define<Ticker>("ticker",
                          initial("ticking"),
                          state("ticking",
                                entry([](Ticker& ticker, chart::Step& step) { schedule_tick(ticker, step); }),
                                on("tick").then([](Ticker& ticker, chart::Step& step) {
                                  ++ticker.ticks;
                                  schedule_tick(ticker, step);
                                }),
                                on("fail").then([](chart::Step& step) { step.fail("fail requested"); })));

constexpr ParamSpec kTickerParams[] = {
    {.name = "period", .kind = ParamKind::duration, .required = false, .help = "time between ticks (default 1s)"},
};

const HostActorType ticker_type{
    .name = "ticker",
    .help = "counts ticks every `period`; the event `fail` makes it fail",
    .params = kTickerParams,
    .table = &chart::table_of<ticker_chart>,
    .create = [](const ActorConfig& config) -> std::unique_ptr<HostActor> {
      return std::make_unique<ChartHostActor<ticker_chart>>(
          Ticker::Params{.period_ms = param_duration(config, "period", 1000)});
    },
};
LIT_ACTOR_TYPE(ticker_type);

struct Worker {
  std::uint64_t jobs = 0;
};

constexpr auto worker_chart = chart::define<Worker>(
    "worker",
    initial("ready"),
    state("ready", on("work").then([](Worker& worker) { ++worker.jobs; }), on("fail").then([](chart::Step& step) {
      step.fail("fail requested");
    })));

const HostActorType worker_type{
    .name = "worker",
    .help = "counts `work` events; the event `fail` makes it fail",
    .params = {},
    .table = &chart::table_of<worker_chart>,
    .create = [](const ActorConfig&) -> std::unique_ptr<HostActor> {
      return std::make_unique<ChartHostActor<worker_chart>>(ChartHostActor<worker_chart>::Typed::Params{});
    },
};
LIT_ACTOR_TYPE(worker_type);

}  // namespace
// The agent firmware's demo charts (agent-fw/apps/agent/demo_actors.hpp).
LIT_DEVICE_CHART(chart::table_of<demo::blinky_chart>);
LIT_DEVICE_CHART(chart::table_of<demo::sensor_chart>);
LIT_DEVICE_CHART(chart::table_of<demo::thermostat_chart>);
LIT_DEVICE_CHART(chart::table_of<demo::echo_chart>);

}  // namespace lit::daemon

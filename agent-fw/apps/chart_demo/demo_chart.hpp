// The example chart that agent-fw/apps/chart_demo runs on the board: a pump
// controller with hierarchy, a parallel state (motor and telemetry regions), a
// deep history over that parallel state, after() timers and a final state.
// It also carries the scripted run and the configurations the run must reach.
// Only the shared core is included, so the host builds the very same chart and
// can compare its structural hash with the one the device prints.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "lit/chart/dsl.hpp"

namespace lit::demo {

// Counted by entry actions, so the run can check which entries really ran.
struct Pump {
  std::uint32_t motor_starts = 0;  // entries of spinning_up
  std::uint32_t reports = 0;       // entries of reporting
  std::uint32_t faults = 0;        // entries of fault
};

inline constexpr auto pump_chart = [] {
  using namespace lit::chart::dsl;
  using namespace std::chrono_literals;
  return lit::chart::define<Pump>(
      "pump",
      initial("standby"),
      state("standby", on("start").to("active")),
      state("active",
            initial("running"),
            on("fault").to("fault"),
            on("stop").to("stopped"),
            // Where "clear" returns to: the atomic states of both regions as they were.
            deep_history("resume", "running"),
            parallel(
                "running",
                state("motor",
                      initial("spinning_up"),
                      state("spinning_up", entry([](Pump& pump) { ++pump.motor_starts; }), after(20ms).to("at_speed")),
                      state("at_speed", on("load").to("overloaded")),
                      state("overloaded", after(60ms).to("at_speed"))),
                state("telemetry",
                      initial("quiet"),
                      state("quiet", on("tick").to("reporting")),
                      state("reporting", entry([](Pump& pump) { ++pump.reports; }), after(20ms).to("quiet"))))),
      state("fault",
            entry([](Pump& pump) { ++pump.faults; }, log("pump", "fault latched, motor off")),
            on("clear").to("resume"),
            on("stop").to("stopped")),
      final("stopped"));
}();

// One step of the scripted run: deliver an event, or let the clock run.
struct ScriptStep {
  std::string_view event;   // empty: a wait
  std::uint32_t wait_ms;    // for a wait
  std::string_view expect;  // active atomic states afterwards, document order; empty once finished
};

// Timer margins are 20 ms or more either side of every wait, so the run is the
// same however the emulator's clock jitters.
inline constexpr std::array<ScriptStep, 10> pump_script = {{
    {"start", 0, "spinning_up quiet"},
    {"", 50, "at_speed quiet"},            // after(20ms) in spinning_up fired
    {"tick", 0, "at_speed reporting"},     // the telemetry region moves alone
    {"load", 0, "overloaded reporting"},   // ...and now the motor region
    {"fault", 0, "fault"},                 // leaves both regions, recording deep history
    {"", 80, "fault"},                     // their timers were cancelled on exit: nothing fires
    {"clear", 0, "overloaded reporting"},  // deep history restores both regions
    {"", 40, "overloaded quiet"},          // re-armed after(20ms) in reporting fired
    {"", 40, "at_speed quiet"},            // re-armed after(60ms) in overloaded fired
    {"stop", 0, ""},                       // the final state ends the machine
}};

// What the entry counters must read after the script.
inline constexpr Pump pump_expected_counts{.motor_starts = 1, .reports = 2, .faults = 1};

}  // namespace lit::demo

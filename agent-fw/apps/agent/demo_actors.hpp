// The agent firmware's demo actors, as charts both sides compile: the device
// runs them, and the host (the test driver, later litd) builds the same
// charts to name their events and to check the structural hashes the device
// reports in its handshake.
//
//   blinky      an LED toggled by `after` timers; counts its toggles and the
//               ticks it was sent
//   sensor      samples a simulated temperature every 100 ms; a subscriber
//               gets every tenth sample as a message
//   thermostat  hierarchical: operating (idle, heating) and a fault state; on
//               command it fails (supervision) or faults the CPU (HardFault)
//   echo        the minimal agent's one actor: one state, answers `ping`
//
// Every actor answers `ping` (a request) with `pong` and one number: blinky
// its toggles (or ticks, for `count`), the sensor its last sample, the
// thermostat its state (kIdle, kHeating, kFault). Payloads are one
// little-endian int32 (at most; empty means 0).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <span>

#include "lit/link/agent.hpp"
#include "lit/runtime.hpp"

namespace lit::demo {

using namespace lit::chart::dsl;
using namespace std::chrono_literals;

// What a demo actor's events carry: the request's origin (a reply goes
// there) and the payload's number.
struct Request {
  link::MessageOrigin origin{};
  std::int32_t value = 0;
};

// How an actor reaches the host: the firmware points it at its DeviceAgent.
struct Uplink {
  void* context = nullptr;
  // Sends `value` as `event` to the request's origin (reply) or, with an
  // origin of export 1 + id and no correlation, to that export.
  void (*send)(void* context, link::MessageOrigin to, chart::EventId event, std::int32_t value, std::uint32_t source) =
      nullptr;
  void operator()(link::MessageOrigin to, chart::EventId event, std::int32_t value, std::uint32_t source) const {
    if (send != nullptr) send(context, to, event, value, source);
  }
};

// Wire ids: the rows of the device's actor table (see the firmware's main).
inline constexpr std::uint32_t kSupervisorRow = 0;
inline constexpr std::uint32_t kBlinkyRow = 1;
inline constexpr std::uint32_t kSensorRow = 2;
inline constexpr std::uint32_t kThermostatRow = 3;
// The minimal agent's table (apps/agent_min): echo, then (in its variant
// with a device supervisor) that supervisor.
inline constexpr std::uint32_t kEchoRow = 0;
inline constexpr std::uint32_t kMinSupervisorRow = 1;

// The host side of the conversation: what the device sends to host actors.
struct HostClient {};
inline constexpr auto host_client_chart =
    chart::define<HostClient>("demo_client",
                              initial("listening"),
                              state("listening", on("pong"), on("sample"), on("link_down"), on("request_failed")));
inline constexpr chart::EventId kPong = host_client_chart.event("pong");
inline constexpr chart::EventId kSample = host_client_chart.event("sample");

inline const Request& request_of(const chart::Step& step) { return *static_cast<const Request*>(step.event().data); }

// ---- blinky ------------------------------------------------------------------------------------

struct Blinky {
  struct Params {
    const Uplink* uplink = nullptr;
  };
  explicit Blinky(const Params& params) : uplink(params.uplink) {}
  const Uplink* uplink;
  std::uint32_t toggles = 0;
  std::uint32_t ticks = 0;
  bool led = false;
};

inline constexpr auto blinky_chart = chart::define<Blinky>(
    "blinky",
    initial("blinking"),
    state("blinking",
          initial("off"),
          on("ping").then([](Blinky& b, chart::Step& step) {
            (*b.uplink)(request_of(step).origin, kPong, static_cast<std::int32_t>(b.toggles), kBlinkyRow);
          }),
          on("tick").then([](Blinky& b) { ++b.ticks; }),
          on("count").then([](Blinky& b, chart::Step& step) {
            (*b.uplink)(request_of(step).origin, kPong, static_cast<std::int32_t>(b.ticks), kBlinkyRow);
          }),
          state("off", entry([](Blinky& b) { b.led = false; }), after(500ms).to("on")),
          state("on",
                entry([](Blinky& b) {
                  b.led = true;
                  ++b.toggles;
                }),
                after(500ms).to("off"))));

// ---- sensor ------------------------------------------------------------------------------------

struct Sensor {
  struct Params {
    const Uplink* uplink = nullptr;
  };
  explicit Sensor(const Params& params) : uplink(params.uplink) {}
  const Uplink* uplink;
  std::int32_t milli_celsius = 20'000;
  std::int32_t step = 125;
  std::uint32_t samples = 0;
  link::MessageOrigin subscriber{};  // reply_export 0: nobody
};

// A triangle wave between 18 and 24 degrees: deterministic, so tests can check it.
inline void sample(Sensor& s) {
  s.milli_celsius += s.step;
  if (s.milli_celsius >= 24'000 || s.milli_celsius <= 18'000) s.step = -s.step;
  ++s.samples;
}

inline constexpr auto sensor_chart = chart::define<Sensor>(
    "sensor",
    initial("sampling"),
    state("sampling",
          on("ping").then([](Sensor& s, chart::Step& step) {
            (*s.uplink)(request_of(step).origin, kPong, s.milli_celsius, kSensorRow);
          }),
          on("subscribe").then([](Sensor& s, chart::Step& step) {
            s.subscriber = link::MessageOrigin{.reply_export = request_of(step).origin.reply_export};
          }),
          after(100ms).to("sampling").then([](Sensor& s) {
            sample(s);
            if (s.subscriber.reply_export != 0 && s.samples % 10 == 0) {
              (*s.uplink)(s.subscriber, kSample, s.milli_celsius, kSensorRow);
            }
          })));

// ---- thermostat --------------------------------------------------------------------------------

struct Thermostat {
  struct Params {
    const Uplink* uplink = nullptr;
    void (*hard_fault)() = nullptr;  // faults the CPU on purpose (the firmware's)
  };
  explicit Thermostat(const Params& params) : uplink(params.uplink), hard_fault(params.hard_fault) {}
  const Uplink* uplink;
  void (*hard_fault)();
  std::int32_t where = 0;  // kIdle, kHeating or kFault
};
inline constexpr std::int32_t kIdle = 0;
inline constexpr std::int32_t kHeating = 1;
inline constexpr std::int32_t kFault = 2;

inline constexpr auto thermostat_chart = chart::define<Thermostat>(
    "thermostat",
    initial("running"),
    state("running",
          initial("operating"),
          on("ping").then([](Thermostat& t, chart::Step& step) {
            (*t.uplink)(request_of(step).origin, kPong, t.where, kThermostatRow);
          }),
          on("crash").then([](chart::Step& step) { step.fail("crash requested"); }),
          on("hard_fault").then([](Thermostat& t) {
            if (t.hard_fault != nullptr) t.hard_fault();
          }),
          state("operating",
                initial("idle"),
                on("fault").to("fault"),
                state("idle", entry([](Thermostat& t) { t.where = kIdle; }), on("cold").to("heating")),
                state("heating", entry([](Thermostat& t) { t.where = kHeating; }), on("warm").to("idle"))),
          state("fault", entry([](Thermostat& t) { t.where = kFault; }), on("reset").to("operating"))));

// ---- echo --------------------------------------------------------------------------------------

// As little chart as an actor can have: its `ping` answers with how many
// pings it has had, this one included (1 for a fresh incarnation's first).
struct Echo {
  struct Params {
    const Uplink* uplink = nullptr;
  };
  explicit Echo(const Params& params) : uplink(params.uplink) {}
  const Uplink* uplink;
  std::uint32_t pings = 0;
};

inline constexpr auto echo_chart =
    chart::define<Echo>("echo", initial("ready"), state("ready", on("ping").then([](Echo& e, chart::Step& step) {
                          ++e.pings;
                          (*e.uplink)(request_of(step).origin, kPong, static_cast<std::int32_t>(e.pings), kEchoRow);
                        })));

// ---- delivery ----------------------------------------------------------------------------------

// The DeviceAgent's deliver hook for every demo actor: the payload's number
// and the origin, as a Request.
inline SendResult deliver_request(Scheduler& scheduler,
                                  ActorCore& actor,
                                  chart::EventId event,
                                  std::span<const std::uint8_t> payload,
                                  link::MessageOrigin origin) {
  Request request{.origin = origin};
  if (payload.size() > sizeof(request.value)) return SendResult::invalid_event;
  std::uint32_t raw = 0;  // little-endian; missing high bytes are 0
  for (std::size_t i = 0; i < payload.size(); ++i) raw |= std::uint32_t{payload[i]} << (8U * i);
  request.value = static_cast<std::int32_t>(raw);
  return scheduler.send(Address<Request>{actor.id()}, event, request);
}

}  // namespace lit::demo

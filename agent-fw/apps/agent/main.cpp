// The agent firmware: the demo actors (demo_actors.hpp) under a device
// supervisor, and a DeviceAgent that speaks the link protocol over the
// board's link UART. Everything is static; the main loop feeds received bytes
// to the agent, runs the scheduler and sleeps in WFI when idle (the UART's
// interrupts and the 1 ms tick wake it).
//
// The device supervisor (one_for_one, 5 restarts in 10 s) keeps the actors
// alive on its own while no host supervises them; a host supervisor takes an
// actor over by starting it through the link (see lit/link/agent.hpp).
//
// Telemetry: the thermostat's state changes are traced, a log line greets
// each host that connects, and every second a metrics snapshot goes out with
// the free stack measured by stack painting.
#include <array>
#include <cstdint>
#include <span>

#include "agent_wiring.hpp"
#include "bare_port.hpp"
#include "board.hpp"
#include "build_id.hpp"
#include "console.hpp"
#include "demo_actors.hpp"
#include "stack_paint.hpp"

namespace {

using lit::port::console;

constexpr std::uint32_t kLinkBaud = 115'200;

// Their after() timers come from the scheduler's pool while armed: every
// actor's own runtime state is its 32-byte control block, and the pool holds
// the most timers the three charts can arm at once, not one per after().
using BlinkyActor =
    lit::Actor<lit::demo::blinky_chart, lit::MailboxConfig{.capacity = 2, .pooled_timers = true}, lit::demo::Request>;
using SensorActor =
    lit::Actor<lit::demo::sensor_chart, lit::MailboxConfig{.capacity = 4, .pooled_timers = true}, lit::demo::Request>;
using ThermostatActor = lit::
    Actor<lit::demo::thermostat_chart, lit::MailboxConfig{.capacity = 4, .pooled_timers = true}, lit::demo::Request>;

lit::port::BarePort port;
std::array<lit::Watch, 8> watches;
std::array<lit::ActorTimer, lit::timer_pool_size<BlinkyActor, SensorActor, ThermostatActor>()> timer_pool;
lit::Scheduler scheduler(port, {.watches = watches, .timers = timer_pool});

// A HardFault on purpose: a load from an address with nothing behind it.
[[gnu::noinline]] void hard_fault() {
  volatile std::uint32_t* nowhere = reinterpret_cast<volatile std::uint32_t*>(0xFFFF'FFF0U);
  static_cast<void>(*nowhere);
}

BlinkyActor blinky{lit::demo::Blinky::Params{&lit::demo::kUplink}};
SensorActor sensor{lit::demo::Sensor::Params{&lit::demo::kUplink}};
ThermostatActor thermostat{lit::demo::Thermostat::Params{&lit::demo::kUplink, &hard_fault}};
lit::StaticSupervisor<3, 8> supervisor(lit::SupervisorFlags{.strategy = lit::Strategy::one_for_one,
                                                            .intensity = {.max_restarts = 5, .period_ms = 10'000}});

const std::array<lit::link::AgentActor, 4> table{{
    {.path = "/dev", .actor = &supervisor},
    {.path = "/dev/blinky",
     .actor = &blinky,
     .supervisor = &supervisor,
     .child_id = "blinky",
     .deliver = &lit::demo::deliver_request},
    {.path = "/dev/sensor",
     .actor = &sensor,
     .supervisor = &supervisor,
     .child_id = "sensor",
     .deliver = &lit::demo::deliver_request},
    {.path = "/dev/thermostat",
     .actor = &thermostat,
     .supervisor = &supervisor,
     .child_id = "thermostat",
     .deliver = &lit::demo::deliver_request},
}};

// Text into a fixed buffer (cut at its end), without printf.
class Line {
 public:
  Line& operator<<(std::string_view text) {
    for (const char c : text) {
      if (size_ < line_.size()) line_[size_++] = c;
    }
    return *this;
  }
  Line& operator<<(std::uint32_t number) {
    std::array<char, 10> digits{};
    std::size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + number % 10U);
      number /= 10U;
    } while (number != 0);
    while (n != 0) *this << std::string_view(&digits[--n], 1);
    return *this;
  }
  Line& hex(std::uint32_t number) {
    *this << "0x";
    for (int shift = 28; shift >= 0; shift -= 4) {
      const char digit = "0123456789abcdef"[(number >> static_cast<unsigned>(shift)) & 0xFU];
      *this << std::string_view(&digit, 1);
    }
    return *this;
  }
  std::string_view view() const { return {line_.data(), size_}; }

 private:
  std::array<char, 96> line_{};
  std::size_t size_ = 0;
};

// A log line for the host that just connected: this boot and how the last one ended.
void greet(lit::link::DeviceAgent& device_agent, const lit::board::ResetRecord& reset) {
  Line line;
  line << "agent up on " << lit::board::name() << ", boot " << reset.boot_count << ", last reset "
       << lit::board::to_string(reset.cause);
  if (reset.cause == lit::board::ResetCause::hard_fault) {
    line << " at pc ";
    line.hex(reset.pc);
  }
  line << ", free stack " << lit::port::stack::free_bytes() << " of " << lit::port::stack::reserve_bytes() << " B";
  static_cast<void>(device_agent.log(lit_wire_LogLevel_LOG_LEVEL_INFO, lit::link::kNoTableActor, line.view()));
}

}  // namespace

int main() {
  lit::port::stack::paint();
  lit::board::init();
  const lit::board::ResetRecord reset = lit::board::last_reset();
  lit::board::link_start(kLinkBaud);
  port.attach(scheduler);

  static lit::link::DeviceAgent device_agent(
      scheduler,
      table,
      lit::link::ByteSink{nullptr, &lit::demo::link_write},
      lit::link::DeviceAgentConfig{.boot_id = lit::board::boot_entropy(),
                                   .firmware = "lit-agent " LIT_VERSION,
                                   .firmware_hash = lit::arch::build_id_prefix(),
                                   .last_reset = lit::demo::wire_reset_reason(reset.cause),
                                   .stack_free = &lit::port::stack::free_bytes});
  lit::demo::uplink_agent = &device_agent;
  scheduler.set_observer(&device_agent.observer());

  console << "lit-bit agent on " << lit::board::name() << ", boot " << reset.boot_count << ", last reset "
          << lit::board::to_string(reset.cause);
  if (reset.cause == lit::board::ResetCause::hard_fault) console << " at pc 0x" << lit::port::hex(reset.pc, 8);
  console << '\n';

  supervisor.add_child({.id = "blinky", .actor = &blinky});
  supervisor.add_child({.id = "sensor", .actor = &sensor});
  supervisor.add_child({.id = "thermostat", .actor = &thermostat});
  scheduler.set_tracing(thermostat, true);
  lit::Reason failure;
  if (!scheduler.start(supervisor, nullptr, failure)) lit::board::panic(failure.text);

  std::array<std::uint8_t, 64> received{};
  bool was_ready = false;
  std::uint32_t goodbyes_seen = 0;
  for (;;) {
    const std::size_t n = lit::board::link_read(received);
    if (n != 0) device_agent.on_bytes(std::span<const std::uint8_t>(received.data(), n));
    const bool ready = device_agent.state() == lit::link::EndpointState::ready;
    if (ready && !was_ready) greet(device_agent, reset);
    if (!ready && was_ready) {
      // On the console, for whoever watches the board: why the host went.
      const bool left = device_agent.counters().goodbyes != goodbyes_seen;
      console << (left ? "host left (goodbye); local supervision only\n" : "link down; local supervision only\n");
    }
    goodbyes_seen = device_agent.counters().goodbyes;
    was_ready = ready;
    if (!port.poll() && n == 0) port.idle();
  }
}

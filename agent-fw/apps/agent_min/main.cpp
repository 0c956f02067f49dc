// The minimal agent: the smallest image that is still a whole agent (the
// shared core, the link, nanopb and one actor), whose flash the brief bounds
// at 24 KB. One actor (echo, from apps/agent/demo_actors.hpp) and a
// DeviceAgent on the board's link UART, wired as in apps/agent/main.cpp but
// without telemetry (traces, metrics). Everything is static; the main loop
// feeds received bytes to the agent, runs the scheduler and sleeps in WFI
// when idle.
//
// Echo has no device supervisor: the host's supervisor is its supervisor,
// and the agent starts, stops and restarts it through the scheduler when the
// host commands it (agent.hpp). Built with LIT_AGENT_MIN_SUPERVISED (the
// agent_min_sup image), echo is a device supervisor's child as in the full
// agent, so that the size report shows what a device supervisor costs.
//
// It prints nothing on the console: the size it measures is the agent's, not
// the console formatter's. tests/fw/agent_link_test.cpp --image min drives it.
#include <array>
#include <cstdint>
#include <span>

#include "agent_wiring.hpp"
#include "bare_port.hpp"
#include "board.hpp"
#include "build_id.hpp"
#include "demo_actors.hpp"

namespace {

constexpr std::uint32_t kLinkBaud = 115'200;

lit::port::BarePort port;
lit::Scheduler scheduler(port, {});

using EchoActor = lit::Actor<lit::demo::echo_chart, lit::MailboxConfig{.capacity = 2}, lit::demo::Request>;

EchoActor echo{lit::demo::Echo::Params{&lit::demo::kUplink}};

#ifdef LIT_AGENT_MIN_SUPERVISED
lit::StaticSupervisor<1, 8> supervisor(lit::SupervisorFlags{.strategy = lit::Strategy::one_for_one,
                                                            .intensity = {.max_restarts = 5, .period_ms = 10'000}});
constexpr const char* kFirmware = "lit-agent-min-sup " LIT_VERSION;
const lit::link::AgentSupervision* const kSupervision = &lit::link::kAgentSupervision;
const std::array<lit::link::AgentActor, 2> table{{
    {.path = "/dev/echo",
     .actor = &echo,
     .supervisor = &supervisor,
     .child_id = "echo",
     .deliver = &lit::demo::deliver_request},
    {.path = "/dev", .actor = &supervisor},
}};
static_assert(lit::demo::kEchoRow == 0 && lit::demo::kMinSupervisorRow == 1);
#else
constexpr const char* kFirmware = "lit-agent-min " LIT_VERSION;
const lit::link::AgentSupervision* const kSupervision = nullptr;
const std::array<lit::link::AgentActor, 1> table{{
    {.path = "/dev/echo", .actor = &echo, .deliver = &lit::demo::deliver_request},
}};
static_assert(lit::demo::kEchoRow == 0);
#endif

}  // namespace

int main() {
  lit::board::init();
  lit::board::link_start(kLinkBaud);
  port.attach(scheduler);

  static lit::link::DeviceAgent device_agent(
      scheduler,
      table,
      lit::link::ByteSink{nullptr, &lit::demo::link_write},
      lit::link::DeviceAgentConfig{.boot_id = lit::board::boot_entropy(),
                                   .firmware = kFirmware,
                                   .firmware_hash = lit::arch::build_id_prefix(),
                                   .last_reset = lit::demo::wire_reset_reason(lit::board::last_reset().cause),
                                   .telemetry = nullptr,
                                   .supervision = kSupervision});
  lit::demo::uplink_agent = &device_agent;
  scheduler.set_observer(&device_agent.observer());

  lit::Reason failure;
#ifdef LIT_AGENT_MIN_SUPERVISED
  supervisor.add_child({.id = "echo", .actor = &echo});
  if (!scheduler.start(supervisor, nullptr, failure)) lit::board::panic(failure.text);
#else
  if (!scheduler.start(echo, nullptr, failure)) lit::board::panic(failure.text);
#endif

  std::array<std::uint8_t, 64> received{};
  for (;;) {
    const std::size_t n = lit::board::link_read(received);
    if (n != 0) device_agent.on_bytes(std::span<const std::uint8_t>(received.data(), n));
    if (!port.poll() && n == 0) port.idle();
  }
}

// The agent firmware under QEMU, driven over its link UART by the shared link
// code on the host: a RemoteNode on a wall-clock loop, connected to QEMU's
// second serial port through a Unix socket. No daemon: this is the device
// side's acceptance test.
//
//   agent_link_test --qemu qemu-system-arm --machine mps2-an385 --kernel agent.elf [--image full|min|min-sup]
//
// One QEMU runs for the whole suite; the tests run in order. `full` (the
// agent image, AgentLink.*): the last test faults the device on purpose, so
// it reboots with a new boot id and reports the HardFault in its next
// handshake. `min` (the minimal agent, AgentMinLink.*): its one actor's
// handshake, a request and its reply, and a host-commanded restart, which the
// agent carries out through the scheduler (echo has no device supervisor).
// `min-sup` (agent_min_sup): the same, with echo a device supervisor's child.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "demo_actors.hpp"
#include "lit/link/remote.hpp"
#include "litctl/elf_build_id.hpp"

extern char** environ;

namespace {

using namespace lit::chart::dsl;
using lit::link::RemoteActor;
using lit::link::RemotePayload;

struct Options {
  std::string qemu = "qemu-system-arm";
  std::string machine = "mps2-an385";
  std::string kernel;
  bool minimal = false;     // --image min or min-sup: the minimal agent (apps/agent_min)
  bool supervised = false;  // --image min-sup: its echo under a device supervisor
};
Options options;

// ---- a wall-clock port for one host loop ------------------------------------------------------

class WallPort final : public lit::Port {
 public:
  std::uint32_t enter_critical() override { return 0; }
  void exit_critical(std::uint32_t) override {}
  lit::Millis now() override {
    return static_cast<lit::Millis>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count());
  }
  void arm_timer(lit::Millis deadline) override { deadline_ = deadline; }
  void wake() override {}
  void fatal(const char* reason) override {
    std::fprintf(stderr, "fatal: %s\n", reason);
    std::abort();
  }
  std::uint32_t random() override { return static_cast<std::uint32_t>(++random_ * 2654435761U); }
  void log(std::string_view actor, std::string_view label, std::string_view text) override {
    std::fprintf(stderr,
                 "[host] %.*s %.*s: %.*s\n",
                 static_cast<int>(actor.size()),
                 actor.data(),
                 static_cast<int>(label.size()),
                 label.data(),
                 static_cast<int>(text.size()),
                 text.data());
  }

  // Due timers, then every ready actor. Returns ms until the next timer.
  lit::Millis poll(lit::Scheduler& scheduler) {
    if (deadline_ != lit::kNever && now() >= deadline_) {
      deadline_ = lit::kNever;
      scheduler.on_timer();
    }
    while (scheduler.run(64)) {
    }
    return deadline_ == lit::kNever ? 1000 : (deadline_ > now() ? deadline_ - now() : 0);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  lit::Millis deadline_ = lit::kNever;
  std::uint32_t random_ = 0;
};

// ---- host actors ----------------------------------------------------------------------------

// The host actor the device's replies and samples go to (export 0). Its
// events are the demo's host_client_chart's, so the ids the device uses match.
struct Client {
  std::vector<std::pair<std::uint32_t, std::int32_t>> pongs;  // correlation id, value
  std::vector<std::int32_t> samples;
  std::uint32_t failed = 0;
};
std::int32_t value_of(const lit::chart::Step& step) {
  const auto& payload = *static_cast<const RemotePayload*>(step.event().data);
  std::uint32_t raw = 0;
  for (std::size_t i = 0; i < payload.size && i < 4; ++i) raw |= std::uint32_t{payload.bytes[i]} << (8U * i);
  return static_cast<std::int32_t>(raw);
}
constexpr auto client_chart = lit::chart::define<Client>(
    "demo_client",
    initial("listening"),
    state("listening",
          on("pong").then([](Client& c, lit::chart::Step& s) {
            c.pongs.emplace_back(static_cast<const RemotePayload*>(s.event().data)->correlation_id, value_of(s));
          }),
          on("sample").then([](Client& c, lit::chart::Step& s) { c.samples.push_back(value_of(s)); }),
          on("link_down").then([](Client& c) { ++c.failed; }),
          on("request_failed").then([](Client& c) { ++c.failed; })));
static_assert(client_chart.event("pong") == lit::demo::kPong);
static_assert(client_chart.event("sample") == lit::demo::kSample);
using ClientActor = lit::Actor<client_chart, lit::MailboxConfig{.capacity = 16}, RemotePayload>;

struct Monitor {
  std::vector<lit::Down> downs;
};
constexpr auto monitor_chart = lit::chart::define<Monitor>(
    "monitor", initial("watching"), state("watching", on("down").then([](Monitor& m, lit::chart::Step& s) {
      m.downs.push_back(*static_cast<const lit::Down*>(s.event().data));
    })));
using MonitorActor = lit::Actor<monitor_chart, lit::MailboxConfig{.capacity = 8}>;

// The device's actor types, built for the host: their tables' structural
// hashes are what the device must report.
using BlinkyTable = lit::Actor<lit::demo::blinky_chart, lit::MailboxConfig{}, lit::demo::Request>;
using SensorTable = lit::Actor<lit::demo::sensor_chart, lit::MailboxConfig{}, lit::demo::Request>;
using ThermostatTable = lit::Actor<lit::demo::thermostat_chart, lit::MailboxConfig{}, lit::demo::Request>;
using EchoTable = lit::Actor<lit::demo::echo_chart, lit::MailboxConfig{}, lit::demo::Request>;

// What the device's telemetry brought, as the host node passed it on.
struct Telemetry final : lit::link::RemoteNodeObserver {
  std::vector<lit_wire_Trace> traces;
  std::vector<std::string> logs;
  std::vector<lit_wire_Metrics> metrics;
  void on_trace(const lit_wire_Trace& trace) override { traces.push_back(trace); }
  void on_log(const lit_wire_Log& log) override { logs.emplace_back(log.text); }
  void on_metrics(const lit_wire_Metrics& snapshot) override { metrics.push_back(snapshot); }
  // The newest snapshot entry for table row `actor`, if any.
  std::optional<lit_wire_ActorMetrics> latest(std::uint32_t actor) const {
    for (auto it = metrics.rbegin(); it != metrics.rend(); ++it) {
      for (pb_size_t i = 0; i < it->actors_count; ++i) {
        if (it->actors[i].actor == actor) return it->actors[i];
      }
    }
    return std::nullopt;
  }
};

// ---- QEMU -----------------------------------------------------------------------------------

class Qemu {
 public:
  bool start() {
    char pattern[] = "/tmp/lit-agent-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return false;
    dir_ = pattern;
    const std::string socket_path = dir_ + "/link.sock";
    std::vector<std::string> args = {options.qemu,
                                     "-M",
                                     options.machine,
                                     "-nographic",
                                     "-monitor",
                                     "none",
                                     "-semihosting-config",
                                     "enable=on,target=native",
                                     "-kernel",
                                     options.kernel,
                                     "-serial",
                                     "file:" + console_path(),
                                     "-serial",
                                     "unix:" + socket_path + ",server=on,wait=on"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return false;
    // QEMU listens once it has set the machine up; keep trying for 10 s.
    for (int attempt = 0; attempt < 200 && fd_ < 0; ++attempt) {
      const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", socket_path.c_str());
      if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
        fd_ = fd;
      } else {
        close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    return fd_ >= 0;
  }
  ~Qemu() {
    if (fd_ >= 0) close(fd_);
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  int fd() const { return fd_; }
  std::string console_path() const { return dir_ + "/console.txt"; }
  std::string console() const {
    std::ifstream in(console_path());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int fd_ = -1;
};

void write_all(void* context, std::span<const std::uint8_t> bytes) {
  const int fd = *static_cast<int*>(context);
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) return;  // QEMU went away: the link times out
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

// ---- the suite --------------------------------------------------------------------------------

// What both images' suites share: one QEMU, the host loop and its actors.
class AgentLinkSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    qemu = new Qemu;
    ASSERT_TRUE(qemu->start()) << "could not start " << options.qemu << " with " << options.kernel;
    fd = qemu->fd();
    host = new Host;
  }
  static void TearDownTestSuite() {
    delete host;
    delete qemu;
  }

  struct Host {
    Host() {
      EXPECT_TRUE(node.export_actor(0, client.address()));
      node.set_observer(&telemetry);
      if (options.minimal) {
        echo = node.declare("/dev/echo");
        EXPECT_EQ(supervisor.add_child({.id = "echo", .actor = echo}), lit::SupervisorError::ok);
        proxies = {echo};
      } else {
        blinky = node.declare("/dev/blinky");
        sensor = node.declare("/dev/sensor");
        thermostat = node.declare("/dev/thermostat");
        EXPECT_EQ(supervisor.add_child({.id = "blinky", .actor = blinky}), lit::SupervisorError::ok);
        EXPECT_EQ(supervisor.add_child({.id = "sensor", .actor = sensor}), lit::SupervisorError::ok);
        EXPECT_EQ(supervisor.add_child({.id = "thermostat", .actor = thermostat}), lit::SupervisorError::ok);
        proxies = {blinky, sensor, thermostat};
      }
      lit::Reason failure;
      EXPECT_TRUE(scheduler.start(client, nullptr, failure));
      EXPECT_TRUE(scheduler.start(monitor, nullptr, failure));
      EXPECT_TRUE(scheduler.start(supervisor, nullptr, failure));
      EXPECT_EQ(scheduler.watch(monitor.id(), proxies.back()->id()), lit::WatchResult::ok);
    }
    WallPort port;
    std::array<lit::Watch, 16> watches{};
    lit::Scheduler scheduler{port, {.watches = watches}};
    lit::link::RemoteNode node{
        scheduler, lit::link::ByteSink{&fd, &write_all}, lit::link::RemoteNodeConfig{.boot_id = 0x4057'0001}};
    ClientActor client;
    MonitorActor monitor;
    Telemetry telemetry;
    lit::StaticSupervisor<3, 16> supervisor{lit::SupervisorFlags{
        .strategy = lit::Strategy::one_for_one, .intensity = {.max_restarts = 5, .period_ms = 10'000}}};
    RemoteActor* blinky = nullptr;
    RemoteActor* sensor = nullptr;
    RemoteActor* thermostat = nullptr;
    RemoteActor* echo = nullptr;
    std::vector<RemoteActor*> proxies;  // the image's device actors, in table order
    std::uint32_t next_correlation = 1;
  };

  // Runs the host loop, feeding it what QEMU sends, until `done` or `ms` pass.
  template <class Done>
  static bool run_until(Done done, lit::Millis ms) {
    const lit::Millis until = host->port.now() + ms;
    std::array<std::uint8_t, 512> buffer{};
    while (!done()) {
      if (host->port.now() >= until) return false;
      const lit::Millis wait = std::min<lit::Millis>(host->port.poll(host->scheduler), 5);
      pollfd waiting{fd, POLLIN, 0};
      if (::poll(&waiting, 1, static_cast<int>(wait)) > 0) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n > 0) host->node.on_bytes(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n)));
      }
    }
    host->port.poll(host->scheduler);
    return true;
  }
  static void run_for(lit::Millis ms) {
    run_until([] { return false; }, ms);
  }

  // Sends `event` to `proxy` as a request whose pong comes to the client;
  // returns its correlation id (0 when the proxy would not take it in 3 s).
  static std::uint32_t request(RemoteActor& proxy, lit::chart::EventId event, std::int32_t value = 0) {
    RemotePayload payload;
    payload.correlation_id = host->next_correlation++;
    payload.reply_export = 1;  // export 0
    payload.size = 4;
    for (std::size_t i = 0; i < 4; ++i) {
      payload.bytes[i] = static_cast<std::uint8_t>(static_cast<std::uint32_t>(value) >> (8U * i));
    }
    // The proxy's mailbox may be full of earlier messages: wait for room.
    const bool sent =
        run_until([&] { return host->scheduler.send(proxy.address(), event, payload) == lit::SendResult::ok; }, 3000);
    return sent ? payload.correlation_id : 0;
  }
  // The value of the pong answering `correlation`, waiting up to 3 s.
  static std::optional<std::int32_t> pong(std::uint32_t correlation) {
    std::optional<std::int32_t> value;
    run_until(
        [&] {
          for (const auto& [id, v] : host->client.context().pongs) {
            if (id == correlation) value = v;
          }
          return value.has_value();
        },
        3000);
    return value;
  }
  static bool all_attached() {
    return std::all_of(host->proxies.begin(), host->proxies.end(), [](const RemoteActor* proxy) {
      return proxy->link() == RemoteActor::Link::attached;
    });
  }

  static inline Qemu* qemu = nullptr;
  static inline int fd = -1;
  static inline Host* host = nullptr;
};

// The agent image (apps/agent): three demo actors and telemetry.
class AgentLink : public AgentLinkSuite {};
// The minimal agent (apps/agent_min): one actor, no telemetry.
class AgentMinLink : public AgentLinkSuite {};

TEST_F(AgentLink, handshake_reports_boot_id_reset_reason_and_the_actor_table_with_host_chart_hashes) {
  ASSERT_TRUE(run_until([] { return host->node.ready() && all_attached(); }, 10'000))
      << "state " << lit::link::to_string(host->node.state()) << "; console:\n"
      << qemu->console();
  const lit::link::DeviceInfo& info = host->node.device();
  EXPECT_NE(info.boot_id, 0U);
  EXPECT_EQ(info.last_reset, lit_wire_ResetReason_RESET_REASON_POWER_ON);
  EXPECT_EQ(std::string(info.firmware.data()), std::string("lit-agent ") + LIT_VERSION);
  const std::optional<std::uint64_t> build_id = lit::litctl::elf_build_id_prefix(options.kernel);
  ASSERT_TRUE(build_id.has_value()) << options.kernel << " has no build id";
  EXPECT_EQ(info.firmware_hash, *build_id);
  ASSERT_EQ(info.actor_count, 4U);
  EXPECT_STREQ(info.actors[0].path, "/dev");
  EXPECT_STREQ(info.actors[0].chart, "supervisor");
  EXPECT_STREQ(info.actors[1].path, "/dev/blinky");
  EXPECT_STREQ(info.actors[1].chart, "blinky");
  EXPECT_EQ(info.actors[1].chart_hash, BlinkyTable::kTable.structural_hash);
  EXPECT_STREQ(info.actors[2].path, "/dev/sensor");
  EXPECT_EQ(info.actors[2].chart_hash, SensorTable::kTable.structural_hash);
  EXPECT_STREQ(info.actors[3].path, "/dev/thermostat");
  EXPECT_EQ(info.actors[3].chart_hash, ThermostatTable::kTable.structural_hash);
  // The host supervisor started the three proxies: the device handed them over.
  EXPECT_EQ(host->thermostat->device_incarnation(), 1U);
  EXPECT_EQ(host->node.endpoint_counters().rejections, 0U);
  EXPECT_NE(qemu->console().find("lit-bit agent on " + options.machine), std::string::npos) << qemu->console();
}

TEST_F(AgentLink, every_device_actor_answers_a_request) {
  ASSERT_TRUE(all_attached());
  const std::uint32_t to_blinky = request(*host->blinky, lit::demo::blinky_chart.event("ping"));
  const std::uint32_t to_sensor = request(*host->sensor, lit::demo::sensor_chart.event("ping"));
  const std::uint32_t to_thermostat = request(*host->thermostat, lit::demo::thermostat_chart.event("ping"));
  const auto blinky = pong(to_blinky);
  const auto sensor = pong(to_sensor);
  const auto thermostat = pong(to_thermostat);
  ASSERT_TRUE(blinky && sensor && thermostat);
  EXPECT_GE(*blinky, 0);  // its toggles so far
  EXPECT_GE(*sensor, 18'000);
  EXPECT_LE(*sensor, 24'000);
  EXPECT_EQ(*thermostat, lit::demo::kIdle);
  EXPECT_EQ(host->node.pending_requests(), 0U);
}

TEST_F(AgentLink, the_sensor_publishes_samples_to_a_subscriber) {
  ASSERT_NE(request(*host->sensor, lit::demo::sensor_chart.event("subscribe")), 0U);
  ASSERT_TRUE(run_until([] { return host->client.context().samples.size() >= 2; }, 5000));
  for (const std::int32_t sample : host->client.context().samples) {
    EXPECT_GE(sample, 18'000);
    EXPECT_LE(sample, 24'000);
  }
}

TEST_F(AgentLink, a_device_failure_is_reported_with_its_reason_and_the_host_supervisor_restarts_it) {
  const std::uint32_t before = host->thermostat->device_incarnation();
  ASSERT_EQ(
      host->scheduler.send(host->thermostat->address(), lit::demo::thermostat_chart.event("crash"), RemotePayload{}),
      lit::SendResult::ok);
  ASSERT_TRUE(run_until([] { return !host->monitor.context().downs.empty(); }, 3000));
  const lit::Down& down = host->monitor.context().downs.front();
  EXPECT_EQ(down.reason.kind, lit::ExitKind::failed);
  EXPECT_STREQ(host->thermostat->last_exit_detail(), "crash requested");
  ASSERT_TRUE(run_until([&] { return host->thermostat->device_incarnation() > before && all_attached(); }, 3000));
  EXPECT_EQ(host->supervisor.restarts(), 1U);
}

TEST_F(AgentLink, a_commanded_restart_reinitialises_the_actor_in_its_slot) {
  ASSERT_NE(request(*host->thermostat, lit::demo::thermostat_chart.event("cold")), 0U);
  const auto heating = pong(request(*host->thermostat, lit::demo::thermostat_chart.event("ping")));
  ASSERT_TRUE(heating);
  EXPECT_EQ(*heating, lit::demo::kHeating);
  const std::uint32_t before = host->thermostat->device_incarnation();
  ASSERT_EQ(host->supervisor.terminate_child("thermostat"), lit::SupervisorError::ok);
  run_until([] { return host->thermostat->link() == RemoteActor::Link::detached; }, 3000);
  ASSERT_EQ(host->supervisor.restart_child("thermostat"), lit::SupervisorError::ok);
  ASSERT_TRUE(run_until([&] { return host->thermostat->device_incarnation() > before && all_attached(); }, 3000));
  const auto idle = pong(request(*host->thermostat, lit::demo::thermostat_chart.event("ping")));
  ASSERT_TRUE(idle);
  EXPECT_EQ(*idle, lit::demo::kIdle);  // the initial state again
}

TEST_F(AgentLink, a_full_device_mailbox_is_signalled_busy_and_loses_nothing) {
  // Blinky's mailbox holds 2; the link carries up to 32 messages at once.
  const auto tick = lit::demo::blinky_chart.event("tick");
  const auto busy_before = host->node.session_counters().busy_received;
  constexpr int kTicks = 200;
  int sent = 0;
  run_until(
      [&] {
        while (sent < kTicks &&
               host->scheduler.send(host->blinky->address(), tick, RemotePayload{}) == lit::SendResult::ok) {
          ++sent;
        }
        return sent == kTicks;
      },
      10'000);
  ASSERT_EQ(sent, kTicks);
  const auto count = pong(request(*host->blinky, lit::demo::blinky_chart.event("count")));
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, kTicks);
  EXPECT_GT(host->node.session_counters().busy_received, busy_before);
}

// Blinky's after(500ms) timers come from the scheduler's timer pool: it
// keeps blinking on its own, "off" and "on" half a second each, and counts
// each time it turns on.
TEST_F(AgentLink, blinky_toggles_on_its_own_timers_from_the_pool) {
  ASSERT_TRUE(all_attached());
  const auto before = pong(request(*host->blinky, lit::demo::blinky_chart.event("ping")));
  ASSERT_TRUE(before);
  run_for(2'500);
  const auto after = pong(request(*host->blinky, lit::demo::blinky_chart.event("ping")));
  ASSERT_TRUE(after);
  EXPECT_GE(*after - *before, 2) << "toggles " << *before << " then " << *after;
  EXPECT_LE(*after - *before, 4) << "toggles " << *before << " then " << *after;
}

TEST_F(AgentLink, state_changes_arrive_as_trace_records) {
  const std::size_t before = host->telemetry.traces.size();
  ASSERT_NE(request(*host->thermostat, lit::demo::thermostat_chart.event("cold")), 0U);
  const auto heating = ThermostatTable::kTable.find_state("heating");
  const auto idle = ThermostatTable::kTable.find_state("idle");
  auto entered = [&](lit::chart::StateIndex state) {
    for (std::size_t i = before; i < host->telemetry.traces.size(); ++i) {
      const lit_wire_Trace& trace = host->telemetry.traces[i];
      if (trace.actor == lit::demo::kThermostatRow && trace.kind == lit_wire_TraceKind_TRACE_KIND_ENTER &&
          trace.to_state == state) {
        return true;
      }
    }
    return false;
  };
  ASSERT_TRUE(run_until([&] { return entered(heating); }, 3000));
  ASSERT_NE(request(*host->thermostat, lit::demo::thermostat_chart.event("warm")), 0U);
  ASSERT_TRUE(run_until([&] { return entered(idle); }, 3000));
  // In order, each stamped with the running incarnation.
  for (std::size_t i = before; i < host->telemetry.traces.size(); ++i) {
    EXPECT_EQ(host->telemetry.traces[i].incarnation, host->thermostat->device_incarnation());
    if (i > before) {
      EXPECT_GE(host->telemetry.traces[i].timestamp_us, host->telemetry.traces[i - 1].timestamp_us);
    }
  }
}

TEST_F(AgentLink, the_device_logs_to_the_host_and_sends_metrics_every_second) {
  ASSERT_FALSE(host->telemetry.logs.empty());
  EXPECT_NE(host->telemetry.logs.front().find("agent up on " + options.machine + ", boot 1, last reset power_on"),
            std::string::npos)
      << host->telemetry.logs.front();
  const std::size_t before = host->telemetry.metrics.size();
  ASSERT_TRUE(run_until([&] { return host->telemetry.metrics.size() >= before + 2; }, 3000));
  const lit_wire_Metrics& latest = host->telemetry.metrics.back();
  EXPECT_GT(latest.stack_free, 0U);  // painted and measured
  EXPECT_LT(latest.stack_free, 8192U);
  EXPECT_GT(latest.link_rx_frames, 0U);
  // After the burst above, blinky's mailbox was seen full: the high water is its capacity.
  const auto blinky = host->telemetry.latest(lit::demo::kBlinkyRow);
  ASSERT_TRUE(blinky);
  EXPECT_EQ(blinky->mailbox_high_water, 2U);
  // Each offer the full mailbox refused is counted (the agent offered it
  // again later: the count above shows nothing was lost).
  EXPECT_GT(blinky->mailbox_drops, 0U);
  EXPECT_GE(blinky->messages_handled, 200U);
}

TEST_F(AgentLink, a_hard_fault_resets_the_device_and_its_next_handshake_reports_it) {
  const std::uint64_t boot = host->node.device().boot_id;
  const std::uint32_t handshakes = host->node.counters().handshakes;
  ASSERT_EQ(host->scheduler.send(
                host->thermostat->address(), lit::demo::thermostat_chart.event("hard_fault"), RemotePayload{}),
            lit::SendResult::ok);
  ASSERT_TRUE(run_until([&] { return host->node.counters().handshakes > handshakes && host->node.ready(); }, 10'000))
      << qemu->console();
  EXPECT_EQ(host->node.device().last_reset, lit_wire_ResetReason_RESET_REASON_HARD_FAULT);
  EXPECT_NE(host->node.device().boot_id, boot);
  EXPECT_EQ(host->node.counters().reboots, 1U);
  EXPECT_NE(qemu->console().find("at pc "), std::string::npos) << qemu->console();
  // The host supervisor re-spawned its device children on the new boot.
  EXPECT_TRUE(run_until([] { return all_attached(); }, 5000));
}

// ---- the minimal agent ----------------------------------------------------------------------

TEST_F(AgentMinLink, handshake_reports_boot_id_reset_reason_and_its_one_actor_with_the_host_chart_hash) {
  ASSERT_TRUE(run_until([] { return host->node.ready() && all_attached(); }, 10'000))
      << "state " << lit::link::to_string(host->node.state()) << "; console:\n"
      << qemu->console();
  const lit::link::DeviceInfo& info = host->node.device();
  EXPECT_NE(info.boot_id, 0U);
  EXPECT_EQ(info.last_reset, lit_wire_ResetReason_RESET_REASON_POWER_ON);
  const char* const firmware = options.supervised ? "lit-agent-min-sup " : "lit-agent-min ";
  EXPECT_EQ(std::string(info.firmware.data()), std::string(firmware) + LIT_VERSION);
  const std::optional<std::uint64_t> build_id = lit::litctl::elf_build_id_prefix(options.kernel);
  ASSERT_TRUE(build_id.has_value()) << options.kernel << " has no build id";
  EXPECT_EQ(info.firmware_hash, *build_id);
  EXPECT_STREQ(info.actors[lit::demo::kEchoRow].path, "/dev/echo");
  EXPECT_STREQ(info.actors[lit::demo::kEchoRow].chart, "echo");
  EXPECT_EQ(info.actors[lit::demo::kEchoRow].chart_hash, EchoTable::kTable.structural_hash);
  EXPECT_EQ(info.actors[lit::demo::kEchoRow].supervised, options.supervised);
  if (options.supervised) {
    ASSERT_EQ(info.actor_count, 2U);
    EXPECT_STREQ(info.actors[lit::demo::kMinSupervisorRow].path, "/dev");
    EXPECT_STREQ(info.actors[lit::demo::kMinSupervisorRow].chart, "supervisor");
  } else {
    ASSERT_EQ(info.actor_count, 1U);
  }
  EXPECT_EQ(host->echo->device_incarnation(), 1U);
  EXPECT_EQ(host->node.endpoint_counters().rejections, 0U);
}

TEST_F(AgentMinLink, its_actor_answers_each_request_in_turn) {
  ASSERT_TRUE(all_attached());
  const auto ping = lit::demo::echo_chart.event("ping");
  const auto first = pong(request(*host->echo, ping));
  const auto second = pong(request(*host->echo, ping));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, 1);
  EXPECT_EQ(*second, 2);
  EXPECT_EQ(host->node.pending_requests(), 0U);
  // No telemetry in this image: nothing but replies and reports came.
  EXPECT_TRUE(host->telemetry.traces.empty());
  EXPECT_TRUE(host->telemetry.metrics.empty());
}

TEST_F(AgentMinLink, a_commanded_restart_reinitialises_its_actor) {
  const std::uint32_t before = host->echo->device_incarnation();
  ASSERT_EQ(host->supervisor.terminate_child("echo"), lit::SupervisorError::ok);
  ASSERT_TRUE(run_until([] { return host->echo->link() == RemoteActor::Link::detached; }, 3000));
  ASSERT_EQ(host->supervisor.restart_child("echo"), lit::SupervisorError::ok);
  ASSERT_TRUE(run_until([&] { return host->echo->device_incarnation() > before && all_attached(); }, 3000));
  const auto first = pong(request(*host->echo, lit::demo::echo_chart.event("ping")));
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 1);  // a fresh context
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--qemu") options.qemu = argv[i + 1];
    if (flag == "--machine") options.machine = argv[i + 1];
    if (flag == "--kernel") options.kernel = argv[i + 1];
    if (flag == "--image") {
      const std::string image = argv[i + 1];
      options.minimal = image == "min" || image == "min-sup";
      options.supervised = image == "min-sup";
    }
  }
  if (options.kernel.empty()) {
    std::fprintf(
        stderr, "usage: %s --qemu QEMU --machine MACHINE --kernel AGENT.elf [--image full|min|min-sup]\n", argv[0]);
    return 2;
  }
  // Each image has its own suite; both share the one QEMU the suite starts.
  if (::testing::GTEST_FLAG(filter) == "*") {
    ::testing::GTEST_FLAG(filter) = options.minimal ? "AgentMinLink.*" : "AgentLink.*";
  }
  signal(SIGPIPE, SIG_IGN);
  return RUN_ALL_TESTS();
}

// The actor demo: the shared actor runtime on the board, in static storage.
// Two workers run under a one_for_one supervisor (intensity 2 in 1 s), itself
// a permanent child of a root supervisor, and a monitor watches one worker. A
// worker is told to fail three times: twice it is restarted with a new
// incarnation, and the monitor gets one DOWN; the third failure exceeds the
// intensity, so the supervisor stops both workers in reverse start order and
// exits with shutdown, and the root restarts it with fresh workers. It prints
// each step over the console UART and exits 0 only if every check held.
// expected_output.txt is the transcript it must print.
#include <cstdint>

#include "bare_port.hpp"
#include "board.hpp"
#include "console.hpp"
#include "lit/runtime.hpp"

namespace {

using namespace lit::chart::dsl;
using namespace std::chrono_literals;
using lit::port::console;

struct Worker {
  std::uint32_t jobs = 0;
};

constexpr auto worker_chart =
    lit::chart::define<Worker>("worker",
                               initial("up"),
                               state("up",
                                     initial("idle"),
                                     on("crash").then([](lit::chart::Step& step) { step.fail("crash requested"); }),
                                     state("idle", on("work").to("busy").then([](Worker& w) { ++w.jobs; })),
                                     state("busy", after(5ms).to("idle"))));

struct Monitor {
  std::uint32_t downs = 0;
  lit::ExitKind last = lit::ExitKind::normal;
};

constexpr auto monitor_chart = lit::chart::define<Monitor>(
    "monitor", initial("watching"), state("watching", on("down").then([](Monitor& m, lit::chart::Step& step) {
      ++m.downs;
      m.last = static_cast<const lit::Down*>(step.event().data)->reason.kind;
    })));

using WorkerActor = lit::Actor<worker_chart, lit::MailboxConfig{.capacity = 4}>;
using MonitorActor = lit::Actor<monitor_chart, lit::MailboxConfig{.capacity = 2}>;

// The runtime state of one actor, without mailbox slots and context, is the
// per-actor cost the brief bounds at 32 bytes on a 32-bit MCU.
static_assert(sizeof(lit::ActorCore) <= 32, "an actor's runtime state must fit in 32 bytes");

class Printer final : public lit::Observer {
 public:
  void on_started(const lit::ActorCore& actor) override {
    console << "start " << name(actor) << '#' << actor.incarnation() << '\n';
  }
  void on_exited(const lit::ActorCore& actor, std::uint32_t incarnation, lit::Reason reason) override {
    console << "exit " << name(actor) << '#' << incarnation << ' ' << lit::to_string(reason.kind) << ':' << reason.text
            << '\n';
  }
  void on_escalated(const lit::ActorCore& actor, lit::Reason reason) override {
    console << "escalate " << name(actor) << ' ' << reason.text << '\n';
  }
  const lit::ActorCore* names[5] = {};
  const char* labels[5] = {};

 private:
  const char* name(const lit::ActorCore& actor) const {
    for (unsigned i = 0; i < 5; ++i) {
      if (names[i] == &actor) return labels[i];
    }
    return "?";
  }
};

lit::port::BarePort port;
std::array<lit::Watch, 4> watches;
lit::Scheduler scheduler(port, {.watches = watches});
WorkerActor first;
WorkerActor second;
MonitorActor monitor;
lit::StaticSupervisor<2, 3> supervisor(lit::SupervisorFlags{.intensity = {.max_restarts = 2, .period_ms = 1000}});
lit::StaticSupervisor<1, 2> root(lit::SupervisorFlags{.intensity = {.max_restarts = 1, .period_ms = 1000}});
Printer printer;

unsigned failures = 0;
void check(bool ok, const char* what) {
  if (ok) return;
  console << "  MISMATCH: " << what << '\n';
  ++failures;
}

}  // namespace

int main() {
  lit::board::init();
  port.attach(scheduler);
  scheduler.set_observer(&printer);
  printer.names[0] = &first;
  printer.labels[0] = "first";
  printer.names[1] = &second;
  printer.labels[1] = "second";
  printer.names[2] = &monitor;
  printer.labels[2] = "monitor";
  printer.names[3] = &supervisor;
  printer.labels[3] = "supervisor";
  printer.names[4] = &root;
  printer.labels[4] = "root";

  console << "lit-bit actor demo on " << lit::board::name() << '\n';
  console << "sizeof ActorCore=" << static_cast<std::uint32_t>(sizeof(lit::ActorCore))
          << " WorkerActor=" << static_cast<std::uint32_t>(sizeof(WorkerActor))
          << " Supervisor=" << static_cast<std::uint32_t>(sizeof(supervisor)) << '\n';

  check(supervisor.add_child({.id = "first", .actor = &first}) == lit::SupervisorError::ok, "add first");
  check(supervisor.add_child({.id = "second", .actor = &second}) == lit::SupervisorError::ok, "add second");
  lit::Reason failure;
  check(root.add_child({.id = "workers",
                        .actor = &supervisor,
                        .shutdown = lit::Shutdown::infinity(),
                        .type = lit::ChildType::supervisor}) == lit::SupervisorError::ok,
        "add workers supervisor");
  check(scheduler.start(root, nullptr, failure), "root start");
  check(scheduler.start(monitor, nullptr, failure), "monitor start");
  check(scheduler.watch(monitor.id(), first.id()) == lit::WatchResult::ok, "watch");

  const auto work = worker_chart.event("work");
  const auto crash = worker_chart.event("crash");
  check(scheduler.send(second.address(), work) == lit::SendResult::ok, "send work");
  port.run_for(2);
  check(second.is_in(worker_chart.state("busy")), "second busy");
  port.run_for(10);
  check(second.is_in(worker_chart.state("idle")) && second.context().jobs == 1, "second idle after 5 ms");

  const lit::Address<lit::NoPayload> stale = first.address();
  console << "crash first\n";
  check(scheduler.send(first.address(), crash) == lit::SendResult::ok, "send crash");
  port.run_for(1);
  check(first.alive() && first.incarnation() == stale.incarnation + 1, "first restarted");
  check(monitor.context().downs == 1 && monitor.context().last == lit::ExitKind::failed, "one DOWN, failed");
  check(scheduler.send(stale, work) == lit::SendResult::dead, "stale address is dead");

  console << "crash first\n";
  scheduler.send(first.address(), crash);
  port.run_for(1);
  console << "crash first\n";
  scheduler.send(first.address(), crash);
  port.run_for(1);
  check(supervisor.incarnation() == 2 && first.incarnation() == 4 && second.incarnation() == 2,
        "intensity exceeded: the root restarted the supervisor with fresh workers");
  check(supervisor.alive() && first.alive() && second.alive() && root.alive(), "the tree is running again");
  check(root.restarts() == 1, "one restart at the root");
  check(monitor.context().downs == 1, "exactly one DOWN");

  console << (failures == 0 ? "actor demo: PASS\n" : "actor demo: FAIL\n");
  lit::board::exit(failures == 0 ? 0 : 1);
}

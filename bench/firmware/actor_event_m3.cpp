// Instructions per event through the whole actor path on a Cortex-M3: post
// (Scheduler::send into a static actor's mailbox), dispatch (the bare-metal
// port's main-loop pass, BarePort::poll, activating the actor) and one chart
// transition with an exit and an entry action (bench/firmware/toggle_chart.hpp).
// Baselines in the same run: the chart dispatched directly, with no actor
// around it, and the hand-written switch doing the same two increments.
// Counted under QEMU -icount (see icount.hpp); run it through
// `meson test --benchmark` or bench/run-m3.sh, which pass the flag.
#include <cstdint>

#include "bare_port.hpp"
#include "board.hpp"
#include "console.hpp"
#include "icount.hpp"
#include "lit/runtime.hpp"
#include "stack_watermark.hpp"
#include "three_levels_chart.hpp"
#include "tick_counter.hpp"
#include "toggle_chart.hpp"

namespace {

using lit::bench::icount::keep;
using lit::bench::icount::ticks_for;
using lit::port::console;

constexpr std::uint32_t kEvents = 100'000;
constexpr std::uint32_t kBatch = 16;
static_assert(kEvents % kBatch == 0);

using ToggleActor = lit::Actor<lit::bench::toggle_chart, lit::MailboxConfig{.capacity = kBatch}>;

lit::port::BarePort port;
lit::Scheduler scheduler(port, {});
ToggleActor toggler;

unsigned failures = 0;
void check(bool ok, const char* what) {
  if (ok) return;
  console << "actor_event_m3: FAIL: " << what << '\n';
  ++failures;
}

void report(const char* what, std::uint32_t ticks, std::uint32_t baseline_ticks, std::uint32_t reference_tenths) {
  const std::uint32_t tenths = lit::bench::icount::tenths_per_event(ticks - baseline_ticks, kEvents);
  console << "  " << what;
  lit::bench::icount::print_tenths(tenths);
  console << " instructions/event";
  if (reference_tenths != 0) {
    console << " (";
    lit::bench::icount::print_tenths(tenths * 10U / reference_tenths);
    console << "x chart alone)";
  }
  console << '\n';
}

}  // namespace

int main() {
  lit::board::init();
  lit::bench::stack_watermark::paint();
  port.attach(scheduler);
  lit::Reason failure;
  check(scheduler.start(toggler, nullptr, failure), "the actor did not start");
  lit::cortex_m::tick_counter::start();
  constexpr lit::chart::EventId toggle = lit::bench::toggle_chart.event("toggle");
  const lit::Address<lit::NoPayload> address = toggler.address();

  lit::bench::Toggles nothing;
  const std::uint32_t empty = ticks_for([&] {
    for (std::uint32_t i = 0; i < kEvents; ++i) keep(&nothing);
  });

  lit::bench::Toggles switch_toggles;
  lit::bench::SwitchToggle hand_written(switch_toggles);
  const std::uint32_t switch_start = switch_toggles.total();
  const std::uint32_t switched = ticks_for([&] {
    for (std::uint32_t i = 0; i < kEvents; ++i) {
      hand_written.dispatch();
      keep(&switch_toggles);
    }
  });
  check(switch_toggles.total() - switch_start == kEvents * lit::bench::kToggleWorkPerEvent, "switch work");

  lit::bench::Toggles chart_toggles;
  lit::bench::NullHost host;
  lit::chart::Instance<lit::bench::toggle_chart> machine(chart_toggles, host);
  machine.start();
  const std::uint32_t chart_start = chart_toggles.total();
  const std::uint32_t chart = ticks_for([&] {
    for (std::uint32_t i = 0; i < kEvents; ++i) {
      machine.dispatch(toggle);
      keep(&chart_toggles);
    }
  });
  check(chart_toggles.total() - chart_start == kEvents * lit::bench::kToggleWorkPerEvent, "chart work");

  // One event per activation: every message pays for a whole main-loop pass.
  bool all_sent = true;
  std::uint32_t actor_start = toggler.context().total();
  const std::uint32_t single = ticks_for([&] {
    for (std::uint32_t i = 0; i < kEvents; ++i) {
      all_sent &= scheduler.send(address, toggle) == lit::SendResult::ok;
      port.poll();
    }
  });
  check(all_sent && toggler.context().total() - actor_start == kEvents * lit::bench::kToggleWorkPerEvent,
        "actor work, one event per activation");

  // A full mailbox per activation: the pass is shared by kBatch messages.
  actor_start = toggler.context().total();
  const std::uint32_t batched = ticks_for([&] {
    for (std::uint32_t i = 0; i < kEvents; i += kBatch) {
      for (std::uint32_t j = 0; j < kBatch; ++j) all_sent &= scheduler.send(address, toggle) == lit::SendResult::ok;
      port.poll();
    }
  });
  check(all_sent && toggler.context().total() - actor_start == kEvents * lit::bench::kToggleWorkPerEvent,
        "actor work, batched");

  // The single-event path split in two, each half timed on its own.
  lit::bench::icount::Stopwatch post_watch;
  lit::bench::icount::Stopwatch poll_watch;
  lit::bench::icount::Stopwatch empty_watch;
  for (std::uint32_t i = 0; i < kEvents; ++i) {
    empty_watch.start();
    empty_watch.stop();
    post_watch.start();
    all_sent &= scheduler.send(address, toggle) == lit::SendResult::ok;
    post_watch.stop();
    poll_watch.start();
    port.poll();
    poll_watch.stop();
  }
  check(all_sent, "the split run's sends");
  if (failures != 0) return 1;

  const std::uint32_t chart_tenths = lit::bench::icount::tenths_per_event(chart - empty, kEvents);
  console << "actor_event_m3 on " << lit::board::name() << ": " << kEvents
          << " events, each one transition with an exit and an entry action\n";
  console << "  empty loop: ";
  lit::bench::icount::print_tenths(lit::bench::icount::tenths_per_event(empty, kEvents));
  console << " instructions/iteration (subtracted)\n";
  report("switch, hand-written:                      ", switched, empty, 0);
  report("chart dispatch alone:                      ", chart, empty, 0);
  report("post + dispatch, 1 event per activation:   ", single, empty, chart_tenths);
  report("post + dispatch, 16 events per activation: ", batched, empty, chart_tenths);
  const std::uint32_t stopwatch_tenths = lit::bench::icount::tenths_per_event(empty_watch.ticks(), kEvents);
  console << "    one event per activation, split: post (Scheduler::send) ";
  lit::bench::icount::print_tenths(lit::bench::icount::tenths_per_event(post_watch.ticks(), kEvents) -
                                   stopwatch_tenths);
  console << ", activation and dispatch (BarePort::poll) ";
  lit::bench::icount::print_tenths(lit::bench::icount::tenths_per_event(poll_watch.ticks(), kEvents) -
                                   stopwatch_tenths);
  console << '\n';
  console << "  stack used: " << lit::bench::stack_watermark::high_water() << " of "
          << lit::bench::stack_watermark::reserve() << " B (painted high-water mark)\n";
  return 0;
}

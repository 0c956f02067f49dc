// The bare-metal chart host: runs statechart machines from the firmware's main
// loop on the board's SysTick millisecond clock. Every resource is a fixed
// array inside the object (timer slots, the external event queue, the deferred
// events, running activities); nothing is allocated, and running out of room is
// counted in overflows(), never hidden. Thread context only: posting from an
// interrupt handler is not safe yet (the scheduler in a later issue adds that).
//
// Timers and delayed sends due by the same tick fire in due order, ties in the
// order they were armed, and each fired event runs to completion before the
// next fires, as in the simulated host (tests/sim/chart_host.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lit/chart/machine.hpp"

namespace lit::port {

class ChartHost final : public chart::Host {
 public:
  static constexpr std::size_t kTimerSlots = 16;     // armed after() timers plus pending delayed sends
  static constexpr std::size_t kQueueCapacity = 16;  // external events waiting to be dispatched
  static constexpr std::size_t kDeferCapacity = 8;   // deferred events kept until their recall
  static constexpr std::size_t kActivitySlots = 4;   // invoked activities running at once

  // Events and work lost for want of room; all zero in a correctly sized system.
  struct Overflows {
    std::uint32_t timers = 0;      // arm_timer()/send_after() found every slot in use: the event never comes
    std::uint32_t queue = 0;       // post() found the queue full: the event was dropped
    std::uint32_t deferred = 0;    // defer() found no room: the dispatch reported defer_overflow
    std::uint32_t activities = 0;  // start_activity() found every slot in use: it never started
  };

  constexpr ChartHost() = default;
  ChartHost(const ChartHost&) = delete;
  ChartHost& operator=(const ChartHost&) = delete;

  // Queues an external event for `machine`; false, and counted, if the queue is full.
  bool post(chart::Machine& machine, chart::EventId event);
  // Dispatches queued events, recalled ones first, until the queue is empty.
  void run_until_idle();
  // Fires every timer and delayed send that is due, each followed by run_until_idle().
  void poll();
  // The main loop for `ms` milliseconds: poll(), then sleep until the next interrupt.
  void run_for(std::uint32_t ms);
  // Reports the outcome of a running activity as its done or error event. False,
  // and nothing is delivered, if it was cancelled or has already finished.
  bool finish_activity(const chart::Activity& activity, bool succeeded);

  std::size_t pending_timers() const;
  std::size_t deferred_count() const { return deferred_count_; }
  const Overflows& overflows() const { return overflows_; }
  // The outcome of the most recent dispatch; `unhandled` before the first.
  chart::Outcome last_outcome() const { return last_outcome_; }

  // chart::Host
  void arm_timer(chart::Machine& machine, std::uint16_t timer, std::uint32_t delay_ms) override;
  void cancel_timer(chart::Machine& machine, std::uint16_t timer) override;
  void send_after(chart::Machine& machine, chart::EventId event, std::uint32_t delay_ms) override;
  // Keeps the event id only: a payload does not survive deferral on this port.
  bool defer(chart::Machine& machine, const chart::Event& event) override;
  void recall(chart::Machine& machine) override;
  void start_activity(chart::Machine& machine, std::uint16_t invoke) override;
  void cancel_activity(chart::Machine& machine, std::uint16_t invoke) override;
  // Prints "  log <label>: <text>" on the console.
  void log(chart::Machine& machine, std::string_view label, std::string_view text) override;
  // Prints the record on the console, with the chart's state and event names.
  void trace(chart::Machine& machine, chart::TraceRecord record) override;

 private:
  struct Scheduled {
    chart::Machine* machine = nullptr;  // null: the slot is free
    std::uint32_t due_ms = 0;
    std::uint32_t sequence = 0;
    chart::EventId event = chart::kNone;
    std::uint16_t timer = 0;  // meaningful when is_timer
    bool is_timer = false;
  };
  struct Pending {
    chart::Machine* machine = nullptr;
    chart::EventId event = chart::kNone;
  };
  struct Running {
    chart::Machine* machine = nullptr;  // null: the slot is free
    std::uint16_t invoke = 0;
    std::uint32_t token = 0;
  };

  void schedule(const Scheduled& entry);
  // The earliest due slot at `now_ms`, or null.
  Scheduled* next_due(std::uint32_t now_ms);
  void fire_due(std::uint32_t now_ms);
  bool push_front(const Pending& pending);

  std::array<Scheduled, kTimerSlots> scheduled_{};
  std::uint32_t sequence_ = 0;
  // The external queue: a ring that also takes recalled events at its front.
  std::array<Pending, kQueueCapacity> queue_{};
  std::size_t queue_head_ = 0;
  std::size_t queue_count_ = 0;
  // Deferred events of every machine, in arrival order.
  std::array<Pending, kDeferCapacity> deferred_{};
  std::size_t deferred_count_ = 0;
  std::array<Running, kActivitySlots> activities_{};
  std::uint32_t next_token_ = 1;
  Overflows overflows_{};
  chart::Outcome last_outcome_ = chart::Outcome::unhandled;
};

}  // namespace lit::port

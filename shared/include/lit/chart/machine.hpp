// A running instance of a chart, and the services it needs from its owner.
//
// Run-to-completion: start() and dispatch() each run one whole SCXML macrostep
// (the triggering microstep, then eventless transitions and raised events until
// the configuration is stable) before returning. They are not reentrant: an
// action must not call dispatch() on its own machine; it raises instead.
// Call them from one context only (the owner's loop or task), never from an ISR.
// Nothing here allocates; the internal event queue lives on the caller's stack.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "lit/chart/table.hpp"
#include "lit/chart/types.hpp"

namespace lit::chart {

class Machine;

// What a dispatch did with its event. Only `failed`, `finished` and
// `defer_overflow` leave the owner something to do.
enum class Outcome : std::uint8_t {
  handled,         // at least one transition was taken
  unhandled,       // no transition was enabled; the event is discarded, as SCXML says
  deferred,        // an active state defers the event; the host keeps it until recall()
  defer_overflow,  // it should have been deferred but the host had no room: the event is lost
  not_running,     // dispatch() before start(), or after the machine finished or failed
  invalid_event,   // the event id is not one of this chart's; nothing happened
  // The two that end a machine come last, so "did it end" is one comparison (ended()).
  finished,  // a top-level final state was reached; the machine has exited every state
  failed,    // an action called fail(), or the engine hit a bound; see Machine::failure()
};

// Whether a dispatch ended the machine: it finished or failed.
constexpr bool ended(Outcome outcome) { return outcome >= Outcome::finished; }

// Why a machine failed.
enum class Failure : std::uint8_t {
  none,
  action,                   // Step::fail() from an action or activity start
  internal_queue_overflow,  // more raised events in one macrostep than kInternalQueueCapacity
  livelock,                 // more than kMaxMicrosteps microsteps in one macrostep
  history_memory,           // the machine was given less history memory than its table needs
  reentrant_dispatch,       // an action called start() or dispatch() on its own machine
  unknown_event,            // an action raised an event id that is not the chart's
  host,                     // the host could not carry out a call (an after() with no timer left); see failure_reason()
};

inline constexpr unsigned kInternalQueueCapacity = 16;
inline constexpr unsigned kMaxMicrosteps = 256;

enum class TraceKind : std::uint8_t {
  event,       // index = event id, at the start of its processing
  exit,        // index = state
  transition,  // index = transition
  enter,       // index = state
  deferred,    // index = event id
};

struct TraceRecord {
  TraceKind kind;
  std::uint16_t index;
};

// Services a machine needs from whoever runs it: the actor runtime, the
// firmware loop, or the simulator. One host may serve many machines, so every
// call names the machine. Calls arrive synchronously from inside start() or
// dispatch(). The host must never deliver an event for a timer it was told to
// cancel, or for an activity it was told to cancel.
class Host {
 public:
  // An after(...) clause of an entered state: deliver table.timers[timer].event in delay_ms.
  virtual void arm_timer(Machine& machine, std::uint16_t timer, std::uint32_t delay_ms) = 0;
  virtual void cancel_timer(Machine& machine, std::uint16_t timer) = 0;
  // SCXML <send>: queue `event` as an external event after delay_ms (0 = now). Not cancelled on exit.
  virtual void send_after(Machine& machine, EventId event, std::uint32_t delay_ms) = 0;
  // Keep `event` (copying any payload) until recall(); false if there is no room.
  virtual bool defer(Machine& machine, const Event& event) = 0;
  // Re-queue every kept event, in arrival order, ahead of later external events.
  virtual void recall(Machine& machine) = 0;
  // An invoked activity of an entered state: start it; report its outcome later as
  // table.invokes[invoke].done_event or .error_event.
  virtual void start_activity(Machine& machine, std::uint16_t invoke) = 0;
  virtual void cancel_activity(Machine& machine, std::uint16_t invoke) = 0;
  virtual void log(Machine& machine, std::string_view label, std::string_view text) = 0;
  // Called only while Machine::set_tracing(true).
  virtual void trace(Machine& machine, TraceRecord record) = 0;

 protected:
  Host() = default;
  Host(const Host&) = default;
  Host& operator=(const Host&) = default;
  ~Host() = default;  // never deleted through a Host*: no virtual destructor, no operator delete
};

class Step;

// The internal event queue of one macrostep. It lives on the stack of the
// call that runs the macrostep, never in the machine.
class InternalQueue {
 public:
  bool push(EventId event) {
    if (size_ == kInternalQueueCapacity) return false;
    items_[(head_ + size_) % kInternalQueueCapacity] = event;
    ++size_;
    return true;
  }
  bool empty() const { return size_ == 0; }
  EventId pop() {
    const EventId event = items_[head_];
    head_ = static_cast<std::uint8_t>((head_ + 1) % kInternalQueueCapacity);
    --size_;
    return event;
  }

 private:
  EventId items_[kInternalQueueCapacity];
  std::uint8_t head_ = 0;
  std::uint8_t size_ = 0;
};

struct CompiledAccess;

// The two engines (machine.cpp), as tables of their entry points. The quick
// engine runs the charts most devices have: one region, no eventless
// transitions, and no state that needs more than its actions on entry or
// exit (no timers, activities, history, final states or deferral). It takes
// the same steps, traces and failures as the general engine on those charts
// in a fraction of its code. A machine picks its engine from its table when
// it is built, so an image whose charts are all quick ones (constant tables,
// known where their machines are built) links no general engine at all.
struct EngineOps {
  Outcome (*start)(Machine& machine, InternalQueue& queue);   // enters the initial configuration
  Outcome (*dispatch)(Machine& machine, const Event& event);  // interpreted, any event, tracing or not
  void (*stop)(Machine& machine);                             // exits every active state, with actions
  void (*halt)(Machine& machine);                             // without actions
  // For compiled dispatch: finish a step whose transition it chose, or settle after one it took.
  Outcome (*resume)(Machine& machine, std::uint16_t chosen, InternalQueue& queue, Step& step);
  Outcome (*settle)(Machine& machine, InternalQueue& queue);
};
extern const EngineOps kQuickEngine;
extern const EngineOps kGeneralEngine;

// Whether the quick engine can run a chart (see EngineOps).
constexpr bool quick_engine_runs(const Table& table) {
  return table.single_region && table.timer_count == 0 && table.invoke_count == 0 && table.history_bytes == 0 &&
         (table.special_states | table.eventless_sources | table.final_states | table.history_states |
          table.deferring_states | table.parallel_states) == 0;
}

class Machine {
 public:
  // `history_memory` holds table.history_bytes bytes of history records (none
  // for charts without history); it must outlive the machine.
  constexpr Machine(const Table& table, void* context, Host& host, std::span<std::uint8_t> history_memory = {})
      : table_(&table),
        engine_(quick_engine_runs(table) ? &kQuickEngine : &kGeneralEngine),
        context_(context),
        host_(&host),
        history_(history_memory.data()),
        history_size_(static_cast<std::uint16_t>(history_memory.size())) {}

  // Enters the initial configuration (forgetting any history) and runs to completion.
  Outcome start();
  Outcome dispatch(const Event& event);
  Outcome dispatch(EventId event) { return dispatch(Event{event, nullptr}); }
  // Exits every active state in reverse document order, running exit actions and
  // cancelling timers and activities, as SCXML does when a session ends.
  void stop();
  // Stops without running exit actions: timers and activities are still cancelled.
  // For failures and brutal kills.
  void halt();

  // Resumes a machine whose owner keeps its state between dispatches instead of
  // keeping the Machine (an actor keeps only its configuration): running, with
  // configuration `active`, no failure recorded. History memory is the owner's.
  void restore(StateSet active) {
    active_ = active;
    mode_ = kRunning;
    failure_ = Failure::none;
    failure_reason_ = nullptr;
  }

  bool running() const { return (mode_ & kRunning) != 0; }
  bool is_in(StateIndex state) const { return (active_ & bit(state)) != 0; }
  StateSet configuration() const { return active_; }
  StateSet atomic_configuration() const { return active_ & table_->atomic_states; }
  const std::uint8_t* history_memory() const { return history_; }
  const Table& table() const { return *table_; }
  void* context() const { return context_; }
  Host& host() const { return *host_; }
  Failure failure() const { return failure_; }
  const char* failure_reason() const { return failure_reason_; }
  void set_tracing(bool on) { set_mode(kTracing, on); }
  bool tracing() const { return (mode_ & kTracing) != 0; }
  // For the Host, from inside one of its calls: fails the machine as
  // Step::fail() does, with Failure::host. `reason` must be a literal.
  void fail_from_host(const char* reason) { record_failure(Failure::host, reason); }

 private:
  friend class Step;
  friend struct EngineCore;
  friend struct Engine;
  friend struct GeneralEngine;
  friend struct QuickEngine;
  friend struct CompiledAccess;

  // Keeps the first failure of a run; later ones add nothing.
  void record_failure(Failure failure, const char* reason);
  // Compiled dispatch's ways into the engine, out of line so that what
  // compiled dispatch inlines stays one direct call.
  Outcome dispatch_interpreted(const Event& event);
  [[gnu::noinline]] Outcome resume(std::uint16_t chosen, InternalQueue& queue, Step& step);
  [[gnu::noinline]] Outcome settle(InternalQueue& queue);

  const Table* table_;
  const EngineOps* engine_;
  void* context_;
  Host* host_;
  std::uint8_t* history_;
  std::uint16_t history_size_;
  const char* failure_reason_ = nullptr;
  StateSet active_ = 0;
  // One byte, so the hot path tests "running, not tracing, not inside a
  // macrostep" with a single comparison.
  static constexpr std::uint8_t kRunning = 1U << 0;
  static constexpr std::uint8_t kTracing = 1U << 1;
  static constexpr std::uint8_t kInMacrostep = 1U << 2;
  void set_mode(std::uint8_t flag, bool on) {
    mode_ = static_cast<std::uint8_t>(on ? (mode_ | flag) : (mode_ & ~flag));
  }
  bool in_macrostep() const { return (mode_ & kInMacrostep) != 0; }
  std::uint8_t mode_ = 0;
  Failure failure_ = Failure::none;
};

// What an action or guard sees of the step that runs it.
class Step {
 public:
  const Event& event() const { return *event_; }
  EventId event_id() const { return event_->id; }
  bool in(StateIndex state) const { return machine_->is_in(state); }
  // Queue an event on the internal queue; it is processed within this macrostep.
  void raise(EventId event);
  // Fail the machine: the macrostep stops after this action, nothing further runs,
  // and dispatch() returns Outcome::failed. `reason` must outlive the machine (a literal).
  void fail(const char* reason);
  Machine& machine() const { return *machine_; }
  void* context() const { return machine_->context_; }

 private:
  friend struct EngineCore;
  friend struct Engine;
  friend struct GeneralEngine;
  friend struct QuickEngine;
  friend class Machine;
  friend struct CompiledAccess;
  Step(Machine& machine, const Event& event, void* queue) : machine_(&machine), event_(&event), queue_(queue) {}
  // For actions that take no Step (compiled dispatch without a machine): they never read it.
  Step() : machine_(nullptr), event_(nullptr), queue_(nullptr) {}

  Machine* machine_;
  const Event* event_;
  void* queue_;
};

// What compiled dispatch (dsl.hpp) may touch inside a machine. Not for users.
struct CompiledAccess {
  // Whether a dispatch may take the compiled path (the same checks as dispatch()).
  static bool ready(const Machine& machine) { return machine.mode_ == Machine::kRunning; }
  static StateSet& active(Machine& machine) { return machine.active_; }
  static void set_active(Machine& machine, StateSet active) { machine.active_ = active; }
  static bool failed(const Machine& machine) { return machine.failure_ != Failure::none; }
  static void enter_macrostep(Machine& machine) { machine.mode_ = Machine::kRunning | Machine::kInMacrostep; }
  static void leave_macrostep(Machine& machine) {
    machine.mode_ = static_cast<std::uint8_t>(machine.mode_ & ~Machine::kInMacrostep);
  }
  static Step step(Machine& machine, const Event& event, InternalQueue& queue) { return Step(machine, event, &queue); }
  static Step detached_step() { return Step(); }
  static Outcome interpret(Machine& machine, const Event& event) { return machine.dispatch_interpreted(event); }
  static Outcome resume(Machine& machine, std::uint16_t chosen, InternalQueue& queue, Step& step) {
    return machine.resume(chosen, queue, step);
  }
  static Outcome settle(Machine& machine, InternalQueue& queue) { return machine.settle(queue); }
};

}  // namespace lit::chart

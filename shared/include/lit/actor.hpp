// An actor: a statechart, a user context and a bounded mailbox, in one object
// whose size is fixed at compile time (a static slot on an MCU):
//
//   struct Valve { void on_start(lit::Self) {...}  void on_stop(lit::Reason) {...} };
//   constexpr auto valve_chart = lit::chart::define<Valve>("valve", ...);
//   lit::Actor<valve_chart, lit::MailboxConfig{.capacity = 8}, Command> valve;
//
// Messages are (event id, payload) pairs; the chart handles one at a time, to
// completion. A restart re-initialises the actor in place: a fresh context
// built from its Params, an empty mailbox, history forgotten, timers and
// activities cancelled, and a new incarnation, so old addresses are dead.
// Everything here runs on the owning scheduler's loop; nothing allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#include "lit/actor_core.hpp"
#include "lit/chart/dsl.hpp"
#include "lit/chart/names.hpp"
#include "lit/mailbox.hpp"
#include "lit/scheduler.hpp"

namespace lit {

// What on_start receives: the actor's own identity and its loop.
struct Self {
  Scheduler& scheduler;
  ActorId id;
};

// From inside an action: the scheduler running it, and the actor itself.
inline Scheduler& scheduler_of(const chart::Step& step) {
  // Every actor's machine has its scheduler's host() as its Host.
  return Scheduler::of(step.machine().host());
}
inline ActorId self_of(const chart::Step& step) { return scheduler_of(step).current()->id(); }

namespace detail {
struct NoParams {};
template <class Context>
auto params_of() {
  if constexpr (requires { typename Context::Params; }) {
    return std::type_identity<typename Context::Params>{};
  } else {
    return std::type_identity<NoParams>{};
  }
}

const char* failure_text(const chart::Machine& machine);

// An actor's user context, constructed at each start and destroyed at each
// stop. One that is not trivially destructible (a host context owning memory)
// is also destroyed with its actor if the actor is still alive then (without
// on_stop: stop it first for that); a trivially destructible one keeps the
// actor trivially destructible, so firmware globals need no exit-time code.
template <class Context, bool = std::is_trivially_destructible_v<Context>>
struct ContextStorage {
  alignas(Context) unsigned char bytes[sizeof(Context)];
  void set_live(bool live) { static_cast<void>(live); }
};

template <class Context>
struct ContextStorage<Context, false> {
  ContextStorage() = default;
  ContextStorage(const ContextStorage&) = delete;
  ContextStorage& operator=(const ContextStorage&) = delete;
  ~ContextStorage() {
    if (live_) std::launder(reinterpret_cast<Context*>(bytes))->~Context();
  }
  void set_live(bool live) { live_ = live; }

  alignas(Context) unsigned char bytes[sizeof(Context)];

 private:
  bool live_ = false;
};
// std::array<T, 0> still takes a byte; a chart without timers, history or
// invocations gets this instead, which [[no_unique_address]] folds away.
template <class T>
struct NoSlots {
  static constexpr std::size_t size() { return 0; }
  T* data() { return nullptr; }
  T* begin() { return nullptr; }
  T* end() { return nullptr; }
  T& operator[](std::size_t index) { return data()[index]; }  // never called: size() is 0
};
template <class T, std::size_t N>
using Slots = std::conditional_t<N == 0, NoSlots<T>, std::array<T, N>>;
}  // namespace detail

template <const auto& Chart, MailboxConfig Config = MailboxConfig{}, class Payload = NoPayload>
class Actor final : public ActorCore {
 public:
  using Context = typename std::remove_cvref_t<decltype(Chart)>::Context;
  using Params = typename decltype(detail::params_of<Context>())::type;
  using Msg = Message<Payload>;
  static constexpr const chart::Table& kTable = chart::table_of<Chart>;
  static constexpr chart::EventId kShutdownEvent = kTable.find_event("shutdown");
  // What a DOWN dispatches as: the chart's "down" event (or its "other" event).
  static constexpr chart::EventId kDownEvent = chart::resolve_event(kTable, "down");

  explicit Actor(Params params = Params{}) : ActorCore(kType, storage_.slots), params_(params) {
    if constexpr (Config.remote_capacity > 0) {
      RemoteInbox& inbox = storage_.remote.inbox;
      inbox.cells = storage_.remote.cells;
      inbox.mask = Config.remote_capacity - 1U;
      inbox.overflow = Config.overflow;
      inbox.owner = this;
      for (std::uint32_t i = 0; i < Config.remote_capacity; ++i) {
        storage_.remote.cells[i].sequence.store(i, std::memory_order_relaxed);
      }
    }
    for (std::size_t i = 0; i < timers_.size(); ++i) {
      timers_[i].owner = this;
      timers_[i].index = static_cast<std::uint16_t>(i);
      timers_[i].fire = &Scheduler::fire_actor_timer;
    }
  }
  ~Actor() = default;
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;

  Address<Payload> address() const { return Address<Payload>{id()}; }
  // The user context; only while alive.
  Context& context() { return *std::launder(reinterpret_cast<Context*>(context_.bytes)); }
  const Params& params() const { return params_; }
  // Takes effect at the next start (simple_one_for_one passes start arguments this way).
  void set_params(const Params& params) { params_ = params; }
  std::size_t queue_depth() const { return count_; }
  static constexpr std::size_t capacity() { return Config.capacity; }
  bool is_in(chart::StateIndex state) const { return (configuration() & chart::bit(state)) != 0; }

  // Where a scheduler on another loop sends from (post()) needs the inbox to
  // know its scheduler; the scheduler's start() sets it.
  static constexpr bool kHasRemote = Config.remote_capacity > 0;
  // Its after() timers come from the scheduler's pool (MailboxConfig::pooled_timers).
  static constexpr bool kPooledTimers = Config.pooled_timers;
  // The most of them one configuration of its chart arms at once: what it
  // can hold of a timer pool.
  static constexpr std::uint16_t kMaxArmedTimers = kTable.max_armed_timers;

 private:
  static Actor& of(ActorCore& core) { return static_cast<Actor&>(core); }

  chart::Machine machine(Scheduler& scheduler) {
    return chart::Machine(
        kTable, context_.bytes, scheduler.host(), std::span<std::uint8_t>(history_.data(), history_.size()));
  }

  [[gnu::always_inline]] static chart::Outcome dispatch(chart::Machine& machine, const chart::Event& event) {
    if constexpr (chart::compiled::available<Chart>) {
      if (chart::CompiledAccess::ready(machine) && event.id < kTable.event_count) {
        return chart::compiled::dispatch<Chart>(machine, event);
      }
    }
    return machine.dispatch(event);
  }

  // Runs one dispatch; an exception escaping a handler (host builds with
  // exceptions) fails the actor like fail() would.
  [[gnu::always_inline]] static chart::Outcome guarded_dispatch(chart::Machine& machine,
                                                                const chart::Event& event,
                                                                bool& threw) {
#if defined(__cpp_exceptions)
    try {
      return dispatch(machine, event);
    } catch (...) {
      threw = true;
      return chart::Outcome::failed;
    }
#else
    static_cast<void>(threw);
    return dispatch(machine, event);
#endif
  }

  void reset_storage(Scheduler& scheduler) {
    reset_timers_and_activities(scheduler);
    clear_local_queues();
  }

  // Empties the local ring and the deferred events; returns how many there were.
  std::uint32_t clear_local_queues() {
    std::uint32_t cleared = count_;
    head_ = 0;
    count_ = 0;
    if constexpr (kMayDefer) {
      cleared += deferred_.count;
      deferred_ = Deferred{};
    }
    return cleared;
  }

  // Empties both inboxes; returns how many messages were discarded.
  std::uint32_t discard_messages() {
    std::uint32_t discarded = clear_local_queues();
    if constexpr (kHasRemote) {
      std::uint32_t incarnation = 0;
      Msg message;
      while (remote_pop(storage_.remote.inbox, incarnation, message)) ++discarded;
    }
    return discarded;
  }

  static bool start(ActorCore& core, Scheduler& scheduler, Reason& failure) {
    Actor& self = of(core);
    self.reset_storage(scheduler);
    if constexpr (kHasRemote) {
      // Other threads read it in post(); written only when it changes (the
      // first start), never under their feet on a restart.
      if (self.storage_.remote.inbox.scheduler != &scheduler) self.storage_.remote.inbox.scheduler = &scheduler;
    }
    if constexpr (std::is_constructible_v<Context, const Params&>) {
      ::new (static_cast<void*>(self.context_.bytes)) Context(self.params_);
    } else {
      ::new (static_cast<void*>(self.context_.bytes)) Context{};
    }
    self.context_.set_live(true);
    if (!self.run_on_start(scheduler, failure)) {
      self.finish_context(failure);  // every on_start is answered by one on_stop
      return false;
    }
    chart::Machine machine = self.machine(scheduler);
    if (self.tracing()) machine.set_tracing(true);  // the initial entries belong to the trace
    chart::Outcome outcome = chart::Outcome::failed;
    bool threw = false;
#if defined(__cpp_exceptions)
    try {
      outcome = machine.start();
    } catch (...) {
      threw = true;
    }
#else
    outcome = machine.start();
#endif
    if (threw || outcome == chart::Outcome::failed) {
      failure = threw ? Reason::failed("exception escaped a handler") : Reason::failed(detail::failure_text(machine));
      self.reset_storage(scheduler);
      self.finish_context(failure);
      return false;
    }
    self.active_ = machine.configuration();
    // A chart that finished at once exits in its first activation, which
    // this sends down the machine path (activate_with_machine).
    if (self.active_ == 0) self.set(kSystemPending);
    return true;
  }

  // The context's on_start, if it has one; false (with the reason) if it
  // refused (returned false) or threw.
  bool run_on_start(Scheduler& scheduler, Reason& failure) {
    Context& context = this->context();
    if constexpr (requires { context.on_start(std::declval<Self>()); }) {
      using Result = decltype(context.on_start(std::declval<Self>()));
#if defined(__cpp_exceptions)
      try {
#endif
        if constexpr (std::is_same_v<Result, bool>) {
          if (!context.on_start(Self{scheduler, id()})) {
            failure = Reason::failed("on_start refused");
            return false;
          }
        } else {
          context.on_start(Self{scheduler, id()});
        }
#if defined(__cpp_exceptions)
      } catch (...) {
        failure = Reason::failed("exception escaped a handler");
        return false;
      }
#endif
    } else {
      static_cast<void>(scheduler);
      static_cast<void>(failure);
    }
    return true;
  }

  void finish_context(Reason reason) {
    Context& context = this->context();
    if constexpr (requires { context.on_stop(reason); }) context.on_stop(reason);
    context.~Context();
    context_.set_live(false);
  }

  // The next pending timer event or activity outcome, in the order they came.
  bool take_system_event(Scheduler& scheduler, chart::EventId& event) {
    ActorTimer* timer = nullptr;
    InvokeSlot* slot = nullptr;
    std::size_t slot_index = 0;
    std::uint32_t best = 0;
    static_cast<void>(scheduler);  // for a chart without after(), or with its timers inside the actor
    if constexpr (kTable.timer_count > 0) {
      timer = kPooledTimers ? scheduler.pending_timer(*this)
                            : Scheduler::first_pending(std::span<ActorTimer>(timers_.data(), timers_.size()), *this);
      if (timer != nullptr) best = timer->pending_order;
    }
    for (std::size_t i = 0; i < invokes_.size(); ++i) {
      if (invokes_[i].pending_order != 0 && (best == 0 || invokes_[i].pending_order < best)) {
        best = invokes_[i].pending_order;
        slot = &invokes_[i];
        slot_index = i;
      }
    }
    if (slot != nullptr) {
      const chart::InvokeRow& row = kTable.invokes[slot_index];
      event = slot->succeeded ? row.done_event : row.error_event;
      *slot = InvokeSlot{};
      return true;
    }
    if (timer != nullptr) {
      event = kTable.timers[timer->index].event;
      if constexpr (kPooledTimers) {
        scheduler.release_timer(*timer);
      } else {
        timer->pending_order = 0;
      }
      return true;
    }
    return false;
  }

  // Dispatches one event; on failure or completion tells the scheduler how
  // the actor exits (Scheduler::exiting) and returns false.
  [[gnu::always_inline]] bool deliver(chart::Machine& machine, Scheduler& scheduler, const chart::Event& event) {
    bool threw = false;
    const chart::Outcome outcome = guarded_dispatch(machine, event, threw);
    scheduler.report_dispatch(*this, event.id, outcome);
    if (chart::ended(outcome)) [[unlikely]]
      return ended(machine, scheduler, outcome, threw);
    return true;
  }

  // The chart failed or finished: tells the scheduler how the actor exits.
  [[gnu::noinline]] bool ended(const chart::Machine& machine,
                               Scheduler& scheduler,
                               chart::Outcome outcome,
                               bool threw) {
    if (outcome == chart::Outcome::failed) {
      active_ = threw ? active_ : 0;
      static_cast<void>(scheduler.exiting(
          threw ? StopMode::kill : StopMode::after_failure,
          threw ? Reason::failed("exception escaped a handler") : Reason::failed(detail::failure_text(machine))));
      return false;
    }
    active_ = 0;
    static_cast<void>(
        scheduler.exiting(StopMode::after_finish, has(kShutdownAsked) ? Reason::shutdown() : Reason::normal()));
    return false;
  }

  // Recalled deferred events exist only where the chart may defer.
  static constexpr bool kMayDefer = Config.defer_capacity > 0;

  // Whether the common case may run without a Machine (compiled dispatch, detached).
  static constexpr bool kDetached = chart::compiled::available<Chart>;
  // The configuration as the detached path keeps it: the chart's width, at
  // most a machine word where the chart fits one.
  using Configuration = std::conditional_t<kTable.state_count <= 32, std::uint32_t, chart::StateSet>;

  static Activation activate(ActorCore& core, Scheduler& scheduler, unsigned budget) {
    Actor& self = of(core);
    // Of the `budget` messages this activation may take, `local_left` come
    // from the local ring as it was on entry. Only this activation pops the
    // ring and a push never lowers its count, so they are there.
    unsigned local_left = self.count_ < budget ? self.count_ : budget;
    if constexpr (kDetached) {
      // A running chart's configuration is never empty here: one that
      // finished while starting is marked kSystemPending.
      if (!self.has(kSystemPending | kTracing) && self.recalled() == 0) [[likely]]
        return self.activate_detached(scheduler, budget, local_left);
    }
    return self.activate_with_machine(scheduler, budget, local_left, nullptr);
  }

  // The common case: local messages whose macrosteps need nothing but the
  // configuration and the context (compiled::dispatch_detached). The first
  // message that needs more, or a system event that becomes pending, hands
  // the rest of the batch to activate_with_machine().
  [[gnu::always_inline]] Activation activate_detached(Scheduler& scheduler, unsigned left, unsigned local_left) {
    // The configuration in one register where the chart allows.
    Configuration active = static_cast<Configuration>(active_);
    for (; local_left != 0;) {
      --local_left;
      --left;
      Msg message;
      message.event = pop_local(message.payload);
      chart::compiled::Detached detached = chart::compiled::Detached::needs_machine;
#if defined(__cpp_exceptions)
      try {
        detached = chart::compiled::dispatch_detached<Chart>(active, context_.bytes, message.event);
      } catch (...) {
        active_ = active;
        scheduler.report_dispatch(*this, message.event, chart::Outcome::failed);
        return scheduler.exiting(StopMode::kill, Reason::failed("exception escaped a handler"));
      }
#else
      detached = chart::compiled::dispatch_detached<Chart>(active, context_.bytes, message.event);
#endif
      if (detached == chart::compiled::Detached::needs_machine) [[unlikely]] {
        active_ = active;
        return activate_with_machine(scheduler, left + 1U, local_left, &message);
      }
      scheduler.report_dispatch(
          *this,
          message.event,
          detached == chart::compiled::Detached::handled ? chart::Outcome::handled : chart::Outcome::unhandled);
      if (local_left == 0) break;
      // A system event or tracing that came up during this message hands
      // the rest to the machine. After the last one the next activation
      // sees them (`more` below), as it would after any batch.
      if (has(kSystemPending | kTracing)) [[unlikely]] {
        active_ = active;
        return activate_with_machine(scheduler, left, local_left, nullptr);
      }
    }
    active_ = active;
    if constexpr (kHasRemote) {
      if (left != 0 && remote_waiting()) return activate_with_machine(scheduler, left, 0, nullptr);
    }
    return count_ != 0 || has(kSystemPending) || remote_waiting() ? Activation::more : Activation::idle;
  }

  // Any activation, through a Machine built around the configuration.
  // `first`, if set, is a message already taken from the local ring (and
  // counted in `left`): it goes first.
  [[gnu::noinline]] Activation activate_with_machine(Scheduler& scheduler,
                                                     unsigned left,
                                                     unsigned local_left,
                                                     const Msg* first) {
    if (active_ == 0) [[unlikely]]  // the chart finished while starting
      return scheduler.exiting(StopMode::after_finish, Reason::normal());
    chart::Machine machine = this->machine(scheduler);
    machine.restore(active_);
    if (tracing()) [[unlikely]]
      machine.set_tracing(true);

    // A batch behaves exactly like the same messages one activation at a
    // time: before every message, timer events, activity outcomes and DOWNs
    // that became pending (also during this batch) go first, then recalled
    // deferred messages, then the mailbox (local ring, then remote inbox).
    // Local messages queued during the batch (a self-send, say) wait for the
    // next activation, so an actor cannot keep the loop to itself by sending
    // itself messages.
    // One payload buffer and one event for the whole batch; each message sets
    // the event id and copies its payload into `payload`.
    Payload payload{};
    chart::Event event{chart::kNone, &payload};
    for (;;) {
      if (first != nullptr) {
        // Taken just after the system events were checked: it goes first.
        event.id = first->event;
        payload = first->payload;
        first = nullptr;
      } else {
        if (has(kSystemPending) && !deliver_system_events(machine, scheduler)) [[unlikely]]
          return Activation::exit;
        // With only local messages, local_left reaches 0 no later than left.
        if ((kMayDefer || kHasRemote) && left == 0) break;
        if (recalled() > 0) {
          const Msg recalled = pop_deferred();
          event.id = recalled.event;
          payload = recalled.payload;
        } else if (local_left != 0) [[likely]] {
          --local_left;
          event.id = pop_local(payload);
        } else if (Msg remote; pop_remote(scheduler, remote)) {
          event.id = remote.event;
          payload = remote.payload;
        } else {
          break;
        }
      }
      --left;
      // Set for recalled messages too, so one can be deferred again with its
      // payload; only charts that may defer ever read it.
      if constexpr (kMayDefer) deferred_.current_payload = &payload;
      const bool alive = deliver(machine, scheduler, event);
      if constexpr (kMayDefer) deferred_.current_payload = nullptr;
      if (!alive) [[unlikely]]
        return Activation::exit;
    }
    active_ = machine.configuration();
    return count_ != 0 || recalled() != 0 || has(kSystemPending) || remote_waiting() ? Activation::more
                                                                                     : Activation::idle;
  }

  // The shutdown request, timer events and activity outcomes in the order
  // they came, then DOWNs; false if the actor must exit (the scheduler knows how).
  bool deliver_system_events(chart::Machine& machine, Scheduler& scheduler) {
    clear(kSystemPending);
    if constexpr (kShutdownEvent != chart::kNone) {
      if (has(kShutdownAsked) && !shutdown_delivered_) {
        shutdown_delivered_ = true;
        if (!deliver(machine, scheduler, chart::Event{kShutdownEvent, nullptr})) return false;
      }
    }
    chart::EventId event = chart::kNone;
    while (take_system_event(scheduler, event)) {
      if (!deliver(machine, scheduler, chart::Event{event, nullptr})) return false;
    }
    Down down;
    while (scheduler.take_down(*this, down)) {
      const chart::Event event_down{kDownEvent, &down};
      if (!deliver(machine, scheduler, event_down)) return false;
    }
    return true;
  }

  // local_pop() with the ring's place and size known at compile time.
  [[gnu::always_inline]] chart::EventId pop_local(Payload& payload) {
    const unsigned head = head_;
    const Msg& slot = storage_.slots[head];
    payload = slot.payload;
    const unsigned next = head + 1U;
    if constexpr ((Config.capacity & (Config.capacity - 1U)) == 0) {
      head_ = static_cast<MailboxIndex>(next & (Config.capacity - 1U));
    } else {
      head_ = static_cast<MailboxIndex>(next == Config.capacity ? 0U : next);
    }
    --count_;
    return slot.event;
  }

  bool pop_remote(Scheduler& scheduler, Msg& message) {
    if constexpr (kHasRemote) {
      std::uint32_t incarnation = 0;
      while (remote_pop(storage_.remote.inbox, incarnation, message)) {
        if (incarnation == this->incarnation()) return true;
        scheduler.count_dead_letters(1);
      }
    } else {
      static_cast<void>(scheduler);
      static_cast<void>(message);
    }
    return false;
  }

  bool remote_waiting() const {
    if constexpr (kHasRemote) {
      const RemoteInbox& inbox = storage_.remote.inbox;
      const std::uint32_t position = inbox.dequeue_position.load(std::memory_order_relaxed);
      return storage_.remote.cells[position & inbox.mask].sequence.load(std::memory_order_acquire) == position + 1;
    } else {
      return false;
    }
  }

  Msg pop_deferred() {
    // Only reached with recalled() > 0, so only where the chart may defer.
    if constexpr (kMayDefer) {
      Deferred& kept = deferred_;
      --kept.recalled;
      const Msg message = kept.slots[kept.head];
      kept.head = static_cast<std::uint16_t>((kept.head + 1U) % Config.defer_capacity);
      --kept.count;
      return message;
    } else {
      return Msg{};
    }
  }

  static std::uint32_t stop(ActorCore& core, Scheduler& scheduler, Reason reason, StopMode mode) {
    Actor& self = of(core);
    if (self.active_ != 0 && (mode == StopMode::graceful || mode == StopMode::kill)) {
      chart::Machine machine = self.machine(scheduler);
      machine.restore(self.active_);
      if (self.tracing()) machine.set_tracing(true);  // and so do the exits of a graceful stop
      if (mode == StopMode::graceful) {
#if defined(__cpp_exceptions)
        try {
          machine.stop();
        } catch (...) {
          machine.halt();
        }
#else
        machine.stop();
#endif
      } else {
        machine.halt();
      }
    }
    self.active_ = 0;
    if constexpr (kShutdownEvent != chart::kNone) self.shutdown_delivered_ = false;
    self.reset_timers_and_activities(scheduler);
    self.finish_context(reason);
    return self.discard_messages();
  }

  void reset_timers_and_activities(Scheduler& scheduler) {
    if constexpr (kPooledTimers) {
      if constexpr (kTable.timer_count > 0) scheduler.release_timers(*this);
    }
    for (ActorTimer& timer : timers_) {
      if (timer.armed) scheduler.cancel(timer);
      timer.pending_order = 0;
    }
    for (InvokeSlot& slot : invokes_) slot = InvokeSlot{};
  }

  static bool request_shutdown(ActorCore& core, Scheduler& scheduler) {
    if constexpr (kShutdownEvent == chart::kNone) {
      static_cast<void>(core);
      static_cast<void>(scheduler);
      return false;
    } else {
      core.set(kShutdownAsked);
      core.set(kSystemPending);
      scheduler.make_ready(core);
      return true;
    }
  }

  static bool arm_timer(ActorCore& core, Scheduler& scheduler, std::uint16_t timer, std::uint32_t delay_ms) {
    ActorTimer* actor_timer = nullptr;
    if constexpr (kPooledTimers) {
      actor_timer = scheduler.take_timer(core, timer);
      if (actor_timer == nullptr) return false;
    } else {
      actor_timer = &of(core).timers_[timer];
    }
    actor_timer->pending_order = 0;
    scheduler.arm(*actor_timer, scheduler.now() + delay_ms);
    return true;
  }
  static void cancel_timer(ActorCore& core, Scheduler& scheduler, std::uint16_t timer) {
    if constexpr (kPooledTimers) {
      if (ActorTimer* pooled = scheduler.find_timer(core, timer)) scheduler.release_timer(*pooled);
    } else {
      ActorTimer& own = of(core).timers_[timer];
      scheduler.cancel(own);
      own.pending_order = 0;  // fired but not yet delivered: never delivered now
    }
  }
  static InvokeSlot* invokes_of(ActorCore& core) { return of(core).invokes_.data(); }

  // Keeps the message being dispatched (payload copied) until recall.
  static bool defer(ActorCore& core, const chart::Event& event) {
    Actor& self = of(core);
    if constexpr (kMayDefer) {
      Deferred& kept = self.deferred_;
      if (kept.count == Config.defer_capacity) return false;
      Msg message{event.id, Payload{}};
      if (event.data != nullptr) {
        // Only mailbox messages carry a Payload; a DOWN cannot be kept.
        if (kept.current_payload == nullptr || event.data != kept.current_payload) return false;
        message.payload = *kept.current_payload;
      }
      const std::size_t tail = (kept.head + kept.count) % Config.defer_capacity;
      kept.slots[tail] = message;
      ++kept.count;
      return true;
    } else {
      static_cast<void>(self);
      static_cast<void>(event);
      return false;
    }
  }

  static void recall(ActorCore& core) {
    Actor& self = of(core);
    if constexpr (kMayDefer) {
      self.deferred_.recalled = self.deferred_.count;
    } else {
      static_cast<void>(self);
    }
  }

  static SendResult push_event(ActorCore& core, chart::EventId event) { return of(core).push_local(event, Payload{}); }

  static constexpr ActorType kType{
      .kind = "chart",
      .table = &kTable,
      .event_count = kTable.event_count,
      .mailbox_capacity = Config.capacity,
      .overflow = Config.overflow,
      .remote_offset = MailboxStorage<Payload, Config>::remote_offset(),
      .start = &start,
      .activate = &activate,
      .stop = &stop,
      .request_shutdown = &request_shutdown,
      .arm_timer = kTable.timer_count > 0 ? &arm_timer : nullptr,
      .cancel_timer = kTable.timer_count > 0 ? &cancel_timer : nullptr,
      .invokes = &invokes_of,
      .defer = &defer,
      .recall = &recall,
      .push_event = &push_event,
  };

  MailboxStorage<Payload, Config> storage_;
  detail::ContextStorage<Context> context_;
  [[no_unique_address]] Params params_;
  // Deferred messages and their ring, only where the chart may defer.
  struct KeptMessages {
    std::array<Msg, Config.defer_capacity> slots{};
    std::uint16_t head = 0;
    std::uint16_t count = 0;
    std::uint16_t recalled = 0;                // how many of them go back ahead of the mailbox
    const Payload* current_payload = nullptr;  // the mailbox message being dispatched
  };
  struct NoKeptMessages {};
  using Deferred = std::conditional_t<kMayDefer, KeptMessages, NoKeptMessages>;
  std::uint16_t recalled() const {
    if constexpr (kMayDefer) {
      return deferred_.recalled;
    } else {
      return 0;
    }
  }

  // Each of these takes no room where the chart has none of it.
  [[no_unique_address]] detail::Slots<std::uint8_t, Chart.history_bytes()> history_{};
  [[no_unique_address]] detail::Slots<ActorTimer, kPooledTimers ? 0 : kTable.timer_count> timers_{};
  [[no_unique_address]] detail::Slots<InvokeSlot, kTable.invoke_count> invokes_{};
  [[no_unique_address]] Deferred deferred_{};
  // Whether this incarnation has had its "shutdown" event.
  struct NoShutdownEvent {};
  [[no_unique_address]] std::conditional_t<kShutdownEvent != chart::kNone, bool, NoShutdownEvent> shutdown_delivered_{};
};

// A timer pool that the actors listed (one type per instance, repeats
// allowed) can never run short of: each one's most timers armed at once.
template <class... Actors>
constexpr std::size_t timer_pool_size() {
  return (std::size_t{0} + ... + std::size_t{Actors::kMaxArmedTimers});
}

}  // namespace lit

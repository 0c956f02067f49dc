// A scheduler runs the actors of one loop (a libuv loop thread on the host,
// the main loop on an MCU, the simulator's virtual loop in tests): a FIFO
// ready queue, one ordered timer list, watches and DOWNs, and the chart Host
// every actor's machine talks to. Only the loop's own context calls it, except
// post(), which ISRs and other threads use to reach actors through their
// remote inboxes. Nothing here allocates: watches and delayed sends come from
// storage the owner provides; when that runs out the call says so.
//
// Fairness: run() activates one actor at a time; an activation handles at most
// `fairness` mailbox messages before the actor goes to the back of the queue.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

#include "lit/actor_core.hpp"
#include "lit/chart/machine.hpp"
#include "lit/mailbox.hpp"
#include "lit/port.hpp"
#include "lit/target.hpp"

namespace lit {

class Supervisor;

// An entry in the scheduler's timer list. Owners embed one and set `fire`.
struct Timer {
  Timer* next = nullptr;
  Timer* previous = nullptr;
  Millis deadline = 0;
  bool armed = false;
  // The owner's, in what would be padding: which of its timers this is.
  std::uint16_t index = 0;
  void (*fire)(Timer& timer, Scheduler& scheduler) = nullptr;
};

// A chart's after() timer, one per timer row of the chart, inside the actor.
// Firing only marks it pending (`pending_order` > 0, the firing order); the
// actor delivers it on its next activation, so no timer event ever needs a
// mailbox slot or can be lost to a full mailbox.
struct ActorTimer : Timer {
  ActorCore* owner = nullptr;
  std::uint32_t pending_order = 0;
};

// One invoked activity of an actor's chart, one per invoke row, inside the actor.
struct InvokeSlot {
  std::uint32_t token = 0;          // the running invocation; 0 = none
  std::uint32_t pending_order = 0;  // > 0: its outcome waits for delivery
  bool succeeded = false;
};

// A watch: `watcher` gets exactly one DOWN when `watched` stops.
struct Watch {
  ActorId watched;
  ActorId watcher;
  Reason reason{};
  enum class State : std::uint8_t { free, armed, fired } state = State::free;
  Watch* next = nullptr;  // free list, or the fired (pending DOWN) FIFO
};

// A chart's <send> with a delay: an event on its way to its own actor.
struct DelayedSend : Timer {
  ActorId target;
  chart::EventId event = chart::kNone;
  DelayedSend* next_free = nullptr;
};

// What the runtime reports as it runs: for tests (probes), tracing and metrics.
// Every call comes from the loop's context, synchronously.
class Observer {
 public:
  virtual void on_started(const ActorCore& actor) { static_cast<void>(actor); }
  virtual void on_exited(const ActorCore& actor, std::uint32_t incarnation, Reason reason) {
    static_cast<void>(actor);
    static_cast<void>(incarnation);
    static_cast<void>(reason);
  }
  // Messages still queued when an incarnation stopped, discarded unread (as
  // OTP drops a dead process's mailbox); also counted in dead_letters().
  // Called before on_exited, only when `count` is not 0.
  virtual void on_discarded(const ActorCore& actor, std::uint32_t incarnation, std::uint32_t count) {
    static_cast<void>(actor);
    static_cast<void>(incarnation);
    static_cast<void>(count);
  }
  // A message or system event was dispatched to the actor's chart.
  virtual void on_dispatched(const ActorCore& actor, chart::EventId event, chart::Outcome outcome) {
    static_cast<void>(actor);
    static_cast<void>(event);
    static_cast<void>(outcome);
  }
  // A send on the actor's own loop was refused: `dead` (the addressed
  // incarnation has stopped) or `invalid_event`. A full mailbox is counted by
  // the mailbox itself; a cross-loop post refused on arrival is a dead letter.
  virtual void on_refused(const ActorCore& actor, SendResult result) {
    static_cast<void>(actor);
    static_cast<void>(result);
  }
  // Only for actors with tracing on (Scheduler::set_tracing).
  virtual void on_trace(const ActorCore& actor, chart::TraceRecord record) {
    static_cast<void>(actor);
    static_cast<void>(record);
  }
  // A supervisor gave up: restart intensity exceeded, or auto_shutdown.
  virtual void on_escalated(const ActorCore& supervisor, Reason reason) {
    static_cast<void>(supervisor);
    static_cast<void>(reason);
  }

 protected:
  Observer() = default;
  Observer(const Observer&) = default;
  Observer& operator=(const Observer&) = default;
  ~Observer() = default;
};

enum class WatchResult : std::uint8_t {
  ok,      // armed; exactly one DOWN will follow
  noproc,  // the watched actor had already stopped: a DOWN with reason noproc is on its way
  dead,    // the watcher itself is not alive
  full,    // no free watch entry; nothing armed
};

namespace detail {
// The chart::Host every actor machine of one scheduler talks to; it hands
// each call to its scheduler. A member rather than a base class, so Scheduler
// has no vtable: code built with RTTI (host tests, UBSan's vptr checks) can
// use a scheduler from a core built without it.
class SchedulerHost final : public chart::Host {
 public:
  explicit SchedulerHost(Scheduler& scheduler) : scheduler_(scheduler) {}
  void arm_timer(chart::Machine& machine, std::uint16_t timer, std::uint32_t delay_ms) override;
  void cancel_timer(chart::Machine& machine, std::uint16_t timer) override;
  void send_after(chart::Machine& machine, chart::EventId event, std::uint32_t delay_ms) override;
  bool defer(chart::Machine& machine, const chart::Event& event) override;
  void recall(chart::Machine& machine) override;
  void start_activity(chart::Machine& machine, std::uint16_t invoke) override;
  void cancel_activity(chart::Machine& machine, std::uint16_t invoke) override;
  void log(chart::Machine& machine, std::string_view label, std::string_view text) override;
  void trace(chart::Machine& machine, chart::TraceRecord record) override;

 private:
  friend class lit::Scheduler;
  Scheduler& scheduler_;
};
}  // namespace detail

// A build whose image runs one scheduler (every Cortex-M build: the
// firmware's main loop) has no other loop to send to: Scheduler::send takes
// no cross-loop branch and links no cross-loop path per payload type. ISRs
// still reach actors through lit::post(). Define LIT_SINGLE_LOOP (0 or 1) to
// choose otherwise.
#ifndef LIT_SINGLE_LOOP
#define LIT_SINGLE_LOOP LIT_CORTEX_M
#endif
inline constexpr bool kSingleLoop = LIT_SINGLE_LOOP != 0;

class Scheduler final {
 public:
  struct Storage {
    std::span<Watch> watches{};
    std::span<DelayedSend> delayed_sends{};
    // after() timers of the actors whose type asks for pooled ones
    // (MailboxConfig::pooled_timers), shared by all of them on this loop.
    // timer_pool_size<Actors...>() (actor.hpp) sizes it so that it cannot run
    // short; if it does, the chart that wanted one more fails, saying so.
    std::span<ActorTimer> timers{};
  };
  struct Options {
    std::uint16_t fairness = 64;  // mailbox messages per activation
    std::uint8_t loop_id = 0;     // distinct per scheduler in one process (LIT_SINGLE_LOOP: one)
  };

  Scheduler(Port& port, Storage storage, Options options);
  Scheduler(Port& port, Storage storage) : Scheduler(port, storage, Options{}) {}
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // ---- the port's loop --------------------------------------------------------
  // Activates ready actors, at most `max_activations` of them. Returns true if
  // work remains (then the port runs it again soon).
  bool run(std::size_t max_activations = std::numeric_limits<std::size_t>::max());
  // The port's one-shot timer fired: moves due timers to their actors.
  void on_timer();
  bool has_ready() const { return ready_head_ != nullptr || any_signalled(); }
  // For a port whose loop asks has_ready() before every sleep (the bare-metal
  // port): then an actor made ready from the loop's own context, even
  // outside run(), needs no Port::wake(). Remote posts still wake it.
  void set_polled(bool polled) {
    polled_ = polled;
    loop_awake_ = polled;
  }
  Millis next_deadline() const { return timers_ != nullptr ? timers_->deadline : kNever; }

  // ---- actors -----------------------------------------------------------------
  // Starts an actor on this loop: on_start, then its chart's initial
  // configuration. `parent` is told when it stops (null for a root). Returns
  // false, with the reason in `failure`, if it failed to start; then it is not
  // alive and nothing of it is left running.
  bool start(ActorCore& actor, Supervisor* parent, Reason& failure);
  // Stops an alive actor now: exit actions and on_stop (graceful), or only
  // on_stop (kill). Its incarnation ends; watchers and its parent are told.
  void stop(ActorCore& actor, Reason reason, StopMode mode = StopMode::graceful);

  // From the loop's own context. Same-loop targets take the single-threaded
  // fast path; others go through their remote inbox.
  template <class Payload>
  SendResult send(const Address<Payload>& to, chart::EventId event, const Payload& payload);
  [[gnu::always_inline]] SendResult send(const Address<NoPayload>& to, chart::EventId event) {
    return send(to, event, NoPayload{});
  }

  WatchResult watch(ActorId watcher, ActorId watched);
  // Removes an armed watch; true if one was removed (then no DOWN comes).
  bool unwatch(ActorId watcher, ActorId watched);

  // An invoked activity's outcome, from the loop's context. False (and nothing
  // delivered) if that invocation was cancelled or its actor has stopped.
  bool finish_activity(const chart::Activity& activity, bool succeeded);

  void set_tracing(ActorCore& actor, bool on);
  void set_observer(Observer* observer) { observer_ = observer; }
  Observer* observer() const { return observer_; }

  // ---- introspection ------------------------------------------------------------
  Port& port() const { return port_; }
  Millis now() const { return port_.now(); }
  std::uint8_t loop_id() const { return loop_id_; }
  // The actor whose start, activation or stop is running (for actions: "self").
  // Between activations inside run() it still names the last one.
  ActorCore* current() const { return current_; }
  // Messages that were queued when their actor stopped, or arrived for an
  // incarnation that had stopped: discarded, and counted here.
  std::uint64_t dead_letters() const { return dead_letters_; }
  std::size_t free_watches() const;
  // The actors watching `actor`'s current incarnation: writes up to
  // out.size() of them and returns how many there are.
  std::size_t watchers_of(const ActorCore& actor, std::span<ActorId> out) const;

  // ---- for typed actors and supervisors ------------------------------------------
  void make_ready(ActorCore& actor);
  void arm(Timer& timer, Millis deadline);
  void cancel(Timer& timer);
  // Takes the oldest DOWN pending for `watcher`; false if none.
  bool take_down(ActorCore& watcher, Down& down);
  void count_dead_letters(std::uint32_t count) { dead_letters_ += count; }
  // A remote inbox got its first message since it was last drained (any context).
  void signal(RemoteInbox& inbox);
  // Tells the observer a supervisor gave up.
  void report_escalation(const ActorCore& supervisor, Reason reason) {
    if (observer_ != nullptr) observer_->on_escalated(supervisor, reason);
  }
  // Called by typed actors after each dispatch.
  [[gnu::always_inline]] void report_dispatch(const ActorCore& actor, chart::EventId event, chart::Outcome outcome) {
    if (observer_ != nullptr) [[unlikely]]
      observer_->on_dispatched(actor, event, outcome);
  }
  // An activation's way out: the actor exits as `mode` and `reason` say,
  // which run() carries out once the activation has returned.
  [[gnu::noinline]] Activation exiting(StopMode mode, Reason reason) {
    exit_mode_ = mode;
    exit_reason_ = reason;
    return Activation::exit;
  }
  std::uint32_t next_activity_token() { return next_token_++; }
  // Orders pending timer events and activity outcomes across one actor.
  std::uint32_t next_pending_order() { return ++pending_order_; }

  // ---- the timer pool (Storage::timers) -------------------------------------------
  // The owner's pooled timer for its chart's timer row `index`: the one it
  // holds, or a free one it takes now; null if none is free.
  ActorTimer* take_timer(ActorCore& owner, std::uint16_t index);
  // The one it holds for that row, or null.
  ActorTimer* find_timer(const ActorCore& owner, std::uint16_t index);
  // The owner's fired, undelivered pooled timer that fired first, or null.
  ActorTimer* pending_timer(const ActorCore& owner) { return first_pending(timer_pool_, owner); }
  // The same among any timers (an actor's own, or the pool).
  static ActorTimer* first_pending(std::span<ActorTimer> timers, const ActorCore& owner);
  // Gives a pooled timer back (cancelled if armed): delivered, or its state exited.
  void release_timer(ActorTimer& timer);
  // Gives back every pooled timer the owner holds (it stopped).
  void release_timers(const ActorCore& owner);
  // Pooled timers not in use, and after()s that found none free (each failed its chart).
  std::size_t free_timers() const;
  std::uint32_t timer_shortfalls() const { return timer_shortfalls_; }
  // What an after() timer does when it fires, pooled or in its actor: marks
  // it pending for the owner's next activation.
  static void fire_actor_timer(Timer& timer, Scheduler& scheduler);

  // ---- the chart::Host of every actor machine on this loop -------------------------
  // Its calls act for the actor in current().
  chart::Host& host() { return host_; }
  // The scheduler whose host() this is (a machine's host, from inside an action).
  static Scheduler& of(chart::Host& host);

  // The Host calls, as the scheduler carries them out.
  void arm_timer(chart::Machine& machine, std::uint16_t timer, std::uint32_t delay_ms);
  void cancel_timer(chart::Machine& machine, std::uint16_t timer);
  void send_after(chart::Machine& machine, chart::EventId event, std::uint32_t delay_ms);
  bool defer(chart::Machine& machine, const chart::Event& event);
  void recall(chart::Machine& machine);
  void start_activity(chart::Machine& machine, std::uint16_t invoke);
  void cancel_activity(chart::Machine& machine, std::uint16_t invoke);
  void log(chart::Machine& machine, std::string_view label, std::string_view text);
  void trace(chart::Machine& machine, chart::TraceRecord record);

 private:
  friend class Supervisor;
  // The start or stop of an actor, nested in whatever is current().
  class Nested {
   public:
    Nested(Scheduler& scheduler, ActorCore& actor);
    void end() const;

   private:
    Scheduler& scheduler_;
    ActorCore& actor_;
    ActorCore* saved_;
    bool mark_saved_;
  };
  void exit(ActorCore& actor, Reason reason, StopMode mode);
  void fire_watches(ActorCore& actor, std::uint32_t incarnation, Reason reason);
  void drop_watches_of(ActorCore& watcher, std::uint32_t incarnation);
  // The fired-watch FIFO (pending DOWNs) and the free list of watch entries.
  void queue_down(Watch& watch, Reason reason);
  void unlink_down(Watch* previous, Watch& watch);
  void release(Watch& watch);
  // Moves the signalled inboxes' owners to the ready queue; the caller has
  // seen signalled_head_ non-null (the common case, nothing signalled, stays
  // a load and a branch in run()).
  void take_signalled();
  // Only a test for empty: the list itself is read inside the critical section.
  bool any_signalled() const { return signalled_head_.load(std::memory_order_relaxed) != nullptr; }
  template <class Payload>
  [[gnu::noinline]] static SendResult post_from_loop(const Address<Payload>& to,
                                                     chart::EventId event,
                                                     const Payload& payload) {
    return post(to, event, payload);
  }
  void rearm_port();
  // Out of line, so refusals cost the send's fast path nothing: tells the
  // observer, and returns `result`.
  [[gnu::noinline, gnu::cold]] SendResult refused(const ActorCore& actor, SendResult result);
  static void fire_delayed_send(Timer& timer, Scheduler& scheduler);

  Port& port_;
  detail::SchedulerHost host_{*this};
  std::uint16_t fairness_;
  std::uint8_t loop_id_;
  ActorCore* ready_head_ = nullptr;
  ActorCore* ready_tail_ = nullptr;  // meaningful only while ready_head_ is not null
  ActorCore* current_ = nullptr;
  Timer* timers_ = nullptr;  // ascending deadline; equal deadlines in arming order
  Millis armed_deadline_ = kNever;
  // Written inside the port's critical section; read outside it only to test for empty.
  std::atomic<RemoteInbox*> signalled_head_{nullptr};
  std::span<Watch> watches_;
  Watch* free_watches_ = nullptr;
  Watch* downs_head_ = nullptr;  // fired watches, oldest first
  Watch* downs_tail_ = nullptr;
  std::size_t armed_watches_ = 0;
  DelayedSend* free_delayed_ = nullptr;
  std::span<ActorTimer> timer_pool_;
  ActorTimer* free_timers_ = nullptr;
  std::uint32_t timer_shortfalls_ = 0;
  Observer* observer_ = nullptr;
  Reason exit_reason_{};  // of the activation that returned Activation::exit
  StopMode exit_mode_ = StopMode::after_failure;
  std::uint64_t dead_letters_ = 0;
  std::uint32_t next_token_ = 1;
  std::uint32_t pending_order_ = 0;
  // Whether the loop will call run() again before it sleeps: inside run(),
  // and always for a polled loop (set_polled). Else make_ready() wakes it.
  bool loop_awake_ = false;
  bool polled_ = false;
};

// Sends from any context (ISR, other thread) through the target's remote
// inbox. A stale address cannot be seen from here: the message is discarded on
// arrival and counted as a dead letter, never delivered to a later incarnation.
template <class Payload>
SendResult post(const Address<Payload>& to, chart::EventId event, const Payload& payload) {
  ActorCore* const actor = to.actor;
  if (actor == nullptr) return SendResult::dead;
  RemoteInbox* const inbox = actor->remote_inbox();
  if (inbox == nullptr) return SendResult::dead;
  Scheduler* const scheduler = inbox->scheduler;
  if (scheduler == nullptr) return SendResult::dead;  // never started: no loop to wake
  if (event >= actor->event_count()) return SendResult::invalid_event;
  const SendResult result = remote_push(*inbox, to.incarnation, event, payload);
  if (result == SendResult::ok && !inbox->signalled.exchange(true, std::memory_order_acq_rel)) {
    scheduler->signal(*inbox);
  }
  return result;
}

template <class Payload>
SendResult Scheduler::send(const Address<Payload>& to, chart::EventId event, const Payload& payload) {
  ActorCore* const actor = to.actor;
  if (actor == nullptr) return SendResult::dead;
  if constexpr (!kSingleLoop) {
    // The cross-loop path stays out of line, so this one keeps few registers.
    if (actor->loop_ != loop_id_) [[unlikely]]
      return post_from_loop(to, event, payload);
  }
  // Addresses never carry ActorCore::kStopped: one compare says "alive, this incarnation".
  if (actor->incarnation_ != to.incarnation) return refused(*actor, SendResult::dead);
  if (event >= actor->type_->event_count) [[unlikely]]
    return refused(*actor, SendResult::invalid_event);
  const SendResult result = actor->push_local(event, payload);
  if (result == SendResult::ok) [[likely]]
    make_ready(*actor);
  return result;
}

inline ActorTimer* Scheduler::first_pending(std::span<ActorTimer> timers, const ActorCore& owner) {
  ActorTimer* first = nullptr;
  for (ActorTimer& timer : timers) {
    if (timer.owner == &owner && timer.pending_order != 0 &&
        (first == nullptr || timer.pending_order < first->pending_order)) {
      first = &timer;
    }
  }
  return first;
}

inline void Scheduler::make_ready(ActorCore& actor) {
  if (actor.has(ActorCore::kScheduled)) return;
  actor.set(ActorCore::kScheduled);
  actor.next_ready_ = nullptr;
  if (ready_head_ == nullptr) {
    // Outside run() (a port callback or a test sending on the loop thread) the
    // loop must be told there is work.
    if (!loop_awake_) port_.wake();
    ready_head_ = &actor;
  } else {
    ready_tail_->next_ready_ = &actor;
  }
  ready_tail_ = &actor;
}

}  // namespace lit

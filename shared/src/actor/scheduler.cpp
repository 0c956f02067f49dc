// The scheduler: ready queue, timer list, watches, remote wakeups and the
// chart Host for every actor of one loop. See lit/scheduler.hpp.
#include "lit/scheduler.hpp"

#include "lit/supervisor.hpp"

namespace lit {

Scheduler::Scheduler(Port& port, Storage storage, Options options)
    : port_(port),
      fairness_(options.fairness != 0 ? options.fairness : std::uint16_t{1}),  // 0 would never drain a mailbox
      loop_id_(options.loop_id),
      watches_(storage.watches),
      timer_pool_(storage.timers) {
  for (Watch& watch : watches_) {
    watch = Watch{};
    watch.next = free_watches_;
    free_watches_ = &watch;
  }
  for (DelayedSend& delayed : storage.delayed_sends) {
    delayed.fire = &fire_delayed_send;
    delayed.next_free = free_delayed_;
    free_delayed_ = &delayed;
  }
  // A free pooled timer has no owner; the free list runs through `next`.
  for (ActorTimer& timer : timer_pool_) {
    timer = ActorTimer{};
    timer.fire = &fire_actor_timer;
    timer.next = free_timers_;
    free_timers_ = &timer;
  }
}

bool Scheduler::run(std::size_t max_activations) {
  loop_awake_ = true;
  if (any_signalled()) take_signalled();
  bool more = false;
  for (std::size_t activations_left = max_activations;;) {
    ActorCore* const actor = ready_head_;
    if (actor == nullptr) {
      if (!any_signalled()) break;  // the usual way out: nothing ready, nothing signalled
      take_signalled();
      continue;
    }
    if (activations_left == 0) {
      more = true;
      break;
    }
    --activations_left;
    ready_head_ = actor->next_ready_;  // ready_tail_ goes stale when this empties the queue; make_ready knows
    const auto flags = static_cast<std::uint8_t>(actor->flags_ & ~ActorCore::kScheduled);
    actor->flags_ = flags;
    if ((flags & ActorCore::kAlive) == 0) [[unlikely]]
      continue;
    // current_ marks the actor as activating (see stop()); it stays set until
    // the next activation or the end of run(), which saves two stores a turn.
    current_ = actor;
    const Activation result = actor->type_->activate(*actor, *this, fairness_);
    if (result == Activation::idle) [[likely]]
      continue;
    if (result == Activation::more) {
      make_ready(*actor);
    } else {
      current_ = nullptr;
      exit(*actor, exit_reason_, exit_mode_);
    }
  }
  current_ = nullptr;
  loop_awake_ = polled_;
  return more;
}

void Scheduler::take_signalled() {
  RemoteInbox* list = nullptr;
  {
    const CriticalSection section(port_);
    list = signalled_head_.load(std::memory_order_relaxed);
    signalled_head_.store(nullptr, std::memory_order_relaxed);
  }
  // Pushed newest first; reverse so inboxes are served in signal order.
  RemoteInbox* ordered = nullptr;
  while (list != nullptr) {
    RemoteInbox* const next = list->next_signalled;
    list->next_signalled = ordered;
    ordered = list;
    list = next;
  }
  while (ordered != nullptr) {
    RemoteInbox* const next = ordered->next_signalled;
    // Cleared before the actor drains the inbox, so a push after the drain
    // signals again. An exchange, not a store: a producer's exchange either
    // comes after it (and signals again) or before it, and then this acquire
    // sees that producer's message, so no push is left without a wakeup.
    ordered->signalled.exchange(false, std::memory_order_acq_rel);
    if (ordered->owner->alive()) make_ready(*ordered->owner);
    ordered = next;
  }
}

void Scheduler::signal(RemoteInbox& inbox) {
  {
    const CriticalSection section(port_);
    inbox.next_signalled = signalled_head_.load(std::memory_order_relaxed);
    signalled_head_.store(&inbox, std::memory_order_release);
  }
  port_.wake();
}

// ---- lifecycle -------------------------------------------------------------------

// Makes `actor` current() while it starts or stops, inside whatever was
// current: an activation that starts or stops another actor stays marked as
// activating meanwhile, so stop() still refuses to stop it mid-step.
Scheduler::Nested::Nested(Scheduler& scheduler, ActorCore& actor)
    : scheduler_(scheduler),
      actor_(actor),
      saved_(scheduler.current_),
      mark_saved_(saved_ != nullptr && !saved_->has(ActorCore::kActivating)) {
  if (mark_saved_) saved_->set(ActorCore::kActivating);
  scheduler.current_ = &actor;
  actor.set(ActorCore::kActivating);
}

void Scheduler::Nested::end() const {
  actor_.clear(ActorCore::kActivating);
  if (mark_saved_) saved_->clear(ActorCore::kActivating);
  scheduler_.current_ = saved_;
}

bool Scheduler::start(ActorCore& actor, Supervisor* parent, Reason& failure) {
  if (actor.alive()) {
    failure = Reason::failed("already running");
    return false;
  }
  // Senders on other loops read loop_; written only when it changes.
  if (actor.loop_ != loop_id_) actor.loop_ = loop_id_;
  actor.parent_ = parent;
  actor.flags_ = static_cast<std::uint8_t>(actor.flags_ & (ActorCore::kScheduled | ActorCore::kTracing));
  const Nested nested(*this, actor);
  const bool started = actor.type_->start(actor, *this, failure);
  nested.end();
  if (!started) {
    actor.end_incarnation();  // whatever was sent to the aborted incarnation is dead
    return false;
  }
  actor.become_alive();
  actor.set(ActorCore::kAlive);
  if (observer_ != nullptr) observer_->on_started(actor);
  // Messages it sent itself while starting, or system events (timers of zero
  // delay, a chart that finished at once): let an activation see them.
  if (actor.count_ != 0 || actor.has(ActorCore::kSystemPending)) {
    make_ready(actor);
  }
  return true;
}

void Scheduler::stop(ActorCore& actor, Reason reason, StopMode mode) {
  if (!actor.alive()) return;
  if (actor.has(ActorCore::kActivating) || &actor == current_) {
    // An actor leaves by failing or finishing its chart, never by stopping itself mid-step.
    port_.fatal("Scheduler::stop() called for an actor from inside its own activation");
    return;
  }
  exit(actor, reason, mode);
}

void Scheduler::exit(ActorCore& actor, Reason reason, StopMode mode) {
  const Nested nested(*this, actor);
  const std::uint32_t discarded = actor.type_->stop(actor, *this, reason, mode);
  dead_letters_ += discarded;
  nested.end();
  const std::uint32_t incarnation = actor.incarnation();
  if (discarded != 0 && observer_ != nullptr) observer_->on_discarded(actor, incarnation, discarded);
  actor.end_incarnation();
  const bool watched = actor.has(ActorCore::kWatched);
  // Keep only "in the ready queue" (it is unlinked lazily) and tracing.
  actor.flags_ = static_cast<std::uint8_t>(actor.flags_ & (ActorCore::kScheduled | ActorCore::kTracing));
  actor.active_ = 0;
  if (armed_watches_ != 0 || downs_head_ != nullptr) drop_watches_of(actor, incarnation);
  if (watched) fire_watches(actor, incarnation, reason);
  if (observer_ != nullptr) observer_->on_exited(actor, incarnation, reason);
  if (actor.parent_ != nullptr) {
    ActorCore& parent = *actor.parent_;
    parent.type_->child_exited(parent, actor, incarnation, reason);
  }
}

void Scheduler::set_tracing(ActorCore& actor, bool on) {
  if (on) {
    actor.set(ActorCore::kTracing);
  } else {
    actor.clear(ActorCore::kTracing);
  }
}

// ---- timers -----------------------------------------------------------------------

void Scheduler::arm(Timer& timer, Millis deadline) {
  if (timer.armed) cancel(timer);
  timer.deadline = deadline;
  timer.armed = true;
  Timer* previous = nullptr;
  Timer* next = timers_;
  while (next != nullptr && next->deadline <= deadline) {
    previous = next;
    next = next->next;
  }
  timer.previous = previous;
  timer.next = next;
  if (next != nullptr) next->previous = &timer;
  if (previous != nullptr) {
    previous->next = &timer;
  } else {
    timers_ = &timer;
    rearm_port();
  }
}

void Scheduler::cancel(Timer& timer) {
  if (!timer.armed) return;
  timer.armed = false;
  if (timer.next != nullptr) timer.next->previous = timer.previous;
  if (timer.previous != nullptr) {
    timer.previous->next = timer.next;
  } else {
    timers_ = timer.next;
    rearm_port();
  }
  timer.next = nullptr;
  timer.previous = nullptr;
}

void Scheduler::rearm_port() {
  const Millis deadline = next_deadline();
  if (deadline == armed_deadline_) return;
  armed_deadline_ = deadline;
  port_.arm_timer(deadline);
}

void Scheduler::on_timer() {
  const Millis now = port_.now();
  armed_deadline_ = kNever;
  while (timers_ != nullptr && timers_->deadline <= now) {
    Timer& timer = *timers_;
    timers_ = timer.next;
    if (timers_ != nullptr) timers_->previous = nullptr;
    timer.next = nullptr;
    timer.armed = false;
    timer.fire(timer, *this);
  }
  armed_deadline_ = kNever - 1;  // force the port to hear the new earliest deadline
  rearm_port();
}

void Scheduler::fire_delayed_send(Timer& timer, Scheduler& scheduler) {
  DelayedSend& delayed = static_cast<DelayedSend&>(timer);
  ActorCore* const target = delayed.target.actor;
  if (target->incarnation_ == delayed.target.incarnation) {  // alive, and still that incarnation
    if (target->type_->push_event(*target, delayed.event) == SendResult::ok) scheduler.make_ready(*target);
  } else {
    ++scheduler.dead_letters_;
  }
  delayed.next_free = scheduler.free_delayed_;
  scheduler.free_delayed_ = &delayed;
}

// ---- watches ----------------------------------------------------------------------

WatchResult Scheduler::watch(ActorId watcher, ActorId watched) {
  ActorCore* const by = watcher.actor;
  if (by == nullptr || !by->alive() || by->incarnation() != watcher.incarnation) return WatchResult::dead;
  Watch* const watch = free_watches_;
  if (watch == nullptr) return WatchResult::full;
  free_watches_ = watch->next;
  *watch = Watch{watched, watcher, Reason{}, Watch::State::armed, nullptr};
  ActorCore* const target = watched.actor;
  if (target == nullptr || !target->alive() || target->incarnation() != watched.incarnation) {
    queue_down(*watch, Reason::noproc());
    return WatchResult::noproc;
  }
  target->set(ActorCore::kWatched);
  ++armed_watches_;
  return WatchResult::ok;
}

bool Scheduler::unwatch(ActorId watcher, ActorId watched) {
  for (Watch& watch : watches_) {
    if (watch.state == Watch::State::armed && watch.watcher == watcher && watch.watched == watched) {
      release(watch);
      --armed_watches_;
      return true;
    }
  }
  // Already fired but not yet delivered: the DOWN is taken back (OTP's demonitor with flush).
  Watch* previous = nullptr;
  for (Watch* watch = downs_head_; watch != nullptr; previous = watch, watch = watch->next) {
    if (watch->watcher != watcher || watch->watched != watched) continue;
    unlink_down(previous, *watch);
    release(*watch);
    return true;
  }
  return false;
}

void Scheduler::fire_watches(ActorCore& actor, std::uint32_t incarnation, Reason reason) {
  const ActorId gone{&actor, incarnation};
  for (Watch& watch : watches_) {
    if (watch.state != Watch::State::armed || watch.watched != gone) continue;
    --armed_watches_;
    ActorCore* const watcher = watch.watcher.actor;
    if (!watcher->alive() || watcher->incarnation() != watch.watcher.incarnation) {
      release(watch);
      continue;
    }
    queue_down(watch, reason);
  }
}

void Scheduler::queue_down(Watch& watch, Reason reason) {
  watch.state = Watch::State::fired;
  watch.reason = reason;
  watch.next = nullptr;
  if (downs_tail_ != nullptr) {
    downs_tail_->next = &watch;
  } else {
    downs_head_ = &watch;
  }
  downs_tail_ = &watch;
  watch.watcher.actor->set(ActorCore::kSystemPending);
  make_ready(*watch.watcher.actor);
}

void Scheduler::unlink_down(Watch* previous, Watch& watch) {
  if (previous != nullptr) {
    previous->next = watch.next;
  } else {
    downs_head_ = watch.next;
  }
  if (downs_tail_ == &watch) downs_tail_ = previous;
}

void Scheduler::release(Watch& watch) {
  watch.state = Watch::State::free;
  watch.next = free_watches_;
  free_watches_ = &watch;
}

void Scheduler::drop_watches_of(ActorCore& watcher, std::uint32_t incarnation) {
  const ActorId gone{&watcher, incarnation};
  // Undelivered DOWNs for it go with it.
  Watch* previous = nullptr;
  for (Watch* watch = downs_head_; watch != nullptr;) {
    Watch* const next = watch->next;
    if (watch->watcher == gone) {
      unlink_down(previous, *watch);
      release(*watch);
    } else {
      previous = watch;
    }
    watch = next;
  }
  if (armed_watches_ == 0) return;
  for (Watch& watch : watches_) {
    if (watch.state == Watch::State::armed && watch.watcher == gone) {
      release(watch);
      --armed_watches_;
    }
  }
}

bool Scheduler::take_down(ActorCore& watcher, Down& down) {
  Watch* previous = nullptr;
  for (Watch* watch = downs_head_; watch != nullptr; previous = watch, watch = watch->next) {
    if (watch->watcher.actor != &watcher || watch->watcher.incarnation != watcher.incarnation()) continue;
    unlink_down(previous, *watch);
    down = Down{watch->watched, watch->reason};
    release(*watch);
    return true;
  }
  return false;
}

SendResult Scheduler::refused(const ActorCore& actor, SendResult result) {
  if (observer_ != nullptr) observer_->on_refused(actor, result);
  return result;
}

std::size_t Scheduler::watchers_of(const ActorCore& actor, std::span<ActorId> out) const {
  std::size_t count = 0;
  for (const Watch& watch : watches_) {
    if (watch.state != Watch::State::armed || watch.watched != actor.id()) continue;
    if (count < out.size()) out[count] = watch.watcher;
    ++count;
  }
  return count;
}

std::size_t Scheduler::free_watches() const {
  std::size_t count = 0;
  for (const Watch* watch = free_watches_; watch != nullptr; watch = watch->next) ++count;
  return count;
}

// ---- chart::Host -------------------------------------------------------------------

Scheduler& Scheduler::of(chart::Host& host) { return static_cast<detail::SchedulerHost&>(host).scheduler_; }

namespace detail {
void SchedulerHost::arm_timer(chart::Machine& machine, std::uint16_t timer, std::uint32_t delay_ms) {
  scheduler_.arm_timer(machine, timer, delay_ms);
}
void SchedulerHost::cancel_timer(chart::Machine& machine, std::uint16_t timer) {
  scheduler_.cancel_timer(machine, timer);
}
void SchedulerHost::send_after(chart::Machine& machine, chart::EventId event, std::uint32_t delay_ms) {
  scheduler_.send_after(machine, event, delay_ms);
}
bool SchedulerHost::defer(chart::Machine& machine, const chart::Event& event) {
  return scheduler_.defer(machine, event);
}
void SchedulerHost::recall(chart::Machine& machine) { scheduler_.recall(machine); }
void SchedulerHost::start_activity(chart::Machine& machine, std::uint16_t invoke) {
  scheduler_.start_activity(machine, invoke);
}
void SchedulerHost::cancel_activity(chart::Machine& machine, std::uint16_t invoke) {
  scheduler_.cancel_activity(machine, invoke);
}
void SchedulerHost::log(chart::Machine& machine, std::string_view label, std::string_view text) {
  scheduler_.log(machine, label, text);
}
void SchedulerHost::trace(chart::Machine& machine, chart::TraceRecord record) { scheduler_.trace(machine, record); }
}  // namespace detail

void Scheduler::arm_timer(chart::Machine& machine, std::uint16_t timer, std::uint32_t delay_ms) {
  ActorCore& actor = *current_;
  if (!actor.type_->arm_timer(actor, *this, timer, delay_ms)) [[unlikely]] {
    ++timer_shortfalls_;
    machine.fail_from_host("after(): the timer pool is empty");
  }
}

void Scheduler::cancel_timer(chart::Machine& machine, std::uint16_t timer) {
  static_cast<void>(machine);
  ActorCore& actor = *current_;
  actor.type_->cancel_timer(actor, *this, timer);
}

ActorTimer* Scheduler::take_timer(ActorCore& owner, std::uint16_t index) {
  if (ActorTimer* held = find_timer(owner, index)) return held;
  ActorTimer* const timer = free_timers_;
  if (timer == nullptr) return nullptr;
  free_timers_ = static_cast<ActorTimer*>(timer->next);
  timer->next = nullptr;
  timer->owner = &owner;
  timer->index = index;
  return timer;
}

ActorTimer* Scheduler::find_timer(const ActorCore& owner, std::uint16_t index) {
  for (ActorTimer& timer : timer_pool_) {
    if (timer.owner == &owner && timer.index == index) return &timer;
  }
  return nullptr;
}

void Scheduler::release_timer(ActorTimer& timer) {
  cancel(timer);
  timer.owner = nullptr;
  timer.pending_order = 0;
  timer.next = free_timers_;
  free_timers_ = &timer;
}

void Scheduler::release_timers(const ActorCore& owner) {
  for (ActorTimer& timer : timer_pool_) {
    if (timer.owner == &owner) release_timer(timer);
  }
}

std::size_t Scheduler::free_timers() const {
  std::size_t free = 0;
  for (const ActorTimer& timer : timer_pool_) free += timer.owner == nullptr ? 1U : 0U;
  return free;
}

void Scheduler::fire_actor_timer(Timer& timer, Scheduler& scheduler) {
  ActorTimer& actor_timer = static_cast<ActorTimer&>(timer);
  actor_timer.pending_order = scheduler.next_pending_order();
  actor_timer.owner->set(ActorCore::kSystemPending);
  scheduler.make_ready(*actor_timer.owner);
}

void Scheduler::send_after(chart::Machine& machine, chart::EventId event, std::uint32_t delay_ms) {
  static_cast<void>(machine);
  ActorCore& actor = *current_;
  if (delay_ms == 0) {
    // Counted by the mailbox if it is full.
    if (actor.type_->push_event(actor, event) == SendResult::ok) make_ready(actor);
    return;
  }
  DelayedSend* const delayed = free_delayed_;
  if (delayed == nullptr) {
    ++dead_letters_;
    port_.log(actor.type_->table->name, "send", "no free delayed-send slot; event dropped");
    return;
  }
  free_delayed_ = delayed->next_free;
  delayed->target = actor.id();
  delayed->event = event;
  arm(*delayed, port_.now() + delay_ms);
}

bool Scheduler::defer(chart::Machine& machine, const chart::Event& event) {
  static_cast<void>(machine);
  return current_->type_->defer(*current_, event);
}

void Scheduler::recall(chart::Machine& machine) {
  static_cast<void>(machine);
  current_->type_->recall(*current_);
  make_ready(*current_);
}

void Scheduler::start_activity(chart::Machine& machine, std::uint16_t invoke) {
  ActorCore& actor = *current_;
  InvokeSlot& slot = actor.type_->invokes(actor)[invoke];
  slot = InvokeSlot{next_token_++, 0, false};
  const chart::ActivityFn begin = machine.table().invokes[invoke].start;
  if (begin != nullptr) begin(machine.context(), chart::Activity{&machine, invoke, slot.token, &actor});
}

void Scheduler::cancel_activity(chart::Machine& machine, std::uint16_t invoke) {
  static_cast<void>(machine);
  current_->type_->invokes(*current_)[invoke] = InvokeSlot{};
}

bool Scheduler::finish_activity(const chart::Activity& activity, bool succeeded) {
  auto* const actor = static_cast<ActorCore*>(activity.owner);
  if (actor == nullptr || !actor->alive() || actor->type_->invokes == nullptr) return false;
  InvokeSlot& slot = actor->type_->invokes(*actor)[activity.invoke];
  if (slot.token == 0 || slot.token != activity.token || slot.pending_order != 0) return false;
  slot.pending_order = next_pending_order();
  slot.succeeded = succeeded;
  actor->set(ActorCore::kSystemPending);
  make_ready(*actor);
  return true;
}

void Scheduler::log(chart::Machine& machine, std::string_view label, std::string_view text) {
  port_.log(machine.table().name, label, text);
}

void Scheduler::trace(chart::Machine& machine, chart::TraceRecord record) {
  static_cast<void>(machine);
  if (observer_ != nullptr) observer_->on_trace(*current_, record);
}

}  // namespace lit

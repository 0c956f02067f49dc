// OTP supervision: see lit/supervisor.hpp. The comments name the OTP
// behaviour each branch reproduces.
#include "lit/supervisor.hpp"

namespace lit {

namespace {

// Child ids are usually the very string the spec was given; compared here
// rather than with strcmp, which would pull the C library's into firmware.
bool same_id(const char* a, const char* b) {
  if (a == b) return true;
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

}  // namespace

const char* to_string(SupervisorError error) {
  switch (error) {
    case SupervisorError::ok: return "ok";
    case SupervisorError::pending: return "pending";
    case SupervisorError::no_room: return "no room for another child";
    case SupervisorError::duplicate_id: return "a child with that id already exists";
    case SupervisorError::not_found: return "no such child";
    case SupervisorError::running: return "the child is running";
    case SupervisorError::not_running: return "the child is not running";
    case SupervisorError::busy: return "the supervisor is restarting or shutting down";
    case SupervisorError::invalid_spec: return "invalid child spec";
    case SupervisorError::significant_permanent: return "a permanent child cannot be significant";
    case SupervisorError::significant_without_auto_shutdown:
      return "significant children need auto_shutdown any_significant or all_significant";
    case SupervisorError::not_allowed: return "not allowed for this strategy";
    case SupervisorError::window_too_small: return "too little restart-intensity storage";
    case SupervisorError::start_failed: return "the child failed to start";
  }
  return "?";
}

const ActorType Supervisor::kType{
    .kind = "supervisor",
    .table = nullptr,
    .start = &Supervisor::start_fn,
    .activate = &Supervisor::activate_fn,
    .stop = &Supervisor::stop_fn,
    .request_shutdown = &Supervisor::request_shutdown_fn,
    .child_exited = &Supervisor::child_exited_fn,
};

Supervisor::Supervisor(SupervisorFlags flags,
                       std::span<Child> children,
                       std::span<RestartIntensity::Stamp> restart_stamps,
                       std::span<RestartIntensity::Stamp> link_restart_stamps)
    : ActorCore(kType, nullptr),
      flags_(flags),
      children_(children),
      intensity_(flags.intensity, restart_stamps),
      link_intensity_(flags.link_intensity, link_restart_stamps) {}

// ---- specs -------------------------------------------------------------------------

SupervisorError Supervisor::validate(const ChildSpec& spec) const {
  if (spec.significant && spec.restart == Restart::permanent) return SupervisorError::significant_permanent;
  if (spec.significant && flags_.auto_shutdown == AutoShutdown::never) {
    return SupervisorError::significant_without_auto_shutdown;
  }
  if (flags_.strategy != Strategy::simple_one_for_one) {
    if (spec.actor == nullptr || spec.actor == this || spec.id == nullptr) return SupervisorError::invalid_spec;
    if (index_of(spec.id) >= 0) return SupervisorError::duplicate_id;
    for (std::size_t i = 0; i < child_count_; ++i) {
      if (children_[i].state != Child::State::empty && children_[i].spec.actor == spec.actor) {
        return SupervisorError::invalid_spec;
      }
    }
  }
  return SupervisorError::ok;
}

SupervisorError Supervisor::add_child(const ChildSpec& spec) {
  if (alive() || flags_.strategy == Strategy::simple_one_for_one) return SupervisorError::not_allowed;
  reset_to_init_children();  // what a stopped supervisor added at run time is not part of its init
  SupervisorError error = validate(spec);
  if (error == SupervisorError::ok && child_count_ == children_.size()) error = SupervisorError::no_room;
  if (error != SupervisorError::ok) {
    validation_failed_ = true;  // a supervisor with a bad spec refuses to start, as OTP's init does
    return error;
  }
  append_child(spec);
  init_count_ = child_count_;
  return SupervisorError::ok;
}

// OTP runs init/1 again when a supervisor restarts: its children are the
// ones given before the first start, in that order, whatever happened to the
// records since (temporary children removed, delete_child, start_child).
void Supervisor::reset_to_init_children() {
  child_count_ = init_count_;
  for (std::size_t i = 0; i < child_count_; ++i) {
    Child& child = children_[i];
    child.state = Child::State::stopped;
    child.pending = Child::Pending::none;
    child.backoff_level = 0;
    child.held = false;
    child.held_exit = false;
  }
}

SupervisorError Supervisor::set_dynamic(const ChildSpec& spec, std::span<ActorCore* const> pool) {
  if (alive() || flags_.strategy != Strategy::simple_one_for_one) return SupervisorError::not_allowed;
  const SupervisorError error = validate(spec);
  if (error != SupervisorError::ok) {
    validation_failed_ = true;
    return error;
  }
  dynamic_spec_ = spec;
  pool_ = pool;
  return SupervisorError::ok;
}

int Supervisor::index_of(const char* id) const {
  if (id == nullptr) return -1;
  for (std::size_t i = 0; i < child_count_; ++i) {
    const Child& child = children_[i];
    if (child.state != Child::State::empty && same_id(child.spec.id, id)) return static_cast<int>(i);
  }
  return -1;
}

int Supervisor::index_of(ActorId id) const {
  for (std::size_t i = 0; i < child_count_; ++i) {
    const Child& child = children_[i];
    if (child.state != Child::State::empty && child.current == id) return static_cast<int>(i);
  }
  return -1;
}

const Child* Supervisor::find(const char* id) const {
  const int index = index_of(id);
  return index < 0 ? nullptr : &children_[static_cast<std::size_t>(index)];
}

std::size_t Supervisor::running_children() const {
  std::size_t running = 0;
  for (std::size_t i = 0; i < child_count_; ++i) {
    if (children_[i].state == Child::State::running || children_[i].state == Child::State::stopping) ++running;
  }
  return running;
}

// ---- lifecycle -----------------------------------------------------------------------

bool Supervisor::start_fn(ActorCore& actor, Scheduler& scheduler, Reason& failure) {
  Supervisor& self = static_cast<Supervisor&>(actor);
  self.scheduler_ = &scheduler;
  self.plan_ = Plan{};
  self.waiting_ = -1;
  self.exit_ready_ = false;
  self.shutdown_requested_ = false;
  self.reached_max_intensity_ = false;
  self.intensity_.reset();
  self.link_intensity_.reset();
  if (self.validation_failed_) {
    failure = Reason::failed("invalid child spec");
    return false;
  }
  if (!self.intensity_.storage_ok() || !self.link_intensity_.storage_ok()) {
    failure = Reason::failed("restart intensity storage too small");
    return false;
  }
  // OTP: a simple_one_for_one supervisor starts with no children; the others
  // start every static child in order, and undo it all if one fails.
  self.reset_to_init_children();
  for (std::size_t i = 0; i < self.child_count_; ++i) {
    if (self.start_child_now(static_cast<int>(i))) continue;
    failure = Reason::failed("a child failed to start");
    // Undone at once, in reverse start order: a graceful stop, or a kill for
    // brutal_kill children (start cannot wait for a child to trap shutdown).
    for (std::size_t j = i; j-- > 0;) {
      Child& started = self.children_[j];
      if (started.state != Child::State::running) continue;
      started.state = Child::State::stopping;
      const bool brutal = started.spec.shutdown.kind == Shutdown::Kind::brutal_kill;
      scheduler.stop(*started.current.actor,
                     brutal ? Reason::killed() : Reason::shutdown(),
                     brutal ? StopMode::kill : StopMode::graceful);
    }
    return false;
  }
  return true;
}

bool Supervisor::start_child_now(int index) {
  Child& child = children_[static_cast<std::size_t>(index)];
  ActorCore& actor = *child.spec.actor;
  Reason failure;
  if (!scheduler_->start(actor, this, failure)) {
    child.state = Child::State::stopped;
    return false;
  }
  child.current = actor.id();
  child.state = Child::State::running;
  child.held_exit = false;
  child.started_at = scheduler_->now();
  return true;
}

int Supervisor::next_pending() const {
  int next = -1;
  for (std::size_t i = 0; i < child_count_; ++i) {
    const Child& child = children_[i];
    if (child.pending == Child::Pending::none) continue;
    if (next < 0 || child.pending_order < children_[static_cast<std::size_t>(next)].pending_order) {
      next = static_cast<int>(i);
    }
  }
  return next;
}

// OTP's supervisor answers a call only after the messages that came before
// it: a plan whose child has already exited goes on, and child exits (and
// retries) already pending are handled first. False if that leaves it busy
// (a plan waits for a child, or it is shutting down).
bool Supervisor::settle() {
  advance();
  while (!plan_.active && !exit_ready_ && !shutdown_requested_) {
    const int next = next_pending();
    if (next < 0) break;
    handle_pending(next);
  }
  return !plan_.active && !exit_ready_ && !shutdown_requested_;
}

Activation Supervisor::activate_fn(ActorCore& actor, Scheduler& scheduler, unsigned budget) {
  Supervisor& self = static_cast<Supervisor&>(actor);
  self.advance();
  unsigned handled = 0;
  while (!self.plan_.active && !self.exit_ready_) {
    if (self.shutdown_requested_) {
      self.shutdown_requested_ = false;
      self.give_up(Reason::shutdown());
      continue;
    }
    self.compact();
    if (handled == budget) break;
    const int next = self.next_pending();
    if (next < 0) break;
    ++handled;
    self.handle_pending(next);
  }
  if (self.exit_ready_) {
    // The top of a tree has no one to escalate to: like an OTP node whose
    // permanent application's top supervisor dies, the platform takes over
    // (the firmware resets, the daemon exits).
    if (self.parent() == nullptr && self.reached_max_intensity_) {
      scheduler.port().fatal("root supervisor reached its maximum restart intensity");
    }
    return scheduler.exiting(StopMode::after_finish, self.exit_reason_);
  }
  if (!self.plan_.active) {
    for (std::size_t i = 0; i < self.child_count_; ++i) {
      if (self.children_[i].pending != Child::Pending::none) return Activation::more;
    }
  }
  return Activation::idle;
}

std::uint32_t Supervisor::stop_fn(ActorCore& actor, Scheduler& scheduler, Reason reason, StopMode mode) {
  static_cast<void>(reason);
  Supervisor& self = static_cast<Supervisor&>(actor);
  const bool kill = mode == StopMode::kill;
  for (std::size_t i = self.child_count_; i-- > 0;) {
    Child& child = self.children_[i];
    scheduler.cancel(child.timer);
    child.pending = Child::Pending::none;
    if (child.state == Child::State::running || child.state == Child::State::stopping) {
      child.state = Child::State::stopping;
      scheduler.stop(*child.current.actor,
                     kill ? Reason::killed() : Reason::shutdown(),
                     kill ? StopMode::kill : StopMode::graceful);
    }
    if (child.state != Child::State::empty) child.state = Child::State::stopped;
  }
  self.plan_ = Plan{};
  self.waiting_ = -1;
  self.exit_ready_ = false;
  self.shutdown_requested_ = false;
  return 0;
}

bool Supervisor::request_shutdown_fn(ActorCore& actor, Scheduler& scheduler) {
  Supervisor& self = static_cast<Supervisor&>(actor);
  self.shutdown_requested_ = true;
  scheduler.make_ready(self);
  return true;
}

void Supervisor::child_exited_fn(ActorCore& self, ActorCore& child, std::uint32_t incarnation, Reason reason) {
  static_cast<Supervisor&>(self).child_exited(child, incarnation, reason);
}

// ---- child events ------------------------------------------------------------------------

void Supervisor::child_exited(ActorCore& child_actor, std::uint32_t incarnation, Reason reason) {
  const int index = index_of(ActorId{&child_actor, incarnation});
  if (index < 0) return;  // not (or no longer) ours
  Child& child = children_[static_cast<std::size_t>(index)];
  scheduler_->cancel(child.timer);
  if (child.state == Child::State::stopping) {  // we asked it to stop
    child.state = Child::State::stopped;
    if (waiting_ == index) {
      waiting_ = -1;
      scheduler_->make_ready(*this);
    }
    return;
  }
  if (flags_.backoff.enabled() && scheduler_->now() - child.started_at >= flags_.backoff.max_ms) {
    child.backoff_level = 0;  // it stayed up long enough: the next failure starts over
  }
  child.state = Child::State::stopped;
  child.exit_reason = reason;
  if (child.held) {
    child.held_exit = true;
    return;
  }
  mark_pending(index, Child::Pending::exit);
}

void Supervisor::mark_pending(int index, Child::Pending pending) {
  Child& child = children_[static_cast<std::size_t>(index)];
  child.pending = pending;
  child.pending_order = ++pending_order_;
  scheduler_->make_ready(*this);
}

void Supervisor::fire_child_timer(Timer& timer, Scheduler& scheduler) {
  Child::ChildTimer& child_timer = static_cast<Child::ChildTimer&>(timer);
  Supervisor& self = *child_timer.supervisor;
  Child& child = self.children_[child_timer.index];
  if (child.state == Child::State::stopping) {
    // OTP: no exit within the shutdown time, so exit(Child, kill).
    scheduler.stop(*child.current.actor, Reason::killed(), StopMode::kill);
  } else if (child.state == Child::State::restarting) {
    self.mark_pending(child_timer.index, Child::Pending::backoff_due);
  }
}

void Supervisor::handle_pending(int index) {
  Child& child = children_[static_cast<std::size_t>(index)];
  const Child::Pending pending = child.pending;
  child.pending = Child::Pending::none;
  switch (pending) {
    case Child::Pending::none: return;
    case Child::Pending::exit:
      // Stale if a restart of the whole group already brought it back (OTP
      // ignores an EXIT from a pid it no longer has).
      if (child.state == Child::State::stopped) handle_exit(index, child.exit_reason);
      return;
    case Child::Pending::try_again:
      if (child.state == Child::State::stopped) restart(index, child.exit_reason);
      return;
    case Child::Pending::backoff_due:
      if (child.state == Child::State::restarting) {
        child.state = Child::State::stopped;
        run_strategy(index);
      }
      return;
  }
}

void Supervisor::handle_exit(int index, Reason reason) {
  Child& child = children_[static_cast<std::size_t>(index)];
  const bool restart_it =
      child.spec.restart == Restart::permanent || (child.spec.restart == Restart::transient && reason.abnormal());
  if (restart_it) {
    restart(index, reason);
    return;
  }
  // Not restarted (OTP's del_child): a temporary child's record goes, a
  // transient one stays, stopped. Then significant children may end the supervisor.
  const bool significant = child.spec.significant;
  forget_child(index);
  if (significant && auto_shutdown_due()) {
    scheduler_->report_escalation(*this, Reason{ExitKind::shutdown, "auto_shutdown"});
    give_up(Reason::shutdown());
  }
}

bool Supervisor::auto_shutdown_due() const {
  switch (flags_.auto_shutdown) {
    case AutoShutdown::never: return false;
    case AutoShutdown::any_significant: return true;
    case AutoShutdown::all_significant:
      for (std::size_t i = 0; i < child_count_; ++i) {
        const Child& child = children_[i];
        if (child.spec.significant && (child.state == Child::State::running || child.state == Child::State::stopping ||
                                       child.state == Child::State::restarting)) {
          return false;
        }
      }
      return true;
  }
  return false;
}

void Supervisor::restart(int index, Reason reason) {
  RestartIntensity& window = reason.kind == ExitKind::noconnection ? link_intensity_ : intensity_;
  if (!window.add(scheduler_->now())) {
    // OTP: reached_max_restart_intensity; terminate every child, exit with shutdown.
    scheduler_->report_escalation(*this, Reason{ExitKind::shutdown, "reached_max_restart_intensity"});
    reached_max_intensity_ = true;
    give_up(Reason::shutdown());
    return;
  }
  Child& child = children_[static_cast<std::size_t>(index)];
  if (flags_.backoff.enabled()) {
    child.state = Child::State::restarting;
    scheduler_->arm(child.timer, scheduler_->now() + backoff_delay(child));
    return;
  }
  run_strategy(index);
}

Millis Supervisor::backoff_delay(Child& child) {
  const Backoff& backoff = flags_.backoff;
  Millis delay = backoff.min_ms;
  for (std::uint16_t i = 0; i < child.backoff_level && delay < backoff.max_ms; ++i) delay *= 2;
  if (delay > backoff.max_ms) delay = backoff.max_ms;
  if (child.backoff_level < 63) ++child.backoff_level;
  if (backoff.jitter_percent != 0) {
    // delay * jitter_percent / 100 with 32-bit divisions only (a 64-bit one
    // pulls libgcc's __udivmoddi4, 700 B, into firmware): d = 100 q + r, so
    // d * j / 100 = q * j + r * j / 100 exactly. Delays past 2^32 ms (49
    // days) spread as if they were 2^32 - 1.
    const std::uint32_t base = delay < 0xFFFF'FFFFU ? static_cast<std::uint32_t>(delay) : 0xFFFF'FFFFU;
    const std::uint32_t jitter = backoff.jitter_percent;
    const Millis spread = Millis{base / 100U} * jitter + (base % 100U) * jitter / 100U;
    const std::uint32_t random = scheduler_->port().random();
    // random() has 32 bits: a spread that wide takes it whole.
    if (spread >= 0xFFFF'FFFFU) {
      delay += random;
    } else if (spread != 0) {
      delay += random % (static_cast<std::uint32_t>(spread) + 1U);
    }
  }
  return delay;
}

void Supervisor::run_strategy(int index) {
  const int last = static_cast<int>(child_count_) - 1;
  switch (flags_.strategy) {
    case Strategy::one_for_one:
    case Strategy::simple_one_for_one:
      plan_ = Plan{true, PlanKind::restart, -1, 0, index, index + 1, index, Reason{}};
      break;
    case Strategy::one_for_all:
      // Stop the others in reverse start order, then start all in start order.
      plan_ = Plan{true, PlanKind::restart, last, 0, 0, last + 1, index, Reason{}};
      break;
    case Strategy::rest_for_one:
      // Stop the ones started after it in reverse order, then start it and them in order.
      plan_ = Plan{true, PlanKind::restart, last, index + 1, index, last + 1, index, Reason{}};
      break;
  }
  advance();
}

void Supervisor::give_up(Reason reason) {
  plan_ = Plan{true, PlanKind::shutdown, static_cast<int>(child_count_) - 1, 0, 0, 0, -1, reason};
  advance();
}

void Supervisor::advance() {
  while (plan_.active) {
    if (waiting_ >= 0) return;
    if (plan_.stop_next >= plan_.stop_end) {
      // The index moves on only once this child is down: after a wait for
      // it, the loop comes back here to finish with it below.
      const int index = plan_.stop_next;
      Child& child = children_[static_cast<std::size_t>(index)];
      // OTP consumes the EXIT of every child it terminates here, and a
      // pending retry no longer applies once the pid is reset: whatever this
      // child had pending is settled by this plan.
      child.pending = Child::Pending::none;
      if (child.state == Child::State::restarting) {
        scheduler_->cancel(child.timer);
        child.state = Child::State::stopped;
      }
      if (child.state == Child::State::running && !stop_child(index)) {
        waiting_ = index;
        return;
      }
      --plan_.stop_next;
      // OTP: temporary children are never restarted, not even when a
      // sibling's failure takes them down; terminate_child deletes them too.
      const bool drop = plan_.kind != PlanKind::shutdown && index != plan_.target &&
                        child.spec.restart == Restart::temporary && child.state == Child::State::stopped;
      const bool terminated = plan_.kind == PlanKind::terminate;
      if (drop || (terminated &&
                   (child.spec.restart == Restart::temporary || flags_.strategy == Strategy::simple_one_for_one))) {
        forget_child(index);
      }
      continue;
    }
    if (plan_.start_next < plan_.start_end) {
      const int index = plan_.start_next++;
      Child& child = children_[static_cast<std::size_t>(index)];
      if (child.state != Child::State::stopped) continue;
      if (!start_child_now(index)) {
        // OTP's try_again_restart: a message to itself, so other requests get
        // a turn; it counts against the intensity again.
        plan_.active = false;
        child.exit_reason = Reason::failed("failed to start");
        mark_pending(index, Child::Pending::try_again);
        return;
      }
      continue;
    }
    plan_.active = false;
    if (plan_.kind == PlanKind::shutdown) {
      exit_ready_ = true;
      exit_reason_ = plan_.exit_reason;
      scheduler_->make_ready(*this);
    }
  }
}

bool Supervisor::stop_child(int index) {
  Child& child = children_[static_cast<std::size_t>(index)];
  ActorCore& actor = *child.current.actor;
  child.state = Child::State::stopping;
  switch (child.spec.shutdown.kind) {
    case Shutdown::Kind::brutal_kill: scheduler_->stop(actor, Reason::killed(), StopMode::kill); break;
    case Shutdown::Kind::timeout:
    case Shutdown::Kind::infinity:
      if (actor.type_->request_shutdown != nullptr && actor.type_->request_shutdown(actor, *scheduler_)) {
        if (child.state != Child::State::stopping) break;  // it went at once
        if (child.spec.shutdown.kind == Shutdown::Kind::timeout) {
          scheduler_->arm(child.timer, scheduler_->now() + child.spec.shutdown.timeout_ms);
        }
        return false;
      }
      scheduler_->stop(actor, Reason::shutdown(), StopMode::graceful);
      break;
  }
  return true;
}

// Drops a child's record (temporary and dynamic children) or keeps it stopped.
// Records are only marked empty here; compact() closes the gaps when no plan
// holds indices.
void Supervisor::forget_child(int index) {
  Child& child = children_[static_cast<std::size_t>(index)];
  if (child.spec.restart == Restart::temporary || flags_.strategy == Strategy::simple_one_for_one) {
    scheduler_->cancel(child.timer);
    child.state = Child::State::empty;
    child.pending = Child::Pending::none;
  } else {
    child.state = Child::State::stopped;
  }
}

void Supervisor::compact() {
  // Init children keep their records (reset_to_init_children brings them back).
  std::size_t kept = init_count_;
  for (std::size_t i = init_count_; i < child_count_; ++i) {
    Child& child = children_[i];
    if (child.state == Child::State::empty) continue;
    if (kept != i) {
      // A linked timer cannot move; unlink it and arm the moved copy.
      const bool armed = child.timer.armed;
      const Millis deadline = child.timer.deadline;
      scheduler_->cancel(child.timer);
      children_[kept] = child;
      children_[kept].timer.index = static_cast<std::uint16_t>(kept);
      if (armed) scheduler_->arm(children_[kept].timer, deadline);
    }
    ++kept;
  }
  child_count_ = kept;
}

// ---- administration ---------------------------------------------------------------

SupervisorError Supervisor::start_child(const ChildSpec& spec, ActorId* started) {
  if (flags_.strategy == Strategy::simple_one_for_one) return SupervisorError::not_allowed;
  if (!alive()) return add_child(spec);
  if (!settle()) return SupervisorError::busy;
  compact();
  const SupervisorError error = validate(spec);
  if (error != SupervisorError::ok) return error;
  if (child_count_ == children_.size()) return SupervisorError::no_room;
  return start_appended(append_child(spec), started);
}

int Supervisor::append_child(const ChildSpec& spec) {
  const int index = static_cast<int>(child_count_);
  Child& child = children_[child_count_++];
  child = Child{};
  child.spec = spec;
  child.state = Child::State::stopped;
  child.timer.supervisor = this;
  child.timer.index = static_cast<std::uint16_t>(index);
  child.timer.fire = &fire_child_timer;
  return index;
}

SupervisorError Supervisor::start_appended(int index, ActorId* started) {
  if (!start_child_now(index)) {
    --child_count_;  // OTP keeps no spec for a child that failed to start
    return SupervisorError::start_failed;
  }
  if (started != nullptr) *started = children_[static_cast<std::size_t>(index)].current;
  return SupervisorError::ok;
}

ActorCore* Supervisor::free_slot() const {
  for (ActorCore* const slot : pool_) {
    if (slot->alive()) continue;
    bool taken = false;
    for (std::size_t i = 0; i < child_count_; ++i) {
      if (children_[i].state != Child::State::empty && children_[i].spec.actor == slot) taken = true;
    }
    if (!taken) return slot;
  }
  return nullptr;
}

SupervisorError Supervisor::start_child(ActorId* started) {
  if (flags_.strategy != Strategy::simple_one_for_one || !alive()) return SupervisorError::not_allowed;
  if (!settle()) return SupervisorError::busy;
  compact();
  ActorCore* const slot = free_slot();
  if (slot == nullptr || child_count_ == children_.size()) return SupervisorError::no_room;
  ChildSpec spec = dynamic_spec_;
  spec.actor = slot;
  return start_appended(append_child(spec), started);
}

SupervisorError Supervisor::terminate_child(const char* id) {
  if (flags_.strategy == Strategy::simple_one_for_one || !alive()) return SupervisorError::not_allowed;
  if (!settle()) return SupervisorError::busy;
  return terminate_at(index_of(id));
}

SupervisorError Supervisor::terminate_child(ActorId id) {
  if (flags_.strategy != Strategy::simple_one_for_one || !alive()) return SupervisorError::not_allowed;
  if (!settle()) return SupervisorError::busy;
  return terminate_at(index_of(id));
}

SupervisorError Supervisor::terminate_at(int index) {
  if (index < 0) return SupervisorError::not_found;
  plan_ = Plan{true, PlanKind::terminate, index, index, 0, 0, index, Reason{}};
  advance();
  return plan_.active ? SupervisorError::pending : SupervisorError::ok;
}

SupervisorError Supervisor::restart_child(const char* id) {
  if (flags_.strategy == Strategy::simple_one_for_one || !alive()) return SupervisorError::not_allowed;
  if (!settle()) return SupervisorError::busy;
  const int index = index_of(id);
  if (index < 0) return SupervisorError::not_found;
  Child& child = children_[static_cast<std::size_t>(index)];
  if (child.state != Child::State::stopped) return SupervisorError::running;
  child.pending = Child::Pending::none;
  child.held_exit = false;
  return start_child_now(index) ? SupervisorError::ok : SupervisorError::start_failed;
}

SupervisorError Supervisor::hold_child(const char* id, bool held) {
  const int index = index_of(id);
  if (index < 0) return SupervisorError::not_found;
  Child& child = children_[static_cast<std::size_t>(index)];
  child.held = held;
  if (!held && child.held_exit) {
    child.held_exit = false;
    if (child.state == Child::State::stopped && alive()) mark_pending(index, Child::Pending::exit);
  }
  return SupervisorError::ok;
}

SupervisorError Supervisor::delete_child(const char* id) {
  if (flags_.strategy == Strategy::simple_one_for_one || !alive()) return SupervisorError::not_allowed;
  if (!settle()) return SupervisorError::busy;
  const int index = index_of(id);
  if (index < 0) return SupervisorError::not_found;
  Child& child = children_[static_cast<std::size_t>(index)];
  if (child.state != Child::State::stopped) return SupervisorError::running;
  child.state = Child::State::empty;
  child.pending = Child::Pending::none;
  compact();
  return SupervisorError::ok;
}

}  // namespace lit

// The statechart engine: SCXML's macrostep/microstep algorithm (Appendix D) run
// over a compiled Table. Sets of states are 64-bit words in document order, so
// exit order is "highest bit first" and entry order "lowest bit first".
// Everything lives on the caller's stack; nothing allocates or blocks.
#include "lit/chart/machine.hpp"

#include <cstring>

#include "lit/chart/entry_set.hpp"

namespace lit::chart {

namespace {

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

}  // namespace

struct Engine {
  Machine& machine;
  const Table& table;
  Host& host;
  InternalQueue queue;
  StateSet to_invoke = 0;  // statesToInvoke: entered in this macrostep and still active
  StateSet exited = 0;     // every state exited in this macrostep, for recall
  unsigned microsteps = 0;
  unsigned selected_count = 0;
  std::uint16_t selected[kMaxStates];

  explicit Engine(Machine& owner) : machine(owner), table(*owner.table_), host(*owner.host_) {}

  bool failed() const { return machine.failure_ != Failure::none; }

  void fail(Failure failure, const char* reason) {
    if (failed()) return;
    machine.failure_ = failure;
    machine.failure_reason_ = reason;
  }

  // ---- selection -------------------------------------------------------------

  bool matches(const TransitionRow& row, EventId event) const {
    for (unsigned i = 0; i < row.descriptor_count; ++i) {
      const EventId descriptor = table.descriptors[row.descriptors_begin + i];
      if (descriptor == kAnyEvent) {
        if (table.events[event].kind != EventKind::timer) return true;
        continue;
      }
      for (EventId id = event; id != kNone; id = table.events[id].prefix) {
        if (id == descriptor) return true;
      }
    }
    return false;
  }

  bool guard_holds(const TransitionRow& row, const Step& step) const {
    switch (row.guard_kind) {
      case GuardKind::none: return true;
      case GuardKind::call: return row.guard(machine.context_, step);
      case GuardKind::in_state: return machine.is_in(row.guard_state);
      case GuardKind::not_in_state: return !machine.is_in(row.guard_state);
    }
    return false;
  }

  // The first enabled transition of `state` or, failing that, of its innermost
  // ancestor that has one; `candidates` are the states worth looking at.
  std::uint16_t first_enabled(StateSet candidates, EventId event, const Step& step) const {
    for (; candidates != 0; candidates &= ~bit(highest_bit(candidates))) {
      const StateRow& state = table.states[highest_bit(candidates)];
      const std::uint16_t end = state.first_transition + state.transition_count;
      for (std::uint16_t t = state.first_transition; t < end; ++t) {
        const TransitionRow& row = table.transitions[t];
        const bool triggered = event == kNone ? (row.flags & transition_flag::eventless) != 0 : matches(row, event);
        if (triggered && guard_holds(row, step)) return t;
      }
    }
    return kNone;
  }

  // selectTransitions / selectEventlessTransitions, then removeConflictingTransitions.
  void select(EventId event, const Step& step) {
    selected_count = 0;
    const StateSet active = machine.active_;
    const StateSet handlers = (event == kNone ? table.eventless_sources : table.events[event].handlers) & active;
    if (handlers == 0) return;
    if (table.single_region) {
      // The configuration is one chain, so every active handler is an
      // ancestor-or-self of the one atomic state.
      const std::uint16_t t = first_enabled(handlers, event, step);
      if (t != kNone) selected[selected_count++] = t;
      return;
    }
    for (StateSet atomics = active & table.atomic_states; atomics != 0; atomics &= atomics - 1) {
      const unsigned atomic = lowest_bit(atomics);
      const std::uint16_t t = first_enabled(handlers & (table.states[atomic].ancestors | bit(atomic)), event, step);
      if (t == kNone) continue;
      bool duplicate = false;
      for (unsigned i = 0; i < selected_count; ++i) duplicate = duplicate || selected[i] == t;
      if (!duplicate) selected[selected_count++] = t;
    }
    if (selected_count > 1) remove_conflicts();
  }

  StateSet exit_set(std::uint16_t transition) const {
    return machine.active_ & table.transitions[transition].exit_scope;
  }

  void remove_conflicts() {
    std::uint16_t filtered[kMaxStates];
    unsigned filtered_count = 0;
    for (unsigned i = 0; i < selected_count; ++i) {
      const std::uint16_t t1 = selected[i];
      const StateSet exits1 = exit_set(t1);
      const StateIndex source1 = table.transitions[t1].source;
      bool preempted = false;
      StateSet remove = 0;  // positions in `filtered`
      for (unsigned j = 0; j < filtered_count && !preempted; ++j) {
        if ((exits1 & exit_set(filtered[j])) == 0) continue;
        const StateIndex source2 = table.transitions[filtered[j]].source;
        if ((table.states[source2].descendants & bit(source1)) != 0) {
          remove |= bit(j);  // t1 is from a descendant: it preempts t2
        } else {
          preempted = true;  // t2 came first in document order
        }
      }
      if (preempted) continue;
      unsigned kept = 0;
      for (unsigned j = 0; j < filtered_count; ++j) {
        if ((remove & bit(j)) == 0) filtered[kept++] = filtered[j];
      }
      filtered_count = kept;
      filtered[filtered_count++] = t1;
    }
    for (unsigned i = 0; i < filtered_count; ++i) selected[i] = filtered[i];
    selected_count = filtered_count;
  }

  // ---- executable content --------------------------------------------------------

  void run_actions(std::uint16_t begin, std::uint16_t count, Step& step) {
    for (std::uint16_t i = begin; i < begin + count && !failed(); ++i) {
      const ActionRow& action = table.actions[i];
      switch (action.kind) {
        case ActionKind::call: action.fn(machine.context_, step); break;
        case ActionKind::raise: raise(action.event); break;
        case ActionKind::send_after: host.send_after(machine, action.event, action.delay_ms); break;
        case ActionKind::log: host.log(machine, action.label, action.text); break;
      }
    }
  }

  void raise(EventId event) {
    if (!queue.push(event)) fail(Failure::internal_queue_overflow, "internal event queue overflow");
  }

  void trace(TraceKind kind, unsigned index) {
    if (machine.tracing_) host.trace(machine, TraceRecord{kind, static_cast<std::uint16_t>(index)});
  }

  // ---- microstep -----------------------------------------------------------------

  void microstep(Step& step) {
    StateSet exits = 0;
    for (unsigned i = 0; i < selected_count; ++i) exits |= exit_set(selected[i]);
    if (exits != 0) exit_states(exits, step);
    for (unsigned i = 0; i < selected_count && !failed(); ++i) {
      const TransitionRow& row = table.transitions[selected[i]];
      trace(TraceKind::transition, selected[i]);
      run_actions(row.action_begin, row.action_count, step);
    }
    if (failed()) return;
    EntryPlan plan;
    for (unsigned i = 0; i < selected_count; ++i) {
      const TransitionRow& row = table.transitions[selected[i]];
      if ((row.flags & transition_flag::targetless) != 0) continue;
      if ((row.flags & transition_flag::static_entry) != 0) {
        plan.enter |= row.entry;
        plan.default_entry |= row.default_entered;
      } else {
        EntryPlanner(table, machine.history_).add_transition(selected[i], plan);
      }
    }
    if (plan.enter != 0) enter_states(plan, step);
  }

  void exit_states(StateSet exits, Step& step) {
    // Histories are recorded from the configuration before anything exits.
    const StateSet active = machine.active_;
    for (StateSet rest = exits; rest != 0; rest &= rest - 1) {
      const unsigned state = lowest_bit(rest);
      if ((table.states[state].flags & state_flag::has_history_child) == 0) continue;
      for (StateSet histories = table.history_states & table.states[state].descendants; histories != 0; histories &= histories - 1) {
        const auto history = static_cast<StateIndex>(lowest_bit(histories));
        if (table.states[history].parent == state) HistoryRecords::record(table, machine.history_, history, active);
      }
    }
    for (; exits != 0 && !failed(); exits &= ~bit(highest_bit(exits))) {
      const unsigned state = highest_bit(exits);
      const StateRow& row = table.states[state];
      if ((row.flags & state_flag::has_exit) != 0) run_actions(row.exit_begin, row.exit_count, step);
      cancel_services(static_cast<StateIndex>(state), row);
      machine.active_ &= ~bit(state);
      exited |= bit(state);
      trace(TraceKind::exit, state);
    }
  }

  void cancel_services(StateIndex state, const StateRow& row) {
    if ((row.flags & state_flag::has_timers) != 0) {
      for (std::uint16_t i = row.timer_begin; i < row.timer_begin + row.timer_count; ++i) host.cancel_timer(machine, i);
    }
    if ((row.flags & state_flag::has_invokes) != 0) {
      // An activity that has not started yet (entered and exited within this
      // macrostep) is never started, so it needs no cancel.
      if ((to_invoke & bit(state)) == 0) {
        for (std::uint16_t i = row.invoke_begin; i < row.invoke_begin + row.invoke_count; ++i) host.cancel_activity(machine, i);
      }
      to_invoke &= ~bit(state);
    }
  }

  void enter_states(const EntryPlan& plan, Step& step) {
    for (StateSet entering = plan.enter; entering != 0 && !failed(); entering &= entering - 1) {
      const unsigned state = lowest_bit(entering);
      const StateRow& row = table.states[state];
      machine.active_ |= bit(state);
      trace(TraceKind::enter, state);
      if ((row.flags & state_flag::has_entry) != 0) run_actions(row.entry_begin, row.entry_count, step);
      if ((plan.default_entry & bit(state)) != 0) {
        const TransitionRow& initial = table.transitions[row.initial];
        run_actions(initial.action_begin, initial.action_count, step);
      }
      if (plan.history_defaults != 0 && (row.flags & state_flag::has_history_child) != 0) {
        for (StateSet histories = plan.history_defaults & row.descendants; histories != 0; histories &= histories - 1) {
          const StateRow& history = table.states[lowest_bit(histories)];
          if (history.parent != state) continue;
          const TransitionRow& fallback = table.transitions[history.initial];
          run_actions(fallback.action_begin, fallback.action_count, step);
        }
      }
      if ((row.flags & state_flag::has_timers) != 0) {
        for (std::uint16_t i = row.timer_begin; i < row.timer_begin + row.timer_count; ++i) host.arm_timer(machine, i, table.timers[i].delay_ms);
      }
      if ((row.flags & state_flag::has_invokes) != 0) to_invoke |= bit(state);
      if (row.kind == StateKind::final) entered_final(row);
    }
  }

  bool in_final_state(unsigned state) const {
    const StateRow& row = table.states[state];
    const StateSet children = child_states(table, static_cast<StateIndex>(state));
    if (row.kind == StateKind::compound) return (children & table.final_states & machine.active_) != 0;
    if (row.kind == StateKind::parallel) {
      for (StateSet rest = children; rest != 0; rest &= rest - 1) {
        if (!in_final_state(lowest_bit(rest))) return false;
      }
      return true;
    }
    return false;
  }

  void entered_final(const StateRow& row) {
    if (row.parent == kRoot) {
      machine.running_ = false;
      return;
    }
    const StateIndex parent = row.parent;
    raise(table.states[parent].done_event);
    const StateIndex grandparent = table.states[parent].parent;
    if (grandparent != kRoot && table.states[grandparent].kind == StateKind::parallel && in_final_state(grandparent)) {
      raise(table.states[grandparent].done_event);
    }
  }

  // ---- macrostep -----------------------------------------------------------------

  // Eventless transitions and raised events until the configuration is stable,
  // then the activities of states that stayed entered.
  Outcome finish_macrostep() {
    while (!failed() && machine.running_) {
      if (++microsteps > kMaxMicrosteps) {
        fail(Failure::livelock, "eventless transitions or raised events did not settle");
        break;
      }
      const Event none{kNone, nullptr};
      Step eventless(machine, none, &queue);
      select(kNone, eventless);
      if (selected_count != 0) {
        microstep(eventless);
        continue;
      }
      if (queue.empty()) break;
      const Event internal{queue.pop(), nullptr};
      trace(TraceKind::event, internal.id);
      Step step(machine, internal, &queue);
      select(internal.id, step);
      if (selected_count != 0) microstep(step);
    }
    if (failed()) {
      halt_services();
      return Outcome::failed;
    }
    if (!machine.running_) {
      exit_interpreter();
      return failed() ? Outcome::failed : Outcome::finished;
    }
    for (StateSet starting = to_invoke; starting != 0; starting &= starting - 1) {
      const StateRow& row = table.states[lowest_bit(starting)];
      for (std::uint16_t i = row.invoke_begin; i < row.invoke_begin + row.invoke_count; ++i) host.start_activity(machine, i);
    }
    to_invoke = 0;
    if ((exited & table.deferring_states) != 0) host.recall(machine);
    return Outcome::handled;
  }

  // SCXML exitInterpreter: every active state exits in exit order.
  void exit_interpreter() {
    const Event none{kNone, nullptr};
    Step step(machine, none, &queue);
    const StateSet all = machine.active_;
    machine.running_ = true;  // exit actions see a running machine
    exit_states(all, step);
    machine.running_ = false;
    machine.active_ = 0;
    if (failed()) halt_services();
  }

  // Cancels timers and activities of whatever is still active, without actions.
  void halt_services() {
    for (StateSet rest = machine.active_; rest != 0; rest &= ~bit(highest_bit(rest))) {
      const unsigned state = highest_bit(rest);
      cancel_services(static_cast<StateIndex>(state), table.states[state]);
    }
    machine.active_ = 0;
    machine.running_ = false;
  }

  Outcome start() {
    const TransitionRow& initial = table.transitions[table.initial];
    const Event none{kNone, nullptr};
    Step step(machine, none, &queue);
    trace(TraceKind::transition, table.initial);
    run_actions(initial.action_begin, initial.action_count, step);
    if (!failed()) {
      EntryPlan plan;
      if ((initial.flags & transition_flag::static_entry) != 0) {
        plan.enter = initial.entry;
        plan.default_entry = initial.default_entered;
      } else {
        EntryPlanner(table, machine.history_).add_transition(table.initial, plan);
      }
      enter_states(plan, step);
    }
    return finish_macrostep();
  }

  Outcome dispatch(const Event& event) {
    trace(TraceKind::event, event.id);
    Step step(machine, event, &queue);
    select(event.id, step);
    if (should_defer(event.id)) {
      trace(TraceKind::deferred, event.id);
      return host.defer(machine, event) ? Outcome::deferred : Outcome::defer_overflow;
    }
    if (selected_count == 0) return Outcome::unhandled;
    microstep(step);
    return finish_macrostep();
  }

  // The deferral rule: an event is kept when an active state defers it and
  // every enabled transition comes from a proper ancestor of that state (a
  // transition in the deferring state, below it or in another region wins).
  bool should_defer(EventId event) const {
    StateSet deferrers = table.events[event].deferrers & machine.active_;
    if (deferrers == 0) return false;
    StateSet sources = 0;
    for (unsigned i = 0; i < selected_count; ++i) sources |= bit(table.transitions[selected[i]].source);
    for (; deferrers != 0; deferrers &= deferrers - 1) {
      if ((sources & ~table.states[lowest_bit(deferrers)].ancestors) == 0) return true;
    }
    return false;
  }
};

Outcome Machine::start() {
  if (in_macrostep_) return Outcome::not_running;
  if (running_) stop();
  failure_ = Failure::none;
  failure_reason_ = nullptr;
  active_ = 0;
  if (history_size_ < table_->history_bytes) {
    failure_ = Failure::history_memory;
    failure_reason_ = "history memory smaller than the chart needs";
    return Outcome::failed;
  }
  if (table_->history_bytes != 0) std::memset(history_, 0, table_->history_bytes);
  in_macrostep_ = true;
  running_ = true;
  const Outcome outcome = Engine(*this).start();
  in_macrostep_ = false;
  return outcome;
}

Outcome Machine::dispatch(const Event& event) {
  if (in_macrostep_) {
    failure_ = Failure::reentrant_dispatch;
    failure_reason_ = "dispatch() called from inside an action of the same machine";
    return Outcome::failed;
  }
  if (!running_) return Outcome::not_running;
  if (event.id >= table_->event_count) return Outcome::invalid_event;
  in_macrostep_ = true;
  const Outcome outcome = Engine(*this).dispatch(event);
  in_macrostep_ = false;
  return outcome;
}

void Machine::stop() {
  if (!running_ || in_macrostep_) return;
  in_macrostep_ = true;
  Engine engine(*this);
  engine.exit_interpreter();
  in_macrostep_ = false;
}

void Machine::halt() {
  if (!running_) return;
  Engine engine(*this);
  engine.halt_services();
}

void Step::raise(EventId event) {
  // queue_ is the engine's InternalQueue for the macrostep in progress.
  if (!static_cast<InternalQueue*>(queue_)->push(event) && machine_->failure_ == Failure::none) {
    machine_->failure_ = Failure::internal_queue_overflow;
    machine_->failure_reason_ = "internal event queue overflow";
  }
}

void Step::fail(const char* reason) {
  if (machine_->failure_ != Failure::none) return;
  machine_->failure_ = Failure::action;
  machine_->failure_reason_ = reason;
}

}  // namespace lit::chart

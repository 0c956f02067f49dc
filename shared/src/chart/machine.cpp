// The statechart engines: SCXML's macrostep/microstep algorithm (Appendix D)
// run over a compiled Table, in full (Engine) and for one-region charts with
// no special states (QuickEngine, see EngineOps). Sets of states are 64-bit
// words in document order, so exit order is "highest bit first" and entry
// order "lowest bit first". Everything lives on the caller's stack; nothing
// allocates or blocks.
#include "lit/chart/machine.hpp"

#include <cstring>

#include "lit/chart/entry_set.hpp"

namespace lit::chart {

namespace {

inline bool guard_holds(const Machine& machine, const TransitionRow& row, const Step& step) {
  switch (row.guard_kind) {
    case GuardKind::none: return true;
    case GuardKind::call: return row.guard(machine.context(), step);
    case GuardKind::in_state: return machine.is_in(row.guard_state);
    case GuardKind::not_in_state: return !machine.is_in(row.guard_state);
  }
  return false;
}

// The first enabled transition of the innermost state among `candidates`, in
// document order, or, failing that, of the next state out; kNone if none.
// Eventless selects eventless transitions, and `event` is then ignored.
template <bool Eventless>
inline std::uint16_t first_enabled(
    const Table& table, const Machine& machine, StateSet candidates, EventId event, const Step& step) {
  while (candidates != 0) {
    const unsigned state = highest_bit(candidates);
    const StateRow& row = table.states[state];
    const TransitionRow* transition = table.transitions + row.first_transition;
    const TransitionRow* const end = transition + row.transition_count;
    for (; transition != end; ++transition) {
      bool triggered = false;
      if constexpr (Eventless) {
        triggered = (transition->flags & transition_flag::eventless) != 0;
      } else {
        triggered = matches(table, *transition, event);
      }
      if (triggered && guard_holds(machine, *transition, step))
        return static_cast<std::uint16_t>(transition - table.transitions);
    }
    candidates &= ~bit(state);
  }
  return kNone;
}

}  // namespace

// What both engines do the same way: executable content, raised events,
// traces and failures.
struct EngineCore {
  Machine& machine;
  const Table& table;
  Host& host;
  InternalQueue& queue;
  unsigned microsteps = 0;

  EngineCore(Machine& owner, InternalQueue& internal_queue)
      : machine(owner), table(*owner.table_), host(*owner.host_), queue(internal_queue) {}

  bool failed() const { return machine.failure_ != Failure::none; }

  void fail(Failure failure, const char* reason) { machine.record_failure(failure, reason); }

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

  // One state's or transition's actions: the direct function when there is one.
  void run(ActionFn direct, std::uint16_t begin, std::uint16_t count, Step& step) {
    if (direct != nullptr) {
      direct(machine.context_, step);
    } else if (count != 0) {
      run_actions(begin, count, step);
    }
  }

  void raise(EventId event) {
    if (!queue.push(event)) fail(Failure::internal_queue_overflow, "internal event queue overflow");
  }

  void trace(TraceKind kind, unsigned index) {
    if (machine.tracing()) host.trace(machine, TraceRecord{kind, static_cast<std::uint16_t>(index)});
  }

  // One more microstep of this macrostep: false (and the machine failed) past the bound.
  bool count_microstep() {
    if (++microsteps <= kMaxMicrosteps) return true;
    fail(Failure::livelock, "eventless transitions or raised events did not settle");
    return false;
  }
};

struct Engine : EngineCore {
  StateSet to_invoke = 0;  // statesToInvoke: entered in this macrostep and still active
  StateSet exited = 0;     // every state exited in this macrostep, for recall
  unsigned selected_count = 0;
  std::uint16_t selected[kMaxStates];

  using EngineCore::EngineCore;

  // ---- selection -------------------------------------------------------------

  std::uint16_t first_enabled(StateSet candidates, EventId event, const Step& step) const {
    return event == kNone ? chart::first_enabled<true>(table, machine, candidates, event, step)
                          : chart::first_enabled<false>(table, machine, candidates, event, step);
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

  // ---- microstep -----------------------------------------------------------------

  void microstep(Step& step) {
    StateSet exits = 0;
    for (unsigned i = 0; i < selected_count; ++i) exits |= exit_set(selected[i]);
    if (exits != 0) exit_states(exits, step);
    for (unsigned i = 0; i < selected_count && !failed(); ++i) {
      const TransitionRow& row = table.transitions[selected[i]];
      trace(TraceKind::transition, selected[i]);
      run(row.action_fn, row.action_begin, row.action_count, step);
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
      for (StateSet histories = table.history_states & table.states[state].descendants; histories != 0;
           histories &= histories - 1) {
        const auto history = static_cast<StateIndex>(lowest_bit(histories));
        if (table.states[history].parent == state) HistoryRecords::record(table, machine.history_, history, active);
      }
    }
    for (; exits != 0 && !failed(); exits &= ~bit(highest_bit(exits))) {
      const unsigned state = highest_bit(exits);
      const StateRow& row = table.states[state];
      run(row.exit_fn, row.exit_begin, row.exit_count, step);
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
        for (std::uint16_t i = row.invoke_begin; i < row.invoke_begin + row.invoke_count; ++i)
          host.cancel_activity(machine, i);
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
      run(row.entry_fn, row.entry_begin, row.entry_count, step);
      if ((plan.default_entry & bit(state)) != 0) {
        const TransitionRow& initial = table.transitions[row.initial];
        run(initial.action_fn, initial.action_begin, initial.action_count, step);
      }
      if (plan.history_defaults != 0 && (row.flags & state_flag::has_history_child) != 0) {
        for (StateSet histories = plan.history_defaults & row.descendants; histories != 0; histories &= histories - 1) {
          const StateRow& history = table.states[lowest_bit(histories)];
          if (history.parent != state) continue;
          const TransitionRow& fallback = table.transitions[history.initial];
          run(fallback.action_fn, fallback.action_begin, fallback.action_count, step);
        }
      }
      if ((row.flags & state_flag::has_timers) != 0) {
        for (std::uint16_t i = row.timer_begin; i < row.timer_begin + row.timer_count; ++i)
          host.arm_timer(machine, i, table.timers[i].delay_ms);
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
      machine.set_mode(Machine::kRunning, false);
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
    while (!failed() && machine.running()) {
      if (!count_microstep()) break;
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
    if (!machine.running()) {
      exit_interpreter();
      return failed() ? Outcome::failed : Outcome::finished;
    }
    for (StateSet starting = to_invoke; starting != 0; starting &= starting - 1) {
      const StateRow& row = table.states[lowest_bit(starting)];
      for (std::uint16_t i = row.invoke_begin; i < row.invoke_begin + row.invoke_count; ++i)
        host.start_activity(machine, i);
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
    machine.set_mode(Machine::kRunning, true);  // exit actions see a running machine
    exit_states(all, step);
    machine.set_mode(Machine::kRunning, false);
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
    machine.set_mode(Machine::kRunning, false);
  }

  Outcome start() {
    const TransitionRow& initial = table.transitions[table.initial];
    const Event none{kNone, nullptr};
    Step step(machine, none, &queue);
    trace(TraceKind::transition, table.initial);
    run(initial.action_fn, initial.action_begin, initial.action_count, step);
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

  // Continues a dispatch whose transition was chosen by the short path.
  Outcome continue_with(std::uint16_t chosen, Step& step) {
    selected[0] = chosen;
    selected_count = 1;
    microstep(step);
    return finish_macrostep();
  }

  // The general path: any chart, any transition set.
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

// The engine for the charts quick_engine_runs() admits: the configuration is
// one chain, so at most one transition is enabled; every entry set is in the
// table (no history); no state is final, has timers or activities, or defers;
// and nothing but raised events can follow a microstep. The general engine's
// algorithm cut to that: the same actions, traces and failures, in the same
// order.
struct QuickEngine : EngineCore {
  using EngineCore::EngineCore;

  std::uint16_t select(EventId event, const Step& step) const {
    const StateSet handlers = table.events[event].handlers & machine.active_;
    return handlers == 0 ? kNone : first_enabled<false>(table, machine, handlers, event, step);
  }

  void exit_states(StateSet exits, Step& step) {
    for (; exits != 0 && !failed(); exits &= ~bit(highest_bit(exits))) {
      const unsigned state = highest_bit(exits);
      const StateRow& row = table.states[state];
      run(row.exit_fn, row.exit_begin, row.exit_count, step);
      machine.active_ &= ~bit(state);
      trace(TraceKind::exit, state);
    }
  }

  void enter_states(StateSet entering, StateSet default_entry, Step& step) {
    for (; entering != 0 && !failed(); entering &= entering - 1) {
      const unsigned state = lowest_bit(entering);
      const StateRow& row = table.states[state];
      machine.active_ |= bit(state);
      trace(TraceKind::enter, state);
      run(row.entry_fn, row.entry_begin, row.entry_count, step);
      if ((default_entry & bit(state)) != 0 && !failed()) {
        const TransitionRow& initial = table.transitions[row.initial];
        run(initial.action_fn, initial.action_begin, initial.action_count, step);
      }
    }
  }

  void microstep(std::uint16_t chosen, Step& step) {
    const TransitionRow& transition = table.transitions[chosen];
    exit_states(machine.active_ & transition.exit_scope, step);
    if (failed()) return;
    trace(TraceKind::transition, chosen);
    run(transition.action_fn, transition.action_begin, transition.action_count, step);
    if (!failed()) enter_states(transition.entry, transition.default_entered, step);
  }

  // SCXML exitInterpreter: every active state exits in exit order.
  void exit_interpreter() {
    const Event none{kNone, nullptr};
    Step step(machine, none, &queue);
    machine.set_mode(Machine::kRunning, true);  // exit actions see a running machine
    exit_states(machine.active_, step);
    halt();
  }

  void halt() {
    machine.active_ = 0;
    machine.set_mode(Machine::kRunning, false);
  }

  // Raised events until the queue is empty.
  Outcome finish_macrostep() {
    while (!failed() && machine.running() && count_microstep() && !queue.empty()) {
      const Event internal{queue.pop(), nullptr};
      trace(TraceKind::event, internal.id);
      Step step(machine, internal, &queue);
      const std::uint16_t chosen = select(internal.id, step);
      if (chosen != kNone) microstep(chosen, step);
    }
    if (failed()) {
      halt();
      return Outcome::failed;
    }
    if (!machine.running()) {  // an action halted its own machine
      exit_interpreter();
      return failed() ? Outcome::failed : Outcome::finished;
    }
    return Outcome::handled;
  }

  static Outcome start(Machine& machine, InternalQueue& queue) {
    QuickEngine engine(machine, queue);
    const TransitionRow& initial = machine.table().transitions[machine.table().initial];
    const Event none{kNone, nullptr};
    Step step(machine, none, &queue);
    engine.trace(TraceKind::transition, machine.table().initial);
    engine.run(initial.action_fn, initial.action_begin, initial.action_count, step);
    if (!engine.failed()) engine.enter_states(initial.entry, initial.default_entered, step);
    return engine.finish_macrostep();
  }

  static Outcome dispatch(Machine& machine, const Event& event) {
    InternalQueue queue;
    QuickEngine engine(machine, queue);
    machine.set_mode(Machine::kInMacrostep, true);
    engine.trace(TraceKind::event, event.id);
    Step step(machine, event, &queue);
    const std::uint16_t chosen = engine.select(event.id, step);
    Outcome outcome = Outcome::unhandled;
    if (chosen != kNone) {
      engine.microstep(chosen, step);
      outcome = engine.finish_macrostep();
    }
    machine.set_mode(Machine::kInMacrostep, false);
    return outcome;
  }

  static void stop(Machine& machine) {
    InternalQueue queue;
    QuickEngine(machine, queue).exit_interpreter();
  }

  static void halt(Machine& machine) {
    InternalQueue queue;
    QuickEngine(machine, queue).halt();
  }

  static Outcome resume(Machine& machine, std::uint16_t chosen, InternalQueue& queue, Step& step) {
    QuickEngine engine(machine, queue);
    engine.microstep(chosen, step);
    return engine.finish_macrostep();
  }

  static Outcome settle(Machine& machine, InternalQueue& queue) {
    return QuickEngine(machine, queue).finish_macrostep();
  }
};

constinit const EngineOps kQuickEngine{
    &QuickEngine::start,
    &QuickEngine::dispatch,
    &QuickEngine::stop,
    &QuickEngine::halt,
    &QuickEngine::resume,
    &QuickEngine::settle,
};

namespace {

// The general engine's short path's ways out to the whole engine, kept out of
// line so the short path needs no Engine on its stack.
[[gnu::noinline]] Outcome continue_in_engine(Machine& machine, InternalQueue& queue, std::uint16_t chosen, Step& step) {
  return Engine(machine, queue).continue_with(chosen, step);
}

// A step that touches no special state is the quick engine's microstep.
[[gnu::noinline]] void quick_microstep(Machine& machine, InternalQueue& queue, std::uint16_t chosen, Step& step) {
  QuickEngine(machine, queue).microstep(chosen, step);
}

[[gnu::noinline]] Outcome finish_in_engine(Machine& machine, InternalQueue& queue) {
  return Engine(machine, queue).finish_macrostep();
}

}  // namespace

// kGeneralEngine's entry points.
struct GeneralEngine {
  static Outcome start(Machine& machine, InternalQueue& queue) { return Engine(machine, queue).start(); }

  // The short path for charts without parallel states: the configuration is
  // one chain, so at most one transition is enabled and there are no
  // conflicts; a step that touches no special state needs no more than its
  // actions, and the macrostep loop runs only if something was raised or an
  // eventless transition could now be enabled.
  static Outcome dispatch_single_region(Machine& machine,
                                        const EventRow& row,
                                        const Event& event,
                                        InternalQueue& queue) {
    const Table& table = machine.table();
    const StateSet active = machine.configuration();
    const StateSet handlers = row.handlers & active;
    if (handlers == 0) return Outcome::unhandled;
    Step step(machine, event, &queue);
    const std::uint16_t chosen = first_enabled<false>(table, machine, handlers, event.id, step);
    if (chosen == kNone) return Outcome::unhandled;
    const TransitionRow& transition = table.transitions[chosen];
    const StateSet exits = active & transition.exit_scope;
    constexpr std::uint8_t known_entry = transition_flag::static_entry | transition_flag::targetless;
    if ((transition.flags & known_entry) == 0 || ((exits | transition.entry) & table.special_states) != 0) {
      return continue_in_engine(machine, queue, chosen, step);
    }
    quick_microstep(machine, queue, chosen, step);
    if (machine.failure() == Failure::none && queue.empty() && (table.eventless_sources & machine.configuration()) == 0)
      return Outcome::handled;
    return finish_in_engine(machine, queue);
  }

  [[gnu::noinline]] static Outcome dispatch_general(Machine& machine, const Event& event) {
    InternalQueue queue;
    machine.set_mode(Machine::kInMacrostep, true);
    const Outcome outcome = Engine(machine, queue).dispatch(event);
    machine.set_mode(Machine::kInMacrostep, false);
    return outcome;
  }

  static Outcome dispatch(Machine& machine, const Event& event) {
    const EventRow& row = machine.table().events[event.id];
    if (!machine.table().single_region || machine.tracing() || (row.deferrers & machine.configuration()) != 0)
      return dispatch_general(machine, event);
    InternalQueue queue;
    machine.set_mode(Machine::kInMacrostep, true);
    const Outcome outcome = dispatch_single_region(machine, row, event, queue);
    machine.set_mode(Machine::kInMacrostep, false);
    return outcome;
  }

  static void stop(Machine& machine) {
    InternalQueue queue;
    Engine(machine, queue).exit_interpreter();
  }

  static void halt(Machine& machine) {
    InternalQueue queue;
    Engine(machine, queue).halt_services();
  }

  static Outcome resume(Machine& machine, std::uint16_t chosen, InternalQueue& queue, Step& step) {
    return continue_in_engine(machine, queue, chosen, step);
  }

  static Outcome settle(Machine& machine, InternalQueue& queue) { return finish_in_engine(machine, queue); }
};

constinit const EngineOps kGeneralEngine{
    &GeneralEngine::start,
    &GeneralEngine::dispatch,
    &GeneralEngine::stop,
    &GeneralEngine::halt,
    &GeneralEngine::resume,
    &GeneralEngine::settle,
};

Outcome Machine::start() {
  if (in_macrostep()) return Outcome::not_running;
  if (running()) stop();
  failure_ = Failure::none;
  failure_reason_ = nullptr;
  active_ = 0;
  if (history_size_ < table_->history_bytes) {
    record_failure(Failure::history_memory, "history memory smaller than the chart needs");
    return Outcome::failed;
  }
  if (table_->history_bytes != 0) std::memset(history_, 0, table_->history_bytes);
  set_mode(kInMacrostep, true);
  set_mode(kRunning, true);
  InternalQueue queue;
  const Outcome outcome = engine_->start(*this, queue);
  set_mode(kInMacrostep, false);
  return outcome;
}

Outcome Machine::dispatch(const Event& event) {
  if (in_macrostep()) {
    record_failure(Failure::reentrant_dispatch, "dispatch() called from inside an action of the same machine");
    return Outcome::failed;
  }
  if (!running()) return Outcome::not_running;
  if (event.id >= table_->event_count) return Outcome::invalid_event;
  if (table_->compiled_dispatch != nullptr && !tracing()) return table_->compiled_dispatch(*this, event);
  return engine_->dispatch(*this, event);
}

Outcome Machine::dispatch_interpreted(const Event& event) { return engine_->dispatch(*this, event); }

Outcome Machine::resume(std::uint16_t chosen, InternalQueue& queue, Step& step) {
  return engine_->resume(*this, chosen, queue, step);
}

Outcome Machine::settle(InternalQueue& queue) { return engine_->settle(*this, queue); }

void Machine::stop() {
  if (!running() || in_macrostep()) return;
  set_mode(kInMacrostep, true);
  engine_->stop(*this);
  set_mode(kInMacrostep, false);
}

void Machine::halt() {
  if (!running()) return;
  engine_->halt(*this);
}

void Machine::record_failure(Failure failure, const char* reason) {
  if (failure_ != Failure::none) return;  // the first failure is the one reported
  failure_ = failure;
  failure_reason_ = reason;
}

void Step::raise(EventId event) {
  if (event >= machine_->table_->event_count) {
    machine_->record_failure(Failure::unknown_event, "an action raised an event id the chart does not have");
  } else if (!static_cast<InternalQueue*>(queue_)->push(event)) {
    machine_->record_failure(Failure::internal_queue_overflow, "internal event queue overflow");
  }
}

void Step::fail(const char* reason) { machine_->record_failure(Failure::action, reason); }

}  // namespace lit::chart

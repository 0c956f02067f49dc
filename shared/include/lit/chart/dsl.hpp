// The C++ definition DSL. A chart is written as nested calls that read like the
// statechart drawing:
//
//   constexpr auto lamp = lit::chart::define<Lamp>("lamp",
//       initial("off"),
//       state("off", on("power").to("on")),
//       state("on", initial("dim"),
//             entry([](Lamp& lamp) { lamp.power_on(); }),
//             on("power").to("off"),
//             state("dim", on("up").to("bright")),
//             state("bright", after(500ms).to("dim"))));
//
// define() runs the chart compiler at compile time: an unknown target, a
// duplicate id, a compound state without an initial state and every other
// structural error is a compile error naming the problem, and the result is a
// constant table (flash on an MCU, no static constructor). Each node's type
// carries its row counts, so the storage is sized without a heap.
#pragma once

#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "lit/chart/compile.hpp"
#include "lit/chart/machine.hpp"
#include "lit/chart/spec.hpp"
#include "lit/chart/table.hpp"
#include "lit/fixed_vector.hpp"

namespace lit::chart {

// Called (never defined) when define() finds an error, so the compiler's
// message names the problem: "call to non-'constexpr' function ... unknown_target()".
namespace chart_error {
void no_states();
void too_many_states();
void too_many_rows();
void empty_name();
void invalid_name();
void duplicate_state_name();
void not_document_order();
void child_of_leaf_state();
void history_outside_state();
void missing_initial();
void unexpected_initial();
void initial_target_outside_state();
void missing_target();
void unknown_target();
void conflicting_targets();
void transition_from_final_or_history();
void history_without_default();
void history_default_outside_parent();
void unknown_state_in_condition();
void invalid_event_descriptor();
void eventless_loop();
void duplicate_invoke_id();
void guard_missing_function();
void action_missing_function();
void unknown_state();
void unknown_event();
}  // namespace chart_error

namespace dsl {

template <class T>
inline constexpr bool always_false = false;

// Wraps a function or member function so it can stand where a lambda does:
// entry(fn<&Lamp::power_on>).
template <auto Function>
struct Fn {
  // The return type spelled out, so is_invocable asks without instantiating the body.
  template <class... Args>
  constexpr auto operator()(Args&&... args) const -> decltype(std::invoke(Function, std::forward<Args>(args)...)) {
    return std::invoke(Function, std::forward<Args>(args)...);
  }
};
template <auto Function>
inline constexpr Fn<Function> fn{};

// ---- actions ---------------------------------------------------------------

template <class F>
struct Call {};
struct Raise {
  std::string_view event;
};
struct Send {
  std::string_view event;
  std::uint32_t delay_ms;
};
struct Log {
  std::string_view label;
  std::string_view text;
};

constexpr Raise raise(std::string_view event) { return {event}; }
// SCXML <send>: the event goes to the host's external queue after the delay,
// and is not cancelled when the state exits (after() is).
constexpr Send send(std::string_view event, std::chrono::milliseconds delay = std::chrono::milliseconds{0}) {
  return {event, static_cast<std::uint32_t>(delay.count())};
}
constexpr Log log(std::string_view label, std::string_view text) { return {label, text}; }

template <class F>
constexpr auto as_action(F) {
  if constexpr (std::is_same_v<F, Raise> || std::is_same_v<F, Send> || std::is_same_v<F, Log>) {
    static_assert(always_false<F>, "unreachable");
  } else {
    static_assert(std::is_empty_v<F> && std::is_default_constructible_v<F>,
                  "an action must be a captureless lambda or fn<&function>; keep state in the chart's context");
    return Call<F>{};
  }
}
constexpr Raise as_action(Raise action) { return action; }
constexpr Send as_action(Send action) { return action; }
constexpr Log as_action(Log action) { return action; }

template <class Ctx, class F>
void call_action(void* context, Step& step) {
  F function{};
  Ctx& ctx = *static_cast<Ctx*>(context);
  if constexpr (std::is_invocable_v<F&, Ctx&, Step&>) {
    function(ctx, step);
  } else if constexpr (std::is_invocable_v<F&, Ctx&>) {
    function(ctx);
  } else if constexpr (std::is_invocable_v<F&, Step&>) {
    function(step);
  } else if constexpr (std::is_invocable_v<F&>) {
    function();
  } else {
    static_assert(always_false<F>, "an action takes (Context&, Step&), (Context&), (Step&) or nothing");
  }
}

template <class Ctx, class G>
constexpr auto guard_result() {
  if constexpr (std::is_invocable_v<G&, const Ctx&, const Step&>) {
    return std::type_identity<std::invoke_result_t<G&, const Ctx&, const Step&>>{};
  } else if constexpr (std::is_invocable_v<G&, const Ctx&>) {
    return std::type_identity<std::invoke_result_t<G&, const Ctx&>>{};
  } else if constexpr (std::is_invocable_v<G&, const Step&>) {
    return std::type_identity<std::invoke_result_t<G&, const Step&>>{};
  } else if constexpr (std::is_invocable_v<G&>) {
    return std::type_identity<std::invoke_result_t<G&>>{};
  } else {
    static_assert(always_false<G>,
                  "a guard takes (const Context&, const Step&), (const Context&), (const Step&) or nothing");
    return std::type_identity<void>{};
  }
}

template <class Ctx, class G>
bool call_guard(const void* context, const Step& step) {
  using Result = typename decltype(guard_result<Ctx, G>())::type;
  static_assert(std::is_same_v<Result, bool>,
                "async guards are refused: a guard must return bool at once. Start asynchronous work with "
                "invoke() and transition on its done.invoke event instead");
  G guard{};
  const Ctx& ctx = *static_cast<const Ctx*>(context);
  if constexpr (std::is_invocable_v<G&, const Ctx&, const Step&>) {
    return guard(ctx, step);
  } else if constexpr (std::is_invocable_v<G&, const Ctx&>) {
    return guard(ctx);
  } else if constexpr (std::is_invocable_v<G&, const Step&>) {
    return guard(step);
  } else {
    return guard();
  }
}

template <class Ctx, class F>
void call_activity(void* context, const Activity& activity) {
  F function{};
  Ctx& ctx = *static_cast<Ctx*>(context);
  if constexpr (std::is_invocable_v<F&, Ctx&, const Activity&>) {
    function(ctx, activity);
  } else {
    static_assert(always_false<F>, "an activity's start function takes (Context&, const Activity&)");
  }
}

// ---- row counts carried by node types ----------------------------------------

struct Counts {
  std::size_t states = 0;
  std::size_t transitions = 0;
  std::size_t actions = 0;
  std::size_t names = 0;  // event descriptors and targets, pooled
  std::size_t targets = 0;
  std::size_t descriptors = 0;
  std::size_t events = 0;  // an upper bound on distinct event ids
  std::size_t defers = 0;
  std::size_t invokes = 0;
  std::size_t declared = 0;
};

constexpr Counts operator+(Counts a, const Counts& b) {
  a.states += b.states;
  a.transitions += b.transitions;
  a.actions += b.actions;
  a.names += b.names;
  a.targets += b.targets;
  a.descriptors += b.descriptors;
  a.events += b.events;
  a.defers += b.defers;
  a.invokes += b.invokes;
  a.declared += b.declared;
  return a;
}

template <class... Items>
constexpr Counts sum_counts() {
  return (Counts{} + ... + Items::counts());
}

template <class Action>
constexpr Counts action_counts() {
  Counts counts{};
  counts.actions = 1;
  if constexpr (std::is_same_v<Action, Raise> || std::is_same_v<Action, Send>) counts.events = 1;
  return counts;
}

template <class... Actions>
constexpr Counts actions_counts() {
  return (Counts{} + ... + action_counts<Actions>());
}

// ---- nodes -----------------------------------------------------------------

template <class... Actions>
struct Entry {
  std::tuple<Actions...> actions;
  static constexpr Counts counts() { return actions_counts<Actions...>(); }
};
template <class... Actions>
struct Exit {
  std::tuple<Actions...> actions;
  static constexpr Counts counts() { return actions_counts<Actions...>(); }
};

template <class... Fs>
constexpr auto entry(Fs... actions) {
  return Entry<decltype(as_action(actions))...>{{as_action(actions)...}};
}
template <class... Fs>
constexpr auto exit(Fs... actions) {
  return Exit<decltype(as_action(actions))...>{{as_action(actions)...}};
}

struct NoGuard {};
template <class G>
struct CallGuard {};
struct InGuard {
  std::string_view state;
  bool negated;
};

// SCXML In('id') and its negation, for guards that test the configuration.
constexpr InGuard in(std::string_view state) { return {state, false}; }
constexpr InGuard not_in(std::string_view state) { return {state, true}; }

template <SpecTransitionRole Role, std::size_t Events, std::size_t Targets, class Guard, class... Actions>
struct Transition {
  std::array<std::string_view, Events == 0 ? 1 : Events> events{};
  std::array<std::string_view, Targets == 0 ? 1 : Targets> targets{};
  Guard guard{};
  std::tuple<Actions...> actions{};
  std::uint32_t delay_ms = 0;
  bool is_internal = false;

  static constexpr Counts counts() {
    Counts counts = actions_counts<Actions...>();
    counts.transitions = 1;
    counts.names = Events + Targets;
    counts.targets = Targets;
    counts.descriptors = Role == SpecTransitionRole::after ? 1 : Events;
    counts.events += Role == SpecTransitionRole::after ? 1 : Events;
    return counts;
  }

  // Where the transition goes; several targets enter parallel regions together.
  template <class... Names>
  constexpr auto to(Names... names) const {
    static_assert(Targets == 0, "to() given twice");
    static_assert(sizeof...(Names) > 0, "to() needs at least one target");
    Transition<Role, Events, sizeof...(Names), Guard, Actions...> next{
        events, {std::string_view(names)...}, guard, actions, delay_ms, is_internal};
    return next;
  }

  // Runs the transition only when the predicate holds. It must return bool:
  // asynchronous guards do not compile.
  template <class G>
  constexpr auto when(G) const {
    static_assert(std::is_same_v<Guard, NoGuard>, "when() given twice");
    static_assert(Role != SpecTransitionRole::initial && Role != SpecTransitionRole::history_default,
                  "initial and history default transitions take no guard");
    if constexpr (std::is_same_v<G, InGuard>) {
      static_assert(always_false<G>, "unreachable");
    } else {
      static_assert(std::is_empty_v<G> && std::is_default_constructible_v<G>,
                    "a guard must be a captureless lambda or fn<&function>");
    }
    return Transition<Role, Events, Targets, CallGuard<G>, Actions...>{
        events, targets, {}, actions, delay_ms, is_internal};
  }
  constexpr auto when(InGuard condition) const {
    static_assert(std::is_same_v<Guard, NoGuard>, "when() given twice");
    return Transition<Role, Events, Targets, InGuard, Actions...>{
        events, targets, condition, actions, delay_ms, is_internal};
  }

  // Actions run between the exits and the entries, in the order given.
  template <class... Fs>
  constexpr auto then(Fs... more) const {
    using Next = Transition<Role, Events, Targets, Guard, Actions..., decltype(as_action(more))...>;
    return Next{
        events, targets, guard, std::tuple_cat(actions, std::make_tuple(as_action(more)...)), delay_ms, is_internal};
  }

  // An internal transition does not exit its (compound) source when every target lies within it.
  constexpr auto internal() const {
    auto next = *this;
    next.is_internal = true;
    return next;
  }
};

template <class... Names>
constexpr auto on(Names... descriptors) {
  static_assert(sizeof...(Names) > 0, "on() needs an event descriptor");
  return Transition<SpecTransitionRole::on_event, sizeof...(Names), 0, NoGuard>{{std::string_view(descriptors)...}};
}
// An eventless transition, taken as soon as its guard holds.
constexpr auto always() { return Transition<SpecTransitionRole::eventless, 0, 0, NoGuard>{}; }
// Taken `delay` after its state is entered, unless the state exits first.
template <class Rep, class Period>
constexpr auto after(std::chrono::duration<Rep, Period> delay) {
  Transition<SpecTransitionRole::after, 0, 0, NoGuard> transition{};
  transition.delay_ms =
      static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
  return transition;
}
template <class... Names>
constexpr auto initial(Names... targets) {
  static_assert(sizeof...(Names) > 0, "initial() needs a target");
  return Transition<SpecTransitionRole::initial, 0, sizeof...(Names), NoGuard>{{}, {std::string_view(targets)...}};
}

template <std::size_t Count>
struct Defer {
  std::array<std::string_view, Count> events;
  static constexpr Counts counts() {
    Counts counts{};
    counts.defers = 1;
    counts.names = Count;
    counts.events = Count;
    return counts;
  }
};
// Events that arrive while this state is active and enable no transition of
// it or its descendants are kept, and recalled in order when it exits.
template <class... Names>
constexpr auto defer(Names... descriptors) {
  return Defer<sizeof...(Names)>{{std::string_view(descriptors)...}};
}

template <std::size_t Count>
struct Events {
  std::array<std::string_view, Count> names;
  static constexpr Counts counts() {
    Counts counts{};
    counts.declared = Count;
    counts.events = Count;
    return counts;
  }
};
// Declares event names used by senders but by no descriptor, e.g. "sensor.high" when only "sensor" is handled.
template <class... Names>
constexpr auto events(Names... names) {
  return Events<sizeof...(Names)>{{std::string_view(names)...}};
}

template <class F>
struct Invoke {
  std::string_view id;
  static constexpr Counts counts() {
    Counts counts{};
    counts.invokes = 1;
    counts.events = 2;
    return counts;
  }
};
// An activity started when the state has been entered (at the end of the
// macrostep) and cancelled when it exits; it reports done.invoke.<id> or error.invoke.<id>.
template <class F>
constexpr Invoke<F> invoke(std::string_view id, F) {
  static_assert(std::is_empty_v<F> && std::is_default_constructible_v<F>,
                "an activity start function must be captureless");
  return {id};
}

template <SpecStateKind Kind, class... Items>
struct StateNode {
  std::string_view name;
  std::tuple<Items...> items;
  static constexpr Counts counts() {
    Counts counts = sum_counts<Items...>();
    counts.states += 1;
    counts.events += 1;  // done.state.<id>
    return counts;
  }
};

template <class... Items>
constexpr auto state(std::string_view name, Items... items) {
  return StateNode<SpecStateKind::state, Items...>{name, {items...}};
}
template <class... Items>
constexpr auto parallel(std::string_view name, Items... items) {
  return StateNode<SpecStateKind::parallel, Items...>{name, {items...}};
}
template <class... Items>
constexpr auto final(std::string_view name, Items... items) {
  return StateNode<SpecStateKind::final, Items...>{name, {items...}};
}

template <SpecStateKind Kind, class Default>
struct HistoryNode {
  std::string_view name;
  Default fallback;
  static constexpr Counts counts() {
    Counts counts = Default::counts();
    counts.states += 1;
    return counts;
  }
  // Actions of the default transition, run when the history has nothing recorded.
  template <class... Fs>
  constexpr auto then(Fs... actions) const {
    auto next = fallback.then(actions...);
    return HistoryNode<Kind, decltype(next)>{name, next};
  }
};

template <class... Names>
constexpr auto shallow_history(std::string_view name, Names... default_targets) {
  static_assert(sizeof...(Names) > 0, "a history state needs default targets");
  using Default = Transition<SpecTransitionRole::history_default, 0, sizeof...(Names), NoGuard>;
  return HistoryNode<SpecStateKind::shallow_history, Default>{name,
                                                              Default{{}, {std::string_view(default_targets)...}}};
}
template <class... Names>
constexpr auto deep_history(std::string_view name, Names... default_targets) {
  static_assert(sizeof...(Names) > 0, "a history state needs default targets");
  using Default = Transition<SpecTransitionRole::history_default, 0, sizeof...(Names), NoGuard>;
  return HistoryNode<SpecStateKind::deep_history, Default>{name, Default{{}, {std::string_view(default_targets)...}}};
}

// ---- flattening into a Spec --------------------------------------------------

template <class T>
struct IsTransition : std::false_type {};
template <SpecTransitionRole Role, std::size_t E, std::size_t T, class G, class... A>
struct IsTransition<Transition<Role, E, T, G, A...>> : std::true_type {};
template <class T>
struct IsState : std::false_type {};
template <SpecStateKind K, class... I>
struct IsState<StateNode<K, I...>> : std::true_type {};
template <SpecStateKind K, class D>
struct IsState<HistoryNode<K, D>> : std::true_type {};

template <Counts C>
struct SpecStore {
  FixedVector<SpecState, C.states> states;
  FixedVector<SpecTransition, C.transitions> transitions;
  FixedVector<SpecAction, C.actions> actions;
  FixedVector<std::string_view, C.names> names;
  FixedVector<SpecDefer, C.defers> defers;
  FixedVector<SpecInvoke, C.invokes> invokes;
  FixedVector<std::string_view, C.declared> declared;
  std::uint16_t initial = kNone;

  constexpr Spec spec(std::string_view name) const {
    return Spec{name,
                initial,
                {states.data(), states.size()},
                {transitions.data(), transitions.size()},
                {actions.data(), actions.size()},
                {defers.data(), defers.size()},
                {invokes.data(), invokes.size()},
                {declared.data(), declared.size()}};
  }
};

template <class Ctx, class Store>
class Flattener {
 public:
  constexpr explicit Flattener(Store& store) : store_(store) {}

  // Items of the root (parent kRoot) or of a state.
  template <class... Items>
  constexpr void items(StateIndex parent, const std::tuple<Items...>& items) {
    // Document order: a state's own entry/exit/transitions first, then its
    // children, each child fully before the next.
    std::apply([&](const auto&... item) { (own(parent, item), ...); }, items);
    std::apply([&](const auto&... item) { (child(parent, item), ...); }, items);
  }

 private:
  template <class Item>
  constexpr void own(StateIndex parent, const Item& item) {
    if constexpr (IsTransition<Item>::value) {
      const std::uint16_t index = transition(parent, item);
      if (store_.transitions[index].role == SpecTransitionRole::initial) {
        if (parent == kRoot) {
          store_.initial = index;
        } else {
          store_.states[parent].initial = index;
        }
      }
    } else if constexpr (is_entry<Item>::value) {
      SpecState& state = store_.states[parent];
      state.entry_begin = static_cast<std::uint16_t>(store_.actions.size());
      state.entry_count = static_cast<std::uint16_t>(std::tuple_size_v<decltype(item.actions)>);
      add_actions(item.actions);
    } else if constexpr (is_exit<Item>::value) {
      SpecState& state = store_.states[parent];
      state.exit_begin = static_cast<std::uint16_t>(store_.actions.size());
      state.exit_count = static_cast<std::uint16_t>(std::tuple_size_v<decltype(item.actions)>);
      add_actions(item.actions);
    } else if constexpr (is_defer<Item>::value) {
      store_.defers.push_back(SpecDefer{parent, names(item.events, item.events.size()), {}});
    } else if constexpr (is_events<Item>::value) {
      for (const std::string_view name : item.names) store_.declared.push_back(name);
    } else if constexpr (is_invoke<Item>::value) {
      store_.invokes.push_back(SpecInvoke{parent, item.id, activity_of(item), {}});
    } else {
      static_assert(IsState<Item>::value,
                    "not a chart item: expected state, on, after, initial, entry, exit, defer, ...");
    }
  }

  template <class Item>
  constexpr void child(StateIndex parent, const Item& item) {
    if constexpr (IsState<Item>::value) state(parent, item);
  }

  template <SpecStateKind Kind, class... Items>
  constexpr void state(StateIndex parent, const StateNode<Kind, Items...>& node) {
    const auto index = static_cast<StateIndex>(store_.states.size());
    SpecState spec{};
    spec.name = node.name;
    spec.kind = Kind;
    spec.parent = parent;
    store_.states.push_back(spec);
    items(index, node.items);
  }

  template <SpecStateKind Kind, class Default>
  constexpr void state(StateIndex parent, const HistoryNode<Kind, Default>& node) {
    const auto index = static_cast<StateIndex>(store_.states.size());
    SpecState spec{};
    spec.name = node.name;
    spec.kind = Kind;
    spec.parent = parent;
    store_.states.push_back(spec);
    store_.states[index].initial = transition(index, node.fallback);
  }

  template <SpecTransitionRole Role, std::size_t E, std::size_t T, class G, class... A>
  constexpr std::uint16_t transition(StateIndex source, const Transition<Role, E, T, G, A...>& node) {
    SpecTransition spec{};
    spec.source = source;
    spec.role = Role;
    spec.events = names(node.events, E);
    spec.targets = names(node.targets, T);
    spec.internal = node.is_internal;
    spec.delay_ms = node.delay_ms;
    if constexpr (std::is_same_v<G, InGuard>) {
      spec.guard_kind = node.guard.negated ? GuardKind::not_in_state : GuardKind::in_state;
      spec.guard_state = node.guard.state;
    } else if constexpr (!std::is_same_v<G, NoGuard>) {
      spec.guard_kind = GuardKind::call;
      spec.guard = guard_of(node.guard);
    }
    spec.action_begin = static_cast<std::uint16_t>(store_.actions.size());
    spec.action_count = sizeof...(A);
    add_actions(node.actions);
    const auto index = static_cast<std::uint16_t>(store_.transitions.size());
    store_.transitions.push_back(spec);
    return index;
  }

  template <class G>
  static constexpr GuardFn guard_of(CallGuard<G>) {
    return &call_guard<Ctx, G>;
  }
  template <class F>
  static constexpr ActivityFn activity_of(const Invoke<F>&) {
    return &call_activity<Ctx, F>;
  }

  template <std::size_t N>
  constexpr std::span<const std::string_view> names(const std::array<std::string_view, N>& list, std::size_t count) {
    const std::size_t begin = store_.names.size();
    for (std::size_t i = 0; i < count; ++i) store_.names.push_back(list[i]);
    return {store_.names.data() + begin, count};
  }

  template <class... Actions>
  constexpr void add_actions(const std::tuple<Actions...>& actions) {
    std::apply([&](const auto&... action) { (add_action(action), ...); }, actions);
  }
  template <class F>
  constexpr void add_action(Call<F>) {
    constexpr bool sees_step = std::disjunction_v<std::is_invocable<F&, Ctx&, Step&>, std::is_invocable<F&, Step&>>;
    store_.actions.push_back(SpecAction{ActionKind::call, &call_action<Ctx, F>, {}, {}, {}, 0, {}, sees_step});
  }
  constexpr void add_action(Raise action) {
    store_.actions.push_back(SpecAction{ActionKind::raise, nullptr, action.event, {}, {}, 0, {}});
  }
  constexpr void add_action(Send action) {
    store_.actions.push_back(SpecAction{ActionKind::send_after, nullptr, action.event, {}, {}, action.delay_ms, {}});
  }
  constexpr void add_action(Log action) {
    store_.actions.push_back(SpecAction{ActionKind::log, nullptr, {}, action.label, action.text, 0, {}});
  }

  template <class T>
  struct is_entry : std::false_type {};
  template <class... A>
  struct is_entry<Entry<A...>> : std::true_type {};
  template <class T>
  struct is_exit : std::false_type {};
  template <class... A>
  struct is_exit<Exit<A...>> : std::true_type {};
  template <class T>
  struct is_defer : std::false_type {};
  template <std::size_t N>
  struct is_defer<Defer<N>> : std::true_type {};
  template <class T>
  struct is_events : std::false_type {};
  template <std::size_t N>
  struct is_events<Events<N>> : std::true_type {};
  template <class T>
  struct is_invoke : std::false_type {};
  template <class F>
  struct is_invoke<Invoke<F>> : std::true_type {};

  Store& store_;
};

}  // namespace dsl

// ---- compiled storage ---------------------------------------------------------

template <dsl::Counts C>
struct FixedTable {
  FixedVector<StateRow, C.states> states;
  FixedVector<TransitionRow, C.transitions> transitions;
  FixedVector<StateIndex, C.targets> targets;
  FixedVector<EventId, C.descriptors> descriptors;
  FixedVector<ActionRow, C.actions> actions;
  FixedVector<EventRow, C.events> events;
  FixedVector<TimerRow, C.transitions> timers;
  FixedVector<InvokeRow, C.invokes> invokes;
  Table header{};
};

constexpr void report(const CompileResult& result) {
  switch (result.error) {
    case CompileError::none: return;
    case CompileError::no_states: chart_error::no_states(); return;
    case CompileError::too_many_states: chart_error::too_many_states(); return;
    case CompileError::too_many_rows: chart_error::too_many_rows(); return;
    case CompileError::empty_name: chart_error::empty_name(); return;
    case CompileError::invalid_name: chart_error::invalid_name(); return;
    case CompileError::duplicate_state_name: chart_error::duplicate_state_name(); return;
    case CompileError::not_document_order: chart_error::not_document_order(); return;
    case CompileError::child_of_leaf_state: chart_error::child_of_leaf_state(); return;
    case CompileError::history_outside_state: chart_error::history_outside_state(); return;
    case CompileError::missing_initial: chart_error::missing_initial(); return;
    case CompileError::unexpected_initial: chart_error::unexpected_initial(); return;
    case CompileError::initial_target_outside_state: chart_error::initial_target_outside_state(); return;
    case CompileError::missing_target: chart_error::missing_target(); return;
    case CompileError::unknown_target: chart_error::unknown_target(); return;
    case CompileError::conflicting_targets: chart_error::conflicting_targets(); return;
    case CompileError::transition_from_final_or_history: chart_error::transition_from_final_or_history(); return;
    case CompileError::history_without_default: chart_error::history_without_default(); return;
    case CompileError::history_default_outside_parent: chart_error::history_default_outside_parent(); return;
    case CompileError::unknown_state_in_condition: chart_error::unknown_state_in_condition(); return;
    case CompileError::invalid_event_descriptor: chart_error::invalid_event_descriptor(); return;
    case CompileError::eventless_loop: chart_error::eventless_loop(); return;
    case CompileError::duplicate_invoke_id: chart_error::duplicate_invoke_id(); return;
    case CompileError::guard_missing_function: chart_error::guard_missing_function(); return;
    case CompileError::action_missing_function: chart_error::action_missing_function(); return;
  }
}

// A chart compiled by define(): constant rows plus typed lookups that fail to
// compile on unknown names. Get the engine's view with table_of<chart>.
template <class Ctx, dsl::Counts C>
class Chart {
 public:
  using Context = Ctx;

  constexpr explicit Chart(const FixedTable<C>& rows) : rows_(rows) {}

  constexpr Table table() const { return table_view(rows_); }

  consteval EventId event(std::string_view name) const {
    const EventId id = table().find_event(name);
    if (id == kNone) chart_error::unknown_event();
    return id;
  }
  consteval StateIndex state(std::string_view name) const {
    const StateIndex index = table().find_state(name);
    if (index == kRoot) chart_error::unknown_state();
    return index;
  }
  constexpr std::uint64_t structural_hash() const { return rows_.header.structural_hash; }
  constexpr std::size_t history_bytes() const { return rows_.header.history_bytes; }
  constexpr std::string_view name() const { return rows_.header.name; }

 private:
  FixedTable<C> rows_;
};

namespace dsl {
// A chart's row counts, plus the "other" event every table has. (A variable
// template rather than a local constant, which clang will not take as a
// template argument.)
template <class... Items>
inline constexpr Counts chart_counts = sum_counts<Items...>() + Counts{.events = 1};
}  // namespace dsl

template <class Ctx, class... Items>
consteval auto define(std::string_view name, Items... items) {
  using Store = dsl::SpecStore<dsl::chart_counts<Items...>>;
  Store store{};
  dsl::Flattener<Ctx, Store> flattener(store);
  flattener.items(kRoot, std::tuple<Items...>{items...});
  FixedTable<dsl::chart_counts<Items...>> rows{};
  report(compile(store.spec(name), rows));
  return Chart<Ctx, dsl::chart_counts<Items...>>(rows);
}

// ---- compiled dispatch ---------------------------------------------------------
//
// A chart's rows are constants, so for a chart without parallel states the
// whole dispatch can be compiled: a branch tree on the active atomic state
// leads to that state's candidate transitions (its own, then its ancestors',
// in document order) tested against constant event ids and guards, and the
// chosen transition's microstep runs as straight-line code with the action
// bodies inlined. It follows the interpreter's rules exactly and hands the
// step back to it for anything beyond plain actions: deferral, tracing,
// timers, invocations, history, final states, raised events or eventless
// transitions. Define LIT_CHART_COMPILED_DISPATCH=0 to trade this speed for
// code size.

#ifndef LIT_CHART_COMPILED_DISPATCH
#define LIT_CHART_COMPILED_DISPATCH 1
#endif

namespace compiled {

template <const auto& Definition>
inline constexpr Table rows = Definition.table();

template <std::size_t N>
constexpr std::array<StateIndex, N> ordered(StateSet set, bool descending) {
  std::array<StateIndex, N> states{};
  for (std::size_t i = 0; i < N; ++i) {
    const unsigned next = descending ? highest_bit(set) : lowest_bit(set);
    states[i] = static_cast<StateIndex>(next);
    set &= ~bit(next);
  }
  return states;
}

constexpr std::size_t count(StateSet set) { return static_cast<std::size_t>(std::popcount(set)); }

// The states a step from active atomic state `atomic` by transition `t` exits.
constexpr StateSet exit_set(const Table& table, StateIndex atomic, std::uint16_t t) {
  const TransitionRow& row = table.transitions[t];
  if ((row.flags & transition_flag::targetless) != 0) return 0;
  return (table.states[atomic].ancestors | bit(atomic)) & row.exit_scope;
}

// Whether a list of actions is empty or one user function (then the row's
// direct pointer is set). Decided from the rows, not by comparing function
// addresses, which UBSan builds cannot do in constant expressions.
constexpr bool direct(const Table& table, std::uint16_t begin, std::uint16_t count) {
  return count == 0 || (count == 1 && table.actions[begin].kind == ActionKind::call);
}

// Whether the step is nothing but actions and state changes known now.
constexpr bool straight_line(const Table& table, StateIndex atomic, std::uint16_t t) {
  const TransitionRow& row = table.transitions[t];
  constexpr std::uint8_t known_entry = transition_flag::static_entry | transition_flag::targetless;
  if ((row.flags & known_entry) == 0) return false;
  if (((exit_set(table, atomic, t) | row.entry) & table.special_states) != 0) return false;
  if (!direct(table, row.action_begin, row.action_count)) return false;
  for (StateSet rest = exit_set(table, atomic, t); rest != 0; rest &= rest - 1) {
    const StateRow& state = table.states[lowest_bit(rest)];
    if (!direct(table, state.exit_begin, state.exit_count)) return false;
  }
  for (StateSet rest = row.entry; rest != 0; rest &= rest - 1) {
    const StateRow& state = table.states[lowest_bit(rest)];
    if (!direct(table, state.entry_begin, state.entry_count)) return false;
    if ((row.default_entered & bit(lowest_bit(rest))) != 0) {
      const TransitionRow& initial = table.transitions[state.initial];
      if (!direct(table, initial.action_begin, initial.action_count)) return false;
    }
  }
  return true;
}

// Whether an action list (empty, or one call: straight_line() has made sure)
// can touch the machine: only a call that takes the Step can fail, raise or
// look at the configuration.
constexpr bool sees_step(const Table& table, std::uint16_t begin, std::uint16_t count) {
  return count != 0 && table.actions[begin].sees_step;
}

// Whether any action of a straight-line step takes the Step. When none does,
// an actor can run the step without a machine (dispatch_detached).
constexpr bool step_sees_machine(const Table& table, StateIndex atomic, std::uint16_t t) {
  const TransitionRow& row = table.transitions[t];
  if (sees_step(table, row.action_begin, row.action_count)) return true;
  for (StateSet rest = exit_set(table, atomic, t); rest != 0; rest &= rest - 1) {
    const StateRow& state = table.states[lowest_bit(rest)];
    if (sees_step(table, state.exit_begin, state.exit_count)) return true;
  }
  for (StateSet rest = row.entry; rest != 0; rest &= rest - 1) {
    const StateRow& state = table.states[lowest_bit(rest)];
    if (sees_step(table, state.entry_begin, state.entry_count)) return true;
    if ((row.default_entered & bit(lowest_bit(rest))) != 0) {
      const TransitionRow& initial = table.transitions[state.initial];
      if (sees_step(table, initial.action_begin, initial.action_count)) return true;
    }
  }
  return false;
}

// Calls a state's or transition's one action, if it has one (straight_line()
// has made sure that is all it has). False if the machine failed in it. Even
// an action that takes no Step may fail a machine it reaches some other way
// (dispatching to it again, say), so with a machine every action is checked;
// without one (dispatch_detached) there is nothing to fail.
template <ActionFn Fn, std::uint16_t Count, bool Checked = true>
inline bool call(void* context, Step& step) {
  if constexpr (Count != 0) {
    Fn(context, step);
    if constexpr (Checked) return !CompiledAccess::failed(step.machine());
  }
  return true;
}

// The configuration during a compiled microstep: kept in a register and
// stored after every change, so actions always see the exact configuration
// without the step having to read it back after each of them.
struct Configuration {
  StateSet current;
  Machine& machine;
  void set(StateSet next) {
    current = next;
    CompiledAccess::set_active(machine, next);
  }
};

template <const auto& Definition, StateIndex State>
inline bool exit_state(void* context, Step& step, Configuration& active) {
  constexpr const StateRow& row = rows<Definition>.states[State];
  if (!call<row.exit_fn, row.exit_count>(context, step)) return false;
  active.set(active.current & ~bit(State));
  return true;
}

template <const auto& Definition, StateIndex State, bool DefaultEntry>
inline bool enter_state(void* context, Step& step, Configuration& active) {
  constexpr const StateRow& row = rows<Definition>.states[State];
  active.set(active.current | bit(State));
  if (!call<row.entry_fn, row.entry_count>(context, step)) return false;
  if constexpr (DefaultEntry) {
    constexpr const TransitionRow& initial = rows<Definition>.transitions[row.initial];
    return call<initial.action_fn, initial.action_count>(context, step);
  }
  return true;
}

template <const auto& Definition, StateIndex Atomic, std::uint16_t T>
[[gnu::always_inline]] inline void microstep(void* context, Step& step, Machine& machine) {
  constexpr const Table& table = rows<Definition>;
  constexpr TransitionRow row = table.transitions[T];
  constexpr StateSet exits = exit_set(table, Atomic, T);
  constexpr auto exit_order = ordered<count(exits)>(exits, true);
  constexpr auto entry_order = ordered<count(row.entry)>(row.entry, false);
  Configuration active{CompiledAccess::active(machine), machine};
  [&]<std::size_t... X, std::size_t... E>(std::index_sequence<X...>, std::index_sequence<E...>) {
    (void)((exit_state<Definition, exit_order[X]>(context, step, active) && ...) &&
           call<row.action_fn, row.action_count>(context, step) &&
           (enter_state<Definition, entry_order[E], (row.default_entered & bit(entry_order[E])) != 0>(
                context, step, active) &&
            ...));
  }
  (std::make_index_sequence<exit_order.size()>{}, std::make_index_sequence<entry_order.size()>{});
}

// The events transition `t` answers to, when they are few enough to compare
// one by one; otherwise the interpreter's matches() decides.
inline constexpr std::size_t kMaxListedEvents = 8;

constexpr std::size_t count_triggers(const Table& table, std::uint16_t t) {
  std::size_t triggers = 0;
  for (EventId e = 0; e < table.event_count; ++e) triggers += matches(table, table.transitions[t], e) ? 1U : 0U;
  return triggers;
}

template <std::size_t N>
constexpr std::array<EventId, N> triggers(const Table& table, std::uint16_t t) {
  std::array<EventId, N> events{};
  std::size_t next = 0;
  for (EventId e = 0; e < table.event_count; ++e) {
    if (matches(table, table.transitions[t], e)) events[next++] = e;
  }
  return events;
}

template <const auto& Definition, std::uint16_t T>
inline bool triggered(EventId event) {
  constexpr const Table& table = rows<Definition>;
  constexpr std::size_t n = count_triggers(table, T);
  if constexpr (n <= kMaxListedEvents) {
    constexpr auto events = triggers<n>(table, T);
    return [&]<std::size_t... I>(std::index_sequence<I...>) { return ((event == events[I]) || ...); }
    (std::make_index_sequence<n>{});
  } else {
    return matches(table, table.transitions[T], event);
  }
}

template <const auto& Definition, std::uint16_t T>
inline bool guard_holds(Machine& machine, const Step& step) {
  constexpr TransitionRow row = rows<Definition>.transitions[T];
  if constexpr (row.guard_kind == GuardKind::none) {
    return true;
  } else if constexpr (row.guard_kind == GuardKind::call) {
    constexpr GuardFn guard = row.guard;
    return guard(machine.context(), step);
  } else if constexpr (row.guard_kind == GuardKind::in_state) {
    return machine.is_in(row.guard_state);
  } else {
    return !machine.is_in(row.guard_state);
  }
}

// The candidate transitions for atomic state `atomic`: its own, then each
// ancestor's, innermost first, each state's in document order.
constexpr std::size_t count_candidates(const Table& table, StateIndex atomic) {
  std::size_t n = table.states[atomic].transition_count;
  for (StateSet up = table.states[atomic].ancestors; up != 0; up &= up - 1)
    n += table.states[lowest_bit(up)].transition_count;
  return n;
}

template <std::size_t N>
constexpr std::array<std::uint16_t, N> candidates(const Table& table, StateIndex atomic) {
  std::array<std::uint16_t, N> list{};
  std::size_t next = 0;
  StateSet chain = table.states[atomic].ancestors | bit(atomic);
  for (; chain != 0; chain &= ~bit(highest_bit(chain))) {
    const StateRow& state = table.states[highest_bit(chain)];
    for (std::uint16_t t = state.first_transition; t < state.first_transition + state.transition_count; ++t)
      list[next++] = t;
  }
  return list;
}

template <const auto& Definition>
inline Outcome after_step(Machine& machine, InternalQueue& queue) {
  constexpr StateSet eventless = rows<Definition>.eventless_sources;
  const bool settled = !CompiledAccess::failed(machine) && queue.empty() &&
                       (eventless == 0 || (eventless & CompiledAccess::active(machine)) == 0);
  return settled ? Outcome::handled : CompiledAccess::settle(machine, queue);
}

// Each of attempt, select_from and select_by_state is instantiated once per
// place in the branch tree, so inlining them all duplicates nothing.
template <const auto& Definition, StateIndex Atomic, std::uint16_t T>
[[gnu::always_inline]] inline bool attempt(
    Machine& machine, EventId event, Step& step, InternalQueue& queue, Outcome& outcome) {
  if (!triggered<Definition, T>(event) || !guard_holds<Definition, T>(machine, step)) return false;
  if constexpr (straight_line(rows<Definition>, Atomic, T)) {
    microstep<Definition, Atomic, T>(machine.context(), step, machine);
    outcome = after_step<Definition>(machine, queue);
  } else {
    outcome = CompiledAccess::resume(machine, T, queue, step);
  }
  return true;
}

template <const auto& Definition, StateIndex Atomic>
[[gnu::always_inline]] inline Outcome select_from(Machine& machine, EventId event, Step& step, InternalQueue& queue) {
  constexpr auto list = candidates<count_candidates(rows<Definition>, Atomic)>(rows<Definition>, Atomic);
  Outcome outcome = Outcome::unhandled;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (void)(attempt<Definition, Atomic, list[I]>(machine, event, step, queue, outcome) || ...);
  }
  (std::make_index_sequence<list.size()>{});
  return outcome;
}

template <const auto& Definition>
inline constexpr auto atomic_states = ordered<count(rows<Definition>.atomic_states)>(rows<Definition>.atomic_states,
                                                                                     false);

// Binary search on the active atomic state, by conditional branches.
template <const auto& Definition, std::size_t Low, std::size_t High>
[[gnu::always_inline]] inline Outcome select_by_state(
    unsigned atomic, Machine& machine, EventId event, Step& step, InternalQueue& queue) {
  if constexpr (High - Low == 1) {
    return select_from<Definition, atomic_states<Definition>[Low]>(machine, event, step, queue);
  } else {
    constexpr std::size_t middle = (Low + High) / 2;
    if (atomic < atomic_states<Definition>[middle])
      return select_by_state<Definition, Low, middle>(atomic, machine, event, step, queue);
    return select_by_state<Definition, middle, High>(atomic, machine, event, step, queue);
  }
}

template <const auto& Definition>
Outcome dispatch(Machine& machine, const Event& event) {
  constexpr const Table& table = rows<Definition>;
  const StateSet active = CompiledAccess::active(machine);
  if constexpr (table.deferring_states != 0) {
    if ((table.events[event.id].deferrers & active) != 0) return CompiledAccess::interpret(machine, event);
  }
  InternalQueue queue;
  Step step = CompiledAccess::step(machine, event, queue);
  CompiledAccess::enter_macrostep(machine);
  const Outcome outcome = select_by_state<Definition, 0, atomic_states<Definition>.size()>(
      highest_bit(active), machine, event.id, step, queue);
  CompiledAccess::leave_macrostep(machine);
  return outcome;
}

template <const auto& Definition>
inline constexpr bool available = LIT_CHART_COMPILED_DISPATCH != 0 && rows<Definition>.single_region;

// ---- dispatch without a machine ------------------------------------------------
//
// An owner that keeps only the configuration (an actor) need not build a
// Machine for a macrostep that cannot tell it is missing: no deferral, every
// guard tried absent or an In() test, and either no transition enabled or a
// straight-line step whose actions take no Step and after which no eventless
// transition can be enabled (the configuration after it is a constant). For
// anything else it answers needs_machine before running anything, and the
// owner dispatches through a Machine as usual. Tracing is the owner's to rule
// out.

enum class Detached : std::uint8_t { handled, unhandled, needs_machine };

template <const auto& Definition, StateIndex Atomic, std::uint16_t T>
constexpr bool detached_step() {
  constexpr const Table& table = rows<Definition>;
  if constexpr (!straight_line(table, Atomic, T) || step_sees_machine(table, Atomic, T)) {
    return false;
  } else {
    constexpr TransitionRow row = table.transitions[T];
    constexpr StateSet before = table.states[Atomic].ancestors | bit(Atomic);
    constexpr StateSet after = (before & ~exit_set(table, Atomic, T)) | row.entry;
    return (after & table.eventless_sources) == 0;
  }
}

// Tries transition T: `tried` false if it is not enabled (try the next one).
template <const auto& Definition, StateIndex Atomic, std::uint16_t T, class Configuration>
[[gnu::always_inline]] inline bool attempt_detached(Configuration& active,
                                                    void* context,
                                                    EventId event,
                                                    Detached& result) {
  constexpr TransitionRow row = rows<Definition>.transitions[T];
  if (!triggered<Definition, T>(event)) return false;
  if constexpr (row.guard_kind == GuardKind::call) {
    result = Detached::needs_machine;  // a guard may look at the step; the machine decides
    return true;
  } else {
    if constexpr (row.guard_kind == GuardKind::in_state) {
      if ((active & bit(row.guard_state)) == 0) return false;
    } else if constexpr (row.guard_kind == GuardKind::not_in_state) {
      if ((active & bit(row.guard_state)) != 0) return false;
    }
    if constexpr (!detached_step<Definition, Atomic, T>()) {
      result = Detached::needs_machine;
    } else {
      constexpr StateSet exits = exit_set(rows<Definition>, Atomic, T);
      constexpr auto exit_order = ordered<count(exits)>(exits, true);
      constexpr auto entry_order = ordered<count(row.entry)>(row.entry, false);
      Step step = CompiledAccess::detached_step();
      [&]<std::size_t... X, std::size_t... E>(std::index_sequence<X...>, std::index_sequence<E...>) {
        constexpr const Table& table = rows<Definition>;
        (call<table.states[exit_order[X]].exit_fn, table.states[exit_order[X]].exit_count, false>(context, step), ...);
        call<row.action_fn, row.action_count, false>(context, step);
        (
            [&] {
              constexpr const StateRow& state = table.states[entry_order[E]];
              call<state.entry_fn, state.entry_count, false>(context, step);
              if constexpr ((row.default_entered & bit(entry_order[E])) != 0) {
                constexpr const TransitionRow& initial = table.transitions[state.initial];
                call<initial.action_fn, initial.action_count, false>(context, step);
              }
            }(),
            ...);
      }
      (std::make_index_sequence<exit_order.size()>{}, std::make_index_sequence<entry_order.size()>{});
      active = static_cast<Configuration>((active & ~exits) | row.entry);
      result = Detached::handled;
    }
    return true;
  }
}

template <const auto& Definition, StateIndex Atomic, class Configuration>
[[gnu::always_inline]] inline Detached select_detached(Configuration& active, void* context, EventId event) {
  constexpr auto list = candidates<count_candidates(rows<Definition>, Atomic)>(rows<Definition>, Atomic);
  Detached result = Detached::unhandled;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (void)(attempt_detached<Definition, Atomic, list[I]>(active, context, event, result) || ...);
  }
  (std::make_index_sequence<list.size()>{});
  return result;
}

template <const auto& Definition, std::size_t Low, std::size_t High, class Configuration>
[[gnu::always_inline]] inline Detached select_detached_by_state(unsigned atomic,
                                                                Configuration& active,
                                                                void* context,
                                                                EventId event) {
  if constexpr (High - Low == 1) {
    return select_detached<Definition, atomic_states<Definition>[Low]>(active, context, event);
  } else {
    constexpr std::size_t middle = (Low + High) / 2;
    if (atomic < atomic_states<Definition>[middle])
      return select_detached_by_state<Definition, Low, middle>(atomic, active, context, event);
    return select_detached_by_state<Definition, middle, High>(atomic, active, context, event);
  }
}

// One event on configuration `active` (a running machine's, not tracing);
// `active` is updated when it returns handled. Its type may be narrower than
// StateSet (std::uint32_t for charts of at most 32 states: one register on
// a 32-bit MCU).
template <const auto& Definition, class Configuration = StateSet>
[[gnu::always_inline]] inline Detached dispatch_detached(Configuration& active, void* context, EventId event) {
  constexpr const Table& table = rows<Definition>;
  static_assert(sizeof(Configuration) * 8U >= table.state_count, "the configuration type is too narrow for the chart");
  if constexpr (table.deferring_states != 0) {
    if ((table.events[event].deferrers & active) != 0) return Detached::needs_machine;
  }
  unsigned atomic = 0;
  if constexpr (sizeof(Configuration) <= sizeof(unsigned)) {
    atomic = 31U - static_cast<unsigned>(__builtin_clz(static_cast<unsigned>(active)));
  } else {
    atomic = highest_bit(active);
  }
  return select_detached_by_state<Definition, 0, atomic_states<Definition>.size()>(atomic, active, context, event);
}

template <const auto& Definition>
constexpr Table with_compiled_dispatch() {
  Table table = rows<Definition>;
  if constexpr (available<Definition>) table.compiled_dispatch = &dispatch<Definition>;
  return table;
}

}  // namespace compiled

// The engine's view of a chart made by define(), itself a constant.
template <const auto& Definition>
inline constexpr Table table_of = compiled::with_compiled_dispatch<Definition>();

// A machine for a chart made by define(), with its history memory beside it:
//   lit::chart::Instance<lamp> machine(context, host);
template <const auto& Definition>
class Instance : public Machine {
 public:
  using Context = typename std::remove_cvref_t<decltype(Definition)>::Context;
  constexpr Instance(Context& context, Host& host) : Machine(table_of<Definition>, &context, host, memory_) {}
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Same as Machine::dispatch(); knowing the chart, it calls the compiled
  // dispatch directly instead of through the table.
  Outcome dispatch(const Event& event) {
    if constexpr (compiled::available<Definition>) {
      if (CompiledAccess::ready(*this) && event.id < table_of<Definition>.event_count) {
        return compiled::dispatch<Definition>(*this, event);
      }
    }
    return Machine::dispatch(event);
  }
  Outcome dispatch(EventId event) { return dispatch(Event{event, nullptr}); }

 private:
  std::array<std::uint8_t, Definition.history_bytes()> memory_{};
};

}  // namespace lit::chart

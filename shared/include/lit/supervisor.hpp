// Supervisors, with Erlang/OTP's semantics: strategies one_for_one,
// one_for_all, rest_for_one and simple_one_for_one; restart types permanent,
// transient and temporary; shutdown by timeout then kill, brutal kill or
// infinity; restart intensity (more than MaxR restarts in MaxT and the
// supervisor stops every child in reverse start order and exits with
// `shutdown`, which its own supervisor then handles); significant children
// with auto_shutdown. Optional exponential backoff, and a separate budget for
// `noconnection` exits so a flapping link cannot tear a tree down.
//
// A supervisor is an actor (it has an address, can be watched and supervised)
// whose work is its children. It runs on the same scheduler as its children
// and handles one child event at a time, in arrival order, the way OTP's
// supervisor handles its EXIT messages. Storage for child records and restart
// stamps is given to it; nothing allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lit/actor_core.hpp"
#include "lit/restart_intensity.hpp"
#include "lit/scheduler.hpp"

namespace lit {

enum class Strategy : std::uint8_t { one_for_one, one_for_all, rest_for_one, simple_one_for_one };
enum class Restart : std::uint8_t { permanent, transient, temporary };
enum class ChildType : std::uint8_t { worker, supervisor };
enum class AutoShutdown : std::uint8_t { never, any_significant, all_significant };

struct Shutdown {
  enum class Kind : std::uint8_t { brutal_kill, timeout, infinity };
  Kind kind = Kind::timeout;
  std::uint32_t timeout_ms = 5000;  // OTP's default for workers

  static constexpr Shutdown brutal_kill() { return {Kind::brutal_kill, 0}; }
  static constexpr Shutdown timeout(std::uint32_t ms) { return {Kind::timeout, ms}; }
  static constexpr Shutdown infinity() { return {Kind::infinity, 0}; }
};

// Akka-style exponential backoff between a failure and the restart:
// min(max_ms, min_ms * 2^n) plus up to jitter_percent of that, drawn from the
// port's random source. n counts restarts of the child since it last stayed up
// for max_ms. Disabled when min_ms is 0.
struct Backoff {
  Millis min_ms = 0;
  Millis max_ms = 0;
  std::uint16_t jitter_percent = 0;
  constexpr bool enabled() const { return min_ms != 0; }
};

struct ChildSpec {
  const char* id = "";
  ActorCore* actor = nullptr;  // its slot; for simple_one_for_one, slots come from the pool
  Restart restart = Restart::permanent;
  Shutdown shutdown{};
  ChildType type = ChildType::worker;
  bool significant = false;
};

struct SupervisorFlags {
  Strategy strategy = Strategy::one_for_one;
  Intensity intensity{};
  // The budget for exits with reason noconnection (a device child whose link dropped).
  Intensity link_intensity{.max_restarts = 10, .period_ms = 60'000};
  AutoShutdown auto_shutdown = AutoShutdown::never;
  Backoff backoff{};
};

enum class SupervisorError : std::uint8_t {
  ok,
  pending,       // accepted; it completes when a child finishes shutting down
  no_room,       // no free child record or pool slot
  duplicate_id,  // OTP's already_present
  not_found,
  running,                            // delete_child/restart_child of a running child
  not_running,                        // terminate_child of a stopped child is fine; this is for restart
  busy,                               // the supervisor is in the middle of a restart or shutdown
  invalid_spec,                       // no actor, or an actor already supervised elsewhere
  significant_permanent,              // OTP rejects significant permanent children
  significant_without_auto_shutdown,  // OTP rejects significant children under auto_shutdown never
  not_allowed,  // the call does not fit the strategy (OTP's simple_one_for_one rules), or the supervisor is not running
  window_too_small,  // fewer restart stamps than RestartIntensity::stamps_needed
  start_failed,      // the child's start failed; it is not running
};

const char* to_string(SupervisorError error);

// A supervisor's record of one child.
struct Child {
  enum class State : std::uint8_t {
    empty,    // no child in this record
    stopped,  // known spec, not running (OTP's pid = undefined)
    running,
    stopping,    // asked to shut down; waiting for it to exit or for its timeout
    restarting,  // waiting for its backoff delay
  };
  enum class Pending : std::uint8_t { none, exit, try_again, backoff_due };

  struct ChildTimer : Timer {
    Supervisor* supervisor = nullptr;
  };

  ChildSpec spec{};
  ActorId current{};  // the incarnation started last
  State state = State::empty;
  Pending pending = Pending::none;
  Reason exit_reason{};
  std::uint32_t pending_order = 0;
  std::uint16_t backoff_level = 0;
  bool held = false;       // hold_child: someone else decides its restarts
  bool held_exit = false;  // it exited while held; the exit is not yet handled
  Millis started_at = 0;
  ChildTimer timer{};
};

class Supervisor : public ActorCore {
 public:
  Supervisor(SupervisorFlags flags,
             std::span<Child> children,
             std::span<RestartIntensity::Stamp> restart_stamps,
             std::span<RestartIntensity::Stamp> link_restart_stamps);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Before the supervisor starts: the static children, in start order.
  SupervisorError add_child(const ChildSpec& spec);
  // For simple_one_for_one: the one child spec (its `actor` unused) and the
  // slots dynamic children live in.
  SupervisorError set_dynamic(const ChildSpec& spec, std::span<ActorCore* const> pool);

  // OTP's child administration, from the loop's context (not from inside an
  // actor's activation), on a running supervisor. Like OTP's calls, they come
  // after the child exits already pending, which are handled first. They act
  // at once when they can; a stop that waits for a child to shut down
  // returns `pending`, and while one is under way they return `busy`.
  SupervisorError start_child(const ChildSpec& spec, ActorId* started = nullptr);
  // simple_one_for_one: starts a child in a free pool slot (prepare the slot,
  // e.g. set its params, with free_slot() first).
  SupervisorError start_child(ActorId* started = nullptr);
  ActorCore* free_slot() const;
  SupervisorError terminate_child(const char* id);
  SupervisorError terminate_child(ActorId id);  // simple_one_for_one
  SupervisorError restart_child(const char* id);
  SupervisorError delete_child(const char* id);
  // Hands a child's restarts to someone else for a while (a host supervising a
  // device actor over the link). While held, an exit is recorded, not acted
  // on: the child stays stopped until restart_child, and its exits count
  // against neither intensity. Releasing it (held = false) handles an exit it
  // recorded as if it had just happened, so a device child that failed while
  // its host held it is restarted locally when the link drops.
  SupervisorError hold_child(const char* id, bool held);

  // Every record, in start order; a removed child's record may remain, empty.
  std::span<const Child> children() const { return {children_.data(), child_count_}; }
  const Child* find(const char* id) const;
  std::size_t running_children() const;
  const SupervisorFlags& flags() const { return flags_; }
  std::uint64_t restarts() const { return intensity_.total(); }
  std::uint64_t link_restarts() const { return link_intensity_.total(); }
  bool idle() const { return !plan_.active; }

 private:
  friend class Scheduler;
  static const ActorType kType;

  enum class PlanKind : std::uint8_t { restart, shutdown, terminate };
  struct Plan {
    bool active = false;
    PlanKind kind = PlanKind::restart;
    int stop_next = -1;  // next child to stop, counting down to stop_end
    int stop_end = 0;
    int start_next = 0;  // next child to start, counting up to start_end
    int start_end = 0;
    int target = -1;  // the child the plan is about
    Reason exit_reason{};
  };

  // ActorType
  static bool start_fn(ActorCore& actor, Scheduler& scheduler, Reason& failure);
  static Activation activate_fn(ActorCore& actor, Scheduler& scheduler, unsigned budget);
  static std::uint32_t stop_fn(ActorCore& actor, Scheduler& scheduler, Reason reason, StopMode mode);
  static bool request_shutdown_fn(ActorCore& actor, Scheduler& scheduler);
  static void fire_child_timer(Timer& timer, Scheduler& scheduler);
  static void child_exited_fn(ActorCore& self, ActorCore& child, std::uint32_t incarnation, Reason reason);

  // From Scheduler::exit (through kType.child_exited): a child stopped.
  void child_exited(ActorCore& child, std::uint32_t incarnation, Reason reason);

  SupervisorError validate(const ChildSpec& spec) const;
  int index_of(const char* id) const;
  int index_of(ActorId id) const;
  bool start_child_now(int index);
  // A new stopped record at the end; returns its index (the caller checked for room).
  int append_child(const ChildSpec& spec);
  // Starts a record just appended; a child that fails to start leaves no record.
  SupervisorError start_appended(int index, ActorId* started);
  // Stops one child by its shutdown spec (index -1: not_found).
  SupervisorError terminate_at(int index);
  void begin_plan(PlanKind kind, int target, Reason reason);
  void advance();
  // Starts stopping a running child; false if it must be waited for.
  bool stop_child(int index);
  void handle_pending(int index);
  void handle_exit(int index, Reason reason);
  void restart(int index, Reason reason);
  void run_strategy(int index);
  void forget_child(int index);
  void compact();
  bool auto_shutdown_due() const;
  void give_up(Reason reason);
  void reset_to_init_children();
  int next_pending() const;
  bool settle();
  void mark_pending(int index, Child::Pending pending);
  Millis backoff_delay(Child& child);

  SupervisorFlags flags_;
  std::span<Child> children_;
  std::size_t child_count_ = 0;
  std::size_t init_count_ = 0;  // records [0, init_count_) are the children given before start
  RestartIntensity intensity_;
  RestartIntensity link_intensity_;
  ChildSpec dynamic_spec_{};
  std::span<ActorCore* const> pool_{};
  Scheduler* scheduler_ = nullptr;
  Plan plan_{};
  int waiting_ = -1;  // the child whose shutdown the plan waits for
  bool exit_ready_ = false;
  // Set when it gave up on intensity: a root supervisor then reports fatal.
  bool reached_max_intensity_ = false;
  bool shutdown_requested_ = false;
  Reason exit_reason_{};
  std::uint32_t pending_order_ = 0;
  bool validation_failed_ = false;
};

// A supervisor with its storage inside: up to MaxChildren children and enough
// restart stamps for intensities up to MaxStamps (RestartIntensity::stamps_needed).
template <std::size_t MaxChildren, std::size_t MaxStamps = 16, std::size_t MaxLinkStamps = 11>
class StaticSupervisor : public Supervisor {
 public:
  explicit StaticSupervisor(SupervisorFlags flags) : Supervisor(flags, children_, stamps_, link_stamps_) {}

 private:
  std::array<Child, MaxChildren> children_{};
  std::array<RestartIntensity::Stamp, MaxStamps> stamps_{};
  std::array<RestartIntensity::Stamp, MaxLinkStamps> link_stamps_{};
};

}  // namespace lit

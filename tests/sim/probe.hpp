// Test probes for actor code, on the simulated port: wait until an actor is in
// a state or has received a message, read the stream of its transitions, and
// the runtime's lifecycle record (starts, exits with reasons, escalations) as
// text that two runs can be compared by. A Probe is the scheduler's observer
// while it lives. Host-only, single-threaded, for users' tests and ours.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lit/actor_core.hpp"
#include "lit/scheduler.hpp"
#include "sim/sim_port.hpp"

namespace lit::sim {

class Probe final : public Observer {
 public:
  struct Transition {
    Millis at;
    const ActorCore* actor;
    chart::TraceKind kind;
    std::uint16_t index;  // state, transition or event, by kind
  };
  struct Delivery {
    Millis at;
    const ActorCore* actor;
    chart::EventId event;
    chart::Outcome outcome;
  };

  Probe(SimPort& port, Scheduler& scheduler);
  ~Probe();
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // Names actors in lifecycle() text; unnamed ones print as their chart or kind.
  void name(const ActorCore& actor, std::string name) { names_[&actor] = std::move(name); }
  // Records trace records of `actor` (turns its tracing on).
  void trace(ActorCore& actor);

  // Runs the simulation (virtual time) until the actor is alive and its
  // configuration includes the state with that id; false after timeout_ms.
  bool wait_in_state(const ActorCore& actor, std::string_view state, Millis timeout_ms);
  // Until the actor has dispatched an event with that name since the last
  // call for it (or since the probe started).
  bool wait_for_message(const ActorCore& actor, std::string_view event, Millis timeout_ms);
  std::size_t queue_depth(const ActorCore& actor) const;

  const std::vector<Transition>& transitions() const { return transitions_; }
  // "enter running", "exit idle", "event go", ... for one actor, in order.
  std::vector<std::string> transition_lines(const ActorCore& actor) const;
  const std::vector<Delivery>& deliveries() const { return deliveries_; }
  // One line per start, exit and escalation: "12 start sensor#2",
  // "15 exit sensor#2 failed:overheat", "15 escalate sup shutdown:...".
  const std::vector<std::string>& lifecycle() const { return lifecycle_; }
  void clear() {
    transitions_.clear();
    deliveries_.clear();
    lifecycle_.clear();
  }

  // Observer
  void on_started(const ActorCore& actor) override;
  void on_exited(const ActorCore& actor, std::uint32_t incarnation, Reason reason) override;
  void on_dispatched(const ActorCore& actor, chart::EventId event, chart::Outcome outcome) override;
  void on_trace(const ActorCore& actor, chart::TraceRecord record) override;
  void on_escalated(const ActorCore& supervisor, Reason reason) override;

 private:
  std::string label(const ActorCore& actor) const;

  SimPort& port_;
  Scheduler& scheduler_;
  Observer* previous_;
  std::map<const ActorCore*, std::string> names_;
  std::map<const ActorCore*, std::size_t> delivery_marks_;
  std::vector<Transition> transitions_;
  std::vector<Delivery> deliveries_;
  std::vector<std::string> lifecycle_;
};

}  // namespace lit::sim

// Test probes on the simulated port; see probe.hpp.
#include "sim/probe.hpp"

namespace lit::sim {

Probe::Probe(SimPort& port, Scheduler& scheduler)
    : port_(port), scheduler_(scheduler), previous_(scheduler.observer()) {
  scheduler_.set_observer(this);
}

Probe::~Probe() { scheduler_.set_observer(previous_); }

void Probe::trace(ActorCore& actor) { scheduler_.set_tracing(actor, true); }

std::string Probe::label(const ActorCore& actor) const {
  const auto named = names_.find(&actor);
  if (named != names_.end()) return named->second;
  if (actor.type().table != nullptr) return std::string(actor.type().table->name);
  return actor.type().kind;
}

bool Probe::wait_in_state(const ActorCore& actor, std::string_view state, Millis timeout_ms) {
  const chart::Table* const table = actor.type().table;
  if (table == nullptr) return false;
  const chart::StateIndex index = table->find_state(state);
  if (index == chart::kRoot) return false;
  return port_.run_until([&] { return actor.alive() && (actor.configuration() & chart::bit(index)) != 0; }, timeout_ms);
}

bool Probe::wait_for_message(const ActorCore& actor, std::string_view event, Millis timeout_ms) {
  const chart::Table* const table = actor.type().table;
  if (table == nullptr) return false;
  const chart::EventId id = table->find_event(event);
  if (id == chart::kNone) return false;
  std::size_t& mark = delivery_marks_[&actor];
  const bool seen = port_.run_until(
      [&] {
        for (std::size_t i = mark; i < deliveries_.size(); ++i) {
          if (deliveries_[i].actor == &actor && deliveries_[i].event == id) {
            mark = i + 1;
            return true;
          }
        }
        return false;
      },
      timeout_ms);
  return seen;
}

std::size_t Probe::queue_depth(const ActorCore& actor) const { return actor.queued(); }

std::vector<std::string> Probe::transition_lines(const ActorCore& actor) const {
  std::vector<std::string> lines;
  const chart::Table* const table = actor.type().table;
  if (table == nullptr) return lines;
  for (const Transition& t : transitions_) {
    if (t.actor != &actor) continue;
    switch (t.kind) {
      case chart::TraceKind::event: lines.push_back("event " + std::string(table->events[t.index].name)); break;
      case chart::TraceKind::exit: lines.push_back("exit " + std::string(table->states[t.index].name)); break;
      case chart::TraceKind::transition: lines.push_back("transition " + std::to_string(t.index)); break;
      case chart::TraceKind::enter: lines.push_back("enter " + std::string(table->states[t.index].name)); break;
      case chart::TraceKind::deferred: lines.push_back("deferred " + std::string(table->events[t.index].name)); break;
    }
  }
  return lines;
}

void Probe::on_started(const ActorCore& actor) {
  lifecycle_.push_back(std::to_string(port_.now()) + " start " + label(actor) + "#" +
                       std::to_string(actor.incarnation()));
  if (previous_ != nullptr) previous_->on_started(actor);
}

void Probe::on_exited(const ActorCore& actor, std::uint32_t incarnation, Reason reason) {
  lifecycle_.push_back(std::to_string(port_.now()) + " exit " + label(actor) + "#" + std::to_string(incarnation) + " " +
                       to_string(reason.kind) + ":" + reason.text);
  if (previous_ != nullptr) previous_->on_exited(actor, incarnation, reason);
}

void Probe::on_dispatched(const ActorCore& actor, chart::EventId event, chart::Outcome outcome) {
  deliveries_.push_back(Delivery{port_.now(), &actor, event, outcome});
  if (previous_ != nullptr) previous_->on_dispatched(actor, event, outcome);
}

void Probe::on_trace(const ActorCore& actor, chart::TraceRecord record) {
  transitions_.push_back(Transition{port_.now(), &actor, record.kind, record.index});
  if (previous_ != nullptr) previous_->on_trace(actor, record);
}

void Probe::on_escalated(const ActorCore& supervisor, Reason reason) {
  lifecycle_.push_back(std::to_string(port_.now()) + " escalate " + label(supervisor) + " " + to_string(reason.kind) +
                       ":" + reason.text);
  if (previous_ != nullptr) previous_->on_escalated(supervisor, reason);
}

}  // namespace lit::sim

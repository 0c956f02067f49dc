// Per-loop counts and lifecycle log lines. Failures are warnings (the
// supervisor handles them), escalations errors; ordinary starts and stops are
// debug lines so a healthy daemon's log stays quiet.
#include "litd/loop_monitor.hpp"

#include <spdlog/spdlog.h>

#include "litd/logging.hpp"

namespace lit::daemon {

LoopMonitor::LoopMonitor() : log_(logger("supervisor")) {}

void LoopMonitor::name(const ActorCore& actor, std::string path, std::string type) {
  ActorStats& stats = actors_[&actor];
  stats.path = std::move(path);
  stats.type = std::move(type);
}

void LoopMonitor::forget(const ActorCore& actor) { actors_.erase(&actor); }

const LoopMonitor::ActorStats* LoopMonitor::find(const ActorCore& actor) const {
  const auto found = actors_.find(&actor);
  return found != actors_.end() ? &found->second : nullptr;
}

std::string LoopMonitor::path_of(const ActorCore& actor) const {
  const ActorStats* stats = find(actor);
  return stats != nullptr ? stats->path : std::string("(unnamed actor)");
}

void LoopMonitor::on_started(const ActorCore& actor) {
  const auto found = actors_.find(&actor);
  if (found == actors_.end()) return;
  ++found->second.starts;
  log_->debug("{} started (incarnation {})", found->second.path, actor.incarnation());
}

void LoopMonitor::on_exited(const ActorCore& actor, std::uint32_t incarnation, Reason reason) {
  const std::string path = path_of(actor);
  switch (reason.kind) {
    case ExitKind::failed:
    case ExitKind::noconnection:
      log_->warn("{} exited: {} ({}), incarnation {}", path, to_string(reason.kind), reason.text, incarnation);
      break;
    default: log_->debug("{} exited: {}, incarnation {}", path, to_string(reason.kind), incarnation); break;
  }
}

void LoopMonitor::on_dispatched(const ActorCore& actor, chart::EventId, chart::Outcome) {
  const auto found = actors_.find(&actor);
  if (found != actors_.end()) ++found->second.messages;
}

void LoopMonitor::on_escalated(const ActorCore& supervisor, Reason reason) {
  const auto found = actors_.find(&supervisor);
  if (found != actors_.end()) ++found->second.escalations;
  log_->error(
      "{} gave up: {} ({}); its own supervisor takes over", path_of(supervisor), to_string(reason.kind), reason.text);
}

}  // namespace lit::daemon

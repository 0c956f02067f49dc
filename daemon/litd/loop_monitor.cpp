// Per-loop counts, lifecycle log lines and trace events. Failures are warnings
// (the supervisor handles them), escalations errors; ordinary starts and stops
// are debug lines so a healthy daemon's log stays quiet.
#include "litd/loop_monitor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "litd/logging.hpp"

namespace lit::daemon {

LoopMonitor::LoopMonitor(std::size_t loop, EventHub* hub) : loop_(loop), hub_(hub), log_(logger("supervisor")) {}

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

void LoopMonitor::publish_lifecycle(const ActorCore& actor, int kind, std::uint32_t incarnation, const Reason* reason) {
  if (hub_ == nullptr) return;
  control::Response item;
  control::TraceEvent& event = *item.mutable_trace_event();
  event.set_time_unix_us(unix_time_us());
  event.set_path(path_of(actor));
  event.mutable_location()->set_host_loop(static_cast<std::uint32_t>(loop_));
  event.set_kind(static_cast<control::TraceKind>(kind));
  event.set_incarnation(incarnation);
  if (reason != nullptr) {
    event.mutable_failure()->set_reason(to_string(reason->kind));
    event.mutable_failure()->set_detail(reason->text);
    event.mutable_failure()->set_time_unix_ms(event.time_unix_us() / 1000);
    event.mutable_failure()->set_incarnation(incarnation);
  }
  hub_->publish(std::move(item));
}

void LoopMonitor::on_started(const ActorCore& actor) {
  mark();
  const auto found = actors_.find(&actor);
  if (found == actors_.end()) return;
  ActorStats& stats = found->second;
  ++stats.starts;
  stats.started_unix_ms = unix_time_us() / 1000;
  log_->debug("{} started (incarnation {})", stats.path, actor.incarnation());
  publish_lifecycle(actor,
                    stats.starts > 1 ? control::TRACE_KIND_RESTARTED : control::TRACE_KIND_STARTED,
                    actor.incarnation(),
                    nullptr);
}

void LoopMonitor::on_exited(const ActorCore& actor, std::uint32_t incarnation, Reason reason) {
  mark();
  const std::string path = path_of(actor);
  if (const auto found = actors_.find(&actor); found != actors_.end()) found->second.last_event = chart::kNone;
  const bool failure = reason.kind == ExitKind::failed || reason.kind == ExitKind::noconnection;
  if (failure) {
    log_->warn("{} exited: {} ({}), incarnation {}", path, to_string(reason.kind), reason.text, incarnation);
    if (const auto found = actors_.find(&actor); found != actors_.end()) {
      ++found->second.failures;
      found->second.last_failure = Failure{.kind = reason.kind,
                                           .detail = reason.text,
                                           .time_unix_ms = unix_time_us() / 1000,
                                           .incarnation = incarnation};
    }
  } else {
    log_->debug("{} exited: {}, incarnation {}", path, to_string(reason.kind), incarnation);
  }
  publish_lifecycle(actor, failure ? control::TRACE_KIND_FAILURE : control::TRACE_KIND_STOPPED, incarnation, &reason);
}

void LoopMonitor::on_discarded(const ActorCore& actor, std::uint32_t, std::uint32_t count) {
  const auto found = actors_.find(&actor);
  if (found != actors_.end()) found->second.discarded += count;
}

void LoopMonitor::begin_batch() { last_mark_ = std::chrono::steady_clock::now(); }

void LoopMonitor::mark() { last_mark_ = std::chrono::steady_clock::now(); }

void LoopMonitor::on_dispatched(const ActorCore& actor, chart::EventId, chart::Outcome outcome) {
  const auto now = std::chrono::steady_clock::now();
  const auto found = actors_.find(&actor);
  if (found != actors_.end()) {
    ActorStats& stats = found->second;
    ++stats.messages;
    if (outcome == chart::Outcome::handled) ++stats.transitions;
    if (outcome == chart::Outcome::deferred) ++stats.deferred;
    // The message just taken out, and what still waits behind it.
    if (actor.has_mailbox()) stats.mailbox_high_water = std::max(stats.mailbox_high_water, actor.queued() + 1U);
    // Since the batch began or the last thing this loop reported: the pop,
    // the dispatch and the actor's actions for this message.
    stats.processing.observe(std::chrono::duration<double>(now - last_mark_).count());
  }
  last_mark_ = now;
}

void LoopMonitor::on_refused(const ActorCore& actor, SendResult) {
  const auto found = actors_.find(&actor);
  if (found != actors_.end()) ++found->second.rejections;
}

void LoopMonitor::on_escalated(const ActorCore& supervisor, Reason reason) {
  const auto found = actors_.find(&supervisor);
  if (found != actors_.end()) ++found->second.escalations;
  log_->error(
      "{} gave up: {} ({}); its own supervisor takes over", path_of(supervisor), to_string(reason.kind), reason.text);
  publish_lifecycle(supervisor, control::TRACE_KIND_FAILURE, supervisor.incarnation(), &reason);
}

void LoopMonitor::on_trace(const ActorCore& actor, chart::TraceRecord record) {
  const auto found = actors_.find(&actor);
  const chart::Table* table = actor.type().table;
  if (found == actors_.end() || table == nullptr) return;
  ActorStats& stats = found->second;
  if (record.kind == chart::TraceKind::event) {
    stats.last_event = record.index;
    return;
  }
  if (record.kind != chart::TraceKind::transition || !tracing_ || hub_ == nullptr) return;
  const chart::TransitionRow& row = table->transitions[record.index];
  control::Response item;
  control::TraceEvent& event = *item.mutable_trace_event();
  event.set_time_unix_us(unix_time_us());
  event.set_path(stats.path);
  event.mutable_location()->set_host_loop(static_cast<std::uint32_t>(loop_));
  event.set_kind(control::TRACE_KIND_TRANSITION);
  event.set_incarnation(actor.incarnation());
  // The chart's own initial transition (from the root) has no event.
  if (row.source != chart::kRoot && stats.last_event != chart::kNone && stats.last_event < table->event_count) {
    event.set_event(std::string(table->events[stats.last_event].name));
  }
  if (row.source != chart::kRoot) event.add_from(std::string(table->states[row.source].name));
  for (std::uint16_t k = 0; k < row.target_count; ++k) {
    event.add_to(std::string(table->states[table->targets[row.targets_begin + k]].name));
  }
  hub_->publish(std::move(item));
}

}  // namespace lit::daemon

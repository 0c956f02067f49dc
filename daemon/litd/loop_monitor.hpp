// What one worker loop's runtime reports, for the log and the metrics: the
// scheduler's observer on that loop. It names actors by their configured
// paths, counts messages handled, restarts and escalations per actor, and logs
// failures and escalations once each, with the path. Every call comes from its
// loop (the scheduler's callbacks, and the daemon's call_sync closures).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "lit/scheduler.hpp"
#include "litd/event_hub.hpp"
#include "metrics/metrics.hpp"

namespace spdlog {
class logger;
}

namespace lit::daemon {

class LoopMonitor final : public Observer {
 public:
  struct Failure {
    ExitKind kind = ExitKind::failed;
    std::string detail;
    std::int64_t time_unix_ms = 0;
    std::uint32_t incarnation = 0;
  };
  struct ActorStats {
    std::string path;
    std::string type;
    std::uint64_t messages = 0;
    std::uint64_t transitions = 0;         // messages that took at least one transition
    std::uint64_t deferred = 0;            // messages an active state deferred
    std::uint64_t discarded = 0;           // queued when an incarnation stopped: discarded unread
    std::uint32_t mailbox_high_water = 0;  // the deepest its mailbox was when a message was taken out
    std::uint64_t rejections = 0;          // sends refused as dead or invalid (Observer::on_refused)
    std::uint64_t starts = 0;
    std::uint64_t failures = 0;
    std::uint64_t escalations = 0;
    std::int64_t started_unix_ms = 0;
    std::optional<Failure> last_failure;
    chart::EventId last_event = chart::kNone;  // for trace lines
    ProcessingHistogram processing{};          // seconds per message handled
  };

  LoopMonitor(std::size_t loop, EventHub* hub);
  // The port is about to run a batch of activations: a message's processing
  // time runs from here, or from the end of the previous one in the batch.
  void begin_batch();
  // Transitions of traced actors go to the hub only while someone listens.
  void set_tracing(bool on) { tracing_ = on; }

  // The configured path and type of an actor on this loop (a tree registers
  // its nodes when it is built or reconciled). Counts survive re-registering.
  void name(const ActorCore& actor, std::string path, std::string type);
  void forget(const ActorCore& actor);
  const std::unordered_map<const ActorCore*, ActorStats>& actors() const { return actors_; }
  const ActorStats* find(const ActorCore& actor) const;

  void on_started(const ActorCore& actor) override;
  void on_exited(const ActorCore& actor, std::uint32_t incarnation, Reason reason) override;
  void on_discarded(const ActorCore& actor, std::uint32_t incarnation, std::uint32_t count) override;
  void on_dispatched(const ActorCore& actor, chart::EventId event, chart::Outcome outcome) override;
  void on_escalated(const ActorCore& supervisor, Reason reason) override;
  void on_trace(const ActorCore& actor, chart::TraceRecord record) override;
  void on_refused(const ActorCore& actor, SendResult result) override;

 private:
  std::string path_of(const ActorCore& actor) const;
  void publish_lifecycle(const ActorCore& actor, int kind, std::uint32_t incarnation, const Reason* reason);

  void mark();

  std::size_t loop_;
  EventHub* hub_;
  std::chrono::steady_clock::time_point last_mark_{};
  bool tracing_ = false;
  std::shared_ptr<spdlog::logger> log_;
  std::unordered_map<const ActorCore*, ActorStats> actors_;
};

}  // namespace lit::daemon

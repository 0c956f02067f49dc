// The simulated port's chart host: a deterministic virtual clock and external
// event queue for statechart machines, used by the tests and by
// `lit-chart simulate`. Time moves only through advance(); timers and delayed
// sends due at the same instant fire in the order they were armed. Host-only
// (uses the standard containers); single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "lit/chart/machine.hpp"

namespace lit::sim {

class ChartHost final : public chart::Host {
 public:
  struct Options {
    std::size_t defer_capacity = 64;  // events kept per machine before defer() reports no room
    bool record_trace = true;
  };

  struct LogLine {
    std::uint64_t at_ms;
    std::string label;
    std::string text;
  };

  struct TraceLine {
    std::uint64_t at_ms;
    chart::TraceRecord record;
  };

  // An activity started by a machine and not yet finished or cancelled.
  struct RunningActivity {
    chart::Machine* machine;
    std::uint16_t invoke;
    std::uint32_t token;
  };

  ChartHost() : ChartHost(Options{}) {}
  explicit ChartHost(Options options) : options_(options) {}
  ChartHost(const ChartHost&) = delete;
  ChartHost& operator=(const ChartHost&) = delete;

  // Queues an external event and processes the queue until it is empty.
  chart::Outcome send(chart::Machine& machine, chart::EventId event);
  // Queues without processing.
  void post(chart::Machine& machine, chart::EventId event);
  // Processes queued external events (recalled ones first) until none is left.
  // Returns the outcome of the last dispatch, or `unhandled` if there was none.
  chart::Outcome run_until_idle();
  // Moves the clock forward, firing due timers and delayed sends in time order,
  // each followed by run_until_idle().
  void advance(std::uint64_t ms);
  std::uint64_t now_ms() const { return now_ms_; }

  // How many more events the host may dispatch. A chart can keep itself busy
  // forever (a zero-delay <send> of an event that re-enters the sending state),
  // so hosts of untrusted charts set a budget: once it is spent, send(),
  // run_until_idle() and advance() stop dispatching and leave events queued;
  // advance() still moves the clock and queues what falls due. Unlimited
  // unless set.
  void set_dispatch_budget(std::size_t dispatches) { dispatch_budget_ = dispatches; }
  std::size_t dispatch_budget() const { return dispatch_budget_; }
  // External events posted and not yet dispatched.
  std::size_t queued_events() const { return queue_.size(); }

  // Reports the outcome of a running activity. Returns false, and delivers
  // nothing, if the activity was cancelled or already finished.
  bool finish_activity(const chart::Activity& activity, bool succeeded);
  const std::vector<RunningActivity>& running_activities() const { return activities_; }

  std::size_t pending_timers(const chart::Machine& machine) const;
  std::size_t deferred_count(const chart::Machine& machine) const;
  std::uint64_t cancelled_timer_count() const { return cancelled_timers_; }
  std::uint64_t stale_activity_reports() const { return stale_activity_reports_; }
  std::uint64_t defer_overflows() const { return defer_overflows_; }
  const std::vector<LogLine>& logs() const { return logs_; }
  const std::vector<TraceLine>& traces() const { return traces_; }
  void clear_traces() { traces_.clear(); }
  // Outcomes of every dispatch this host made, in order.
  const std::vector<chart::Outcome>& outcomes() const { return outcomes_; }

  // chart::Host
  void arm_timer(chart::Machine& machine, std::uint16_t timer, std::uint32_t delay_ms) override;
  void cancel_timer(chart::Machine& machine, std::uint16_t timer) override;
  void send_after(chart::Machine& machine, chart::EventId event, std::uint32_t delay_ms) override;
  bool defer(chart::Machine& machine, const chart::Event& event) override;
  void recall(chart::Machine& machine) override;
  void start_activity(chart::Machine& machine, std::uint16_t invoke) override;
  void cancel_activity(chart::Machine& machine, std::uint16_t invoke) override;
  void log(chart::Machine& machine, std::string_view label, std::string_view text) override;
  void trace(chart::Machine& machine, chart::TraceRecord record) override;

 private:
  struct Scheduled {
    std::uint64_t due_ms;
    std::uint64_t sequence;
    chart::Machine* machine;
    bool is_timer;
    std::uint16_t timer;   // when is_timer
    chart::EventId event;  // when !is_timer
  };
  struct Queued {
    chart::Machine* machine;
    chart::EventId event;
  };
  struct Deferred {
    chart::Machine* machine;
    chart::EventId event;
  };

  Options options_;
  std::uint64_t now_ms_ = 0;
  std::size_t dispatch_budget_ = std::numeric_limits<std::size_t>::max();
  std::uint64_t sequence_ = 0;
  std::uint32_t next_token_ = 1;
  std::vector<Scheduled> scheduled_;
  std::deque<Queued> queue_;
  std::vector<Deferred> deferred_;
  std::vector<RunningActivity> activities_;
  std::vector<LogLine> logs_;
  std::vector<TraceLine> traces_;
  std::vector<chart::Outcome> outcomes_;
  std::uint64_t cancelled_timers_ = 0;
  std::uint64_t stale_activity_reports_ = 0;
  std::uint64_t defer_overflows_ = 0;
};

}  // namespace lit::sim

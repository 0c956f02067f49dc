// Deterministic chart host on a virtual clock; see chart_host.hpp.
#include "sim/chart_host.hpp"

#include <algorithm>

namespace lit::sim {

using chart::EventId;
using chart::Machine;
using chart::Outcome;

Outcome ChartHost::send(Machine& machine, EventId event) {
  post(machine, event);
  return run_until_idle();
}

void ChartHost::post(Machine& machine, EventId event) { queue_.push_back(Queued{&machine, event}); }

Outcome ChartHost::run_until_idle() {
  Outcome last = Outcome::unhandled;
  while (!queue_.empty() && dispatch_budget_ > 0) {
    const Queued next = queue_.front();
    queue_.pop_front();
    --dispatch_budget_;
    last = next.machine->dispatch(next.event);
    outcomes_.push_back(last);
    if (last == Outcome::defer_overflow) ++defer_overflows_;
  }
  return last;
}

void ChartHost::advance(std::uint64_t ms) {
  const std::uint64_t until = now_ms_ + ms;
  for (;;) {
    auto next = std::min_element(scheduled_.begin(), scheduled_.end(), [](const Scheduled& a, const Scheduled& b) {
      return a.due_ms != b.due_ms ? a.due_ms < b.due_ms : a.sequence < b.sequence;
    });
    if (next == scheduled_.end() || next->due_ms > until) break;
    const Scheduled fired = *next;
    scheduled_.erase(next);
    now_ms_ = fired.due_ms;
    const EventId event = fired.is_timer ? fired.machine->table().timers[fired.timer].event : fired.event;
    post(*fired.machine, event);
    run_until_idle();
  }
  now_ms_ = until;
}

void ChartHost::arm_timer(Machine& machine, std::uint16_t timer, std::uint32_t delay_ms) {
  scheduled_.push_back(Scheduled{now_ms_ + delay_ms, sequence_++, &machine, true, timer, chart::kNone});
}

void ChartHost::cancel_timer(Machine& machine, std::uint16_t timer) {
  const auto removed = std::erase_if(
      scheduled_, [&](const Scheduled& s) { return s.is_timer && s.machine == &machine && s.timer == timer; });
  cancelled_timers_ += removed;
}

void ChartHost::send_after(Machine& machine, EventId event, std::uint32_t delay_ms) {
  if (delay_ms == 0) {
    post(machine, event);
    return;
  }
  scheduled_.push_back(Scheduled{now_ms_ + delay_ms, sequence_++, &machine, false, 0, event});
}

bool ChartHost::defer(Machine& machine, const chart::Event& event) {
  if (deferred_count(machine) >= options_.defer_capacity) return false;
  deferred_.push_back(Deferred{&machine, event.id});
  return true;
}

void ChartHost::recall(Machine& machine) {
  // Kept events go back ahead of everything queued, in their arrival order.
  std::vector<Queued> recalled;
  std::erase_if(deferred_, [&](const Deferred& d) {
    if (d.machine != &machine) return false;
    recalled.push_back(Queued{d.machine, d.event});
    return true;
  });
  queue_.insert(queue_.begin(), recalled.begin(), recalled.end());
}

void ChartHost::start_activity(Machine& machine, std::uint16_t invoke) {
  const chart::Activity activity{&machine, invoke, next_token_++, nullptr};
  activities_.push_back(RunningActivity{&machine, invoke, activity.token});
  const chart::ActivityFn start = machine.table().invokes[invoke].start;
  if (start != nullptr) start(machine.context(), activity);
}

void ChartHost::cancel_activity(Machine& machine, std::uint16_t invoke) {
  std::erase_if(activities_, [&](const RunningActivity& a) { return a.machine == &machine && a.invoke == invoke; });
}

bool ChartHost::finish_activity(const chart::Activity& activity, bool succeeded) {
  const auto running = std::find_if(activities_.begin(), activities_.end(), [&](const RunningActivity& a) {
    return a.machine == activity.machine && a.invoke == activity.invoke && a.token == activity.token;
  });
  if (running == activities_.end()) {
    ++stale_activity_reports_;
    return false;
  }
  activities_.erase(running);
  const chart::InvokeRow& row = activity.machine->table().invokes[activity.invoke];
  post(*activity.machine, succeeded ? row.done_event : row.error_event);
  return true;
}

std::size_t ChartHost::pending_timers(const Machine& machine) const {
  return static_cast<std::size_t>(std::count_if(
      scheduled_.begin(), scheduled_.end(), [&](const Scheduled& s) { return s.is_timer && s.machine == &machine; }));
}

std::size_t ChartHost::deferred_count(const Machine& machine) const {
  return static_cast<std::size_t>(
      std::count_if(deferred_.begin(), deferred_.end(), [&](const Deferred& d) { return d.machine == &machine; }));
}

void ChartHost::log(Machine&, std::string_view label, std::string_view text) {
  logs_.push_back(LogLine{now_ms_, std::string(label), std::string(text)});
}

void ChartHost::trace(Machine&, chart::TraceRecord record) {
  if (options_.record_trace) traces_.push_back(TraceLine{now_ms_, record});
}

}  // namespace lit::sim

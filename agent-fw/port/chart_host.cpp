// The bare-metal chart host; see chart_host.hpp.
#include "chart_host.hpp"

#include "board.hpp"
#include "chart_text.hpp"
#include "console.hpp"

namespace lit::port {

using chart::EventId;
using chart::Machine;

namespace {
// Wrap-safe "a is earlier than b" on the 32-bit millisecond clock.
bool earlier(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }
}  // namespace

bool ChartHost::post(Machine& machine, EventId event) {
  if (queue_count_ == kQueueCapacity) {
    ++overflows_.queue;
    return false;
  }
  queue_[(queue_head_ + queue_count_) % kQueueCapacity] = Pending{&machine, event};
  ++queue_count_;
  return true;
}

bool ChartHost::push_front(const Pending& pending) {
  if (queue_count_ == kQueueCapacity) {
    ++overflows_.queue;
    return false;
  }
  queue_head_ = (queue_head_ + kQueueCapacity - 1) % kQueueCapacity;
  queue_[queue_head_] = pending;
  ++queue_count_;
  return true;
}

void ChartHost::run_until_idle() {
  while (queue_count_ != 0) {
    const Pending next = queue_[queue_head_];
    queue_head_ = (queue_head_ + 1) % kQueueCapacity;
    --queue_count_;
    last_outcome_ = next.machine->dispatch(next.event);
  }
}

void ChartHost::poll() { fire_due(board::now_ms()); }

void ChartHost::run_for(std::uint32_t ms) {
  const std::uint32_t start = board::now_ms();
  for (;;) {
    // One clock reading per pass: whatever is due by it fires before the deadline is judged.
    const std::uint32_t now = board::now_ms();
    fire_due(now);
    if (now - start >= ms) return;
    board::wait_for_interrupt();
  }
}

ChartHost::Scheduled* ChartHost::next_due(std::uint32_t now_ms) {
  Scheduled* best = nullptr;
  for (Scheduled& slot : scheduled_) {
    if (slot.machine == nullptr || earlier(now_ms, slot.due_ms)) continue;
    const bool first = best == nullptr || earlier(slot.due_ms, best->due_ms) ||
                       (slot.due_ms == best->due_ms && earlier(slot.sequence, best->sequence));
    if (first) best = &slot;
  }
  return best;
}

void ChartHost::fire_due(std::uint32_t now_ms) {
  run_until_idle();
  while (Scheduled* due = next_due(now_ms)) {
    const Scheduled fired = *due;
    due->machine = nullptr;
    const EventId event = fired.is_timer ? fired.machine->table().timers[fired.timer].event : fired.event;
    post(*fired.machine, event);
    run_until_idle();
  }
}

std::size_t ChartHost::pending_timers() const {
  std::size_t count = 0;
  for (const Scheduled& slot : scheduled_) count += slot.machine != nullptr && slot.is_timer ? 1U : 0U;
  return count;
}

void ChartHost::schedule(const Scheduled& entry) {
  for (Scheduled& slot : scheduled_) {
    if (slot.machine == nullptr) {
      slot = entry;
      slot.sequence = sequence_++;
      return;
    }
  }
  ++overflows_.timers;
}

void ChartHost::arm_timer(Machine& machine, std::uint16_t timer, std::uint32_t delay_ms) {
  schedule(Scheduled{&machine, board::now_ms() + delay_ms, 0, chart::kNone, timer, true});
}

void ChartHost::cancel_timer(Machine& machine, std::uint16_t timer) {
  for (Scheduled& slot : scheduled_) {
    if (slot.machine == &machine && slot.is_timer && slot.timer == timer) slot.machine = nullptr;
  }
}

void ChartHost::send_after(Machine& machine, EventId event, std::uint32_t delay_ms) {
  if (delay_ms == 0) {
    post(machine, event);
    return;
  }
  schedule(Scheduled{&machine, board::now_ms() + delay_ms, 0, event, 0, false});
}

bool ChartHost::defer(Machine& machine, const chart::Event& event) {
  if (deferred_count_ == kDeferCapacity) {
    ++overflows_.deferred;
    return false;
  }
  deferred_[deferred_count_++] = Pending{&machine, event.id};
  return true;
}

void ChartHost::recall(Machine& machine) {
  // Walk backwards so that pushing each onto the front leaves them in arrival order.
  for (std::size_t i = deferred_count_; i-- > 0;) {
    if (deferred_[i].machine == &machine) push_front(deferred_[i]);
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < deferred_count_; ++i) {
    if (deferred_[i].machine != &machine) deferred_[kept++] = deferred_[i];
  }
  deferred_count_ = kept;
}

void ChartHost::start_activity(Machine& machine, std::uint16_t invoke) {
  for (Running& slot : activities_) {
    if (slot.machine != nullptr) continue;
    slot = Running{&machine, invoke, next_token_++};
    const chart::ActivityFn start = machine.table().invokes[invoke].start;
    if (start != nullptr) start(machine.context(), chart::Activity{&machine, invoke, slot.token, nullptr});
    return;
  }
  ++overflows_.activities;
}

void ChartHost::cancel_activity(Machine& machine, std::uint16_t invoke) {
  for (Running& slot : activities_) {
    if (slot.machine == &machine && slot.invoke == invoke) slot.machine = nullptr;
  }
}

bool ChartHost::finish_activity(const chart::Activity& activity, bool succeeded) {
  for (Running& slot : activities_) {
    if (slot.machine != activity.machine || slot.invoke != activity.invoke || slot.token != activity.token) continue;
    slot.machine = nullptr;
    const chart::InvokeRow& row = activity.machine->table().invokes[activity.invoke];
    return post(*activity.machine, succeeded ? row.done_event : row.error_event);
  }
  return false;
}

void ChartHost::log(Machine&, std::string_view label, std::string_view text) {
  console << "  log " << label << ": " << text << '\n';
}

void ChartHost::trace(Machine& machine, chart::TraceRecord record) { print_trace(console, machine.table(), record); }

}  // namespace lit::port

// The hub's queue is taken whole under the lock and delivered outside it, so
// a publisher waits at most for a swap.
#include "litd/event_hub.hpp"

#include <chrono>

namespace lit::daemon {

std::int64_t unix_time_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

EventHub::~EventHub() { detach(); }

void EventHub::attach(uv_loop_t* loop, std::function<void(const control::Response&)> deliver) {
  deliver_ = std::move(deliver);
  auto* wake = new uv_async_t;
  uv_async_init(loop, wake, &EventHub::on_wake);
  wake->data = this;
  std::lock_guard lock(mutex_);
  wake_ = wake;
}

void EventHub::detach() {
  uv_async_t* wake = nullptr;
  {
    std::lock_guard lock(mutex_);
    wake = wake_;
    wake_ = nullptr;
  }
  if (wake == nullptr) return;
  wake->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(wake),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_async_t*>(handle); });
}

void EventHub::publish(control::Response item) {
  std::lock_guard lock(mutex_);
  if (item.has_log_record()) {
    recent_.push_back(item.log_record());
    if (recent_.size() > kBacklog) recent_.pop_front();
  }
  if (wake_ == nullptr) return;  // nobody listens yet: only the backlog keeps it
  if (queue_.size() >= kQueueLimit) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(item));
  uv_async_send(wake_);
}

std::vector<control::LogRecord> EventHub::backlog(std::size_t count) const {
  std::lock_guard lock(mutex_);
  const std::size_t skip = recent_.size() > count ? recent_.size() - count : 0;
  return {recent_.begin() + static_cast<std::ptrdiff_t>(skip), recent_.end()};
}

std::uint64_t EventHub::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void EventHub::on_wake(uv_async_t* handle) {
  if (handle->data != nullptr) static_cast<EventHub*>(handle->data)->drain();
}

void EventHub::drain() {
  std::deque<control::Response> items;
  {
    std::lock_guard lock(mutex_);
    items.swap(queue_);
  }
  for (const control::Response& item : items) deliver_(item);
}

}  // namespace lit::daemon

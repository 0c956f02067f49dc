// Trace events and log records on their way to control streams. Any thread
// may publish (worker loops, spdlog's sinks); the main loop drains them into
// the open streams after a coalesced uv_async wake. The last log records are
// kept for a stream's backlog. Publishing never blocks for long: a bounded
// queue drops (and counts) what the main loop has not taken.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "control.pb.h"

namespace lit::daemon {

// Wall-clock microseconds since the Unix epoch: the time stamp of trace
// events and log records (and, divided, of the control API's other times).
std::int64_t unix_time_us();

class EventHub {
 public:
  static constexpr std::size_t kQueueLimit = 4096;
  static constexpr std::size_t kBacklog = 500;

  EventHub() = default;
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;
  ~EventHub();

  // On the main loop: `deliver` gets every published item there, in order.
  void attach(uv_loop_t* loop, std::function<void(const control::Response&)> deliver);
  void detach();

  // Any thread. Items carry either a trace_event or a log_record.
  void publish(control::Response item);
  // The last log records (at most `count`), oldest first.
  std::vector<control::LogRecord> backlog(std::size_t count) const;
  std::uint64_t dropped() const;

 private:
  static void on_wake(uv_async_t* handle);
  void drain();

  mutable std::mutex mutex_;
  std::deque<control::Response> queue_;
  std::deque<control::LogRecord> recent_;
  std::uint64_t dropped_ = 0;
  uv_async_t* wake_ = nullptr;  // freed by its close callback
  std::function<void(const control::Response&)> deliver_;
};

}  // namespace lit::daemon

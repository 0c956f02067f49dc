// One serial device (a real tty or a pty) on one libuv loop: opens it raw and
// exclusive, moves bytes in and out, and reopens it with backoff after an
// unplug. Used only from its loop's thread; callbacks run on that thread too.
// Never blocks the loop (the fd is non-blocking, writes queue) and never drops
// a byte silently: a write that does not fit is refused and counted.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lit/port.hpp"

namespace spdlog {
class logger;
}

namespace lit::daemon {

class SerialLine {
 public:
  // stopped: before start() and after stop(). up: open, bytes flow.
  // down: not open; reopen attempts run with backoff. failed: a configuration
  // error (unsupported baud) that no retry can fix; start() again after fixing.
  enum class State : std::uint8_t { stopped, up, down, failed };

  struct Options {
    std::string path;  // /dev/ttyACM0, /dev/serial/by-id/..., a pty's link
    std::uint32_t baud = 115200;
    Millis reconnect_min_ms = 100;  // first reopen delay; doubles per failure
    Millis reconnect_max_ms = 5000;
    std::string name;                                     // the device's name in logs; empty: the path
    std::size_t tx_queue_bytes = std::size_t{64} * 1024;  // bound of the outgoing queue
  };

  struct Callbacks {
    // Bytes as read, in order; the span is valid only during the call.
    std::function<void(std::span<const std::uint8_t>)> on_bytes;
    // Each state change once: up ("opened at 115200"), down ("unplugged: ..."
    // or why the open failed), failed, stopped. Never once per retry.
    std::function<void(State, std::string_view detail)> on_state;
  };

  struct Counters {
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;      // written to the fd
    std::uint64_t opens = 0;          // successful opens
    std::uint64_t open_failures = 0;  // failed open attempts (each retry counts)
    std::uint64_t unplugs = 0;        // an open line lost (hangup, read or write error)
    std::uint64_t tx_dropped = 0;     // refused by write() (queue full, not up) or queued when the line closed
    std::uint64_t read_errors = 0;    // read() failures that are no hangup (not EIO, ENXIO, ENODEV); each ends the line
  };

  SerialLine(uv_loop_t* loop, Options options, Callbacks callbacks);
  // Closes without callbacks; handles finish closing when the loop next runs.
  // Not from inside one of this line's own callbacks (stop() is fine there).
  ~SerialLine();
  SerialLine(const SerialLine&) = delete;
  SerialLine& operator=(const SerialLine&) = delete;
  SerialLine(SerialLine&&) = delete;
  SerialLine& operator=(SerialLine&&) = delete;

  // Opens now (the first state callback may run before start() returns); on
  // failure keeps retrying with backoff. No effect unless stopped or failed.
  void start();
  // Closes the fd and every handle (queued output is discarded) so the loop
  // can end; reports `stopped` once. Idempotent. Callbacks may call it.
  void stop();

  // Queues all of `bytes` for writing, or none of them: false (and tx_dropped
  // counts them) when the line is not up or the queue lacks room. The link
  // layer above retransmits what was refused.
  bool write(std::span<const std::uint8_t> bytes);

  State state() const { return state_; }
  // Why the line is not up (the last failure, even a quiet retry); empty once up.
  const std::string& last_error() const { return last_error_; }
  const Counters& counters() const { return counters_; }
  std::size_t queued_bytes() const { return tx_queue_.size() - tx_head_; }
  // The delay before the next reopen attempt; 0 unless down.
  Millis retry_delay_ms() const { return state_ == State::down ? retry_delay_ms_ : 0; }
  const Options& options() const { return options_; }

  // The rates a device may name (1200 .. 4000000), for the config checker.
  static bool baud_supported(std::uint32_t baud);
  static std::span<const std::uint32_t> supported_bauds();
  // "1200, 1800, ..., 4000000", for error messages.
  static std::string supported_bauds_text();

  static const char* to_string(State state);

 private:
  // What kind of trouble keeps the line down. A retry that fails the same way
  // as the last reported one stays quiet; a different kind is a change.
  enum class Problem : std::uint8_t { none, absent, permission, busy, not_a_tty, configuration, other };

  struct OpenFailure {
    Problem problem = Problem::other;
    int error_number = 0;
    std::string message;
  };

  void attempt_open();
  bool open_port(OpenFailure& failure);
  void on_open_failed(OpenFailure failure);
  void on_lost(const std::string& reason, bool read_error);
  void close_port();
  void close_timer();
  void schedule_retry();
  void update_poll();
  static void poll_callback(uv_poll_t* handle, int status, int events);
  void on_poll(int status, int events);
  void drain_reads();
  void flush_writes();
  void set_state(State state, std::string_view detail);

  uv_loop_t* loop_;
  Options options_;
  Callbacks callbacks_;
  std::shared_ptr<spdlog::logger> log_;
  std::string label_;  // "name (path)" for log lines

  State state_ = State::stopped;
  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;    // owned until its close callback frees it
  uv_timer_t* timer_ = nullptr;  // likewise
  bool polling_writable_ = false;
  std::uint64_t generation_ = 0;  // bumps on every open and close: callbacks detect a reentrant stop()

  Problem reported_problem_ = Problem::none;
  int reported_errno_ = 0;
  std::string last_error_;
  Millis retry_delay_ms_ = 0;
  Counters counters_;

  std::vector<std::uint8_t> tx_queue_;  // bytes [tx_head_, size) wait to be written
  std::size_t tx_head_ = 0;
  std::vector<std::uint8_t> rx_buffer_;
};

}  // namespace lit::daemon

// The daemon's event loops: N worker threads, each running its own uv_loop_t,
// UvPort and lit::Scheduler. Actors are pinned: an actor is started on loop
// i's scheduler from loop i (through call() or call_sync()) and lives there.
// start() and stop() belong to the owning thread, never to a loop thread;
// call(), call_sync() and the fatal queries are safe from any thread.
#pragma once

#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lit/scheduler.hpp"
#include "port/uv_port.hpp"

namespace lit::daemon {

class LoopGroup {
 public:
  struct Options {
    std::size_t workers = 0;         // 0: one per hardware thread
    std::uint8_t first_loop_id = 0;  // loop i gets loop id first_loop_id + i
    std::uint16_t fairness = Scheduler::Options{}.fairness;
    std::size_t watches = 256;        // per loop: Scheduler::Storage::watches
    std::size_t delayed_sends = 256;  // per loop: Scheduler::Storage::delayed_sends
    std::size_t activations_per_turn = UvPort::Options{}.activations_per_turn;
    std::size_t idle_turns_before_sleep = UvPort::Options{}.idle_turns_before_sleep;
    // On the failing loop's thread, after the port has logged; the first
    // fatal() is also kept for fatal() and wait_for_fatal().
    std::function<void(std::size_t loop, std::string_view reason)> on_fatal{};
  };

  struct Fatal {
    std::size_t loop = 0;
    std::string reason;
  };

  LoopGroup() : LoopGroup(Options{}) {}
  explicit LoopGroup(Options options);
  LoopGroup(const LoopGroup&) = delete;
  LoopGroup& operator=(const LoopGroup&) = delete;
  // Stops the loops if they still run.
  ~LoopGroup();

  // Starts every loop and returns once each runs. False (and nothing left
  // running) if a loop could not be set up, or if the group already started.
  bool start();
  // Stops the loops in reverse order: each runs the closures already queued,
  // closes every handle still open on it (actors stay as they are: alive, but
  // never run again), and its thread is joined. Idempotent; not from a loop
  // thread (it would join itself: std::logic_error).
  void stop();

  std::size_t size() const { return worker_count_; }
  // Loop i's scheduler and port: use them on loop i (or after stop()).
  Scheduler& scheduler(std::size_t i) { return *workers_.at(i)->scheduler; }
  UvPort& port(std::size_t i) { return *workers_.at(i)->port; }
  uv_loop_t& loop(std::size_t i) { return workers_.at(i)->loop; }
  // True on loop i's thread.
  bool on_loop(std::size_t i) const;

  // Runs `work` on loop i, after every closure queued to it before (FIFO per
  // loop). False, and `work` dropped, if the loop is not running. An
  // exception escaping `work` is that loop's fatal error.
  bool call(std::size_t i, std::function<void()> work);
  // Runs `work` on loop i and waits for it; on loop i itself it runs inline.
  // An exception from `work` is rethrown here. False if the loop is not
  // running. From a loop thread, never wait on a loop that may be waiting on
  // this one: use call() between loops.
  bool call_sync(std::size_t i, std::function<void()> work);

  // Starts `actor` on loop i's scheduler, from loop i, and waits: the actor
  // is pinned to loop i from then on. False, with the reason in `failure`,
  // if it did not start or the loop is not running.
  bool start_actor(std::size_t i, ActorCore& actor, Reason& failure, Supervisor* parent = nullptr);

  // The first fatal() of any loop, if one happened.
  std::optional<Fatal> fatal() const;
  // Waits up to `timeout` for a fatal() of any loop.
  std::optional<Fatal> wait_for_fatal(std::chrono::milliseconds timeout) const;

 private:
  struct Worker {
    uv_loop_t loop{};
    std::optional<UvPort> port;
    std::vector<Watch> watches;
    std::vector<DelayedSend> delayed_sends;
    std::optional<Scheduler> scheduler;  // after port: destroyed before it
    uv_async_t call_async{};
    std::atomic<std::thread::id> thread_id{};
    std::thread thread;

    std::mutex mutex;
    std::condition_variable ready_changed;
    bool ready = false;                       // set up (or failed to); guarded by mutex
    bool accepting = false;                   // guarded by mutex; while true call_async is open
    bool stopping = false;                    // guarded by mutex
    std::deque<std::function<void()>> calls;  // guarded by mutex
  };

  void run_worker(Worker& worker, std::size_t index);
  // stop() with lifecycle_mutex_ held.
  void stop_loops();
  static void on_call(uv_async_t* handle);
  static void close_loop(Worker& worker);
  void report_fatal(std::size_t loop, std::string_view reason);

  Options options_;
  std::size_t worker_count_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::mutex lifecycle_mutex_;  // start() and stop()
  bool started_ = false;        // guarded by lifecycle_mutex_

  mutable std::mutex fatal_mutex_;
  mutable std::condition_variable fatal_changed_;
  std::optional<Fatal> first_fatal_;  // guarded by fatal_mutex_
};

}  // namespace lit::daemon

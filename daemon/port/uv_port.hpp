// The libuv port: a lit::Port on one uv_loop_t, running one Scheduler from
// that loop's thread. Construction, attach(), close() and every Port call are
// for the loop's thread, except wake() and the critical section, which any
// thread may call (wake() does nothing after close()). Nothing here blocks
// beyond the short critical section or throws across a libuv callback.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>

#include "lit/port.hpp"
#include "lit/scheduler.hpp"

namespace spdlog {
class logger;
}

namespace lit::daemon {

// The logger the runtime logs to ("runtime"): the registered one if the
// daemon set one up, else a stderr logger registered under that name.
std::shared_ptr<spdlog::logger> runtime_logger();

class UvPort final : public Port {
 public:
  struct Options {
    // Scheduler activations per loop turn; when work remains the loop polls
    // its other handles (without blocking) before running the next batch.
    std::size_t activations_per_turn = 256;
    // Turns the loop stays awake (polling its handles without blocking) after
    // the scheduler runs out of work. Meanwhile other threads' wake() costs
    // no syscall, and a reply that comes at once is run without a wakeup;
    // 0 lets the loop block as soon as it is idle.
    std::size_t idle_turns_before_sleep = 64;
    // Told once, on the loop's thread, after fatal() has logged. After a fatal
    // call this port runs no more actors or timers; the owner shuts down.
    std::function<void(std::string_view reason)> on_fatal{};
  };

  // On the loop's thread (or before the loop runs anywhere): initialises this
  // port's handles on `loop`, so the loop stays alive until close().
  UvPort(uv_loop_t& loop, Options options);
  explicit UvPort(uv_loop_t& loop) : UvPort(loop, Options{}) {}
  UvPort(const UvPort&) = delete;
  UvPort& operator=(const UvPort&) = delete;
  // After close() and after the loop has run the close callbacks.
  ~UvPort();

  // The scheduler this port runs; once, before anything wakes it.
  void attach(Scheduler& scheduler);
  // Called on the loop just before each batch of activations (the daemon's
  // monitor times dispatches from it). Set before the loop runs actors.
  void set_before_run(std::function<void()> hook) { before_run_ = std::move(hook); }
  // Loop thread: closes this port's handles. wake() becomes a no-op and no
  // more scheduler work runs; the loop ends once its other handles close.
  void close();
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  uv_loop_t& loop() const { return loop_; }
  // True on the thread that constructed the port (the loop's thread).
  bool on_loop_thread() const { return std::this_thread::get_id() == loop_thread_; }
  // How many times another thread's wake() reached the loop (after libuv
  // coalesced them). Read it on the loop thread, or once the loop has ended.
  std::uint64_t cross_thread_wakeups() const { return cross_thread_wakeups_; }

  // ---- lit::Port ------------------------------------------------------------------
  // A mutex the owning thread may re-enter: exit restores the depth enter
  // returned, and the outermost exit unlocks. Uncontended, one atomic each way.
  std::uint32_t enter_critical() override;
  void exit_critical(std::uint32_t saved) override;
  // Monotonic milliseconds (CLOCK_MONOTONIC through uv_hrtime), any thread.
  Millis now() override;
  void arm_timer(Millis deadline) override;
  // Any thread: uv_async_send (libuv coalesces); on the loop thread itself a
  // cheaper idle handle makes the loop run the scheduler on its next turn.
  void wake() override;
  void fatal(const char* reason) override;
  std::uint32_t random() override;
  void log(std::string_view actor, std::string_view label, std::string_view text) override;

 private:
  std::function<void()> before_run_;
  static void on_async(uv_async_t* handle);
  static void on_timer(uv_timer_t* handle);
  static void on_idle(uv_idle_t* handle);
  // Runs at most one turn's budget of scheduler work; keeps the idle handle
  // active while work remains.
  void pump();
  // Keeps the idle handle active, so pump() runs on the next turn.
  void stay_awake();
  void fall_asleep();

  uv_loop_t& loop_;
  Options options_;
  std::shared_ptr<spdlog::logger> logger_;
  Scheduler* scheduler_ = nullptr;
  std::thread::id loop_thread_;
  std::mt19937 random_;
  uv_async_t wake_async_{};
  uv_timer_t timer_{};
  uv_idle_t idle_{};
  std::uint64_t cross_thread_wakeups_ = 0;
  std::size_t empty_turns_ = 0;
  bool idle_active_ = false;
  // True only while the idle handle is active: the loop will look at the
  // scheduler again before it blocks, so other threads need not wake it.
  std::atomic<bool> awake_{false};
  bool closed_ = false;  // loop thread only; open_ is what other threads see
  std::atomic<bool> failed_{false};

  // The critical section, and open_ under it: wake() from another thread
  // never touches a handle that close() has begun to close.
  std::mutex mutex_;
  std::atomic<std::thread::id> owner_{};
  std::uint32_t depth_ = 0;  // only the owner touches it
  bool open_ = true;         // guarded by the critical section
};

}  // namespace lit::daemon

// A real, thread-safe lit::Port for the actor benchmarks: one loop per
// std::thread, a spinlock critical section (nestable), steady_clock time, a
// polled one-shot timer, and wake() that sets a flag the idle loop spins on
// (then sleeps on a condition variable). Bench-only; the daemon's port is libuv.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "lit/port.hpp"
#include "lit/scheduler.hpp"

namespace lit::bench {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Waiting for another thread: about 1.5 us of PAUSE (enough for a hand-off
// between two running CPUs), then sched_yield, which hands the CPU to whatever
// is runnable: on a loaded 2-core machine the kernel often puts both loops on
// one CPU, and the thread waited for is then the one that runs. Measured on
// the shared VM (load 4-5): 64 PAUSEs beat 256 (pingpong 2t 65k -> 300k round
// trips/s, mailbox 2t 26M -> 37M) and 65536 without yielding (mailbox 2t 1M).
class Backoff {
 public:
  // Returns false once waiting should turn into sleeping.
  bool pause() {
    ++rounds_;
    if (rounds_ <= kSpins) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
    return rounds_ < kSpins + kYields;
  }
  void reset() { rounds_ = 0; }

 private:
  static constexpr unsigned kSpins = 64;
  static constexpr unsigned kYields = 256;
  unsigned rounds_ = 0;
};

class BenchPort final : public Port {
 public:
  explicit BenchPort(std::uint64_t seed = 1) : random_state_(seed) {}
  BenchPort(const BenchPort&) = delete;
  BenchPort& operator=(const BenchPort&) = delete;
  ~BenchPort() = default;

  // ---- Port --------------------------------------------------------------------
  // A spinlock; the owning thread may nest sections (exit restores the depth
  // enter returned, and the outermost exit releases the lock).
  std::uint32_t enter_critical() override {
    const std::thread::id me = std::this_thread::get_id();
    if (owner_.load(std::memory_order_relaxed) != me) {
      while (locked_.exchange(true, std::memory_order_acquire)) {
        while (locked_.load(std::memory_order_relaxed)) cpu_relax();
      }
      owner_.store(me, std::memory_order_relaxed);
    }
    return depth_++;
  }
  void exit_critical(std::uint32_t saved) override {
    depth_ = saved;
    if (saved == 0) {
      owner_.store(std::thread::id{}, std::memory_order_relaxed);
      locked_.store(false, std::memory_order_release);
    }
  }

  Millis now() override {
    return static_cast<Millis>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
  }

  void arm_timer(Millis deadline) override { deadline_.store(deadline, std::memory_order_relaxed); }

  // Any thread. A loop that is awake polls Scheduler::has_ready() (the
  // scheduler published its work before calling this), so only a sleeping
  // loop needs telling; the fence orders that publication before the look at
  // `sleeping_` (the loop does the mirror image before it sleeps).
  void wake() override {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_relaxed)) {
      const std::lock_guard<std::mutex> lock(mutex_);
      woken_ = true;
      condition_.notify_one();
    }
  }

  void fatal(const char* reason) override {
    std::fprintf(stderr, "lit fatal: %s\n", reason);
    std::abort();
  }

  // splitmix64, seeded: runs repeat.
  std::uint32_t random() override {
    random_state_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = random_state_;
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return static_cast<std::uint32_t>((z ^ (z >> 31U)) >> 32U);
  }

  // ---- the loop ----------------------------------------------------------------
  // Runs `scheduler` on the calling thread until stop() is called (from any
  // thread, or from an action on this loop).
  void run(Scheduler& scheduler) {
    while (!stopped_.load(std::memory_order_acquire)) {
      if (scheduler.run()) continue;
      const Millis deadline = deadline_.load(std::memory_order_relaxed);
      if (deadline != kNever && deadline <= now()) {
        deadline_.store(kNever, std::memory_order_relaxed);
        scheduler.on_timer();
        continue;
      }
      idle(scheduler, deadline);
    }
  }

  // Any thread, or an action on this loop: run() returns soon.
  void stop() {
    stopped_.store(true, std::memory_order_release);
    const std::lock_guard<std::mutex> lock(mutex_);
    condition_.notify_one();
  }

 private:
  // Spins and yields a while, then sleeps until woken, stopped or the timer
  // is due.
  void idle(const Scheduler& scheduler, Millis deadline) {
    Backoff backoff;
    while (backoff.pause()) {
      if (scheduler.has_ready() || stopped_.load(std::memory_order_relaxed)) return;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    sleeping_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    const auto ready = [&] { return woken_ || scheduler.has_ready() || stopped_.load(std::memory_order_relaxed); };
    if (deadline == kNever) {
      // Bounded anyway: a wakeup lost by the runtime costs time, not the run.
      condition_.wait_for(lock, std::chrono::milliseconds(100), ready);
    } else {
      const Millis current = now();
      condition_.wait_for(lock, std::chrono::milliseconds(deadline > current ? deadline - current : 0), ready);
    }
    sleeping_.store(false, std::memory_order_relaxed);
    woken_ = false;
  }

  // Loop-thread state first; what other threads touch sits on its own lines.
  std::uint32_t depth_ = 0;
  std::uint64_t random_state_;
  std::atomic<Millis> deadline_{kNever};
  alignas(64) std::atomic<bool> locked_{false};
  std::atomic<std::thread::id> owner_{};
  alignas(64) std::atomic<bool> sleeping_{false};
  std::atomic<bool> stopped_{false};
  bool woken_ = false;  // guarded by mutex_
  std::mutex mutex_;
  std::condition_variable condition_;
};

}  // namespace lit::bench

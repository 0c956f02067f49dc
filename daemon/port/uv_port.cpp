// The libuv port: one uv_async for wakeups from other threads, one uv_timer
// for the scheduler's earliest deadline, one uv_idle that keeps the loop
// turning (without blocking in poll) while the scheduler has work left. Every
// libuv callback here catches what it calls: nothing unwinds through libuv.
#include "port/uv_port.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace lit::daemon {

std::shared_ptr<spdlog::logger> runtime_logger() {
  static std::mutex mutex;
  const std::lock_guard<std::mutex> lock(mutex);
  if (std::shared_ptr<spdlog::logger> logger = spdlog::get("runtime")) return logger;
  try {
    return spdlog::stderr_color_mt("runtime");
  } catch (const spdlog::spdlog_ex&) {
    return spdlog::get("runtime");  // registered by another thread meanwhile
  }
}

namespace {

UvPort& port_of(const void* handle) {
  return *static_cast<UvPort*>(reinterpret_cast<const uv_handle_t*>(handle)->data);
}

// Runs a libuv callback's body; an exception is this loop's fatal error
// rather than undefined behaviour in libuv's frames.
template <class Body>
void guarded(UvPort& port, Body&& body) {
  try {
    std::forward<Body>(body)();
  } catch (const std::exception& error) {
    port.fatal(error.what());
  } catch (...) {
    port.fatal("an unknown exception escaped the loop");
  }
}

}  // namespace

UvPort::UvPort(uv_loop_t& loop, Options options)
    : loop_(loop), options_(std::move(options)), logger_(runtime_logger()), loop_thread_(std::this_thread::get_id()) {
  if (options_.activations_per_turn == 0) options_.activations_per_turn = 1;
  std::random_device device;
  std::seed_seq seed{device(), device(), device(), device()};
  random_.seed(seed);
  uv_async_init(&loop_, &wake_async_, &UvPort::on_async);
  uv_timer_init(&loop_, &timer_);
  uv_idle_init(&loop_, &idle_);
  wake_async_.data = this;
  timer_.data = this;
  idle_.data = this;
}

UvPort::~UvPort() {
  if (!closed_) logger_->critical("UvPort destroyed with its handles still open on the loop");
}

void UvPort::attach(Scheduler& scheduler) { scheduler_ = &scheduler; }

void UvPort::close() {
  if (closed_) return;
  closed_ = true;
  {
    const CriticalSection section(*this);
    open_ = false;
    awake_.store(false, std::memory_order_relaxed);
  }
  // Every uv_async_send began and ended under the critical section while
  // open_ was true, so none is in flight now.
  uv_close(reinterpret_cast<uv_handle_t*>(&wake_async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
  idle_active_ = false;
}

// ---- the critical section ------------------------------------------------------------

std::uint32_t UvPort::enter_critical() {
  const std::thread::id me = std::this_thread::get_id();
  if (owner_.load(std::memory_order_relaxed) != me) {
    mutex_.lock();
    owner_.store(me, std::memory_order_relaxed);
  }
  return depth_++;
}

void UvPort::exit_critical(std::uint32_t saved) {
  depth_ = saved;
  if (saved == 0) {
    owner_.store(std::thread::id{}, std::memory_order_relaxed);
    mutex_.unlock();
  }
}

// ---- time ---------------------------------------------------------------------------

Millis UvPort::now() { return uv_hrtime() / 1'000'000U; }

void UvPort::arm_timer(Millis deadline) {
  if (closed_ || failed()) return;
  if (deadline == kNever) {
    uv_timer_stop(&timer_);
    return;
  }
  const Millis current = now();
  // libuv counts from its cached loop time; refresh it so a long turn does
  // not make the timer fire early (the scheduler would only re-arm it).
  uv_update_time(&loop_);
  uv_timer_start(&timer_, &UvPort::on_timer, deadline > current ? deadline - current : 0, 0);
}

void UvPort::on_timer(uv_timer_t* handle) {
  UvPort& port = port_of(handle);
  guarded(port, [&port] {
    if (port.failed() || port.scheduler_ == nullptr) return;
    port.scheduler_->on_timer();  // re-arms through arm_timer() if timers remain
    port.pump();
  });
}

// ---- running the scheduler ----------------------------------------------------------------

// Other threads skip uv_async_send while the loop is awake: awake_ is true
// only while the idle handle is active, so pump() looks at the scheduler
// again before the loop may block. Both sides decide under the critical
// section: a waker's work is published before it reads awake_ there, and the
// loop clears awake_ there before it looks for work one last time, so one of
// them always sees the other and no wakeup is lost.
void UvPort::wake() {
  if (on_loop_thread()) {
    if (!closed_ && !failed()) stay_awake();
    return;
  }
  const CriticalSection section(*this);
  if (open_ && !awake_.load(std::memory_order_relaxed)) uv_async_send(&wake_async_);
}

void UvPort::on_async(uv_async_t* handle) {
  UvPort& port = port_of(handle);
  ++port.cross_thread_wakeups_;
  guarded(port, [&port] { port.pump(); });
}

void UvPort::on_idle(uv_idle_t* handle) {
  UvPort& port = port_of(handle);
  guarded(port, [&port] { port.pump(); });
}

void UvPort::stay_awake() {
  if (!idle_active_) {
    idle_active_ = true;
    uv_idle_start(&idle_, &UvPort::on_idle);
  }
  awake_.store(true, std::memory_order_relaxed);
}

void UvPort::fall_asleep() {
  awake_.store(false, std::memory_order_relaxed);
  empty_turns_ = 0;
  if (idle_active_) {
    idle_active_ = false;
    uv_idle_stop(&idle_);
  }
}

void UvPort::pump() {
  if (closed_) return;
  if (failed() || scheduler_ == nullptr) {
    fall_asleep();
    return;
  }
  const bool had_work = scheduler_->has_ready();
  if (before_run_) before_run_();
  const bool more = scheduler_->run(options_.activations_per_turn);
  if (closed_) return;
  if (failed()) {  // an action called fatal(): nothing more runs here
    fall_asleep();
    return;
  }
  if (more || had_work) {
    empty_turns_ = 0;
    stay_awake();
    return;
  }
  // Nothing to do: stay awake a few turns (each still polls the loop's other
  // handles) in case more comes at once, then let the loop block.
  if (++empty_turns_ <= options_.idle_turns_before_sleep) {
    stay_awake();
    // Lets a thread this loop waits for run, when both share one CPU.
    std::this_thread::yield();
    return;
  }
  {
    const CriticalSection section(*this);
    awake_.store(false, std::memory_order_relaxed);
  }
  if (scheduler_->has_ready()) {
    empty_turns_ = 0;
    stay_awake();
    return;
  }
  fall_asleep();
}

// ---- the rest of the port ------------------------------------------------------------------

void UvPort::fatal(const char* reason) {
  logger_->critical("fatal: {}", reason);
  if (failed_.exchange(true, std::memory_order_acq_rel)) return;  // the owner hears of the first only
  if (!closed_) uv_timer_stop(&timer_);
  if (options_.on_fatal) {
    try {
      options_.on_fatal(reason);
    } catch (const std::exception& error) {
      logger_->critical("the fatal handler threw: {}", error.what());
    } catch (...) {
      logger_->critical("the fatal handler threw");
    }
  }
}

std::uint32_t UvPort::random() { return static_cast<std::uint32_t>(random_()); }

void UvPort::log(std::string_view actor, std::string_view label, std::string_view text) {
  if (label.empty()) {
    logger_->info("{}: {}", actor, text);
  } else {
    logger_->info("{}: {}: {}", actor, label, text);
  }
}

}  // namespace lit::daemon

// The worker loops of a LoopGroup: each thread sets up its loop, port and
// scheduler, then runs uv_run until stop() asks it to close. Closures from
// call() go through a mutex-protected FIFO and one uv_async per loop; the
// async is only ever sent under that mutex while the loop accepts calls, so
// no send can race its close.
#include "port/loop_group.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <stdexcept>
#include <utility>

namespace lit::daemon {

namespace {

std::size_t resolve_workers(std::size_t requested) {
  if (requested != 0) return requested;
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware != 0 ? hardware : 1;
}

}  // namespace

LoopGroup::LoopGroup(Options options) : options_(std::move(options)), worker_count_(resolve_workers(options_.workers)) {
  if (options_.first_loop_id + worker_count_ > 256) {
    throw std::invalid_argument("LoopGroup: loop ids are 8 bits; too many workers after first_loop_id");
  }
}

LoopGroup::~LoopGroup() {
  try {
    stop();
  } catch (const std::exception& error) {
    // Destroyed from one of its own loops: nothing sane is left to do.
    runtime_logger()->critical("~LoopGroup: {}", error.what());
    std::terminate();
  }
}

bool LoopGroup::start() {
  const std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
  if (started_) return false;
  started_ = true;
  workers_.reserve(worker_count_);
  for (std::size_t i = 0; i < worker_count_; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->watches.resize(options_.watches);
    worker->delayed_sends.resize(options_.delayed_sends);
    workers_.push_back(std::move(worker));
  }
  bool all_running = true;
  try {
    for (std::size_t i = 0; i < worker_count_; ++i) {
      Worker& worker = *workers_[i];
      worker.thread = std::thread([this, &worker, i] { run_worker(worker, i); });
    }
  } catch (...) {
    all_running = false;  // a thread could not be created: stop those that were
  }
  for (const auto& worker : workers_) {
    if (!worker->thread.joinable()) continue;
    std::unique_lock<std::mutex> lock(worker->mutex);
    worker->ready_changed.wait(lock, [&] { return worker->ready; });
    all_running = all_running && worker->accepting;
  }
  if (!all_running) stop_loops();
  return all_running;
}

void LoopGroup::run_worker(Worker& worker, std::size_t index) {
  worker.thread_id.store(std::this_thread::get_id(), std::memory_order_release);
  bool set_up = uv_loop_init(&worker.loop) == 0;
  if (set_up) {
    worker.port.emplace(
        worker.loop,
        UvPort::Options{.activations_per_turn = options_.activations_per_turn,
                        .idle_turns_before_sleep = options_.idle_turns_before_sleep,
                        .on_fatal = [this, index](std::string_view reason) { report_fatal(index, reason); }});
    worker.scheduler.emplace(*worker.port,
                             Scheduler::Storage{.watches = worker.watches, .delayed_sends = worker.delayed_sends},
                             Scheduler::Options{.fairness = options_.fairness,
                                                .loop_id = static_cast<std::uint8_t>(options_.first_loop_id + index)});
    worker.port->attach(*worker.scheduler);
    worker.call_async.data = &worker;
    set_up = uv_async_init(&worker.loop, &worker.call_async, &LoopGroup::on_call) == 0;
    if (!set_up) {
      worker.port->close();
      uv_run(&worker.loop, UV_RUN_DEFAULT);
      uv_loop_close(&worker.loop);
    }
  }
  if (!set_up) runtime_logger()->critical("loop {} could not be set up", index);
  {
    const std::lock_guard<std::mutex> lock(worker.mutex);
    worker.ready = true;
    worker.accepting = set_up;
  }
  worker.ready_changed.notify_all();
  if (!set_up) return;
  uv_run(&worker.loop, UV_RUN_DEFAULT);
  uv_loop_close(&worker.loop);
}

void LoopGroup::stop() {
  const std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
  stop_loops();
}

void LoopGroup::stop_loops() {
  for (const auto& worker : workers_) {
    if (worker->thread.joinable() && worker->thread.get_id() == std::this_thread::get_id()) {
      throw std::logic_error("LoopGroup::stop() called from one of its loops");
    }
  }
  for (std::size_t i = workers_.size(); i-- > 0;) {
    Worker& worker = *workers_[i];
    if (!worker.thread.joinable()) continue;
    {
      std::unique_lock<std::mutex> lock(worker.mutex);
      worker.ready_changed.wait(lock, [&] { return worker.ready; });
      if (worker.accepting) {
        worker.accepting = false;
        worker.stopping = true;
        uv_async_send(&worker.call_async);
      }
    }
    worker.thread.join();
  }
}

bool LoopGroup::on_loop(std::size_t i) const {
  return i < workers_.size() && workers_[i]->thread_id.load(std::memory_order_acquire) == std::this_thread::get_id();
}

// ---- closures ---------------------------------------------------------------------------

bool LoopGroup::call(std::size_t i, std::function<void()> work) {
  if (i >= workers_.size()) return false;
  Worker& worker = *workers_[i];
  const std::lock_guard<std::mutex> lock(worker.mutex);
  if (!worker.accepting) return false;
  worker.calls.push_back(std::move(work));
  uv_async_send(&worker.call_async);
  return true;
}

bool LoopGroup::call_sync(std::size_t i, std::function<void()> work) {
  if (on_loop(i)) {
    work();
    return true;
  }
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::exception_ptr error;
  const bool queued = call(i, [&] {
    try {
      work();
    } catch (...) {
      error = std::current_exception();
    }
    // Notified under the lock: the waiter cannot return (and destroy these)
    // before this closure is done with them.
    const std::lock_guard<std::mutex> lock(mutex);
    done = true;
    finished.notify_one();
  });
  if (!queued) return false;
  std::unique_lock<std::mutex> lock(mutex);
  finished.wait(lock, [&] { return done; });
  if (error) std::rethrow_exception(error);
  return true;
}

bool LoopGroup::start_actor(std::size_t i, ActorCore& actor, Reason& failure, Supervisor* parent) {
  bool started = false;
  if (!call_sync(i, [&] { started = scheduler(i).start(actor, parent, failure); })) {
    failure = Reason::failed("the loop is not running");
    return false;
  }
  return started;
}

void LoopGroup::on_call(uv_async_t* handle) {
  Worker& worker = *static_cast<Worker*>(handle->data);
  std::deque<std::function<void()>> batch;
  bool stopping = false;
  {
    const std::lock_guard<std::mutex> lock(worker.mutex);
    batch.swap(worker.calls);
    stopping = worker.stopping;
  }
  for (std::function<void()>& work : batch) {
    try {
      work();
    } catch (const std::exception& error) {
      worker.port->fatal(error.what());
    } catch (...) {
      worker.port->fatal("an unknown exception escaped a call() closure");
    }
  }
  if (stopping) close_loop(worker);
}

// Closes the port, the call async and whatever else is still open, so uv_run
// returns. Owners that need their own close callbacks close their handles
// from a call() queued before stop().
void LoopGroup::close_loop(Worker& worker) {
  worker.port->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&worker.call_async), nullptr);
  uv_walk(
      &worker.loop,
      [](uv_handle_t* handle, void*) {
        if (uv_is_closing(handle) == 0) uv_close(handle, nullptr);
      },
      nullptr);
}

// ---- fatal errors -------------------------------------------------------------------------

void LoopGroup::report_fatal(std::size_t loop, std::string_view reason) {
  {
    const std::lock_guard<std::mutex> lock(fatal_mutex_);
    if (!first_fatal_) first_fatal_ = Fatal{loop, std::string(reason)};
  }
  fatal_changed_.notify_all();
  if (options_.on_fatal) options_.on_fatal(loop, reason);
}

std::optional<LoopGroup::Fatal> LoopGroup::fatal() const {
  const std::lock_guard<std::mutex> lock(fatal_mutex_);
  return first_fatal_;
}

std::optional<LoopGroup::Fatal> LoopGroup::wait_for_fatal(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(fatal_mutex_);
  fatal_changed_.wait_for(lock, timeout, [&] { return first_fatal_.has_value(); });
  return first_fatal_;
}

}  // namespace lit::daemon

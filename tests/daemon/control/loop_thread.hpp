// A libuv loop on its own thread for tests: call() runs a closure there and
// waits for its result. The control server's tests and litctl's tests (an
// in-process fake litd) serve from one.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace lit::test {

class LoopThread {
 public:
  LoopThread() {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &async_, [](uv_async_t* async) { static_cast<LoopThread*>(async->data)->drain(); });
    async_.data = this;
    thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  }
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;
  ~LoopThread() {
    call([this] { uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr); });
    thread_.join();
    uv_loop_close(&loop_);
  }

  template <typename Function>
  auto call(Function function) -> decltype(function()) {
    using Result = decltype(function());
    std::packaged_task<Result()> task(std::move(function));
    std::future<Result> result = task.get_future();
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      tasks_.emplace_back([&task] { task(); });
    }
    uv_async_send(&async_);
    return result.get();
  }

  uv_loop_t* loop() { return &loop_; }

 private:
  void drain() {
    std::deque<std::function<void()>> tasks;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      tasks.swap(tasks_);
    }
    for (auto& task : tasks) task();
  }

  uv_loop_t loop_{};
  uv_async_t async_{};
  std::mutex mutex_;
  std::deque<std::function<void()>> tasks_;
  std::thread thread_;
};

}  // namespace lit::test

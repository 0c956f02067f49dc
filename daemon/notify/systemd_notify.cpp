// SystemdNotifier and listened_fd() over libsystemd's sd-daemon calls. Main
// loop thread only; the watchdog timer is the one libuv handle it owns, and it
// is closed (never leaked open) by stop_watchdog() or the destructor.
#include "notify/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

namespace lit::daemon {
namespace {

// A status is one line: a newline would start another assignment.
std::string one_line(std::string_view text) {
  std::string line(text);
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return line;
}

std::uint64_t monotonic_usec() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000U + static_cast<std::uint64_t>(now.tv_nsec) / 1'000U;
}

void on_watchdog_timer(uv_timer_t* timer) { static_cast<SystemdNotifier*>(timer->data)->kick_watchdog(); }

void delete_timer(uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); }

struct PassedFd {
  std::string name;
  int fd;
};

// sd_listen_fds_with_names(unset_environment=1): the LISTEN_* variables are
// gone afterwards, so this runs once and its result is kept for later lookups.
std::vector<PassedFd> take_passed_fds() {
  std::vector<PassedFd> passed;
  char** names = nullptr;
  const int count = sd_listen_fds_with_names(1, &names);
  passed.reserve(static_cast<std::size_t>(std::max(count, 0)));
  for (int i = 0; i < count; ++i) {
    passed.push_back({names != nullptr && names[i] != nullptr ? names[i] : "unknown", SD_LISTEN_FDS_START + i});
  }
  if (names != nullptr) {
    for (char** name = names; *name != nullptr; ++name) {
      std::free(*name);
    }
    std::free(names);
  }
  return passed;
}

}  // namespace

SystemdNotifier::~SystemdNotifier() { stop_watchdog(); }

bool SystemdNotifier::under_systemd() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket != nullptr && socket[0] != '\0';
}

bool SystemdNotifier::ready(std::string_view status) {
  if (status.empty()) {
    return send("READY=1");
  }
  return send(("READY=1\nSTATUS=" + one_line(status)).c_str());
}

bool SystemdNotifier::status(std::string_view text) { return send(("STATUS=" + one_line(text)).c_str()); }

bool SystemdNotifier::reloading() {
  return send(("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec())).c_str());
}

bool SystemdNotifier::stopping() { return send("STOPPING=1"); }

bool SystemdNotifier::failed(int error_number, std::string_view text) {
  std::string state;
  if (!text.empty()) {
    state = "STATUS=" + one_line(text) + "\n";
  }
  state += "ERRNO=" + std::to_string(error_number);
  return send(state.c_str());
}

bool SystemdNotifier::kick_watchdog() { return send("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_interval() {
  std::uint64_t usec = 0;
  // Checks WATCHDOG_PID too: a watchdog meant for a parent is not ours.
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
    return std::nullopt;
  }
  return std::chrono::microseconds(usec);
}

bool SystemdNotifier::start_watchdog(uv_loop_t& loop) {
  stop_watchdog();
  const auto interval = watchdog_interval();
  if (!under_systemd() || !interval) {
    return false;
  }
  // Half the interval, as sd_watchdog_enabled(3) advises: one late kick is
  // not yet a missed deadline.
  const auto half = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(*interval).count()) / 2);
  auto* timer = new uv_timer_t{};
  uv_timer_init(&loop, timer);
  timer->data = this;
  uv_timer_start(timer, on_watchdog_timer, half, half);
  uv_unref(reinterpret_cast<uv_handle_t*>(timer));
  watchdog_timer_ = timer;
  return true;
}

void SystemdNotifier::stop_watchdog() {
  if (watchdog_timer_ == nullptr) {
    return;
  }
  uv_timer_stop(watchdog_timer_);
  // libuv still owns the handle until the close callback has run; it frees it.
  uv_close(reinterpret_cast<uv_handle_t*>(std::exchange(watchdog_timer_, nullptr)), delete_timer);
}

bool SystemdNotifier::send(const char* state) {
  const int result = sd_notify(0, state);
  last_error_ = result < 0 ? -result : 0;
  return result > 0;
}

std::optional<int> listened_fd(std::string_view name) {
  static const std::vector<PassedFd> passed = take_passed_fds();
  const auto found = std::find_if(passed.begin(), passed.end(), [&](const PassedFd& fd) { return fd.name == name; });
  if (found == passed.end()) {
    return std::nullopt;
  }
  return found->fd;
}

}  // namespace lit::daemon

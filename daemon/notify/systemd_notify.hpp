// litd's side of the systemd service protocol: sd_notify state changes
// (READY, STATUS, RELOADING, STOPPING, ERRNO), the watchdog kicked by a
// uv_timer on the daemon's main loop, and socket-activated descriptors.
// Called from the main loop thread only. Without NOTIFY_SOCKET (not started by
// systemd) every call is a no-op that returns false; nothing here throws.
#pragma once

#include <uv.h>

#include <chrono>
#include <optional>
#include <string_view>

namespace lit::daemon {

class SystemdNotifier {
 public:
  SystemdNotifier() = default;
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;
  // Closes the watchdog timer, if armed (see stop_watchdog()): destroy the
  // notifier before the loop its watchdog runs on is closed.
  ~SystemdNotifier();

  // True when the service manager gave us a notification socket.
  [[nodiscard]] static bool under_systemd();

  // READY=1, with a STATUS= line when `status` is not empty. Sent once the
  // trees are up, and again when a reload has finished.
  bool ready(std::string_view status = {});
  // STATUS=<text>: a one-line summary for `systemctl status`. Newlines are
  // sent as spaces, so a status can never smuggle in another assignment.
  bool status(std::string_view text);
  // RELOADING=1 plus MONOTONIC_USEC (which systemd 253's notify-reload wants):
  // the service is reloading until the next ready().
  bool reloading();
  // STOPPING=1: the shutdown has begun.
  bool stopping();
  // STATUS=<text> and ERRNO=<error_number>: why the daemon is failing, shown by
  // `systemctl status` as an errno name. Send it before exiting non-zero.
  bool failed(int error_number, std::string_view text);
  // WATCHDOG=1, now. The watchdog timer calls it; a daemon may also kick
  // after a long but healthy step, never from another thread.
  bool kick_watchdog();

  // Arms WATCHDOG=1 kicks at half of WatchdogSec= when sd_watchdog_enabled()
  // says this process is watched. The kicks come from a uv_timer_t on `loop`,
  // so they stop when that loop stops turning: a stuck handler starves the
  // timer and systemd restarts the daemon, which is the point. The timer is
  // unreferenced, so it never keeps uv_run() alive on its own. Returns false
  // (and arms nothing) when not watched or not under systemd. Call it from the
  // thread that runs `loop`.
  bool start_watchdog(uv_loop_t& loop);
  // Closes the timer; the loop must turn once more to finish the close before
  // uv_loop_close(). Calling it with no timer armed does nothing.
  void stop_watchdog();
  [[nodiscard]] bool watchdog_armed() const { return watchdog_timer_ != nullptr; }
  // WatchdogSec= as passed in WATCHDOG_USEC, when it applies to this process.
  [[nodiscard]] static std::optional<std::chrono::microseconds> watchdog_interval();

  // Why the last notification was not delivered: 0 after a success or when
  // not under systemd, else a positive errno value (as sd_notify reported it).
  [[nodiscard]] int last_error() const { return last_error_; }

 private:
  bool send(const char* state);

  uv_timer_t* watchdog_timer_ = nullptr;
  int last_error_ = 0;
};

// The socket-activated descriptor systemd passed under FileDescriptorName=
// `name` (litd.socket passes the control socket as "control"), or nullopt when
// there is none. The first call takes every passed descriptor (with
// FD_CLOEXEC set) and unsets LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES, so
// children never inherit them; later calls look in what the first one took.
// Main loop thread, at startup.
std::optional<int> listened_fd(std::string_view name);

}  // namespace lit::daemon

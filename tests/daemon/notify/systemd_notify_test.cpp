// Specification of SystemdNotifier and listened_fd() (daemon/notify/): what
// reaches a real AF_UNIX datagram socket standing in for systemd's
// NOTIFY_SOCKET, when the watchdog is kicked from a libuv loop, and how
// socket-activated descriptors are found. Socket activation runs in forked
// children, which own fds 3 and up and an environment of their own.
#include "notify/systemd_notify.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

using lit::daemon::listened_fd;
using lit::daemon::SystemdNotifier;

std::uint64_t monotonic_usec() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000U + static_cast<std::uint64_t>(now.tv_nsec) / 1'000U;
}

// A datagram socket playing systemd's part: bound to a path in a fresh temp
// dir (or an abstract name, "@..."), and named in NOTIFY_SOCKET while it lives.
class NotifySocket {
 public:
  enum class Kind { path, abstract };

  explicit NotifySocket(Kind kind = Kind::path, bool export_to_environment = true) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0) << std::strerror(errno);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    socklen_t length = 0;
    if (kind == Kind::path) {
      std::string dir_template = (std::filesystem::temp_directory_path() / "lit-notify-XXXXXX").string();
      dir_ = mkdtemp(dir_template.data());
      name_ = dir_ + "/notify.sock";
      std::strncpy(address.sun_path, name_.c_str(), sizeof(address.sun_path) - 1);
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size() + 1);
    } else {
      name_ = "@lit-notify-test-" + std::to_string(getpid());
      // Abstract names start with a NUL byte in place of the '@'.
      std::memcpy(address.sun_path + 1, name_.data() + 1, name_.size() - 1);
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    }
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), length), 0) << std::strerror(errno);
    if (export_to_environment) {
      setenv("NOTIFY_SOCKET", name_.c_str(), 1);
    } else {
      unsetenv("NOTIFY_SOCKET");
    }
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  ~NotifySocket() {
    unsetenv("NOTIFY_SOCKET");
    close(fd_);
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
  }

  // Every datagram queued so far, oldest first; never waits.
  std::vector<std::string> drain() {
    std::vector<std::string> datagrams;
    char buffer[4096];
    for (;;) {
      const ssize_t size = recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (size < 0) {
        break;
      }
      datagrams.emplace_back(buffer, static_cast<std::size_t>(size));
    }
    return datagrams;
  }

 private:
  int fd_ = -1;
  std::string dir_;
  std::string name_;
};

// Each test starts with no systemd variables, whatever ran before it.
class SystemdNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override { clear_environment(); }
  void TearDown() override { clear_environment(); }

  static void clear_environment() {
    for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) {
      unsetenv(name);
    }
  }

  static void watch_this_process(const char* usec) {
    setenv("WATCHDOG_USEC", usec, 1);
    setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  }
};

std::size_t count_of(const std::vector<std::string>& datagrams, const std::string& wanted) {
  std::size_t count = 0;
  for (const auto& datagram : datagrams) {
    count += datagram == wanted ? 1 : 0;
  }
  return count;
}

// A loop for the watchdog tests; closing it checks the notifier left no
// handle open once the loop has turned after stop_watchdog().
class Loop {
 public:
  Loop() { uv_loop_init(&loop_); }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  ~Loop() {
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  uv_loop_t& get() { return loop_; }

  // Runs the loop until `milliseconds` have passed on its clock.
  void run_for(std::uint64_t milliseconds) {
    uv_timer_t stop_timer{};
    uv_timer_init(&loop_, &stop_timer);
    uv_timer_start(
        &stop_timer, [](uv_timer_t* timer) { uv_stop(timer->loop); }, milliseconds, 0);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_close(reinterpret_cast<uv_handle_t*>(&stop_timer), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
  }

 private:
  uv_loop_t loop_{};
};

TEST_F(SystemdNotifierTest, ready_sends_ready_and_status_in_one_datagram) {
  NotifySocket systemd;
  SystemdNotifier notifier;
  EXPECT_TRUE(notifier.ready("2 trees, 5 actors"));
  EXPECT_EQ(systemd.drain(), std::vector<std::string>{"READY=1\nSTATUS=2 trees, 5 actors"});
  EXPECT_EQ(notifier.last_error(), 0);
}

TEST_F(SystemdNotifierTest, ready_without_status_sends_only_ready) {
  NotifySocket systemd;
  SystemdNotifier notifier;
  EXPECT_TRUE(notifier.ready());
  EXPECT_EQ(systemd.drain(), std::vector<std::string>{"READY=1"});
}

TEST_F(SystemdNotifierTest, status_is_sent_as_one_line_even_when_the_text_has_newlines) {
  NotifySocket systemd;
  SystemdNotifier notifier;
  EXPECT_TRUE(notifier.status("device uart0 down"));
  EXPECT_TRUE(notifier.status("line one\nREADY=1\r"));
  EXPECT_EQ(systemd.drain(), (std::vector<std::string>{"STATUS=device uart0 down", "STATUS=line one READY=1 "}));
}

TEST_F(SystemdNotifierTest, reloading_sends_reloading_with_the_monotonic_time_then_ready_ends_it) {
  NotifySocket systemd;
  SystemdNotifier notifier;
  const std::uint64_t before = monotonic_usec();
  EXPECT_TRUE(notifier.reloading());
  const std::uint64_t after = monotonic_usec();
  EXPECT_TRUE(notifier.ready("reloaded"));

  const auto datagrams = systemd.drain();
  ASSERT_EQ(datagrams.size(), 2U);
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  ASSERT_EQ(datagrams[0].substr(0, prefix.size()), prefix);
  const std::string stamp = datagrams[0].substr(prefix.size());
  ASSERT_FALSE(stamp.empty());
  ASSERT_EQ(stamp.find_first_not_of("0123456789"), std::string::npos) << stamp;
  const std::uint64_t usec = std::stoull(stamp);
  EXPECT_GE(usec, before);
  EXPECT_LE(usec, after);
  EXPECT_EQ(datagrams[1], "READY=1\nSTATUS=reloaded");
}

TEST_F(SystemdNotifierTest, stopping_sends_stopping) {
  NotifySocket systemd;
  SystemdNotifier notifier;
  EXPECT_TRUE(notifier.stopping());
  EXPECT_EQ(systemd.drain(), std::vector<std::string>{"STOPPING=1"});
}

TEST_F(SystemdNotifierTest, failed_sends_status_and_errno) {
  NotifySocket systemd;
  SystemdNotifier notifier;
  EXPECT_TRUE(notifier.failed(ENOENT, "config /etc/litd/litd.toml: not found"));
  EXPECT_TRUE(notifier.failed(EINVAL, ""));
  EXPECT_EQ(systemd.drain(),
            (std::vector<std::string>{"STATUS=config /etc/litd/litd.toml: not found\nERRNO=" + std::to_string(ENOENT),
                                      "ERRNO=" + std::to_string(EINVAL)}));
}

TEST_F(SystemdNotifierTest, an_abstract_notify_socket_receives_the_same_datagrams) {
  NotifySocket systemd(NotifySocket::Kind::abstract);
  SystemdNotifier notifier;
  EXPECT_TRUE(notifier.ready("up"));
  EXPECT_TRUE(notifier.stopping());
  EXPECT_EQ(systemd.drain(), (std::vector<std::string>{"READY=1\nSTATUS=up", "STOPPING=1"}));
}

TEST_F(SystemdNotifierTest, without_notify_socket_every_call_returns_false_and_sends_nothing) {
  NotifySocket systemd(NotifySocket::Kind::path, /*export_to_environment=*/false);
  watch_this_process("200000");
  Loop loop;  // outlives the notifier, whose timer closes on it
  SystemdNotifier notifier;
  EXPECT_FALSE(SystemdNotifier::under_systemd());
  EXPECT_FALSE(notifier.ready("up"));
  EXPECT_FALSE(notifier.status("up"));
  EXPECT_FALSE(notifier.reloading());
  EXPECT_FALSE(notifier.stopping());
  EXPECT_FALSE(notifier.failed(EIO, "broken"));
  EXPECT_FALSE(notifier.kick_watchdog());
  EXPECT_FALSE(notifier.start_watchdog(loop.get()));
  EXPECT_FALSE(notifier.watchdog_armed());
  EXPECT_EQ(notifier.last_error(), 0);
  EXPECT_TRUE(systemd.drain().empty());
}

TEST_F(SystemdNotifierTest, an_undeliverable_notification_returns_false_and_keeps_the_errno) {
  const auto missing = std::filesystem::temp_directory_path() / ("lit-notify-missing-" + std::to_string(getpid()));
  setenv("NOTIFY_SOCKET", missing.c_str(), 1);
  SystemdNotifier notifier;
  EXPECT_FALSE(notifier.ready());
  EXPECT_EQ(notifier.last_error(), ENOENT);
  setenv("NOTIFY_SOCKET", "relative/path", 1);
  EXPECT_FALSE(notifier.ready());
  EXPECT_EQ(notifier.last_error(), EINVAL);
}

TEST_F(SystemdNotifierTest, watchdog_interval_is_read_only_when_it_names_this_process) {
  EXPECT_FALSE(SystemdNotifier::watchdog_interval().has_value());
  watch_this_process("200000");
  EXPECT_EQ(SystemdNotifier::watchdog_interval(), std::chrono::microseconds(200000));
  setenv("WATCHDOG_PID", std::to_string(getppid()).c_str(), 1);
  EXPECT_FALSE(SystemdNotifier::watchdog_interval().has_value());
}

TEST_F(SystemdNotifierTest, watchdog_is_not_armed_when_it_watches_another_process) {
  NotifySocket systemd;
  watch_this_process("200000");
  setenv("WATCHDOG_PID", std::to_string(getppid()).c_str(), 1);
  Loop loop;  // outlives the notifier, whose timer closes on it
  SystemdNotifier notifier;
  EXPECT_FALSE(notifier.start_watchdog(loop.get()));
  EXPECT_FALSE(notifier.watchdog_armed());
}

TEST_F(SystemdNotifierTest, a_running_loop_kicks_the_watchdog_at_half_the_interval) {
  NotifySocket systemd;
  watch_this_process("200000");
  Loop loop;  // outlives the notifier, whose timer closes on it
  SystemdNotifier notifier;
  ASSERT_TRUE(notifier.start_watchdog(loop.get()));
  EXPECT_TRUE(notifier.watchdog_armed());
  // Kicks due at 100, 200, 300, 400 and 500 ms; only a lower bound is
  // asserted, since a busy machine may delay (never add) timer callbacks.
  loop.run_for(550);
  const auto datagrams = systemd.drain();
  EXPECT_GE(count_of(datagrams, "WATCHDOG=1"), 3U);
  EXPECT_EQ(count_of(datagrams, "WATCHDOG=1"), datagrams.size()) << "only watchdog kicks were due";
  notifier.stop_watchdog();
  EXPECT_FALSE(notifier.watchdog_armed());
}

// The reason the kicks come from the loop: a handler that never returns must
// starve them, so that systemd's watchdog fires and restarts the daemon.
TEST_F(SystemdNotifierTest, a_blocked_loop_sends_no_watchdog_kicks_until_it_turns_again) {
  NotifySocket systemd;
  watch_this_process("200000");
  Loop loop;  // outlives the notifier, whose timer closes on it
  SystemdNotifier notifier;
  ASSERT_TRUE(notifier.start_watchdog(loop.get()));

  struct Blocked {
    NotifySocket* systemd;
    std::vector<std::string> sent_while_blocked;
  } blocked{&systemd, {}};
  uv_timer_t stuck_handler{};
  uv_timer_init(&loop.get(), &stuck_handler);
  stuck_handler.data = &blocked;
  uv_timer_start(
      &stuck_handler,
      [](uv_timer_t* timer) {
        auto* state = static_cast<Blocked*>(timer->data);
        // The stuck handler itself: more than three kick periods without
        // returning to the loop.
        std::this_thread::sleep_for(std::chrono::milliseconds(350));
        state->sent_while_blocked = state->systemd->drain();
      },
      0,
      0);
  loop.run_for(250);
  uv_close(reinterpret_cast<uv_handle_t*>(&stuck_handler), nullptr);
  uv_run(&loop.get(), UV_RUN_NOWAIT);

  EXPECT_TRUE(blocked.sent_while_blocked.empty());
  EXPECT_GE(count_of(systemd.drain(), "WATCHDOG=1"), 1U) << "kicks resume once the loop turns";
}

TEST_F(SystemdNotifierTest, the_watchdog_timer_does_not_keep_the_loop_alive) {
  NotifySocket systemd;
  watch_this_process("200000");
  Loop loop;  // outlives the notifier, whose timer closes on it
  SystemdNotifier notifier;
  ASSERT_TRUE(notifier.start_watchdog(loop.get()));
  EXPECT_EQ(uv_run(&loop.get(), UV_RUN_DEFAULT), 0);
  EXPECT_TRUE(systemd.drain().empty());
}

TEST_F(SystemdNotifierTest, stopping_the_watchdog_stops_the_kicks) {
  NotifySocket systemd;
  watch_this_process("200000");
  Loop loop;  // outlives the notifier, whose timer closes on it
  SystemdNotifier notifier;
  ASSERT_TRUE(notifier.start_watchdog(loop.get()));
  notifier.stop_watchdog();
  loop.run_for(250);
  EXPECT_TRUE(systemd.drain().empty());
}

// Runs `check` in a forked child and returns its exit status: the child may
// dup2 over fds 3 and up and change its environment without touching the test
// process. A non-zero status names the first expectation that failed.
template <typename Check>
int in_child(Check check) {
  const pid_t child = fork();
  if (child == 0) {
    _exit(check());
  }
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, 0), child);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Does what systemd does for a socket-activated process `listen_pid`: two
// sockets at fds 3 and 4, named "metrics" and "control" in LISTEN_FDNAMES.
bool activate_sockets_for(pid_t listen_pid) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) {
    return false;
  }
  const int moved_first = fcntl(pair[0], F_DUPFD, 10);
  const int moved_second = fcntl(pair[1], F_DUPFD, 10);
  close(pair[0]);
  close(pair[1]);
  if (dup2(moved_first, 3) != 3 || dup2(moved_second, 4) != 4) {
    return false;
  }
  close(moved_first);
  close(moved_second);
  setenv("LISTEN_FDS", "2", 1);
  setenv("LISTEN_PID", std::to_string(listen_pid).c_str(), 1);
  setenv("LISTEN_FDNAMES", "metrics:control", 1);
  return true;
}

TEST(ListenedFd, finds_the_descriptor_passed_under_its_name) {
  EXPECT_EQ(in_child([] {
              if (!activate_sockets_for(getpid())) return 10;
              if (listened_fd("control") != 4) return 11;
              if (listened_fd("metrics") != 3) return 12;
              if (listened_fd("missing").has_value()) return 13;
              return 0;
            }),
            0);
}

TEST(ListenedFd, takes_the_descriptors_once_and_unsets_listen_variables) {
  EXPECT_EQ(in_child([] {
              if (!activate_sockets_for(getpid())) return 10;
              if (listened_fd("control") != 4) return 11;
              // Children of the daemon must not believe the sockets are theirs.
              if (std::getenv("LISTEN_FDS") != nullptr || std::getenv("LISTEN_PID") != nullptr ||
                  std::getenv("LISTEN_FDNAMES") != nullptr) {
                return 12;
              }
              if ((fcntl(3, F_GETFD) & FD_CLOEXEC) == 0 || (fcntl(4, F_GETFD) & FD_CLOEXEC) == 0) return 13;
              // Later lookups still answer from what the first call took.
              if (listened_fd("control") != 4 || listened_fd("metrics") != 3) return 14;
              return 0;
            }),
            0);
}

TEST(ListenedFd, ignores_descriptors_passed_to_another_process) {
  EXPECT_EQ(in_child([] {
              if (!activate_sockets_for(getppid())) return 10;
              return listened_fd("control").has_value() ? 11 : 0;
            }),
            0);
}

TEST(ListenedFd, finds_nothing_without_socket_activation) {
  EXPECT_EQ(in_child([] {
              unsetenv("LISTEN_FDS");
              unsetenv("LISTEN_PID");
              unsetenv("LISTEN_FDNAMES");
              return listened_fd("control").has_value() ? 11 : 0;
            }),
            0);
}

}  // namespace

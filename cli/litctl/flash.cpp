// OpenOCD presets, command, runner and transcript reading (flash.hpp). The
// runner forks OpenOCD in its own process group with stdout and stderr on
// one pipe, so its lines arrive in the order it wrote them, and kills the
// group on timeout or interruption. Blocking; never throws.
#include "litctl/flash.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "litctl/exit_codes.hpp"

namespace lit::litctl {

namespace {

constexpr std::array kPresets{
    BoardPreset{"stm32f4discovery", "board/stm32f4discovery.cfg", "STM32F4DISCOVERY (STM32F407, on-board ST-LINK/V2)"},
    BoardPreset{"nucleo-f4", "board/st_nucleo_f4.cfg", "NUCLEO-F4xx (STM32F401/411/446, on-board ST-LINK/V2-1)"},
};

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

bool any_line_contains(const Transcript& transcript, std::initializer_list<std::string_view> parts) {
  for (const std::string& line : transcript.lines) {
    for (const std::string_view part : parts) {
      if (contains(line, part)) return true;
    }
  }
  return false;
}

bool has_marker(const Transcript& transcript, std::string_view marker) {
  for (const std::string& seen : transcript.markers) {
    if (seen == marker) return true;
  }
  return false;
}

// "** Verified OK **" -> "Verified OK"; empty when the line is not a marker.
std::string marker_of(const std::string& line) {
  const std::size_t open = line.find("** ");
  if (open == std::string::npos) return {};
  const std::size_t close = line.find(" **", open + 3);
  if (close == std::string::npos) return {};
  return line.substr(open + 3, close - open - 3);
}

void kill_group(pid_t pid) {
  ::kill(-pid, SIGTERM);
  for (int waited = 0; waited < 20; ++waited) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
    ::usleep(50'000);
  }
  ::kill(-pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace

std::span<const BoardPreset> board_presets() { return kPresets; }

const BoardPreset* find_board(std::string_view name) {
  for (const BoardPreset& preset : kPresets) {
    if (preset.name == name) return &preset;
  }
  return nullptr;
}

std::vector<std::string> openocd_command(const std::string& openocd,
                                         const BoardPreset& board,
                                         const std::string& firmware) {
  const bool plain = firmware.find_first_of(" \t\"'{}[]$;\\") == std::string::npos;
  const std::string file = plain ? firmware : "{" + firmware + "}";
  return {openocd, "-f", std::string(board.config), "-c", "program " + file + " verify reset exit"};
}

std::string shell_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& argument : argv) {
    if (!line.empty()) line += ' ';
    const bool plain = !argument.empty() && argument.find_first_not_of(
                                                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                "-_./=:,+@%") == std::string::npos;
    if (plain) {
      line += argument;
      continue;
    }
    line += '\'';
    for (const char c : argument) {
      if (c == '\'') {
        line += "'\\''";
      } else {
        line += c;
      }
    }
    line += '\'';
  }
  return line;
}

Transcript run_openocd(const std::vector<std::string>& argv,
                       std::chrono::milliseconds timeout,
                       const std::function<void(const std::string&)>& on_line,
                       const std::function<bool()>& interrupted) {
  Transcript transcript;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    transcript.start_error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return transcript;
  }
  // The child reports a failed exec through this second pipe (closed on a successful exec).
  int exec_fds[2];
  if (::pipe2(exec_fds, O_CLOEXEC) != 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    transcript.start_error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return transcript;
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& argument : argv) args.push_back(const_cast<char*>(argument.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::execvp(args[0], args.data());
    const int error = errno;
    static_cast<void>(::write(exec_fds[1], &error, sizeof error));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ::close(exec_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(exec_fds[0]);
    transcript.start_error = std::string("cannot fork: ") + std::strerror(errno);
    return transcript;
  }
  ::setpgid(pid, pid);
  int exec_error = 0;
  if (::read(exec_fds[0], &exec_error, sizeof exec_error) == static_cast<ssize_t>(sizeof exec_error)) {
    ::close(exec_fds[0]);
    ::close(pipe_fds[0]);
    ::waitpid(pid, nullptr, 0);
    transcript.start_error = "cannot run " + argv[0] + ": " + std::strerror(exec_error);
    return transcript;
  }
  ::close(exec_fds[0]);

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string pending;
  const auto take_line = [&](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (std::string marker = marker_of(line); !marker.empty()) transcript.markers.push_back(std::move(marker));
    if (line.rfind("Error: ", 0) == 0) transcript.errors.push_back(line.substr(7));
    on_line(line);
    transcript.lines.push_back(std::move(line));
  };
  bool open = true;
  while (open) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || interrupted()) {
      transcript.timed_out = left.count() <= 0;
      kill_group(pid);
      ::close(pipe_fds[0]);
      if (!pending.empty()) take_line(std::move(pending));
      return transcript;
    }
    pollfd poll_fd{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(std::min<long long>(left.count(), 200)));
    if (ready <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      open = false;
      break;
    }
    pending.append(buffer, static_cast<std::size_t>(got));
    for (std::size_t end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
      take_line(pending.substr(0, end));
      pending.erase(0, end + 1);
    }
  }
  ::close(pipe_fds[0]);
  if (!pending.empty()) take_line(std::move(pending));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  transcript.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return transcript;
}

FlashOutcome classify(const Transcript& transcript) {
  if (!transcript.start_error.empty()) return FlashOutcome::openocd_failed;
  if (transcript.timed_out) return FlashOutcome::timed_out;
  if (any_line_contains(transcript,
                        {"Error: open failed",
                         "No J-Link device found",
                         "unable to find a matching CMSIS-DAP",
                         "No device found",
                         "no device found",
                         "unable to open ftdi device",
                         "Error: unable to find a matching"})) {
    return FlashOutcome::no_probe;
  }
  if (any_line_contains(transcript,
                        {"init mode failed",
                         "unable to connect to the target",
                         "Target not examined",
                         "** OpenOCD init failed **"})) {
    return FlashOutcome::init_failed;
  }
  if (has_marker(transcript, "Verify Failed")) return FlashOutcome::verify_failed;
  if (has_marker(transcript, "Programming Failed")) return FlashOutcome::programming_failed;
  if (transcript.exit_status != 0) return FlashOutcome::openocd_failed;
  return FlashOutcome::ok;
}

std::string_view outcome_name(FlashOutcome outcome) {
  switch (outcome) {
    case FlashOutcome::ok: return "ok";
    case FlashOutcome::no_probe: return "no_probe";
    case FlashOutcome::init_failed: return "init_failed";
    case FlashOutcome::programming_failed: return "programming_failed";
    case FlashOutcome::verify_failed: return "verify_failed";
    case FlashOutcome::timed_out: return "timed_out";
    case FlashOutcome::openocd_failed: return "openocd_failed";
  }
  return "openocd_failed";
}

std::string outcome_message(FlashOutcome outcome, const Transcript& transcript, std::string_view board) {
  const std::string last_error =
      transcript.errors.empty() ? std::string() : " (OpenOCD: " + transcript.errors.back() + ")";
  switch (outcome) {
    case FlashOutcome::ok: return "flashed and verified";
    case FlashOutcome::no_probe:
      return "no debug probe found: is the " + std::string(board) +
             " plugged in over USB, and may this user open it (udev rules)?" + last_error;
    case FlashOutcome::init_failed:
      return "the probe could not reach the target (init failed): check the board's power and the SWD "
             "connection, or that --board matches it" +
             last_error;
    case FlashOutcome::programming_failed: return "programming the flash failed" + last_error;
    case FlashOutcome::verify_failed:
      return "verify failed: the flash does not read back as the firmware file; the board may be running "
             "a partial image" +
             last_error;
    case FlashOutcome::timed_out: return "OpenOCD did not finish within the timeout and was stopped";
    case FlashOutcome::openocd_failed:
      if (!transcript.start_error.empty()) return transcript.start_error;
      return "OpenOCD failed with exit status " + std::to_string(transcript.exit_status) + last_error;
  }
  return "OpenOCD failed";
}

int outcome_exit_code(FlashOutcome outcome) {
  switch (outcome) {
    case FlashOutcome::ok: return kExitOk;
    case FlashOutcome::no_probe: return kExitNoProbe;
    case FlashOutcome::init_failed: return kExitTargetInitFailed;
    case FlashOutcome::programming_failed:
    case FlashOutcome::verify_failed: return kExitVerifyFailed;
    case FlashOutcome::timed_out:
    case FlashOutcome::openocd_failed: return kExitOpenocdFailed;
  }
  return kExitOpenocdFailed;
}

}  // namespace lit::litctl

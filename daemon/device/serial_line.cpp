// SerialLine: opening a tty raw and exclusive, the read and write paths on a
// uv_poll_t, and reopening with backoff after an unplug. Runs on its loop's
// thread only; every syscall here is non-blocking (the fd is O_NONBLOCK and
// close() is preceded by a flush so a stalled port cannot hold it).
#include "device/serial_line.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <utility>

namespace lit::daemon {
namespace {

struct BaudRate {
  std::uint32_t rate;
  speed_t speed;
};

constexpr std::array<BaudRate, 22> kBaudRates{{
    {1200, B1200},       {1800, B1800},       {2400, B2400},       {4800, B4800},       {9600, B9600},
    {19200, B19200},     {38400, B38400},     {57600, B57600},     {115200, B115200},   {230400, B230400},
    {460800, B460800},   {500000, B500000},   {576000, B576000},   {921600, B921600},   {1000000, B1000000},
    {1152000, B1152000}, {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
    {3500000, B3500000}, {4000000, B4000000},
}};

constexpr std::array<std::uint32_t, kBaudRates.size()> kRates = [] {
  std::array<std::uint32_t, kBaudRates.size()> rates{};
  for (std::size_t i = 0; i < kBaudRates.size(); ++i) rates[i] = kBaudRates[i].rate;
  return rates;
}();

// Reads stop after this many bytes per wakeup so one chatty device cannot
// starve the other handles on its loop; the level-triggered poll comes back.
constexpr std::size_t kReadBudgetBytes = std::size_t{256} * 1024;
constexpr std::size_t kReadChunkBytes = std::size_t{16} * 1024;

std::shared_ptr<spdlog::logger> device_logger() {
  if (std::shared_ptr<spdlog::logger> logger = spdlog::get("device")) return logger;
  try {
    return spdlog::stderr_color_mt("device");
  } catch (const spdlog::spdlog_ex&) {
    return spdlog::get("device");  // registered by another thread meanwhile
  }
}

// "EIO (Input/output error)".
std::string errno_text(int error_number) {
  std::array<char, 128> buffer{};
  const char* description = strerror_r(error_number, buffer.data(), buffer.size());
  const char* name = strerrorname_np(error_number);
  return name != nullptr ? fmt::format("{} ({})", name, description) : std::string(description);
}

std::string user_name(uid_t uid) {
  std::array<char, 4096> buffer{};
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) return found->pw_name;
  return std::to_string(uid);
}

std::string group_name(gid_t gid) {
  std::array<char, 4096> buffer{};
  group entry{};
  group* found = nullptr;
  if (getgrgid_r(gid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) return found->gr_name;
  return std::to_string(gid);
}

// Owner, group and mode of the node, and what to change so the daemon's user
// may open it.
std::string permission_message(const std::string& path) {
  struct stat node {};
  if (::stat(path.c_str(), &node) != 0) {
    return fmt::format(
        "permission denied: {} (a directory on the way is not searchable by user '{}')", path, user_name(geteuid()));
  }
  const std::string user = user_name(geteuid());
  const std::string group = group_name(node.st_gid);
  std::string message = fmt::format("permission denied: {} (owner {}, group {}, mode 0{:o}); ",
                                    path,
                                    user_name(node.st_uid),
                                    group,
                                    node.st_mode & 07777U);
  if ((node.st_mode & 0060U) != 0060U) {
    message += fmt::format(
        "the group has no read/write access: give it with a udev rule (GROUP=\"{}\", MODE=\"0660\") and add the "
        "daemon's user '{}' to that group",
        group,
        user);
  } else {
    message += fmt::format("add the daemon's user '{}' to group '{}' (usermod -aG {} {}) and restart the daemon",
                           user,
                           group,
                           group,
                           user);
  }
  return message;
}

// Who holds the flock on the file open at `fd`, from /proc/locks: a pid, or
// 0 if it cannot be told.
long lock_holder(int fd) {
  struct stat node {};
  if (::fstat(fd, &node) != 0) return 0;
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    // "1: FLOCK  ADVISORY  WRITE 1234 00:19:3 0 EOF"; waiters are "1: -> FLOCK ...".
    std::array<char, 16> kind{};
    long pid = 0;
    unsigned major_number = 0;
    unsigned minor_number = 0;
    unsigned long inode = 0;
    if (std::sscanf(
            line.c_str(), "%*d: %15s %*s %*s %ld %x:%x:%lu", kind.data(), &pid, &major_number, &minor_number, &inode) ==
            5 &&
        std::strcmp(kind.data(), "FLOCK") == 0 && major_number == major(node.st_dev) &&
        minor_number == minor(node.st_dev) && inode == node.st_ino) {
      return pid;
    }
  }
  return 0;
}

std::string process_name(long pid) {
  std::ifstream comm(fmt::format("/proc/{}/comm", pid));
  std::string name;
  std::getline(comm, name);
  return name;
}

std::string file_kind(int fd) {
  struct stat node {};
  if (::fstat(fd, &node) != 0) return "not a terminal";
  if (S_ISREG(node.st_mode)) return "a regular file";
  if (S_ISDIR(node.st_mode)) return "a directory";
  if (S_ISFIFO(node.st_mode)) return "a fifo";
  if (S_ISSOCK(node.st_mode)) return "a socket";
  if (S_ISCHR(node.st_mode)) return "a character device that is not a terminal";
  return "not a terminal";
}

speed_t speed_for(std::uint32_t baud) {
  for (const BaudRate& entry : kBaudRates) {
    if (entry.rate == baud) return entry.speed;
  }
  return B0;
}

}  // namespace

SerialLine::SerialLine(uv_loop_t* loop, Options options, Callbacks callbacks)
    : loop_(loop),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      log_(device_logger()),
      label_(options_.name.empty() ? options_.path : options_.name),
      rx_buffer_(kReadChunkBytes) {
  options_.reconnect_min_ms = std::max<Millis>(options_.reconnect_min_ms, 1);
  options_.reconnect_max_ms = std::max(options_.reconnect_max_ms, options_.reconnect_min_ms);
}

SerialLine::~SerialLine() {
  close_port();
  close_timer();
}

bool SerialLine::baud_supported(std::uint32_t baud) { return speed_for(baud) != B0; }

std::span<const std::uint32_t> SerialLine::supported_bauds() { return kRates; }

std::string SerialLine::supported_bauds_text() {
  std::string text;
  for (const std::uint32_t rate : kRates) {
    if (!text.empty()) text += ", ";
    text += std::to_string(rate);
  }
  return text;
}

const char* SerialLine::to_string(State state) {
  switch (state) {
    case State::stopped: return "stopped";
    case State::up: return "up";
    case State::down: return "down";
    case State::failed: return "failed";
  }
  return "?";
}

void SerialLine::start() {
  if (state_ != State::stopped && state_ != State::failed) return;
  reported_problem_ = Problem::none;
  reported_errno_ = 0;
  retry_delay_ms_ = options_.reconnect_min_ms;
  if (!baud_supported(options_.baud)) {
    last_error_ =
        fmt::format("unsupported baud {} for {} (supported: {})", options_.baud, options_.path, supported_bauds_text());
    log_->error("{}: {}", label_, last_error_);
    set_state(State::failed, last_error_);
    return;
  }
  if (timer_ == nullptr) {
    timer_ = new uv_timer_t;
    uv_timer_init(loop_, timer_);
    timer_->data = this;
  }
  tx_queue_.reserve(options_.tx_queue_bytes);
  attempt_open();
}

void SerialLine::stop() {
  if (state_ == State::stopped) return;
  close_port();
  close_timer();
  log_->info("{}: stopped", label_);
  set_state(State::stopped, "stopped");
}

bool SerialLine::write(std::span<const std::uint8_t> bytes) {
  if (state_ != State::up || queued_bytes() + bytes.size() > options_.tx_queue_bytes) {
    counters_.tx_dropped += bytes.size();
    return false;
  }
  if (bytes.empty()) return true;
  // Reclaim the written prefix once it outweighs what still waits, so the
  // buffer stays within twice the bound and each byte moves at most once more.
  if (tx_head_ > 0 && tx_head_ >= queued_bytes()) {
    tx_queue_.erase(tx_queue_.begin(), tx_queue_.begin() + static_cast<std::ptrdiff_t>(tx_head_));
    tx_head_ = 0;
  }
  tx_queue_.insert(tx_queue_.end(), bytes.begin(), bytes.end());
  if (!polling_writable_) update_poll();
  return true;
}

void SerialLine::attempt_open() {
  OpenFailure failure;
  if (!open_port(failure)) {
    on_open_failed(std::move(failure));
    return;
  }
  ++counters_.opens;
  retry_delay_ms_ = options_.reconnect_min_ms;
  reported_problem_ = Problem::none;
  reported_errno_ = 0;
  last_error_.clear();
  log_->info("{}: opened {} at {}", label_, options_.path, options_.baud);
  set_state(State::up, fmt::format("opened at {}", options_.baud));
}

bool SerialLine::open_port(OpenFailure& failure) {
  const std::string& path = options_.path;
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int error_number = errno;
    failure.error_number = error_number;
    switch (error_number) {
      case ENOENT:
        failure.problem = Problem::absent;
        failure.message = fmt::format("no such device: {}", path);
        break;
      case ENXIO:
      case ENODEV:
      case EIO:
        // The node is there but no hardware answers, or it is going away.
        failure.problem = Problem::absent;
        failure.message = fmt::format("no such device: {} ({})", path, errno_text(error_number));
        break;
      case EACCES:
        failure.problem = Problem::permission;
        failure.message = permission_message(path);
        break;
      case EPERM:
        failure.problem = Problem::permission;
        failure.message =
            fmt::format("not permitted: {} (a device policy such as systemd's DeviceAllow= may exclude it)", path);
        break;
      case EBUSY:
        failure.problem = Problem::busy;
        failure.message = fmt::format("in use: {} is open exclusively by another process (EBUSY)", path);
        break;
      default:
        failure.problem = Problem::other;
        failure.message = fmt::format("cannot open {}: {}", path, errno_text(error_number));
        break;
    }
    return false;
  }

  auto fail = [&](Problem problem, int error_number, std::string message) {
    ::close(fd);
    failure.problem = problem;
    failure.error_number = error_number;
    failure.message = std::move(message);
    return false;
  };

  termios settings{};
  if (::tcgetattr(fd, &settings) != 0) {
    return fail(Problem::not_a_tty, errno, fmt::format("not a tty: {} is {}", path, file_kind(fd)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error_number = errno;
    if (error_number != EWOULDBLOCK) {
      return fail(Problem::other, error_number, fmt::format("cannot lock {}: {}", path, errno_text(error_number)));
    }
    const long holder = lock_holder(fd);
    std::string who = "another process";
    if (holder == static_cast<long>(::getpid())) {
      who = "this daemon already (does another device name the same port?)";
    } else if (holder > 0) {
      who = fmt::format("pid {} ({})", holder, process_name(holder));
    }
    return fail(Problem::busy, error_number, fmt::format("in use: {} is held by {}", path, who));
  }
  // TIOCEXCL also keeps out openers that do not flock (terminal programs);
  // root bypasses it, the flock above holds for root too.
  if (::ioctl(fd, TIOCEXCL) != 0) {
    const int error_number = errno;
    return fail(
        Problem::other, error_number, fmt::format("cannot claim {} exclusively: {}", path, errno_text(error_number)));
  }

  // cfmakeraw: no echo, no canonical mode, no CR/LF translation, no XON/XOFF,
  // no signal characters, 8 bits. Then 8N1 without hardware flow control.
  ::cfmakeraw(&settings);
  settings.c_iflag &= ~static_cast<tcflag_t>(IXOFF | IXANY | INPCK);
  settings.c_lflag &= ~static_cast<tcflag_t>(ECHOE | ECHOK | ECHOCTL | ECHOKE | ECHOPRT);
  settings.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | PARENB | CRTSCTS);
  settings.c_cflag |= CLOCAL | CREAD | CS8;
  // VMIN 1 with O_NONBLOCK: read() returns EAGAIN when nothing waits, so a
  // return of 0 means hangup only (VMIN 0 would return 0 for "no data").
  settings.c_cc[VMIN] = 1;
  settings.c_cc[VTIME] = 0;
  const speed_t speed = speed_for(options_.baud);
  ::cfsetispeed(&settings, speed);
  ::cfsetospeed(&settings, speed);
  if (::tcsetattr(fd, TCSANOW, &settings) != 0) {
    const int error_number = errno;
    return fail(Problem::other, error_number, fmt::format("cannot configure {}: {}", path, errno_text(error_number)));
  }
  // tcsetattr succeeds if any one setting took: read back what the driver kept.
  termios applied{};
  if (::tcgetattr(fd, &applied) != 0 || ::cfgetospeed(&applied) != speed ||
      (applied.c_lflag & (ICANON | ECHO | ISIG)) != 0 || (applied.c_cflag & CSIZE) != CS8) {
    return fail(Problem::configuration,
                0,
                fmt::format("cannot configure {}: the driver refused raw 8N1 at {} baud", path, options_.baud));
  }
  ::tcflush(fd, TCIOFLUSH);  // whatever arrived before we owned the port is stale

  auto* poll = new uv_poll_t;
  if (const int status = uv_poll_init(loop_, poll, fd); status != 0) {
    delete poll;
    return fail(Problem::other, 0, fmt::format("cannot poll {}: {}", path, uv_strerror(status)));
  }
  poll->data = this;
  if (const int status = uv_poll_start(poll, UV_READABLE | UV_DISCONNECT, &SerialLine::poll_callback); status != 0) {
    poll->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    return fail(Problem::other, 0, fmt::format("cannot poll {}: {}", path, uv_strerror(status)));
  }
  poll_ = poll;
  fd_ = fd;
  polling_writable_ = false;
  ++generation_;
  return true;
}

void SerialLine::on_open_failed(OpenFailure failure) {
  ++counters_.open_failures;
  last_error_ = failure.message;
  const bool changed = state_ != State::down || failure.problem != reported_problem_ ||
                       (failure.problem == Problem::other && failure.error_number != reported_errno_);
  if (failure.problem == Problem::configuration) {
    log_->error("{}: {}", label_, failure.message);
    set_state(State::failed, failure.message);
    return;
  }
  schedule_retry();
  if (!changed) {
    log_->debug("{}: still down: {}; next attempt in {} ms", label_, failure.message, retry_delay_ms_);
    return;
  }
  reported_problem_ = failure.problem;
  reported_errno_ = failure.error_number;
  log_->warn("{}: cannot open: {}; retrying every {}..{} ms",
             label_,
             failure.message,
             options_.reconnect_min_ms,
             options_.reconnect_max_ms);
  set_state(State::down, failure.message);
}

void SerialLine::on_lost(const std::string& reason, bool read_error) {
  close_port();
  ++counters_.unplugs;
  if (read_error) ++counters_.read_errors;
  // The device going away is what an unplug is: reopen failures for a missing
  // node stay quiet; anything else (say, permissions after a replug) is news.
  reported_problem_ = Problem::absent;
  reported_errno_ = 0;
  last_error_ = "unplugged: " + reason;
  retry_delay_ms_ = options_.reconnect_min_ms;
  schedule_retry();
  log_->warn("{}: {}", label_, last_error_);
  set_state(State::down, last_error_);
}

void SerialLine::close_port() {
  if (poll_ != nullptr) {
    // Closing the handle deregisters the fd from epoll before the fd closes.
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    poll_ = nullptr;
  }
  if (fd_ >= 0) {
    // Discarding unsent output first keeps close() from waiting out the
    // driver's closing_wait on a stalled port (up to 30 s).
    ::tcflush(fd_, TCIOFLUSH);
    ::close(fd_);  // releases the flock and TIOCEXCL
    fd_ = -1;
    ++generation_;
  }
  counters_.tx_dropped += queued_bytes();
  tx_queue_.clear();
  tx_head_ = 0;
  polling_writable_ = false;
}

void SerialLine::close_timer() {
  if (timer_ == nullptr) return;
  // The handle outlives this object until libuv calls back; it must not point here.
  timer_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
  timer_ = nullptr;
}

void SerialLine::schedule_retry() {
  uv_timer_start(
      timer_,
      [](uv_timer_t* timer) {
        auto* self = static_cast<SerialLine*>(timer->data);
        if (self == nullptr || self->state_ != State::down) return;
        self->retry_delay_ms_ = std::min(self->retry_delay_ms_ * 2, self->options_.reconnect_max_ms);
        self->attempt_open();
      },
      retry_delay_ms_,
      0);
}

void SerialLine::update_poll() {
  if (poll_ == nullptr) return;
  const bool want_writable = queued_bytes() > 0;
  int events = UV_READABLE | UV_DISCONNECT;
  if (want_writable) events |= UV_WRITABLE;
  const int status = uv_poll_start(poll_, events, &SerialLine::poll_callback);
  if (status != 0) {
    on_lost(fmt::format("poll: {}", uv_strerror(status)), false);
    return;
  }
  polling_writable_ = want_writable;
}

void SerialLine::poll_callback(uv_poll_t* handle, int status, int events) {
  if (auto* self = static_cast<SerialLine*>(handle->data)) self->on_poll(status, events);
}

void SerialLine::on_poll(int status, int events) {
  const std::uint64_t generation = generation_;
  if (status < 0) {
    // libuv reports POLLERR as UV_EBADF and stops the handle; a read names the
    // real cause (EIO when a tty hangs up) and takes what arrived before it.
    drain_reads();
    if (generation == generation_) on_lost(fmt::format("poll: {}", uv_strerror(status)), false);
    return;
  }
  if ((events & UV_READABLE) != 0) {
    drain_reads();
    if (generation != generation_) return;  // closed (or reopened) meanwhile
  }
  if ((events & UV_WRITABLE) != 0) {
    flush_writes();
    if (generation != generation_) return;
  }
  if ((events & UV_DISCONNECT) != 0) on_lost("hangup", false);
}

void SerialLine::drain_reads() {
  const std::uint64_t generation = generation_;
  std::size_t budget = kReadBudgetBytes;
  while (budget > 0) {
    const ssize_t count = ::read(fd_, rx_buffer_.data(), rx_buffer_.size());
    if (count > 0) {
      const auto bytes = static_cast<std::size_t>(count);
      counters_.bytes_in += bytes;
      budget -= std::min(budget, bytes);
      if (callbacks_.on_bytes) callbacks_.on_bytes(std::span<const std::uint8_t>(rx_buffer_.data(), bytes));
      if (generation != generation_) return;
      continue;
    }
    if (count == 0) {
      on_lost("hangup", false);
      return;
    }
    const int error_number = errno;
    if (error_number == EINTR) continue;
    if (error_number == EAGAIN) return;
    const bool hangup = error_number == EIO || error_number == ENXIO || error_number == ENODEV;
    on_lost(fmt::format("read: {}", errno_text(error_number)), !hangup);
    return;
  }
}

void SerialLine::flush_writes() {
  while (queued_bytes() > 0) {
    const ssize_t count = ::write(fd_, tx_queue_.data() + tx_head_, queued_bytes());
    if (count > 0) {
      tx_head_ += static_cast<std::size_t>(count);
      counters_.bytes_out += static_cast<std::uint64_t>(count);
      continue;
    }
    const int error_number = count < 0 ? errno : EIO;
    if (error_number == EINTR) continue;
    if (error_number == EAGAIN) break;
    on_lost(fmt::format("write: {}", errno_text(error_number)), false);
    return;
  }
  if (queued_bytes() == 0) {
    tx_queue_.clear();
    tx_head_ = 0;
    if (polling_writable_) update_poll();
  }
}

void SerialLine::set_state(State state, std::string_view detail) {
  state_ = state;
  if (!callbacks_.on_state) return;
  // The callback may stop or restart the line, which rewrites last_error_.
  const std::string detail_copy(detail);
  callbacks_.on_state(state, detail_copy);
}

}  // namespace lit::daemon

// SerialLine against real ptys on a real libuv loop run by the test thread:
// raw bytes both ways, the termios it applies, the open errors, unplug and
// replug through a re-pointed link (as socat's link= does), backoff and the
// write queue bound. Every wait runs the loop until a condition, with a timeout.
#include "device/serial_line.hpp"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace lit::daemon {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;
using Clock = std::chrono::steady_clock;
using State = SerialLine::State;

int count_occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// A pty pair: the test holds the master, the line opens the slave by path.
class Pty {
 public:
  Pty() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    EXPECT_GE(master_, 0);
    EXPECT_EQ(::grantpt(master_), 0);
    EXPECT_EQ(::unlockpt(master_), 0);
    std::array<char, 64> name{};
    EXPECT_EQ(::ptsname_r(master_, name.data(), name.size()), 0);
    slave_path_ = name.data();
  }
  ~Pty() { close_master(); }
  Pty(const Pty&) = delete;
  Pty& operator=(const Pty&) = delete;
  Pty(Pty&&) = delete;
  Pty& operator=(Pty&&) = delete;

  // Unplugs: the slave side hangs up and its node disappears.
  void close_master() {
    if (master_ >= 0) ::close(master_);
    master_ = -1;
  }
  int master() const { return master_; }
  const std::string& slave_path() const { return slave_path_; }

 private:
  int master_ = -1;
  std::string slave_path_;
};

// The test's end of a pty, polled on the same loop: keeps everything the line
// sends and writes whatever the test queues, as fast as the pty takes it.
class Peer {
 public:
  Peer(uv_loop_t* loop, int master) : master_(master), poll_(new uv_poll_t) {
    uv_poll_init(loop, poll_, master);
    poll_->data = this;
    arm();
  }
  ~Peer() {
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  Peer(Peer&&) = delete;
  Peer& operator=(Peer&&) = delete;

  void send(const Bytes& bytes) {
    outgoing_.insert(outgoing_.end(), bytes.begin(), bytes.end());
    arm();
  }
  const Bytes& received() const { return received_; }
  std::size_t sent() const { return sent_; }

 private:
  void arm() {
    if (hung_up_) return;
    int events = UV_READABLE;
    if (sent_ < outgoing_.size()) events |= UV_WRITABLE;
    uv_poll_start(poll_, events, [](uv_poll_t* handle, int status, int ready) {
      if (auto* self = static_cast<Peer*>(handle->data)) self->on_poll(status, ready);
    });
  }
  void on_poll(int status, int ready) {
    if (status < 0) return hang_up();
    if ((ready & UV_READABLE) != 0) {
      std::array<std::uint8_t, 8192> chunk{};
      for (;;) {
        const ssize_t count = ::read(master_, chunk.data(), chunk.size());
        if (count > 0) {
          received_.insert(received_.end(), chunk.begin(), chunk.begin() + count);
          continue;
        }
        if (count < 0 && errno == EAGAIN) break;
        return hang_up();  // EIO: the slave side closed
      }
    }
    if ((ready & UV_WRITABLE) != 0) {
      while (sent_ < outgoing_.size()) {
        const ssize_t count =
            ::write(master_, outgoing_.data() + sent_, std::min<std::size_t>(outgoing_.size() - sent_, 4096));
        if (count <= 0) break;
        sent_ += static_cast<std::size_t>(count);
      }
    }
    arm();
  }
  void hang_up() {
    hung_up_ = true;
    uv_poll_stop(poll_);
  }

  int master_;
  uv_poll_t* poll_;
  Bytes received_;
  Bytes outgoing_;
  std::size_t sent_ = 0;
  bool hung_up_ = false;
};

// Points `link` at `target` atomically, as socat's link= and udev do.
void point_link(const std::filesystem::path& link, const std::string& target) {
  const std::filesystem::path staging = link.string() + ".new";
  std::filesystem::remove(staging);
  std::filesystem::create_symlink(target, staging);
  std::filesystem::rename(staging, link);
}

Bytes pattern(std::size_t size, std::uint32_t seed) {
  Bytes bytes(size);
  std::uint32_t state = seed;
  for (std::uint8_t& byte : bytes) {
    state = state * 1664525U + 1013904223U;
    byte = static_cast<std::uint8_t>(state >> 24);
  }
  return bytes;
}

Bytes every_byte_value(int rounds) {
  Bytes bytes;
  for (int round = 0; round < rounds; ++round) {
    for (int value = 0; value < 256; ++value) bytes.push_back(static_cast<std::uint8_t>(value));
  }
  return bytes;
}

struct StateChange {
  State state;
  std::string detail;
};

class SerialLineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    // Wakes the loop now and then so run_until re-checks its condition.
    uv_timer_init(&loop_, &tick_);
    uv_timer_start(
        &tick_, [](uv_timer_t*) {}, 5, 5);
    std::array<char, 64> dir_template{};
    std::snprintf(dir_template.data(), dir_template.size(), "/tmp/serial_line_test.XXXXXX");
    ASSERT_NE(::mkdtemp(dir_template.data()), nullptr);
    dir_ = dir_template.data();
    link_ = dir_ / "ttyTEST";

    spdlog::drop("device");
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    sink->set_pattern("%l %v");
    auto logger = std::make_shared<spdlog::logger>("device", sink);
    logger->set_level(spdlog::level::info);
    spdlog::register_logger(logger);
  }

  void TearDown() override {
    lines_.clear();
    peers_.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    // Closes only if every handle of the lines is closed.
    EXPECT_EQ(uv_loop_close(&loop_), 0);
    spdlog::drop("device");
    std::filesystem::remove_all(dir_);
  }

  SerialLine& make_line(SerialLine::Options options) {
    auto index = lines_.size();
    changes_.emplace_back();
    inputs_.emplace_back();
    lines_.push_back(std::make_unique<SerialLine>(&loop_,
                                                  std::move(options),
                                                  SerialLine::Callbacks{
                                                      .on_bytes =
                                                          [this, index](std::span<const std::uint8_t> bytes) {
                                                            inputs_[index].insert(
                                                                inputs_[index].end(), bytes.begin(), bytes.end());
                                                          },
                                                      .on_state =
                                                          [this, index](State state, std::string_view detail) {
                                                            changes_[index].push_back({state, std::string(detail)});
                                                          },
                                                  }));
    return *lines_.back();
  }

  SerialLine::Options options_for(const std::string& path) {
    SerialLine::Options options;
    options.path = path;
    options.baud = 115200;
    options.reconnect_min_ms = 5;
    options.reconnect_max_ms = 40;
    options.name = "test";
    return options;
  }

  Peer& make_peer(const Pty& pty) {
    peers_.push_back(std::make_unique<Peer>(&loop_, pty.master()));
    return *peers_.back();
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  // Opens `line` on a fresh pty and waits for it to be up.
  void expect_up(SerialLine& line) {
    line.start();
    ASSERT_TRUE(run_until([&] { return line.state() == State::up; })) << line.last_error();
  }

  uv_loop_t loop_{};
  uv_timer_t tick_{};
  std::filesystem::path dir_;
  std::filesystem::path link_;
  std::ostringstream log_;
  std::vector<std::unique_ptr<Peer>> peers_;
  std::vector<std::vector<StateChange>> changes_;
  std::vector<Bytes> inputs_;
  std::vector<std::unique_ptr<SerialLine>> lines_;  // destroyed first
};

TEST_F(SerialLineTest, opens_a_pty_raw_8n1_without_flow_control_at_the_configured_baud) {
  for (const std::uint32_t baud : {1200U, 115200U, 921600U, 4000000U}) {
    Pty pty;
    auto options = options_for(pty.slave_path());
    options.baud = baud;
    SerialLine& line = make_line(options);
    expect_up(line);
    EXPECT_EQ(changes_.back().back().detail, "opened at " + std::to_string(baud));

    const int slave = ::open(pty.slave_path().c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(slave, 0);
    termios applied{};
    ASSERT_EQ(::tcgetattr(slave, &applied), 0);
    ::close(slave);
    EXPECT_EQ(applied.c_lflag & (ICANON | ECHO | ECHOE | ECHONL | ISIG | IEXTEN), 0U);
    EXPECT_EQ(applied.c_iflag & (IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF | IXANY), 0U);
    EXPECT_EQ(applied.c_oflag & OPOST, 0U);
    EXPECT_EQ(applied.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
    EXPECT_EQ(applied.c_cflag & (PARENB | CSTOPB | CRTSCTS), 0U);
    EXPECT_EQ(applied.c_cflag & (CLOCAL | CREAD), static_cast<tcflag_t>(CLOCAL | CREAD));
    EXPECT_EQ(applied.c_cc[VMIN], 1);
    EXPECT_EQ(applied.c_cc[VTIME], 0);
    const speed_t expected = baud == 1200U ? B1200 : baud == 115200U ? B115200 : baud == 921600U ? B921600 : B4000000;
    EXPECT_EQ(::cfgetospeed(&applied), expected);
    EXPECT_EQ(::cfgetispeed(&applied), expected);
    line.stop();
  }
}

TEST_F(SerialLineTest, every_byte_value_passes_unchanged_both_ways) {
  Pty pty;
  SerialLine& line = make_line(options_for(pty.slave_path()));
  expect_up(line);
  Peer& peer = make_peer(pty);
  // \n \r XON XOFF ^C ^D ^Z and 0x00 among them, several times over.
  const Bytes bytes = every_byte_value(4);

  peer.send(bytes);
  ASSERT_TRUE(line.write(bytes));
  ASSERT_TRUE(run_until([&] { return inputs_[0].size() >= bytes.size() && peer.received().size() >= bytes.size(); }));

  EXPECT_EQ(inputs_[0], bytes);
  EXPECT_EQ(peer.received(), bytes);
  EXPECT_EQ(line.counters().bytes_in, bytes.size());
  EXPECT_EQ(line.counters().bytes_out, bytes.size());
}

TEST_F(SerialLineTest, a_megabyte_flows_each_way_in_order_through_the_bounded_queue) {
  Pty pty;
  auto options = options_for(pty.slave_path());
  options.tx_queue_bytes = std::size_t{16} * 1024;
  SerialLine& line = make_line(options);
  expect_up(line);
  Peer& peer = make_peer(pty);
  const std::size_t size = std::size_t{1024} * 1024;
  const Bytes to_line = pattern(size, 1);
  const Bytes from_line = pattern(size, 2);
  peer.send(to_line);

  // Refills the queue with what fits, so nothing is refused.
  std::size_t offered = 0;
  uv_timer_t pump{};
  uv_timer_init(&loop_, &pump);
  auto refill = [&] {
    const std::size_t room = options.tx_queue_bytes - line.queued_bytes();
    const std::size_t count = std::min(room, size - offered);
    if (count > 0 && line.write(std::span(from_line).subspan(offered, count))) offered += count;
  };
  pump.data = &refill;
  uv_timer_start(
      &pump, [](uv_timer_t* timer) { (*static_cast<decltype(refill)*>(timer->data))(); }, 0, 1);

  const bool done = run_until([&] { return inputs_[0].size() >= size && peer.received().size() >= size; }, 60s);
  uv_close(reinterpret_cast<uv_handle_t*>(&pump), nullptr);
  uv_run(&loop_, UV_RUN_NOWAIT);  // finishes the close before `pump` goes out of scope
  ASSERT_TRUE(done) << "line got " << inputs_[0].size() << ", peer got " << peer.received().size();

  EXPECT_TRUE(inputs_[0] == to_line);
  EXPECT_TRUE(peer.received() == from_line);
  EXPECT_EQ(line.counters().tx_dropped, 0U);
  EXPECT_LE(line.queued_bytes(), options.tx_queue_bytes);
}

TEST_F(SerialLineTest, a_missing_path_is_reported_as_no_such_device_and_retried_quietly) {
  SerialLine& line = make_line(options_for(link_.string()));
  line.start();
  ASSERT_TRUE(run_until([&] { return line.counters().open_failures >= 4; }));

  ASSERT_EQ(changes_[0].size(), 1U);
  EXPECT_EQ(changes_[0][0].state, State::down);
  EXPECT_EQ(changes_[0][0].detail, "no such device: " + link_.string());
  EXPECT_EQ(line.last_error(), "no such device: " + link_.string());
  EXPECT_EQ(count_occurrences(log_.str(), "no such device"), 1) << log_.str();
}

TEST_F(SerialLineTest, a_regular_file_or_dev_null_is_not_a_tty) {
  const std::string file = (dir_ / "plain").string();
  std::fclose(std::fopen(file.c_str(), "w"));
  SerialLine& plain = make_line(options_for(file));
  SerialLine& null = make_line(options_for("/dev/null"));
  plain.start();
  null.start();

  EXPECT_EQ(plain.state(), State::down);
  EXPECT_EQ(plain.last_error(), "not a tty: " + file + " is a regular file");
  EXPECT_EQ(null.state(), State::down);
  EXPECT_EQ(null.last_error(), "not a tty: /dev/null is a character device that is not a terminal");
}

TEST_F(SerialLineTest, a_port_held_by_another_line_is_in_use_until_that_line_stops) {
  Pty pty;
  point_link(link_, pty.slave_path());
  SerialLine& first = make_line(options_for(link_.string()));
  expect_up(first);
  SerialLine& second = make_line(options_for(pty.slave_path()));
  second.start();

  EXPECT_EQ(second.state(), State::down);
  EXPECT_EQ(
      second.last_error(),
      "in use: " + pty.slave_path() + " is held by this daemon already (does another device name the same port?)");

  first.stop();
  ASSERT_TRUE(run_until([&] { return second.state() == State::up; }));
  ASSERT_EQ(changes_[1].size(), 2U);
  EXPECT_EQ(changes_[1][1].state, State::up);
}

TEST_F(SerialLineTest, a_port_locked_by_another_process_names_that_process) {
  Pty pty;
  std::array<int, 2> locked{};
  std::array<int, 2> release{};
  ASSERT_EQ(::pipe(locked.data()), 0);
  ASSERT_EQ(::pipe(release.data()), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(locked[0]);
    ::close(release[1]);
    const int fd = ::open(pty.slave_path().c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) ::_exit(2);
    char byte = 1;
    if (::write(locked[1], &byte, 1) != 1) ::_exit(3);
    (void)::read(release[0], &byte, 1);  // returns once the parent closes its end
    ::_exit(0);
  }
  ::close(locked[1]);
  ::close(release[0]);
  char byte = 0;
  ASSERT_EQ(::read(locked[0], &byte, 1), 1);

  SerialLine& line = make_line(options_for(pty.slave_path()));
  line.start();
  const std::string message = line.last_error();
  ::close(release[1]);
  ::close(locked[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);

  EXPECT_EQ(line.state(), State::down);
  // /proc/<pid>/comm holds at most 15 characters of the name.
  EXPECT_EQ(message, "in use: " + pty.slave_path() + " is held by pid " + std::to_string(child) + " (device_serial_l)");
  ASSERT_TRUE(run_until([&] { return line.state() == State::up; }));
}

TEST_F(SerialLineTest, permission_denied_names_the_path_its_group_and_the_fix) {
  Pty pty;
  const gid_t tty_group = ::getgrnam("tty") != nullptr ? ::getgrnam("tty")->gr_gid : 5;
  ASSERT_EQ(::chown(pty.slave_path().c_str(), 0, tty_group), 0);
  ASSERT_EQ(::chmod(pty.slave_path().c_str(), 0660), 0);
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(::pipe(pipe_fds.data()), 0);

  // The test runs as root, whom permissions do not stop: the child drops to
  // nobody before it opens.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    uv_loop_t loop{};
    uv_loop_init(&loop);
    std::string message;
    {
      SerialLine line(&loop, options_for(pty.slave_path()), {});
      line.start();
      message = line.last_error();
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    ssize_t written = ::write(pipe_fds[1], message.data(), message.size());
    ::_exit(written == static_cast<ssize_t>(message.size()) ? 0 : 3);
  }
  ::close(pipe_fds[1]);
  std::string message;
  std::array<char, 512> chunk{};
  for (ssize_t count = 0; (count = ::read(pipe_fds[0], chunk.data(), chunk.size())) > 0;)
    message.append(chunk.data(), static_cast<std::size_t>(count));
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  EXPECT_EQ(message,
            "permission denied: " + pty.slave_path() +
                " (owner root, group tty, mode 0660); add the daemon's user 'nobody' to group 'tty' (usermod -aG tty "
                "nobody) and restart the daemon");
}

TEST_F(SerialLineTest, an_unsupported_baud_fails_with_the_supported_list_and_no_retries) {
  EXPECT_TRUE(SerialLine::baud_supported(115200));
  EXPECT_TRUE(SerialLine::baud_supported(1200));
  EXPECT_TRUE(SerialLine::baud_supported(4000000));
  EXPECT_FALSE(SerialLine::baud_supported(0));
  EXPECT_FALSE(SerialLine::baud_supported(300));
  EXPECT_FALSE(SerialLine::baud_supported(115201));
  EXPECT_FALSE(SerialLine::baud_supported(8000000));

  Pty pty;
  auto options = options_for(pty.slave_path());
  options.baud = 12345;
  SerialLine& line = make_line(options);
  line.start();

  EXPECT_EQ(line.state(), State::failed);
  EXPECT_EQ(line.last_error(),
            "unsupported baud 12345 for " + pty.slave_path() +
                " (supported: 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, "
                "576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000)");
  EXPECT_EQ(line.counters().open_failures, 0U);
  EXPECT_EQ(uv_loop_alive(&loop_), 1);  // only the test's tick keeps it alive
  ASSERT_EQ(changes_[0].size(), 1U);
  EXPECT_EQ(changes_[0][0].state, State::failed);
}

TEST_F(SerialLineTest, an_unplug_is_reported_once_and_a_replug_at_the_same_link_once) {
  auto first_pty = std::make_unique<Pty>();
  point_link(link_, first_pty->slave_path());
  SerialLine& line = make_line(options_for(link_.string()));
  expect_up(line);
  const auto unplugged_at = Clock::now();
  first_pty->close_master();

  ASSERT_TRUE(run_until([&] { return line.state() == State::down; }, 2s));
  EXPECT_LT(Clock::now() - unplugged_at, 2s);
  // The device node goes, as udev removes a USB tty's. (Left pointing at the
  // freed /dev/pts/N, the link could reach another process's new pty: the
  // kernel reuses the numbers, and other tests make ptys in parallel.)
  point_link(link_, (dir_ / "gone").string());
  // Many quiet attempts against the dangling link, then the device is back.
  ASSERT_TRUE(run_until([&] { return line.counters().open_failures >= 6; }));
  Pty second_pty;
  point_link(link_, second_pty.slave_path());
  ASSERT_TRUE(run_until([&] { return line.state() == State::up; }));

  const auto& changes = changes_[0];
  ASSERT_EQ(changes.size(), 3U);
  EXPECT_EQ(changes[0].state, State::up);
  EXPECT_EQ(changes[1].state, State::down);
  // Closing the master hangs the slave up, as the kernel does to a USB tty
  // on unplug: poll reports an error and read() returns 0.
  EXPECT_EQ(changes[1].detail, "unplugged: hangup");
  EXPECT_EQ(changes[2].state, State::up);
  EXPECT_EQ(changes[2].detail, "opened at 115200");
  EXPECT_EQ(count_occurrences(log_.str(), "unplugged: "), 1) << log_.str();
  EXPECT_EQ(count_occurrences(log_.str(), ": opened "), 2) << log_.str();
  EXPECT_EQ(line.counters().unplugs, 1U);
  EXPECT_EQ(line.counters().opens, 2U);
  EXPECT_GE(line.counters().open_failures, 6U);

  // The replugged line carries bytes again.
  Peer& peer = make_peer(second_pty);
  ASSERT_TRUE(line.write(Bytes{'o', 'k', '\n'}));
  ASSERT_TRUE(run_until([&] { return peer.received().size() >= 3; }));
  EXPECT_EQ(peer.received(), (Bytes{'o', 'k', '\n'}));
}

TEST_F(SerialLineTest, a_different_failure_while_down_is_reported_once) {
  SerialLine& line = make_line(options_for(link_.string()));
  line.start();
  ASSERT_TRUE(run_until([&] { return line.counters().open_failures >= 3; }));
  std::fclose(std::fopen(link_.c_str(), "w"));
  ASSERT_TRUE(run_until([&] { return line.counters().open_failures >= 8; }));
  std::filesystem::remove(link_);
  Pty pty;
  point_link(link_, pty.slave_path());
  ASSERT_TRUE(run_until([&] { return line.state() == State::up; }));

  const auto& changes = changes_[0];
  ASSERT_EQ(changes.size(), 3U);
  EXPECT_EQ(changes[0].detail, "no such device: " + link_.string());
  EXPECT_EQ(changes[1].detail, "not a tty: " + link_.string() + " is a regular file");
  EXPECT_EQ(changes[2].state, State::up);
}

TEST_F(SerialLineTest, reopen_attempts_back_off_doubling_to_the_cap_and_reset_after_an_open) {
  auto options = options_for(link_.string());
  options.reconnect_min_ms = 8;
  options.reconnect_max_ms = 64;
  SerialLine& line = make_line(options);
  const auto started = Clock::now();
  line.start();

  std::vector<Millis> delays;
  while (delays.size() < 7) {
    const auto failures = line.counters().open_failures;
    delays.push_back(line.retry_delay_ms());
    ASSERT_TRUE(run_until([&] { return line.counters().open_failures > failures; }));
  }
  const auto elapsed = Clock::now() - started;
  EXPECT_EQ(delays, (std::vector<Millis>{8, 16, 32, 64, 64, 64, 64}));
  // Timers never fire early (allowing 1 ms of loop-time rounding per attempt),
  // so seven waits take at least their sum however loaded the machine is.
  EXPECT_GE(elapsed, std::chrono::milliseconds(8 + 16 + 32 + 64 + 64 + 64 + 64 - 7));

  // A window of 500 ms holds few attempts: spaced by the cap, not spinning.
  const auto window_start = Clock::now();
  const auto failures_before = line.counters().open_failures;
  run_until([&] { return Clock::now() - window_start >= 500ms; });
  EXPECT_LE(line.counters().open_failures - failures_before, 500U / 64U + 2U);

  Pty pty;
  point_link(link_, pty.slave_path());
  ASSERT_TRUE(run_until([&] { return line.state() == State::up; }));
  EXPECT_EQ(line.retry_delay_ms(), 0U);
  pty.close_master();
  ASSERT_TRUE(run_until([&] { return line.state() == State::down; }));
  EXPECT_EQ(line.retry_delay_ms(), 8U);
}

TEST_F(SerialLineTest, a_full_queue_refuses_whole_writes_and_counts_them) {
  Pty pty;
  auto options = options_for(pty.slave_path());
  options.tx_queue_bytes = 4096;
  SerialLine& line = make_line(options);
  expect_up(line);
  // Nobody reads the master: the pty fills, then the queue.
  const Bytes chunk = pattern(1000, 3);
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  for (int round = 0; round < 400 && line.queued_bytes() + chunk.size() <= options.tx_queue_bytes; ++round) {
    while (line.write(chunk)) accepted += chunk.size();
    refused += chunk.size();
    uv_run(&loop_, UV_RUN_NOWAIT);
  }
  EXPECT_GT(line.queued_bytes() + chunk.size(), options.tx_queue_bytes);
  EXPECT_FALSE(line.write(chunk));
  refused += chunk.size();
  EXPECT_EQ(line.counters().tx_dropped, refused);
  EXPECT_LE(line.queued_bytes(), options.tx_queue_bytes);

  // Every accepted byte still arrives, in order: refused ones were never half-taken.
  Peer& peer = make_peer(pty);
  ASSERT_TRUE(run_until([&] { return peer.received().size() >= accepted; }));
  EXPECT_EQ(peer.received().size(), accepted);
  for (std::size_t at = 0; at + chunk.size() <= peer.received().size(); at += chunk.size()) {
    ASSERT_TRUE(std::equal(chunk.begin(), chunk.end(), peer.received().begin() + static_cast<std::ptrdiff_t>(at)));
  }
}

TEST_F(SerialLineTest, bytes_still_queued_at_an_unplug_are_counted_as_dropped) {
  Pty pty;
  SerialLine& line = make_line(options_for(pty.slave_path()));
  expect_up(line);
  // Nobody reads the master, so the pty fills and the rest stays queued.
  const Bytes chunk = pattern(1024, 5);
  std::uint64_t accepted = 0;
  for (int round = 0; round < 1000 && line.queued_bytes() == 0; ++round) {
    while (line.write(chunk)) accepted += chunk.size();
    uv_run(&loop_, UV_RUN_NOWAIT);
  }
  const std::uint64_t refused = line.counters().tx_dropped;
  const std::uint64_t queued = line.queued_bytes();
  ASSERT_GT(queued, 0U);

  pty.close_master();
  ASSERT_TRUE(run_until([&] { return line.state() == State::down; }));
  EXPECT_EQ(line.queued_bytes(), 0U);
  EXPECT_EQ(line.counters().tx_dropped, refused + queued);
  EXPECT_EQ(line.counters().bytes_out + queued, accepted);
}

TEST_F(SerialLineTest, writes_are_refused_and_counted_while_the_line_is_not_up) {
  SerialLine& line = make_line(options_for(link_.string()));
  EXPECT_FALSE(line.write(Bytes{1, 2, 3}));
  line.start();
  EXPECT_FALSE(line.write(Bytes{4, 5}));
  EXPECT_EQ(line.counters().tx_dropped, 5U);
}

TEST_F(SerialLineTest, stop_is_idempotent_reports_once_and_lets_the_loop_end) {
  Pty pty;
  SerialLine& line = make_line(options_for(pty.slave_path()));
  expect_up(line);
  line.stop();
  line.stop();
  EXPECT_EQ(line.state(), State::stopped);
  ASSERT_EQ(changes_[0].size(), 2U);
  EXPECT_EQ(changes_[0][1].state, State::stopped);

  uv_timer_stop(&tick_);
  EXPECT_EQ(uv_run(&loop_, UV_RUN_DEFAULT), 0);  // nothing of the line left alive

  // The port is free again, and the line opens it anew.
  line.start();
  EXPECT_EQ(line.state(), State::up);
}

TEST_F(SerialLineTest, stop_while_down_cancels_the_retries_and_lets_the_loop_end) {
  SerialLine& line = make_line(options_for(link_.string()));
  line.start();
  ASSERT_EQ(line.state(), State::down);
  line.stop();
  uv_timer_stop(&tick_);
  EXPECT_EQ(uv_run(&loop_, UV_RUN_DEFAULT), 0);
  EXPECT_EQ(line.counters().open_failures, 1U);
}

TEST_F(SerialLineTest, stopping_from_the_bytes_callback_is_safe) {
  Pty pty;
  SerialLine* line_pointer = nullptr;
  int calls = 0;
  SerialLine line(&loop_,
                  options_for(pty.slave_path()),
                  {.on_bytes =
                       [&](std::span<const std::uint8_t>) {
                         ++calls;
                         line_pointer->stop();
                       },
                   .on_state = {}});
  line_pointer = &line;
  expect_up(line);
  Peer& peer = make_peer(pty);
  peer.send(pattern(100000, 4));
  ASSERT_TRUE(run_until([&] { return line.state() == State::stopped; }));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace lit::daemon

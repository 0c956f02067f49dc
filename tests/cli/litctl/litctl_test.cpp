// litctl as a process against an in-process ControlServer whose handler
// answers every request kind with known data: each command's JSON parsed and
// asserted, its text, its exit codes, suggestions, help, flashing through an
// OpenOCD double with the link released and resumed, and `top` on a real
// terminal under tmux. The same commands against a real litd are in
// litctl_e2e_test.py.
#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "config/closest_name.hpp"
#include "control/protocol.hpp"
#include "control/server.hpp"
#include "loop_thread.hpp"

namespace lit::control {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using lit::test::LoopThread;

Node make_node(const std::string& path,
               NodeKind kind,
               const std::string& type,
               std::uint32_t loop_or_device_index,
               const std::string& device = {}) {
  Node node;
  node.set_path(path);
  node.set_name(path.substr(path.rfind('/') + 1));
  node.set_kind(kind);
  node.set_strategy_or_type(type);
  node.set_state(RUN_STATE_RUNNING);
  node.set_incarnation(1);
  if (device.empty()) {
    node.mutable_location()->set_host_loop(loop_or_device_index);
  } else {
    node.mutable_location()->set_device(device);
  }
  if (kind != NODE_KIND_SUPERVISOR) node.add_configuration("counting");
  if (path.find('/', 1) != std::string::npos) node.set_restart_type("permanent");
  return node;
}

// gw (one_for_one) with gw/tick (ticker), gw/work (worker) and
// gw/blinky (on board0); one device, board0.
class FakeLitd final : public ControlHandler {
 public:
  explicit FakeLitd(uv_loop_t* loop) : loop_(loop) {
    Node root = make_node("gw", NODE_KIND_SUPERVISOR, "one_for_one", 0);
    *root.add_children() = make_node("gw/tick", NODE_KIND_ACTOR, "ticker", 0);
    *root.add_children() = make_node("gw/work", NODE_KIND_ACTOR, "worker", 0);
    *root.add_children() = make_node("gw/blinky", NODE_KIND_DEVICE_ACTOR, "blinky", 0, "board0");
    root.mutable_children(1)->set_restarts(2);
    root_ = root;
    device_.set_name("board0");
    device_.set_port("/dev/ttyACM0");
    device_.set_baud(115200);
    device_.set_link_state(LINK_STATE_UP);
    device_.set_boot_id(0xb007);
    device_.set_firmware_name("agent");
    device_.set_firmware_version("0.1.0");
    device_.set_firmware_hash(0x1234abcd);
    device_.set_last_reset_reason("power_on");
    device_.set_rtt_us(1250);
    device_.mutable_counters()->set_frames_in(10);
    device_.add_actors("/dev/blinky");
  }

  void handle(const Request& request, const Caller& /*caller*/, Responder responder) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    Response response;
    if (request.has_status()) {
      auto* status = response.mutable_status_reply();
      status->set_version("0.1.0");
      status->set_uptime_ms(3'723'000);
      status->set_pid(4242);
      status->set_config_file("/etc/litd/litd.toml");
      status->set_worker_loops(2);
      auto* tree = status->add_trees();
      tree->set_path("gw");
      tree->set_state(RUN_STATE_RUNNING);
      tree->set_actors(4);
      auto* device = status->add_devices();
      device->set_name("board0");
      device->set_link_state(LINK_STATE_UP);
      device->set_boot_id(0xb007);
    } else if (request.has_tree()) {
      if (request.tree().path().empty()) {
        *response.mutable_tree()->add_roots() = root_;
      } else if (const Node* node = find(request.tree().path())) {
        *response.mutable_tree()->add_roots() = *node;
      } else {
        not_found(request.tree().path(), responder);
        return;
      }
    } else if (request.has_inspect()) {
      const Node* node = find(request.inspect().path());
      if (node == nullptr) {
        not_found(request.inspect().path(), responder);
        return;
      }
      auto* inspect = response.mutable_inspect();
      *inspect->mutable_node() = *node;
      inspect->mutable_node()->clear_children();
      inspect->set_parent("gw");
      inspect->mutable_mailbox()->set_depth(1);
      inspect->mutable_mailbox()->set_capacity(16);
      inspect->mutable_mailbox()->set_overflow("reject");
      inspect->mutable_counters()->set_messages_received(7);
      inspect->mutable_last_failure()->set_reason("fail");
      inspect->mutable_last_failure()->set_detail("sensor timeout");
      inspect->mutable_last_failure()->set_incarnation(1);
      inspect->add_watchers("gw");
      inspect->set_chart("ticker");
    } else if (request.has_supervision()) {
      if (find(request.supervision().path()) == nullptr) {
        not_found(request.supervision().path(), responder);
        return;
      }
      auto* reply = response.mutable_supervision();
      reply->set_path(request.supervision().path());
      reply->set_action(request.supervision().action());
      reply->set_completed(request.supervision().wait());
      reply->set_incarnation(request.supervision().action() == SUPERVISION_ACTION_STOP ? 0 : 2);
      reply->add_affected(request.supervision().path());
      reply->set_elapsed_ms(3);
    } else if (request.has_send()) {
      if (request.send().event() == "flood") {
        responder.fail(STATUS_UNAVAILABLE, "the mailbox of gw/work is full (16 of 16)");
        return;
      }
      response.mutable_send()->set_incarnation(1);
      response.mutable_send()->set_mailbox_depth(1);
    } else if (request.has_devices()) {
      if (!request.devices().name().empty() && request.devices().name() != "board0") {
        responder.fail(STATUS_NOT_FOUND, "no device named " + request.devices().name(), "board0");
        return;
      }
      *response.mutable_devices()->add_devices() = device_;
    } else if (request.has_chart()) {
      if (request.chart().path() == "gw/blinky") {
        fill_single_root_chart(*response.mutable_chart());
      } else {
        fill_chart(*response.mutable_chart());
      }
    } else if (request.has_device_link()) {
      Device device = device_;
      if (request.device_link().action() == DEVICE_LINK_ACTION_RESUME) {
        device.set_boot_id(0xb008);
        device.set_firmware_hash(0x5678ef01);
      } else {
        device.set_link_state(LINK_STATE_RELEASED);
      }
      *response.mutable_device_link()->mutable_device() = device;
    }
    responder.reply(std::move(response));
  }

  void open_stream(const Request& request, const Caller& /*caller*/, Stream stream) override {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
    }
    if (request.has_trace()) {
      for (int index = 0; index < 5; ++index) {
        Response item;
        auto* event = item.mutable_trace_event();
        event->set_time_unix_us(1'700'000'000'000'000 + std::int64_t{index} * 1000);
        event->set_path(index % 2 == 0 ? "gw/tick" : "gw/blinky");
        if (index % 2 == 0) {
          event->mutable_location()->set_host_loop(0);
        } else {
          event->mutable_location()->set_device("board0");
        }
        event->set_kind(TRACE_KIND_TRANSITION);
        event->set_event("tick");
        event->add_from("idle");
        event->add_to("counting");
        stream.push(std::move(item));
      }
    } else if (request.has_logs()) {
      for (int index = 0; index < 3; ++index) {
        Response item;
        item.mutable_log_record()->set_level(LOG_LEVEL_INFO);
        item.mutable_log_record()->set_logger("runtime");
        item.mutable_log_record()->set_text("line " + std::to_string(index));
        stream.push(std::move(item));
      }
      if (!request.logs().follow()) stream.end(STATUS_OK, "end of backlog");
    } else if (request.has_top()) {
      const std::uint32_t interval = request.top().interval_ms() == 0 ? 1000 : request.top().interval_ms();
      auto* timer = new uv_timer_t;
      uv_timer_init(loop_, timer);
      timer->data = new Stream(stream);
      uv_timer_start(
          timer,
          [](uv_timer_t* handle) {
            Stream& open = *static_cast<Stream*>(handle->data);
            if (open.push(snapshot()) == Stream::Push::closed) {
              uv_timer_stop(handle);
              delete static_cast<Stream*>(handle->data);
              uv_close(reinterpret_cast<uv_handle_t*>(handle),
                       [](uv_handle_t* closed) { delete reinterpret_cast<uv_timer_t*>(closed); });
            }
          },
          0,
          interval);
    }
  }

  std::vector<Request> requests() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  static Response snapshot() {
    Response item;
    auto* top = item.mutable_top();
    top->set_time_unix_ms(1'700'000'000'000);
    for (const char* path : {"gw/tick", "gw/work"}) {
      auto* load = top->add_actors();
      load->set_path(path);
      load->set_messages_per_second(path[4] == 't' ? 10.0 : 2.5);
      load->set_mailbox_capacity(16);
    }
    auto* device = top->add_devices();
    device->set_name("board0");
    device->set_link_state(LINK_STATE_UP);
    device->set_rtt_us(900);
    return item;
  }

  static void add_state(ChartReply& chart, const char* name, StateKind kind, int parent, int initial) {
    auto* state = chart.add_states();
    state->set_name(name);
    state->set_kind(kind);
    state->set_parent(parent);
    state->set_initial(initial);
  }

  static void fill_chart(ChartReply& chart) {
    chart.set_name("ticker");
    const auto add = [&](const char* name, StateKind kind, int parent, int initial) {
      add_state(chart, name, kind, parent, initial);
    };
    add("idle", STATE_KIND_ATOMIC, -1, -1);
    add("counting", STATE_KIND_COMPOUND, -1, 2);
    add("slow", STATE_KIND_ATOMIC, 1, -1);
    add("fast", STATE_KIND_ATOMIC, 1, -1);
    chart.mutable_states(1)->add_children(2);
    chart.mutable_states(1)->add_children(3);
    const auto transition = [&](std::uint32_t source, const char* event, std::uint32_t target, std::uint32_t after) {
      auto* row = chart.add_transitions();
      row->set_source(source);
      row->set_event(event);
      row->add_targets(target);
      row->set_after_ms(after);
    };
    transition(0, "start", 1, 0);
    transition(1, "stop", 0, 0);
    transition(2, "", 3, 500);
    chart.add_active(1);
    chart.add_active(3);
  }

  // One compound top-level state holding everything, as litd reports blinky.
  static void fill_single_root_chart(ChartReply& chart) {
    chart.set_name("blinky");
    const auto add = [&](const char* name, StateKind kind, int parent, int initial) {
      add_state(chart, name, kind, parent, initial);
    };
    add("blinking", STATE_KIND_COMPOUND, -1, 1);
    add("off", STATE_KIND_ATOMIC, 0, -1);
    add("on", STATE_KIND_ATOMIC, 0, -1);
    for (std::uint32_t source : {1U, 2U}) {
      auto* row = chart.add_transitions();
      row->set_source(source);
      row->add_targets(3 - source);
      row->set_after_ms(500);
    }
    chart.add_active(0);
    chart.add_active(2);
  }

  const Node* find(const std::string& path) const {
    if (path == root_.path()) return &root_;
    for (const Node& child : root_.children()) {
      if (child.path() == path) return &child;
    }
    return nullptr;
  }

  void not_found(const std::string& path, Responder& responder) const {
    std::vector<std::string> known{root_.path()};
    for (const Node& child : root_.children()) known.push_back(child.path());
    responder.fail(STATUS_NOT_FOUND, "no actor at " + path, std::string(daemon::closest_name(path, known)));
  }

  uv_loop_t* loop_;
  std::mutex mutex_;
  std::vector<Request> requests_;
  Node root_;
  Device device_;
};

struct Ran {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_file(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

class LitctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // As in litd: a litctl that hangs up mid-stream costs the server a failed write, not the process.
    std::signal(SIGPIPE, SIG_IGN);
    directory_ = fs::temp_directory_path() / ("litctl-test-" + std::to_string(::getpid()));
    fs::create_directories(directory_);
    socket_ = (directory_ / "control.sock").string();
    handler_ = std::make_unique<FakeLitd>(loop_.loop());
    server_ = loop_.call([this] {
      auto server = std::make_unique<ControlServer>(loop_.loop(), *handler_, ControlServer::Options{});
      const auto error = server->listen(socket_);
      EXPECT_FALSE(error) << *error;
      return server;
    });
  }

  void TearDown() override {
    loop_.call([this] { server_.reset(); });
    fs::remove_all(directory_);
  }

  // Runs litctl with `args` (the socket given through LITCTL_SOCKET), as
  // `uid` when set.
  Ran litctl(const std::vector<std::string>& args, std::optional<uid_t> uid = std::nullopt) {
    const fs::path out = directory_ / "out";
    const fs::path err = directory_ / "err";
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("LITCTL_SOCKET", socket_.c_str(), 1);
      const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      if (uid && (::setgid(*uid) != 0 || ::setuid(*uid) != 0)) ::_exit(99);
      std::vector<char*> argv{const_cast<char*>(LITCTL)};
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(LITCTL, argv.data());
      ::_exit(98);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out), read_file(err)};
  }

  template <typename Message>
  static Message parse(const std::string& json) {
    Message message;
    const auto status = google::protobuf::util::JsonStringToMessage(json, &message);
    EXPECT_TRUE(status.ok()) << status.message() << " in " << json;
    return message;
  }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream stream(text);
    for (std::string line; std::getline(stream, line);) out.push_back(line);
    return out;
  }

  LoopThread loop_;
  fs::path directory_;
  std::string socket_;
  std::unique_ptr<FakeLitd> handler_;
  std::unique_ptr<ControlServer> server_;
};

TEST_F(LitctlTest, status_reports_a_running_daemon_as_json_and_exits_0) {
  const Ran ran = litctl({"status", "-o", "json"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto json = parse<google::protobuf::Struct>(ran.out);
  EXPECT_EQ(json.fields().at("state").string_value(), "running");
  EXPECT_EQ(json.fields().at("socket").string_value(), socket_);
  const auto daemon = json.fields().at("daemon");
  std::string daemon_json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(daemon, &daemon_json).ok());
  const auto status = parse<StatusReply>(daemon_json);
  EXPECT_EQ(status.version(), "0.1.0");
  EXPECT_EQ(status.uptime_ms(), 3'723'000U);
  EXPECT_EQ(status.devices(0).boot_id(), 0xb007U);
}

TEST_F(LitctlTest, status_text_names_version_uptime_trees_and_devices) {
  const Ran ran = litctl({"status"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("litd 0.1.0 running, pid 4242, up 1h 2m"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("gw"), std::string::npos);
  EXPECT_NE(ran.out.find("board0"), std::string::npos);
  EXPECT_NE(ran.out.find("link up"), std::string::npos);
}

TEST_F(LitctlTest, status_exits_3_with_not_running_when_no_socket_exists) {
  loop_.call([this] { server_->close(); });
  const Ran ran = litctl({"status", "-o", "json"});
  EXPECT_EQ(ran.exit_code, 3);
  EXPECT_EQ(parse<google::protobuf::Struct>(ran.out).fields().at("state").string_value(), "not_running");
  EXPECT_NE(ran.err.find("not running"), std::string::npos) << ran.err;
}

TEST_F(LitctlTest, status_exits_4_when_the_socket_refuses_this_user) {
  const Ran ran = litctl({"status"}, 65534);
  EXPECT_EQ(ran.exit_code, 4) << ran.err;
}

TEST_F(LitctlTest, other_commands_exit_69_when_litd_is_unreachable) {
  loop_.call([this] { server_->close(); });
  const Ran ran = litctl({"tree"});
  EXPECT_EQ(ran.exit_code, 69);
  EXPECT_NE(ran.err.find("litd is not running"), std::string::npos) << ran.err;
  EXPECT_TRUE(ran.out.empty());
}

TEST_F(LitctlTest, a_refused_user_exits_77_with_permission_denied) {
  const Ran ran = litctl({"tree"}, 65534);
  EXPECT_EQ(ran.exit_code, 77) << ran.err;
  EXPECT_NE(ran.err.find("permission denied"), std::string::npos) << ran.err;
}

TEST_F(LitctlTest, tree_json_is_the_tree_reply_with_every_node) {
  const Ran ran = litctl({"tree", "-o", "json"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto tree = parse<TreeReply>(ran.out);
  ASSERT_EQ(tree.roots_size(), 1);
  EXPECT_EQ(tree.roots(0).strategy_or_type(), "one_for_one");
  ASSERT_EQ(tree.roots(0).children_size(), 3);
  EXPECT_EQ(tree.roots(0).children(2).location().device(), "board0");
  EXPECT_EQ(handler_->requests().back().tree().depth(), 0U);
}

TEST_F(LitctlTest, tree_text_draws_each_node_with_type_state_restarts_and_place) {
  const Ran ran = litctl({"tree"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("gw  one_for_one  running  restarts 0  host loop 0"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("├── tick  ticker  running [counting]  restarts 0  incarnation 1  host loop 0"),
            std::string::npos)
      << ran.out;
  EXPECT_NE(ran.out.find("├── work  worker  running [counting]  restarts 2"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("└── blinky  blinky  running [counting]  restarts 0  incarnation 1  device board0"),
            std::string::npos)
      << ran.out;
}

TEST_F(LitctlTest, ls_of_a_supervisor_lists_its_children_as_rows) {
  const Ran text = litctl({"ls", "gw"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const auto rows = lines(text.out);
  ASSERT_EQ(rows.size(), 4U) << text.out;
  EXPECT_EQ(rows[0].rfind("PATH", 0), 0U);
  EXPECT_EQ(rows[1].rfind("gw/tick ", 0), 0U);
  EXPECT_EQ(handler_->requests().back().tree().path(), "gw");
  EXPECT_EQ(handler_->requests().back().tree().depth(), 1U);

  // A leading '/' is accepted too.
  const Ran json = litctl({"ls", "/gw/", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto parsed = parse<google::protobuf::Struct>(json.out);
  const auto& actors = parsed.fields().at("actors").list_value();
  ASSERT_EQ(actors.values_size(), 3);
  EXPECT_EQ(actors.values(1).struct_value().fields().at("path").string_value(), "gw/work");
  EXPECT_EQ(actors.values(1).struct_value().fields().at("restarts").string_value(), "2");
}

TEST_F(LitctlTest, inspect_json_holds_mailbox_counters_failure_and_watchers) {
  const Ran ran = litctl({"inspect", "/gw/tick", "-o", "json"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto inspect = parse<InspectReply>(ran.out);
  EXPECT_EQ(inspect.node().path(), "gw/tick");
  EXPECT_EQ(inspect.mailbox().capacity(), 16U);
  EXPECT_EQ(inspect.counters().messages_received(), 7U);
  EXPECT_EQ(inspect.last_failure().detail(), "sensor timeout");
  EXPECT_EQ(inspect.watchers(0), "gw");

  const Ran text = litctl({"inspect", "gw/tick"});
  EXPECT_NE(text.out.find("mailbox:        1/16"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("last failure:   fail: sensor timeout"), std::string::npos) << text.out;
}

TEST_F(LitctlTest, an_unknown_path_exits_5_naming_the_closest_match) {
  const Ran ran = litctl({"inspect", "gw/tik"});
  EXPECT_EQ(ran.exit_code, 5);
  EXPECT_NE(ran.err.find("no actor at gw/tik; did you mean gw/tick?"), std::string::npos) << ran.err;
  EXPECT_TRUE(ran.out.empty());
  EXPECT_EQ(litctl({"restart", "gw/wrok"}).exit_code, 5);
}

TEST_F(LitctlTest, restart_waits_and_reports_the_new_incarnation) {
  const Ran ran = litctl({"restart", "gw/tick"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(ran.out, "restarted gw/tick: incarnation 2 in 3 ms\n");
  const auto request = handler_->requests().back().supervision();
  EXPECT_TRUE(request.wait());
  EXPECT_EQ(request.action(), SUPERVISION_ACTION_RESTART);

  const Ran json = litctl({"restart", "gw/tick", "-o", "json"});
  const auto reply = parse<SupervisionReply>(json.out);
  EXPECT_TRUE(reply.completed());
  EXPECT_EQ(reply.incarnation(), 2U);
}

TEST_F(LitctlTest, stop_and_start_with_no_wait_return_once_ordered) {
  const Ran stop = litctl({"stop", "gw/work", "--no-wait"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "gw/work: stop ordered (not waiting)\n");
  EXPECT_FALSE(handler_->requests().back().supervision().wait());
  EXPECT_EQ(handler_->requests().back().supervision().action(), SUPERVISION_ACTION_STOP);
  const Ran start = litctl({"start", "gw/work"});
  EXPECT_EQ(start.out, "started gw/work: incarnation 2 in 3 ms\n");
}

TEST_F(LitctlTest, send_passes_the_event_and_its_json_fields) {
  const Ran ran = litctl({"send", "gw/work", "work", "--data", R"({"level": 3, "note": "x"})", "-o", "json"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(parse<SendReply>(ran.out).incarnation(), 1U);
  const auto send = handler_->requests().back().send();
  EXPECT_EQ(send.event(), "work");
  EXPECT_EQ(send.data().fields().at("level").number_value(), 3);
  EXPECT_EQ(send.data().fields().at("note").string_value(), "x");
}

TEST_F(LitctlTest, send_refuses_data_that_is_not_a_json_object_with_exit_2) {
  const std::size_t before = handler_->requests().size();
  const Ran ran = litctl({"send", "gw/work", "work", "--data", "[1, 2]"});
  EXPECT_EQ(ran.exit_code, 2);
  EXPECT_NE(ran.err.find("must be a JSON object"), std::string::npos) << ran.err;
  EXPECT_EQ(handler_->requests().size(), before);
}

TEST_F(LitctlTest, a_refusal_by_litd_exits_1_with_its_message) {
  const Ran ran = litctl({"send", "gw/work", "flood"});
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.err.find("mailbox of gw/work is full"), std::string::npos) << ran.err;
}

TEST_F(LitctlTest, trace_count_stops_after_n_events_as_json_lines) {
  const Ran ran = litctl({"trace", "gw", "--count", "3", "-o", "json"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto events = lines(ran.out);
  ASSERT_EQ(events.size(), 3U);
  const auto second = parse<TraceEvent>(events[1]);
  EXPECT_EQ(second.path(), "gw/blinky");
  EXPECT_EQ(second.location().device(), "board0");
  EXPECT_EQ(second.to(0), "counting");
  EXPECT_EQ(handler_->requests().back().trace().paths(0), "gw");
}

TEST_F(LitctlTest, trace_text_shows_time_place_path_and_change) {
  const Ran ran = litctl({"trace", "--count", "2"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto events = lines(ran.out);
  ASSERT_EQ(events.size(), 2U);
  EXPECT_NE(events[1].find("device board0  gw/blinky  transition  idle -> counting  on tick"), std::string::npos)
      << events[1];
}

TEST_F(LitctlTest, logs_prints_the_backlog_and_exits_when_litd_ends_it) {
  const Ran ran = litctl({"logs", "-o", "json", "--device", "board0"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto records = lines(ran.out);
  ASSERT_EQ(records.size(), 3U);
  EXPECT_EQ(parse<LogRecord>(records[2]).text(), "line 2");
  EXPECT_EQ(handler_->requests().back().logs().device(), "board0");
  EXPECT_FALSE(handler_->requests().back().logs().follow());
}

TEST_F(LitctlTest, devices_json_holds_boot_id_firmware_and_counters) {
  const Ran ran = litctl({"devices", "-o", "json"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto devices = parse<DevicesReply>(ran.out);
  ASSERT_EQ(devices.devices_size(), 1);
  EXPECT_EQ(devices.devices(0).boot_id(), 0xb007U);
  EXPECT_EQ(devices.devices(0).firmware_version(), "0.1.0");
  EXPECT_EQ(devices.devices(0).counters().frames_in(), 10U);
  const Ran unknown = litctl({"devices", "bord0"});
  EXPECT_EQ(unknown.exit_code, 5);
  EXPECT_NE(unknown.err.find("did you mean board0?"), std::string::npos) << unknown.err;
}

TEST_F(LitctlTest, top_json_count_prints_that_many_snapshots) {
  const Ran ran = litctl({"top", "--interval", "50", "--count", "2", "-o", "json"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto snapshots = lines(ran.out);
  ASSERT_EQ(snapshots.size(), 2U);
  const auto top = parse<TopSnapshot>(snapshots[0]);
  EXPECT_EQ(top.actors(0).path(), "gw/tick");
  EXPECT_EQ(top.devices(0).rtt_us(), 900U);
}

TEST_F(LitctlTest, top_under_tmux_shows_the_actors_and_devices_on_screen) {
  if (std::system("command -v tmux >/dev/null") != 0) GTEST_SKIP() << "tmux is not installed";
  const std::string session = "litctl-test-" + std::to_string(::getpid());
  const std::string start = "tmux new-session -d -s " + session + " -x 120 -y 30 'LITCTL_SOCKET=" + socket_ + " " +
                            LITCTL + " top --interval 100'";
  ASSERT_EQ(std::system(start.c_str()), 0);
  std::string screen;
  // The screen is polled, not slept on: it appears as soon as the first snapshot is drawn.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string capture = "tmux capture-pane -p -t " + session + " > " + (directory_ / "screen").string();
    ASSERT_EQ(std::system(capture.c_str()), 0);
    screen = read_file(directory_ / "screen");
    if (screen.find("gw/work") != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  static_cast<void>(std::system(("tmux send-keys -t " + session + " C-c").c_str()));
  static_cast<void>(std::system(("tmux kill-session -t " + session + " 2>/dev/null").c_str()));
  EXPECT_NE(screen.find("ACTOR"), std::string::npos) << screen;
  EXPECT_NE(screen.find("gw/tick"), std::string::npos) << screen;
  EXPECT_NE(screen.find("gw/work"), std::string::npos) << screen;
  EXPECT_NE(screen.find("board0"), std::string::npos) << screen;
}

TEST_F(LitctlTest, chart_draws_dot_or_mermaid_with_the_active_states_highlighted) {
  const Ran dot = litctl({"chart", "gw/tick"});
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph", 0), 0U) << dot.out;
  EXPECT_NE(dot.out.find("fast"), std::string::npos);
  EXPECT_NE(dot.out.find("after 500ms"), std::string::npos) << dot.out;
  const Ran mermaid = litctl({"chart", "gw/tick", "-o", "mermaid"});
  ASSERT_EQ(mermaid.exit_code, 0) << mermaid.err;
  EXPECT_EQ(mermaid.out.rfind("stateDiagram-v2", 0), 0U) << mermaid.out;
  EXPECT_NE(mermaid.out.find("idle --> counting : start"), std::string::npos) << mermaid.out;
  const Ran json = litctl({"chart", "gw/tick", "-o", "json"});
  EXPECT_EQ(parse<ChartReply>(json.out).active_size(), 2);
}

TEST_F(LitctlTest, chart_draws_a_chart_whose_one_top_level_state_holds_the_rest) {
  const Ran ran = litctl({"chart", "gw/blinky", "-o", "mermaid"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.out.find("state blinking {"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("off --> on : after 500ms"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("class on active"), std::string::npos) << ran.out;
}

TEST_F(LitctlTest, diagram_formats_are_refused_outside_chart_with_exit_2) {
  const Ran ran = litctl({"tree", "-o", "dot"});
  EXPECT_EQ(ran.exit_code, 2);
  EXPECT_NE(ran.err.find("chart"), std::string::npos);
}

TEST_F(LitctlTest, a_misspelt_command_gets_a_suggestion_and_exit_2) {
  const Ran ran = litctl({"restrat", "gw/tick"});
  EXPECT_EQ(ran.exit_code, 2);
  EXPECT_NE(ran.err.find("unknown command 'restrat'; did you mean 'restart'?"), std::string::npos) << ran.err;
  EXPECT_EQ(litctl({"--socket", "/x", "stauts"}).err.find("did you mean 'status'?") != std::string::npos, true);
}

TEST_F(LitctlTest, every_command_has_help_with_examples) {
  for (const char* command : {"status",
                              "tree",
                              "ls",
                              "inspect",
                              "restart",
                              "stop",
                              "start",
                              "send",
                              "trace",
                              "logs",
                              "top",
                              "chart",
                              "devices",
                              "flash"}) {
    const Ran ran = litctl({command, "--help"});
    EXPECT_EQ(ran.exit_code, 0) << command;
    EXPECT_NE(ran.out.find("Examples:"), std::string::npos) << command << ": " << ran.out;
    EXPECT_NE(ran.out.find(std::string("litctl ") + command), std::string::npos) << command;
  }
  const Ran top = litctl({"--help"});
  EXPECT_NE(top.out.find("77  permission denied"), std::string::npos) << top.out;
}

TEST_F(LitctlTest, flash_releases_the_link_runs_openocd_then_reports_the_new_boot_id) {
  const fs::path firmware = directory_ / "agent.elf";
  std::ofstream(firmware) << "not really an ELF";
  ::setenv("LITCTL_FAKE_OPENOCD_TRANSCRIPT", LITCTL_TRANSCRIPTS "/success.txt", 1);
  const Ran ran =
      litctl({"flash", "--device", "board0", "--openocd", LITCTL_FAKE_OPENOCD, firmware.string(), "-o", "json"});
  ::unsetenv("LITCTL_FAKE_OPENOCD_TRANSCRIPT");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const auto json = parse<google::protobuf::Struct>(ran.out);
  EXPECT_EQ(json.fields().at("outcome").string_value(), "ok");
  const auto& device = json.fields().at("device").struct_value().fields();
  EXPECT_EQ(device.at("boot_id").string_value(), std::to_string(0xb008));
  EXPECT_EQ(device.at("firmware_hash").string_value(), std::to_string(0x5678ef01));
  std::vector<DeviceLinkAction> actions;
  for (const Request& request : handler_->requests()) {
    if (request.has_device_link()) actions.push_back(request.device_link().action());
  }
  EXPECT_EQ(actions, (std::vector<DeviceLinkAction>{DEVICE_LINK_ACTION_RELEASE, DEVICE_LINK_ACTION_RESUME}));
  EXPECT_NE(ran.err.find("** Verified OK **"), std::string::npos) << ran.err;
}

TEST_F(LitctlTest, a_failed_flash_still_resumes_the_link_and_exits_with_the_failure) {
  const fs::path firmware = directory_ / "agent.elf";
  std::ofstream(firmware) << "not really an ELF";
  ::setenv("LITCTL_FAKE_OPENOCD_TRANSCRIPT", LITCTL_TRANSCRIPTS "/verify_failed.txt", 1);
  const Ran ran = litctl({"flash", "--device", "board0", "--openocd", LITCTL_FAKE_OPENOCD, firmware.string()});
  ::unsetenv("LITCTL_FAKE_OPENOCD_TRANSCRIPT");
  EXPECT_EQ(ran.exit_code, 12) << ran.err;
  EXPECT_NE(ran.err.find("verify failed"), std::string::npos) << ran.err;
  EXPECT_EQ(handler_->requests().back().device_link().action(), DEVICE_LINK_ACTION_RESUME);
}

}  // namespace
}  // namespace lit::control

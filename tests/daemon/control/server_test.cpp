// ControlServer and ControlClient (daemon/control/) over real Unix sockets:
// a loop thread runs the server with a fake handler, the test thread is the
// client. Covers round trips, deferred replies, streams (cancel, disconnect,
// backpressure), framing errors, version checks, authorisation by
// SO_PEERCRED (children dropping to uid 65534), and the socket file itself.
#include "control/server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "control/client.hpp"
#include "control/protocol.hpp"
#include "loop_thread.hpp"

namespace lit::control {
namespace {

using namespace std::chrono_literals;

using lit::test::LoopThread;

// Answers on the loop thread: status and tree at once, restart deferred,
// inspect by throwing, devices by dropping its responder; keeps every stream.
class FakeHandler final : public ControlHandler {
 public:
  void handle(const Request& request, const Caller& caller, Responder responder) override {
    if (request.has_status()) {
      Response response;
      response.mutable_status_reply()->set_version("test");
      response.mutable_status_reply()->set_uptime_ms(42);
      response.mutable_status_reply()->set_pid(static_cast<std::uint32_t>(caller.pid));
      responder.reply(std::move(response));
    } else if (request.has_tree()) {
      if (request.tree().path() != "/plant") {
        responder.fail(STATUS_NOT_FOUND, "no actor at " + request.tree().path(), "/plant");
        return;
      }
      Response response;
      Node* root = response.mutable_tree()->add_roots();
      root->set_path("/plant");
      root->set_kind(NODE_KIND_SUPERVISOR);
      root->add_children()->set_path("/plant/pump");
      responder.reply(std::move(response));
    } else if (request.has_supervision()) {
      const std::lock_guard<std::mutex> lock(mutex_);
      deferred_.push_back(responder);
      changed_.notify_all();
    } else if (request.has_send()) {
      const std::lock_guard<std::mutex> lock(mutex_);
      last_send_ = request.send();
      last_client_ = caller.client;
      Response response;
      response.mutable_send()->set_incarnation(3);
      responder.reply(std::move(response));
    } else if (request.has_inspect()) {
      throw std::runtime_error("inspect exploded");
    }
    // devices: the responder goes out of scope unanswered.
  }

  void open_stream(const Request& request, const Caller& /*caller*/, Stream stream) override {
    if (request.has_logs() && !request.logs().follow()) {
      for (int line = 0; line < 3; ++line) {
        Response item;
        item.mutable_log_record()->set_text("line " + std::to_string(line));
        stream.push(std::move(item));
      }
      stream.end(STATUS_OK, "end of backlog");
      return;
    }
    stream.on_close([this] {
      const std::lock_guard<std::mutex> lock(mutex_);
      ++streams_closed_;
      changed_.notify_all();
    });
    const std::lock_guard<std::mutex> lock(mutex_);
    streams_.push_back(stream);
    changed_.notify_all();
  }

  // Waits (test thread) until `ready` holds under the handler's lock.
  void wait_until(const std::function<bool()>& ready) {
    std::unique_lock<std::mutex> lock(mutex_);
    ASSERT_TRUE(changed_.wait_for(lock, 10s, ready));
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Responder> deferred_;
  std::vector<Stream> streams_;
  int streams_closed_ = 0;
  SendRequest last_send_;
  std::string last_client_;
};

Request make(const std::function<void(Request&)>& fill) {
  Request request;
  fill(request);
  return request;
}

Request status_request() {
  return make([](Request& r) { r.mutable_status(); });
}

class ControlServerTest : public ::testing::Test {
 protected:
  ControlServerTest() {
    char pattern[] = "/tmp/lit-control-XXXXXX";
    directory_ = mkdtemp(pattern);
    chmod(directory_.c_str(), 0755);  // children that drop to uid 65534 reach the socket
    path_ = directory_ + "/control.sock";
    logger_ = std::make_shared<spdlog::logger>("control", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    logger_->set_level(spdlog::level::debug);
  }
  ~ControlServerTest() override {
    loop_.call([this] {
      servers_.clear();
      return 0;
    });
    std::filesystem::remove_all(directory_);
  }

  ControlServer::Options options() {
    ControlServer::Options options;
    options.logger = logger_;
    return options;
  }

  // Starts a server on the loop; returns it, or fails the test.
  ControlServer& start(ControlServer::Options options, std::string path = {}) {
    if (path.empty()) path = path_;
    ControlServer* server = nullptr;
    std::optional<std::string> error = loop_.call([&] {
      servers_.push_back(std::make_unique<ControlServer>(loop_.loop(), handler_, std::move(options)));
      server = servers_.back().get();
      return server->listen(path);
    });
    EXPECT_EQ(error, std::nullopt);
    return *server;
  }

  ControlClient connect() {
    ClientResult<ControlClient> client = ControlClient::connect(path_);
    EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().message);
    return std::move(*client);
  }

  ControlServer::Counters counters(ControlServer& server) {
    return loop_.call([&] { return server.counters(); });
  }

  std::string log_text() {
    logger_->flush();
    return log_.str();
  }

  // Runs `child` in a forked process as uid/gid 65534 with `groups` as its
  // supplementary groups; returns what it wrote to its pipe.
  static std::string as_nobody(const std::vector<gid_t>& groups, const std::function<std::string()>& child) {
    int pipe_fds[2];
    EXPECT_EQ(pipe(pipe_fds), 0);
    const pid_t pid = fork();
    if (pid == 0) {
      close(pipe_fds[0]);
      std::string result = "could not drop privileges";
      if (setgroups(groups.size(), groups.data()) == 0 && setgid(65534) == 0 && setuid(65534) == 0) result = child();
      const ssize_t ignored = write(pipe_fds[1], result.data(), result.size());
      static_cast<void>(ignored);
      _exit(0);
    }
    close(pipe_fds[1]);
    std::string output;
    char buffer[512];
    ssize_t count = 0;
    while ((count = read(pipe_fds[0], buffer, sizeof(buffer))) > 0)
      output.append(buffer, static_cast<std::size_t>(count));
    close(pipe_fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return output;
  }

  LoopThread loop_;
  FakeHandler handler_;
  std::vector<std::unique_ptr<ControlServer>> servers_;
  std::string directory_;
  std::string path_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(ControlServerTest, status_request_round_trips_with_version_and_counts_ok) {
  ControlServer& server = start(options());
  ControlClient client = connect();
  client.set_client_name("litctl test");
  ClientResult<Response> response = client.call(status_request(), 5s);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status(), STATUS_OK);
  EXPECT_EQ(response->protocol_version(), kProtocolVersion);
  EXPECT_FALSE(response->more());
  EXPECT_EQ(response->status_reply().version(), "test");
  EXPECT_EQ(response->status_reply().pid(), static_cast<std::uint32_t>(getpid()));
  EXPECT_EQ(counters(server).requests_ok, 1U);
  EXPECT_EQ(counters(server).connections_accepted, 1U);
}

TEST_F(ControlServerTest, unknown_path_is_not_found_with_the_closest_match) {
  start(options());
  ControlClient client = connect();
  ClientResult<Response> found = client.call(make([](Request& r) { r.mutable_tree()->set_path("/plant"); }), 5s);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->tree().roots_size(), 1);
  EXPECT_EQ(found->tree().roots(0).children(0).path(), "/plant/pump");
  ClientResult<Response> missing = client.call(make([](Request& r) { r.mutable_tree()->set_path("/plnat"); }), 5s);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status(), STATUS_NOT_FOUND);
  EXPECT_EQ(missing->message(), "no actor at /plnat");
  EXPECT_EQ(missing->closest_match(), "/plant");
}

TEST_F(ControlServerTest, send_carries_json_fields_and_the_client_name) {
  start(options());
  ControlClient client = connect();
  client.set_client_name("litctl 0.1.0");
  Request request;
  request.mutable_send()->set_path("/plant/pump");
  request.mutable_send()->set_event("set_level");
  ASSERT_EQ(json_to_struct(R"({"level": 3})", *request.mutable_send()->mutable_data()), std::nullopt);
  ClientResult<Response> response = client.call(request, 5s);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->send().incarnation(), 3U);
  const std::lock_guard<std::mutex> lock(handler_.mutex_);
  EXPECT_EQ(handler_.last_send_.event(), "set_level");
  EXPECT_EQ(handler_.last_send_.data().fields().at("level").number_value(), 3.0);
  EXPECT_EQ(handler_.last_client_, "litctl 0.1.0");
}

TEST_F(ControlServerTest, deferred_reply_arrives_when_the_handler_completes_it) {
  start(options());
  ControlClient client = connect();
  auto reply = std::async(std::launch::async, [&] {
    return client.call(make([](Request& r) {
                         r.mutable_supervision()->set_path("/plant/pump");
                         r.mutable_supervision()->set_action(SUPERVISION_ACTION_RESTART);
                         r.mutable_supervision()->set_wait(true);
                       }),
                       10s);
  });
  handler_.wait_until([&] { return !handler_.deferred_.empty(); });
  const bool sent = loop_.call([&] {
    Response response;
    response.mutable_supervision()->set_completed(true);
    response.mutable_supervision()->set_incarnation(8);
    Responder responder = handler_.deferred_.front();
    const bool first = responder.reply(response);
    const bool second = responder.reply(response);  // only the first reply counts
    return first && !second;
  });
  EXPECT_TRUE(sent);
  ClientResult<Response> response = reply.get();
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status(), STATUS_OK);
  EXPECT_TRUE(response->supervision().completed());
  EXPECT_EQ(response->supervision().incarnation(), 8U);
}

TEST_F(ControlServerTest, responder_dropped_unanswered_replies_internal) {
  start(options());
  ControlClient client = connect();
  ClientResult<Response> response = client.call(make([](Request& r) { r.mutable_devices(); }), 5s);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status(), STATUS_INTERNAL);
  EXPECT_EQ(response->message(), "the daemon dropped the request unanswered");
}

TEST_F(ControlServerTest, handler_exception_replies_internal_and_keeps_the_connection) {
  ControlServer& server = start(options());
  ControlClient client = connect();
  ClientResult<Response> response = client.call(make([](Request& r) { r.mutable_inspect()->set_path("/a"); }), 5s);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status(), STATUS_INTERNAL);
  EXPECT_EQ(response->message(), "the daemon failed on a inspect request: inspect exploded");
  EXPECT_TRUE(client.call(status_request(), 5s).ok());
  EXPECT_EQ(counters(server).requests_failed, 1U);
  EXPECT_NE(log_text().find("inspect exploded"), std::string::npos);
}

TEST_F(ControlServerTest, request_without_a_kind_is_invalid) {
  start(options());
  ControlClient client = connect();
  ClientResult<Response> response = client.call(Request(), 5s);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status(), STATUS_INVALID_ARGUMENT);
  EXPECT_NE(response->message().find("names no kind"), std::string::npos);
}

TEST_F(ControlServerTest, server_ended_stream_delivers_its_items_then_a_last_response) {
  start(options());
  ControlClient client = connect();
  std::vector<std::string> lines;
  ClientResult<ControlClient::StreamEnd> end = client.stream(
      make([](Request& r) { r.mutable_logs(); }),
      [&](const Response& item) {
        lines.push_back(item.log_record().text());
        return true;
      },
      5s);
  ASSERT_TRUE(end.ok()) << end.error().message;
  EXPECT_FALSE(end->stopped_by_client);
  EXPECT_FALSE(end->last.more());
  EXPECT_EQ(end->last.message(), "end of backlog");
  EXPECT_EQ(lines, (std::vector<std::string>{"line 0", "line 1", "line 2"}));
}

TEST_F(ControlServerTest, client_stopping_a_stream_cancels_it_and_the_handler_hears_of_it) {
  ControlServer& server = start(options());
  ControlClient client = connect();
  std::thread producer([&] {
    handler_.wait_until([&] { return !handler_.streams_.empty(); });
    for (int item = 0; item < 5; ++item) {
      loop_.call([&] {
        Response response;
        response.mutable_trace_event()->set_path("/plant/pump");
        return handler_.streams_.front().push(std::move(response));
      });
    }
  });
  int received = 0;
  ClientResult<ControlClient::StreamEnd> end = client.stream(
      make([](Request& r) { r.mutable_trace(); }),
      [&](const Response& item) {
        EXPECT_EQ(item.trace_event().path(), "/plant/pump");
        return ++received < 2;
      },
      5s);
  producer.join();
  ASSERT_TRUE(end.ok()) << end.error().message;
  EXPECT_TRUE(end->stopped_by_client);
  handler_.wait_until([&] { return handler_.streams_closed_ == 1; });
  EXPECT_EQ(loop_.call([&] { return handler_.streams_.front().open(); }), false);
  EXPECT_EQ(loop_.call([&] { return server.open_stream_count(); }), 0U);
  // The connection stays usable; the stream's leftovers are skipped.
  ClientResult<Response> status = client.call(status_request(), 5s);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status_reply().version(), "test");
}

TEST_F(ControlServerTest, client_disconnect_closes_its_streams_and_tells_the_handler) {
  start(options());
  {
    ControlClient client = connect();
    std::string frame;
    Request request = make([](Request& r) {
      r.set_request_id(5);
      r.set_protocol_version(kProtocolVersion);
      r.mutable_trace()->add_paths("/plant");
    });
    ASSERT_TRUE(append_frame(request, frame));
    ASSERT_EQ(client.send_bytes(frame, 5s), std::nullopt);
    handler_.wait_until([&] { return handler_.streams_.size() == 1; });
  }
  handler_.wait_until([&] { return handler_.streams_closed_ == 1; });
  const Stream::Push pushed = loop_.call([&] { return handler_.streams_.front().push(Response()); });
  EXPECT_EQ(pushed, Stream::Push::closed);
}

TEST_F(ControlServerTest, slow_stream_client_gets_items_dropped_and_counted_never_queued_without_bound) {
  ControlServer::Options bounded = options();
  bounded.output_queue_bytes = std::size_t{64} * 1024;
  ControlServer& server = start(bounded);
  ControlClient client = connect();
  std::string frame;
  ASSERT_TRUE(append_frame(make([](Request& r) {
                             r.set_request_id(9);
                             r.set_protocol_version(kProtocolVersion);
                             r.mutable_trace();
                           }),
                           frame));
  ASSERT_EQ(client.send_bytes(frame, 5s), std::nullopt);
  handler_.wait_until([&] { return handler_.streams_.size() == 1; });
  constexpr int kItems = 2000;  // ~2 MB offered to a client that reads nothing meanwhile
  const auto [sent, dropped] = loop_.call([&] {
    int sent_items = 0;
    int dropped_items = 0;
    for (int item = 0; item < kItems; ++item) {
      Response response;
      response.mutable_log_record()->set_text(std::string(1000, 'x'));
      const Stream::Push result = handler_.streams_.front().push(std::move(response));
      (result == Stream::Push::sent ? sent_items : dropped_items) += 1;
    }
    return std::pair{sent_items, dropped_items};
  });
  EXPECT_GT(dropped, 0);
  EXPECT_LT(sent, kItems / 4);  // the queue cap (64 KiB) plus what the socket buffer took
  EXPECT_EQ(counters(server).stream_items_dropped, static_cast<std::uint64_t>(dropped));
  // Read what was sent, then one more item once the queue has drained: every
  // item offered is either received or reported dropped.
  std::uint64_t received = 0;
  std::uint64_t reported_dropped = 0;
  for (int item = 0; item < sent; ++item) {
    ClientResult<Response> response = client.receive(5s);
    ASSERT_TRUE(response.ok()) << response.error().message;
    ++received;
    reported_dropped += response->dropped();
  }
  std::uint64_t extra_offered = 0;
  for (;;) {
    ++extra_offered;
    const Stream::Push result = loop_.call([&] {
      Response marker;
      marker.mutable_log_record()->set_text("marker");
      return handler_.streams_.front().push(std::move(marker));
    });
    if (result == Stream::Push::sent) break;
    ASSERT_EQ(result, Stream::Push::dropped);
  }
  ClientResult<Response> marker = client.receive(5s);
  ASSERT_TRUE(marker.ok());
  EXPECT_EQ(marker->log_record().text(), "marker");
  ++received;
  reported_dropped += marker->dropped();
  EXPECT_GE(marker->dropped(), static_cast<std::uint64_t>(dropped));
  EXPECT_EQ(received + reported_dropped, kItems + extra_offered);
}

TEST_F(ControlServerTest, oversized_frame_closes_only_that_connection_and_is_counted) {
  ControlServer& server = start(options());
  ControlClient bystander = connect();
  ASSERT_TRUE(bystander.call(status_request(), 5s).ok());
  ControlClient offender = connect();
  // A varint announcing 2 MiB, then some of the body.
  ASSERT_EQ(offender.send_bytes(std::string("\x80\x80\x80\x01", 4) + std::string(1000, 'x'), 5s), std::nullopt);
  ClientResult<Response> refusal = offender.receive(5s);
  ASSERT_TRUE(refusal.ok()) << refusal.error().message;
  EXPECT_EQ(refusal->request_id(), 0U);
  EXPECT_EQ(refusal->status(), STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(refusal->message(), "frame of 2097152 bytes exceeds the limit of 1048576 bytes; the connection is closed");
  ClientResult<Response> after = offender.receive(5s);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().kind, ClientError::Kind::disconnected);
  EXPECT_EQ(counters(server).frame_errors, 1U);
  EXPECT_TRUE(bystander.call(status_request(), 5s).ok());
  EXPECT_NE(log_text().find("exceeds the limit"), std::string::npos);
}

TEST_F(ControlServerTest, corrupt_request_closes_the_connection_with_a_clear_error) {
  ControlServer& server = start(options());
  ControlClient client = connect();
  // A well-framed body that is no Request (a truncated varint field).
  ASSERT_EQ(client.send_bytes(std::string("\x02\x08\xff", 3), 5s), std::nullopt);
  ClientResult<Response> status = client.call(status_request(), 5s);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ClientError::Kind::protocol);
  EXPECT_EQ(status.error().message,
            "malformed request: 2 bytes that are not a lit.control.Request; the connection is closed");
  EXPECT_EQ(counters(server).frame_errors, 1U);
}

TEST_F(ControlServerTest, protocol_version_mismatch_is_refused_naming_both_versions) {
  ControlServer& server = start(options());
  ControlClient client = connect();
  Request request = status_request();
  request.set_protocol_version(kProtocolVersion + 1);
  request.set_client("litctl 9.0");
  ClientResult<Response> response = client.call(request, 5s);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status(), STATUS_VERSION_MISMATCH);
  EXPECT_EQ(response->protocol_version(), kProtocolVersion);
  EXPECT_EQ(response->message(),
            "protocol version 2 is not supported: this litd speaks control protocol version 1; use a litctl of the "
            "same release");
  EXPECT_EQ(counters(server).requests_refused, 1U);
  EXPECT_NE(log_text().find("refused protocol version 2"), std::string::npos);
  EXPECT_FALSE(client.call(status_request(), 5s).ok());  // closed
}

TEST_F(ControlServerTest, cancelling_an_unknown_stream_is_not_found) {
  start(options());
  ControlClient client = connect();
  ClientResult<Response> response =
      client.call(make([](Request& r) { r.mutable_cancel()->set_stream_request_id(77); }), 5s);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status(), STATUS_NOT_FOUND);
}

TEST_F(ControlServerTest, caller_outside_the_group_is_refused_and_the_refusal_logged) {
  ControlServer::Options open_socket = options();
  open_socket.group = "daemon";
  open_socket.mode = 0666;  // the file lets uid 65534 in; SO_PEERCRED must not
  ControlServer& server = start(open_socket);
  const std::string outcome = as_nobody({}, [&] {
    ClientResult<ControlClient> client = ControlClient::connect(path_);
    if (!client) return "connect: " + client.error().message;
    ClientResult<Response> response = client->call(status_request(), 5s);
    if (response) return std::string("admitted");
    return std::string(client_error_kind_name(response.error().kind)) + ": " + response.error().message;
  });
  EXPECT_EQ(outcome,
            "permission_denied: permission denied: uid 65534 may not use litd's control API (it admits root, litd's "
            "own user and group 'daemon')");
  EXPECT_EQ(counters(server).requests_refused, 1U);
  EXPECT_EQ(counters(server).connections_accepted, 0U);
  EXPECT_NE(log_text().find("refused control connection from uid 65534 gid 65534"), std::string::npos) << log_text();
}

TEST_F(ControlServerTest, caller_with_the_group_as_a_supplementary_group_is_admitted) {
  ControlServer::Options grouped = options();
  grouped.group = "daemon";
  start(grouped);
  const gid_t daemon_group = getgrnam("daemon")->gr_gid;
  const std::string outcome = as_nobody({daemon_group}, [&] {
    ClientResult<ControlClient> client = ControlClient::connect(path_);
    if (!client) return "connect: " + client.error().message;
    ClientResult<Response> response = client->call(status_request(), 5s);
    return response ? std::string(status_name(response->status())) : response.error().message;
  });
  EXPECT_EQ(outcome, "ok");
}

TEST_F(ControlServerTest, socket_file_gets_mode_0660_and_the_configured_group) {
  ControlServer::Options grouped = options();
  grouped.group = "daemon";
  start(grouped);
  struct stat status {};
  ASSERT_EQ(stat(path_.c_str(), &status), 0);
  EXPECT_TRUE(S_ISSOCK(status.st_mode));
  EXPECT_EQ(status.st_mode & 07777, 0660U);
  EXPECT_EQ(status.st_gid, getgrnam("daemon")->gr_gid);
  // The mode keeps others out before litd's own check: connect fails.
  const std::string outcome = as_nobody({}, [&] {
    ClientResult<ControlClient> client = ControlClient::connect(path_);
    return client ? std::string("connected")
                  : std::string(client_error_kind_name(client.error().kind)) + ": " + client.error().message;
  });
  EXPECT_EQ(
      outcome,
      "permission_denied: permission denied on " + path_ + ": run as root or as a member of litd's control group");
}

TEST_F(ControlServerTest, stale_socket_file_is_replaced) {
  const int stale = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, path_.c_str());
  ASSERT_EQ(bind(stale, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  close(stale);  // the file stays, nobody listens
  ClientResult<ControlClient> before = ControlClient::connect(path_);
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().kind, ClientError::Kind::refused);
  start(options());
  ControlClient client = connect();
  EXPECT_TRUE(client.call(status_request(), 5s).ok());
  EXPECT_NE(log_text().find("removed a stale control socket"), std::string::npos);
}

TEST_F(ControlServerTest, live_socket_is_refused_and_keeps_serving) {
  start(options());
  std::optional<std::string> error = loop_.call([&] {
    servers_.push_back(std::make_unique<ControlServer>(loop_.loop(), handler_, options()));
    return servers_.back()->listen(path_);
  });
  EXPECT_EQ(error, "another litd is already listening on " + path_);
  ControlClient client = connect();
  EXPECT_TRUE(client.call(status_request(), 5s).ok());
}

TEST_F(ControlServerTest, path_that_is_not_a_socket_is_left_alone) {
  { std::ofstream(path_) << "precious"; }
  std::optional<std::string> error = loop_.call([&] {
    servers_.push_back(std::make_unique<ControlServer>(loop_.loop(), handler_, options()));
    return servers_.back()->listen(path_);
  });
  EXPECT_EQ(error, path_ + " exists and is not a socket; not replacing it");
  EXPECT_TRUE(std::filesystem::is_regular_file(path_));
}

TEST_F(ControlServerTest, unknown_group_is_refused_at_listen) {
  ControlServer::Options grouped = options();
  grouped.group = "no-such-group-lit";
  std::optional<std::string> error = loop_.call([&] {
    servers_.push_back(std::make_unique<ControlServer>(loop_.loop(), handler_, grouped));
    return servers_.back()->listen(path_);
  });
  EXPECT_EQ(error, "group 'no-such-group-lit' does not exist");
}

TEST_F(ControlServerTest, socket_activated_listener_is_served_and_close_removes_only_created_files) {
  const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, path_.c_str());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  std::optional<std::string> error = loop_.call([&] {
    servers_.push_back(std::make_unique<ControlServer>(loop_.loop(), handler_, options()));
    return servers_.back()->adopt(listener);
  });
  ASSERT_EQ(error, std::nullopt);
  {
    ControlClient client = connect();
    EXPECT_TRUE(client.call(status_request(), 5s).ok());
  }
  loop_.call([&] {
    servers_.back()->close();
    return 0;
  });
  EXPECT_TRUE(std::filesystem::exists(path_));  // the socket unit's file

  const std::string created = directory_ + "/own.sock";
  start(options(), created);
  loop_.call([&] {
    servers_.back()->close();
    return 0;
  });
  EXPECT_FALSE(std::filesystem::exists(created));
}

TEST(ControlClient, missing_socket_says_litd_is_not_running) {
  ClientResult<ControlClient> client = ControlClient::connect("/tmp/lit-no-such-dir/control.sock");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().kind, ClientError::Kind::not_running);
  EXPECT_EQ(client.error().message, "litd is not running (no socket at /tmp/lit-no-such-dir/control.sock)");
}

}  // namespace
}  // namespace lit::control

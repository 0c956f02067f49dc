// ControlServer (server.hpp): the listening socket, per-connection framing,
// authorisation, version checks, dispatch, streams and backpressure. Loop
// thread only. libuv handles and write requests are heap objects freed by
// their own callbacks, which reach a Connection only through a weak_ptr, so a
// connection (or the whole server) may go away while libuv still holds them.
#include "control/server.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <set>
#include <utility>
#include <vector>

#include "control/protocol.hpp"

namespace lit::control {
namespace {

constexpr std::size_t kReadChunkBytes = std::size_t{64} * 1024;
constexpr int kListenBacklog = 64;
constexpr std::size_t kMaxSupplementaryGroups = 256;

std::shared_ptr<spdlog::logger> control_logger() {
  if (std::shared_ptr<spdlog::logger> logger = spdlog::get("control")) return logger;
  try {
    return spdlog::stderr_color_mt("control");
  } catch (const spdlog::spdlog_ex&) {
    return spdlog::get("control");  // registered by another thread meanwhile
  }
}

std::string errno_text(int error_number) {
  std::array<char, 128> buffer{};
  return strerror_r(error_number, buffer.data(), buffer.size());
}

void delete_pipe(uv_handle_t* handle) { delete reinterpret_cast<uv_pipe_t*>(handle); }

void close_pipe(uv_pipe_t* pipe) {
  pipe->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(pipe), delete_pipe);
}

// The peer's credentials at connect time; its supplementary groups come from
// SO_PEERGROUPS (Linux 4.13), else from the group database for its user.
struct PeerIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
  std::vector<gid_t> groups;
};

std::optional<PeerIdentity> peer_identity(int fd, std::string& error) {
  ucred credentials{};
  socklen_t length = sizeof(credentials);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
    error = "SO_PEERCRED: " + errno_text(errno);
    return std::nullopt;
  }
  PeerIdentity identity{credentials.uid, credentials.gid, credentials.pid, {}};
  std::vector<gid_t> groups(kMaxSupplementaryGroups);
  socklen_t groups_length = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &groups_length) == 0) {
    groups.resize(groups_length / sizeof(gid_t));
    identity.groups = std::move(groups);
    return identity;
  }
  // Older kernels: the groups the user is configured with.
  std::array<char, 1024> buffer{};
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(identity.uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    int count = static_cast<int>(kMaxSupplementaryGroups);
    groups.assign(kMaxSupplementaryGroups, 0);
    if (getgrouplist(found->pw_name, identity.gid, groups.data(), &count) >= 0) {
      groups.resize(static_cast<std::size_t>(count));
      identity.groups = std::move(groups);
    }
  }
  return identity;
}

bool is_authorised(const PeerIdentity& peer, std::optional<gid_t> group) {
  if (peer.uid == 0 || peer.uid == geteuid()) return true;
  if (!group) return false;
  return peer.gid == *group || std::find(peer.groups.begin(), peer.groups.end(), *group) != peer.groups.end();
}

}  // namespace

// --- per-request state shared with the handler's handles ---------------------

struct CallState {
  std::weak_ptr<Connection> connection;
  std::uint64_t request_id = 0;
  bool replied = false;

  CallState(std::weak_ptr<Connection> owner, std::uint64_t id) : connection(std::move(owner)), request_id(id) {}
  CallState(const CallState&) = delete;
  CallState& operator=(const CallState&) = delete;
  ~CallState();
};

struct StreamState {
  std::weak_ptr<Connection> connection;
  std::uint64_t request_id = 0;
  bool open = true;
  std::uint64_t dropped_since_sent = 0;
  std::uint64_t dropped_total = 0;
  std::function<void()> on_close;
};

// One accepted client: owned by the server's map; its pipe and write
// requests are owned by libuv until their callbacks run.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ControlServer& server, std::uint64_t id, uv_pipe_t* pipe, Caller caller)
      : server_(server), id_(id), pipe_(pipe), caller_(std::move(caller)), decoder_(server.options_.max_frame_bytes) {
    pipe_->data = this;
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (pipe_ != nullptr) close_pipe(pipe_);
  }

  void start() {
    reading_ = true;
    const int status = uv_read_start(reinterpret_cast<uv_stream_t*>(pipe_), on_alloc, on_read);
    if (status < 0) {
      log().warn("connection {}: cannot read: {}", id_, uv_strerror(status));
      close_now();
    }
  }

  // Sends `response` about the connection itself, then closes it.
  void refuse(const Response& response) {
    write(response);
    close_after_flush();
  }

  // A unary request's final reply. False when the connection has gone.
  bool finish_call(CallState& call, Response response) {
    if (call.replied) return false;
    call.replied = true;
    if (closed_ || closing_) return false;
    calls_.erase(call.request_id);
    seal(response, call.request_id, false);
    count_final(response.status());
    return write(response);
  }

  Stream::Push push(StreamState& stream, Response item) {
    if (!stream.open || closed_ || closing_) return Stream::Push::closed;
    if (queued_bytes_ >= server_.options_.output_queue_bytes) {
      ++stream.dropped_since_sent;
      ++stream.dropped_total;
      ++server_.counters_.stream_items_dropped;
      return Stream::Push::dropped;
    }
    seal(item, stream.request_id, true);
    item.set_dropped(stream.dropped_since_sent);
    stream.dropped_since_sent = 0;
    ++server_.counters_.stream_items_sent;
    return write(item) ? Stream::Push::sent : Stream::Push::closed;
  }

  void end_stream(StreamState& stream, Status status, std::string message) {
    if (!stream.open) return;
    stream.open = false;
    stream.on_close = nullptr;
    if (closed_ || closing_) return;
    streams_.erase(stream.request_id);
    Response last = make_response(stream.request_id, status, std::move(message));
    last.set_dropped(stream.dropped_since_sent);
    count_final(last.status());
    write(last);
  }

  // Ends the connection at once; queued output is discarded.
  void close_now() {
    if (closed_) return;
    const std::shared_ptr<Connection> keep = shared_from_this();
    closed_ = true;
    close_streams();
    close_pipe(pipe_);
    pipe_ = nullptr;
    server_.forget(id_);
  }

  [[nodiscard]] std::size_t open_streams() const { return streams_.size(); }

 private:
  struct WriteRequest {
    uv_write_t request{};
    std::string bytes;
    std::weak_ptr<Connection> connection;
  };
  struct ShutdownRequest {
    uv_shutdown_t request{};
    std::weak_ptr<Connection> connection;
  };

  spdlog::logger& log() { return *server_.logger_; }

  static void on_alloc(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buffer) {
    auto* self = static_cast<Connection*>(handle->data);
    *buffer = uv_buf_init(self->read_buffer_.data(), static_cast<unsigned>(self->read_buffer_.size()));
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
    auto* self = static_cast<Connection*>(stream->data);
    if (self == nullptr) return;
    if (nread < 0) {
      if (nread != UV_EOF) self->log().debug("connection {}: {}", self->id_, uv_strerror(static_cast<int>(nread)));
      self->close_now();
      return;
    }
    self->received(std::string_view(buffer->base, static_cast<std::size_t>(nread)));
  }

  static void on_written(uv_write_t* request, int status) {
    std::unique_ptr<WriteRequest> write(reinterpret_cast<WriteRequest*>(request));
    if (std::shared_ptr<Connection> self = write->connection.lock()) self->written(write->bytes.size(), status);
  }

  static void on_shutdown(uv_shutdown_t* request, int /*status*/) {
    std::unique_ptr<ShutdownRequest> shutdown(reinterpret_cast<ShutdownRequest*>(request));
    if (std::shared_ptr<Connection> self = shutdown->connection.lock()) self->close_now();
  }

  void received(std::string_view bytes) {
    const std::shared_ptr<Connection> keep = shared_from_this();
    decoder_.feed(bytes);
    std::string_view body;
    while (!closed_ && !closing_) {
      const FrameDecoder::Result result = decoder_.next(body);
      if (result == FrameDecoder::Result::need_more) return;
      if (result == FrameDecoder::Result::error) {
        protocol_error(decoder_.error());
        return;
      }
      dispatch(body);
    }
  }

  void protocol_error(const std::string& what) {
    ++server_.counters_.frame_errors;
    log().warn("connection {} (pid {}): {}; closing it", id_, caller_.pid, what);
    refuse(make_response(0, STATUS_INVALID_ARGUMENT, what + "; the connection is closed"));
  }

  void dispatch(std::string_view body) {
    Request request;
    if (!request.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      protocol_error(fmt::format("malformed request: {} bytes that are not a lit.control.Request", body.size()));
      return;
    }
    const std::uint64_t id = request.request_id();
    if (id == 0) {
      protocol_error("request_id 0 is reserved for the server");
      return;
    }
    if (request.protocol_version() != kProtocolVersion) {
      ++server_.counters_.requests_refused;
      log().warn("connection {} (pid {}, {}): refused protocol version {}; this litd speaks version {}",
                 id_,
                 caller_.pid,
                 request.client().empty() ? "unnamed client" : request.client(),
                 request.protocol_version(),
                 kProtocolVersion);
      refuse(make_response(id,
                           STATUS_VERSION_MISMATCH,
                           fmt::format("protocol version {} is not supported: this litd speaks control protocol "
                                       "version {}; use a litctl of the same release",
                                       request.protocol_version(),
                                       kProtocolVersion)));
      return;
    }
    if (calls_.count(id) != 0 || streams_.count(id) != 0) {
      reject(id, STATUS_INVALID_ARGUMENT, fmt::format("request id {} is already in flight on this connection", id));
      return;
    }
    if (calls_.size() + streams_.size() >= server_.options_.max_requests_in_flight) {
      reject(id,
             STATUS_UNAVAILABLE,
             fmt::format("too many requests in flight on this connection (limit {})",
                         server_.options_.max_requests_in_flight));
      return;
    }
    if (request.kind_case() == Request::KIND_NOT_SET) {
      reject(id, STATUS_INVALID_ARGUMENT, "the request names no kind (is the client newer than this litd?)");
      return;
    }
    if (request.has_cancel()) {
      cancel(id, request.cancel().stream_request_id());
      return;
    }
    Caller caller = caller_;
    caller.client = request.client();
    const std::string_view kind = request_kind_name(request);
    if (is_stream_request(request)) {
      auto state = std::make_shared<StreamState>();
      state->connection = weak_from_this();
      state->request_id = id;
      streams_.emplace(id, state);
      invoke(kind, [&] { server_.handler_.open_stream(request, caller, Stream(state)); });
      // A handler that threw leaves nobody to end the stream.
      if (handler_failed_ && state->open) end_stream(*state, STATUS_INTERNAL, handler_failure_);
    } else {
      calls_.insert(id);
      auto call = std::make_shared<CallState>(weak_from_this(), id);
      invoke(kind, [&] { server_.handler_.handle(request, caller, Responder(call)); });
      if (handler_failed_) finish_call(*call, make_response(id, STATUS_INTERNAL, handler_failure_));
    }
  }

  // Runs a handler call; an exception is logged and answered, never let
  // through into libuv.
  template <typename Call>
  void invoke(std::string_view kind, Call&& call) {
    handler_failed_ = false;
    try {
      call();
    } catch (const std::exception& exception) {
      handler_failed_ = true;
      handler_failure_ = fmt::format("the daemon failed on a {} request: {}", kind, exception.what());
    } catch (...) {
      handler_failed_ = true;
      handler_failure_ = fmt::format("the daemon failed on a {} request", kind);
    }
    if (handler_failed_) log().error("connection {}: {}", id_, handler_failure_);
  }

  void reject(std::uint64_t id, Status status, std::string message) {
    Response response = make_response(id, status, std::move(message));
    count_final(status);
    write(response);
  }

  void cancel(std::uint64_t id, std::uint64_t stream_id) {
    const auto found = streams_.find(stream_id);
    if (found == streams_.end()) {
      reject(id, STATUS_NOT_FOUND, fmt::format("no open stream with request id {} on this connection", stream_id));
      return;
    }
    const std::shared_ptr<StreamState> stream = found->second;
    std::function<void()> on_close = std::move(stream->on_close);
    end_stream(*stream, STATUS_OK, "cancelled");
    if (on_close) on_close();
    Response response = make_response(id, STATUS_OK);
    response.mutable_cancel();
    count_final(STATUS_OK);
    write(response);
  }

  static void seal(Response& response, std::uint64_t request_id, bool more) {
    response.set_request_id(request_id);
    response.set_protocol_version(kProtocolVersion);
    response.set_more(more);
    if (response.status() == STATUS_UNSPECIFIED) response.set_status(STATUS_OK);
  }

  void count_final(Status status) {
    if (status == STATUS_OK) {
      ++server_.counters_.requests_ok;
    } else {
      ++server_.counters_.requests_failed;
    }
  }

  // Queues one frame. Unary replies always go; the caller decides about
  // stream items. False when the connection is closed or the write failed.
  bool write(const Response& response) {
    if (closed_) return false;
    auto request = std::make_unique<WriteRequest>();
    if (!append_frame(response, request->bytes, server_.options_.max_frame_bytes)) {
      log().error("connection {}: a {}-byte reply to request {} exceeds the frame limit",
                  id_,
                  response.ByteSizeLong(),
                  response.request_id());
      Response too_big = make_response(response.request_id(), STATUS_INTERNAL, "the reply exceeds the frame limit");
      request->bytes.clear();
      append_frame(too_big, request->bytes, server_.options_.max_frame_bytes);
    }
    request->connection = weak_from_this();
    const std::size_t size = request->bytes.size();
    const uv_buf_t buffer = uv_buf_init(request->bytes.data(), static_cast<unsigned>(size));
    const int status = uv_write(&request->request, reinterpret_cast<uv_stream_t*>(pipe_), &buffer, 1, on_written);
    if (status < 0) {
      log().debug("connection {}: write failed: {}", id_, uv_strerror(status));
      close_now();
      return false;
    }
    static_cast<void>(request.release());  // on_written frees it
    queued_bytes_ += size;
    if (reading_ && queued_bytes_ >= server_.options_.output_queue_bytes) {
      // Stop taking requests from a client that does not read its replies.
      uv_read_stop(reinterpret_cast<uv_stream_t*>(pipe_));
      reading_ = false;
      paused_ = true;
    }
    return true;
  }

  void written(std::size_t size, int status) {
    queued_bytes_ -= size;
    if (closed_) return;
    if (status < 0) {
      close_now();
      return;
    }
    if (paused_ && !closing_ && queued_bytes_ <= server_.options_.output_queue_bytes / 2) {
      paused_ = false;
      start();
    }
  }

  // Stops reading, ends the streams and closes once the queued output is
  // written (or at once when too much is queued to wait for).
  void close_after_flush() {
    if (closed_ || closing_) return;
    closing_ = true;
    close_streams();
    if (reading_) {
      uv_read_stop(reinterpret_cast<uv_stream_t*>(pipe_));
      reading_ = false;
    }
    if (queued_bytes_ > server_.options_.output_queue_bytes) {
      close_now();
      return;
    }
    auto request = std::make_unique<ShutdownRequest>();
    request->connection = weak_from_this();
    if (uv_shutdown(&request->request, reinterpret_cast<uv_stream_t*>(pipe_), on_shutdown) < 0) {
      close_now();
      return;
    }
    static_cast<void>(request.release());  // on_shutdown frees it
  }

  // The client is gone (or is being sent away): every open stream closes and
  // its handler hears of it; a stream that closes this way counts as ok.
  void close_streams() {
    std::map<std::uint64_t, std::shared_ptr<StreamState>> streams = std::move(streams_);
    streams_.clear();
    for (auto& [id, stream] : streams) {
      if (!stream->open) continue;
      stream->open = false;
      ++server_.counters_.requests_ok;
      std::function<void()> on_close = std::move(stream->on_close);
      stream->on_close = nullptr;
      if (on_close) on_close();
    }
    calls_.clear();
  }

  ControlServer& server_;
  std::uint64_t id_;
  uv_pipe_t* pipe_;
  Caller caller_;
  FrameDecoder decoder_;
  std::array<char, kReadChunkBytes> read_buffer_{};
  std::set<std::uint64_t> calls_;
  std::map<std::uint64_t, std::shared_ptr<StreamState>> streams_;
  std::size_t queued_bytes_ = 0;
  bool reading_ = false;
  bool paused_ = false;  // reads stopped by backpressure, until the output drains
  bool closing_ = false;
  bool closed_ = false;
  bool handler_failed_ = false;
  std::string handler_failure_;
};

CallState::~CallState() {
  if (replied) return;
  // A destructor must not throw; the only thing that could is running out of
  // memory for the reply, and then the client's timeout has to do.
  try {
    if (std::shared_ptr<Connection> owner = connection.lock()) {
      owner->finish_call(*this,
                         make_response(request_id, STATUS_INTERNAL, "the daemon dropped the request unanswered"));
    }
  } catch (...) {
    replied = true;
  }
}

// --- handles -----------------------------------------------------------------

bool Responder::reply(Response response) {
  if (!call_ || call_->replied) return false;
  std::shared_ptr<Connection> owner = call_->connection.lock();
  if (!owner) {
    call_->replied = true;
    return false;
  }
  return owner->finish_call(*call_, std::move(response));
}

bool Responder::fail(Status status, std::string message, std::string closest_match) {
  Response response;
  response.set_status(status);
  response.set_message(std::move(message));
  response.set_closest_match(std::move(closest_match));
  return reply(std::move(response));
}

bool Responder::pending() const { return call_ && !call_->replied && !call_->connection.expired(); }

std::uint64_t Responder::request_id() const { return call_ ? call_->request_id : 0; }

Stream::Push Stream::push(Response item) {
  if (!state_ || !state_->open) return Push::closed;
  std::shared_ptr<Connection> owner = state_->connection.lock();
  if (!owner) return Push::closed;
  return owner->push(*state_, std::move(item));
}

void Stream::end(Status status, std::string message) {
  if (!state_ || !state_->open) return;
  std::shared_ptr<Connection> owner = state_->connection.lock();
  if (!owner) {
    state_->open = false;
    return;
  }
  owner->end_stream(*state_, status, std::move(message));
}

bool Stream::open() const { return state_ && state_->open && !state_->connection.expired(); }

std::uint64_t Stream::request_id() const { return state_ ? state_->request_id : 0; }

std::uint64_t Stream::dropped_total() const { return state_ ? state_->dropped_total : 0; }

void Stream::on_close(std::function<void()> callback) {
  if (!state_) return;
  if (!open()) {
    if (callback) callback();
    return;
  }
  state_->on_close = std::move(callback);
}

// --- server ------------------------------------------------------------------

ControlServer::ControlServer(uv_loop_t* loop, ControlHandler& handler, Options options)
    : loop_(loop),
      handler_(handler),
      options_(std::move(options)),
      logger_(options_.logger ? options_.logger : control_logger()) {}

ControlServer::~ControlServer() {
  try {
    close();
  } catch (...) {
    // Out of memory while closing: the handles still close with the loop.
    static_cast<void>(0);
  }
}

std::optional<std::string> ControlServer::resolve_group() {
  group_id_.reset();
  if (options_.group.empty()) return std::nullopt;
  std::vector<char> buffer(16384);
  group entry{};
  group* found = nullptr;
  const int status = getgrnam_r(options_.group.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (status != 0) return fmt::format("cannot look up group '{}': {}", options_.group, errno_text(status));
  if (found == nullptr) return fmt::format("group '{}' does not exist", options_.group);
  group_id_ = found->gr_gid;
  return std::nullopt;
}

std::optional<std::string> ControlServer::listen(const std::string& path) {
  if (listener_ != nullptr) return "the control server is already listening";
  if (std::optional<std::string> error = resolve_group()) return error;
  if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path)) {
    return fmt::format("control socket path '{}' must be 1 to {} bytes long", path, sizeof(sockaddr_un::sun_path) - 1);
  }
  struct stat existing {};
  if (lstat(path.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) return fmt::format("{} exists and is not a socket; not replacing it", path);
    // Someone accepting on it is another litd; nobody is a stale file.
    const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) return "socket: " + errno_text(errno);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int connected = connect(probe, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    const int connect_error = errno;
    ::close(probe);
    if (connected == 0) return fmt::format("another litd is already listening on {}", path);
    if (connect_error != ECONNREFUSED) {
      return fmt::format("cannot tell whether {} is in use: {}", path, errno_text(connect_error));
    }
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      return fmt::format("cannot remove the stale socket {}: {}", path, errno_text(errno));
    }
    logger_->info("removed a stale control socket at {}", path);
  }

  listener_ = new uv_pipe_t{};
  uv_pipe_init(loop_, listener_, 0);
  listener_->data = this;
  auto fail = [&](std::string message) {
    close_pipe(listener_);
    listener_ = nullptr;
    return std::optional<std::string>(std::move(message));
  };
  if (const int status = uv_pipe_bind(listener_, path.c_str()); status < 0) {
    return fail(fmt::format("cannot create the control socket {}: {}", path, uv_strerror(status)));
  }
  // Mode and group are set before listen(), so no caller can connect while
  // the file still has the umask's permissions.
  if (group_id_ && chown(path.c_str(), static_cast<uid_t>(-1), *group_id_) != 0) {
    const int error = errno;
    unlink(path.c_str());
    return fail(fmt::format("cannot give {} to group '{}': {}", path, options_.group, errno_text(error)));
  }
  if (chmod(path.c_str(), static_cast<mode_t>(options_.mode)) != 0) {
    const int error = errno;
    unlink(path.c_str());
    return fail(fmt::format("cannot set mode {:04o} on {}: {}", options_.mode, path, errno_text(error)));
  }
  path_ = path;
  if (std::optional<std::string> error = start_listening()) {
    unlink(path.c_str());
    path_.clear();
    return error;
  }
  logger_->info("control API on {} (mode {:04o}, group {})",
                path,
                options_.mode,
                options_.group.empty() ? "none: root only" : options_.group);
  return std::nullopt;
}

std::optional<std::string> ControlServer::adopt(int listening_fd) {
  if (listener_ != nullptr) return "the control server is already listening";
  if (std::optional<std::string> error = resolve_group()) return error;
  listener_ = new uv_pipe_t{};
  uv_pipe_init(loop_, listener_, 0);
  listener_->data = this;
  if (const int status = uv_pipe_open(listener_, listening_fd); status < 0) {
    close_pipe(listener_);
    listener_ = nullptr;
    return fmt::format("cannot use the socket-activated control socket (fd {}): {}", listening_fd, uv_strerror(status));
  }
  if (std::optional<std::string> error = start_listening()) return error;
  logger_->info("control API on the socket-activated fd {}", listening_fd);
  return std::nullopt;
}

std::optional<std::string> ControlServer::start_listening() {
  const int status =
      uv_listen(reinterpret_cast<uv_stream_t*>(listener_), kListenBacklog, [](uv_stream_t* stream, int s) {
        if (auto* server = static_cast<ControlServer*>(stream->data)) server->on_connection(s);
      });
  if (status < 0) {
    close_pipe(listener_);
    listener_ = nullptr;
    return fmt::format("cannot listen on the control socket: {}", uv_strerror(status));
  }
  return std::nullopt;
}

std::optional<std::string> ControlServer::adopt_connection(int connected_fd) {
  auto* pipe = new uv_pipe_t{};
  uv_pipe_init(loop_, pipe, 0);
  if (const int status = uv_pipe_open(pipe, connected_fd); status < 0) {
    close_pipe(pipe);
    return fmt::format("cannot serve fd {}: {}", connected_fd, uv_strerror(status));
  }
  serve(connected_fd, pipe);
  return std::nullopt;
}

void ControlServer::on_connection(int status) {
  if (status < 0) {
    logger_->warn("control socket: accept failed: {}", uv_strerror(status));
    return;
  }
  auto* pipe = new uv_pipe_t{};
  uv_pipe_init(loop_, pipe, 0);
  if (const int accepted = uv_accept(reinterpret_cast<uv_stream_t*>(listener_), reinterpret_cast<uv_stream_t*>(pipe));
      accepted < 0) {
    logger_->warn("control socket: accept failed: {}", uv_strerror(accepted));
    close_pipe(pipe);
    return;
  }
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(pipe), &fd);
  serve(fd, pipe);
}

void ControlServer::serve(int fd, uv_pipe_t* pipe) {
  std::string error;
  const std::optional<PeerIdentity> peer = peer_identity(fd, error);
  if (!peer) {
    logger_->warn("control socket: cannot identify a caller ({}); closing", error);
    close_pipe(pipe);
    return;
  }
  const std::uint64_t id = next_connection_++;
  auto connection = std::make_shared<Connection>(*this, id, pipe, Caller{peer->uid, peer->gid, peer->pid, id, {}});
  connections_.emplace(id, connection);
  if (!is_authorised(*peer, group_id_)) {
    ++counters_.requests_refused;
    const std::string admitted = options_.group.empty()
                                     ? std::string("root and litd's own user only")
                                     : fmt::format("root, litd's own user and group '{}'", options_.group);
    logger_->warn("refused control connection from uid {} gid {} pid {}: the API admits {}",
                  peer->uid,
                  peer->gid,
                  peer->pid,
                  admitted);
    connection->refuse(make_response(
        0,
        STATUS_PERMISSION_DENIED,
        fmt::format("permission denied: uid {} may not use litd's control API (it admits {})", peer->uid, admitted)));
    return;
  }
  if (connections_.size() > options_.max_connections) {
    logger_->warn(
        "refused control connection from pid {}: {} connections are open", peer->pid, options_.max_connections);
    connection->refuse(
        make_response(0,
                      STATUS_UNAVAILABLE,
                      fmt::format("litd serves at most {} control connections at once", options_.max_connections)));
    return;
  }
  ++counters_.connections_accepted;
  logger_->debug("control connection {} from uid {} pid {}", id, peer->uid, peer->pid);
  connection->start();
}

void ControlServer::forget(std::uint64_t connection) { connections_.erase(connection); }

void ControlServer::close() {
  if (listener_ != nullptr) {
    close_pipe(listener_);
    listener_ = nullptr;
  }
  std::map<std::uint64_t, std::shared_ptr<Connection>> connections = connections_;
  for (auto& [id, connection] : connections) connection->close_now();
  connections_.clear();
  if (!path_.empty()) {
    unlink(path_.c_str());
    path_.clear();
  }
}

std::size_t ControlServer::open_stream_count() const {
  std::size_t count = 0;
  for (const auto& [id, connection] : connections_) count += connection->open_streams();
  return count;
}

}  // namespace lit::control

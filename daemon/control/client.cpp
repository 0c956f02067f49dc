// ControlClient (client.hpp): blocking connect, call and stream over a
// non-blocking socket with poll() deadlines. One thread at a time; never
// throws; SIGPIPE is avoided with MSG_NOSIGNAL rather than a signal handler.
#include "control/client.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "control/protocol.hpp"

namespace lit::control {
namespace {

using Kind = ClientError::Kind;

ClientError system_error(Kind kind, std::string what, int error_number) {
  std::array<char, 128> buffer{};
  return {kind, fmt::format("{}: {}", what, strerror_r(error_number, buffer.data(), buffer.size()))};
}

ClientError connect_error(const std::string& path, int error_number) {
  switch (error_number) {
    case ENOENT: return {Kind::not_running, fmt::format("litd is not running (no socket at {})", path)};
    case ECONNREFUSED:
      return {Kind::refused,
              fmt::format("litd is not running: nothing accepts connections on {} (a stale socket file)", path)};
    case EACCES:
    case EPERM:
      return {Kind::permission_denied,
              fmt::format("permission denied on {}: run as root or as a member of litd's control group", path)};
    default: return system_error(Kind::io, fmt::format("cannot connect to {}", path), error_number);
  }
}

// Milliseconds left until `deadline` for poll(); -1 (for ever) without one.
int poll_timeout(std::optional<ControlClient::Clock::time_point> deadline) {
  if (!deadline) return -1;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - ControlClient::Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1LL << 30));
}

// Waits for `events` on `fd`; an error, or nullopt when ready.
std::optional<ClientError> wait_for(int fd,
                                    short events,
                                    std::optional<ControlClient::Clock::time_point> deadline,
                                    const char* waiting_for) {
  pollfd entry{fd, events, 0};
  const int ready = poll(&entry, 1, poll_timeout(deadline));
  if (ready < 0) {
    if (errno == EINTR)
      return ClientError{Kind::interrupted, fmt::format("interrupted while waiting for {}", waiting_for)};
    return system_error(Kind::io, "poll", errno);
  }
  if (ready == 0) return ClientError{Kind::timed_out, fmt::format("timed out waiting for {}", waiting_for)};
  return std::nullopt;
}

// A Response about the whole connection (request_id 0) as an error.
ClientError connection_refusal(const Response& response) {
  const Kind kind = response.status() == STATUS_PERMISSION_DENIED ? Kind::permission_denied
                    : response.status() == STATUS_UNAVAILABLE     ? Kind::refused
                                                                  : Kind::protocol;
  return {kind, response.message().empty() ? std::string("litd closed the connection") : response.message()};
}

}  // namespace

const char* client_error_kind_name(ClientError::Kind kind) {
  switch (kind) {
    case Kind::not_running: return "not_running";
    case Kind::refused: return "refused";
    case Kind::permission_denied: return "permission_denied";
    case Kind::timed_out: return "timed_out";
    case Kind::disconnected: return "disconnected";
    case Kind::protocol: return "protocol";
    case Kind::interrupted: return "interrupted";
    case Kind::io: return "io";
  }
  return "io";
}

ClientResult<ControlClient> ControlClient::connect(const std::string& path, std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return ClientError{Kind::io, fmt::format("control socket path '{}' is empty or too long", path)};
  }
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return system_error(Kind::io, "socket", errno);
  ControlClient client(fd, path);
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) return client;
  if (errno != EAGAIN && errno != EINPROGRESS) return connect_error(path, errno);
  // The listen backlog is full: wait for room.
  if (auto error = wait_for(fd, POLLOUT, Clock::now() + timeout, "litd to accept the connection")) return *error;
  int pending = 0;
  socklen_t length = sizeof(pending);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length) != 0) return system_error(Kind::io, "SO_ERROR", errno);
  if (pending != 0) return connect_error(path, pending);
  return client;
}

ControlClient::ControlClient(ControlClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      client_name_(std::move(other.client_name_)),
      next_request_id_(other.next_request_id_),
      decoder_(std::move(other.decoder_)) {}

ControlClient& ControlClient::operator=(ControlClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    client_name_ = std::move(other.client_name_);
    next_request_id_ = other.next_request_id_;
    decoder_ = std::move(other.decoder_);
  }
  return *this;
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

void ControlClient::prepare(Request& request) {
  if (request.request_id() == 0) request.set_request_id(next_request_id_++);
  if (request.protocol_version() == 0) request.set_protocol_version(kProtocolVersion);
  if (request.client().empty() && !client_name_.empty()) request.set_client(client_name_);
}

std::optional<ClientError> ControlClient::send_bytes(const std::string& bytes, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t written = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (written >= 0) {
      sent += static_cast<std::size_t>(written);
      continue;
    }
    if (errno == EAGAIN) {
      if (auto error = wait_for(fd_, POLLOUT, deadline, "litd to take the request")) return error;
      continue;
    }
    if (errno == EINTR) return ClientError{Kind::interrupted, "interrupted while sending the request"};
    if (errno == EPIPE || errno == ECONNRESET) return ClientError{Kind::disconnected, "litd closed the connection"};
    return system_error(Kind::io, "send", errno);
  }
  return std::nullopt;
}

std::optional<ClientError> ControlClient::send(const Request& request, Clock::time_point deadline) {
  std::string frame;
  if (!append_frame(request, frame)) {
    return ClientError{Kind::protocol, fmt::format("the request is larger than {} bytes", kMaxFrameBytes)};
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  std::optional<ClientError> error = send_bytes(frame, std::max(left, std::chrono::milliseconds::zero()));
  if (error && error->kind == Kind::disconnected) {
    // litd may have refused the connection (permission, too many clients)
    // and closed it before the request went out: its reason is already here.
    ClientResult<Response> reason = receive_until(Clock::now());
    if (reason && reason->request_id() == 0 && reason->status() != STATUS_OK) return connection_refusal(*reason);
  }
  return error;
}

ClientResult<Response> ControlClient::receive(std::chrono::milliseconds timeout) {
  return receive_until(Clock::now() + timeout);
}

ClientResult<Response> ControlClient::receive_until(std::optional<Clock::time_point> deadline) {
  std::array<char, 16384> buffer{};
  for (;;) {
    std::string_view body;
    switch (decoder_.next(body)) {
      case FrameDecoder::Result::frame: {
        Response response;
        if (!response.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
          return ClientError{Kind::protocol, "litd sent a reply that is not a lit.control.Response"};
        }
        return response;
      }
      case FrameDecoder::Result::error:
        return ClientError{Kind::protocol, "litd sent a corrupt frame: " + decoder_.error()};
      case FrameDecoder::Result::need_more: break;
    }
    if (auto error = wait_for(fd_, POLLIN, deadline, "litd's reply")) return *error;
    const ssize_t received = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (received == 0) return ClientError{Kind::disconnected, "litd closed the connection"};
    if (received < 0) {
      if (errno == EAGAIN) continue;
      if (errno == EINTR) return ClientError{Kind::interrupted, "interrupted while waiting for litd's reply"};
      if (errno == ECONNRESET) return ClientError{Kind::disconnected, "litd closed the connection"};
      return system_error(Kind::io, "recv", errno);
    }
    decoder_.feed(std::string_view(buffer.data(), static_cast<std::size_t>(received)));
  }
}

ClientResult<Response> ControlClient::call(Request request, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  prepare(request);
  if (auto error = send(request, deadline)) return *error;
  for (;;) {
    ClientResult<Response> response = receive_until(deadline);
    if (!response) return response;
    if (response->request_id() == 0 && response->status() != STATUS_OK) return connection_refusal(*response);
    if (response->request_id() == request.request_id()) return response;
  }
}

ClientResult<ControlClient::StreamEnd> ControlClient::stream(Request request,
                                                             const std::function<bool(const Response&)>& on_item,
                                                             std::chrono::milliseconds idle_timeout) {
  prepare(request);
  const auto deadline_after_now = [&]() -> std::optional<Clock::time_point> {
    if (idle_timeout == std::chrono::milliseconds::zero()) return std::nullopt;
    return Clock::now() + idle_timeout;
  };
  if (auto error = send(request, Clock::now() + std::chrono::seconds(5))) return *error;
  for (;;) {
    ClientResult<Response> response = receive_until(deadline_after_now());
    if (!response) return response.error();
    if (response->request_id() == 0 && response->status() != STATUS_OK) return connection_refusal(*response);
    if (response->request_id() != request.request_id()) continue;
    if (!response->more()) return StreamEnd{false, std::move(*response)};
    if (!on_item(*response)) {
      Request cancel;
      cancel.mutable_cancel()->set_stream_request_id(request.request_id());
      prepare(cancel);
      // Best effort: the connection may be closed right after; later calls
      // skip the stream's remaining items either way.
      static_cast<void>(send(cancel, Clock::now() + std::chrono::seconds(1)));
      return StreamEnd{true, std::move(*response)};
    }
  }
}

}  // namespace lit::control

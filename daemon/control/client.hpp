// ControlClient: a blocking client of litd's control socket, for litctl and
// the tests. One connection, used from one thread at a time; every wait has a
// deadline (or is interrupted by a signal) and every failure is a ClientError
// value with a message fit for an operator. Never throws; never touches libuv.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "control.pb.h"
#include "control/framing.hpp"

namespace lit::control {

struct ClientError {
  enum class Kind : std::uint8_t {
    not_running,        // no socket file at the path
    refused,            // the file exists but nobody accepts (litd stopped uncleanly)
    permission_denied,  // the socket's mode, or litd's own check, turned us away
    timed_out,
    disconnected,  // litd closed the connection
    protocol,      // a corrupt frame or an unparsable Response
    interrupted,   // a signal arrived while waiting (EINTR)
    io,            // any other system error
  };
  Kind kind = Kind::io;
  std::string message;
};

// A value or the ClientError that prevented it.
template <typename T>
class ClientResult {
 public:
  ClientResult(T value) : state_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  ClientResult(ClientError error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<0>(state_); }
  const T& operator*() const { return std::get<0>(state_); }
  T* operator->() { return &std::get<0>(state_); }
  const T* operator->() const { return &std::get<0>(state_); }
  [[nodiscard]] const ClientError& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, ClientError> state_;
};

class ControlClient {
 public:
  using Clock = std::chrono::steady_clock;

  // How a stream() ended: the server's last Response (more = false), or the
  // callback asked to stop (the client then cancels the stream on the server).
  struct StreamEnd {
    bool stopped_by_client = false;
    Response last;  // the last Response received (empty if none arrived)
  };

  // Connects to the socket at `path`, waiting at most `timeout`. Errors name
  // the path: "litd is not running (no socket at PATH)", "permission denied
  // on PATH", "litd is not accepting connections on PATH".
  static ClientResult<ControlClient> connect(const std::string& path,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(5));

  ControlClient(ControlClient&& other) noexcept;
  ControlClient& operator=(ControlClient&& other) noexcept;
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;
  ~ControlClient();

  // The name sent as Request.client (e.g. "litctl 0.1.0").
  void set_client_name(std::string name) { client_name_ = std::move(name); }

  // Sends `request` and waits for its reply. A request_id of 0 is replaced by
  // the next free one and protocol_version 0 by kProtocolVersion; items of
  // other requests (a stream stopped earlier) are skipped. A refusal of the
  // whole connection (request_id 0: permission, framing) is a ClientError.
  ClientResult<Response> call(Request request, std::chrono::milliseconds timeout);

  // Sends a stream request and hands each item to `on_item` until it returns
  // false, the server ends the stream, or `idle_timeout` passes without an
  // item (zero: wait for ever). A non-stream request works too: its one reply
  // is the StreamEnd's `last`.
  ClientResult<StreamEnd> stream(Request request,
                                 const std::function<bool(const Response&)>& on_item,
                                 std::chrono::milliseconds idle_timeout = std::chrono::milliseconds::zero());

  // Writes raw bytes to the socket (tests: corrupt frames, foreign versions).
  std::optional<ClientError> send_bytes(const std::string& bytes, std::chrono::milliseconds timeout);
  // Reads the next Response of any request id.
  ClientResult<Response> receive(std::chrono::milliseconds timeout);

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  ControlClient(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void prepare(Request& request);
  std::optional<ClientError> send(const Request& request, Clock::time_point deadline);
  ClientResult<Response> receive_until(std::optional<Clock::time_point> deadline);

  int fd_ = -1;
  std::string path_;
  std::string client_name_;
  std::uint64_t next_request_id_ = 1;
  FrameDecoder decoder_;
};

// "not_running", "refused", ...: the kind's name, for logs and `-o json`.
const char* client_error_kind_name(ClientError::Kind kind);

}  // namespace lit::control

// DaemonSession: litctl's one connection to litd, turning every client error
// and every non-ok Response into a Failure that carries litctl's exit code and
// an operator's message ("not found: no actor at /gw/tik; did you mean
// /gw/tick?"). Blocking, one thread; never throws; never prints.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "control/client.hpp"

namespace lit::litctl {

struct Failure {
  int exit_code = 1;
  std::string message;
  bool not_running = false;  // no socket, or nobody listening on it: litd is down
};

// A value or the Failure that prevented it.
template <typename T>
class Outcome {
 public:
  Outcome(T value) : state_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Outcome(Failure failure) : state_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  T& operator*() { return std::get<0>(state_); }
  T* operator->() { return &std::get<0>(state_); }
  [[nodiscard]] const Failure& failure() const { return std::get<1>(state_); }

 private:
  std::variant<T, Failure> state_;
};

// The exit code and message for a client-side error (connect, I/O, signal).
Failure failure_from(const control::ClientError& error);
// The exit code and message for a Response whose status is not ok.
Failure failure_from(const control::Response& response);

class DaemonSession {
 public:
  static Outcome<DaemonSession> open(const std::string& socket_path, std::chrono::milliseconds timeout);

  // One unary request; a Response with any status but ok is a Failure.
  Outcome<control::Response> call(control::Request request, std::chrono::milliseconds timeout);

  // A stream request: each item goes to `on_item` until it returns false or
  // the server ends the stream. A final status other than ok is a Failure;
  // a signal ends the stream as a Failure with kExitInterrupted.
  std::optional<Failure> stream(control::Request request, const std::function<bool(const control::Response&)>& on_item);

 private:
  explicit DaemonSession(control::ControlClient client) : client_(std::move(client)) {}
  control::ControlClient client_;
};

}  // namespace lit::litctl

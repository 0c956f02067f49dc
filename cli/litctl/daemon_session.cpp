// DaemonSession (daemon_session.hpp): ControlClient errors and Response
// statuses mapped onto litctl's exit codes. Blocking; never throws.
#include "litctl/daemon_session.hpp"

#include <utility>

#include "control/protocol.hpp"
#include "litctl/exit_codes.hpp"

namespace lit::litctl {

Failure failure_from(const control::ClientError& error) {
  using Kind = control::ClientError::Kind;
  switch (error.kind) {
    case Kind::permission_denied: return {kExitPermissionDenied, error.message};
    case Kind::interrupted: return {kExitInterrupted, "interrupted"};
    case Kind::protocol: return {kExitProtocol, error.message};
    case Kind::not_running:
    case Kind::refused: return {kExitUnreachable, error.message, true};
    case Kind::timed_out:
    case Kind::disconnected:
    case Kind::io: return {kExitUnreachable, error.message};
  }
  return {kExitUnreachable, error.message};
}

Failure failure_from(const control::Response& response) {
  std::string message =
      response.message().empty() ? std::string(control::status_name(response.status())) : response.message();
  switch (response.status()) {
    case control::STATUS_NOT_FOUND:
      // litd usually names the closest match itself; say it once.
      if (!response.closest_match().empty() && message.find(response.closest_match()) == std::string::npos) {
        message += "; did you mean " + response.closest_match() + "?";
      }
      return {kExitNotFound, message};
    case control::STATUS_INVALID_ARGUMENT: return {kExitInvalidArgument, message};
    case control::STATUS_PERMISSION_DENIED: return {kExitPermissionDenied, message};
    case control::STATUS_VERSION_MISMATCH: return {kExitProtocol, message};
    default: return {kExitFailure, message};
  }
}

Outcome<DaemonSession> DaemonSession::open(const std::string& socket_path, std::chrono::milliseconds timeout) {
  auto client = control::ControlClient::connect(socket_path, timeout);
  if (!client) return failure_from(client.error());
  client->set_client_name("litctl " LIT_VERSION);
  return DaemonSession(std::move(*client));
}

Outcome<control::Response> DaemonSession::call(control::Request request, std::chrono::milliseconds timeout) {
  auto response = client_.call(std::move(request), timeout);
  if (!response) return failure_from(response.error());
  if (response->status() != control::STATUS_OK) return failure_from(*response);
  return std::move(*response);
}

std::optional<Failure> DaemonSession::stream(control::Request request,
                                             const std::function<bool(const control::Response&)>& on_item) {
  std::optional<Failure> item_failure;
  auto end = client_.stream(std::move(request), [&](const control::Response& item) {
    if (item.status() != control::STATUS_OK) {
      item_failure = failure_from(item);
      return false;
    }
    return on_item(item);
  });
  if (item_failure) return item_failure;
  if (!end) return failure_from(end.error());
  if (!end->stopped_by_client && end->last.status() != control::STATUS_OK &&
      end->last.status() != control::STATUS_UNSPECIFIED) {
    return failure_from(end->last);
  }
  return std::nullopt;
}

}  // namespace lit::litctl

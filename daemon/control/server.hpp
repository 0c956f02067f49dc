// ControlServer: litd's control API on a Unix socket, served from one libuv
// loop (the daemon's main loop). It owns the listening socket, each
// connection's framing, SO_PEERCRED authorisation, protocol version checks,
// stream bookkeeping and output backpressure; what a request means is the
// ControlHandler's business. Everything here, handler calls included, runs on
// that loop's thread; nothing blocks it and nothing throws out of a libuv
// callback. Responder and Stream handles must be used on that thread too.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "control.pb.h"
#include "control/framing.hpp"

namespace spdlog {
class logger;
}

namespace lit::control {

class Connection;
class ControlServer;
struct CallState;
struct StreamState;

// Who is on the other end of a connection, as the kernel saw it at connect
// time (SO_PEERCRED), plus the name the client gave for itself.
struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
  std::uint64_t connection = 0;  // the server's number for the connection, for logs
  std::string client;            // Request.client of the request at hand
};

// The answer to one unary request. Copyable (all copies share one reply), so
// a handler may keep it in a callback and reply later, e.g. once a restart
// has completed; only the first reply counts. If every copy is dropped without
// a reply, the client gets STATUS_INTERNAL rather than silence. Loop thread.
class Responder {
 public:
  Responder() = default;

  // Sends `response` (its request_id, protocol_version and `more` are set
  // here; status STATUS_UNSPECIFIED becomes STATUS_OK). False when already
  // replied or the client has gone.
  bool reply(Response response);
  // A reply with no payload: status and message (and the closest match for
  // STATUS_NOT_FOUND).
  bool fail(Status status, std::string message, std::string closest_match = {});
  // True until replied, while the client is still connected.
  [[nodiscard]] bool pending() const;
  [[nodiscard]] std::uint64_t request_id() const;

 private:
  friend class Connection;
  explicit Responder(std::shared_ptr<CallState> call) : call_(std::move(call)) {}
  std::shared_ptr<CallState> call_;
};

// One open stream (trace, logs, top): the handler pushes items until the
// stream closes, either by end() or because the client disconnected or
// cancelled it, which the on_close callback reports. Copyable handle; loop
// thread.
class Stream {
 public:
  enum class Push : std::uint8_t {
    sent,     // queued for the client
    dropped,  // the client's output queue is full: counted, and reported in the next item's `dropped`
    closed,   // the stream has ended; stop producing
  };

  Stream() = default;

  // Queues `item` (request_id, protocol_version, more = true and `dropped`
  // are set here; status STATUS_UNSPECIFIED becomes STATUS_OK).
  Push push(Response item);
  // Ends the stream with a last Response (more = false). No effect once closed.
  void end(Status status = STATUS_OK, std::string message = {});
  [[nodiscard]] bool open() const;
  [[nodiscard]] std::uint64_t request_id() const;
  // Items dropped for this stream so far (backpressure).
  [[nodiscard]] std::uint64_t dropped_total() const;
  // Called once when the client disconnects or cancels the stream (not after
  // end()). Replaces any earlier callback; runs at once if already closed.
  void on_close(std::function<void()> callback);

 private:
  friend class Connection;
  explicit Stream(std::shared_ptr<StreamState> state) : state_(std::move(state)) {}
  std::shared_ptr<StreamState> state_;
};

// What litd implements. Requests arrive authorised, version-checked and with a
// kind set; CancelRequest never arrives (the server handles it).
class ControlHandler {
 public:
  ControlHandler() = default;
  ControlHandler(const ControlHandler&) = delete;
  ControlHandler& operator=(const ControlHandler&) = delete;
  virtual ~ControlHandler() = default;

  // Every unary kind. Reply through `responder`, now or later.
  virtual void handle(const Request& request, const Caller& caller, Responder responder) = 0;
  // trace, logs, top. Push items through `stream`; end() it when the stream
  // is complete (a log backlog without follow) or cannot start (not found).
  virtual void open_stream(const Request& request, const Caller& caller, Stream stream) = 0;
};

class ControlServer {
 public:
  struct Options {
    // Callers in this group (primary or supplementary) are authorised, as are
    // root and the daemon's own user. Empty: only those two.
    std::string group;
    std::uint32_t mode = 0660;  // the socket file's permissions (listen() only)
    std::size_t max_frame_bytes = kMaxFrameBytes;
    // Per connection: once this many bytes wait to be written, stream items
    // are dropped (and counted) and requests are no longer read until half of
    // it has drained. Unary replies are never dropped.
    std::size_t output_queue_bytes = std::size_t{256} * 1024;
    std::size_t max_connections = 64;
    std::size_t max_requests_in_flight = 256;  // per connection, streams included
    // Where refusals and errors are logged; null: the "control" logger.
    std::shared_ptr<spdlog::logger> logger;
  };

  // Monotonic totals since construction, read by the metrics library.
  struct Counters {
    std::uint64_t requests_ok = 0;           // final replies with STATUS_OK (streams count when they end)
    std::uint64_t requests_failed = 0;       // final replies with any other status, except refusals
    std::uint64_t requests_refused = 0;      // callers refused (permission) and requests refused (version)
    std::uint64_t connections_accepted = 0;  // authorised connections
    std::uint64_t frame_errors = 0;          // oversized or corrupt frames, unparsable requests
    std::uint64_t stream_items_sent = 0;
    std::uint64_t stream_items_dropped = 0;
  };

  ControlServer(uv_loop_t* loop, ControlHandler& handler, Options options);
  // Closes everything (close()); the loop must turn once more to free the
  // handles, which no longer refer to the server.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ControlServer(ControlServer&&) = delete;
  ControlServer& operator=(ControlServer&&) = delete;

  // Creates the socket at `path` with Options::mode and group, and listens.
  // A stale socket file (nobody accepting) is replaced; a live one (another
  // litd) and a path that is not a socket are refused. Returns why it failed.
  std::optional<std::string> listen(const std::string& path);
  // Serves an already-listening socket (systemd socket activation); the file,
  // its mode and its group are the socket unit's business.
  std::optional<std::string> adopt(int listening_fd);
  // Serves one already-connected socket, as if accepted (tests, fuzzing).
  std::optional<std::string> adopt_connection(int connected_fd);

  // Stops listening, closes every connection (their streams' on_close run)
  // and removes the socket file listen() created. Idempotent.
  void close();

  [[nodiscard]] const Counters& counters() const { return counters_; }
  [[nodiscard]] std::size_t connection_count() const { return connections_.size(); }
  [[nodiscard]] std::size_t open_stream_count() const;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  friend class Connection;
  std::optional<std::string> resolve_group();
  std::optional<std::string> start_listening();
  void on_connection(int status);
  void serve(int fd, uv_pipe_t* pipe);
  void forget(std::uint64_t connection);

  uv_loop_t* loop_;
  ControlHandler& handler_;
  Options options_;
  std::shared_ptr<spdlog::logger> logger_;
  std::optional<gid_t> group_id_;
  uv_pipe_t* listener_ = nullptr;
  std::string path_;  // the socket file listen() created; empty when adopted
  std::map<std::uint64_t, std::shared_ptr<Connection>> connections_;
  std::uint64_t next_connection_ = 1;
  Counters counters_;
};

}  // namespace lit::control

// libFuzzer target for litd's control request decoder (daemon/control/): the
// input is what a client writes on its connection. A ControlServer on a libuv
// loop serves one end of a socketpair with a no-op handler; the bytes go in,
// the client end is shut, and the loop runs until the server has closed the
// connection. The server must never crash, must close the connection, leave
// no stream open, and write only well-formed Response frames. Anything else,
// or any sanitizer report, is a finding (abort).
#include <google/protobuf/stubs/logging.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "control/framing.hpp"
#include "control/server.hpp"

namespace {

using namespace lit::control;

void require(bool condition) {
  if (!condition) std::abort();
}

// Answers every unary request at once and pushes one item on every stream,
// leaving it open for the disconnect to close.
class NoopHandler final : public ControlHandler {
 public:
  void handle(const Request& /*request*/, const Caller& /*caller*/, Responder responder) override {
    responder.reply(Response());
  }
  void open_stream(const Request& /*request*/, const Caller& /*caller*/, Stream stream) override {
    stream.push(Response());
  }
};

struct Harness {
  uv_loop_t loop{};
  NoopHandler handler;
  std::unique_ptr<ControlServer> server;

  Harness() {
    // Invalid UTF-8 in a string field is a parse failure the server reports;
    // protobuf's own log line for it is noise here.
    google::protobuf::SetLogHandler(nullptr);
    uv_loop_init(&loop);
    ControlServer::Options options;
    options.max_frame_bytes = 4096;  // small, so oversized frames are easy to reach
    options.output_queue_bytes = 2048;
    options.max_requests_in_flight = 8;
    options.logger = std::make_shared<spdlog::logger>("control", std::make_shared<spdlog::sinks::null_sink_mt>());
    server = std::make_unique<ControlServer>(&loop, handler, std::move(options));
  }
};

Harness& harness() {
  static auto* instance = new Harness();  // lives for the process; never destroyed mid-run
  return *instance;
}

// Reads whatever the server wrote; every frame must parse as a Response.
void drain(int fd, FrameDecoder& decoder) {
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t count = read(fd, buffer.data(), buffer.size());
    if (count <= 0) return;
    decoder.feed(std::string_view(buffer.data(), static_cast<std::size_t>(count)));
    std::string_view body;
    FrameDecoder::Result result{};
    while ((result = decoder.next(body)) == FrameDecoder::Result::frame) {
      Response response;
      require(response.ParseFromArray(body.data(), static_cast<int>(body.size())));
      require(response.status() != STATUS_UNSPECIFIED);
    }
    require(result != FrameDecoder::Result::error);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Harness& h = harness();
  int fds[2];
  require(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
  const int client = fds[1];
  require(!h.server->adopt_connection(fds[0]).has_value());

  FrameDecoder replies(kMaxFrameBytes);
  std::size_t written = 0;
  bool shut = false;
  // Feed the input as the socket takes it, shut the client's side, and turn
  // the loop until the server has closed the connection.
  for (int turn = 0; h.server->connection_count() != 0; ++turn) {
    require(turn < 100000);
    if (written < size) {
      const ssize_t count = write(client, data + written, size - written);
      if (count > 0) written += static_cast<std::size_t>(count);
      if (count < 0 && errno != EAGAIN) written = size;  // the server has closed its end
    }
    if (written == size && !shut) {
      shutdown(client, SHUT_WR);
      shut = true;
    }
    uv_run(&h.loop, UV_RUN_NOWAIT);
    drain(client, replies);
  }
  uv_run(&h.loop, UV_RUN_NOWAIT);  // let the closed handles go
  require(h.server->open_stream_count() == 0);
  close(client);
  return 0;
}

// litd's answers to the control API (proto/control.proto): status, the tree,
// inspect, restart/stop/start, send, devices, charts, the device link for
// flashing, and the trace, log and top streams. Runs on the daemon's main
// loop, where the ControlServer lives; everything it reads or changes in a
// tree or a device happens on that one's worker loop through call_sync, so the
// main loop never touches actor state directly. Waits (a restart that must
// first let a subtree shut down, a handshake after a flash) are timers on the
// main loop, never blocking it.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "control/server.hpp"
#include "litd/event_hub.hpp"
#include "litd/tree.hpp"

namespace lit::daemon {

class Daemon;
class DeviceHost;

class ControlService final : public control::ControlHandler {
 public:
  ControlService(Daemon& daemon, uv_loop_t* main_loop);
  ~ControlService() override;

  void handle(const control::Request& request, const control::Caller& caller, control::Responder responder) override;
  void open_stream(const control::Request& request, const control::Caller& caller, control::Stream stream) override;

  // Trace events and log lines for the streams (any thread).
  EventHub& hub() { return hub_; }
  // Streams end and timers stop; call before the main loop closes.
  void close();

 private:
  struct Subscriber {
    control::Stream stream;
    control::Request request;
  };
  struct TopStream {
    control::Stream stream;
    control::TopRequest request;
    uv_timer_t* timer = nullptr;
    std::vector<std::pair<std::string, std::uint64_t>> last;  // messages per path at the last snapshot
    std::chrono::steady_clock::time_point last_at{};
  };

  void status(control::Responder& responder);
  void tree(const control::TreeRequest& request, control::Responder& responder);
  void inspect(const control::InspectRequest& request, control::Responder& responder);
  void supervise(const control::SupervisionRequest& request, control::Responder responder);
  void send(const control::SendRequest& request, control::Responder& responder);
  void devices(const control::DevicesRequest& request, control::Responder& responder);
  void chart(const control::ChartRequest& request, control::Responder& responder);
  void device_link(const control::DeviceLinkRequest& request, control::Responder responder);
  void deliver(const control::Response& item);
  // The device a device actor lives on (on that device's loop); null for others.
  const DeviceHost* device_of(const Tree::Node& node) const;
  void send_top(TopStream& top);
  void set_tracing(bool on);
  // "not found: PATH" with the closest configured path.
  bool fail_not_found(control::Responder& responder, const std::string& what, const std::string& path);

  Daemon& daemon_;
  uv_loop_t* main_loop_;
  EventHub hub_;
  std::list<Subscriber> subscribers_;  // trace and logs streams
  std::list<std::unique_ptr<TopStream>> tops_;
  std::int64_t started_unix_us_ = unix_time_us();
  bool tracing_ = false;
};

}  // namespace lit::daemon

// One configured device on its loop: the serial line (device/), the link's
// RemoteNode above it, and one log line per link state change (handshake,
// loss, rejection, reboot). Lives on the loop of the trees that place
// children on the device; every call comes from that loop.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "control.pb.h"
#include "device/serial_line.hpp"
#include "lit/link/remote.hpp"
#include "litd/event_hub.hpp"
#include "litd/loop_monitor.hpp"
#include "metrics/metrics.hpp"

namespace spdlog {
class logger;
}

namespace lit::daemon {

class DeviceHost final : public link::RemoteNodeObserver {
 public:
  // `names` (the loop's monitor) names the host proxies of device actors in
  // trace events; `hub` takes the device's log lines and traces.
  DeviceHost(uv_loop_t* loop,
             Scheduler& scheduler,
             const DeviceConfig& config,
             std::uint64_t host_boot_id,
             const LoopMonitor* names,
             EventHub* hub);
  ~DeviceHost();
  DeviceHost(const DeviceHost&) = delete;
  DeviceHost& operator=(const DeviceHost&) = delete;

  // Opens the line (retrying with backoff while it is absent).
  void start();
  // litd is stopping its trees: Goodbye on the link now, so the board's own
  // supervisors keep the device actors the trees let go of (RemoteNode::leave).
  void leave(std::string_view reason);
  // Then closes the node (its bytes are queued on the line, which stop()
  // flushes as far as the tty takes them).
  void goodbye(std::string_view reason);
  // Closes the line and the watch timer; the loop can end after this.
  void stop();

  const DeviceConfig& config() const { return config_; }
  link::RemoteNode& node() { return node_; }
  const link::RemoteNode& node() const { return node_; }
  const SerialLine& line() const { return line_; }
  bool link_up() const { return node_.ready(); }
  // As the control API names it (control::LinkState).
  int link_state() const;
  void describe(control::Device& out) const;
  // For flashing: closes the line and keeps it closed (the link times out,
  // device children get noconnection) until resume() opens it again.
  void release();
  void resume();
  bool released() const { return released_; }

  // The active states of a device actor as its traces and its metrics
  // snapshots tell them (a snapshot mends a lost trace record within one
  // interval), with the chart that names them.
  chart::StateSet configuration(std::string_view device_path, const chart::Table** table) const;
  // What the device's last metrics snapshot of this boot said of the actor at
  // `device_path`; false before the first one.
  bool report(std::string_view device_path, control::DeviceActorReport& out) const;

  // RemoteNodeObserver: the device's log lines and traces to the hub.
  void on_log(const lit_wire_Log& log) override;
  void on_trace(const lit_wire_Trace& trace) override;
  void on_metrics(const lit_wire_Metrics& metrics) override;
  // The link's counters for the metrics; the RTT histogram gains the smoothed
  // RTT once per call while new RTT samples arrive. Views into this object.
  DeviceSample sample();

 private:
  static void write_bytes(void* context, std::span<const std::uint8_t> bytes);
  // Times the port was opened again after its first open.
  std::uint64_t reopens() const { return line_.counters().opens > 0 ? line_.counters().opens - 1U : 0U; }
  static void on_watch(uv_timer_t* timer);
  void watch_link();

  DeviceConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  link::RemoteNode node_;
  SerialLine line_;
  uv_timer_t* watch_ = nullptr;  // freed by its close callback
  std::uint32_t handshakes_seen_ = 0;
  std::uint32_t losses_seen_ = 0;
  bool rejection_logged_ = false;
  const LoopMonitor* names_;
  EventHub* hub_;
  bool released_ = false;
  std::int64_t up_since_unix_ms_ = 0;
  std::array<chart::EventId, link::kMaxDeviceActors> last_event_{};
  std::array<chart::StateSet, link::kMaxDeviceActors> configuration_{};
  std::array<std::uint32_t, link::kMaxDeviceActors> traced_incarnation_{};
  std::array<std::int64_t, link::kMaxDeviceActors> reported_unix_ms_{};  // when each actor's last snapshot came
  std::int64_t totals_unix_ms_ = 0;                                      // when the last snapshot came
  RttHistogram rtt_{};
  std::uint32_t rtt_samples_seen_ = 0;
};

}  // namespace lit::daemon

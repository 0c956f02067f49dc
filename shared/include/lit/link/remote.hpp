// The host side of a device link: a RemoteNode owns the link endpoint to one
// device and a proxy actor (RemoteActor) for each device actor the host names.
//
// A proxy is an ordinary actor on the host's loop, so everything that works
// on actors works on it: sending is Scheduler::send() with its address,
// watching it gives exactly one DOWN, and a host supervisor can have it as a
// child. What the proxy does is forward:
//   - messages in its mailbox go over the link as ActorMessage envelopes,
//     addressed to the device incarnation it is attached to; while the window
//     is full or the proxy is not attached they wait in the mailbox, so a full
//     mailbox (and `full` to the sender) is the flow control;
//   - starting it asks the device to start the actor (START, if a host
//     supervisor started the proxy, which also takes the actor's supervision
//     over; ATTACH otherwise), and it is attached when the device replies with
//     the incarnation;
//   - when the device reports that incarnation's exit, the proxy exits with
//     the same kind of reason, so the host supervisor's strategy applies to
//     device children exactly as to host ones;
//   - when the link goes down, every attached or attaching proxy exits with
//     `noconnection` (the supervisor's link-loss budget); a proxy started while
//     the link is down waits, detached, and attaches after the next handshake.
// Device actors reach host actors the host exports (export_actor()) under a
// small id. A request is a message to a proxy whose payload names a
// correlation id and the export the reply goes to: the node keeps it pending
// until the reply, and if the link goes down first the export gets its
// chart's "link_down" event (payload: the correlation id) instead; if the
// device actor exits first, "request_failed".
// Proxies the host supervises nowhere are `managed` by the node: it starts
// them, and after each exit starts them again (a new host incarnation, so old
// addresses are dead), attaching when the device reports the actor running.
//
// Telemetry. The device's Trace, Log and Metrics envelopes (best-effort) go
// to a RemoteNodeObserver as they arrive, after their actor index is checked
// against the table; the node keeps the last snapshot of each device actor
// (device_metrics()) until the device reboots, and counts the best-effort
// envelopes the session saw missing (telemetry_gaps). Nothing is resent.
//
// goodbye() is for the host's shutdown: it tells the device (which then
// releases its holds at once instead of waiting for its link timeout), ends
// the proxies as a link loss does, and closes the node for good.
//
// Same loop only: proxies have no remote inbox, and the node must be driven
// (on_bytes, its timer) on the loop that owns its scheduler.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "lit/actor_core.hpp"
#include "lit/link/endpoint.hpp"
#include "lit/scheduler.hpp"

namespace lit::link {

// A message payload between host and device actors: the receiver's
// nanopb-encoded inbound message (proto/README.md, "Actor payloads"), or
// nothing. A request also names the host export its reply goes to.
struct RemotePayload {
  std::uint8_t size = 0;
  std::array<std::uint8_t, sizeof(lit_wire_ActorMessage{}.payload.bytes)> bytes{};
  // A request (host to device): the correlation id the reply will carry, and
  // 1 + the export id of the host actor it goes to (0: not a request).
  // A message to a host export: the correlation id of the request it
  // answers (0: none).
  std::uint32_t correlation_id = 0;
  std::uint8_t reply_export = 0;
};

class RemoteNode;

// Where the device's telemetry goes on the host (the daemon publishes it).
// Calls come from RemoteNode::on_bytes(), on the node's loop; the records
// live for the duration of the call. Actor fields are table indexes below
// device().actor_count (the node drops others); device().actors names them.
class RemoteNodeObserver {
 public:
  virtual void on_trace(const lit_wire_Trace& trace) { static_cast<void>(trace); }
  virtual void on_log(const lit_wire_Log& log) { static_cast<void>(log); }
  // One snapshot envelope: the device-wide counters and up to three actors.
  virtual void on_metrics(const lit_wire_Metrics& metrics) { static_cast<void>(metrics); }
  // `missing` best-effort envelopes were lost before the next one delivered.
  virtual void on_telemetry_gap(std::uint32_t missing) { static_cast<void>(missing); }

 protected:
  RemoteNodeObserver() = default;
  RemoteNodeObserver(const RemoteNodeObserver&) = default;
  RemoteNodeObserver& operator=(const RemoteNodeObserver&) = default;
  ~RemoteNodeObserver() = default;
};

class RemoteActor final : public ActorCore {
 public:
  enum class Link : std::uint8_t {
    detached,   // not connected to a device incarnation (link down, or waiting)
    attaching,  // START/ATTACH sent, waiting for the reply
    attached,   // forwarding to device_incarnation()
  };
  static constexpr std::uint16_t kCapacity = 8;
  static constexpr std::size_t kPathSize = sizeof(lit_wire_ActorInfo{}.path);  // the NUL included

  RemoteActor();

  Address<RemotePayload> address() const { return Address<RemotePayload>{id()}; }
  std::string_view path() const { return path_.data(); }
  RemoteNode* node() const { return node_; }
  Link link() const { return link_; }
  // The device incarnation it forwards to (0 when not attached).
  std::uint32_t device_incarnation() const { return device_incarnation_; }
  bool managed() const { return managed_; }
  // The device's detail text for the last exit it reported ("" if none).
  const char* last_exit_detail() const { return detail_.data(); }
  // Messages it has handed to the link.
  std::uint32_t messages_forwarded() const { return forwarded_; }

 private:
  friend class RemoteNode;
  static bool start_fn(ActorCore& actor, Scheduler& scheduler, Reason& failure);
  static Activation activate_fn(ActorCore& actor, Scheduler& scheduler, unsigned budget);
  static std::uint32_t stop_fn(ActorCore& actor, Scheduler& scheduler, Reason reason, StopMode mode);
  static const ActorType kType;

  std::array<Message<RemotePayload>, kCapacity> ring_{};  // its mailbox's slots
  RemoteNode* node_ = nullptr;
  std::array<char, kPathSize> path_{};
  std::array<char, sizeof(lit_wire_ActorExit{}.detail)> detail_{};
  int index_ = -1;  // its row in the device's actor table; -1: not in it (or not known yet)
  std::uint32_t device_incarnation_ = 0;
  std::uint32_t request_id_ = 0;  // the START/ATTACH it waits for
  std::uint32_t forwarded_ = 0;
  Link link_ = Link::detached;
  bool managed_ = false;
  bool exit_from_device_ = false;  // the device (or the link) ended it: send no STOP
  bool blocked_ = false;           // waiting for the link's window to open
};

struct RemoteNodeConfig {
  SessionConfig session{};
  std::uint64_t boot_id = 0;                // the host's own, sent in its handshake
  std::uint64_t schema_hash = kSchemaHash;  // tests set another to play a mismatched build
};

// What the device said about itself in its handshake.
struct DeviceInfo {
  std::uint64_t boot_id = 0;
  std::array<char, sizeof(lit_wire_Handshake{}.firmware)> firmware{};  // name and version, NUL-terminated
  std::uint64_t firmware_hash = 0;
  lit_wire_ResetReason last_reset = lit_wire_ResetReason_RESET_REASON_UNSPECIFIED;
  std::uint32_t actor_count = 0;
  std::array<lit_wire_ActorInfo, kMaxDeviceActors> actors{};
  std::uint32_t rows_received = 0;
};

struct RemoteNodeCounters {
  std::uint32_t handshakes = 0;            // complete handshakes (table included)
  std::uint32_t reboots = 0;               // handshakes with a boot id other than the last one
  std::uint32_t link_losses = 0;           // the link went down after a handshake
  std::uint32_t exits_reported = 0;        // device exits that ended a proxy
  std::uint32_t stale_reports = 0;         // exits and replies for incarnations no proxy is attached to
  std::uint32_t dead_messages = 0;         // messages the device refused as addressed to a stopped incarnation
  std::uint32_t lost_in_flight = 0;        // reliable envelopes in flight when the link went down
  std::uint32_t commands_failed = 0;       // START/ATTACH the device answered with an error
  std::uint32_t unknown_actors = 0;        // declared paths the device's table does not have
  std::uint32_t table_errors = 0;          // malformed table rows
  std::uint32_t command_overflows = 0;     // commands with no room in the queue (the proxy failed)
  std::uint32_t messages_to_host = 0;      // device messages delivered to host exports
  std::uint32_t host_refusals = 0;         // device messages refused for a full host mailbox (the device resends)
  std::uint32_t undeliverable = 0;         // device messages for an unknown or stopped export, or a bad event
  std::uint32_t replies = 0;               // replies that completed a pending request
  std::uint32_t requests_failed = 0;       // pending requests failed by link loss or the target's exit
  std::uint32_t failures_undelivered = 0;  // of those, ones whose export could not take the failure event
  std::uint32_t traces = 0;                // telemetry envelopes received, by kind
  std::uint32_t logs = 0;
  std::uint32_t metrics = 0;
  std::uint32_t telemetry_gaps = 0;    // best-effort envelopes the session saw missing
  std::uint32_t telemetry_errors = 0;  // telemetry naming an actor the table does not have (dropped)
};

class RemoteNode {
 public:
  static constexpr std::size_t kMaxProxies = kMaxDeviceActors;
  static constexpr std::size_t kMaxExports = 16;
  static constexpr std::size_t kMaxPending = 16;

  RemoteNode(Scheduler& scheduler, ByteSink sink, const RemoteNodeConfig& config);
  RemoteNode(const RemoteNode&) = delete;
  RemoteNode& operator=(const RemoteNode&) = delete;

  // The proxy for the device actor at `path`, created on first use (null when
  // all kMaxProxies are taken or the path is too long). Give it to a host
  // supervisor as a child's actor, or call manage() to have the node keep it.
  RemoteActor* declare(std::string_view path);
  RemoteActor* find(std::string_view path);
  // Starts a declared proxy that no supervisor owns and keeps it running.
  bool manage(RemoteActor& proxy);
  // Lets device actors address `actor` as export `id` (< kMaxExports). Its
  // chart takes the device's events by id; "link_down" and "request_failed"
  // report failed requests.
  bool export_actor(std::uint32_t id, Address<RemotePayload> actor);
  std::size_t pending_requests() const { return pending_count_; }

  // Bytes from the device, on the node's loop.
  void on_bytes(std::span<const std::uint8_t> bytes);
  // The host is leaving: sends Goodbye (best-effort: if it is lost, the
  // device falls back on its link timeout), ends every attached proxy with
  // `noconnection` and fails pending requests as a link loss does, and closes
  // the node: from now on it sends nothing and ignores the device.
  void goodbye(std::string_view reason);
  // The host is shutting down its trees and leaves the device actors to the
  // device: sends Goodbye now (the device's own supervisors take them back),
  // and proxies the host stops from now on end without stopping their device
  // actors, so a host that comes back finds them running. goodbye() then
  // closes the node without a second Goodbye.
  void leave(std::string_view reason);
  bool closed() const { return closed_; }

  // Where the device's telemetry goes (null: only counted and kept).
  void set_observer(RemoteNodeObserver* observer) { observer_ = observer; }
  // The last snapshot of device actor `index` since the device booted (null: none yet).
  const lit_wire_ActorMetrics* device_metrics(std::size_t index) const;
  // The device-wide counters of the last snapshot (its `actors` left empty).
  const lit_wire_Metrics& device_totals() const { return totals_; }

  EndpointState state() const { return endpoint_.state(); }
  bool ready() const { return endpoint_.ready() && table_complete_; }
  const DeviceInfo& device() const { return device_; }
  const char* error() const { return endpoint_.error(); }
  const RemoteNodeCounters& counters() const { return counters_; }
  const EndpointCounters& endpoint_counters() const { return endpoint_.counters(); }
  SessionCounters session_counters() const { return endpoint_.session().counters(); }
  std::size_t session_inflight() const { return endpoint_.session().in_flight(); }
  const FrameErrors& frame_errors() const { return endpoint_.session().frame_errors(); }
  Scheduler& scheduler() const { return scheduler_; }
  std::span<RemoteActor> proxies() { return {proxies_.data(), proxy_count_}; }
  std::span<const RemoteActor> proxies() const { return {proxies_.data(), proxy_count_}; }

  // ---- the Endpoint's owner interface ------------------------------------------------
  void fill_handshake(lit_wire_Handshake& mine) const;
  void on_link_up() {}
  void on_handshake(const lit_wire_Handshake& peer);
  bool on_envelope(const Envelope& envelope);
  void on_best_effort(const Envelope& envelope, std::uint32_t gap);
  void on_link_down(bool was_ready);
  void on_send_failed(std::uint32_t token);
  void on_rejected(const char* message);

 private:
  friend class RemoteActor;

  static void fire(Timer& timer, Scheduler& scheduler);
  // Polls the endpoint and re-arms the timer for its next deadline.
  void pump();
  void rearm();
  void telemetry(const Envelope& envelope);
  // Ends every attached or attaching proxy with `noconnection` and fails the
  // pending requests: the link is gone (or the host is leaving).
  void disconnect();
  void table_row(const lit_wire_ActorTableEntry& row);
  void table_done();
  void exit_report(const lit_wire_ActorExit& report);
  void reply(const lit_wire_SupervisionReply& reply);
  // Sends START or ATTACH for a started, detached proxy whose row is known.
  void attach(RemoteActor& proxy);
  // Ends a proxy's incarnation for a reason that came from the device or the link.
  void end(RemoteActor& proxy, Reason reason);
  void restart_managed();
  RemoteActor* at_index(std::uint32_t index);
  void message_to_host(const lit_wire_ActorMessage& message, bool& accepted);
  // Fails the pending requests to `proxy` (every one if null) with `event`.
  void fail_requests(const RemoteActor* proxy, std::string_view event);
  struct Pending {
    std::uint32_t correlation_id = 0;
    std::uint8_t reply_export = 0;  // 1 + export id; 0: a free entry
    const RemoteActor* target = nullptr;
  };
  bool add_pending(const RemoteActor& target, const RemotePayload& request);

  struct NodeTimer : Timer {
    RemoteNode* node = nullptr;
  };
  // Supervision commands wait here for the link's window, in order.
  struct Command {
    lit_wire_SupervisionAction action = lit_wire_SupervisionAction_SUPERVISION_ACTION_UNSPECIFIED;
    std::uint32_t actor = 0;
    std::uint32_t request_id = 0;
  };
  static constexpr std::size_t kCommandQueue = 2 * kMaxProxies;
  bool queue_command(lit_wire_SupervisionAction action, std::uint32_t actor, std::uint32_t request_id);
  void flush_commands();

  Scheduler& scheduler_;
  Endpoint endpoint_;
  RemoteNodeConfig config_;
  NodeTimer timer_{};
  DeviceInfo device_{};
  std::uint64_t last_boot_id_ = 0;
  bool table_complete_ = false;
  std::array<RemoteActor, kMaxProxies> proxies_{};
  std::size_t proxy_count_ = 0;
  std::uint32_t next_request_ = 1;
  std::array<Command, kCommandQueue> commands_{};
  std::array<Address<RemotePayload>, kMaxExports> exports_{};
  std::array<Pending, kMaxPending> pending_{};
  std::size_t pending_count_ = 0;
  std::size_t command_head_ = 0;
  std::size_t command_count_ = 0;
  RemoteNodeCounters counters_{};
  RemoteNodeObserver* observer_ = nullptr;
  lit_wire_Metrics totals_ = lit_wire_Metrics_init_zero;
  std::array<lit_wire_ActorMetrics, kMaxDeviceActors> actor_metrics_{};
  std::uint32_t metrics_known_ = 0;  // bit i: actor_metrics_[i] holds a snapshot
  bool pumping_ = false;
  bool closed_ = false;
  bool leaving_ = false;  // leave(): Goodbye sent; host stops leave device actors running
};

}  // namespace lit::link

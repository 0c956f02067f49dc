// The device side of the link: the DeviceAgent answers the host for the
// device's actors. It sends the handshake and the actor table, delivers the
// host's messages into actors' mailboxes, carries out supervision commands on
// the device supervisors, reports every start and exit of a table actor, and
// sends the device's telemetry: traces, log lines and metrics.
//
// Supervision across the link. A START, STOP or RESTART for an actor tells
// the agent that a host supervisor owns that actor: the agent holds it in its
// device supervisor (Supervisor::hold_child), so its exits are reported to the
// host and not acted on locally; the host's strategy decides, and its restart
// comes back as a command that re-initialises the actor in its static slot.
// When the link drops the agent releases every hold: the device supervisors
// take over again (device autonomy), restarting what failed meanwhile.
//
// A table actor without a device supervisor (the minimal agent's) has the
// host's supervisor as its only one: the agent starts and stops it through
// the scheduler itself (a stop at once, gracefully: exit actions and
// on_stop). While the link is down nothing restarts it; the table row the
// next handshake sends says whether it runs, and the host decides.
//
// When the host says Goodbye (it is shutting down) the agent acts at once as
// on link loss, without waiting for the link timeout: it releases every hold,
// forgets what it owed the host, and reports `down` until the session
// restarts or a new handshake comes.
//
// Flow control. A message for an actor whose mailbox is full, or a command
// its supervisor cannot take yet, is refused: the session leaves it unacked
// and the host sends it again later. Nothing is dropped without a counter.
//
// Telemetry goes best-effort, written at once and never queued or resent:
// a Trace per chart trace record of a table actor whose tracing is on
// (Scheduler::set_tracing), the log lines given to log(), and every
// metrics_interval a Metrics snapshot of every table actor (three per
// envelope). Whatever cannot go (the link is not ready) is counted as
// dropped. So telemetry never blocks, allocates or waits for the window,
// and reliable traffic never waits for it. Traces and snapshots are reached
// through DeviceAgentConfig::telemetry: an image that sets it to null sends
// neither and links none of their code (the minimal agent's flash).
//
// Pure code, the device's loop only, no heap.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "lit/link/endpoint.hpp"
#include "lit/scheduler.hpp"
#include "lit/supervisor.hpp"

namespace lit::link {

// Where a message from the host came from: the export its reply goes to
// (1 + id; 0: no reply wanted) and the request's correlation id.
struct MessageOrigin {
  std::uint32_t reply_export = 0;
  std::uint32_t correlation_id = 0;
};

// One row of the device's actor table. Its index is the actor's wire id.
struct AgentActor {
  const char* path = "";
  ActorCore* actor = nullptr;
  Supervisor* supervisor = nullptr;  // the device supervisor it is a child of (null: none)
  const char* child_id = nullptr;    // its ChildSpec id under that supervisor
  // Delivers a message with a payload (the bytes are the receiver's encoded
  // inbound message) or a request (a reply needs the origin). Null: the actor
  // takes payload-less, reply-less events only.
  lit::SendResult (*deliver)(Scheduler& scheduler,
                             ActorCore& actor,
                             chart::EventId event,
                             std::span<const std::uint8_t> payload,
                             MessageOrigin origin) = nullptr;
};

class DeviceAgent;

// What the agent does to a device supervisor's child for the host, as a table
// of functions (agent_supervision.cpp), so that an agent none of whose actors
// has a device supervisor (the minimal agent) links none of the supervisor.
struct AgentSupervision {
  bool (*idle)(Supervisor& supervisor);  // false: a stop or restart is under way
  void (*hold)(Supervisor& supervisor, const char* child, bool held);
  SupervisorError (*terminate)(Supervisor& supervisor, const char* child);
  SupervisorError (*restart)(Supervisor& supervisor, const char* child);
  const char* (*describe)(SupervisorError error);
};
extern const AgentSupervision kAgentSupervision;

// The bodies a device agent speaks (envelope.hpp): the handshake, the host's
// messages, commands and Goodbye, and its own table rows, exits, replies,
// messages and log lines. Traces and metrics snapshots add theirs
// (AgentTelemetry::kinds), so an agent without telemetry links neither.
inline constexpr BodyKind kDeviceBodies[] = {
    {lit_wire_Envelope_handshake_tag, lit_wire_Handshake_fields},
    {lit_wire_Envelope_actor_message_tag, lit_wire_ActorMessage_fields},
    {lit_wire_Envelope_supervision_command_tag, lit_wire_SupervisionCommand_fields},
    {lit_wire_Envelope_goodbye_tag, lit_wire_Goodbye_fields},
    {lit_wire_Envelope_actor_table_entry_tag, lit_wire_ActorTableEntry_fields},
    {lit_wire_Envelope_actor_exit_tag, lit_wire_ActorExit_fields},
    {lit_wire_Envelope_supervision_reply_tag, lit_wire_SupervisionReply_fields},
    {lit_wire_Envelope_log_tag, lit_wire_Log_fields},
};

// The agent's traces and metrics snapshots, as a table of its functions
// (agent_telemetry.cpp), so that leaving them out leaves their code out.
struct AgentTelemetry {
  void (*start)(DeviceAgent& agent);  // arms the metrics timer
  void (*trace)(DeviceAgent& agent, const ActorCore& actor, chart::TraceRecord record);
  // A message delivered into table actor `index`'s mailbox (dispatched:
  // false) or dispatched by it (true): what the snapshots count.
  void (*count)(DeviceAgent& agent, std::size_t index, bool dispatched);
  BodyKinds kinds;  // kDeviceBodies, Trace and Metrics
};
extern const AgentTelemetry kAgentTelemetry;

// A log line's actor when no table actor logged it (the runtime, a port, the agent).
inline constexpr std::uint32_t kNoTableActor = 0xFFFF'FFFFU;

struct DeviceAgentConfig {
  SessionConfig session{};
  std::uint64_t boot_id = 0;        // new every boot
  const char* firmware = "";        // the image's name and version, at most 32 characters
  std::uint64_t firmware_hash = 0;  // the image's build id prefix (arch/cortex-m/build_id.hpp)
  lit_wire_ResetReason last_reset = lit_wire_ResetReason_RESET_REASON_POWER_ON;
  std::uint64_t schema_hash = kSchemaHash;  // tests set another to play a mismatched build
  Millis metrics_interval = 1000;           // between Metrics snapshots; 0: none
  // The bytes of stack never used, for the snapshots. Measuring it (painting
  // the stack at reset) is the firmware port's job; null reports 0 (the host).
  std::uint32_t (*stack_free)() = nullptr;
  // Traces and metrics snapshots; null: neither (log() still sends).
  const AgentTelemetry* telemetry = &kAgentTelemetry;
  // Commands to device supervisors' children; null: no table row has a
  // device supervisor (a row that names one is a fatal wiring error).
  const AgentSupervision* supervision = &kAgentSupervision;
};

struct DeviceAgentCounters {
  std::uint32_t messages_delivered = 0;
  std::uint32_t mailbox_full = 0;       // refusals for a full mailbox (the host retries)
  std::uint32_t dead_messages = 0;      // for an incarnation that had stopped, or an actor not running
  std::uint32_t invalid_events = 0;     // event ids the actor's chart does not have
  std::uint32_t unknown_actors = 0;     // messages and commands for a table index that does not exist
  std::uint32_t commands = 0;           // supervision commands carried out
  std::uint32_t commands_deferred = 0;  // refused until the supervisor was free (the host retries)
  std::uint32_t reports_sent = 0;       // table rows, exits and replies
  std::uint32_t report_overflows = 0;   // reports with no room in the queue
  std::uint32_t unexpected = 0;         // envelopes the device does not take (host-bound kinds, or after Goodbye)
  std::uint32_t goodbyes = 0;           // the host said it was leaving
  // Telemetry envelopes sent, and dropped because the link was not ready.
  std::uint32_t traces_sent = 0;
  std::uint32_t traces_dropped = 0;
  std::uint32_t logs_sent = 0;
  std::uint32_t logs_dropped = 0;
  std::uint32_t metrics_sent = 0;  // Metrics envelopes (one per three table actors)
  std::uint32_t metrics_dropped = 0;
};

class DeviceAgent {
 public:
  DeviceAgent(Scheduler& scheduler, std::span<const AgentActor> actors, ByteSink sink, const DeviceAgentConfig& config);
  DeviceAgent(const DeviceAgent&) = delete;
  DeviceAgent& operator=(const DeviceAgent&) = delete;

  // Install as the scheduler's observer (it forwards every call to `next`)
  // before the table actors start: their traces, dispatches and starts are
  // what the snapshots count.
  Observer& observer() { return observer_; }
  void set_next_observer(Observer* next) { observer_.next = next; }

  // Bytes from the host, on the agent's loop.
  void on_bytes(std::span<const std::uint8_t> bytes);
  // A message from table actor `source` to the host actor exported as
  // `export_id` (a reply: origin.reply_export - 1, with its correlation id).
  // window_full: try again later; link_down: no host to tell.
  SendResult send_to_host(std::uint32_t export_id,
                          chart::EventId event,
                          std::span<const std::uint8_t> payload,
                          std::uint32_t source,
                          std::uint32_t correlation_id = 0);
  // Replies to a request, to the export and with the correlation id it came with.
  SendResult reply_to_host(MessageOrigin origin,
                           chart::EventId event,
                           std::span<const std::uint8_t> payload,
                           std::uint32_t source) {
    if (origin.reply_export == 0) return SendResult::too_long;
    return send_to_host(origin.reply_export - 1U, event, payload, source, origin.correlation_id);
  }

  // A log line to the host, best-effort: `actor` is the table index of the
  // actor it concerns (kNoTableActor: none); text over 96 characters is cut.
  // link_down: not sent (the host is not there), counted in logs_dropped.
  SendResult log(lit_wire_LogLevel level, std::uint32_t actor, std::string_view text);
  // For a port's Port::log: the same line as log(), its actor the running
  // table actor (Scheduler::current()), its level read from the label
  // ("error", "warning", "debug"; anything else is info and prefixes the text).
  SendResult log_from_port(std::string_view actor, std::string_view label, std::string_view text);

  // `down` also from a Goodbye until the session restarts.
  EndpointState state() const { return host_left_ ? EndpointState::down : endpoint_.state(); }
  const char* error() const { return endpoint_.error(); }
  std::uint64_t host_boot_id() const { return host_boot_id_; }
  // Whether the host supervises table actor `index` now.
  bool claimed(std::size_t index) const { return (claimed_ & (1U << index)) != 0; }
  const DeviceAgentCounters& counters() const { return counters_; }
  const EndpointCounters& endpoint_counters() const { return endpoint_.counters(); }
  SessionCounters session_counters() const { return endpoint_.session().counters(); }

  struct Telemetry;  // agent_telemetry.cpp: kAgentTelemetry's functions

  // ---- the Endpoint's owner interface ------------------------------------------------
  void fill_handshake(lit_wire_Handshake& mine) const;
  void on_link_up();
  void on_handshake(const lit_wire_Handshake& peer) { host_boot_id_ = peer.boot_id; }
  bool on_envelope(const Envelope& envelope);
  void on_best_effort(const Envelope& envelope, std::uint32_t gap);
  void on_link_down(bool was_ready);
  void on_send_failed(std::uint32_t token) { static_cast<void>(token); }
  void on_rejected(const char* message);

 private:
  // What the agent keeps per table actor for the snapshots.
  struct ActorStats {
    std::uint32_t dispatched = 0;
    std::uint32_t from_host = 0;  // messages the link delivered into its mailbox
    std::uint32_t starts = 0;
    std::uint32_t high_water = 0;
  };
  class AgentObserver final : public Observer {
   public:
    DeviceAgent* agent = nullptr;
    Observer* next = nullptr;
    void on_started(const ActorCore& actor) override;
    void on_exited(const ActorCore& actor, std::uint32_t incarnation, Reason reason) override;
    void on_dispatched(const ActorCore& actor, chart::EventId event, chart::Outcome outcome) override;
    void on_trace(const ActorCore& actor, chart::TraceRecord record) override;
    void on_escalated(const ActorCore& supervisor, Reason reason) override;
  };

  // What the agent owes the host, in the order it happened.
  struct Report {
    enum class Kind : std::uint8_t { row, exit, reply } kind = Kind::row;
    std::uint8_t actor = 0;
    std::uint8_t code = 0;  // exit: lit_wire_ExitReason; reply: lit_wire_SupervisionResult
    std::uint32_t incarnation = 0;
    std::uint32_t request_id = 0;
    const char* detail = "";  // static storage (Reason texts, error names)
  };
  static constexpr std::size_t kReportQueue = 2 * kMaxDeviceActors + 8;

  struct AgentTimer : Timer {
    DeviceAgent* agent = nullptr;
  };

  static void fire(Timer& timer, Scheduler& scheduler);
  static std::uint64_t to_us(Millis ms) { return ms * 1000U; }
  void pump();
  void rearm();
  int index_of(const ActorCore& actor) const;
  std::size_t reports_free() const { return kReportQueue - report_count_; }
  void report(const Report& report);
  void flush_reports();
  void reply(const lit_wire_SupervisionCommand& command, lit_wire_SupervisionResult result, const char* detail = "");
  bool deliver(const lit_wire_ActorMessage& message);
  bool command(const lit_wire_SupervisionCommand& command);
  void claim(std::size_t index);
  void release_claims();
  // Stops a table actor for a command: through its device supervisor
  // (`pending` while it shuts down), or at once through the scheduler.
  SupervisorError stop_actor(const AgentActor& entry);
  // Starts it again, a new incarnation, and replies to `command` if `tell`.
  void start_actor(const lit_wire_SupervisionCommand& command, bool tell);
  void reply_to(const lit_wire_SupervisionCommand& command, SupervisorError error);
  void finish_restart();
  // The host said Goodbye: as a link loss, at once.
  void host_left();
  bool telemetry_ready() const { return endpoint_.ready() && !host_left_; }
  bool send_telemetry();  // sends telemetry_; false: dropped

  Scheduler& scheduler_;
  std::span<const AgentActor> actors_;
  DeviceAgentConfig config_;
  Endpoint endpoint_;
  AgentObserver observer_{};
  AgentTimer timer_{};
  AgentTimer metrics_timer_{};
  std::array<ActorStats, kMaxDeviceActors> stats_{};
  Envelope telemetry_ = lit_wire_Envelope_init_zero;  // built here, not on the stack of a chart step
  std::uint32_t goodbyes_seen_ = 0;                   // the endpoint's count of reliable Goodbyes
  bool host_left_ = false;
  std::array<Report, kReportQueue> reports_{};
  std::size_t report_head_ = 0;
  std::size_t report_count_ = 0;
  std::uint32_t claimed_ = 0;
  std::uint64_t host_boot_id_ = 0;
  // A RESTART waiting for its actor to finish stopping.
  bool restart_waiting_ = false;
  lit_wire_SupervisionCommand restart_command_ = lit_wire_SupervisionCommand_init_zero;
  bool restart_reply_ = false;  // false once the link dropped: finish it, tell nobody
  DeviceAgentCounters counters_{};
  bool pumping_ = false;
};

}  // namespace lit::link

// The DeviceAgent's traces and metrics snapshots (see agent.hpp): the
// functions kAgentTelemetry points at, kept apart so that an image whose
// agent has no telemetry (DeviceAgentConfig::telemetry = nullptr) links none
// of this. Best-effort sends on the agent's loop only; never queues, blocks
// or allocates.
#include "lit/link/agent.hpp"

namespace lit::link {

namespace {

lit_wire_TraceKind to_wire(chart::TraceKind kind) {
  switch (kind) {
    case chart::TraceKind::event: return lit_wire_TraceKind_TRACE_KIND_EVENT;
    case chart::TraceKind::exit: return lit_wire_TraceKind_TRACE_KIND_EXIT;
    case chart::TraceKind::transition: return lit_wire_TraceKind_TRACE_KIND_TRANSITION;
    case chart::TraceKind::enter: return lit_wire_TraceKind_TRACE_KIND_ENTER;
    case chart::TraceKind::deferred: return lit_wire_TraceKind_TRACE_KIND_DEFERRED;
  }
  return lit_wire_TraceKind_TRACE_KIND_UNSPECIFIED;
}

std::uint32_t mailbox_depth(const ActorCore& actor) { return actor.queued(); }

}  // namespace

struct DeviceAgent::Telemetry {
  static void start(DeviceAgent& agent) {
    if (agent.config_.metrics_interval == 0) return;
    agent.metrics_timer_.agent = &agent;
    agent.metrics_timer_.fire = &fire_metrics;
    agent.scheduler_.arm(agent.metrics_timer_, agent.scheduler_.now() + agent.config_.metrics_interval);
  }

  static void trace(DeviceAgent& agent, const ActorCore& actor, chart::TraceRecord record) {
    const int index = agent.index_of(actor);
    if (index < 0) return;  // no wire id to name it by
    if (!agent.telemetry_ready()) {
      ++agent.counters_.traces_dropped;
      return;
    }
    Envelope& telemetry = agent.telemetry_;
    telemetry = lit_wire_Envelope_init_zero;
    telemetry.which_body = lit_wire_Envelope_trace_tag;
    lit_wire_Trace& out = telemetry.body.trace;
    out.timestamp_us = to_us(agent.scheduler_.now());
    out.actor = static_cast<std::uint32_t>(index);
    out.incarnation = actor.incarnation();
    out.kind = to_wire(record.kind);
    switch (record.kind) {
      case chart::TraceKind::event:
      case chart::TraceKind::deferred: out.event_id = record.index; break;
      case chart::TraceKind::exit: out.from_state = record.index; break;
      case chart::TraceKind::enter: out.to_state = record.index; break;
      case chart::TraceKind::transition: {
        const chart::Table* table = actor.type().table;
        if (table == nullptr || record.index >= table->transition_count) break;
        const chart::TransitionRow& row = table->transitions[record.index];
        out.from_state = row.source;
        out.to_state = row.target_count != 0 ? table->targets[row.targets_begin] : row.source;
        break;
      }
    }
    if (agent.send_telemetry()) {
      ++agent.counters_.traces_sent;
    } else {
      ++agent.counters_.traces_dropped;
    }
  }

  static void count(DeviceAgent& agent, std::size_t index, bool dispatched) {
    if (dispatched) {
      ++agent.stats_[index].dispatched;
    } else {
      ++agent.stats_[index].from_host;
    }
    note_depth(agent, index);
  }

  static void note_depth(DeviceAgent& agent, std::size_t index) {
    const std::uint32_t depth = mailbox_depth(*agent.actors_[index].actor);
    if (depth > agent.stats_[index].high_water) agent.stats_[index].high_water = depth;
  }

  static void fire_metrics(Timer& timer, Scheduler& scheduler) {
    DeviceAgent& agent = *static_cast<AgentTimer&>(timer).agent;
    send_metrics(agent);
    scheduler.arm(timer, scheduler.now() + agent.config_.metrics_interval);
  }

  static void send_metrics(DeviceAgent& agent) {
    constexpr std::size_t kPerEnvelope = sizeof(lit_wire_Metrics{}.actors) / sizeof(lit_wire_ActorMetrics);
    const std::span<const AgentActor> actors = agent.actors_;
    const std::size_t envelopes = actors.empty() ? 1 : (actors.size() + kPerEnvelope - 1) / kPerEnvelope;
    DeviceAgentCounters& counters = agent.counters_;
    if (!agent.telemetry_ready()) {
      counters.metrics_dropped += static_cast<std::uint32_t>(envelopes);
      return;
    }
    const SessionCounters session = agent.endpoint_.session().counters();
    const FrameErrors& errors = agent.endpoint_.session().frame_errors();
    const std::uint32_t rx_errors = errors.cobs + errors.too_long + errors.too_short + errors.header_check +
                                    errors.unknown_version + errors.length_mismatch + errors.body_crc +
                                    agent.endpoint_.counters().decode_errors;
    const std::uint32_t stack_free = agent.config_.stack_free != nullptr ? agent.config_.stack_free() : 0;
    for (std::size_t first = 0, sent = 0; sent < envelopes; first += kPerEnvelope, ++sent) {
      Envelope& telemetry = agent.telemetry_;
      telemetry = lit_wire_Envelope_init_zero;
      telemetry.which_body = lit_wire_Envelope_metrics_tag;
      lit_wire_Metrics& out = telemetry.body.metrics;
      out.timestamp_us = to_us(agent.scheduler_.now());
      out.stack_free = stack_free;
      out.link_tx_frames = session.frames_sent;
      out.link_rx_frames = errors.frames_ok;
      out.link_rx_errors = rx_errors;
      out.link_retransmissions = session.retransmissions;
      out.telemetry_dropped = counters.traces_dropped + counters.logs_dropped + counters.metrics_dropped;
      for (std::size_t i = first; i < actors.size() && i < first + kPerEnvelope; ++i) {
        const ActorCore& actor = *actors[i].actor;
        const ActorStats& stats = agent.stats_[i];
        note_depth(agent, i);
        lit_wire_ActorMetrics& entry = out.actors[out.actors_count++];
        entry.actor = static_cast<std::uint32_t>(i);
        entry.messages_handled = stats.dispatched;
        entry.messages_from_host = stats.from_host;
        entry.mailbox_high_water = stats.high_water;
        entry.mailbox_drops = actor.overflow_count();
        entry.restarts = stats.starts > 1 ? stats.starts - 1 : 0;
        entry.mailbox_depth = mailbox_depth(actor);
        entry.incarnation = actor.alive() ? actor.incarnation() : 0;
        entry.configuration = actor.alive() ? actor.configuration() : 0;
      }
      if (agent.send_telemetry()) {
        ++counters.metrics_sent;
      } else {
        ++counters.metrics_dropped;
      }
    }
  }
};

namespace {

constexpr auto kTelemetryBodies = [] {
  std::array<BodyKind, std::size(kDeviceBodies) + 2> kinds{};
  std::size_t next = 0;
  for (const BodyKind& kind : kDeviceBodies) kinds[next++] = kind;
  kinds[next++] = {lit_wire_Envelope_trace_tag, lit_wire_Trace_fields};
  kinds[next++] = {lit_wire_Envelope_metrics_tag, lit_wire_Metrics_fields};
  return kinds;
}();

}  // namespace

const AgentTelemetry kAgentTelemetry{
    .start = &DeviceAgent::Telemetry::start,
    .trace = &DeviceAgent::Telemetry::trace,
    .count = &DeviceAgent::Telemetry::count,
    .kinds = kTelemetryBodies,
};

}  // namespace lit::link

// The device side of the link; see agent.hpp.
#include "lit/link/agent.hpp"

#include <cstring>

namespace lit::link {

DeviceAgent::DeviceAgent(Scheduler& scheduler,
                         std::span<const AgentActor> actors,
                         ByteSink sink,
                         const DeviceAgentConfig& config)
    : scheduler_(scheduler),
      actors_(actors.size() <= kMaxDeviceActors ? actors : actors.first(kMaxDeviceActors)),
      config_(config),
      endpoint_(sink,
                config.session,
                config.schema_hash,
                config.telemetry != nullptr ? config.telemetry->kinds : BodyKinds(kDeviceBodies)) {
  observer_.agent = this;
  timer_.agent = this;
  timer_.fire = &DeviceAgent::fire;
  if (config_.supervision == nullptr) {
    for (const AgentActor& entry : actors_) {
      if (entry.supervisor != nullptr) {
        scheduler_.port().fatal(
            "DeviceAgent: a table actor has a device supervisor, but the agent has no "
            "DeviceAgentConfig::supervision to command it with");
      }
    }
  }
  if (config_.telemetry != nullptr) config_.telemetry->start(*this);
  rearm();
}

void DeviceAgent::on_bytes(std::span<const std::uint8_t> bytes) {
  endpoint_.on_bytes(bytes, scheduler_.now(), *this);
  // The endpoint takes a Goodbye that came as a reliable record itself and
  // only counts it; one that came best-effort reaches on_best_effort.
  if (endpoint_.counters().goodbyes != goodbyes_seen_) {
    goodbyes_seen_ = endpoint_.counters().goodbyes;
    if (endpoint_.ready()) host_left();
  }
  rearm();
}

void DeviceAgent::fire(Timer& timer, Scheduler& scheduler) {
  static_cast<void>(scheduler);
  static_cast<AgentTimer&>(timer).agent->pump();
}

void DeviceAgent::pump() {
  if (pumping_) return;
  pumping_ = true;
  endpoint_.poll(scheduler_.now(), *this);
  if (restart_waiting_) finish_restart();
  flush_reports();
  endpoint_.poll(scheduler_.now(), *this);
  pumping_ = false;
  rearm();
}

void DeviceAgent::rearm() {
  const Millis now = scheduler_.now();
  Millis deadline = endpoint_.next_deadline();
  if (report_count_ != 0 && endpoint_.window_open()) deadline = now;
  if (restart_waiting_) deadline = now + 1;  // poll the supervisor until the child is down
  scheduler_.arm(timer_, deadline > now ? deadline : now);
}

int DeviceAgent::index_of(const ActorCore& actor) const {
  for (std::size_t i = 0; i < actors_.size(); ++i) {
    if (actors_[i].actor == &actor) return static_cast<int>(i);
  }
  return -1;
}

// ---- reports ------------------------------------------------------------------------------

void DeviceAgent::report(const Report& report) {
  if (state() == EndpointState::down) return;  // the next handshake sends the whole table
  if (report_count_ == kReportQueue) {
    ++counters_.report_overflows;
    return;
  }
  reports_[(report_head_ + report_count_) % kReportQueue] = report;
  ++report_count_;
  rearm();
}

void DeviceAgent::flush_reports() {
  while (report_count_ != 0) {
    const Report& next = reports_[report_head_];
    Envelope envelope = lit_wire_Envelope_init_zero;
    switch (next.kind) {
      case Report::Kind::row: {
        envelope.which_body = lit_wire_Envelope_actor_table_entry_tag;
        lit_wire_ActorTableEntry& row = envelope.body.actor_table_entry;
        const AgentActor& entry = actors_[next.actor];
        row.index = next.actor;
        row.has_info = true;
        copy_text(row.info.path, entry.path);
        const chart::Table* table = entry.actor->type().table;
        copy_text(row.info.chart, table != nullptr ? table->name : std::string_view(entry.actor->type().kind));
        row.info.chart_hash = table != nullptr ? table->structural_hash : 0;
        row.info.incarnation = entry.actor->alive() ? entry.actor->incarnation() : 0;
        row.info.supervised = entry.supervisor != nullptr;
        break;
      }
      case Report::Kind::exit:
        envelope.which_body = lit_wire_Envelope_actor_exit_tag;
        envelope.body.actor_exit.actor = next.actor;
        envelope.body.actor_exit.incarnation = next.incarnation;
        envelope.body.actor_exit.reason = static_cast<lit_wire_ExitReason>(next.code);
        copy_text(envelope.body.actor_exit.detail, next.detail);
        break;
      case Report::Kind::reply:
        envelope.which_body = lit_wire_Envelope_supervision_reply_tag;
        envelope.body.supervision_reply.request_id = next.request_id;
        envelope.body.supervision_reply.result = static_cast<lit_wire_SupervisionResult>(next.code);
        envelope.body.supervision_reply.actor = next.actor;
        envelope.body.supervision_reply.incarnation = next.incarnation;
        copy_text(envelope.body.supervision_reply.detail, next.detail);
        break;
    }
    if (endpoint_.send(envelope, scheduler_.now()) != SendResult::ok) return;
    ++counters_.reports_sent;
    report_head_ = (report_head_ + 1) % kReportQueue;
    --report_count_;
  }
}

void DeviceAgent::reply(const lit_wire_SupervisionCommand& command,
                        lit_wire_SupervisionResult result,
                        const char* detail) {
  const ActorCore& actor = *actors_[command.actor].actor;
  report(Report{.kind = Report::Kind::reply,
                .actor = static_cast<std::uint8_t>(command.actor),
                .code = static_cast<std::uint8_t>(result),
                .incarnation = actor.alive() ? actor.incarnation() : 0,
                .request_id = command.request_id,
                .detail = detail});
}

// ---- the endpoint's owner interface -------------------------------------------------------

void DeviceAgent::fill_handshake(lit_wire_Handshake& mine) const {
  mine.boot_id = config_.boot_id;
  copy_text(mine.firmware, config_.firmware);
  mine.firmware_hash = config_.firmware_hash;
  mine.last_reset = config_.last_reset;
  mine.actor_count = static_cast<std::uint32_t>(actors_.size());
}

void DeviceAgent::on_link_up() {
  host_left_ = false;
  // The table follows the handshake, one row per record.
  report_head_ = 0;
  report_count_ = 0;
  for (std::size_t i = 0; i < actors_.size(); ++i) {
    report(Report{.kind = Report::Kind::row, .actor = static_cast<std::uint8_t>(i)});
  }
}

bool DeviceAgent::on_envelope(const Envelope& envelope) {
  if (host_left_) {
    ++counters_.unexpected;  // the host is gone: nothing it sent before leaving applies
    return true;
  }
  switch (envelope.which_body) {
    case lit_wire_Envelope_actor_message_tag: return deliver(envelope.body.actor_message);
    case lit_wire_Envelope_supervision_command_tag: return command(envelope.body.supervision_command);
    default: ++counters_.unexpected; return true;
  }
}

void DeviceAgent::on_best_effort(const Envelope& envelope, std::uint32_t gap) {
  static_cast<void>(gap);
  if (envelope.which_body == lit_wire_Envelope_goodbye_tag) {
    if (!host_left_) host_left();
    return;
  }
  ++counters_.unexpected;
}

void DeviceAgent::on_link_down(bool was_ready) {
  static_cast<void>(was_ready);
  host_left_ = false;
  report_count_ = 0;
  restart_reply_ = false;
  release_claims();
}

void DeviceAgent::host_left() {
  ++counters_.goodbyes;
  host_left_ = true;
  report_count_ = 0;
  restart_reply_ = false;
  release_claims();
}

void DeviceAgent::release_claims() {
  // Device autonomy: the local supervisors decide again, starting with any
  // exit they recorded while the host held the actor.
  for (std::size_t i = 0; i < actors_.size(); ++i) {
    const AgentActor& entry = actors_[i];
    if (claimed(i) && entry.supervisor != nullptr) config_.supervision->hold(*entry.supervisor, entry.child_id, false);
  }
  claimed_ = 0;
}

void DeviceAgent::on_rejected(const char* message) { scheduler_.port().log("link", "error", message); }

// ---- the host's requests ------------------------------------------------------------------

bool DeviceAgent::deliver(const lit_wire_ActorMessage& message) {
  if (message.destination >= actors_.size()) {
    ++counters_.unknown_actors;
    return true;
  }
  const AgentActor& entry = actors_[message.destination];
  ActorCore& actor = *entry.actor;
  if (!actor.alive() ||
      (message.destination_incarnation != 0 && message.destination_incarnation != actor.incarnation())) {
    ++counters_.dead_messages;
    return true;
  }
  if (message.event_id >= actor.event_count()) {
    ++counters_.invalid_events;
    return true;
  }
  const auto event = static_cast<chart::EventId>(message.event_id);
  lit::SendResult result = lit::SendResult::invalid_event;
  const MessageOrigin origin{message.source, message.correlation_id};
  if (entry.deliver != nullptr) {
    result = entry.deliver(
        scheduler_, actor, event, std::span<const std::uint8_t>(message.payload.bytes, message.payload.size), origin);
  } else if (message.payload.size == 0 && origin.reply_export == 0 && actor.type().push_event != nullptr) {
    result = actor.type().push_event(actor, event);
  }
  switch (result) {
    case lit::SendResult::ok:
      ++counters_.messages_delivered;
      if (config_.telemetry != nullptr) config_.telemetry->count(*this, message.destination, false);
      scheduler_.make_ready(actor);
      return true;
    case lit::SendResult::full: ++counters_.mailbox_full; return false;  // the host sends it again later
    case lit::SendResult::dead: ++counters_.dead_messages; return true;
    case lit::SendResult::invalid_event: ++counters_.invalid_events; return true;
  }
  return true;
}

SendResult DeviceAgent::send_to_host(std::uint32_t export_id,
                                     chart::EventId event,
                                     std::span<const std::uint8_t> payload,
                                     std::uint32_t source,
                                     std::uint32_t correlation_id) {
  if (state() != EndpointState::ready) return SendResult::link_down;
  Envelope envelope = lit_wire_Envelope_init_zero;
  envelope.which_body = lit_wire_Envelope_actor_message_tag;
  lit_wire_ActorMessage& out = envelope.body.actor_message;
  if (payload.size() > sizeof(out.payload.bytes)) return SendResult::too_long;
  out.destination = export_id;
  out.source = source;
  out.correlation_id = correlation_id;
  out.event_id = event;
  out.payload.size = static_cast<pb_size_t>(payload.size());
  std::memcpy(out.payload.bytes, payload.data(), payload.size());
  const SendResult result = endpoint_.send(envelope, scheduler_.now());
  if (result == SendResult::ok) rearm();
  return result;
}

void DeviceAgent::claim(std::size_t index) {
  const AgentActor& entry = actors_[index];
  claimed_ |= 1U << index;
  if (entry.supervisor != nullptr) config_.supervision->hold(*entry.supervisor, entry.child_id, true);
}

bool DeviceAgent::command(const lit_wire_SupervisionCommand& command) {
  if (command.actor >= actors_.size()) {
    ++counters_.unknown_actors;
    return true;
  }
  const AgentActor& entry = actors_[command.actor];
  // Room for this command's reply and the rows and exits it causes, and a
  // supervisor not in the middle of a restart or shutdown of its own.
  if (reports_free() < 4 || restart_waiting_ ||
      (entry.supervisor != nullptr && !config_.supervision->idle(*entry.supervisor))) {
    ++counters_.commands_deferred;
    return false;
  }
  // Any command says the host supervises this actor now, even one that finds
  // it already in the state asked for.
  ++counters_.commands;
  claim(command.actor);
  const auto action = wire_value(command.action);
  const bool running = entry.actor->alive();
  switch (action) {
    case lit_wire_SupervisionAction_SUPERVISION_ACTION_START:
      if (running) {
        reply(command, lit_wire_SupervisionResult_SUPERVISION_RESULT_ALREADY_RUNNING);
        return true;
      }
      break;
    case lit_wire_SupervisionAction_SUPERVISION_ACTION_STOP:
      if (!running) {
        reply(command, lit_wire_SupervisionResult_SUPERVISION_RESULT_NOT_RUNNING);
        return true;
      }
      break;
    case lit_wire_SupervisionAction_SUPERVISION_ACTION_RESTART: break;
    default: reply(command, lit_wire_SupervisionResult_SUPERVISION_RESULT_UNSPECIFIED, "unknown action"); return true;
  }
  if (running) {
    const bool restart = action == lit_wire_SupervisionAction_SUPERVISION_ACTION_RESTART;
    SupervisorError error = stop_actor(entry);
    if (error == SupervisorError::pending && restart) {
      restart_waiting_ = true;  // finish_restart starts it once it is down
      restart_reply_ = true;
      restart_command_ = command;
      rearm();
      return true;
    }
    if (error == SupervisorError::pending) error = SupervisorError::ok;  // its exit report follows
    if (!restart || error != SupervisorError::ok) {
      reply_to(command, error);
      return true;
    }
  }
  start_actor(command, true);
  return true;
}

SupervisorError DeviceAgent::stop_actor(const AgentActor& entry) {
  if (entry.supervisor != nullptr) return config_.supervision->terminate(*entry.supervisor, entry.child_id);
  scheduler_.stop(*entry.actor, Reason::shutdown());
  return SupervisorError::ok;
}

void DeviceAgent::start_actor(const lit_wire_SupervisionCommand& command, bool tell) {
  const AgentActor& entry = actors_[command.actor];
  if (entry.supervisor != nullptr) {
    const SupervisorError error = config_.supervision->restart(*entry.supervisor, entry.child_id);
    if (tell) reply_to(command, error);
    return;
  }
  Reason failure;
  const bool started = scheduler_.start(*entry.actor, nullptr, failure);
  if (!tell) return;
  if (started) {
    reply(command, lit_wire_SupervisionResult_SUPERVISION_RESULT_OK);
  } else {
    reply(command, lit_wire_SupervisionResult_SUPERVISION_RESULT_FAILED, failure.text);
  }
}

void DeviceAgent::reply_to(const lit_wire_SupervisionCommand& command, SupervisorError error) {
  switch (error) {
    case SupervisorError::ok: reply(command, lit_wire_SupervisionResult_SUPERVISION_RESULT_OK); break;
    case SupervisorError::busy:
      reply(command, lit_wire_SupervisionResult_SUPERVISION_RESULT_BUSY, config_.supervision->describe(error));
      break;
    case SupervisorError::running:
      reply(
          command, lit_wire_SupervisionResult_SUPERVISION_RESULT_ALREADY_RUNNING, config_.supervision->describe(error));
      break;
    default:
      reply(command, lit_wire_SupervisionResult_SUPERVISION_RESULT_FAILED, config_.supervision->describe(error));
      break;
  }
}

void DeviceAgent::finish_restart() {
  const AgentActor& entry = actors_[restart_command_.actor];
  if (!config_.supervision->idle(*entry.supervisor)) return;  // only a supervisor's stop waits
  restart_waiting_ = false;
  start_actor(restart_command_, restart_reply_);
}

// ---- telemetry ----------------------------------------------------------------------------

// Log lines here; traces and metrics snapshots in agent_telemetry.cpp.

namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

bool DeviceAgent::send_telemetry() {
  return telemetry_ready() && endpoint_.send_best_effort(telemetry_, scheduler_.now()) == SendResult::ok;
}

SendResult DeviceAgent::log(lit_wire_LogLevel level, std::uint32_t actor, std::string_view text) {
  if (!telemetry_ready()) {
    ++counters_.logs_dropped;
    return SendResult::link_down;
  }
  telemetry_ = lit_wire_Envelope_init_zero;
  telemetry_.which_body = lit_wire_Envelope_log_tag;
  lit_wire_Log& out = telemetry_.body.log;
  out.timestamp_us = to_us(scheduler_.now());
  out.level = level;
  out.actor = actor;
  copy_text(out.text, text);
  if (!send_telemetry()) {
    ++counters_.logs_dropped;
    return SendResult::link_down;
  }
  ++counters_.logs_sent;
  return SendResult::ok;
}

SendResult DeviceAgent::log_from_port(std::string_view actor, std::string_view label, std::string_view text) {
  lit_wire_LogLevel level = lit_wire_LogLevel_LOG_LEVEL_INFO;
  bool label_is_level = true;
  if (label == "error") {
    level = lit_wire_LogLevel_LOG_LEVEL_ERROR;
  } else if (starts_with(label, "warn")) {
    level = lit_wire_LogLevel_LOG_LEVEL_WARNING;
  } else if (label == "debug") {
    level = lit_wire_LogLevel_LOG_LEVEL_DEBUG;
  } else {
    label_is_level = label == "info";
  }
  const ActorCore* const current = scheduler_.current();
  const int index = current != nullptr ? index_of(*current) : -1;
  // "<actor> <label>: <text>", leaving out what the fields already say.
  std::array<char, sizeof(lit_wire_Log{}.text)> line{};
  std::size_t used = 0;
  const auto add = [&line, &used](std::string_view part) {
    for (const char c : part) {
      if (used + 1 == line.size()) return;
      line[used++] = c;
    }
  };
  if (index < 0 && !actor.empty()) {
    add(actor);
    add(label_is_level ? ": " : " ");
  }
  if (!label_is_level) {
    add(label);
    add(": ");
  }
  add(text);
  return log(
      level, index >= 0 ? static_cast<std::uint32_t>(index) : kNoTableActor, std::string_view(line.data(), used));
}

// ---- observer -----------------------------------------------------------------------------

void DeviceAgent::AgentObserver::on_started(const ActorCore& actor) {
  const int index = agent->index_of(actor);
  if (index >= 0) {
    ++agent->stats_[static_cast<std::size_t>(index)].starts;
    agent->report(Report{.kind = Report::Kind::row, .actor = static_cast<std::uint8_t>(index)});
  }
  if (next != nullptr) next->on_started(actor);
}

void DeviceAgent::AgentObserver::on_exited(const ActorCore& actor, std::uint32_t incarnation, Reason reason) {
  const int index = agent->index_of(actor);
  if (index >= 0) {
    agent->report(Report{.kind = Report::Kind::exit,
                         .actor = static_cast<std::uint8_t>(index),
                         .code = static_cast<std::uint8_t>(to_wire(reason.kind)),
                         .incarnation = incarnation,
                         .detail = reason.text});
  }
  if (next != nullptr) next->on_exited(actor, incarnation, reason);
}

void DeviceAgent::AgentObserver::on_dispatched(const ActorCore& actor, chart::EventId event, chart::Outcome outcome) {
  const AgentTelemetry* const telemetry = agent->config_.telemetry;
  if (telemetry != nullptr) {
    const int index = agent->index_of(actor);
    if (index >= 0) telemetry->count(*agent, static_cast<std::size_t>(index), true);
  }
  if (next != nullptr) next->on_dispatched(actor, event, outcome);
}

void DeviceAgent::AgentObserver::on_trace(const ActorCore& actor, chart::TraceRecord record) {
  if (agent->config_.telemetry != nullptr) agent->config_.telemetry->trace(*agent, actor, record);
  if (next != nullptr) next->on_trace(actor, record);
}

void DeviceAgent::AgentObserver::on_escalated(const ActorCore& supervisor, Reason reason) {
  if (next != nullptr) next->on_escalated(supervisor, reason);
}

}  // namespace lit::link

// The host side of a device link; see remote.hpp.
#include "lit/link/remote.hpp"

#include "lit/link/agent.hpp"  // kNoTableActor: the wire's "no actor" in a log line

namespace lit::link {

namespace {

Reason reason_from_wire(std::int32_t reason) {
  switch (reason) {
    case lit_wire_ExitReason_EXIT_REASON_NORMAL: return Reason::normal();
    case lit_wire_ExitReason_EXIT_REASON_STOPPED: return Reason::shutdown();
    case lit_wire_ExitReason_EXIT_REASON_KILLED: return Reason::killed();
    case lit_wire_ExitReason_EXIT_REASON_FAILED: return Reason::failed("device actor failed");
    case lit_wire_ExitReason_EXIT_REASON_OVERFLOW: return Reason::failed("device actor overflowed");
    case lit_wire_ExitReason_EXIT_REASON_ESCALATED: return Reason{ExitKind::shutdown, "device supervisor escalated"};
    case lit_wire_ExitReason_EXIT_REASON_NO_ACTOR: return Reason::noproc();
    default: break;
  }
  return Reason::failed("device actor exited");
}

bool same_path(const char* a, std::string_view b) { return std::string_view(a) == b; }

}  // namespace

// ---- RemoteActor --------------------------------------------------------------------

// Any event id but kNone passes the sender's check; the device checks it
// against the chart and counts the ones it does not know.
const ActorType RemoteActor::kType{
    .kind = "remote",
    .event_count = chart::kNone,
    .mailbox_capacity = kCapacity,
    .start = &RemoteActor::start_fn,
    .activate = &RemoteActor::activate_fn,
    .stop = &RemoteActor::stop_fn,
};

RemoteActor::RemoteActor() : ActorCore(kType, nullptr) { slots_ = ring_.data(); }

bool RemoteActor::start_fn(ActorCore& actor, Scheduler& scheduler, Reason& failure) {
  static_cast<void>(scheduler);
  auto& self = static_cast<RemoteActor&>(actor);
  if (self.node_ == nullptr) {
    failure = Reason::failed("a proxy must come from RemoteNode::declare");
    return false;
  }
  self.link_ = Link::detached;
  self.device_incarnation_ = 0;
  self.request_id_ = 0;
  self.exit_from_device_ = false;
  self.blocked_ = false;
  RemoteNode& node = *self.node_;
  if (node.ready()) {
    if (self.index_ < 0) {
      failure = Reason::failed("no such actor on the device");
      return false;
    }
    node.attach(self);
  }
  return true;
}

Activation RemoteActor::activate_fn(ActorCore& actor, Scheduler& scheduler, unsigned budget) {
  auto& self = static_cast<RemoteActor&>(actor);
  if (self.link_ != Link::attached) return {};  // the mailbox waits for the attach
  RemoteNode& node = *self.node_;
  unsigned sent = 0;
  Envelope envelope = lit_wire_Envelope_init_zero;
  envelope.which_body = lit_wire_Envelope_actor_message_tag;
  lit_wire_ActorMessage& out = envelope.body.actor_message;
  out.destination = static_cast<std::uint32_t>(self.index_);
  out.destination_incarnation = self.device_incarnation_;
  while (self.count_ != 0 && sent < budget) {
    const Message<RemotePayload>& next = self.ring_[self.head_];
    const bool request = next.payload.reply_export != 0;
    if (request && node.pending_count_ == RemoteNode::kMaxPending) {
      self.blocked_ = true;  // the node makes it ready when a reply frees an entry
      break;
    }
    out.event_id = next.event;
    out.source = next.payload.reply_export;
    out.correlation_id = request ? next.payload.correlation_id : 0;
    out.payload.size = next.payload.size;
    std::memcpy(out.payload.bytes, next.payload.bytes.data(), next.payload.size);
    const SendResult result = node.endpoint_.send(envelope, scheduler.now());
    if (result == SendResult::window_full) {
      self.blocked_ = true;  // the node makes it ready when the window opens
      break;
    }
    if (result != SendResult::ok) break;  // link down: the node ends this incarnation
    if (request) static_cast<void>(node.add_pending(self, next.payload));
    static_cast<void>(self.take_local<RemotePayload>());
    ++self.forwarded_;
    ++sent;
  }
  node.rearm();
  return self.count_ != 0 && !self.blocked_ && sent == budget ? Activation::more : Activation::idle;
}

std::uint32_t RemoteActor::stop_fn(ActorCore& actor, Scheduler& scheduler, Reason reason, StopMode mode) {
  static_cast<void>(scheduler);
  static_cast<void>(reason);
  static_cast<void>(mode);
  auto& self = static_cast<RemoteActor&>(actor);
  const std::uint32_t discarded = self.count_;
  self.count_ = 0;
  self.head_ = 0;
  // The host ended it (its supervisor): the device actor must stop too, and
  // nothing will answer what was asked of it.
  if (!self.exit_from_device_) self.node_->fail_requests(&self, "request_failed");
  if (!self.exit_from_device_ && self.link_ != Link::detached && self.node_->endpoint_.ready() &&
      !self.node_->leaving_) {
    self.node_->queue_command(
        lit_wire_SupervisionAction_SUPERVISION_ACTION_STOP, static_cast<std::uint32_t>(self.index_), 0);
  }
  self.link_ = Link::detached;
  self.device_incarnation_ = 0;
  self.request_id_ = 0;
  self.blocked_ = false;
  return discarded;
}

// ---- RemoteNode ---------------------------------------------------------------------

RemoteNode::RemoteNode(Scheduler& scheduler, ByteSink sink, const RemoteNodeConfig& config)
    : scheduler_(scheduler), endpoint_(sink, config.session, config.schema_hash), config_(config) {
  timer_.node = this;
  timer_.fire = &RemoteNode::fire;
  rearm();
}

RemoteActor* RemoteNode::declare(std::string_view path) {
  if (RemoteActor* existing = find(path)) return existing;
  if (proxy_count_ == kMaxProxies || path.size() >= RemoteActor::kPathSize) return nullptr;
  RemoteActor& proxy = proxies_[proxy_count_++];
  proxy.node_ = this;
  copy_text(proxy.path_, path);
  proxy.index_ = -1;
  if (table_complete_) {
    for (std::uint32_t i = 0; i < device_.actor_count; ++i) {
      if (same_path(device_.actors[i].path, path)) proxy.index_ = static_cast<int>(i);
    }
  }
  return &proxy;
}

RemoteActor* RemoteNode::find(std::string_view path) {
  for (std::size_t i = 0; i < proxy_count_; ++i) {
    if (proxies_[i].path() == path) return &proxies_[i];
  }
  return nullptr;
}

bool RemoteNode::export_actor(std::uint32_t id, Address<RemotePayload> actor) {
  if (id >= kMaxExports) return false;
  exports_[id] = actor;
  return true;
}

bool RemoteNode::add_pending(const RemoteActor& target, const RemotePayload& request) {
  for (Pending& entry : pending_) {
    if (entry.reply_export != 0) continue;
    entry = Pending{request.correlation_id, request.reply_export, &target};
    ++pending_count_;
    return true;
  }
  return false;
}

void RemoteNode::fail_requests(const RemoteActor* proxy, std::string_view event) {
  for (Pending& entry : pending_) {
    if (entry.reply_export == 0 || (proxy != nullptr && entry.target != proxy)) continue;
    ++counters_.requests_failed;
    const Address<RemotePayload> to = exports_[entry.reply_export - 1U];
    const chart::Table* table = to.actor != nullptr ? to.actor->type().table : nullptr;
    const chart::EventId id = table != nullptr ? table->find_event(event) : chart::kNone;
    RemotePayload failure;
    failure.correlation_id = entry.correlation_id;
    if (id == chart::kNone || scheduler_.send(to, id, failure) != lit::SendResult::ok) ++counters_.failures_undelivered;
    entry = Pending{};
    --pending_count_;
  }
}

void RemoteNode::message_to_host(const lit_wire_ActorMessage& message, bool& accepted) {
  accepted = true;
  if (message.destination >= kMaxExports || message.payload.size > sizeof(RemotePayload{}.bytes) ||
      message.event_id >= chart::kNone) {
    ++counters_.undeliverable;
    return;
  }
  RemotePayload payload;
  payload.size = static_cast<std::uint8_t>(message.payload.size);
  std::memcpy(payload.bytes.data(), message.payload.bytes, message.payload.size);
  payload.correlation_id = message.correlation_id;
  const lit::SendResult result =
      scheduler_.send(exports_[message.destination], static_cast<chart::EventId>(message.event_id), payload);
  if (result == lit::SendResult::full) {
    ++counters_.host_refusals;
    accepted = false;  // the session leaves it unacked; the device sends it again
    return;
  }
  if (result != lit::SendResult::ok) {
    ++counters_.undeliverable;
    return;
  }
  ++counters_.messages_to_host;
  if (message.correlation_id == 0) return;
  for (Pending& entry : pending_) {
    if (entry.reply_export == message.destination + 1U && entry.correlation_id == message.correlation_id) {
      entry = Pending{};
      --pending_count_;
      ++counters_.replies;
      return;
    }
  }
}

bool RemoteNode::manage(RemoteActor& proxy) {
  if (proxy.node_ != this || proxy.alive()) return false;
  proxy.managed_ = true;
  Reason failure;
  return scheduler_.start(proxy, nullptr, failure);
}

void RemoteNode::on_bytes(std::span<const std::uint8_t> bytes) {
  if (closed_) return;
  endpoint_.on_bytes(bytes, scheduler_.now(), *this);
  rearm();
}

void RemoteNode::leave(std::string_view reason) {
  if (closed_ || leaving_) return;
  leaving_ = true;
  if (!endpoint_.ready()) return;
  Envelope bye = lit_wire_Envelope_init_zero;
  bye.which_body = lit_wire_Envelope_goodbye_tag;
  copy_text(bye.body.goodbye.reason, reason);
  static_cast<void>(endpoint_.send_best_effort(bye, scheduler_.now()));
}

void RemoteNode::goodbye(std::string_view reason) {
  if (closed_) return;
  leave(reason);
  // Closed before the proxies end: their supervisors' restarts find the node
  // not ready and wait, detached, sending nothing.
  closed_ = true;
  scheduler_.cancel(timer_);
  disconnect();
}

const lit_wire_ActorMetrics* RemoteNode::device_metrics(std::size_t index) const {
  if (index >= kMaxDeviceActors || (metrics_known_ & (1U << index)) == 0) return nullptr;
  return &actor_metrics_[index];
}

void RemoteNode::fire(Timer& timer, Scheduler& scheduler) {
  static_cast<void>(scheduler);
  static_cast<NodeTimer&>(timer).node->pump();
}

void RemoteNode::pump() {
  if (pumping_ || closed_) return;
  pumping_ = true;
  endpoint_.poll(scheduler_.now(), *this);
  flush_commands();
  for (std::size_t i = 0; i < proxy_count_; ++i) {
    RemoteActor& proxy = proxies_[i];
    if (proxy.blocked_ && endpoint_.window_open() && pending_count_ < kMaxPending) {
      proxy.blocked_ = false;
      scheduler_.make_ready(proxy);
    }
  }
  // What the commands and the proxies queued goes out now, not at the next deadline.
  endpoint_.poll(scheduler_.now(), *this);
  pumping_ = false;
  rearm();
}

void RemoteNode::rearm() {
  if (closed_) return;
  const Millis now = scheduler_.now();
  // Queued commands go out at once (the window permitting), not at the
  // endpoint's next deadline.
  const bool sendable = command_count_ != 0 && endpoint_.ready() && endpoint_.window_open();
  const Millis deadline = sendable ? now : endpoint_.next_deadline();
  scheduler_.arm(timer_, deadline > now ? deadline : now);
}

bool RemoteNode::queue_command(lit_wire_SupervisionAction action, std::uint32_t actor, std::uint32_t request_id) {
  if (command_count_ == kCommandQueue) {
    ++counters_.command_overflows;
    return false;
  }
  commands_[(command_head_ + command_count_) % kCommandQueue] = Command{action, actor, request_id};
  ++command_count_;
  rearm();
  return true;
}

void RemoteNode::flush_commands() {
  while (command_count_ != 0 && endpoint_.ready()) {
    const Command& command = commands_[command_head_];
    Envelope envelope = lit_wire_Envelope_init_zero;
    envelope.which_body = lit_wire_Envelope_supervision_command_tag;
    envelope.body.supervision_command.request_id = command.request_id;
    envelope.body.supervision_command.action = command.action;
    envelope.body.supervision_command.actor = command.actor;
    if (endpoint_.send(envelope, scheduler_.now()) != SendResult::ok) return;
    command_head_ = (command_head_ + 1) % kCommandQueue;
    --command_count_;
  }
}

void RemoteNode::attach(RemoteActor& proxy) {
  const lit_wire_ActorInfo& row = device_.actors[static_cast<std::size_t>(proxy.index_)];
  if (proxy.managed_) {
    // The table says whether it runs; the node only watches it.
    if (row.incarnation != 0) {
      proxy.link_ = RemoteActor::Link::attached;
      proxy.device_incarnation_ = row.incarnation;
      if (proxy.count_ != 0) scheduler_.make_ready(proxy);
    }
    return;
  }
  // A host supervisor's child: the device starts it (or says it is running)
  // and leaves its restarts to the host from now on.
  proxy.link_ = RemoteActor::Link::attaching;
  proxy.request_id_ = next_request_++;
  if (next_request_ == 0) next_request_ = 1;  // 0 means "no reply wanted"
  if (!queue_command(lit_wire_SupervisionAction_SUPERVISION_ACTION_START,
                     static_cast<std::uint32_t>(proxy.index_),
                     proxy.request_id_)) {
    proxy.link_ = RemoteActor::Link::detached;
  }
}

void RemoteNode::end(RemoteActor& proxy, Reason reason) {
  fail_requests(&proxy, reason.kind == ExitKind::noconnection ? "link_down" : "request_failed");
  proxy.exit_from_device_ = true;
  scheduler_.stop(proxy, reason, StopMode::kill);
  restart_managed();
}

void RemoteNode::restart_managed() {
  for (std::size_t i = 0; i < proxy_count_; ++i) {
    RemoteActor& proxy = proxies_[i];
    if (!proxy.managed_ || proxy.alive()) continue;
    if (ready() && proxy.index_ < 0) continue;  // not on this device: nothing to watch
    Reason failure;
    static_cast<void>(scheduler_.start(proxy, nullptr, failure));
  }
}

RemoteActor* RemoteNode::at_index(std::uint32_t index) {
  for (std::size_t i = 0; i < proxy_count_; ++i) {
    if (proxies_[i].index_ >= 0 && static_cast<std::uint32_t>(proxies_[i].index_) == index) return &proxies_[i];
  }
  return nullptr;
}

// ---- the endpoint's owner interface ------------------------------------------------------

void RemoteNode::fill_handshake(lit_wire_Handshake& mine) const { mine.boot_id = config_.boot_id; }

void RemoteNode::on_handshake(const lit_wire_Handshake& peer) {
  // A second handshake without the link going down means the peer's session
  // started over: whatever was attached belonged to its previous life.
  for (std::size_t i = 0; i < proxy_count_; ++i) {
    RemoteActor& proxy = proxies_[i];
    if (proxy.alive() && proxy.link_ != RemoteActor::Link::detached) end(proxy, Reason::noconnection());
  }
  if (peer.boot_id != device_.boot_id) {
    // Another boot: its counters started again.
    totals_ = lit_wire_Metrics_init_zero;
    metrics_known_ = 0;
  }
  device_ = DeviceInfo{};
  device_.boot_id = peer.boot_id;
  copy_text(device_.firmware, text_of(peer.firmware));
  device_.firmware_hash = peer.firmware_hash;
  const std::int32_t reset = wire_value(peer.last_reset);
  device_.last_reset = reset >= _lit_wire_ResetReason_MIN && reset <= _lit_wire_ResetReason_MAX
                           ? static_cast<lit_wire_ResetReason>(reset)
                           : lit_wire_ResetReason_RESET_REASON_UNSPECIFIED;
  device_.actor_count = peer.actor_count;
  if (device_.actor_count > kMaxDeviceActors) {
    ++counters_.table_errors;
    device_.actor_count = kMaxDeviceActors;
  }
  table_complete_ = false;
  if (device_.actor_count == 0) table_done();
}

bool RemoteNode::on_envelope(const Envelope& envelope) {
  switch (envelope.which_body) {
    case lit_wire_Envelope_actor_table_entry_tag: table_row(envelope.body.actor_table_entry); break;
    case lit_wire_Envelope_actor_exit_tag: exit_report(envelope.body.actor_exit); break;
    case lit_wire_Envelope_supervision_reply_tag: reply(envelope.body.supervision_reply); break;
    case lit_wire_Envelope_actor_message_tag: {
      bool accepted = true;
      message_to_host(envelope.body.actor_message, accepted);
      return accepted;
    }
    default: telemetry(envelope); break;  // a device may send it reliably too
  }
  return true;
}

void RemoteNode::on_best_effort(const Envelope& envelope, std::uint32_t gap) {
  if (gap != 0) {
    counters_.telemetry_gaps += gap;
    if (observer_ != nullptr) observer_->on_telemetry_gap(gap);
  }
  telemetry(envelope);
}

void RemoteNode::telemetry(const Envelope& envelope) {
  const std::uint32_t actors = device_.actor_count;
  switch (envelope.which_body) {
    case lit_wire_Envelope_trace_tag: {
      const lit_wire_Trace& trace = envelope.body.trace;
      if (trace.actor >= actors) break;
      ++counters_.traces;
      if (observer_ != nullptr) observer_->on_trace(trace);
      return;
    }
    case lit_wire_Envelope_log_tag: {
      const lit_wire_Log& log = envelope.body.log;
      if (log.actor >= actors && log.actor != kNoTableActor) break;
      ++counters_.logs;
      if (observer_ != nullptr) observer_->on_log(log);
      return;
    }
    case lit_wire_Envelope_metrics_tag: {
      const lit_wire_Metrics& metrics = envelope.body.metrics;
      bool known = true;
      for (pb_size_t i = 0; i < metrics.actors_count; ++i) known = known && metrics.actors[i].actor < actors;
      if (!known) break;
      ++counters_.metrics;
      totals_ = metrics;
      totals_.actors_count = 0;
      for (pb_size_t i = 0; i < metrics.actors_count; ++i) {
        const lit_wire_ActorMetrics& entry = metrics.actors[i];
        actor_metrics_[entry.actor] = entry;
        metrics_known_ |= 1U << entry.actor;
      }
      if (observer_ != nullptr) observer_->on_metrics(metrics);
      return;
    }
    default: return;  // nothing else comes from a device best-effort
  }
  ++counters_.telemetry_errors;
}

void RemoteNode::table_row(const lit_wire_ActorTableEntry& row) {
  if (!row.has_info || row.index >= device_.actor_count) {
    ++counters_.table_errors;
    return;
  }
  device_.actors[row.index] = row.info;
  if (!table_complete_) {
    if (++device_.rows_received == device_.actor_count) table_done();
    return;
  }
  // A later row: the device started that actor (again).
  RemoteActor* proxy = at_index(row.index);
  if (proxy == nullptr || !proxy->managed_ || !proxy->alive() || row.info.incarnation == 0) return;
  if (proxy->link_ == RemoteActor::Link::attached && proxy->device_incarnation_ != row.info.incarnation) {
    end(*proxy, Reason::failed("restarted on the device"));  // an exit report it never saw
    return;
  }
  if (proxy->link_ == RemoteActor::Link::detached) attach(*proxy);
}

void RemoteNode::table_done() {
  table_complete_ = true;
  ++counters_.handshakes;
  if (last_boot_id_ != 0 && last_boot_id_ != device_.boot_id) ++counters_.reboots;
  last_boot_id_ = device_.boot_id;
  for (std::size_t i = 0; i < proxy_count_; ++i) {
    RemoteActor& proxy = proxies_[i];
    proxy.index_ = -1;
    for (std::uint32_t row = 0; row < device_.actor_count; ++row) {
      if (same_path(device_.actors[row].path, proxy.path())) proxy.index_ = static_cast<int>(row);
    }
    if (proxy.index_ < 0) {
      ++counters_.unknown_actors;
      if (proxy.alive()) end(proxy, Reason::failed("no such actor on the device"));
      continue;
    }
    if (proxy.alive() && proxy.link_ == RemoteActor::Link::detached) attach(proxy);
  }
  restart_managed();
}

void RemoteNode::exit_report(const lit_wire_ActorExit& report) {
  if (report.actor < device_.actor_count && device_.actors[report.actor].incarnation == report.incarnation) {
    device_.actors[report.actor].incarnation = 0;
  }
  RemoteActor* proxy = at_index(report.actor);
  if (proxy == nullptr || !proxy->alive() || proxy->link_ != RemoteActor::Link::attached ||
      proxy->device_incarnation_ != report.incarnation) {
    ++counters_.stale_reports;
    return;
  }
  ++counters_.exits_reported;
  copy_text(proxy->detail_, report.detail);
  end(*proxy, reason_from_wire(wire_value(report.reason)));
}

void RemoteNode::reply(const lit_wire_SupervisionReply& reply) {
  if (reply.request_id == 0) return;  // the answer to a STOP: nothing waits for it
  RemoteActor* proxy = at_index(reply.actor);
  if (proxy == nullptr || !proxy->alive() || proxy->link_ != RemoteActor::Link::attaching ||
      proxy->request_id_ != reply.request_id) {
    ++counters_.stale_reports;
    return;
  }
  const std::int32_t result = wire_value(reply.result);
  if (result == lit_wire_SupervisionResult_SUPERVISION_RESULT_OK ||
      result == lit_wire_SupervisionResult_SUPERVISION_RESULT_ALREADY_RUNNING) {
    proxy->link_ = RemoteActor::Link::attached;
    proxy->device_incarnation_ = reply.incarnation;
    proxy->request_id_ = 0;
    if (proxy->count_ != 0) scheduler_.make_ready(*proxy);
    return;
  }
  ++counters_.commands_failed;
  copy_text(proxy->detail_, reply.detail);
  end(*proxy, Reason::failed("the device could not start it"));
}

void RemoteNode::on_link_down(bool was_ready) {
  if (was_ready) ++counters_.link_losses;
  disconnect();
}

void RemoteNode::disconnect() {
  table_complete_ = false;
  command_count_ = 0;  // what they asked for is moot: their proxies end now
  for (std::size_t i = 0; i < proxy_count_; ++i) {
    RemoteActor& proxy = proxies_[i];
    if (proxy.alive() && proxy.link_ != RemoteActor::Link::detached) end(proxy, Reason::noconnection());
  }
  fail_requests(nullptr, "link_down");
}

void RemoteNode::on_send_failed(std::uint32_t token) {
  static_cast<void>(token);
  ++counters_.lost_in_flight;
}

void RemoteNode::on_rejected(const char* message) { scheduler_.port().log("link", "error", message); }

}  // namespace lit::link

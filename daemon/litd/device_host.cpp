// A device: bytes from the serial line into the RemoteNode and back, and the
// link's state changes watched every 100 ms for the log.
#include "litd/device_host.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "litd/actor_types.hpp"
#include "litd/logging.hpp"

namespace lit::daemon {
namespace {

constexpr std::uint64_t kWatchMs = 100;

link::RemoteNodeConfig node_config(const DeviceConfig& config, std::uint64_t host_boot_id) {
  link::RemoteNodeConfig node{};
  node.session.link_timeout = config.link_timeout_ms;
  node.session.heartbeat_interval = config.heartbeat_ms;
  node.boot_id = host_boot_id;
  return node;
}

const char* reset_name(lit_wire_ResetReason reason) {
  switch (reason) {
    case lit_wire_ResetReason_RESET_REASON_UNSPECIFIED: return "unspecified";
    case lit_wire_ResetReason_RESET_REASON_POWER_ON: return "power_on";
    case lit_wire_ResetReason_RESET_REASON_HARD_FAULT: return "hard_fault";
    case lit_wire_ResetReason_RESET_REASON_WATCHDOG: return "watchdog";
    case lit_wire_ResetReason_RESET_REASON_COMMANDED: return "commanded";
  }
  return "unknown";
}

}  // namespace

DeviceHost::DeviceHost(uv_loop_t* loop,
                       Scheduler& scheduler,
                       const DeviceConfig& config,
                       std::uint64_t host_boot_id,
                       const LoopMonitor* names,
                       EventHub* hub)
    : config_(config),
      log_(logger("link")),
      node_(scheduler, link::ByteSink{this, &DeviceHost::write_bytes}, node_config(config, host_boot_id)),
      line_(loop,
            SerialLine::Options{.path = config.port,
                                .baud = config.baud,
                                .reconnect_min_ms = config.reconnect_min_ms,
                                .reconnect_max_ms = config.reconnect_max_ms,
                                .name = config.name},
            SerialLine::Callbacks{.on_bytes = [this](std::span<const std::uint8_t> bytes) { node_.on_bytes(bytes); },
                                  .on_state = nullptr}),
      names_(names),
      hub_(hub) {
  watch_ = new uv_timer_t;
  uv_timer_init(loop, watch_);
  watch_->data = this;
  last_event_.fill(chart::kNone);
  node_.set_observer(this);
}

DeviceHost::~DeviceHost() { stop(); }

void DeviceHost::start() {
  line_.start();
  uv_timer_start(watch_, &DeviceHost::on_watch, kWatchMs, kWatchMs);
}

void DeviceHost::leave(std::string_view reason) {
  node_.leave(reason);
  if (node_.ready()) log_->info("{}: told the board the host is leaving ({})", config_.name, reason);
}

void DeviceHost::goodbye(std::string_view reason) { node_.goodbye(reason); }

void DeviceHost::stop() {
  line_.stop();
  if (watch_ != nullptr) {
    uv_timer_stop(watch_);
    watch_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(watch_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
    watch_ = nullptr;
  }
}

void DeviceHost::release() {
  released_ = true;
  line_.stop();
  log_->info("{}: link released (the line is closed until it is resumed)", config_.name);
}

void DeviceHost::resume() {
  if (!released_) return;
  released_ = false;
  line_.start();
}

int DeviceHost::link_state() const {
  if (released_) return control::LINK_STATE_RELEASED;
  if (node_.state() == link::EndpointState::rejected) return control::LINK_STATE_INCOMPATIBLE;
  if (node_.ready()) return control::LINK_STATE_UP;
  if (line_.state() == SerialLine::State::up) return control::LINK_STATE_CONNECTING;
  return control::LINK_STATE_DOWN;
}

void DeviceHost::describe(control::Device& out) const {
  const link::DeviceInfo& device = node_.device();
  out.set_name(config_.name);
  out.set_port(config_.port);
  out.set_baud(config_.baud);
  out.set_link_state(static_cast<control::LinkState>(link_state()));
  out.set_boot_id(device.boot_id);
  const std::string_view firmware = device.firmware.data();
  const std::size_t space = firmware.rfind(' ');
  out.set_firmware_name(std::string(firmware.substr(0, space)));
  if (space != std::string_view::npos) out.set_firmware_version(std::string(firmware.substr(space + 1)));
  out.set_firmware_hash(device.firmware_hash);
  out.set_last_reset_reason(node_.counters().handshakes > 0 ? reset_name(device.last_reset) : "");
  const link::SessionCounters session = node_.session_counters();
  const link::FrameErrors& frames = node_.frame_errors();
  const SerialLine::Counters& line = line_.counters();
  control::LinkCounters& counters = *out.mutable_counters();
  counters.set_frames_in(frames.frames_ok);
  counters.set_frames_out(session.frames_sent);
  counters.set_retransmissions(session.retransmissions);
  counters.set_crc_errors(std::uint64_t{frames.body_crc} + frames.header_check);
  counters.set_framing_errors(std::uint64_t{frames.cobs} + frames.too_long + frames.too_short + frames.length_mismatch);
  counters.set_link_losses(node_.counters().link_losses);
  counters.set_lost_in_flight(node_.counters().lost_in_flight);
  counters.set_reopens(reopens());
  counters.set_bytes_in(line.bytes_in);
  counters.set_bytes_out(line.bytes_out);
  counters.set_telemetry_dropped(node_.counters().telemetry_gaps);
  // The device's end, from its last snapshot of this boot (a new boot clears the totals).
  const lit_wire_Metrics& totals = node_.device_totals();
  if (totals.timestamp_us != 0) {
    control::DeviceLinkReport& reported = *out.mutable_reported();
    reported.set_frames_in(totals.link_rx_frames);
    reported.set_frames_out(totals.link_tx_frames);
    reported.set_rx_errors(totals.link_rx_errors);
    reported.set_retransmissions(totals.link_retransmissions);
    reported.set_telemetry_dropped(totals.telemetry_dropped);
    reported.set_stack_free(totals.stack_free);
    reported.set_received_unix_ms(totals_unix_ms_);
  }
  out.set_rtt_us(static_cast<std::uint32_t>(session.srtt * 1000));
  out.set_up_since_unix_ms(up_since_unix_ms_);
  for (std::uint32_t i = 0; i < device.actor_count; ++i) out.add_actors(device.actors[i].path);
}

void DeviceHost::on_log(const lit_wire_Log& log) {
  if (hub_ == nullptr) return;
  control::Response item;
  control::LogRecord& record = *item.mutable_log_record();
  record.set_time_unix_us(unix_time_us());
  switch (link::wire_value(log.level)) {
    case lit_wire_LogLevel_LOG_LEVEL_DEBUG: record.set_level(control::LOG_LEVEL_DEBUG); break;
    case lit_wire_LogLevel_LOG_LEVEL_WARNING: record.set_level(control::LOG_LEVEL_WARN); break;
    case lit_wire_LogLevel_LOG_LEVEL_ERROR: record.set_level(control::LOG_LEVEL_ERROR); break;
    default: record.set_level(control::LOG_LEVEL_INFO); break;
  }
  record.set_logger(config_.name);
  record.set_device(config_.name);
  if (log.actor < node_.device().actor_count) record.set_actor(node_.device().actors[log.actor].path);
  record.set_text(std::string(link::text_of(log.text)));
  hub_->publish(std::move(item));
}

chart::StateSet DeviceHost::configuration(std::string_view device_path, const chart::Table** table) const {
  const link::DeviceInfo& device = node_.device();
  for (std::uint32_t i = 0; i < device.actor_count; ++i) {
    if (device_path != std::string_view(device.actors[i].path)) continue;
    if (table != nullptr) *table = device_chart(device.actors[i].chart);
    return configuration_[i];
  }
  return 0;
}

// Records arrive in the order the device sent them, so a snapshot is the
// whole truth as of its sending and the traces after it build on it.
void DeviceHost::on_metrics(const lit_wire_Metrics& metrics) {
  totals_unix_ms_ = unix_time_us() / 1000;
  for (pb_size_t i = 0; i < metrics.actors_count; ++i) {
    const lit_wire_ActorMetrics& entry = metrics.actors[i];
    traced_incarnation_[entry.actor] = entry.incarnation;
    configuration_[entry.actor] = entry.configuration;
    reported_unix_ms_[entry.actor] = totals_unix_ms_;
  }
}

bool DeviceHost::report(std::string_view device_path, control::DeviceActorReport& out) const {
  const link::DeviceInfo& device = node_.device();
  for (std::uint32_t i = 0; i < device.actor_count; ++i) {
    if (device_path != std::string_view(device.actors[i].path)) continue;
    const lit_wire_ActorMetrics* reported = node_.device_metrics(i);
    if (reported == nullptr) return false;
    out.set_messages_from_host(reported->messages_from_host);
    out.set_messages_handled(reported->messages_handled);
    out.set_mailbox_depth(reported->mailbox_depth);
    out.set_mailbox_high_water(reported->mailbox_high_water);
    out.set_mailbox_drops(reported->mailbox_drops);
    out.set_restarts(reported->restarts);
    out.set_incarnation(reported->incarnation);
    out.set_received_unix_ms(reported_unix_ms_[i]);
    return true;
  }
  return false;
}

void DeviceHost::on_trace(const lit_wire_Trace& trace) {
  if (trace.actor >= node_.device().actor_count) return;
  const lit_wire_ActorInfo& info = node_.device().actors[trace.actor];
  const chart::Table* table = device_chart(info.chart);
  const std::int32_t kind = link::wire_value(trace.kind);
  // The configuration follows the enter and exit records; a new incarnation starts empty.
  if (traced_incarnation_[trace.actor] != trace.incarnation) {
    traced_incarnation_[trace.actor] = trace.incarnation;
    configuration_[trace.actor] = 0;
  }
  if (kind == lit_wire_TraceKind_TRACE_KIND_ENTER && trace.to_state < 64) {
    configuration_[trace.actor] |= chart::bit(static_cast<chart::StateIndex>(trace.to_state));
  } else if (kind == lit_wire_TraceKind_TRACE_KIND_EXIT && trace.from_state < 64) {
    configuration_[trace.actor] &= ~chart::bit(static_cast<chart::StateIndex>(trace.from_state));
  }
  if (hub_ == nullptr) return;
  if (kind == lit_wire_TraceKind_TRACE_KIND_EVENT) {
    last_event_[trace.actor] = static_cast<chart::EventId>(trace.event_id);
    return;
  }
  if (kind != lit_wire_TraceKind_TRACE_KIND_TRANSITION) return;
  control::Response item;
  control::TraceEvent& event = *item.mutable_trace_event();
  event.set_time_unix_us(unix_time_us());
  // The host's name for it: the configured path of its proxy, else the device's path.
  event.set_path(info.path);
  for (const link::RemoteActor& proxy : node_.proxies()) {
    if (proxy.path() != std::string_view(info.path) || names_ == nullptr) continue;
    if (const LoopMonitor::ActorStats* stats = names_->find(proxy)) event.set_path(stats->path);
  }
  event.mutable_location()->set_device(config_.name);
  event.set_kind(control::TRACE_KIND_TRANSITION);
  event.set_incarnation(trace.incarnation);
  const auto state_name = [&](std::uint32_t state) {
    return table != nullptr && state < table->state_count ? std::string(table->states[state].name)
                                                          : "state " + std::to_string(state);
  };
  const chart::EventId last = last_event_[trace.actor];
  if (last != chart::kNone) {
    event.set_event(table != nullptr && last < table->event_count ? std::string(table->events[last].name)
                                                                  : "event " + std::to_string(last));
  }
  if (trace.from_state != 255) event.add_from(state_name(trace.from_state));
  event.add_to(state_name(trace.to_state));
  hub_->publish(std::move(item));
}

void DeviceHost::write_bytes(void* context, std::span<const std::uint8_t> bytes) {
  // A refused write (line down or its queue full) is counted by the line;
  // the session resends what the device does not acknowledge.
  static_cast<DeviceHost*>(context)->line_.write(bytes);
}

void DeviceHost::on_watch(uv_timer_t* timer) {
  if (timer->data != nullptr) static_cast<DeviceHost*>(timer->data)->watch_link();
}

DeviceSample DeviceHost::sample() {
  const link::SessionCounters session = node_.session_counters();
  const link::FrameErrors& frames = node_.frame_errors();
  const SerialLine::Counters& line = line_.counters();
  if (session.rtt_samples != rtt_samples_seen_) {
    rtt_samples_seen_ = session.rtt_samples;
    rtt_.observe(static_cast<double>(session.srtt) / 1000.0);
  }
  DeviceSample sample{.name = config_.name,
                      .link_up = node_.ready(),
                      .frames_received = frames.frames_ok,
                      .frames_sent = session.frames_sent,
                      .bytes_received = line.bytes_in,
                      .bytes_sent = line.bytes_out,
                      .retransmits = session.retransmissions,
                      .reconnects = reopens(),
                      .rtt = rtt_};
  const auto count = [&](FrameErrorKind kind, std::uint64_t value) {
    sample.errors[static_cast<std::size_t>(kind)] = value;
  };
  count(FrameErrorKind::crc, frames.body_crc);
  count(FrameErrorKind::framing, std::uint64_t{frames.cobs} + frames.too_long + frames.too_short);
  count(FrameErrorKind::header, frames.header_check);
  count(FrameErrorKind::length, frames.length_mismatch);
  count(FrameErrorKind::version, frames.unknown_version);
  count(FrameErrorKind::decode, node_.endpoint_counters().decode_errors);
  if (node_.counters().handshakes > 0) {
    sample.identity = DeviceIdentity{.boot_id = node_.device().boot_id, .firmware = node_.device().firmware.data()};
  }
  return sample;
}

void DeviceHost::watch_link() {
  const link::RemoteNodeCounters& counters = node_.counters();
  if (counters.handshakes != handshakes_seen_) {
    handshakes_seen_ = counters.handshakes;
    rejection_logged_ = false;
    up_since_unix_ms_ = unix_time_us() / 1000;
    last_event_.fill(chart::kNone);
    configuration_.fill(0);
    traced_incarnation_.fill(0);
    const link::DeviceInfo& device = node_.device();
    log_->info("{}: link up: {} (build {:016x}), boot id {:016x}, {} actors, last reset: {}{}",
               config_.name,
               device.firmware.data(),
               device.firmware_hash,
               device.boot_id,
               device.actor_count,
               reset_name(device.last_reset),
               counters.reboots > 0 && counters.handshakes > 1 ? " (the device rebooted)" : "");
    if (!config_.firmware.empty() && !std::string_view(device.firmware.data()).starts_with(config_.firmware)) {
      log_->warn("{}: runs firmware '{}', but the config expects '{}'",
                 config_.name,
                 device.firmware.data(),
                 config_.firmware);
    }
  }
  if (counters.link_losses != losses_seen_) {
    losses_seen_ = counters.link_losses;
    log_->warn("{}: link down: no frame for {} ms{}",
               config_.name,
               config_.link_timeout_ms,
               line_.state() == SerialLine::State::up ? "" : " (the serial line is down)");
  }
  if (node_.state() == link::EndpointState::rejected && !rejection_logged_) {
    rejection_logged_ = true;
    log_->error("{}: handshake refused: {}", config_.name, node_.error());
  }
}

}  // namespace lit::daemon

// A device: bytes from the serial line into the RemoteNode and back, and the
// link's state changes watched every 100 ms for the log.
#include "litd/device_host.hpp"

#include <spdlog/spdlog.h>

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
    case lit_wire_ResetReason_RESET_REASON_POWER_ON: return "power-on";
    case lit_wire_ResetReason_RESET_REASON_HARD_FAULT: return "hard fault";
    case lit_wire_ResetReason_RESET_REASON_WATCHDOG: return "watchdog";
    case lit_wire_ResetReason_RESET_REASON_COMMANDED: return "commanded";
  }
  return "unknown";
}

}  // namespace

DeviceHost::DeviceHost(uv_loop_t* loop, Scheduler& scheduler, const DeviceConfig& config, std::uint64_t host_boot_id)
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
                                  .on_state = nullptr}) {
  watch_ = new uv_timer_t;
  uv_timer_init(loop, watch_);
  watch_->data = this;
}

DeviceHost::~DeviceHost() { stop(); }

void DeviceHost::start() {
  line_.start();
  uv_timer_start(watch_, &DeviceHost::on_watch, kWatchMs, kWatchMs);
}

void DeviceHost::goodbye(std::string_view reason) {
  if (!node_.closed()) node_.goodbye(reason);
}

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
                      .reconnects = node_.counters().handshakes > 0 ? node_.counters().handshakes - 1U : 0U,
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

// Text views of litd's replies (views.hpp). Pure; any thread.
#include "litctl/views.hpp"

#include <cstdio>
#include <vector>

#include "litctl/output.hpp"

namespace lit::litctl {

namespace {

std::string state_and_configuration(const control::Node& node) {
  std::string text(run_state_name(node.state()));
  if (node.configuration_size() > 0) text += " [" + join(node.configuration(), " ") + "]";
  return text;
}

void draw_node(const control::Node& node, const std::string& prefix, bool last, bool root, std::string& out) {
  std::string line = root ? "" : prefix + (last ? "└── " : "├── ");
  line += root ? node.path() : node.name();
  line += "  " + node.strategy_or_type() + "  " + state_and_configuration(node);
  line += "  restarts " + std::to_string(node.restarts());
  if (node.kind() != control::NODE_KIND_SUPERVISOR) line += "  incarnation " + std::to_string(node.incarnation());
  line += "  " + location_text(node.location());
  if (node.has_more_children()) line += "  …";
  out += line + "\n";
  const std::string child_prefix = root ? "" : prefix + (last ? "    " : "│   ");
  for (int index = 0; index < node.children_size(); ++index) {
    draw_node(node.children(index), child_prefix, index + 1 == node.children_size(), false, out);
  }
}

}  // namespace

std::string status_text(const control::StatusReply& status, const std::string& socket_path) {
  std::string out = "litd " + status.version() + " running, pid " + std::to_string(status.pid()) + ", up " +
                    human_duration_ms(status.uptime_ms()) + "\n";
  out += "  socket:  " + socket_path + "\n";
  out += "  config:  " + (status.config_file().empty() ? std::string("-") : status.config_file()) + "\n";
  out += "  loops:   " + std::to_string(status.worker_loops()) + "\n";
  out += "trees (" + std::to_string(status.trees_size()) + "):\n";
  std::vector<std::vector<std::string>> trees;
  for (const auto& tree : status.trees()) {
    trees.push_back({"  " + tree.path(),
                     std::string(run_state_name(tree.state())),
                     std::to_string(tree.actors()) + " actors",
                     "loop " + std::to_string(tree.loop())});
  }
  out += format_table(trees);
  out += "devices (" + std::to_string(status.devices_size()) + "):\n";
  std::vector<std::vector<std::string>> devices;
  for (const auto& device : status.devices()) {
    devices.push_back({"  " + device.name(),
                       "link " + std::string(link_state_name(device.link_state())),
                       "boot " + hex64(device.boot_id()),
                       "rtt " + human_rtt(device.rtt_us())});
  }
  out += format_table(devices);
  return out;
}

std::string tree_text(const control::TreeReply& tree) {
  std::string out;
  for (const auto& root : tree.roots()) draw_node(root, "", true, true, out);
  if (out.empty()) out = "(no trees)\n";
  return out;
}

std::string ls_text(const std::vector<control::Node>& nodes) {
  std::vector<std::vector<std::string>> rows{
      {"PATH", "KIND", "TYPE", "STATE", "CONFIGURATION", "RESTARTS", "INCARNATION", "WHERE"}};
  for (const control::Node& node : nodes) {
    rows.push_back({node.path(),
                    std::string(node_kind_name(node.kind())),
                    node.strategy_or_type(),
                    std::string(run_state_name(node.state())),
                    join(node.configuration(), " "),
                    std::to_string(node.restarts()),
                    std::to_string(node.incarnation()),
                    location_text(node.location())});
  }
  return format_table(rows);
}

std::string inspect_text(const control::InspectReply& inspect) {
  const control::Node& node = inspect.node();
  std::string out = node.path() + "\n";
  std::vector<std::vector<std::string>> rows;
  const auto row = [&](std::string key, std::string value) {
    rows.push_back({"  " + std::move(key), std::move(value)});
  };
  row("kind:", std::string(node_kind_name(node.kind())));
  row(node.kind() == control::NODE_KIND_SUPERVISOR ? "strategy:" : "type:", node.strategy_or_type());
  row("state:", std::string(run_state_name(node.state())));
  row("configuration:", join(node.configuration(), " "));
  row("incarnation:", std::to_string(node.incarnation()));
  row("started:", human_time_ms(inspect.started_unix_ms()));
  row("where:", location_text(node.location()));
  row("parent:", inspect.parent().empty() ? "-" : inspect.parent());
  row("restart:", node.restart_type().empty() ? "-" : node.restart_type());
  if (inspect.has_declared_at()) {
    const auto& at = inspect.declared_at();
    row("declared at:", at.file() + ":" + std::to_string(at.line()) + ":" + std::to_string(at.column()));
  }
  if (!inspect.chart().empty()) row("chart:", inspect.chart() + " (" + hex64(inspect.chart_hash()) + ")");
  const auto& mailbox = inspect.mailbox();
  row("mailbox:",
      std::to_string(mailbox.depth()) + "/" + std::to_string(mailbox.capacity()) + " (high water " +
          std::to_string(mailbox.high_water()) + ", overflow " +
          (mailbox.overflow().empty() ? std::string("-") : mailbox.overflow()) + ")");
  const auto& counters = inspect.counters();
  row("messages:",
      "received " + std::to_string(counters.messages_received()) + ", processed " +
          std::to_string(counters.messages_processed()) + ", discarded " +
          std::to_string(counters.messages_discarded()) + ", dropped " + std::to_string(counters.messages_dropped()) +
          ", deferred " + std::to_string(counters.events_deferred()));
  row("transitions:", std::to_string(counters.transitions()));
  row("failures:", std::to_string(counters.failures()) + ", restarts " + std::to_string(counters.restarts()));
  if (inspect.has_last_failure()) {
    const auto& failure = inspect.last_failure();
    std::string text = failure.reason();
    if (!failure.detail().empty()) text += ": " + failure.detail();
    text += " at " + human_time_ms(failure.time_unix_ms()) + " (incarnation " + std::to_string(failure.incarnation());
    if (!failure.state().empty()) text += ", in " + failure.state();
    if (!failure.event().empty()) text += ", on " + failure.event();
    row("last failure:", text + ")");
  } else {
    row("last failure:", "none");
  }
  row("watchers:", join(inspect.watchers()));
  if (inspect.has_device()) {
    // The device's own count: what reached it over the link and what its chart took.
    const auto& device = inspect.device();
    row("on the device:",
        "from host " + std::to_string(device.messages_from_host()) + ", handled " +
            std::to_string(device.messages_handled()) + ", mailbox " + std::to_string(device.mailbox_depth()) +
            " (high water " + std::to_string(device.mailbox_high_water()) + ", drops " +
            std::to_string(device.mailbox_drops()) + "), restarts " + std::to_string(device.restarts()) +
            ", incarnation " + std::to_string(device.incarnation()) + " (as of " +
            human_time_ms(device.received_unix_ms()) + ")");
  }
  return out + format_table(rows);
}

std::string devices_text(const control::DevicesReply& devices) {
  if (devices.devices_size() == 0) return "(no devices)\n";
  std::string out;
  for (const auto& device : devices.devices()) {
    out += device.name() + "  " + device.port() + " @ " + std::to_string(device.baud()) + "  link " +
           std::string(link_state_name(device.link_state())) + "\n";
    std::vector<std::vector<std::string>> rows;
    const auto row = [&](std::string key, std::string value) {
      rows.push_back({"  " + std::move(key), std::move(value)});
    };
    row("boot id:", hex64(device.boot_id()));
    row("firmware:",
        (device.firmware_name().empty() ? std::string("-") : device.firmware_name()) + " " + device.firmware_version() +
            " (" + hex64(device.firmware_hash()) + ")");
    row("last reset:", device.last_reset_reason().empty() ? "-" : device.last_reset_reason());
    if (!device.last_fault().empty()) row("last fault:", device.last_fault());
    row("up since:", human_time_ms(device.up_since_unix_ms()));
    row("rtt:", human_rtt(device.rtt_us()));
    const auto& counters = device.counters();
    row("frames:",
        "in " + std::to_string(counters.frames_in()) + ", out " + std::to_string(counters.frames_out()) +
            ", retransmitted " + std::to_string(counters.retransmissions()));
    row("bytes:",
        "in " + std::to_string(counters.bytes_in()) + ", out " + std::to_string(counters.bytes_out()) +
            ", port reopened " + std::to_string(counters.reopens()));
    row("errors:",
        "crc " + std::to_string(counters.crc_errors()) + ", framing " + std::to_string(counters.framing_errors()) +
            ", link losses " + std::to_string(counters.link_losses()) + " (lost in flight " +
            std::to_string(counters.lost_in_flight()) + "), telemetry dropped " +
            std::to_string(counters.telemetry_dropped()));
    if (device.has_reported()) {
      const auto& reported = device.reported();
      row("device's end:",
          "frames in " + std::to_string(reported.frames_in()) + ", out " + std::to_string(reported.frames_out()) +
              ", retransmitted " + std::to_string(reported.retransmissions()) + ", rx errors " +
              std::to_string(reported.rx_errors()) + ", telemetry dropped " +
              std::to_string(reported.telemetry_dropped()) + ", free stack " + std::to_string(reported.stack_free()) +
              " B (as of " + human_time_ms(reported.received_unix_ms()) + ")");
    }
    row("actors:", join(device.actors()));
    out += format_table(rows);
  }
  return out;
}

std::string trace_line(const control::TraceEvent& event) {
  std::string line = time_of_day_us(event.time_unix_us()) + "  " + location_text(event.location()) + "  " +
                     event.path() + "  " + std::string(trace_kind_name(event.kind()));
  switch (event.kind()) {
    case control::TRACE_KIND_TRANSITION:
      // An empty `to`: the macrostep left the configuration as it was (a targetless transition).
      line += "  " + join(event.from(), " ") + (event.to_size() > 0 ? " -> " + join(event.to(), " ") : " (stays)");
      if (!event.event().empty()) line += "  on " + event.event();
      break;
    case control::TRACE_KIND_FAILURE:
    case control::TRACE_KIND_DOWN:
      line += "  " + event.failure().reason();
      if (!event.failure().detail().empty()) line += ": " + event.failure().detail();
      break;
    case control::TRACE_KIND_LINK: line += "  " + std::string(link_state_name(event.link_state())); break;
    default: break;
  }
  if (event.incarnation() != 0) line += "  (incarnation " + std::to_string(event.incarnation()) + ")";
  return line + "\n";
}

std::string log_line(const control::LogRecord& record) {
  std::string source = record.device().empty() ? "litd" : record.device();
  if (!record.logger().empty() && record.logger() != record.device()) source += "/" + record.logger();
  std::string line =
      time_of_day_us(record.time_unix_us()) + " " + std::string(log_level_name(record.level())) + " [" + source + "]";
  if (!record.actor().empty()) line += " " + record.actor() + ":";
  return line + " " + record.text() + "\n";
}

std::string top_text(const control::TopSnapshot& snapshot, const std::string& socket_path) {
  std::string out =
      "litctl top — " + socket_path + " — " + human_time_ms(snapshot.time_unix_ms()) + "   (Ctrl-C to quit)\n\n";
  std::vector<std::vector<std::string>> actors{{"ACTOR", "MSG/S", "MAILBOX", "DROPS", "RESTARTS"}};
  for (const auto& actor : snapshot.actors()) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f", actor.messages_per_second());
    actors.push_back({actor.path(),
                      rate,
                      std::to_string(actor.mailbox_depth()) + "/" + std::to_string(actor.mailbox_capacity()),
                      std::to_string(actor.dropped()),
                      std::to_string(actor.restarts())});
  }
  out += format_table(actors);
  out += "\n";
  std::vector<std::vector<std::string>> devices{{"DEVICE", "LINK", "RTT", "ERRORS", "RETRANSMISSIONS"}};
  for (const auto& device : snapshot.devices()) {
    devices.push_back({device.name(),
                       std::string(link_state_name(device.link_state())),
                       human_rtt(device.rtt_us()),
                       std::to_string(device.errors()),
                       std::to_string(device.retransmissions())});
  }
  if (snapshot.devices_size() == 0) devices.push_back({"(no devices)"});
  return out + format_table(devices);
}

}  // namespace lit::litctl

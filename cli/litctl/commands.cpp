// litctl's commands (commands.hpp): one request (or stream) to litd each,
// printed as text or JSON; `flash` also drives OpenOCD. Blocking, one
// thread; never throws.
#include "litctl/commands.hpp"

#include <filesystem>
#include <ostream>
#include <utility>

#include "control/protocol.hpp"
#include "litctl/chart_view.hpp"
#include "litctl/daemon_session.hpp"
#include "litctl/elf_build_id.hpp"
#include "litctl/exit_codes.hpp"
#include "litctl/flash.hpp"
#include "litctl/views.hpp"

namespace lit::litctl {

namespace {

int report(Context& context, const Failure& failure) {
  context.err << "litctl: error: " << failure.message << "\n";
  return failure.exit_code;
}

// Connects, sends one request and hands the reply to `print`.
template <typename Print>
int unary(Context& context, control::Request request, std::chrono::milliseconds timeout, Print print) {
  auto session = DaemonSession::open(context.socket_path, context.timeout);
  if (!session.ok()) return report(context, session.failure());
  auto response = session->call(std::move(request), timeout);
  if (!response.ok()) return report(context, response.failure());
  print(*response);
  context.out.flush();
  return kExitOk;
}

// A stream until `on_item` says stop, the daemon ends it, or a signal: the
// way an operator ends `trace`, `logs -f` and `top`, so that is success.
int streamed(Context& context, control::Request request, const std::function<bool(const control::Response&)>& on_item) {
  auto session = DaemonSession::open(context.socket_path, context.timeout);
  if (!session.ok()) return report(context, session.failure());
  const auto failure = session->stream(std::move(request), [&](const control::Response& item) {
    if (item.dropped() > 0) {
      context.err << "litctl: " << item.dropped() << " items were dropped by litd (this terminal read too slowly)\n";
    }
    const bool more = on_item(item);
    context.out.flush();
    return more && !context.interrupted();
  });
  if (failure && failure->exit_code == kExitInterrupted) return kExitOk;
  if (failure) return report(context, *failure);
  return kExitOk;
}

}  // namespace

int run_status(Context& context) {
  const bool json = context.format == Format::json;
  const auto unknown_or_down = [&](const Failure& failure, int exit_code) {
    const char* state = exit_code == kExitNotRunning ? "not_running" : "unknown";
    if (json) {
      context.out << "{\"state\":\"" << state << "\",\"socket\":" << json_string(context.socket_path)
                  << ",\"error\":" << json_string(failure.message) << "}\n";
    }
    context.err << "litctl: " << failure.message << "\n";
    return exit_code;
  };
  auto session = DaemonSession::open(context.socket_path, context.timeout);
  if (!session.ok()) {
    const bool down = session.failure().not_running;
    return unknown_or_down(session.failure(), down ? kExitNotRunning : kExitStatusUnknown);
  }
  control::Request request;
  request.mutable_status();
  auto response = session->call(std::move(request), context.timeout);
  if (!response.ok()) return unknown_or_down(response.failure(), kExitStatusUnknown);
  if (json) {
    context.out << "{\"state\":\"running\",\"socket\":" << json_string(context.socket_path)
                << ",\"daemon\":" << to_json(response->status_reply()) << "}\n";
  } else {
    context.out << status_text(response->status_reply(), context.socket_path);
  }
  return kExitOk;
}

int run_tree(Context& context, const std::string& path) {
  control::Request request;
  request.mutable_tree()->set_path(path.empty() ? std::string() : canonical_path(path));
  request.mutable_tree()->set_depth(0);
  return unary(context, std::move(request), context.timeout, [&](const control::Response& response) {
    context.out << (context.format == Format::json ? to_json(response.tree()) + "\n" : tree_text(response.tree()));
  });
}

int run_ls(Context& context, const std::string& path) {
  control::Request request;
  request.mutable_tree()->set_path(path.empty() ? std::string() : canonical_path(path));
  request.mutable_tree()->set_depth(path.empty() ? 0 : 1);
  return unary(context, std::move(request), context.timeout, [&](const control::Response& response) {
    // Without PATH: every root; with one: the node's children, or the node
    // itself when it has none (an actor).
    std::vector<control::Node> nodes;
    for (const control::Node& root : response.tree().roots()) {
      if (path.empty() || root.children_size() == 0) {
        nodes.push_back(root);
      } else {
        nodes.insert(nodes.end(), root.children().begin(), root.children().end());
      }
    }
    for (control::Node& node : nodes) {
      node.set_has_more_children(node.has_more_children() || node.children_size() > 0);
      node.clear_children();
    }
    if (context.format == Format::json) {
      context.out << "{\"actors\":[";
      for (std::size_t index = 0; index < nodes.size(); ++index) {
        context.out << (index > 0 ? "," : "") << to_json(nodes[index]);
      }
      context.out << "]}\n";
    } else {
      context.out << ls_text(nodes);
    }
  });
}

int run_inspect(Context& context, const std::string& path) {
  control::Request request;
  request.mutable_inspect()->set_path(canonical_path(path));
  return unary(context, std::move(request), context.timeout, [&](const control::Response& response) {
    context.out << (context.format == Format::json ? to_json(response.inspect()) + "\n"
                                                   : inspect_text(response.inspect()));
  });
}

int run_supervision(Context& context, const std::string& path, control::SupervisionAction action, bool wait) {
  control::Request request;
  auto* supervision = request.mutable_supervision();
  supervision->set_path(canonical_path(path));
  supervision->set_action(action);
  supervision->set_wait(wait);
  supervision->set_timeout_ms(static_cast<std::uint32_t>(context.timeout.count()));
  // litd answers a wait that times out itself; give it a little longer than that.
  return unary(
      context, std::move(request), context.timeout + std::chrono::seconds(5), [&](const control::Response& response) {
        const control::SupervisionReply& reply = response.supervision();
        if (context.format == Format::json) {
          context.out << to_json(reply) << "\n";
          return;
        }
        const char* verb = action == control::SUPERVISION_ACTION_RESTART ? "restarted"
                           : action == control::SUPERVISION_ACTION_STOP  ? "stopped"
                                                                         : "started";
        if (!reply.completed()) {
          context.out << reply.path() << ": "
                      << (action == control::SUPERVISION_ACTION_RESTART ? "restart"
                          : action == control::SUPERVISION_ACTION_STOP  ? "stop"
                                                                        : "start")
                      << " ordered (not waiting)\n";
          return;
        }
        context.out << verb << " " << reply.path();
        if (action != control::SUPERVISION_ACTION_STOP) {
          context.out << ": incarnation " << reply.incarnation();
        }
        context.out << " in " << reply.elapsed_ms() << " ms";
        if (reply.affected_size() > 1) context.out << " (affected: " << join(reply.affected()) << ")";
        context.out << "\n";
      });
}

int run_send(Context& context,
             const std::string& path,
             const std::string& event,
             const std::optional<std::string>& data) {
  control::Request request;
  auto* send = request.mutable_send();
  send->set_path(canonical_path(path));
  send->set_event(event);
  if (data) {
    if (auto problem = control::json_to_struct(*data, *send->mutable_data())) {
      return report(context, Failure{kExitInvalidArgument, "--data: " + *problem});
    }
  }
  return unary(context, std::move(request), context.timeout, [&](const control::Response& response) {
    if (context.format == Format::json) {
      context.out << to_json(response.send()) << "\n";
    } else {
      context.out << "sent " << event << " to " << canonical_path(path) << " (incarnation "
                  << response.send().incarnation() << ", mailbox depth " << response.send().mailbox_depth() << ")\n";
    }
  });
}

int run_trace(Context& context, const std::vector<std::string>& paths, bool failures_only, std::uint64_t count) {
  control::Request request;
  for (const std::string& path : paths) request.mutable_trace()->add_paths(canonical_path(path));
  request.mutable_trace()->set_failures_only(failures_only);
  std::uint64_t seen = 0;
  return streamed(context, std::move(request), [&](const control::Response& item) {
    if (!item.has_trace_event()) return true;
    context.out << (context.format == Format::json ? to_json(item.trace_event()) + "\n"
                                                   : trace_line(item.trace_event()));
    return count == 0 || ++seen < count;
  });
}

int run_logs(Context& context, const std::string& device, bool follow, std::uint32_t backlog, control::LogLevel level) {
  control::Request request;
  auto* logs = request.mutable_logs();
  logs->set_device(device);
  logs->set_follow(follow);
  logs->set_backlog(backlog);
  logs->set_min_level(level);
  return streamed(context, std::move(request), [&](const control::Response& item) {
    if (!item.has_log_record()) return true;
    context.out << (context.format == Format::json ? to_json(item.log_record()) + "\n" : log_line(item.log_record()));
    return true;
  });
}

int run_devices(Context& context, const std::string& name) {
  control::Request request;
  request.mutable_devices()->set_name(name);
  return unary(context, std::move(request), context.timeout, [&](const control::Response& response) {
    context.out << (context.format == Format::json ? to_json(response.devices()) + "\n"
                                                   : devices_text(response.devices()));
  });
}

int run_top(Context& context, std::uint32_t interval_ms, std::uint32_t limit, std::uint64_t count, bool screen) {
  control::Request request;
  request.mutable_top()->set_interval_ms(interval_ms);
  request.mutable_top()->set_limit(limit);
  std::uint64_t seen = 0;
  return streamed(context, std::move(request), [&](const control::Response& item) {
    if (!item.has_top()) return true;
    if (context.format == Format::json) {
      context.out << to_json(item.top()) << "\n";
    } else {
      // Home and clear, then the whole screen: one write per refresh, no flicker of a half-drawn table.
      context.out << (screen ? "\x1b[H\x1b[2J" : "") << top_text(item.top(), context.socket_path)
                  << (screen ? "" : "\n");
    }
    return count == 0 || ++seen < count;
  });
}

int run_chart(Context& context, const std::string& path) {
  control::Request request;
  request.mutable_chart()->set_path(canonical_path(path));
  std::optional<Failure> failure;
  const int code = unary(context, std::move(request), context.timeout, [&](const control::Response& response) {
    if (context.format == Format::json) {
      context.out << to_json(response.chart()) << "\n";
      return;
    }
    std::string error;
    const auto diagram = render_chart(
        response.chart(), context.format == Format::mermaid ? ChartFormat::mermaid : ChartFormat::dot, error);
    if (!diagram) {
      failure = Failure{kExitFailure, error};
      return;
    }
    context.out << *diagram;
  });
  if (failure) return report(context, *failure);
  return code;
}

int run_flash(Context& context, const FlashOptions& options) {
  const BoardPreset* board = find_board(options.board);
  if (board == nullptr) {
    std::string known;
    for (const BoardPreset& preset : board_presets()) known += (known.empty() ? "" : ", ") + std::string(preset.name);
    return report(context,
                  Failure{kExitInvalidArgument, "unknown board '" + options.board + "' (known: " + known + ")"});
  }
  std::error_code error;
  if (!std::filesystem::is_regular_file(options.firmware, error)) {
    return report(context, Failure{kExitInvalidArgument, "no firmware file at " + options.firmware});
  }
  const std::string firmware = std::filesystem::absolute(options.firmware, error).string();
  // What the board should report after its handshake; nullopt for a file
  // linked without a build id, which cannot be checked.
  const std::optional<std::uint64_t> build_id = elf_build_id_prefix(firmware);
  const std::vector<std::string> command = openocd_command(options.openocd, *board, firmware);
  const bool json = context.format == Format::json;
  const auto json_command = [&] {
    std::string text = "[";
    for (std::size_t index = 0; index < command.size(); ++index)
      text += (index > 0 ? "," : "") + json_string(command[index]);
    return text + "]";
  };
  if (options.dry_run) {
    if (json) {
      context.out << "{\"board\":" << json_string(board->name) << ",\"firmware\":" << json_string(firmware)
                  << ",\"command\":" << json_command() << "}\n";
    } else {
      context.out << shell_line(command) << "\n";
    }
    return kExitOk;
  }

  // Take the device's link down cleanly first, so litd neither counts the
  // reflash as a crash nor fights OpenOCD for the board.
  std::optional<DaemonSession> session;
  if (!options.device.empty()) {
    auto opened = DaemonSession::open(context.socket_path, context.timeout);
    if (!opened.ok()) return report(context, opened.failure());
    session.emplace(std::move(*opened));
    control::Request release;
    release.mutable_device_link()->set_device(options.device);
    release.mutable_device_link()->set_action(control::DEVICE_LINK_ACTION_RELEASE);
    auto released = session->call(std::move(release), context.timeout);
    if (!released.ok()) return report(context, released.failure());
    context.err << "litctl: flash: released " << options.device << "'s link (litd holds it closed)\n";
  }

  context.err << "litctl: flash: " << shell_line(command) << "\n";
  const auto started = std::chrono::steady_clock::now();
  const Transcript transcript = run_openocd(
      command,
      options.openocd_timeout,
      [&](const std::string& line) {
        if (line.rfind("** ", 0) == 0) {
          const auto elapsed =
              std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
          context.err << "litctl: flash: [" << human_duration_ms(static_cast<std::uint64_t>(elapsed.count())) << "] "
                      << line << "\n";
        }
      },
      context.interrupted);
  FlashOutcome outcome = classify(transcript);
  const bool interrupted = context.interrupted();
  if (outcome != FlashOutcome::ok) {
    context.err << "litctl: error: " << outcome_message(outcome, transcript, board->name) << "\n";
    if (!transcript.lines.empty() && outcome != FlashOutcome::no_probe) {
      context.err << "litctl: OpenOCD's last lines:\n";
      const std::size_t first = transcript.lines.size() > 8 ? transcript.lines.size() - 8 : 0;
      for (std::size_t index = first; index < transcript.lines.size(); ++index) {
        context.err << "  " << transcript.lines[index] << "\n";
      }
    }
  }

  // Hand the link back whatever happened: a failed flash leaves the old
  // firmware (or none) running, and litd should see which.
  std::optional<control::Device> device;
  int exit_code = interrupted ? kExitInterrupted : outcome_exit_code(outcome);
  std::string resume_error;
  if (session) {
    control::Request resume;
    resume.mutable_device_link()->set_device(options.device);
    resume.mutable_device_link()->set_action(control::DEVICE_LINK_ACTION_RESUME);
    resume.mutable_device_link()->set_timeout_ms(static_cast<std::uint32_t>(options.handshake_timeout.count()));
    context.err << "litctl: flash: waiting for " << options.device << "'s handshake\n";
    auto resumed = session->call(std::move(resume), options.handshake_timeout + std::chrono::seconds(5));
    if (resumed.ok()) {
      device = resumed->device_link().device();
      if (outcome == FlashOutcome::ok && build_id && device->firmware_hash() != *build_id) {
        context.err << "litctl: error: " << options.device << " came back running build "
                    << hex64(device->firmware_hash()) << ", but " << firmware << " is build " << hex64(*build_id)
                    << ": the board did not boot the new image (is --device the board that was flashed?)\n";
        if (exit_code == kExitOk) exit_code = kExitWrongFirmware;
      }
    } else {
      resume_error = resumed.failure().message;
      context.err << "litctl: error: " << options.device << " did not come back: " << resume_error << "\n";
      if (exit_code == kExitOk) exit_code = kExitNoHandshake;
    }
  }

  if (json) {
    context.out << "{\"board\":" << json_string(board->name) << ",\"firmware\":" << json_string(firmware)
                << ",\"command\":" << json_command() << ",\"outcome\":" << json_string(outcome_name(outcome))
                << ",\"message\":" << json_string(outcome_message(outcome, transcript, board->name))
                << ",\"markers\":[";
    for (std::size_t index = 0; index < transcript.markers.size(); ++index) {
      context.out << (index > 0 ? "," : "") << json_string(transcript.markers[index]);
    }
    context.out << "],\"openocd_exit_status\":" << transcript.exit_status
                << ",\"device\":" << (device ? to_json(*device) : std::string("null"))
                << ",\"resume_error\":" << (resume_error.empty() ? std::string("null") : json_string(resume_error))
                << ",\"firmware_build_id\":"
                << (build_id ? json_string(std::to_string(*build_id)) : std::string("null"))
                << ",\"exit_code\":" << exit_code << "}\n";
  } else if (outcome == FlashOutcome::ok) {
    context.out << "flashed " << firmware << " to the " << board->name << " and verified it\n";
    if (device && exit_code == kExitOk) {
      context.out << device->name() << " is back: boot id " << hex64(device->boot_id()) << ", firmware "
                  << device->firmware_name() << " " << device->firmware_version() << " ("
                  << hex64(device->firmware_hash()) << ")\n";
    }
  }
  return exit_code;
}

}  // namespace lit::litctl

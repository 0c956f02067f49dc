// `litctl flash`'s OpenOCD side: board presets, the exact command line
// (`program FILE verify reset exit`), running OpenOCD with a deadline while
// its output is read line by line, and reading the outcome from its `**`
// markers and `Error:` lines. Blocking (it waits for OpenOCD); the daemon's
// part of flashing is commands.cpp's. Never throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lit::litctl {

struct BoardPreset {
  std::string_view name;     // "stm32f4discovery"
  std::string_view config;   // OpenOCD's board script, "board/stm32f4discovery.cfg"
  std::string_view summary;  // for --help
};

std::span<const BoardPreset> board_presets();
// The preset named `name`, or null.
const BoardPreset* find_board(std::string_view name);

// openocd -f BOARD_CONFIG -c "program FIRMWARE verify reset exit". FIRMWARE
// is braced when it holds characters Tcl would read otherwise.
std::vector<std::string> openocd_command(const std::string& openocd,
                                         const BoardPreset& board,
                                         const std::string& firmware);
// The command as one shell line, each argument quoted where needed.
std::string shell_line(const std::vector<std::string>& argv);

// What OpenOCD said and how it ended.
struct Transcript {
  std::vector<std::string> lines;    // everything it printed, stdout and stderr interleaved
  std::vector<std::string> markers;  // "Programming Started", "Verified OK", ... in order
  std::vector<std::string> errors;   // its "Error: ..." lines, without the prefix
  int exit_status = -1;              // -1 when it did not exit by itself
  bool timed_out = false;
  std::string start_error;  // it could not be started at all (no such binary)
};

// `timeout` bounds the whole run; OpenOCD is then killed (its process group).
// `on_line` sees each line as it arrives. `interrupted` is polled: when it
// returns true OpenOCD is killed as on a timeout.
Transcript run_openocd(const std::vector<std::string>& argv,
                       std::chrono::milliseconds timeout,
                       const std::function<void(const std::string&)>& on_line,
                       const std::function<bool()>& interrupted);

enum class FlashOutcome : std::uint8_t {
  ok,
  no_probe,            // no debug adapter answered
  init_failed,         // the adapter is there, the target is not
  programming_failed,  // erase or write failed
  verify_failed,       // written, but the flash does not read back the same
  timed_out,           // OpenOCD did not finish within the timeout (killed)
  openocd_failed,      // any other failure, or OpenOCD could not be run
};

FlashOutcome classify(const Transcript& transcript);
// "ok", "no_probe", ... (the JSON form).
std::string_view outcome_name(FlashOutcome outcome);
// An operator's sentence naming the cause and what to check.
std::string outcome_message(FlashOutcome outcome, const Transcript& transcript, std::string_view board);
int outcome_exit_code(FlashOutcome outcome);

}  // namespace lit::litctl

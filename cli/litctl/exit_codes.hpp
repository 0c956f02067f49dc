// litctl's exit codes: part of its interface, fixed from the first release
// (cli/litctl/README.md lists them). `status` alone uses the LSB status codes
// 3 and 4; every other command uses the rest. Plain constants; no behaviour.
#pragma once

namespace lit::litctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,            // the daemon could not do it (unavailable, precondition, internal, timed out)
  kExitInvalidArgument = 2,    // bad command line, or the daemon refused an argument
  kExitNotRunning = 3,         // status: litd is not running (LSB)
  kExitStatusUnknown = 4,      // status: litd's state cannot be told (LSB)
  kExitNotFound = 5,           // no actor, device or tree by that name
  kExitNoProbe = 10,           // flash: OpenOCD found no debug probe
  kExitTargetInitFailed = 11,  // flash: a probe, but the target did not answer
  kExitVerifyFailed = 12,      // flash: programming or verification failed
  kExitOpenocdFailed = 13,     // flash: OpenOCD failed otherwise, timed out, or could not be run
  kExitNoHandshake = 14,       // flash: the board did not come back with a handshake
  kExitWrongFirmware = 15,     // flash: the board came back running another build than the file
  kExitUnreachable = 69,       // litd is not running or does not answer (EX_UNAVAILABLE)
  kExitProtocol = 76,          // litd speaks another protocol version, or sent garbage (EX_PROTOCOL)
  kExitPermissionDenied = 77,  // the control socket refused this user (EX_NOPERM)
  kExitInterrupted = 130,      // interrupted by a signal before completing
};

inline constexpr const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0   success (status: litd is running)\n"
    "  1   litd could not do it: unavailable, wrong state, internal error, timed out\n"
    "  2   invalid argument: bad command line, bad JSON, an argument litd refused\n"
    "  3   status only: litd is not running\n"
    "  4   status only: litd's state is unknown (it does not answer, or permission denied)\n"
    "  5   not found: no actor, device or tree by that name (the closest match is suggested)\n"
    "  10  flash: no debug probe found\n"
    "  11  flash: the probe could not reach the target (init failed)\n"
    "  12  flash: programming or verification failed\n"
    "  13  flash: OpenOCD failed otherwise, hung past --openocd-timeout, or could not be run\n"
    "  14  flash: the device did not come back with a handshake\n"
    "  15  flash: the device came back running another build than FIRMWARE.elf (build ids differ)\n"
    "  69  litd is unreachable (no socket, nobody listening, connection lost)\n"
    "  76  protocol mismatch with litd\n"
    "  77  permission denied on the control socket\n"
    "  130 interrupted before completing\n";

}  // namespace lit::litctl

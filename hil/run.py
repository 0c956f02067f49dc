#!/usr/bin/env python3
"""The HIL suite: scenarios that drive litd and a board running the agent
firmware as an operator would, only through `litctl -o json`, the metrics
page and litd's log, and assert what they show.

Targets:
  QEMU (the default): the agent on an emulated board (--board netduinoplus2 or
    mps2-an385), its UART behind hil/serial_proxy.py, whose pty litd opens
    with termios as it would /dev/ttyACM0. Every scenario runs.
  A real board: LIT_HIL_BOARD=stm32f4discovery LIT_HIL_PORT=/dev/ttyACM0. The
    runner first flashes the image with `litctl flash --board ...`; scenarios
    that need to kill or swap the board's power are skipped and say so.

Each scenario gets a fresh litd (and a fresh QEMU) with its own tree. The
output is a line per scenario and a last line "N passed, N failed".

  python3 hil/run.py --build build --firmware build-fw-m4f/agent-fw/apps/agent/agent.elf
  python3 hil/run.py ... --board mps2-an385 --only device_loss
  python3 hil/run.py ... --drills     the wire drills (hil/drills.py) instead
  python3 hil/run.py ... --minimal --firmware build-fw-m3/agent-fw/apps/agent_min/agent_min.elf
                                      the minimal agent's scenario instead
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

from harness import Litd, QemuBoard, RealBoard, Skip, all_running, link_up, wait_for
from drills import DRILLS
from scenarios import MINIMAL_SCENARIOS, SCENARIOS

# ---- the runner -------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build", help="the host build dir (litd, litctl)")
    parser.add_argument("--firmware", required=True, help="the agent image (agent.elf) for the board")
    parser.add_argument("--board", default="netduinoplus2", help="QEMU machine: netduinoplus2 or mps2-an385")
    parser.add_argument("--drills", action="store_true",
                        help="run the wire drills (hil/drills.py, about 2.5 minutes) instead of the scenarios")
    parser.add_argument("--minimal", action="store_true",
                        help="run the minimal agent's scenarios (--firmware: agent_min.elf) instead")
    parser.add_argument("--only", action="append", default=[], help="run this scenario (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep each scenario's directory (logs)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args()
    suite = DRILLS if args.drills else MINIMAL_SCENARIOS if args.minimal else SCENARIOS
    if args.list:
        for scenario in suite:
            print("%-28s %s" % (scenario.__name__, scenario.__doc__.strip().splitlines()[0]))
        return 0
    real = os.environ.get("LIT_HIL_BOARD")
    if real:
        port = os.environ.get("LIT_HIL_PORT")
        if not port:
            print("hil: LIT_HIL_BOARD needs LIT_HIL_PORT (the board's serial port)", file=sys.stderr)
            return 64
        flash = subprocess.run([os.path.join(args.build, "cli/litctl/litctl"), "flash", "--board", real,
                                args.firmware])
        if flash.returncode != 0:
            print("hil: flashing the %s failed (litctl exit %d)" % (real, flash.returncode), file=sys.stderr)
            return 1
    chosen = [s for s in suite if not args.only or s.__name__ in args.only]
    passed = failed = skipped = 0
    target_name = real or "QEMU " + args.board
    for scenario in chosen:
        directory = tempfile.mkdtemp(prefix="hil-", dir="/tmp")
        if real:
            board = RealBoard(os.environ["LIT_HIL_PORT"])
        else:
            board = QemuBoard(args.board, args.firmware, directory, getattr(scenario, "proxy_args", ()))
        started = time.monotonic()
        outcome, detail = "PASS", ""
        litd = None
        try:
            board.start()
            litd = Litd(args.build, directory, scenario.tree, board.port)
            litd.start()
            wait_for("board0's link", lambda: link_up(litd), 30)
            states = getattr(scenario, "states", True)
            wait_for("the whole tree running", lambda: all_running(litd, states), 20)
            scenario(litd, board)
        except Skip as why:
            outcome, detail = "SKIP", str(why)
        except Exception as error:  # a failed assertion or a broken step: both fail the scenario
            outcome = "FAIL"
            detail = "".join(traceback.format_exception_only(type(error), error)).strip()
            if not isinstance(error, AssertionError):
                detail += "\n" + traceback.format_exc()
        finally:
            if litd:
                litd.stop()
            board.stop()
        seconds = time.monotonic() - started
        print("%s  %-28s %5.1f s  %s" % (outcome, scenario.__name__, seconds, target_name), flush=True)
        if outcome == "FAIL":
            failed += 1
            print("      " + detail.replace("\n", "\n      "))
            print("      logs kept in " + directory)
        else:
            passed += outcome == "PASS"
            skipped += outcome == "SKIP"
            if detail:
                print("      skipped: " + detail)
            if not args.keep:
                shutil.rmtree(directory, ignore_errors=True)
    if skipped:
        print("%d skipped" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

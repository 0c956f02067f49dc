#!/usr/bin/env python3
"""The soak: the demo's tree on a QEMU board behind the fault-injecting serial
proxy, under mixed load and faults for a given time, reporting what both ends
counted. Not run in CI (it takes as long as you ask); run it before a release
and after changing the link, the daemon's loop or the agent.

Load, for the whole run: reliable sends from litd to the board's actors as
fast as litctl can make them (ticks to the blinky, pings to the sensor,
temperature commands to the thermostat), the board's telemetry back (traces,
metrics snapshots, log lines), and the heartbeat ticker on the host.
Faults: bit errors at --ber both ways, a thermostat crash every --crash-every
seconds (a one_for_all restart across host and device), a `litctl restart` of
gw/board every --restart-every seconds and a tty unplug of --unplug-seconds
every --unplug-every seconds (longer than link_timeout: a link loss).

Every --sample seconds it records litd's RSS and open descriptors and the
counts, and at the end prints the series and a summary, and checks:
  - every send litd accepted for the blinky and the sensor was forwarded or
    discarded unread by a restart of its proxy (OTP drops a dead process's
    mailbox; `litctl inspect` counts them), and what was forwarded reached the
    board's mailbox exactly once, less at most the reliable envelopes a link
    loss caught in flight (`litctl devices` counts them);
  - every crash gave exactly one restart of the thermostat on the board;
  - litd's descriptors at the end are what they were after the first sample,
    and its RSS stopped growing (the last half of the run grew at most 64 KiB);
  - every actor runs at the end.
Exit status 0 when all hold, 1 otherwise.

  python3 hil/soak.py --minutes 10 --firmware build-fw-m4f/agent-fw/apps/agent/agent.elf
  python3 hil/soak.py --minutes 60 --board mps2-an385 --firmware build-fw-m3/agent-fw/apps/agent/agent.elf \\
      --ber 1e-5 --csv /tmp/soak.csv
"""
import argparse
import shutil
import sys
import tempfile
import time

from drills import PACED, TREE, both_ends, inspect, proc_status, send
from harness import Litd, QemuBoard, all_running, link_up, wait_for

STREAMS = {"gw/board/blinky": "tick", "gw/board/sensor": "ping"}


class Soak:
    def __init__(self, args, litd, board):
        self.args, self.litd, self.board = args, litd, board
        self.sent = dict.fromkeys(STREAMS, 0)
        self.commands = self.refused = self.crashes = self.restarts = self.unplugs = 0
        self.crash_failures = []
        self.rows = []
        self.began = time.monotonic()

    def elapsed(self):
        return time.monotonic() - self.began

    def sample(self):
        fds, rss = proc_status(self.litd.process.pid)
        device = self.litd.device()
        host, reported = device["counters"], device.get("reported", {})
        injected = self.board.proxy_command("stats")
        forwarded = sum(int(inspect(self.litd, path)["counters"].get("messages_processed", 0)) for path in STREAMS)
        self.rows.append({
            "t_s": round(self.elapsed()), "rss_kib": rss, "fds": fds, "sent": sum(self.sent.values()),
            "forwarded": forwarded, "crashes": self.crashes, "restarts": self.restarts,
            "link_losses": int(host.get("link_losses", 0)),
            "host_rx_errors": int(host.get("crc_errors", 0)) + int(host.get("framing_errors", 0)),
            "device_rx_errors": int(reported.get("rx_errors", 0)),
            "flips_to_host": injected["to_host"]["bits_flipped"], "flips_to_board": injected["to_board"]["bits_flipped"],
            "retx_host": int(host.get("retransmissions", 0)), "retx_device": int(reported.get("retransmissions", 0)),
        })
        row = self.rows[-1]
        print("%5ds  rss %6d KiB  fds %3d  sent %7d  forwarded %7d  crashes %3d  link losses %3d  "
              "rx errors host %4d device %4d" % (row["t_s"], rss, fds, row["sent"], forwarded, self.crashes,
                                                 row["link_losses"], row["host_rx_errors"], row["device_rx_errors"]),
              flush=True)

    def crash(self):
        """A thermostat crash; waits for its restart (one_for_all with the host's logic)."""
        was = int(inspect(self.litd, "gw/cell/thermostat")["node"]["incarnation"])
        # Its mailbox may be full of temperature commands for a moment: try again.
        try:
            wait_for("litd to take the crash", lambda: send(self.litd, "gw/cell/thermostat", "crash"), 10)
        except AssertionError as error:
            self.crash_failures.append("%.0f s: %s" % (self.elapsed(), error))
            return
        self.crashes += 1
        try:
            wait_for("the thermostat's restart", lambda: (lambda n: n["state"] == "RUN_STATE_RUNNING" and
                     int(n["incarnation"]) > was)(inspect(self.litd, "gw/cell/thermostat")["node"]), 30)
        except AssertionError as error:
            self.crash_failures.append("%.0f s: %s" % (self.elapsed(), error))

    def unplug(self):
        """Pulls the tty for longer than link_timeout; waits until the tree runs again."""
        self.board.proxy_command("unplug %s" % self.args.unplug_seconds)
        self.unplugs += 1
        time.sleep(self.args.unplug_seconds)
        wait_for("the link back after an unplug", lambda: link_up(self.litd), 30)
        wait_for("the tree back after an unplug", lambda: all_running(self.litd), 30)

    def run(self):
        a = self.args
        end = self.began + a.minutes * 60
        due = {"sample": 0.0, "crash": a.crash_every, "restart": a.restart_every, "unplug": a.unplug_every}
        step = 0
        while time.monotonic() < end:
            now = self.elapsed()
            if now >= due["sample"]:
                due["sample"] += a.sample
                self.sample()
            elif now >= due["crash"]:
                due["crash"] += a.crash_every
                self.crash()
            elif now >= due["restart"]:
                due["restart"] += a.restart_every
                reply = self.litd.json("restart", "gw/board")
                self.restarts += 1 if reply.get("completed") else 0
            elif now >= due["unplug"]:
                due["unplug"] += a.unplug_every
                self.unplug()
            else:
                step += 1
                if step % 3 == 2:
                    ok = send(self.litd, "gw/cell/thermostat", "cold" if step % 6 < 3 else "warm")
                    self.commands += ok
                else:
                    path = list(STREAMS)[step % 3]
                    if send(self.litd, path, STREAMS[path]):
                        self.sent[path] += 1
                    else:
                        self.refused += 1
        self.sample()

    def finish(self):
        """Settles the counts with the faults off; returns the failed checks."""
        self.board.proxy_command("set ber 0")
        wait_for("the link up at the end", lambda: link_up(self.litd), 30)
        wait_for("the tree running at the end", lambda: all_running(self.litd), 30)
        asked = int(time.time() * 1000) + 1000
        failures = list(self.crash_failures)
        counts = {}
        lost = int(self.litd.device()["counters"].get("lost_in_flight", 0))
        for path in STREAMS:
            # Settled: exactly equal, or short by no more than the link losses caught in flight.
            counts[path] = wait_for(path + "'s counts at both ends", lambda: both_ends(self.litd, path, asked), 30)
            forwarded, delivered, discarded = counts[path]
            # What litd accepted was forwarded, or discarded unread by a restart of its proxy.
            if forwarded + discarded != self.sent[path]:
                failures.append("%s: %d sends accepted, %d forwarded and %d discarded by restarts" %
                                (path, self.sent[path], forwarded, discarded))
            if delivered > forwarded or forwarded - delivered > lost:
                failures.append("%s: litd forwarded %d, the board took %d, %d lost in flight at link losses" %
                                (path, forwarded, delivered, lost))
        therm = inspect(self.litd, "gw/cell/thermostat")
        device_restarts = int(therm.get("device", {}).get("restarts", 0))
        rows = self.rows
        half = rows[len(rows) // 2]
        growth_late = rows[-1]["rss_kib"] - half["rss_kib"]
        print("\nsummary after %.1f min" % (self.elapsed() / 60))
        for path, (forwarded, delivered, discarded) in counts.items():
            print("  %-18s accepted by litd %7d  discarded by restarts %4d  forwarded %7d  delivered on the board %7d"
                  % (path, self.sent[path], discarded, forwarded, delivered))
        print("  thermostat commands %d; sends litd refused (litctl was told: restarting, or the mailbox full) %d"
              % (self.commands, self.refused))
        print("  crashes %d; thermostat restarts counted by the board %d (an unplug restarts nothing there: the "
              "board's supervisor keeps its actors and litd adopts them back)" % (self.crashes, device_restarts))
        print("  gw/board restarts by litctl %d, unplugs %d, link losses %d, reliable envelopes lost in flight %d" %
              (self.restarts, self.unplugs, rows[-1]["link_losses"], lost))
        print("  bits flipped to litd %d -> frames rejected by litd %d; to the board %d -> rejected by the board %d" %
              (rows[-1]["flips_to_host"], rows[-1]["host_rx_errors"], rows[-1]["flips_to_board"],
               rows[-1]["device_rx_errors"]))
        print("  retransmissions: by litd %d, by the board %d" % (rows[-1]["retx_host"], rows[-1]["retx_device"]))
        print("  litd RSS: first %d KiB, middle %d KiB, last %d KiB, most %d KiB" %
              (rows[0]["rss_kib"], half["rss_kib"], rows[-1]["rss_kib"], max(r["rss_kib"] for r in rows)))
        print("  litd descriptors: first %d, last %d, most %d" %
              (rows[0]["fds"], rows[-1]["fds"], max(r["fds"] for r in rows)))
        if device_restarts != self.crashes:
            failures.append("the board counted %d thermostat restarts for %d crashes" % (device_restarts,
                                                                                         self.crashes))
        if rows[-1]["fds"] > rows[0]["fds"]:
            failures.append("litd's descriptors grew from %d to %d" % (rows[0]["fds"], rows[-1]["fds"]))
        if growth_late > 64:
            failures.append("litd's RSS still grew %d KiB in the second half" % growth_late)
        if self.args.csv:
            with open(self.args.csv, "w") as out:
                out.write(",".join(rows[0]) + "\n")
                for row in rows:
                    out.write(",".join(str(v) for v in row.values()) + "\n")
            print("  series written to " + self.args.csv)
        return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--build", default="build", help="the host build dir (litd, litctl)")
    parser.add_argument("--firmware", required=True, help="the agent image (agent.elf) for the board")
    parser.add_argument("--board", default="netduinoplus2", help="QEMU machine: netduinoplus2 or mps2-an385")
    parser.add_argument("--ber", type=float, default=1e-5, help="bit-error rate both ways (default 1e-5)")
    parser.add_argument("--crash-every", type=float, default=30, metavar="S")
    parser.add_argument("--restart-every", type=float, default=45, metavar="S")
    parser.add_argument("--unplug-every", type=float, default=60, metavar="S")
    parser.add_argument("--unplug-seconds", type=float, default=1.5, metavar="S")
    parser.add_argument("--sample", type=float, default=10, metavar="S", help="seconds between samples")
    parser.add_argument("--csv", help="write the samples there")
    parser.add_argument("--keep", action="store_true", help="keep the run's directory (logs)")
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="soak-", dir="/tmp")
    board = QemuBoard(args.board, args.firmware, directory, PACED + ["--ber", str(args.ber)])
    litd = None
    failures = []
    try:
        board.start()
        litd = Litd(args.build, directory, TREE, board.port)
        litd.start()
        wait_for("board0's link", lambda: link_up(litd), 30)
        wait_for("the whole tree running", lambda: all_running(litd), 20)
        print("soak: %.1f min on QEMU %s, ber %g, crash every %g s, gw/board restart every %g s, "
              "%g s unplug every %g s; logs in %s" % (args.minutes, args.board, args.ber, args.crash_every,
                                                      args.restart_every, args.unplug_seconds, args.unplug_every,
                                                      directory), flush=True)
        soak = Soak(args, litd, board)
        soak.run()
        failures = soak.finish()
    finally:
        if litd:
            litd.stop()
        board.stop()
    for failure in failures:
        print("FAIL  " + failure)
    print("soak: %s" % ("all checks held" if not failures else "%d checks failed" % len(failures)))
    if not failures and not args.keep:
        shutil.rmtree(directory, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

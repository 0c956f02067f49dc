"""The wire drills: faults injected by the serial proxy between litd and the
board, with assertions on what both ends counted. Like the scenarios, each
takes (litd, board) and sees only `litctl -o json`, the metrics page, litd's
log and /proc; the proxy's control socket injects the faults and reports what
it injected. They need the proxy, so they run on QEMU boards only.

  python3 hil/run.py --drills --firmware build-fw-m4f/agent-fw/apps/agent/agent.elf
"""
import os
import time

from harness import all_running, check, link_up, wait_for
from scenarios import demo_tree

DRILLS = []

# Both drills pace the line as a real 115200-baud UART does, and seed the
# proxy, so a run can be repeated fault for fault.
PACED = ["--baud", "115200", "--seed", "20261121"]


def drill(tree, proxy_args):
    def register(function):
        function.tree = tree
        function.proxy_args = PACED + list(proxy_args)
        DRILLS.append(function)
        return function
    return register


# The demo's shape, with budgets for a minute of faults: a flaky cable may cost
# 100 link losses a minute.
TREE = demo_tree(intensity=10, link_intensity=100, link_period="60s")


def send(litd, path, event):
    return litd.run_litctl("send", path, event).returncode == 0


def inspect(litd, path):
    return litd.json("inspect", path)


def both_ends(litd, path, sent_after_ms):
    """Once nothing of `path`'s is queued in litd and the board has reported
    after `sent_after_ms`: (forwarded by litd, delivered on the board,
    discarded unread by restarts in litd); None before."""
    reply = inspect(litd, path)
    counters, board = reply.get("counters", {}), reply.get("device")
    if board is None or int(board.get("received_unix_ms", 0)) <= sent_after_ms:
        return None  # no snapshot taken after the last send yet
    forwarded = int(counters.get("messages_processed", 0))
    discarded = int(counters.get("messages_discarded", 0))
    if int(counters.get("messages_received", 0)) != forwarded + discarded:
        return None  # still queued in the proxy
    return forwarded, int(board.get("messages_from_host", 0)), discarded


def settled(litd, path, sent_after_ms):
    """(forwarded, delivered) once both ends agree (see both_ends); None before."""
    counts = both_ends(litd, path, sent_after_ms)
    return counts[:2] if counts and counts[0] == counts[1] else None


def figures(name, **values):
    print("      %s: %s" % (name, ", ".join("%s %s" % (key, value) for key, value in values.items())), flush=True)


@drill(TREE, ["--ber", "1e-4"])
def bit_errors_lose_no_reliable_message(litd, board):
    """60 s of mixed traffic at a 1e-4 bit-error rate: the reliable class loses and repeats
    nothing (counted at both ends); litd's and the device's error counters match the flips."""
    started = time.monotonic()
    sent = {"gw/board/blinky": 0, "gw/board/sensor": 0, "gw/cell/thermostat": 0}
    refused = crashes = 0
    thermostat = int(inspect(litd, "gw/cell/thermostat")["node"]["incarnation"])
    step = 0
    next_crash = started + 5
    # Host to device: ticks and pings (reliable), temperature commands that make the
    # thermostat trace its transitions (best-effort back), and a crash every 10 s whose
    # exit report and restart commands cross the link reliably. Device to host besides:
    # metrics snapshots, traces and log lines (best-effort) and the acks of both.
    while time.monotonic() - started < 60:
        step += 1
        if time.monotonic() >= next_crash:
            next_crash += 10
            was = thermostat
            if send(litd, "gw/cell/thermostat", "crash"):
                crashes += 1
                sent["gw/cell/thermostat"] += 1
                thermostat = int(wait_for(
                    "the thermostat restarted after crash %d" % crashes,
                    lambda: (lambda n: int(n["incarnation"]) if n["state"] == "RUN_STATE_RUNNING"
                             and int(n["incarnation"]) > was else None)(inspect(litd, "gw/cell/thermostat")["node"]),
                    20))
            continue
        path, event = [("gw/board/blinky", "tick"), ("gw/board/sensor", "ping"),
                       ("gw/cell/thermostat", "cold" if step % 4 < 2 else "warm")][step % 3]
        if send(litd, path, event):
            sent[path] += 1
        else:
            refused += 1
    last_send_ms = int(time.time() * 1000)
    board.proxy_command("set ber 0")
    counts = {path: wait_for(path + "'s counts to settle at both ends",
                             lambda: settled(litd, path, last_send_ms + 1000), 20)
              for path in ("gw/board/blinky", "gw/board/sensor")}
    injected = board.proxy_command("stats")
    device = litd.device()
    host, reported = device["counters"], device["reported"]
    figures("sent", **{path.split("/")[-1]: n for path, n in sent.items()}, refused=refused, crashes=crashes)
    figures("counted", **{path.split("/")[-1]: "host %d device %d" % c for path, c in counts.items()})
    to_host, to_board = injected["to_host"], injected["to_board"]
    host_errors = int(host.get("crc_errors", 0)) + int(host.get("framing_errors", 0))
    device_errors = int(reported.get("rx_errors", 0))
    figures("to litd", bytes=to_host["bytes_out"], bits_flipped=to_host["bits_flipped"],
            frames_rejected=host_errors, retransmitted_by_device=reported.get("retransmissions", 0))
    figures("to the board", bytes=to_board["bytes_out"], bits_flipped=to_board["bits_flipped"],
            frames_rejected=device_errors, retransmitted_by_litd=host.get("retransmissions", 0))

    # Nothing lost, nothing delivered twice: every send litd accepted reached the mailbox once.
    for path, (forwarded, delivered) in counts.items():
        check(forwarded == sent[path], "%s: litd forwarded %d of the %d sends it accepted" % (path, forwarded,
                                                                                          sent[path]))
    check(sent["gw/board/blinky"] >= 300, "too little traffic to judge: %d ticks" % sent["gw/board/blinky"])
    # A refusal (the proxy's mailbox full while the line is busy) was told to
    # litctl and is not counted as sent: back-pressure, not loss.
    # Every crash reached the device and came back as one restart, never two.
    check(crashes == 6, "%d crashes in 60 s, not 6" % crashes)
    therm = inspect(litd, "gw/cell/thermostat")
    check(int(therm["node"]["incarnation"]) == crashes + 1,
          "thermostat incarnation %s after %d crashes" % (therm["node"]["incarnation"], crashes))
    wait_for("the device to count %d thermostat restarts" % crashes,
             lambda: int(inspect(litd, "gw/cell/thermostat").get("device", {}).get("restarts", 0)) == crashes, 10)
    # The faults were real and each end saw them: a flipped bit spoils the frame it
    # falls in (or two, when it makes or breaks a delimiter); two flips can share one.
    for direction, flipped, rejected in (("to litd", to_host["bits_flipped"], host_errors),
                                         ("to the board", to_board["bits_flipped"], device_errors)):
        check(flipped >= 10, "%s: only %d bits flipped, too few to judge" % (direction, flipped))
        check(flipped / 10 <= rejected <= flipped * 3,
              "%s: %d bits flipped but %d frames rejected" % (direction, flipped, rejected))
    # litd's reliable frames crossed the noise by being sent again (the board's are
    # few, its crash reports, and often all get through).
    check(int(host.get("retransmissions", 0)) > 0, "litd retransmitted nothing under bit errors")
    check(int(host.get("link_losses", 0)) == 0, "the link dropped %s times" % host.get("link_losses"))
    check(all_running(litd), "not every actor is running after the drill")


def proc_status(pid):
    """(open file descriptors, resident set in KiB) of a process."""
    fds = len(os.listdir("/proc/%d/fd" % pid))
    with open("/proc/%d/status" % pid) as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return fds, rss


@drill(TREE, [])
def unplug_and_replug_20_times(litd, board):
    """20 cycles of pulling the tty out (after a warm-up): 0.2 s (the link rides it out) and
    1.5 s (longer than link_timeout: a link loss, the board's actors adopted back) in turn. No
    leaked descriptors, no RSS growth, no stuck actors."""
    boot = litd.device()["boot_id"]
    pid = litd.process.pid
    samples = []

    def counters():
        return litd.device()["counters"]

    def cycle(number):
        before = counters()
        losses, reopened = int(before.get("link_losses", 0)), int(before.get("reopens", 0))
        long_one = number % 2 == 0
        board.proxy_command("unplug %s" % ("1.5" if long_one else "0.2"))
        wait_for("cycle %d: litd reopening the tty" % number, lambda: int(counters().get("reopens", 0)) > reopened, 10)
        if long_one:
            wait_for("cycle %d: the link lost" % number, lambda: int(counters().get("link_losses", 0)) > losses, 10)
        wait_for("cycle %d: the link up" % number, lambda: link_up(litd), 20)
        wait_for("cycle %d: the whole tree running" % number, lambda: all_running(litd), 20)
        if not long_one:
            check(int(counters().get("link_losses", 0)) == losses, "cycle %d: a 0.2 s unplug lost the link" % number)
        # litd takes its heap figure once a second; a second with no litctl call
        # of ours open keeps a connection's 64 KiB read buffer out of it.
        time.sleep(1.1)
        fds, rss = proc_status(pid)
        samples.append((fds, rss, litd.metric("lit_daemon_heap_bytes") / 1024))

    # Warm up first: litd keeps its last 500 log lines for `litctl logs` (about
    # 256 B each), and a cycle logs some 40 at debug level (most of them our
    # litctl calls), so the heap climbs until that backlog is full (heaptrack finds nothing leaked). At least ten
    # cycles, then until the backlog holds 500 lines.
    def backlog():
        ran = litd.run_litctl("logs", "-n", "500", "-o", "json")
        return len(ran.stdout.splitlines()) if ran.returncode == 0 else 0
    number = 0
    while number < 10 or (backlog() < 500 and number < 60):
        number += 1
        cycle(number)
    check(backlog() >= 500, "litd's log backlog holds %d lines after %d cycles" % (backlog(), number))
    warm = samples[-1]
    del samples[:]
    warm_up = number
    for number in range(1, 21):
        cycle(number)
    fds, rss, heap = samples[-1]
    half = samples[9][1]
    figures("warm-up", cycles=warm_up)
    figures("file descriptors", before=warm[0], after=fds, most=max(s[0] for s in samples))
    figures("RSS KiB", before=warm[1], after_10=half, after_20=rss, each=" ".join(str(s[1]) for s in samples))
    figures("heap KiB", before=round(warm[2]), after=round(heap), each=" ".join(str(round(s[2])) for s in samples))
    check(fds <= warm[0], "litd holds %d descriptors after 20 replugs, %d before" % (fds, warm[0]))
    # A leak grows the heap by the same amount every cycle, for ever. With the
    # cycles waiting on litctl (not on scrapes, whose latencies prometheus-cpp's
    # exposer keeps in a summary that grows with them for its minute-long
    # window), the heap moved 7 to 9 KiB over 20 cycles and 1 to 4 KiB over
    # the last 10 in three runs; the one scrape per cycle that reads the figure
    # still feeds that summary. So: at most 24 KiB over the 20 cycles and 12
    # KiB over the last 10, which a leak of more than 1.2 KiB a cycle fails;
    # RSS, counted in allocator pages, at most 64 KiB and 32 KiB.
    half_heap = samples[9][2]
    check(heap - warm[2] <= 24 and heap - half_heap <= 12,
          "litd's heap grew from %d KiB to %d KiB (%d KiB after 10) over 20 replugs" % (warm[2], heap, half_heap))
    check(rss - warm[1] <= 64 and rss - half <= 32,
          "litd's RSS grew from %d KiB to %d KiB (%d KiB after 10) over 20 replugs" % (warm[1], rss, half))
    device = litd.device()
    figures("link", losses=device["counters"].get("link_losses", 0), reopened=device["counters"].get("reopens", 0),
            link_restarts=litd.metric("lit_supervisor_link_restarts_total"))
    # One loss per long unplug. A 0.2 s one rides out the link timeout when
    # litd has reopened the port and frames flow again within the second; on
    # a loaded machine that can take the rest of the second (CI saw one late
    # loss in 17 short unplugs), so two such are allowed, and reported.
    long_unplugs = warm_up // 2 + 10
    lost = int(device["counters"]["link_losses"])
    figures("short unplugs that lost the link late", count=lost - long_unplugs)
    check(long_unplugs <= lost <= long_unplugs + 2, "link losses %d, with %d long unplugs" % (lost, long_unplugs))
    check(device["boot_id"] == boot, "the board rebooted")
    check(litd.metric("lit_supervisor_restarts_total") == 0, "a link loss was charged to the crash budget")
    # No stuck actors: each device actor takes a message, and a subtree restart completes.
    paths = {"gw/board/blinky": "tick", "gw/board/sensor": "ping", "gw/cell/thermostat": "cold"}
    before = {path: int(inspect(litd, path)["counters"].get("messages_processed", 0)) for path in paths}
    for path, event in paths.items():
        check(send(litd, path, event), "send %s to %s failed" % (event, path))
    asked_ms = int(time.time() * 1000)
    for path, was in before.items():
        wait_for(path + " to take the message",
                 lambda: int(inspect(litd, path)["counters"].get("messages_processed", 0)) == was + 1, 10)
    wait_for("the device to report them delivered",
             lambda: all(settled(litd, path, asked_ms) for path in ("gw/board/blinky", "gw/board/sensor")), 10)
    reply = litd.json("restart", "gw/board")
    check(reply["completed"], "gw/board did not restart: %s" % reply)
    wait_for("the whole tree running", lambda: all_running(litd), 20)
    check(litd.metric("lit_supervisor_escalations_total") == 0, "a supervisor escalated")

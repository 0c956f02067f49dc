"""The HIL scenarios. Each is a function taking (litd, board) that asserts
what an operator would see through `litctl -o json`, the metrics page and
litd's log; `tree` is the supervision tree its litd starts with (the device
board0 is declared by the harness). The runner starts the board and litd,
waits for the link and for the whole tree to run, then calls it."""
import os
import re

from harness import all_running, check, link_up, wait_for

SCENARIOS = []
# For the minimal agent (apps/agent_min: one echo actor, no device supervisor).
MINIMAL_SCENARIOS = []


def scenario(tree, suite=None):
    def register(function):
        function.tree = tree
        (SCENARIOS if suite is None else suite).append(function)
        return function
    return register


def actor(path, **fields):
    lines = ["", "[[actor]]", 'path = "%s"' % path]
    params = fields.pop("params", None)
    for key, value in fields.items():
        lines.append("%s = %s" % (key, '"%s"' % value if isinstance(value, str) else value))
    if params:
        lines.append("[actor.params]")
        lines += ["%s = %s" % (key, '"%s"' % value if isinstance(value, str) else value)
                  for key, value in params.items()]
    return "\n".join(lines) + "\n"


def supervisor(path, strategy, intensity, period="10s", **budgets):
    """`budgets`: more supervisor fields (link_intensity, link_period)."""
    return actor(path, type="supervisor", strategy=strategy, intensity=intensity, period=period, **budgets)


def on_board(path, remote):
    return actor(path, device="board0", remote=remote)


def demo_tree(intensity=3, **budgets):
    """The demo's shape: host and device children under one root; `intensity`
    and `budgets` (supervisor fields) for gw/board and gw/cell."""
    return (supervisor("gw", "one_for_one", 10)
            + actor("gw/heartbeat", type="ticker", params={"period": "200ms"})
            + supervisor("gw/board", "one_for_one", intensity, **budgets)
            + on_board("gw/board/blinky", "/dev/blinky")
            + on_board("gw/board/sensor", "/dev/sensor")
            + supervisor("gw/cell", "one_for_all", intensity, **budgets)
            + actor("gw/cell/logic", type="worker")
            + on_board("gw/cell/thermostat", "/dev/thermostat"))


DEMO = demo_tree()

# A device child that can be made to fail, under one_for_one beside another.
ONE_FOR_ONE = (supervisor("gw", "one_for_one", 10)
               + supervisor("gw/board", "one_for_one", 2)
               + on_board("gw/board/thermostat", "/dev/thermostat")
               + on_board("gw/board/blinky", "/dev/blinky"))

# one_for_all over host, device, host children.
CELL = (supervisor("gw", "one_for_one", 10)
        + supervisor("gw/cell", "one_for_all", 5)
        + actor("gw/cell/logic", type="worker")
        + on_board("gw/cell/thermostat", "/dev/thermostat")
        + actor("gw/cell/audit", type="worker"))


def incarnation(litd, path):
    return int(litd.node(path)["incarnation"])


def running_again(litd, path, after):
    """Waits until `path` runs with an incarnation above `after`; returns it."""
    def check_node():
        node = litd.node(path)
        alive = node["state"] == "RUN_STATE_RUNNING" and int(node["incarnation"]) > after
        return int(node["incarnation"]) if alive else None
    return wait_for(path + " running again after incarnation %d" % after, check_node, 20)


def crash(litd, path):
    ran = litd.run_litctl("send", path, "crash")
    check(ran.returncode == 0, "send crash to %s: %s" % (path, ran.stderr.strip()))


def count_lines(litd, pattern):
    return len(re.findall(pattern, litd.log(), re.MULTILINE))


@scenario(DEMO)
def link_and_state(litd, board):
    """The handshake is seen, the tree is complete, device states are visible."""
    device = litd.device()
    check(device["link_state"] == "LINK_STATE_UP", "board0 is " + device["link_state"])
    check(int(device["boot_id"]) != 0, "no boot id")
    check(device["firmware_name"].startswith("lit-agent"), "firmware " + device["firmware_name"])
    check(int(device["firmware_hash"]) != 0, "no firmware build id")
    check("board0: link up" in litd.log(), "no 'link up' line in the log")
    tree = litd.json("tree")
    paths = {}

    def walk(node):
        paths[node["path"]] = node
        for child in node.get("children", []):
            walk(child)
    for root in tree["roots"]:
        walk(root)
    expected = {"gw", "gw/heartbeat", "gw/board", "gw/board/blinky", "gw/board/sensor", "gw/cell",
                "gw/cell/logic", "gw/cell/thermostat"}
    check(set(paths) == expected, "tree holds %s" % sorted(paths))
    for path in ("gw/board/blinky", "gw/board/sensor", "gw/cell/thermostat"):
        check(paths[path]["location"].get("device") == "board0", path + " is not placed on board0")
        check(paths[path]["configuration"], path + " shows no states")
    check(paths["gw/cell/thermostat"]["configuration"] == ["idle"],
          "thermostat in %s" % paths["gw/cell/thermostat"]["configuration"])
    wait_for("lit_device_link_up 1", lambda: litd.metric("lit_device_link_up", device="board0") == 1, 5)
    text = litd.run_litctl("tree").stdout
    check("thermostat  thermostat  running [idle]" in text, "litctl tree shows:\n" + text)


@scenario(ONE_FOR_ONE)
def device_child_failure(litd, board):
    """A device actor's fail() is restarted by its host supervisor under one_for_one."""
    before = incarnation(litd, "gw/board/thermostat")
    blinky = incarnation(litd, "gw/board/blinky")
    restarts = litd.metric("lit_supervisor_restarts_total", path="gw/board")
    crash(litd, "gw/board/thermostat")
    after = running_again(litd, "gw/board/thermostat", before)
    inspect = litd.json("inspect", "gw/board/thermostat")
    check(inspect["last_failure"]["detail"] == "crash requested", "last failure %s" % inspect.get("last_failure"))
    check(incarnation(litd, "gw/board/blinky") == blinky, "one_for_one restarted the blinky too")
    wait_for("the restart in the metrics",
             lambda: litd.metric("lit_supervisor_restarts_total", path="gw/board") == restarts + 1, 5)
    check(count_lines(litd, r"gw/board/thermostat exited: failed \(.*\), incarnation %d$" % before) == 1,
          "the failure is not logged once")
    check(after > before, "incarnation did not grow")


@scenario(CELL)
def one_for_all_across_host_and_device(litd, board):
    """A device failure restarts the host siblings too, in start order."""
    before = {path: incarnation(litd, path) for path in ("gw/cell/logic", "gw/cell/thermostat", "gw/cell/audit")}
    crash(litd, "gw/cell/thermostat")
    for path, was in before.items():
        running_again(litd, path, was)
    # The restarts, in the order litd saw them start.
    starts = [m.group(1) for m in re.finditer(r"(gw/cell/\w+) started \(incarnation (\d+)\)", litd.log())
              if int(m.group(2)) > 1]
    check(starts == ["gw/cell/logic", "gw/cell/thermostat", "gw/cell/audit"], "restarted in order %s" % starts)


@scenario(ONE_FOR_ONE)
def intensity_exceeded_escalates(litd, board):
    """More device failures than gw/board's intensity (2 in 10 s): it gives up, gw restarts it."""
    board_incarnation = incarnation(litd, "gw/board")
    for _ in range(3):
        was = incarnation(litd, "gw/board/thermostat")
        crash(litd, "gw/board/thermostat")
        if _ < 2:
            running_again(litd, "gw/board/thermostat", was)
    running_again(litd, "gw/board", board_incarnation)
    wait_for("the whole tree running again", lambda: all_running(litd), 20)
    check(re.search(r"gw/board gave up: \S+", litd.log()), "no escalation in the log")
    wait_for("the escalation in the metrics",
             lambda: litd.metric("lit_supervisor_escalations_total", path="gw/board") >= 1, 5)
    tree = litd.json("inspect", "gw/board")
    check(int(tree["counters"]["restarts"]) >= 1, "litctl shows no restart of gw/board")


@scenario(DEMO)
def litctl_restart_actor_and_subtree(litd, board):
    """`litctl restart` of a device actor, then of a whole subtree."""
    before = incarnation(litd, "gw/cell/thermostat")
    reply = litd.json("restart", "gw/cell/thermostat")
    check(reply["completed"] and int(reply["incarnation"]) > before, "restart reply %s" % reply)
    check(incarnation(litd, "gw/cell/thermostat") == int(reply["incarnation"]), "inspect disagrees with the reply")
    children = {path: incarnation(litd, path) for path in ("gw/board/blinky", "gw/board/sensor")}
    reply = litd.json("restart", "gw/board")
    check(reply["completed"], "subtree restart did not complete: %s" % reply)
    for path, was in children.items():
        check(any(node.endswith(path) for node in reply["affected"]), path + " not among %s" % reply["affected"])
        running_again(litd, path, was)


@scenario(ONE_FOR_ONE)
def device_loss_and_a_new_boot(litd, board):
    """QEMU killed: noconnection once per child, the link budget used; a new boot is adopted."""
    boot = litd.device()["boot_id"]
    crashes = litd.metric("lit_supervisor_restarts_total", path="gw/board")
    board.kill()
    wait_for("board0's link down", lambda: litd.device()["link_state"] != "LINK_STATE_UP", 10)
    for path in ("gw/board/thermostat", "gw/board/blinky"):
        wait_for(path + "'s noconnection in the log",
                 lambda: count_lines(litd, r"%s exited: noconnection" % path) >= 1, 10)
    board.start()
    device = wait_for("a new handshake", lambda: link_up(litd), 30)
    check(device["boot_id"] != boot, "the new QEMU has the old boot id")
    wait_for("the children re-spawned on the new boot", lambda: all_running(litd), 30)
    for path in ("gw/board/thermostat", "gw/board/blinky"):
        downs = count_lines(litd, r"%s exited: noconnection" % path)
        check(downs == 1, "%s: %d noconnection exits, expected exactly one" % (path, downs))
    wait_for("the link-loss restarts in the metrics",
             lambda: litd.metric("lit_supervisor_link_restarts_total", path="gw/board") >= 1, 5)
    check(litd.metric("lit_supervisor_restarts_total", path="gw/board") == crashes,
          "the crash budget was charged for a link loss")
    check(litd.metric("lit_supervisor_escalations_total", path="gw/board") == 0, "gw/board escalated")


@scenario(ONE_FOR_ONE)
def hard_fault_reported_after_reset(litd, board):
    """A HardFault resets the board; the next handshake reports it and litctl devices shows it."""
    boot = litd.device()["boot_id"]
    ran = litd.run_litctl("send", "gw/board/thermostat", "hard_fault")
    check(ran.returncode == 0, "send hard_fault: " + ran.stderr.strip())
    device = wait_for("the handshake after the reset",
                      lambda: (lambda d: d if d and d["link_state"] == "LINK_STATE_UP" and d["boot_id"] != boot
                               else None)(litd.device()), 30)
    check(device["last_reset_reason"] == "hard_fault", "last reset %s" % device["last_reset_reason"])
    text = litd.run_litctl("devices").stdout
    check("hard_fault" in text, "litctl devices does not show it:\n" + text)
    wait_for("the children re-spawned", lambda: all_running(litd), 30)


@scenario(DEMO)
def daemon_restart_keeps_the_device_running(litd, board):
    """litd restarts while the board runs on: same boot id, nothing re-spawned."""
    boot = litd.device()["boot_id"]
    before = {path: litd.node(path)["incarnation"] for path in ("gw/board/blinky", "gw/cell/thermostat")}
    check(litd.stop() == 0, "litd did not exit 0")
    litd.start()
    device = wait_for("board0's link", lambda: link_up(litd), 30)
    check(device["boot_id"] == boot, "a new boot id after a daemon restart")
    wait_for("the tree running", lambda: all_running(litd), 20)
    after = {path: litd.node(path)["incarnation"] for path in before}
    check(after == before, "device actors were re-spawned: %s -> %s" % (before, after))


@scenario(DEMO)
def sigterm_ordered_shutdown(litd, board):
    """SIGTERM: the trees stop in reverse start order and the board is told the host is leaving."""
    check(litd.stop() == 0, "litd did not exit 0")
    log = litd.log()
    stops = [m.group(1) for m in re.finditer(r"(gw/[\w/]+) exited: shutdown", log)]
    order = ["gw/cell/thermostat", "gw/cell/logic", "gw/cell", "gw/board/sensor", "gw/board/blinky", "gw/board",
             "gw/heartbeat"]
    seen = [path for path in stops if path in order]
    check(seen == order, "stopped in order %s" % seen)
    check("board0: told the board the host is leaving" in log, "no goodbye in the log")
    if hasattr(board, "dir"):
        console = os.path.join(board.dir, "console-%d.log" % board.boots)
        wait_for("the board's console to say the host left",
                 lambda: "host left (goodbye)" in open(console, errors="replace").read(), 5)


# ---- the minimal agent ---------------------------------------------------------------------

# Its one actor, supervised from the gateway only: the board has no supervisor.
MINIMAL = supervisor("gw", "one_for_one", 5) + on_board("gw/echo", "/dev/echo")


def minimal_scenario(function):
    """The minimal agent sends no telemetry: its actor's states stay unknown."""
    function.states = False
    return scenario(MINIMAL, MINIMAL_SCENARIOS)(function)


@minimal_scenario
def minimal_agent_supervised_from_the_host(litd, board):
    """litctl sends to, restarts, stops and starts the minimal agent's actor; a new boot re-spawns it."""
    device = litd.device()
    check(device["firmware_name"].split()[0] == "lit-agent-min", "firmware " + device["firmware_name"])
    ran = litd.run_litctl("send", "gw/echo", "ping")
    check(ran.returncode == 0, "send ping: " + ran.stderr.strip())
    was = incarnation(litd, "gw/echo")
    check(litd.litctl_rc("restart", "gw/echo") == 0, "litctl restart gw/echo failed")
    was = running_again(litd, "gw/echo", was)
    check(litd.litctl_rc("stop", "gw/echo") == 0, "litctl stop gw/echo failed")
    wait_for("gw/echo stopped", lambda: litd.node("gw/echo")["state"] == "RUN_STATE_STOPPED", 10)
    check(litd.device()["link_state"] == "LINK_STATE_UP", "the link went down with the actor")
    check(litd.litctl_rc("start", "gw/echo") == 0, "litctl start gw/echo failed")
    running_again(litd, "gw/echo", 0)
    boot = litd.device()["boot_id"]
    board.kill()
    wait_for("gw/echo's noconnection in the log",
             lambda: count_lines(litd, r"gw/echo exited: noconnection") >= 1, 10)
    board.start()
    device = wait_for("a new handshake", lambda: link_up(litd), 30)
    check(device["boot_id"] != boot, "the new QEMU has the old boot id")
    wait_for("gw/echo re-spawned on the new boot", lambda: all_running(litd, states=False), 30)
    ran = litd.run_litctl("send", "gw/echo", "ping")
    check(ran.returncode == 0, "send ping after the new boot: " + ran.stderr.strip())
    check(litd.metric("lit_supervisor_escalations_total", path="gw") == 0, "gw escalated")

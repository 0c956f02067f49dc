#!/usr/bin/env python3
"""litctl end to end against a real litd started here: a small tree of the
built-in `ticker` and `worker` types, metrics off, the control socket in a
temporary directory (root only). Every command, its JSON parsed and
asserted, and its exit codes; `top` on a real terminal under tmux.
Usage: litctl_e2e_test.py LITCTL LITD"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

LITCTL = LITD = None

CONFIG = """
[daemon]
workers = 2

[log]
level = "info"

[metrics]
enabled = false

[control]
socket = "{socket}"

[[actor]]
path = "gw"
type = "supervisor"
strategy = "one_for_one"
intensity = 50
period = "5s"

[[actor]]
path = "gw/tick"
type = "ticker"
[actor.params]
period = "50ms"

[[actor]]
path = "gw/work"
type = "worker"
"""


def wait_for(predicate, what, seconds=10.0):
    """Polls `predicate` until it is true; the deadline only guards a hang."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Litctl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="litctl-e2e-")
        cls.socket = os.path.join(cls.directory, "control.sock")
        cls.config = os.path.join(cls.directory, "litd.toml")
        with open(cls.config, "w") as out:
            out.write(CONFIG.format(socket=cls.socket))
        cls.log = open(os.path.join(cls.directory, "litd.log"), "w")
        cls.litd = subprocess.Popen([LITD, "--config", cls.config], stderr=cls.log, stdout=cls.log)
        wait_for(lambda: cls.run_litctl("status").returncode == 0 or cls.litd.poll() is not None, "litd's socket")
        if cls.litd.poll() is not None:
            raise AssertionError("litd exited: " + open(os.path.join(cls.directory, "litd.log")).read())

    @classmethod
    def tearDownClass(cls):
        if cls.litd.poll() is None:
            cls.litd.send_signal(signal.SIGTERM)
            cls.litd.wait(timeout=20)
        cls.log.close()
        shutil.rmtree(cls.directory)

    @classmethod
    def run_litctl(cls, *args, socket=None, timeout=30):
        env = dict(os.environ, LITCTL_SOCKET=socket or cls.socket)
        return subprocess.run([LITCTL, *args], env=env, capture_output=True, text=True, timeout=timeout)

    def json_of(self, *args):
        ran = self.run_litctl(*args, "-o", "json")
        self.assertEqual(ran.returncode, 0, " ".join(args) + ": " + ran.stderr)
        return json.loads(ran.stdout)

    def node(self, path):
        return self.json_of("inspect", path)["node"]

    def test_status_says_running_with_the_tree(self):
        status = self.json_of("status")
        self.assertEqual(status["state"], "running")
        daemon = status["daemon"]
        self.assertEqual(daemon["pid"], self.litd.pid)
        self.assertEqual(daemon["worker_loops"], 2)
        self.assertEqual([tree["path"] for tree in daemon["trees"]], ["gw"])
        self.assertEqual(daemon["trees"][0]["state"], "RUN_STATE_RUNNING")
        self.assertEqual(daemon["devices"], [])
        text = self.run_litctl("status")
        self.assertIn("running, pid %d" % self.litd.pid, text.stdout)

    def test_status_of_a_missing_daemon_exits_3_and_other_commands_69(self):
        missing = os.path.join(self.directory, "nobody.sock")
        ran = self.run_litctl("status", "-o", "json", socket=missing)
        self.assertEqual(ran.returncode, 3)
        self.assertEqual(json.loads(ran.stdout)["state"], "not_running")
        self.assertEqual(self.run_litctl("tree", socket=missing).returncode, 69)

    def test_tree_holds_every_node_with_type_state_and_loop(self):
        tree = self.json_of("tree")
        self.assertEqual(len(tree["roots"]), 1)
        root = tree["roots"][0]
        self.assertEqual((root["path"], root["kind"], root["strategy_or_type"]),
                         ("gw", "NODE_KIND_SUPERVISOR", "one_for_one"))
        children = {child["path"]: child for child in root["children"]}
        self.assertEqual(list(children), ["gw/tick", "gw/work"])
        self.assertEqual(children["gw/tick"]["strategy_or_type"], "ticker")
        self.assertEqual(children["gw/tick"]["state"], "RUN_STATE_RUNNING")
        self.assertIn("host_loop", children["gw/tick"]["location"])
        self.assertTrue(children["gw/tick"]["configuration"])
        text = self.run_litctl("tree").stdout
        self.assertIn("gw  one_for_one  running", text)
        self.assertIn("├── tick  ticker  running", text)
        self.assertIn("└── work  worker  running", text)

    def test_ls_lists_the_children_of_a_path(self):
        actors = self.json_of("ls", "gw")["actors"]
        self.assertEqual([actor["path"] for actor in actors], ["gw/tick", "gw/work"])
        self.assertEqual([actor["path"] for actor in self.json_of("ls")["actors"]], ["gw"])
        rows = self.run_litctl("ls", "gw").stdout.splitlines()
        self.assertTrue(rows[0].startswith("PATH"))
        self.assertTrue(rows[1].startswith("gw/tick"))

    def test_inspect_reports_mailbox_counters_and_parent(self):
        # The ticker ticks every 50 ms; give a loaded machine a few seconds for the first.
        deadline = time.monotonic() + 5
        while True:
            inspect = self.json_of("inspect", "/gw/tick")  # a leading '/' is accepted
            counters = inspect["counters"]
            handled = int(counters.get("transitions", 0)) + int(counters.get("messages_processed", 0))
            if handled > 0 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(inspect["node"]["path"], "gw/tick")
        self.assertEqual(inspect["parent"], "gw")
        self.assertGreater(inspect["mailbox"]["capacity"], 0)
        self.assertGreaterEqual(int(inspect["node"]["incarnation"]), 1)
        self.assertGreater(handled, 0)
        self.assertEqual(inspect["declared_at"]["file"], self.config)

    def test_an_unknown_path_exits_5_with_the_closest_match(self):
        ran = self.run_litctl("inspect", "gw/tik")
        self.assertEqual(ran.returncode, 5, ran.stderr)
        self.assertIn("did you mean gw/tick?", ran.stderr)
        self.assertEqual(self.run_litctl("restart", "gw/wrok").returncode, 5)

    def test_restart_waits_and_reports_a_new_incarnation(self):
        before = self.node("gw/work")["incarnation"]
        reply = self.json_of("restart", "gw/work")
        self.assertTrue(reply["completed"])
        self.assertGreater(reply["incarnation"], before)
        self.assertEqual(self.node("gw/work")["incarnation"], reply["incarnation"])
        self.assertTrue(any(node.endswith("gw/work") for node in reply["affected"]), reply["affected"])
        ran = self.run_litctl("restart", "gw/work", "--no-wait")
        self.assertEqual(ran.returncode, 0, ran.stderr)

    def test_stop_then_start_an_actor(self):
        stopped = self.json_of("stop", "gw/work")
        self.assertTrue(stopped["completed"])
        self.assertEqual(self.node("gw/work")["state"], "RUN_STATE_STOPPED")
        started = self.json_of("start", "gw/work")
        self.assertTrue(started["completed"])
        self.assertEqual(self.node("gw/work")["state"], "RUN_STATE_RUNNING")
        self.assertEqual(self.node("gw/work")["incarnation"], started["incarnation"])

    def test_send_delivers_an_event_the_actor_counts(self):
        before = int(self.json_of("inspect", "gw/work")["counters"]["messages_processed"])
        reply = self.json_of("send", "gw/work", "work", "--data", '{"amount": 1}')
        self.assertGreaterEqual(reply["incarnation"], 1)
        wait_for(lambda: int(self.json_of("inspect", "gw/work")["counters"]["messages_processed"]) > before,
                 "the work event to be counted")
        counters = self.json_of("inspect", "gw/work")["counters"]
        self.assertGreater(int(counters["messages_received"]), before)
        self.assertGreaterEqual(int(counters["messages_received"]), int(counters["messages_processed"]))
        bad = self.run_litctl("send", "gw/work", "work", "--data", "nope")
        self.assertEqual(bad.returncode, 2)

    def test_trace_shows_a_failure_and_the_restart_as_they_happen(self):
        trace = subprocess.Popen([LITCTL, "--socket", self.socket, "trace", "gw/work", "--failures", "-o", "json",
                                  "--count", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The stream is open once litd has registered it; a failure sent before
        # that would be missed, so keep failing the worker until two events arrive.
        try:
            deadline = time.monotonic() + 20
            while trace.poll() is None and time.monotonic() < deadline:
                self.run_litctl("send", "gw/work", "fail")
                try:
                    trace.wait(timeout=0.3)
                except subprocess.TimeoutExpired:
                    pass
            out, err = trace.communicate(timeout=5)
        finally:
            if trace.poll() is None:
                trace.kill()
        self.assertEqual(trace.returncode, 0, err)
        events = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(events), 2)
        self.assertTrue(all(event["path"] == "gw/work" for event in events))
        self.assertIn("TRACE_KIND_FAILURE", [event["kind"] for event in events])
        self.assertLessEqual(int(events[0]["time_unix_us"]), int(events[1]["time_unix_us"]))

    def test_trace_streams_transitions_until_count(self):
        ran = self.run_litctl("trace", "gw/tick", "--count", "3", "-o", "json")
        self.assertEqual(ran.returncode, 0, ran.stderr)
        events = [json.loads(line) for line in ran.stdout.splitlines()]
        self.assertEqual(len(events), 3)
        self.assertTrue(all(event["path"] == "gw/tick" for event in events))

    def test_logs_prints_the_daemons_recent_lines(self):
        ran = self.run_litctl("logs", "-o", "json")
        self.assertEqual(ran.returncode, 0, ran.stderr)
        records = [json.loads(line) for line in ran.stdout.splitlines()]
        self.assertTrue(records)
        self.assertTrue(all("text" in record and "level" in record for record in records))
        self.assertTrue(self.run_litctl("logs").stdout)

    def test_devices_lists_none_in_this_tree(self):
        self.assertEqual(self.json_of("devices")["devices"], [])
        ran = self.run_litctl("devices", "board9")
        self.assertEqual(ran.returncode, 5, ran.stderr)

    def test_top_snapshots_name_the_actors(self):
        ran = self.run_litctl("top", "--interval", "200", "--count", "2", "-o", "json")
        self.assertEqual(ran.returncode, 0, ran.stderr)
        snapshots = [json.loads(line) for line in ran.stdout.splitlines()]
        self.assertEqual(len(snapshots), 2)
        self.assertIn("gw/tick", [actor["path"] for actor in snapshots[-1]["actors"]])

    def test_top_under_tmux_shows_the_actors(self):
        if shutil.which("tmux") is None:
            self.skipTest("tmux is not installed")
        session = "litctl-e2e-%d" % os.getpid()
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "30",
                        "%s --socket %s top --interval 200" % (LITCTL, self.socket)], check=True)
        screen = ""
        try:
            def shows_actors():
                nonlocal screen
                screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                        text=True).stdout
                return "gw/tick" in screen and "gw/work" in screen
            wait_for(shows_actors, "top's screen")
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        self.assertIn("ACTOR", screen)
        self.assertIn("MSG/S", screen)

    def test_chart_draws_the_actors_statechart(self):
        chart = self.json_of("chart", "gw/tick")
        self.assertTrue(chart["states"])
        self.assertTrue(chart["active"])
        dot = self.run_litctl("chart", "gw/tick")
        self.assertEqual(dot.returncode, 0, dot.stderr)
        self.assertTrue(dot.stdout.startswith("digraph"))
        mermaid = self.run_litctl("chart", "gw/tick", "-o", "mermaid")
        self.assertEqual(mermaid.returncode, 0, mermaid.stderr)
        self.assertTrue(mermaid.stdout.startswith("stateDiagram-v2"))
        for state in chart["states"]:
            self.assertIn(state["name"], mermaid.stdout)

    def test_a_misspelt_command_is_corrected(self):
        ran = self.run_litctl("devcies")
        self.assertEqual(ran.returncode, 2)
        self.assertIn("did you mean 'devices'?", ran.stderr)


if __name__ == "__main__":
    LITCTL, LITD = sys.argv[1:3]
    del sys.argv[1:3]
    unittest.main(verbosity=2)

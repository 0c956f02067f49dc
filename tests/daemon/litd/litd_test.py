#!/usr/bin/env python3
"""litd as a process: --check, exit codes, start, SIGHUP reloads (accepted and
rejected), sd_notify through a real NOTIFY_SOCKET, and SIGTERM's ordered
shutdown. Usage: litd_test.py LITD"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

LITD = None

TREE = """
[daemon]
workers = 2

[metrics]
enabled = false

[[actor]]
path = "gw"
type = "supervisor"
strategy = "one_for_one"
intensity = 3
period = "5s"

[[actor]]
path = "gw/tick"
type = "ticker"
[actor.params]
period = "100ms"

[[actor]]
path = "gw/work"
type = "worker"
"""

ADDED = TREE + """
[[actor]]
path = "gw/added"
type = "worker"

[[actor]]
path = "edge"
type = "supervisor"

[[actor]]
path = "edge/w"
type = "worker"
"""


class Litd:
    """A running litd with its stderr collected and a NOTIFY_SOCKET to read."""

    def __init__(self, directory, config_text):
        self.config = os.path.join(directory, "litd.toml")
        self.write_config(config_text)
        self.notify_path = os.path.join(directory, "notify.sock")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.notify.settimeout(10)
        self.log_path = os.path.join(directory, "litd.log")
        self.log = open(self.log_path, "w")
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_path)
        self.process = subprocess.Popen([LITD, "--config", self.config], stderr=self.log, env=env)

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def notification(self):
        return self.notify.recv(4096).decode()

    def wait_notification(self, key):
        deadline = time.monotonic() + 10
        seen = []
        while time.monotonic() < deadline:
            message = self.notification()
            seen.append(message)
            if key in message.split("\n"):
                return message
        raise AssertionError(f"no {key} among {seen}")

    def text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, needle, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return
            time.sleep(0.02)
        raise AssertionError(f"{needle!r} not logged:\n{self.text()}")

    def stop(self, sig=signal.SIGTERM):
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self.notify.setblocking(False)
        self.late_notifications = []
        try:
            while True:
                self.late_notifications.append(self.notify.recv(4096).decode())
        except BlockingIOError:
            pass
        self.notify.close()
        self.log.close()
        return code


class LitdTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="litd-test-")

    def run_litd(self, *args):
        return subprocess.run([LITD, *args], capture_output=True, text=True, timeout=30)

    def test_check_accepts_a_valid_file_and_starts_nothing(self):
        path = os.path.join(self.directory, "ok.toml")
        with open(path, "w") as f:
            f.write(TREE)
        result = self.run_litd("--check", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), f"{path}: valid: 3 actors in 1 trees, 0 devices")

    def test_an_invalid_file_exits_78_naming_every_problem_by_line_and_column(self):
        path = os.path.join(self.directory, "bad.toml")
        with open(path, "w") as f:
            f.write(TREE.replace('type = "worker"', 'type = "wrker"') + '\n[[actor]]\npath = "gw/tick"\ntype = "worker"\n')
        for args in (["--check", path], ["--config", path]):
            result = self.run_litd(*args)
            self.assertEqual(result.returncode, 78, result.stderr)
            lines = result.stderr.splitlines()
            self.assertIn(f"{path}:23:8: error: unknown actor type 'wrker'", result.stderr)
            self.assertTrue(any(line.startswith(f"{path}:26:8: error: duplicate actor path 'gw/tick' (first declared at 16:8)") for line in lines),
                            result.stderr)
            self.assertEqual(lines[-1], f"litd: {path}: 2 problems; nothing started")

    def test_a_bad_command_line_exits_64(self):
        self.assertEqual(self.run_litd("--no-such-flag").returncode, 64)
        self.assertEqual(self.run_litd("--log-level", "loud", "--config", "/dev/null").returncode, 64)

    def test_the_shipped_sample_and_demo_configs_are_valid(self):
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
        for name in ("sample.toml", "demo.toml"):
            result = self.run_litd("--check", os.path.join(root, "daemon", "litd", name))
            self.assertEqual(result.returncode, 0, result.stderr)

    def test_list_types_names_the_built_in_types_and_their_parameters(self):
        result = self.run_litd("--list-types")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout, r"(?m)^ticker +counts ticks")
        self.assertRegex(result.stdout, r"(?m)^  period +duration +time between ticks")
        self.assertRegex(result.stdout, r"(?m)^worker +counts `work` events")

    def test_start_notifies_ready_and_sigterm_stops_the_trees_in_order_and_exits_0(self):
        litd = Litd(self.directory, ADDED)
        ready = litd.wait_notification("READY=1")
        self.assertIn("STATUS=2 trees, 6 actors", ready)
        litd.wait_log("started: 2 trees, 6 actors")
        self.assertEqual(litd.stop(), 0)
        log = litd.text()
        self.assertLess(log.index("tree edge stopped"), log.index("tree gw stopped"))  # reverse start order
        self.assertIn("stopped", log.splitlines()[-1])
        self.assertIn("STOPPING=1", litd.late_notifications)

    def test_sighup_starts_added_children_and_trees(self):
        litd = Litd(self.directory, TREE)
        litd.wait_notification("READY=1")
        litd.write_config(ADDED)
        litd.process.send_signal(signal.SIGHUP)
        litd.wait_notification("RELOADING=1")
        ready = litd.wait_notification("READY=1")
        self.assertIn("STATUS=2 trees, 6 actors", ready)
        litd.wait_log("reloaded")
        log = litd.text()
        self.assertIn("started gw/added", log)
        self.assertIn("started tree edge", log)
        # And back: the added ones stop, the rest keeps running.
        litd.write_config(TREE)
        litd.process.send_signal(signal.SIGHUP)
        ready = litd.wait_notification("READY=1")
        self.assertIn("STATUS=1 tree, 3 actors", ready)
        litd.wait_log("stopped and removed gw/added")
        self.assertIn("stopped tree edge", litd.text())
        self.assertEqual(litd.stop(), 0)

    def test_an_invalid_file_on_sighup_is_rejected_and_the_running_tree_is_kept(self):
        litd = Litd(self.directory, TREE)
        litd.wait_notification("READY=1")
        litd.write_config(TREE + '\n[[actor]]\npath = "gw/x"\ntype = "nope"\n')
        litd.process.send_signal(signal.SIGHUP)
        litd.wait_log("reload rejected; the running trees are unchanged")
        ready = litd.wait_notification("READY=1")
        self.assertIn("STATUS=1 tree, 3 actors", ready)
        self.assertIn("unknown actor type 'nope'", litd.text())
        self.assertEqual(litd.stop(signal.SIGINT), 0)

    def test_a_device_whose_port_is_missing_is_retried_and_logged_once(self):
        config = TREE + """
[[device]]
name = "board0"
port = "%s/ttyNOPE"
reconnect = { min = "10ms", max = "40ms" }

[[actor]]
path = "gw/blinky"
device = "board0"
""" % self.directory
        litd = Litd(self.directory, config)
        litd.wait_notification("READY=1")
        time.sleep(0.5)  # a dozen reopen attempts
        self.assertEqual(litd.stop(), 0)
        log = litd.text()
        self.assertEqual(log.count("no such device"), 1, log)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MetricsTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="litd-metrics-")

    def test_the_metrics_page_counts_the_tree_and_passes_promtool(self):
        port = free_port()
        config = TREE.replace("enabled = false", f'listen = "127.0.0.1:{port}"\nactor_paths = ["gw/tick"]')
        litd = Litd(self.directory, config)
        litd.wait_notification("READY=1")
        deadline = time.monotonic() + 10
        ticks = 0
        while time.monotonic() < deadline and ticks < 10:
            time.sleep(0.5)
            text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            for line in text.splitlines():
                if line.startswith('lit_actor_messages_total{path="gw/tick",type="ticker"}'):
                    ticks = float(line.split()[-1])
        self.assertGreaterEqual(ticks, 10)
        self.assertIn('lit_supervisor_restarts_total{path="gw"} 0', text)
        # Every tick handled was timed into the processing histogram.
        count = sum_line = None
        for line in text.splitlines():
            if line.startswith('lit_actor_processing_seconds_count{path="gw/tick",type="ticker"}'):
                count = float(line.split()[-1])
            if line.startswith('lit_actor_processing_seconds_sum{path="gw/tick",type="ticker"}'):
                sum_line = float(line.split()[-1])
        self.assertGreaterEqual(count, 10)
        self.assertGreater(sum_line, 0)
        self.assertLess(sum_line / count, 0.01)  # a tick takes microseconds, not the 100 ms between ticks
        self.assertIn('lit_actor_messages_total{type="worker"} 0', text)
        check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertEqual(check.stdout + check.stderr, "")
        self.assertEqual(litd.stop(), 0)

    def test_a_metrics_address_in_use_exits_69_and_starts_nothing(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            path = os.path.join(self.directory, "litd.toml")
            with open(path, "w") as f:
                f.write(TREE.replace("enabled = false", f'listen = "127.0.0.1:{port}"'))
            result = subprocess.run([LITD, "--config", path], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 69, result.stderr)
        self.assertIn(f"metrics: cannot listen on 127.0.0.1:{port}: address in use", result.stderr)
        self.assertNotIn("tree gw started", result.stderr)


if __name__ == "__main__":
    LITD = sys.argv.pop(1)
    unittest.main(verbosity=2)

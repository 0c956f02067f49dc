"""The HIL suite's harness: the targets (the agent on QEMU behind the serial
proxy, or a real board on a serial port), a litd per scenario with its own
tree, and the operator's views of it (`litctl -o json`, the metrics page,
the log). hil/run.py runs the scenarios in hil/scenarios.py with it."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


class Skip(Exception):
    """A scenario this target cannot run (said in the report)."""


def wait_for(what, predicate, seconds=20.0, every=0.05):
    """Polls until predicate() returns something true and returns it."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (seconds, what))
        time.sleep(every)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def free_port():
    out = subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "lib", "free_port.py")],
                         capture_output=True, text=True, check=True)
    return int(out.stdout)


# ---- targets ------------------------------------------------------------------------------


class QemuBoard:
    """The agent on QEMU; its UART reaches litd through the serial proxy."""

    def __init__(self, machine, elf, directory, proxy_args=()):
        self.machine, self.elf, self.dir = machine, elf, directory
        self.proxy_args = list(proxy_args)
        self.port = os.path.join(directory, "board0")
        self.qemu = self.proxy = None
        self.boots = 0

    def start(self):
        self.boots += 1
        link = os.path.join(self.dir, "link.sock")
        if os.path.exists(link):
            os.unlink(link)
        console = open(os.path.join(self.dir, "console-%d.log" % self.boots), "w")
        self.qemu = subprocess.Popen(
            ["qemu-system-arm", "-M", self.machine, "-nographic", "-monitor", "none",
             "-semihosting-config", "enable=on,target=native", "-kernel", self.elf,
             "-serial", "file:" + console.name, "-serial", "unix:%s,server=on,wait=on" % link],
            stdout=subprocess.DEVNULL, stderr=console, start_new_session=True)
        wait_for("QEMU's UART socket", lambda: os.path.exists(link), 10)
        self.proxy = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "serial_proxy.py"), "--board-socket", link, "--link", self.port,
             "--control", os.path.join(self.dir, "proxy.sock"),
             "--stats", os.path.join(self.dir, "proxy-%d.json" % self.boots)] + self.proxy_args,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "proxy.log"), "a"),
            start_new_session=True)
        wait_for("the proxy's pty", lambda: os.path.exists(self.port), 10)

    def kill(self):
        """Pulls the power: SIGKILL to QEMU (the proxy then exits too)."""
        if self.qemu and self.qemu.poll() is None:
            self.qemu.kill()
            self.qemu.wait()
        if self.proxy:
            try:
                self.proxy.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proxy.kill()
                self.proxy.wait()

    def proxy_command(self, line):
        """One command on the proxy's control socket (serial_proxy.py); its JSON reply."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control:
            control.settimeout(10)
            control.connect(os.path.join(self.dir, "proxy.sock"))
            control.sendall(line.encode() + b"\n")
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = control.recv(4096)
                if not chunk:
                    break
                reply += chunk
        answer = json.loads(reply)
        check(answer.get("ok", True), "proxy: %s: %s" % (line, answer.get("error")))
        return answer

    def stop(self):
        for process in (self.proxy, self.qemu):
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


class RealBoard:
    """A board on a serial port, flashed once before the suite."""

    def __init__(self, port):
        self.port = port

    def start(self):
        check(os.path.exists(self.port), "no serial port at " + self.port)

    def kill(self):
        raise Skip("a real board's power cannot be pulled from here")

    def proxy_command(self, line):
        raise Skip("the wire drills need the serial proxy, which sits in front of QEMU only")

    def stop(self):
        pass


# ---- litd -----------------------------------------------------------------------------------


class Litd:
    def __init__(self, build, directory, tree, port):
        self.build, self.dir = build, directory
        self.socket = os.path.join(directory, "control.sock")
        self.metrics_port = free_port()
        self.config = os.path.join(directory, "litd.toml")
        self.log_path = os.path.join(directory, "litd.log")
        with open(self.config, "w") as out:
            out.write(HEADER.format(dir=directory, port=port, metrics=self.metrics_port) + tree)
        self.process = None

    def start(self):
        self.process = subprocess.Popen([os.path.join(self.build, "daemon/litd/litd"), "--config", self.config],
                                        stdout=subprocess.DEVNULL, stderr=open(self.log_path, "a"))
        wait_for("litd's control socket", lambda: self.litctl_rc("status") == 0 or self.process.poll() is not None)
        check(self.process.poll() is None, "litd exited at start: " + self.log())

    def stop(self, timeout=30):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            return self.process.wait(timeout=timeout)
        return self.process.returncode if self.process else None

    def log(self):
        with open(self.log_path) as log:
            return log.read()

    def run_litctl(self, *args, timeout=60):
        env = dict(os.environ, LITCTL_SOCKET=self.socket)
        return subprocess.run([os.path.join(self.build, "cli/litctl/litctl"), *args], env=env,
                              capture_output=True, text=True, timeout=timeout)

    def litctl_rc(self, *args):
        return self.run_litctl(*args).returncode

    def json(self, *args):
        ran = self.run_litctl(*args, "-o", "json")
        check(ran.returncode == 0, "litctl %s exited %d: %s" % (" ".join(args), ran.returncode, ran.stderr.strip()))
        return json.loads(ran.stdout)

    def node(self, path):
        return self.json("inspect", path)["node"]

    def device(self):
        devices = self.json("devices")["devices"]
        return devices[0] if devices else None

    def metrics(self):
        """The metrics page as {(name, frozenset(labels)): value}."""
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics_port, timeout=10).read().decode()
        samples = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            match = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
            if match:
                labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
                samples[(match.group(1), labels)] = float(match.group(3))
        return samples

    def metric(self, name, **labels):
        """The sum of a metric's samples whose labels include `labels`."""
        wanted = set(labels.items())
        return sum(value for (metric, have), value in self.metrics().items() if metric == name and wanted <= have)


HEADER = """\
[daemon]
workers = 2
[log]
level = "debug"
[metrics]
listen = "127.0.0.1:{metrics}"
[control]
socket = "{dir}/control.sock"

[[device]]
name = "board0"
port = "{port}"
baud = 115200
link_timeout = "1s"
reconnect = {{ min = "50ms", max = "500ms" }}
"""


def all_running(litd, states=True):
    """Every actor running, and (states) every device actor's states known."""
    ran = litd.run_litctl("tree", "-o", "json")
    if ran.returncode != 0:
        return False
    return subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "lib", "all_running.py")]
                          + ([] if states else ["--without-states"]),
                          input=ran.stdout, text=True).returncode == 0


def link_up(litd):
    device = litd.device()
    return device if device and device["link_state"] == "LINK_STATE_UP" else None



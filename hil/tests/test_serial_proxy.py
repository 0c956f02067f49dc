"""Tests for hil/serial_proxy.py: a fake board (a Unix socket server in the
test), the proxy as a subprocess, and its pty opened as litd opens it.
Run: python3 hil/tests/test_serial_proxy.py"""
import errno
import json
import os
import random
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tty
import unittest

PROXY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serial_proxy.py")


def wait_for(what, predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (seconds, what))
        time.sleep(0.02)


def open_tty(path):
    """Opens the pty as litd does: read-write, not as a controlling tty, raw."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    return fd


def is_subsequence(short, long):
    it = iter(long)
    return all(c in it for c in short)


class Rig:
    """A fake board, the proxy between it and a pty, and that pty opened."""

    def __init__(self, *proxy_args, board_late=0.0):
        self.dir = tempfile.mkdtemp(prefix="sp-", dir="/tmp")
        self.board_path = os.path.join(self.dir, "link.sock")
        self.link = os.path.join(self.dir, "board0")
        self.control = os.path.join(self.dir, "proxy.sock")
        self.stats_path = os.path.join(self.dir, "stats.json")
        self.log_path = os.path.join(self.dir, "proxy.log")
        self.tty = self.board = None
        if not board_late:
            self.listen()
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, PROXY, "--board-socket", self.board_path, "--link", self.link,
                 "--control", self.control, "--stats", self.stats_path] + list(proxy_args),
                stdout=subprocess.DEVNULL, stderr=log)
        if board_late:
            time.sleep(board_late)
            self.listen()
        self.server.settimeout(10)
        self.board, _ = self.server.accept()
        self.board.setblocking(False)
        wait_for("the link", lambda: os.path.lexists(self.link))
        wait_for("the control socket", lambda: os.path.exists(self.control))
        self.tty = open_tty(self.link)

    def listen(self):
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.board_path)
        self.server.listen(1)

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def command(self, line):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(self.control)
            s.sendall(line.encode() + b"\n")
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        return json.loads(reply)

    def stats_when(self, what, predicate, seconds=5.0):
        """Polls `stats` until predicate(stats) holds; returns those stats."""
        def poll():
            stats = self.command("stats")
            return stats if predicate(stats) else None
        return wait_for(what, poll, seconds)

    def pump(self, to_board=b"", to_host=b"", want_host=0, want_board=0, seconds=15.0):
        """Writes to_board into the tty and to_host into the board's socket while
        reading both ends, until all is written and at least want_host bytes
        reached the tty and want_board the board. Returns (at_host, at_board)."""
        at_host, at_board = bytearray(), bytearray()
        to_board, to_host = memoryview(to_board), memoryview(to_host)
        deadline = time.monotonic() + seconds
        while to_board or to_host or len(at_host) < want_host or len(at_board) < want_board:
            if time.monotonic() > deadline:
                raise AssertionError("pump timed out: host got %d/%d, board got %d/%d, %d+%d unsent"
                                     % (len(at_host), want_host, len(at_board), want_board,
                                        len(to_board), len(to_host)))
            writers = ([self.tty] if to_board else []) + ([self.board] if to_host else [])
            readable, writable, _ = select.select([self.tty, self.board], writers, [], 0.1)
            if self.tty in writable:
                try:
                    to_board = to_board[os.write(self.tty, to_board[:4096]):]
                except BlockingIOError:
                    pass
            if self.board in writable:
                try:
                    to_host = to_host[self.board.send(to_host[:65536]):]
                except BlockingIOError:
                    pass
            if self.tty in readable:
                try:
                    at_host += os.read(self.tty, 65536)
                except BlockingIOError:
                    pass
            if self.board in readable:
                try:
                    chunk = self.board.recv(65536)
                except BlockingIOError:
                    chunk = None
                if chunk == b"":
                    raise AssertionError("the proxy closed the board's socket")
                at_board += chunk or b""
        return bytes(at_host), bytes(at_board)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.tty is not None:
            os.close(self.tty)
        for s in (self.board, self.server):
            if s:
                s.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class SerialProxyTest(unittest.TestCase):
    def rig(self, *args, **kwargs):
        rig = Rig(*args, **kwargs)
        self.addCleanup(rig.close)
        return rig

    def test_clean_line_is_transparent(self):
        rig = self.rig(board_late=0.5)  # the proxy retries until the board is there
        rng = random.Random(1)
        up, down = rng.randbytes(65536), rng.randbytes(65536)
        at_host, at_board = rig.pump(up, down, len(down), len(up))
        self.assertEqual(at_host, down)
        self.assertEqual(at_board, up)
        stats = rig.command("stats")
        for name in ("to_host", "to_board"):
            self.assertEqual(stats[name]["bytes_in"], 65536)
            self.assertEqual(stats[name]["bytes_out"], 65536)
            self.assertEqual(stats[name]["bits_flipped"], 0)

    def test_bit_errors_match_the_counter(self):
        rig = self.rig("--ber", "1e-3", "--seed", "7")
        rng = random.Random(2)
        up, down = rng.randbytes(200_000), rng.randbytes(200_000)
        at_host, at_board = rig.pump(up, down, len(down), len(up))
        stats = rig.command("stats")
        for name, sent, got in (("to_host", down, at_host), ("to_board", up, at_board)):
            self.assertEqual(len(got), len(sent))
            diff = int.from_bytes(sent, "big") ^ int.from_bytes(got, "big")
            flipped = diff.bit_count()
            bytes_flipped = sum(1 for a, b in zip(sent, got) if a != b)
            self.assertEqual(flipped, stats[name]["bits_flipped"], name)
            self.assertEqual(bytes_flipped, stats[name]["bytes_flipped"], name)
            expected = 1e-3 * 8 * len(sent)
            self.assertTrue(0.5 * expected <= flipped <= 1.5 * expected, "%s: %d flips" % (name, flipped))

    def test_drop_then_dup_set_live(self):
        rig = self.rig("--drop", "0.01", "--seed", "3")
        rng = random.Random(3)
        for fault in ("drop", "dup"):
            before = rig.command("stats")
            up, down = rng.randbytes(65536), rng.randbytes(65536)
            at_host, at_board = rig.pump(up, down)
            stats = rig.stats_when("the proxy to read everything", lambda s: all(
                s[d]["bytes_in"] - before[d]["bytes_in"] == 65536 for d in ("to_host", "to_board")))
            delta = {d: {k: stats[d][k] - before[d][k] for k in stats[d]} for d in ("to_host", "to_board")}
            expected = {d: 65536 - delta[d]["bytes_dropped"] + delta[d]["bytes_duplicated"] for d in delta}
            more_host, more_board = rig.pump(want_host=expected["to_host"] - len(at_host),
                                             want_board=expected["to_board"] - len(at_board))
            after = rig.command("stats")
            for name, sent, got in (("to_host", down, at_host + more_host), ("to_board", up, at_board + more_board)):
                d = delta[name]
                self.assertEqual(len(got), expected[name], name)
                self.assertEqual(after[name]["bytes_out"] - before[name]["bytes_out"], len(got), name)
                if fault == "drop":
                    self.assertGreater(d["bytes_dropped"], 300, name)
                    self.assertEqual(d["bytes_duplicated"], 0)
                    self.assertTrue(is_subsequence(got, sent), name)
                else:
                    self.assertGreater(d["bytes_duplicated"], 300, name)
                    self.assertEqual(d["bytes_dropped"], 0)
                    self.assertTrue(is_subsequence(sent, got), name)
            self.assertTrue(rig.command("set drop 0")["ok"])
            self.assertTrue(rig.command("set dup 0.01")["ok"])
        self.assertFalse(rig.command("set dup 2")["ok"])

    def test_baud_paces_each_direction(self):
        rig = self.rig("--baud", "9600")
        up, down = os.urandom(1920), os.urandom(1920)
        start = time.monotonic()
        at_host, at_board = rig.pump(up, down, len(down), len(up))
        took = time.monotonic() - start
        self.assertEqual((at_host, at_board), (down, up))
        self.assertTrue(1.6 <= took <= 3.5, "1920 bytes each way at 9600 baud took %.2f s" % took)

    def test_unplug_and_replug(self):
        rig = self.rig()
        self.assertEqual(rig.pump(b"a" * 100, b"b" * 100, 100, 100), (b"b" * 100, b"a" * 100))
        old_pty = os.readlink(rig.link)
        self.assertTrue(rig.command("unplug 0.5")["ok"])
        gone = not os.path.lexists(rig.link) or os.readlink(rig.link) != old_pty
        rig.board.sendall(b"lost" * 250)  # the board talks on while the tty is out
        self.assertTrue(gone, "the link still names the old pty")
        select.select([rig.tty], [], [], 2.0)
        try:
            self.assertEqual(os.read(rig.tty, 100), b"")
        except OSError as e:
            self.assertEqual(e.errno, errno.EIO)
        new_pty = wait_for("a new pty", lambda: os.path.lexists(rig.link) and os.readlink(rig.link) != old_pty
                           and os.readlink(rig.link), 3.0)
        self.assertTrue(new_pty.startswith("/dev/"), new_pty)
        os.close(rig.tty)
        rig.tty = open_tty(rig.link)
        stats = rig.command("stats")
        self.assertEqual((stats["unplugs"], stats["ptys_created"]), (1, 2))
        self.assertEqual(stats["to_host"]["bytes_discarded_unplugged"], 1000)
        up, down = os.urandom(5000), os.urandom(5000)
        self.assertEqual(rig.pump(up, down, len(down), len(up)), (down, up))
        self.assertIn("unplugged for 0.5 s", rig.log())
        self.assertIn("plugged in at " + new_pty, rig.log())

    def test_sigusr1_unplugs(self):
        rig = self.rig("--unplug-seconds", "0.2")
        rig.proc.send_signal(signal.SIGUSR1)
        rig.stats_when("the replug", lambda s: s["ptys_created"] == 2, 3.0)
        os.close(rig.tty)
        rig.tty = open_tty(rig.link)
        self.assertEqual(rig.pump(b"x" * 10, b"y" * 10, 10, 10), (b"y" * 10, b"x" * 10))

    def test_board_closing_exits_3(self):
        rig = self.rig()
        rig.board.close()
        rig.board = None
        self.assertEqual(rig.proc.wait(timeout=5), 3)
        self.assertIn("serial_proxy: the board closed its socket", rig.log())
        self.assertFalse(os.path.lexists(rig.link))

    def test_direction_limits_the_faults_and_quit(self):
        rig = self.rig("--direction", "to-board", "--drop", "1")
        down = os.urandom(3000)
        self.assertEqual(rig.pump(b"z" * 500, down, len(down), 0), (down, b""))
        stats = rig.stats_when("the drops", lambda s: s["to_board"]["bytes_dropped"] == 500)
        self.assertEqual((stats["to_board"]["bytes_out"], stats["to_host"]["bytes_dropped"]), (0, 0))
        self.assertEqual(rig.command("quit"), {"ok": True})
        self.assertEqual(rig.proc.wait(timeout=5), 0)
        with open(rig.stats_path) as f:
            self.assertEqual(json.load(f)["to_board"]["bytes_dropped"], 500)

    def test_sigterm_writes_stats_and_removes_the_link(self):
        rig = self.rig()
        rig.pump(b"h" * 300, b"b" * 200, 200, 300)
        rig.proc.send_signal(signal.SIGTERM)
        self.assertEqual(rig.proc.wait(timeout=5), 0)
        with open(rig.stats_path) as f:
            stats = json.load(f)
        self.assertEqual(stats["to_board"]["bytes_out"], 300)
        self.assertEqual(stats["to_host"]["bytes_out"], 200)
        self.assertEqual(stats["ptys_created"], 1)
        self.assertFalse(os.path.lexists(rig.link))
        self.assertFalse(os.path.exists(rig.control))


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""A fault-injecting serial proxy between litd and an emulated board.

QEMU exposes the board's UART as a Unix stream socket; litd opens a tty. This
proxy connects to the socket, publishes a pty under a stable symlink for litd
and forwards bytes both ways, optionally paced at a real baud rate and with bit
errors, dropped and duplicated bytes injected per direction. It can also
"unplug" the tty for a while (SIGUSR1 or the control socket) while the board
keeps running, as when a USB-serial adapter is pulled out. Standard library only.
"""
import argparse
import errno
import json
import math
import os
import random
import selectors
import signal
import socket
import sys
import time
import tty

CHUNK = 65536
MAX_QUEUE = 65536  # a direction holding this much stops reading its source
EXAMPLE = ("python3 hil/serial_proxy.py --board-socket /tmp/lit-demo/link.sock --link /tmp/lit-demo/board0 "
           "--baud 115200 --ber 1e-4 --control /tmp/lit-demo/proxy.sock")


def log(message):
    print("serial_proxy: " + message, file=sys.stderr, flush=True)


class Events:
    """Where events of probability p per trial fall, drawn as geometric skip
    distances: one random draw per event, not one per trial."""

    def __init__(self, rng):
        self.rng = rng
        self.set(0.0)

    def set(self, p):
        self.p = p
        self.left = self._skip()

    def _skip(self):
        if self.p <= 0:
            return math.inf
        if self.p >= 1:
            return 0
        return int(math.log(1.0 - self.rng.random()) / math.log1p(-self.p))

    def positions(self, n):
        """The trials in range(n) with an event; the distance left carries over."""
        found, i = [], self.left
        while i < n:
            found.append(i)
            i += 1 + self._skip()
        self.left = i - n
        return found


class Direction:
    """One way through the proxy: its faults, its paced output queue, its counters."""
    COUNTERS = ("bytes_in", "bytes_out", "bits_flipped", "bytes_flipped", "bytes_dropped",
                "bytes_duplicated", "bytes_discarded_unplugged")

    def __init__(self, rng, baud, faulty):
        self.faulty = faulty  # whether --direction lets the bit/drop/dup faults apply here
        self.faults = {"ber": Events(rng), "drop": Events(rng), "dup": Events(rng)}
        self.per_second = baud / 10.0  # 8N1: 10 bits a byte; 0 = unpaced
        self.queue = bytearray()
        self.credit, self.last = 0.0, time.monotonic()
        self.blocked = False  # the destination said EAGAIN: wait until it is writable
        self.counts = dict.fromkeys(self.COUNTERS, 0)

    def set_rate(self, name, value):
        if self.faulty:
            self.faults[name].set(value)

    def take(self, data):
        """Counts bytes read from the source, applies the faults and queues them.
        Drop and dup come first, so every flipped bit is in a delivered byte."""
        self.counts["bytes_in"] += len(data)
        drops = set(self.faults["drop"].positions(len(data)))
        dups = self.faults["dup"].positions(len(data))
        data = bytearray(data)
        if drops or dups:
            out, start = bytearray(), 0
            for i in sorted(drops.union(dups)):
                out += data[start:i]
                if i in drops:
                    self.counts["bytes_dropped"] += 1
                else:
                    out += data[i:i + 1] * 2
                    self.counts["bytes_duplicated"] += 1
                start = i + 1
            data = out + data[start:]
        flips = self.faults["ber"].positions(len(data) * 8)
        for bit in flips:
            data[bit >> 3] ^= 1 << (bit & 7)
        self.counts["bits_flipped"] += len(flips)
        self.counts["bytes_flipped"] += len({bit >> 3 for bit in flips})
        if not self.queue and self.per_second:  # an idle line saves up no burst
            self.credit = min(1.0, self.credit + (time.monotonic() - self.last) * self.per_second)
            self.last = time.monotonic()
        self.queue += data

    def discard(self, n):
        self.counts["bytes_discarded_unplugged"] += n

    def allowance(self, now):
        """How many queued bytes may go out now: all when unpaced, else what the time allows."""
        if not self.per_second:
            return len(self.queue)
        self.credit += (now - self.last) * self.per_second
        self.last = now
        return min(len(self.queue), int(self.credit))

    def sent(self, n):
        del self.queue[:n]
        self.counts["bytes_out"] += n
        if self.per_second:
            self.credit -= n

    def wait(self):
        """Seconds until pacing lets the next byte go, or None (nothing to wait for)."""
        if not self.queue or not self.per_second or self.blocked or self.credit >= 1:
            return None
        return (1.0 - self.credit) / self.per_second


class Pty:
    """A raw pty published at the link. We keep the slave open as well, so the
    master never sees EIO while litd has it closed between reconnects."""

    def __init__(self, link):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        os.set_blocking(self.slave, False)
        self.name, self.link = os.ttyname(self.slave), link
        temp = "%s.%d.tmp" % (link, os.getpid())
        if os.path.lexists(temp):
            os.unlink(temp)
        os.symlink(self.name, temp)
        os.replace(temp, link)

    def close(self):
        try:
            if os.readlink(self.link) == self.name:
                os.unlink(self.link)
        except OSError:
            pass
        os.close(self.master)
        os.close(self.slave)


def connect_board(path, seconds=10.0):
    """Connects to the board's Unix socket, retrying while it is not there yet."""
    deadline = time.monotonic() + seconds
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            sock.setblocking(False)
            return sock
        except (FileNotFoundError, ConnectionRefusedError) as e:
            sock.close()
            if time.monotonic() > deadline:
                log("no board socket at %s after %.0f s (%s)" % (path, seconds, e.strerror))
                sys.exit(1)
            time.sleep(0.1)


class Proxy:
    def __init__(self, args):
        self.args = args
        self.started = time.monotonic()
        rng = random.Random(args.seed)
        self.to_host = Direction(rng, args.baud, args.direction in ("both", "to-host"))
        self.to_board = Direction(rng, args.baud, args.direction in ("both", "to-board"))
        for name in ("ber", "drop", "dup"):
            self.set_rate(name, getattr(args, name))
        self.unplugs, self.ptys_created = 0, 0
        self.pty, self.replug_at, self.control = None, None, None
        self.sel = selectors.DefaultSelector()
        self.board = connect_board(args.board_socket)
        log("connected to the board at " + args.board_socket)
        self.wake_r, self.wake_w = socket.socketpair()
        for s in (self.wake_r, self.wake_w):
            s.setblocking(False)
        signal.set_wakeup_fd(self.wake_w.fileno())
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
            signal.signal(signum, lambda *_: None)  # the wakeup fd carries the number
        self.want(self.wake_r, selectors.EVENT_READ, self.on_signal)
        if args.control:
            if os.path.exists(args.control):
                os.unlink(args.control)
            self.control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.control.bind(args.control)
            self.control.listen(8)
            self.control.setblocking(False)
            self.want(self.control, selectors.EVENT_READ, self.on_control)
        self.plug_in()

    def set_rate(self, name, value):
        for direction in (self.to_host, self.to_board):
            direction.set_rate(name, value)

    def want(self, obj, events, callback=None):
        """Registers, modifies or unregisters obj so that the selector watches exactly events."""
        key = self.sel.get_map().get(obj)
        if not events:
            if key:
                self.sel.unregister(obj)
        elif not key:
            self.sel.register(obj, events, callback)
        elif key.events != events:
            self.sel.modify(obj, events, callback or key.data)

    # ---- plugging --------------------------------------------------------------------------

    def plug_in(self):
        self.pty, self.replug_at = Pty(self.args.link), None
        self.ptys_created += 1
        self.to_board.blocked = self.to_host.blocked = False
        log("plugged in at " + self.pty.name)

    def unplug(self, seconds):
        self.want(self.pty.master, 0)
        self.pty.close()
        self.pty = None
        self.to_host.discard(len(self.to_host.queue))
        self.to_host.queue.clear()
        self.unplugs += 1
        self.replug_at = time.monotonic() + seconds
        log("unplugged for %.1f s" % seconds)

    # ---- the loop --------------------------------------------------------------------------

    def run(self):
        while True:
            if self.replug_at is not None and time.monotonic() >= self.replug_at:
                self.plug_in()
            now = time.monotonic()
            if self.pty:
                self.flush(self.to_host, now, self.write_host)
            self.flush(self.to_board, now, self.board.send)
            read = selectors.EVENT_READ
            write = selectors.EVENT_WRITE
            self.want(self.board, (read if len(self.to_host.queue) < MAX_QUEUE or not self.pty else 0)
                      | (write if self.to_board.blocked else 0), self.on_board)
            if self.pty:
                self.want(self.pty.master, (read if len(self.to_board.queue) < MAX_QUEUE else 0)
                          | (write if self.to_host.blocked else 0), self.on_master)
            waits = [w for w in (self.to_host.wait() if self.pty else None, self.to_board.wait(),
                                 self.replug_at and max(0.0, self.replug_at - time.monotonic()))
                     if w is not None]
            for key, mask in self.sel.select(min(waits) if waits else None):
                if mask & selectors.EVENT_READ:
                    key.data()

    def flush(self, direction, now, write):
        """Writes what pacing allows; notes EAGAIN so the loop waits for writability."""
        n = direction.allowance(now)
        direction.blocked = False
        if not n:
            return
        try:
            done = write(bytes(direction.queue[:n]))
        except BlockingIOError:
            done = 0
        except (BrokenPipeError, ConnectionResetError):
            self.board_gone()
        direction.sent(done)
        direction.blocked = done < n

    def write_host(self, data):
        try:
            return os.write(self.pty.master, data)
        except OSError as e:
            if e.errno != errno.EIO:
                raise
            self.to_host.discard(len(self.to_host.queue))  # no slave open: nobody to hear it
            self.to_host.queue.clear()
            return 0

    def board_gone(self):
        log("the board closed its socket")
        raise SystemExit(3)

    def on_board(self):
        try:
            data = self.board.recv(CHUNK)
        except BlockingIOError:
            return
        except ConnectionResetError:
            data = b""
        if not data:
            self.board_gone()
        if self.pty:
            self.to_host.take(data)
        else:
            self.to_host.counts["bytes_in"] += len(data)
            self.to_host.discard(len(data))

    def on_master(self):
        try:
            self.to_board.take(os.read(self.pty.master, CHUNK))
        except OSError as e:  # EIO would mean no slave open, but we hold one
            if e.errno not in (errno.EAGAIN, errno.EINTR, errno.EIO):
                raise

    def on_signal(self):
        for signum in self.wake_r.recv(64):
            if signum in (signal.SIGTERM, signal.SIGINT):
                log("exiting on " + signal.Signals(signum).name)
                raise SystemExit(0)
            if signum == signal.SIGUSR1 and self.pty:
                self.unplug(self.args.unplug_seconds)

    # ---- the control socket ----------------------------------------------------------------

    def on_control(self):
        try:
            client, _ = self.control.accept()
        except BlockingIOError:
            return
        client.setblocking(False)
        buffer = bytearray()
        self.want(client, selectors.EVENT_READ, lambda: self.on_client(client, buffer))

    def on_client(self, client, buffer):
        try:
            chunk = client.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        buffer += chunk
        if chunk and b"\n" not in buffer and len(buffer) < 4096:
            return
        self.want(client, 0)
        status = None
        try:
            reply, status = self.command(buffer.split(b"\n")[0].decode(errors="replace").split())
        except ValueError as e:
            reply = {"ok": False, "error": str(e)}
        try:
            client.setblocking(True)
            client.settimeout(1.0)
            client.sendall(json.dumps(reply).encode() + b"\n")
        except OSError:
            pass
        client.close()
        if status is not None:
            raise SystemExit(status)

    def command(self, words):
        """Runs one control command; returns (the reply, an exit status or None)."""
        if words == ["stats"]:
            return self.stats(), None
        if len(words) == 2 and words[0] == "unplug":
            if not self.pty:
                raise ValueError("already unplugged")
            self.unplug(rate(words[1], 1e9))
            return {"ok": True, "unplugged_for_s": float(words[1])}, None
        if len(words) == 3 and words[0] == "set" and words[1] in ("ber", "drop", "dup"):
            self.set_rate(words[1], rate(words[2]))
            log("%s set to %s" % (words[1], words[2]))
            return {"ok": True, words[1]: float(words[2])}, None
        if words == ["quit"]:
            log("exiting on quit")
            return {"ok": True}, 0
        raise ValueError("unknown command %r (stats, unplug SECONDS, set ber|drop|dup X, quit)" % " ".join(words))

    def stats(self):
        return {"to_host": dict(self.to_host.counts), "to_board": dict(self.to_board.counts),
                "unplugs": self.unplugs, "ptys_created": self.ptys_created,
                "uptime_s": round(time.monotonic() - self.started, 3), "plugged": self.pty is not None}

    def close(self):
        """Removes the link and the control socket; writes --stats."""
        if self.pty:
            self.pty.close()
            self.pty = None
        if self.control:
            self.control.close()
            try:
                os.unlink(self.args.control)
            except OSError:
                pass
        if self.args.stats:
            temp = "%s.%d.tmp" % (self.args.stats, os.getpid())
            with open(temp, "w") as f:
                json.dump(self.stats(), f, indent=1)
                f.write("\n")
            os.replace(temp, self.args.stats)


def rate(text, most=1.0):
    """A number in [0, most] from a command line or a control command."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number: %r" % text) from None
    if not 0.0 <= value <= most:
        raise ValueError("%r is not in [0, %g]" % (text, most))
    return value


def parse_args(argv):
    def probability(text):
        try:
            return rate(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    p = argparse.ArgumentParser(
        prog="serial_proxy.py", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n")[1],
        epilog="control commands (one line, one line of JSON back): stats | unplug SECONDS | "
               "set ber|drop|dup X | quit\nsignals: SIGUSR1 unplugs for --unplug-seconds; SIGTERM and SIGINT "
               "exit 0, removing the link\nexit status: 0 asked to, 1 no board socket, 3 the board closed "
               "its socket\n\nexample:\n  " + EXAMPLE)
    p.add_argument("--board-socket", required=True, metavar="PATH",
                   help="the board's UART: a Unix stream socket (QEMU -serial unix:PATH,server=on,wait=on); "
                        "retried for up to 10 s")
    p.add_argument("--link", required=True, metavar="PATH",
                   help="the symlink to the pty that litd opens (replaced atomically; removed when unplugged)")
    p.add_argument("--baud", type=int, default=0, metavar="N",
                   help="pace each direction at N baud, 10 bits a byte (8N1); 0 = unpaced (default)")
    p.add_argument("--ber", type=probability, default=0.0, metavar="X",
                   help="bit error rate: flip each bit with probability X (default 0)")
    p.add_argument("--drop", type=probability, default=0.0, metavar="X",
                   help="drop each byte with probability X (default 0)")
    p.add_argument("--dup", type=probability, default=0.0, metavar="X",
                   help="duplicate each byte with probability X (default 0)")
    p.add_argument("--direction", choices=("both", "to-host", "to-board"), default="both",
                   help="the directions that get the bit/drop/dup faults (default both)")
    p.add_argument("--seed", type=int, default=None, metavar="N",
                   help="seed the random faults, for a reproducible run")
    p.add_argument("--control", metavar="PATH", help="a Unix socket for the control commands below")
    p.add_argument("--stats", metavar="PATH", help="write the counters there as JSON on exit")
    p.add_argument("--unplug-seconds", type=float, default=2.0, metavar="S",
                   help="how long SIGUSR1 unplugs the tty (default 2)")
    args = p.parse_args(argv)
    if args.baud < 0:
        p.error("--baud must be 0 or more")
    if os.path.lexists(args.link) and not os.path.islink(args.link):
        p.error("--link %s exists and is not a symlink; not replacing it" % args.link)
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        proxy = Proxy(args)
    except OSError as e:
        log("cannot start: %s" % e)
        return 1
    try:
        proxy.run()  # leaves only by SystemExit
    finally:
        proxy.close()


if __name__ == "__main__":
    sys.exit(main())

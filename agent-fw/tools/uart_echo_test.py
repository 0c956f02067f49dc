#!/usr/bin/env python3
"""Tests the link UART and the reset record of a firmware image on QEMU.

  uart_echo_test.py --qemu qemu-system-arm --machine mps2-an385 --kernel uart_test.elf
                    [--nm arm-none-eabi-nm] [--seed N] [--timeout 90]

QEMU runs the image (agent-fw/apps/uart_test) with the console on stdout and
the link UART on a Unix socket this script connects to. Over the link it:
  - echoes random bursts (a few KB in all; each burst fits the 512-byte RX
    ring, so nothing may be lost) and checks the bytes come back exactly and
    the counters agree to the byte;
  - overflows the RX ring on purpose: the firmware stops reading, the script
    sends more than the ring holds, and the firmware must report that the ring
    kept exactly its first 512 bytes and counted every other one as
    rx_ring_full. (QEMU delivers a byte only when the UART can take it, so
    hardware overruns cannot happen here: that count must stay 0.);
  - makes the firmware fault, and checks the next boot reports hard_fault with
    a PC inside uart_test_fault (from nm), the UsageFault in CFSR and the
    escalation in HFSR; then a bus fault, with its address from BFAR;
  - asks for a commanded reset, and (on a board with a watchdog) lets the
    watchdog expire, checking each cause and the boot count;
  - checks that every boot's entropy differs, also from a second QEMU run's;
  - and that the image finally exits 0 through semihosting.
"""
import argparse
import os
import pathlib
import queue
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

RX_RING = 512
UNDEFINSTR = 1 << 16  # CFSR: UsageFault, undefined instruction
FORCED = 1 << 30  # HFSR: a configurable fault escalated to HardFault
PRECISERR = 1 << 9  # CFSR: BusFault, precise data access error
BFARVALID = 1 << 15  # CFSR: BFAR holds the faulting address


class Failure(Exception):
    pass


# Every QEMU started, so a test that runs out of time can still stop them.
RUNNING = []


class Firmware:
    """One QEMU run: the console transcript from stdout, the link as a socket."""

    def __init__(self, args, workdir, name):
        self.socket_path = os.path.join(workdir, name + ".sock")
        command = [args.qemu, "-M", args.machine, "-display", "none", "-monitor", "none",
                   "-semihosting-config", "enable=on,target=native", "-kernel", str(args.kernel),
                   "-serial", "stdio", "-serial", "unix:{},server=on,wait=on".format(self.socket_path)]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        RUNNING.append(self.process)
        self.lines = queue.Queue()
        self.transcript = []
        threading.Thread(target=self._read_console, daemon=True).start()
        self.link = self._connect()

    def _read_console(self):
        for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            print("console: " + line, flush=True)
            self.lines.put(line)

    def _connect(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failure("QEMU exited at once: " + self.process.stderr.read().decode(errors="replace"))
            try:
                link = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                link.connect(self.socket_path)
                return link
            except (FileNotFoundError, ConnectionRefusedError):
                link.close()
                time.sleep(0.05)
        raise Failure("the link socket never appeared")

    def expect(self, pattern, timeout=20):
        """The next console line matching `pattern` (a regex), skipping others."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure("no console line matching {!r} within {} s".format(pattern, timeout))
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            self.transcript.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def send(self, data):
        self.link.sendall(data)

    def receive(self, count, timeout=20):
        data = b""
        self.link.settimeout(timeout)
        try:
            while len(data) < count:
                chunk = self.link.recv(count - len(data))
                if not chunk:
                    raise Failure("the link closed after {} of {} bytes".format(len(data), count))
                data += chunk
        except socket.timeout:
            raise Failure("the link gave {} of {} bytes within {} s".format(len(data), count, timeout))
        return data

    def wait_exit(self, timeout=20):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure("QEMU did not exit within {} s".format(timeout))

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.link.close()


def boot(firmware, cause, boot_count):
    """Waits for a boot's report; checks its cause and count. Returns (the reset record, entropy)."""
    firmware.expect(r"^uart_test on ")
    match = firmware.expect(r'^reset cause=(?P<cause>\w+) pc=0x(?P<pc>[0-9a-f]{8}) detail=0x(?P<detail>[0-9a-f]{8}) '
                            r'hfsr=0x(?P<hfsr>[0-9a-f]{8}) boot=(?P<boot>\d+) reason="(?P<reason>.*)"$')
    record = match.groupdict()
    for key in ("pc", "detail", "hfsr"):
        record[key] = int(record[key], 16)
    record["boot"] = int(record["boot"])
    if record["cause"] != cause or record["boot"] != boot_count:
        raise Failure("boot {}: expected cause {} at boot {}, got {!r}".format(
            boot_count, cause, boot_count, match.group(0)))
    entropy = firmware.expect(r"^boot entropy=([0-9a-f]{16})$").group(1)
    firmware.expect(r"^link ready$")
    return record, entropy


def counters(firmware):
    firmware.send(b"C")
    reply = firmware.receive(17)
    if reply[:1] != b"c":
        raise Failure("counters: unexpected reply {!r}".format(reply[:1]))
    rx_bytes, tx_bytes, overruns, ring_full = struct.unpack("<4I", reply[1:])
    return {"rx_bytes": rx_bytes, "tx_bytes": tx_bytes, "rx_overruns": overruns, "rx_ring_full": ring_full}


def echo_bursts(firmware, rng, bursts, largest):
    """Echoes `bursts` random bursts; returns (bytes sent, bytes echoed)."""
    sent = echoed = 0
    for _ in range(bursts):
        # The command's 3 bytes and the burst together fit in the RX ring.
        size = rng.randint(1, largest)
        data = bytes(rng.getrandbits(8) for _ in range(size))
        firmware.send(b"E" + struct.pack("<H", size) + data)
        back = firmware.receive(size)
        if back != data:
            first = next(i for i in range(size) if back[i] != data[i])
            raise Failure("echo of {} bytes differs from byte {}".format(size, first))
        sent += 3 + size
        echoed += size
    return sent, echoed


def check_counters(firmware, expected):
    got = counters(firmware)
    if got != expected:
        raise Failure("counters {} (expected {})".format(got, expected))
    # The RX notification ran once for every byte that entered the ring.
    notified = int(firmware.expect(r"^counters: .* notified (\d+)$").group(1))
    if notified != got["rx_bytes"] - got["rx_ring_full"]:
        raise Failure("the RX notification ran {} times for {} bytes into the ring".format(
            notified, got["rx_bytes"] - got["rx_ring_full"]))
    print("counters as expected: {}".format(got))


def hold(firmware, rng, size):
    """Overflows the RX ring while the firmware is not reading."""
    firmware.send(b"H" + struct.pack("<H", size))
    if firmware.receive(1) != b"h":
        raise Failure("hold: no acknowledgement")
    burst = bytes(rng.getrandbits(8) for _ in range(size))
    firmware.send(burst)
    header = firmware.receive(13)
    if header[:1] != b"k":
        raise Failure("hold: unexpected reply {!r}".format(header[:1]))
    kept, ring_full, overruns = struct.unpack("<3I", header[1:])
    kept_bytes = firmware.receive(kept)
    firmware.expect(r"^hold: received {} kept {} ring_full {} overruns {}$".format(size, kept, ring_full, overruns))
    if kept != RX_RING or ring_full != size - RX_RING or overruns != 0:
        raise Failure("hold: kept {}, ring_full {}, overruns {}; expected {}, {}, 0".format(
            kept, ring_full, overruns, RX_RING, size - RX_RING))
    if kept_bytes != burst[:RX_RING]:
        raise Failure("hold: the ring did not keep the first {} bytes of the burst".format(RX_RING))
    print("hold: {} bytes sent, the ring kept the first {}, {} counted as rx_ring_full".format(size, kept, ring_full))


def symbol_range(nm, kernel, name):
    output = subprocess.run([nm, "-S", str(kernel)], check=True, capture_output=True, text=True).stdout
    for line in output.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[3] == name:
            start = int(fields[0], 16) & ~1  # Thumb functions have bit 0 set
            return start, start + int(fields[1], 16)
    raise Failure("{} not found in {}".format(name, kernel))


def run(args):
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    print("seed {} (--seed {} replays the data)".format(seed, seed))
    rng = random.Random(seed)
    fault_range = symbol_range(args.nm, args.kernel, "uart_test_fault") if args.nm else None
    workdir = tempfile.mkdtemp(prefix="uart-test-")
    entropies = []
    try:
        firmware = Firmware(args, workdir, "link")
        try:
            # Boot 1: echo, counters, the ring overflow, then a hard fault.
            _, entropy = boot(firmware, "power_on", 1)
            entropies.append(entropy)
            sent, echoed = echo_bursts(firmware, rng, 12, RX_RING - 3)
            print("echo: {} bytes in 12 bursts came back exactly".format(echoed))
            check_counters(firmware, {"rx_bytes": sent + 1, "tx_bytes": echoed, "rx_overruns": 0,
                                      "rx_ring_full": 0})
            hold(firmware, rng, 3 * RX_RING - 100)
            firmware.send(b"F")
            firmware.expect(r"^fault: ")

            # Boot 2: the hard fault's record, and a link that works again.
            record, entropy = boot(firmware, "hard_fault", 2)
            entropies.append(entropy)
            pc = record["pc"]
            if fault_range and not fault_range[0] <= pc < fault_range[1]:
                raise Failure("hard fault pc 0x{:08x} is outside uart_test_fault [0x{:08x}, 0x{:08x})".format(
                    pc, *fault_range))
            if not record["detail"] & UNDEFINSTR or not record["hfsr"] & FORCED or \
                    record["reason"] != "hard fault HFSR {:08x}".format(record["hfsr"]):
                raise Failure("hard fault recorded as {}".format(record))
            print("hard fault reported at pc 0x{:08x}{}".format(
                pc, " (in uart_test_fault)" if fault_range else ""))
            sent, echoed = echo_bursts(firmware, rng, 3, 200)
            check_counters(firmware, {"rx_bytes": sent + 1, "tx_bytes": echoed, "rx_overruns": 0,
                                      "rx_ring_full": 0})
            firmware.send(b"R")

            # Boot 3: a commanded reset.
            record, entropy = boot(firmware, "commanded", 3)
            entropies.append(entropy)
            if record["reason"] != "reset requested by the host" or record["pc"] == 0:
                raise Failure("commanded reset recorded as {}".format(record))
            firmware.send(b"B")
            firmware.expect(r"^fault: load from 0x70000000$")

            # Boot 4: a precise bus fault, its address in BFAR and in the reason.
            record, entropy = boot(firmware, "hard_fault", 4)
            entropies.append(entropy)
            if record["detail"] & (PRECISERR | BFARVALID) != PRECISERR | BFARVALID or \
                    record["reason"] != "hard fault HFSR {:08x} BFAR 70000000".format(record["hfsr"]):
                raise Failure("bus fault recorded as {}".format(record))
            print("bus fault reported at pc 0x{:08x}: {}".format(record["pc"], record["reason"]))
            firmware.send(b"W")
            boots = 4
            if args.machine == "mps2-an385":
                # Boot 5: the watchdog, started, kicked, then starved.
                firmware.expect(r"^watchdog: kicked for 2000 ms, now stalling$")
                record, entropy = boot(firmware, "watchdog", 5)
                entropies.append(entropy)
                if record["reason"] != "watchdog expired" or record["pc"] == 0:
                    raise Failure("watchdog reset recorded as {}".format(record))
                boots = 5
            else:
                firmware.expect(r"^watchdog: none on this board$")
                if firmware.receive(1) != b"w":
                    raise Failure("watchdog: no reply")
            firmware.send(b"Q")
            firmware.expect(r"^uart test: done$")
            status = firmware.wait_exit()
            if status != 0:
                raise Failure("exit status {} (expected 0)".format(status))
            print("{} boots, then exit 0".format(boots))
        finally:
            firmware.close()

        # A second run: its first boot's entropy must differ from the first run's.
        second = Firmware(args, workdir, "again")
        try:
            _, entropy = boot(second, "power_on", 1)
            entropies.append(entropy)
            second.send(b"Q")
            if second.wait_exit() != 0:
                raise Failure("second run: exit status not 0")
        finally:
            second.close()
        if len(set(entropies)) != len(entropies):
            raise Failure("boot entropy repeated: {}".format(entropies))
        print("boot entropy differed on all {} boots: {}".format(len(entropies), ", ".join(entropies)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qemu", required=True)
    parser.add_argument("--machine", required=True)
    parser.add_argument("--kernel", required=True, type=pathlib.Path)
    parser.add_argument("--nm", help="arm-none-eabi-nm, to find the faulting function's address range")
    parser.add_argument("--seed", type=int, help="seed for the random bursts")
    parser.add_argument("--timeout", type=float, default=90, help="for the whole test")
    args = parser.parse_args()

    outcome = []

    def target():
        try:
            run(args)
            outcome.append(None)
        except Failure as failure:
            outcome.append(str(failure))

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(args.timeout)
    if not outcome:
        for process in RUNNING:
            if process.poll() is None:
                process.kill()
        print("FAIL: the test did not finish within {} s".format(args.timeout))
        return 1
    if outcome[0] is not None:
        print("FAIL: " + outcome[0])
        return 1
    print("PASS: {} on {}".format(args.kernel.name, args.machine))
    return 0


if __name__ == "__main__":
    sys.exit(main())

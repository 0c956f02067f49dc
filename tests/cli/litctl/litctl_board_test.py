#!/usr/bin/env python3
"""`litctl flash --device` end to end: a real litd attached through a pty to
the agent firmware on QEMU (LIT_AGENT_ELF on LIT_AGENT_MACHINE, as litd's own
board tests use it), and OpenOCD replaced by the transcript double, the one
part that needs hardware. Checks that the link is released while "OpenOCD"
holds the board, resumed afterwards, and that the build id the board reports
after its handshake is compared with the file's.
Skipped when no firmware image is named.
Usage: litctl_board_test.py LITCTL LITD FAKE_OPENOCD TRANSCRIPT_DIR"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

LITCTL = LITD = FAKE = TRANSCRIPTS = None

CONFIG = """\
[daemon]
workers = 1
[metrics]
enabled = false
[control]
socket = "{dir}/control.sock"

[[device]]
name = "board0"
port = "{dir}/board0"
reconnect = {{ min = "50ms", max = "200ms" }}

[[actor]]
path = "gw"
type = "supervisor"
intensity = 5
period = "10s"

[[actor]]
path = "gw/thermostat"
device = "board0"
remote = "/dev/thermostat"
"""


def wait_for(predicate, what, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def other_build(image, path):
    """A copy of the ELF `image` whose GNU build id differs in its first byte."""
    data = bytearray(open(image, "rb").read())
    # A build id note: namesz 4, descsz 20 (sha1), type 3 (NT_GNU_BUILD_ID), "GNU\\0".
    header = (4).to_bytes(4, "little") + (20).to_bytes(4, "little") + (3).to_bytes(4, "little") + b"GNU\0"
    at = data.find(header)
    if at < 0:
        raise AssertionError(image + " has no GNU build id note")
    data[at + len(header)] ^= 0xFF
    with open(path, "wb") as out:
        out.write(data)


class FlashWithDevice(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.elf = os.environ.get("LIT_AGENT_ELF")
        machine = os.environ.get("LIT_AGENT_MACHINE")
        if not cls.elf or not machine:
            raise unittest.SkipTest("LIT_AGENT_ELF and LIT_AGENT_MACHINE are not set (no firmware built)")
        cls.dir = tempfile.mkdtemp(prefix="litctl-board-")
        link = os.path.join(cls.dir, "link.sock")
        cls.qemu = subprocess.Popen(
            ["qemu-system-arm", "-M", machine, "-nographic", "-monitor", "none",
             "-semihosting-config", "enable=on,target=native", "-kernel", cls.elf,
             "-serial", "file:" + os.path.join(cls.dir, "console.log"),
             "-serial", "unix:%s,server=on,wait=on" % link],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(cls.dir, "qemu.log"), "w"),
            start_new_session=True)
        wait_for(lambda: os.path.exists(link), "QEMU's serial socket")
        # A pty ends when litd closes it (a release), so socat comes back each
        # time, as a USB serial device does.
        cls.socat = subprocess.Popen(
            ["sh", "-c", "while :; do socat PTY,link=%s/board0,rawer,wait-slave UNIX-CONNECT:%s; sleep 0.05; done"
             % (cls.dir, link)],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(cls.dir, "socat.log"), "w"),
            start_new_session=True)
        wait_for(lambda: os.path.exists(os.path.join(cls.dir, "board0")), "the pty")
        cls.config = os.path.join(cls.dir, "litd.toml")
        with open(cls.config, "w") as out:
            out.write(CONFIG.format(dir=cls.dir))
        cls.log_path = os.path.join(cls.dir, "litd.log")
        cls.litd = subprocess.Popen([LITD, "--config", cls.config], stdout=subprocess.DEVNULL,
                                    stderr=open(cls.log_path, "w"))
        wait_for(lambda: cls.link_state() == "LINK_STATE_UP" or cls.litd.poll() is not None, "the handshake")
        if cls.litd.poll() is not None:
            raise AssertionError("litd exited: " + open(cls.log_path).read())

    @classmethod
    def tearDownClass(cls):
        if cls.litd.poll() is None:
            cls.litd.send_signal(signal.SIGTERM)
            cls.litd.wait(timeout=20)
        for process in (cls.socat, cls.qemu):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        shutil.rmtree(cls.dir)

    @classmethod
    def litctl(cls, *args, env=None, timeout=60):
        env = dict(env or os.environ, LITCTL_SOCKET=os.path.join(cls.dir, "control.sock"))
        return subprocess.run([LITCTL, *args], env=env, capture_output=True, text=True, timeout=timeout)

    @classmethod
    def device(cls):
        ran = cls.litctl("devices", "-o", "json")
        if ran.returncode != 0:
            return None
        devices = json.loads(ran.stdout)["devices"]
        return devices[0] if devices else None

    @classmethod
    def link_state(cls):
        device = cls.device()
        return device["link_state"] if device else None

    def flash(self, image, transcript_name, during=None):
        """Runs `litctl flash --device board0` with the double replaying
        `transcript_name`; `during` is a shell command it runs after init."""
        transcript = os.path.join(self.dir, "transcript.txt")
        with open(os.path.join(TRANSCRIPTS, transcript_name)) as recorded, open(transcript, "w") as out:
            for line in recorded:
                if during and line.startswith("** Programming Started **"):
                    out.write("@run " + during + "\n")
                out.write(line)
        env = dict(os.environ, LITCTL_FAKE_OPENOCD_TRANSCRIPT=transcript)
        return self.litctl("flash", "--device", "board0", "--openocd", FAKE, "-o", "json", image, env=env)

    def setUp(self):
        wait_for(lambda: self.link_state() == "LINK_STATE_UP", "board0's link")

    def test_the_link_is_released_during_the_flash_and_the_same_build_comes_back(self):
        before = self.device()
        seen = os.path.join(self.dir, "during.json")
        socket = os.path.join(self.dir, "control.sock")
        ran = self.flash(self.elf, "success.txt", during="%s --socket %s devices -o json > %s" % (LITCTL, socket, seen))
        self.assertEqual(ran.returncode, 0, ran.stderr)
        result = json.loads(ran.stdout)
        self.assertEqual(result["outcome"], "ok")
        self.assertEqual(result["exit_code"], 0)
        # While "OpenOCD" held the board, litd held the line closed.
        with open(seen) as during:
            self.assertEqual(json.loads(during.read())["devices"][0]["link_state"], "LINK_STATE_RELEASED")
        device = result["device"]
        self.assertEqual(device["link_state"], "LINK_STATE_UP")
        self.assertEqual(device["firmware_hash"], result["firmware_build_id"])
        self.assertNotEqual(result["firmware_build_id"], "0")
        # The double reset nothing: the same boot came back.
        self.assertEqual(device["boot_id"], before["boot_id"])
        self.assertIn("released board0's link", ran.stderr)
        self.assertIn("waiting for board0's handshake", ran.stderr)
        with open(self.log_path) as log:
            self.assertIn("board0: link released", log.read())

    def test_a_board_that_comes_back_with_another_build_exits_15(self):
        image = os.path.join(self.dir, "other.elf")
        other_build(self.elf, image)
        ran = self.flash(image, "success.txt")
        self.assertEqual(ran.returncode, 15, ran.stderr)
        self.assertIn("did not boot the new image", ran.stderr)
        result = json.loads(ran.stdout)
        self.assertEqual(result["outcome"], "ok")
        self.assertEqual(result["exit_code"], 15)
        self.assertNotEqual(result["device"]["firmware_hash"], result["firmware_build_id"])

    def test_a_failed_verify_exits_12_and_still_hands_the_link_back(self):
        ran = self.flash(self.elf, "verify_failed.txt")
        self.assertEqual(ran.returncode, 12, ran.stderr)
        self.assertIn("verify failed", ran.stderr)
        result = json.loads(ran.stdout)
        self.assertEqual(result["outcome"], "verify_failed")
        self.assertEqual(result["device"]["link_state"], "LINK_STATE_UP")
        self.assertEqual(self.link_state(), "LINK_STATE_UP")


if __name__ == "__main__":
    LITCTL, LITD, FAKE, TRANSCRIPTS = sys.argv[1:5]
    del sys.argv[1:5]
    unittest.main(verbosity=2)

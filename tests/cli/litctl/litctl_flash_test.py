#!/usr/bin/env python3
"""`litctl flash` without a daemon: the real openocd with no probe attached
(the no-probe error and its exit code), and an OpenOCD double replaying
recorded OpenOCD 0.12 transcripts (success, verify failure, init failure, a
J-Link with no probe, and a hang stopped by --openocd-timeout); --dry-run's
exact command for each board preset.
Usage: litctl_flash_test.py LITCTL FAKE_OPENOCD TRANSCRIPT_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

LITCTL = FAKE = TRANSCRIPTS = None


class Flash(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="litctl-flash-")
        self.firmware = os.path.join(self.directory, "agent.elf")
        with open(self.firmware, "wb") as out:
            out.write(b"\x7fELF not a real image")

    def tearDown(self):
        shutil.rmtree(self.directory)

    def flash(self, *args, transcript=None, timeout=60):
        env = dict(os.environ)
        if transcript:
            env["LITCTL_FAKE_OPENOCD_TRANSCRIPT"] = os.path.join(TRANSCRIPTS, transcript)
            env["LITCTL_FAKE_OPENOCD_ARGS"] = os.path.join(self.directory, "args")
            args = ("--openocd", FAKE) + args
        return subprocess.run([LITCTL, "flash", *args, self.firmware], env=env, capture_output=True, text=True,
                              timeout=timeout)

    def test_real_openocd_without_a_probe_exits_10_with_no_probe_found(self):
        if shutil.which("openocd") is None:
            self.skipTest("openocd is not installed")
        ran = self.flash("-o", "json", "--openocd-timeout", "30")
        self.assertEqual(ran.returncode, 10, ran.stderr)
        self.assertIn("no debug probe found", ran.stderr)
        result = json.loads(ran.stdout)
        self.assertEqual(result["outcome"], "no_probe")
        self.assertEqual(result["command"][1:4], ["-f", "board/stm32f4discovery.cfg", "-c"])
        self.assertIn("OpenOCD init failed", result["markers"])

    def test_recorded_no_probe_transcript_reads_as_no_probe(self):
        for transcript in ("no_probe_stlink.txt", "no_probe_jlink.txt"):
            ran = self.flash(transcript=transcript)
            self.assertEqual(ran.returncode, 10, transcript + ": " + ran.stderr)
            self.assertIn("no debug probe found", ran.stderr)

    def test_success_shows_progress_markers_and_exits_0(self):
        ran = self.flash("-o", "json", transcript="success.txt")
        self.assertEqual(ran.returncode, 0, ran.stderr)
        result = json.loads(ran.stdout)
        self.assertEqual(result["outcome"], "ok")
        self.assertEqual(result["markers"], ["Programming Started", "Programming Finished", "Verify Started",
                                             "Verified OK", "Resetting Target"])
        self.assertIsNone(result["device"])
        for marker in ("** Programming Started **", "** Verified OK **", "** Resetting Target **"):
            self.assertIn(marker, ran.stderr)
        with open(os.path.join(self.directory, "args")) as args:
            self.assertEqual(args.read().splitlines(),
                             ["-f", "board/stm32f4discovery.cfg", "-c",
                              "program " + self.firmware + " verify reset exit"])

    def test_verify_failure_exits_12_naming_it(self):
        ran = self.flash("-o", "json", transcript="verify_failed.txt")
        self.assertEqual(ran.returncode, 12, ran.stderr)
        self.assertEqual(json.loads(ran.stdout)["outcome"], "verify_failed")
        self.assertIn("verify failed", ran.stderr)

    def test_target_that_does_not_answer_exits_11_with_init_failed(self):
        ran = self.flash(transcript="init_failed.txt")
        self.assertEqual(ran.returncode, 11, ran.stderr)
        self.assertIn("init failed", ran.stderr)
        self.assertIn("unable to connect to the target", ran.stderr)

    def test_a_hung_openocd_is_stopped_at_the_timeout_and_exits_13(self):
        ran = self.flash("-o", "json", "--openocd-timeout", "1", transcript="hang.txt", timeout=30)
        self.assertEqual(ran.returncode, 13, ran.stderr)
        result = json.loads(ran.stdout)
        self.assertEqual(result["outcome"], "timed_out")
        self.assertEqual(result["markers"], ["Programming Started"])
        self.assertIn("did not finish within the timeout", ran.stderr)

    def test_a_missing_openocd_binary_exits_13(self):
        ran = self.flash("--openocd", os.path.join(self.directory, "no-such-openocd"))
        self.assertEqual(ran.returncode, 13, ran.stderr)
        self.assertIn("cannot run", ran.stderr)

    def test_dry_run_prints_the_exact_command_for_each_preset(self):
        for board, config in (("stm32f4discovery", "board/stm32f4discovery.cfg"),
                              ("nucleo-f4", "board/st_nucleo_f4.cfg")):
            ran = self.flash("--board", board, "--dry-run")
            self.assertEqual(ran.returncode, 0, ran.stderr)
            self.assertEqual(ran.stdout,
                             "openocd -f %s -c 'program %s verify reset exit'\n" % (config, self.firmware))
            self.assertTrue(os.path.exists("/usr/share/openocd/scripts/" + config) or
                            shutil.which("openocd") is None, config)

    def test_an_unknown_board_or_missing_file_exits_2(self):
        ran = self.flash("--board", "nucleo-f7")
        self.assertEqual(ran.returncode, 2)
        self.assertIn("unknown board 'nucleo-f7'", ran.stderr)
        ran = subprocess.run([LITCTL, "flash", os.path.join(self.directory, "missing.elf")], capture_output=True,
                             text=True)
        self.assertEqual(ran.returncode, 2)
        self.assertIn("no firmware file", ran.stderr)


if __name__ == "__main__":
    LITCTL, FAKE, TRANSCRIPTS = sys.argv[1:4]
    del sys.argv[1:4]
    unittest.main(verbosity=2)

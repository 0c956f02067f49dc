#!/usr/bin/env python3
"""A stand-in for OpenOCD on `litctl flash --openocd`: replays the recorded
transcript named by LITCTL_FAKE_OPENOCD_TRANSCRIPT line by line, as OpenOCD
0.12 writes them (stderr), and never touches hardware. Directive lines:
`@sleep SECONDS`, `@hang` (sleep until killed), `@exit N` (exit status),
`@run COMMAND` (a shell command, run to completion there; for a test to look
at the world while "OpenOCD" holds the board); lines starting with # are
comments.
If LITCTL_FAKE_OPENOCD_ARGS is set, the arguments are written there first."""
import os
import subprocess
import sys
import time


def main():
    if os.environ.get("LITCTL_FAKE_OPENOCD_ARGS"):
        with open(os.environ["LITCTL_FAKE_OPENOCD_ARGS"], "w") as out:
            out.write("\n".join(sys.argv[1:]) + "\n")
    status = 0
    with open(os.environ["LITCTL_FAKE_OPENOCD_TRANSCRIPT"]) as transcript:
        for line in transcript:
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if line.startswith("@sleep "):
                time.sleep(float(line.split()[1]))
            elif line == "@hang":
                sys.stderr.flush()
                while True:
                    time.sleep(60)
            elif line.startswith("@run "):
                subprocess.run(line[len("@run "):], shell=True, check=False)
            elif line.startswith("@exit "):
                status = int(line.split()[1])
            else:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Runs a firmware image on QEMU and checks what it did: the semihosting exit
status, and that the console transcript contains the expected lines in order.

  qemu_test.py --qemu qemu-system-arm --machine mps2-an385 --kernel IMAGE
               [--timeout 30] [--expect FILE] [--hash-from HELPER] [--define KEY=VALUE ...]
               [--icount]

--expect FILE lists the transcript lines (blank lines and '#' comments
ignored). "{hash}" in it is replaced by what the --hash-from helper, built for
the build machine, prints: the device must report the hash the host computed.
"{board}" is the --machine name; --define adds more.

--icount runs QEMU with -icount shift=0,align=off,sleep=off: one instruction
per virtual nanosecond, so the guest's clocks count instructions exactly.
"""
import argparse
import pathlib
import subprocess
import sys


def run_qemu(args):
    command = [args.qemu, "-M", args.machine, "-nographic", "-monitor", "none",
               "-semihosting-config", "enable=on,target=native", "-kernel", str(args.kernel)]
    if args.icount:
        command += ["-icount", "shift=0,align=off,sleep=off"]
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=args.timeout)
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode(errors="replace")
        print(output)
        print("FAIL: {} did not exit within {} s".format(args.kernel.name, args.timeout))
        return None, output
    output = done.stdout.decode(errors="replace").replace("\r\n", "\n")
    sys.stdout.write(output)
    if done.stderr:
        sys.stdout.write("[qemu stderr]\n" + done.stderr.decode(errors="replace"))
    return done.returncode, output


def expected_lines(path, substitutions):
    lines = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        for key, value in substitutions.items():
            line = line.replace("{" + key + "}", value)
        lines.append(line)
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qemu", required=True)
    parser.add_argument("--machine", required=True)
    parser.add_argument("--kernel", required=True, type=pathlib.Path)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--expect", type=pathlib.Path)
    parser.add_argument("--hash-from", help="host program printing the chart's structural hash")
    parser.add_argument("--define", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--icount", action="store_true", help="count instructions deterministically")
    args = parser.parse_args()

    substitutions = {"board": args.machine}
    for definition in args.define:
        key, _, value = definition.partition("=")
        substitutions[key] = value
    if args.hash_from:
        substitutions["hash"] = subprocess.run([args.hash_from], check=True, capture_output=True,
                                               text=True).stdout.strip()
        print("host hash: " + substitutions["hash"])

    status, output = run_qemu(args)
    if status is None:
        return 1
    failures = []
    if status != 0:
        failures.append("exit status {} (expected 0)".format(status))
    if args.expect:
        transcript = output.splitlines()
        position = 0
        for line in expected_lines(args.expect, substitutions):
            try:
                position = transcript.index(line, position) + 1
            except ValueError:
                failures.append("missing, or out of order: {!r}".format(line))
                break
    for failure in failures:
        print("FAIL: " + failure)
    if not failures:
        print("PASS: {} on {}".format(args.kernel.name, args.machine))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

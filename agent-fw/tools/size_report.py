#!/usr/bin/env python3
"""Prints what a firmware image costs: flash (text + data) and RAM (data + bss
+ the stack reserve from the linker script), from arm-none-eabi-size and the
image's _stack_reserve symbol. Run after every link; also writes the report
to --output so the build has a file to track.

  size_report.py --size arm-none-eabi-size --nm arm-none-eabi-nm --elf IMAGE --output IMAGE.size.txt
"""
import argparse
import pathlib
import subprocess
import sys


def berkeley_sizes(size, elf):
    lines = subprocess.run([size, "-B", str(elf)], check=True, capture_output=True, text=True).stdout.splitlines()
    text, data, bss = (int(field) for field in lines[1].split()[:3])
    return text, data, bss


def symbol_value(nm, elf, name):
    for line in subprocess.run([nm, str(elf)], check=True, capture_output=True, text=True).stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[2] == name:
            return int(fields[0], 16)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", required=True)
    parser.add_argument("--nm", required=True)
    parser.add_argument("--elf", required=True, type=pathlib.Path)
    parser.add_argument("--output", required=True, type=pathlib.Path)
    args = parser.parse_args()

    text, data, bss = berkeley_sizes(args.size, args.elf)
    stack = symbol_value(args.nm, args.elf, "_stack_reserve")
    report = ("size {}: text={} data={} bss={} stack={} | flash={} B ({:.1f} KiB) ram={} B ({:.1f} KiB)\n".format(
        args.elf.name, text, data, bss, stack, text + data, (text + data) / 1024, data + bss + stack,
        (data + bss + stack) / 1024))
    sys.stdout.write(report)
    args.output.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Fails if an image's flash (text + data) is over its bound: the test that
keeps the minimal agent within the brief's 24 KB on every board.

  flash_budget.py --size arm-none-eabi-size --elf agent_min.elf --budget 24576
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from size_report import berkeley_sizes, budget_line  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", required=True)
    parser.add_argument("--elf", required=True, type=pathlib.Path)
    parser.add_argument("--budget", required=True, type=int, help="bytes")
    args = parser.parse_args()
    text, data, _ = berkeley_sizes(args.size, args.elf)
    flash = text + data
    print("{}: flash {} B = text {} + data {}".format(args.elf.name, flash, text, data))
    print(budget_line(flash, args.budget).strip())
    return 0 if flash <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())

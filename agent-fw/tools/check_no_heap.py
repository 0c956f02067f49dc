#!/usr/bin/env python3
"""Fails when a firmware image links a heap allocator.

The firmware never allocates (see the brief): no malloc family, no operator
new or delete. The build runs this over every image after linking, so linking
one of them fails the build, and the message names the symbol and, from the
linker map, the object that pulled it in.

  check_no_heap.py --nm arm-none-eabi-nm --elf IMAGE [--map IMAGE.map] [--stamp OUT]
  check_no_heap.py ... --expect-violation SYMBOL   (the checker's own test: succeed
                                                     only if IMAGE is rejected for SYMBOL)
"""
import argparse
import pathlib
import re
import subprocess
import sys

FORBIDDEN_C = {
    "malloc", "free", "calloc", "realloc", "reallocf", "memalign", "aligned_alloc",
    "posix_memalign", "valloc", "pvalloc", "_malloc_r", "_free_r", "_calloc_r",
    "_realloc_r", "_memalign_r", "_sbrk", "_sbrk_r",
}
# Itanium C++ ABI: operator new (_Znw*), new[] (_Zna*), delete (_Zdl*), delete[] (_Zda*),
# in every variant (sized, aligned, nothrow).
FORBIDDEN_CXX = re.compile(r"^_Z(nw|na|dl|da)")


def heap_symbols(nm, elf):
    """Symbols of the image that belong to a heap allocator. Only definitions
    count: a weak reference that nothing satisfies links no code."""
    output = subprocess.run([nm, "--no-sort", elf], check=True, capture_output=True, text=True).stdout
    found = set()
    for line in output.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        name = fields[-1]
        if name in FORBIDDEN_C or FORBIDDEN_CXX.match(name):
            found.add(name)
    return sorted(found)


def archive_inclusions(map_file):
    """The map's "Archive member included to satisfy reference by file (symbol)"
    section, as {member: (referring file, symbol)}."""
    if map_file is None or not map_file.exists():
        return {}
    lines = map_file.read_text(errors="replace").splitlines()
    try:
        start = lines.index("Archive member included to satisfy reference by file (symbol)")
    except ValueError:
        return {}
    inclusions = {}
    member = None
    for line in lines[start + 1:]:
        if line.startswith(("Discarded input sections", "Memory Configuration", "Allocating common")):
            break
        if not line.strip():
            continue
        if not line[0].isspace():
            member = line.strip()
            continue
        reason = re.match(r"\s+(\S+) \((.+)\)$", line)
        if member and reason:
            inclusions[member] = (reason.group(1), reason.group(2))
            member = None
    return inclusions


def demangle(nm, symbol):
    """operator new(unsigned int) for _Znwj, via the c++filt beside nm; the name itself if there is none."""
    cxxfilt = re.sub(r"nm$", "c++filt", nm)
    try:
        return subprocess.run([cxxfilt, symbol], check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return symbol


def short(path):
    return re.sub(r"^.*/", "", path)


def why_linked(inclusions, symbol):
    """The chain of archive members that brought `symbol` in, back to the first non-library object."""
    wanted = symbol
    chain = []
    for _ in range(len(inclusions) + 1):
        found = [(member, why) for member, why in inclusions.items() if why[1] == wanted]
        if not found:
            break
        member, (referrer, referenced) = found[0]
        chain.append("{} needs {}".format(short(referrer), referenced))
        owner = [m for m in inclusions if m == referrer]
        if not owner:
            break
        wanted = inclusions[referrer][1]
    return chain


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nm", required=True)
    parser.add_argument("--elf", required=True, type=pathlib.Path)
    parser.add_argument("--map", type=pathlib.Path)
    parser.add_argument("--stamp", type=pathlib.Path, help="written when the image passes")
    parser.add_argument("--expect-violation", metavar="SYMBOL")
    args = parser.parse_args()

    found = heap_symbols(args.nm, args.elf)
    if args.expect_violation:
        if args.expect_violation in found:
            print("ok: {} rejected for linking {}".format(args.elf.name, ", ".join(found)))
            return 0
        print("FAIL: expected {} to be rejected for {}; heap symbols found: {}".format(
            args.elf.name, args.expect_violation, ", ".join(found) or "none"))
        return 1

    if found:
        print("error: {} links a heap allocator, which firmware must never do:".format(args.elf), file=sys.stderr)
        inclusions = archive_inclusions(args.map)
        for symbol in found:
            # The map names C++ symbols demangled.
            chain = why_linked(inclusions, demangle(args.nm, symbol))
            print("  {}{}".format(symbol, ", because " + " <- ".join(chain) if chain else ""), file=sys.stderr)
        print("  (printf/sprintf and std containers are the usual culprits; use agent-fw/port/console.hpp)",
              file=sys.stderr)
        return 1
    if args.stamp:
        args.stamp.write_text("no heap symbols in {}\n".format(args.elf.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Compile-fail check for chart definitions, run as a meson test with should_fail: true.

usage: expect_compile_error.py PATTERN SOURCE -- COMPILER [ARGS...]

Each SOURCE has one defect guarded by `#ifndef LIT_CONTROL`. The control build
(-DLIT_CONTROL, defect removed) must compile; the real build must fail with a
diagnostic containing PATTERN. Only when both hold does this script exit 1,
which meson's should_fail counts as a pass; any other result exits 0 and the
test fails. So a typo in the source, or an error from the wrong cause, cannot
pass.
"""
import subprocess
import sys


def compile_source(compiler, source, extra):
    return subprocess.run(compiler + extra + ["-fsyntax-only", source], capture_output=True, text=True)


def main():
    pattern, source = sys.argv[1], sys.argv[2]
    compiler = sys.argv[sys.argv.index("--") + 1:]
    control = compile_source(compiler, source, ["-DLIT_CONTROL"])
    if control.returncode != 0:
        print(f"control build of {source} does not compile:\n{control.stderr}")
        return 0
    defect = compile_source(compiler, source, [])
    if defect.returncode == 0:
        print(f"{source} compiled, but it should fail with '{pattern}'")
        return 0
    if pattern not in defect.stderr:
        print(f"{source} failed without '{pattern}' in its diagnostics:\n{defect.stderr}")
        return 0
    print(f"{source}: rejected as expected ('{pattern}')")
    return 1


if __name__ == "__main__":
    sys.exit(main())

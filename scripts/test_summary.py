#!/usr/bin/env python3
"""Counts test results across build dirs and prints "N passed, N failed" last.

For each build dir it reads meson-logs/testlog.json (one line per meson test,
with meson's verdict) and meson-logs/testlog.junit.xml (where gtest tests list
their individual cases). A gtest test counts its cases; a test that failed
outside its cases (a crash, a sanitizer report at exit, a timeout) adds one
failure more. Any other test counts once: OK and EXPECTEDFAIL pass; FAIL,
UNEXPECTEDPASS, TIMEOUT and ERROR fail; SKIP counts as neither. Exits 1 when
anything failed.

  test_summary.py [--broken-steps N] [--passed-checks N] BUILD_DIR...
--passed-checks counts checks run outside meson (the demo's --once run) that held.
"""
import argparse
import json
import pathlib
import sys
import xml.etree.ElementTree as ET

PASSED = {"OK", "EXPECTEDFAIL"}
FAILED = {"FAIL", "UNEXPECTEDPASS", "TIMEOUT", "ERROR", "INTERRUPT"}


def gtest_cases(junit, test_name):
    """(passed, failed) over the gtest cases meson copied into the junit log for `test_name`."""
    passed = failed = 0
    for suite in junit.iter("testsuite"):
        # meson names a gtest suite "<project>.<test name>.<gtest suite>".
        parts = suite.get("name", "").split(".")
        if len(parts) < 3 or ".".join(parts[1:-1]) != test_name:
            continue
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is None:
                passed += 1
    return passed, failed


def count(build_dir):
    logs = pathlib.Path(build_dir) / "meson-logs"
    json_log = logs / "testlog.json"
    if not json_log.exists():
        print("{}: no test log (the test run did not happen)".format(build_dir))
        return 0, 1
    junit_path = logs / "testlog.junit.xml"
    junit = ET.parse(junit_path).getroot() if junit_path.exists() else ET.Element("testsuites")
    passed = failed = 0
    for line in json_log.read_text().splitlines():
        if not line.strip():
            continue
        test = json.loads(line)
        verdict = test["result"]
        cases_passed, cases_failed = gtest_cases(junit, test["name"])
        if cases_passed + cases_failed:
            passed += cases_passed
            failed += cases_failed
            if verdict in FAILED and cases_failed == 0:
                failed += 1
        elif verdict in PASSED:
            passed += 1
        elif verdict in FAILED:
            failed += 1
    print("{}: {} passed, {} failed".format(build_dir, passed, failed))
    return passed, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passed-checks", type=int, default=0,
                        help="checks outside meson that passed (each counts once)")
    parser.add_argument("--failed-checks", type=int, default=0,
                        help="checks outside meson that failed (each counts once)")
    parser.add_argument("--broken-steps", type=int, default=0,
                        help="setup, configure or build steps that failed; each counts as a failure")
    parser.add_argument("build_dirs", nargs="*")
    args = parser.parse_args()
    passed, failed = args.passed_checks, args.broken_steps + args.failed_checks
    for build_dir in args.build_dirs:
        build_passed, build_failed = count(build_dir)
        passed += build_passed
        failed += build_failed
    print("{} passed, {} failed".format(passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

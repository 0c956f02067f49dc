#!/usr/bin/env bash
# Fuzzes for SECONDS (default 60) per target: configures build-fuzz/ with clang
# and -Dfuzzing=true, builds the libFuzzer targets of tests/fuzz/, and runs the
# 'fuzz' meson suite (tests/fuzz/run.sh: each target's seed corpus and
# dictionary, see tests/fuzz/README.md; -timeout=10, -rss_limit_mb=2048). Findings are written to
# build-fuzz/tests/fuzz/<target>/ (crash-*, leak-*, timeout-*, oom-*); replay
# one with `build-fuzz/tests/fuzz/<target>_fuzz FILE`. Exits non-zero on any
# finding or failed step.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/build.sh

seconds=${1:-60}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
fi

CC=clang CXX=clang++ configure "$fuzz_dir" "${fuzz_options[@]}" -Dfuzz_seconds="$seconds"
build "$fuzz_dir"
meson test -C "$fuzz_dir" --suite fuzz --verbose

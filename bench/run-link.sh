#!/usr/bin/env bash
# Builds and runs the link benchmark (bench/link_bench.cpp): goodput, delivery
# latency and link-down detection of the link session on the modelled UART,
# in virtual time (deterministic model figures, not wall-clock). Arguments
# after the options below go to link_bench (--quick, --seconds N).
#
# Usage: bench/run-link.sh [--build-dir DIR] [link_bench arguments...]
#   --build-dir   meson build directory (default: build; set up if missing)
# Exits with link_bench's status: non-zero when a figure misses its target.
set -euo pipefail

cd "$(dirname "$0")/.."
build_dir=build
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="${2:?--build-dir needs a directory}"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done

if [ ! -f "$build_dir/build.ninja" ]; then
  meson setup "$build_dir" >/dev/null
fi
meson compile -C "$build_dir" link_bench >/dev/null
exec "$build_dir/bench/link_bench" "${args[@]+"${args[@]}"}"

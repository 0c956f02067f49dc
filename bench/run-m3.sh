#!/usr/bin/env bash
# Builds the Cortex-M3 firmware (build-fw-m3/) and prints instructions per
# dispatched statechart event, chart engine beside a hand-written switch,
# counted under QEMU mps2-an385 with -icount shift=0 (see bench/firmware/dispatch_m3.cpp).
# The same run is `meson test -C build-fw-m3 --benchmark -v`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/build.sh

configure "$fw_m3" --cross-file "$fw_m3_cross"
build "$fw_m3" >/dev/null
python3 agent-fw/tools/qemu_test.py --qemu qemu-system-arm --machine mps2-an385 --icount \
  --kernel "$fw_m3/agent-fw/dispatch_m3.elf"

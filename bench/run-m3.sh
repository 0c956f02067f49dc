#!/usr/bin/env bash
# Builds the Cortex-M3 firmware (build-fw-m3/, or $LIT_FW_M3_DIR) and prints
# the firmware benchmarks, each an exact instruction count under QEMU
# mps2-an385 with -icount shift=0 beside its baselines from the same run:
#   dispatch_m3     statechart dispatch, chart engine beside a hand-written switch
#   actor_event_m3  post + dispatch + one transition with entry and exit, on a static actor
#   link_rx_m3      a link frame from its first byte to an actor's mailbox push
# (sources in bench/firmware/). The same runs are `meson test -C build-fw-m3 --benchmark -v`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/build.sh

dir=${LIT_FW_M3_DIR:-$fw_m3}
configure "$dir" --cross-file "$fw_m3_cross"
build "$dir" >/dev/null
for image in dispatch_m3 actor_event_m3 link_rx_m3; do
  python3 agent-fw/tools/qemu_test.py --qemu qemu-system-arm --machine mps2-an385 --icount \
    --kernel "$dir/agent-fw/$image.elf"
  echo
done

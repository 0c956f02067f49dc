#!/usr/bin/env bash
# The demo command: installs what is missing (scripts/setup.sh), builds the
# host (build/) and the firmware (build-fw-m3/, build-fw-m4f/), then runs the
# example statechart on an emulated Cortex-M3 board (QEMU mps2-an385) with its
# UART on this terminal. The firmware exits by itself, through semihosting,
# with 0 when every scripted step reached the configuration it expected.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/build.sh

bash scripts/setup.sh </dev/null
configure build
build build
configure "$fw_m3" --cross-file "$fw_m3_cross"
build "$fw_m3"
configure "$fw_m4f" --cross-file "$fw_m4f_cross"
build "$fw_m4f"

echo
echo "==> chart demo on QEMU mps2-an385 (Cortex-M3); the UART follows"
status=0
qemu-system-arm -M mps2-an385 -nographic -monitor none \
  -semihosting-config enable=on,target=native \
  -kernel "$fw_m3/agent-fw/chart_demo.elf" || status=$?
echo "==> firmware exited with status $status"
exit "$status"

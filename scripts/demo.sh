#!/usr/bin/env bash
# The demo command: installs what is missing (scripts/setup.sh), builds the
# host (build/) and the firmware (build-fw-m3/, build-fw-m4f/), then runs two
# images on an emulated Cortex-M3 board (QEMU mps2-an385) with the UART on this
# terminal: the example statechart, and the actor runtime with a supervision
# tree (restarts, a DOWN, intensity exceeded and reverse-order shutdown). Each
# exits by itself, through semihosting, with 0 when every check held.
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

run_on_board() {
  local image=$1 title=$2 status=0
  echo
  echo "==> $title on QEMU mps2-an385 (Cortex-M3); the UART follows"
  qemu-system-arm -M mps2-an385 -nographic -monitor none \
    -semihosting-config enable=on,target=native \
    -kernel "$fw_m3/agent-fw/$image" || status=$?
  echo "==> firmware exited with status $status"
  return "$status"
}

status=0
run_on_board chart_demo.elf "chart demo" || status=$?
run_on_board actor_demo.elf "actor and supervision demo" || status=$?
exit "$status"

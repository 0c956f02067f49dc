#!/usr/bin/env bash
# The demo command: installs what is missing (scripts/setup.sh), builds the
# host (build/: litd and the tools) and the firmware (build-fw-m3/,
# build-fw-m4f/), boots the agent firmware on an emulated board, and starts
# litd with a supervision tree that spans host actors and the board's actors,
# attached through a pty exactly as a real board's /dev/ttyACM0 would be.
#
#   bash scripts/demo.sh                       until Ctrl-C, then a clean shutdown
#   bash scripts/demo.sh --once                start, show the tree, stop; exit 0 if all held
#   bash scripts/demo.sh --board mps2-an385    the Cortex-M3 board (default: netduinoplus2)
#   LIT_DEVICE=/dev/ttyACM0 bash scripts/demo.sh   a real board running the agent firmware
#
# Everything runs from $LIT_DEMO_DIR (default /tmp/lit-demo): litd.toml,
# litd.log, the board's console and the pty's link.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/build.sh

once=false
board=netduinoplus2
while [ $# -gt 0 ]; do
  case $1 in
    --once) once=true ;;
    --board)
      board=$2
      shift
      ;;
    *)
      echo "usage: $0 [--once] [--board netduinoplus2|mps2-an385]" >&2
      exit 64
      ;;
  esac
  shift
done
case $board in
  netduinoplus2) fw_dir=$fw_m4f fw_cross=$fw_m4f_cross ;;
  mps2-an385) fw_dir=$fw_m3 fw_cross=$fw_m3_cross ;;
  *)
    echo "demo: unknown board '$board' (netduinoplus2 or mps2-an385)" >&2
    exit 64
    ;;
esac

bash scripts/setup.sh </dev/null
host=${LIT_BUILD_DIR:-build}
echo "==> building the host ($host/) and the firmware ($fw_dir/)"
configure "$host"
build "$host" >/dev/null
configure "$fw_dir" --cross-file "$fw_cross"
build "$fw_dir" >/dev/null

dir=${LIT_DEMO_DIR:-/tmp/lit-demo}
mkdir -p "$dir"
rm -f "$dir/link.sock" "$dir/board0" "$dir/litd.log" "$dir/console.log"
pids=()
cleanup() {
  {
    [ -n "${socat_loop:-}" ] && kill -9 "$socat_loop"
    pkill -f "PTY,link=$dir/board0"
    for pid in "${pids[@]}"; do kill "$pid"; done
    wait
  } 2>/dev/null || true
}
trap cleanup EXIT

port=${LIT_DEVICE:-}
if [ -z "$port" ]; then
  port=$dir/board0
  echo "==> booting the agent firmware on QEMU $board (console: $dir/console.log)"
  # In a session of its own, as is the pty's loop below: Ctrl-C reaches litd,
  # which says goodbye to a board still running, and cleanup stops the board after.
  setsid qemu-system-arm -M "$board" -nographic -monitor none \
    -semihosting-config enable=on,target=native \
    -kernel "$fw_dir/agent-fw/apps/agent/agent.elf" \
    -serial "file:$dir/console.log" \
    -serial "unix:$dir/link.sock,server=on,wait=on" &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$dir/link.sock" ] && break; sleep 0.1; done
  # The pty stands in for the board's tty; litd opens it with termios. A pty
  # ends when litd closes it (a restart, a released link), so socat comes
  # back each time, as a USB serial device does after a reset.
  setsid bash -c 'while :; do socat "PTY,link=$0,rawer,wait-slave" "UNIX-CONNECT:$1" || sleep 0.1; done' \
    "$port" "$dir/link.sock" &
  socat_loop=$!
  for _ in $(seq 100); do [ -e "$port" ] && break; sleep 0.1; done
fi

# The metrics port: 9464 unless taken (LIT_METRICS_PORT picks another).
metrics_port=${LIT_METRICS_PORT:-$(python3 scripts/lib/free_port.py 9464)}
socket=$dir/control.sock
litctl=$host/cli/litctl/litctl
sed -e "s|^port = .*|port = \"$port\"|" -e "s|^listen = .*|listen = \"127.0.0.1:$metrics_port\"|" \
  -e "s|^socket = .*|socket = \"$socket\"|" daemon/litd/demo.toml >"$dir/litd.toml"
"$host"/daemon/litd/litd --check "$dir/litd.toml"
echo "==> starting litd (log: $dir/litd.log)"
"$host"/daemon/litd/litd --config "$dir/litd.toml" 2>"$dir/litd.log" &
litd=$!
pids+=("$litd")

linked=false
for _ in $(seq 300); do
  if grep -q "link up" "$dir/litd.log"; then
    linked=true
    break
  fi
  kill -0 "$litd" 2>/dev/null || break
  sleep 0.1
done
if ! $linked; then
  echo "demo: the board's link did not come up within 30 s" >&2
  exit 1
fi
# The tree as litctl draws it, once every actor in it reports running.
running() { "$litctl" --socket "$socket" tree -o json 2>/dev/null | python3 scripts/lib/all_running.py; }
for _ in $(seq 100); do running && break; sleep 0.1; done
echo
echo "==> litctl tree"
"$litctl" --socket "$socket" tree
cat <<EOF

==> litd is running the tree in $dir/litd.toml (log: $dir/litd.log)
    metrics:  http://127.0.0.1:$metrics_port/metrics
    litctl:   export PATH=$PWD/$host/cli/litctl:\$PATH LITCTL_SOCKET=$socket
    Try:
      litctl status                              the daemon, its trees and board0's link
      litctl devices                             board0: boot id, firmware build, link counters
      litctl trace gateway/cell/thermostat       its state changes as they happen (Ctrl-C ends)
      litctl send gateway/cell/thermostat cold   idle -> heating, traced from the board
      litctl send gateway/cell/thermostat crash  the device actor fails; one_for_all restarts logic too
      litctl restart gateway/board               a subtree on the board, with new incarnations
      litctl top                                 the busiest actors and the link's health, live
      litctl logs -f                             litd's log and board0's own lines
    kill -HUP $litd reloads $dir/litd.toml; Ctrl-C stops everything.
EOF
if ! running; then
  echo "demo: not every actor of the tree is running (see $dir/litd.log)" >&2
  $once && exit 1
fi

stop_litd() {
  kill -TERM "$litd" 2>/dev/null || true
  local status=0
  wait "$litd" || status=$?
  echo "==> litd exited with status $status"
  return "$status"
}

if $once; then
  stop_litd
  grep -q "\[runtime\] stopped" "$dir/litd.log"
  exit 0
fi
trap 'stop_litd; cleanup; exit 0' INT TERM
echo "==> litd's log follows"
tail -n 0 -f "$dir/litd.log" &
pids+=($!)
wait "$litd"

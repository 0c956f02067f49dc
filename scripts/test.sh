#!/usr/bin/env bash
# The test command: installs what is missing (scripts/setup.sh), builds the
# host (build/), an ASan+UBSan host build (build-asan/), the libFuzzer targets
# with clang (build-fuzz/, fuzzed for a minute each) and the firmware for
# Cortex-M3 and Cortex-M4F (build-fw-m3/, build-fw-m4f/; run under QEMU) and
# the STM32F4-Discovery (build-fw-disco/, built only), runs every build's
# tests, and ends with the line "N passed, N failed" (gtest cases counted one by
# one; see scripts/test_summary.py). Exits non-zero if anything failed. Needs no
# stdin; uses every core.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/build.sh

# UBSan findings fail the test that hit them instead of scrolling past.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

tested=()           # build dirs whose tests ran, for the summary
broken_steps=()     # steps that failed before any test could run

step() {
  local name=$1
  shift
  echo "==> $name (at ${SECONDS} s)"
  if ! "$@"; then
    echo "FAILED: $name"
    broken_steps+=("$name")
    return 1
  fi
}

run_tests() {
  local dir=$1
  shift
  rm -f "$dir/meson-logs/testlog.json" "$dir/meson-logs/testlog.junit.xml"
  echo "==> test $dir (at ${SECONDS} s)"
  meson test -C "$dir" --num-processes "$jobs" --print-errorlogs "$@"
  tested+=("$dir")
}

# configure and build one build dir; a failure here skips its tests.
configure_and_build() {
  local dir=$1
  shift
  step "configure $dir" configure "$dir" "$@" && step "build $dir" build "$dir"
}

step "setup" bash scripts/setup.sh </dev/null

# The firmware first: litd's tests drive the agent image on QEMU
# netduinoplus2 through a pty when LIT_AGENT_ELF names it.
fw_m4f_built=false
configure_and_build "$fw_m4f" --cross-file "$fw_m4f_cross" && fw_m4f_built=true
if $fw_m4f_built; then
  export LIT_AGENT_ELF=$PWD/$fw_m4f/agent-fw/apps/agent/agent.elf LIT_AGENT_MACHINE=netduinoplus2
fi
# The host build exactly as the Dockerfile makes it.
step "build build" bash scripts/build.sh && run_tests build
# The sanitizers add nothing to the formatting check, so it runs once, above.
# -O2 as the host build (the same warnings), with line tables only (-g1):
# enough for the sanitizers' reports, and far quicker to compile than -g.
configure_and_build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=plain \
  -Doptimization=2 -Ddebug=false -Dcpp_args=-g1 -Dc_args=-g1 -Dbenchmarks=false &&
  run_tests build-asan --no-suite style
# One minute of fuzzing per target, as scripts/fuzz.sh does; a finding fails
# its test and is left in build-fuzz/tests/fuzz/<target>/.
CC=clang CXX=clang++ configure_and_build "$fuzz_dir" "${fuzz_options[@]}" -Dfuzz_seconds=60 &&
  run_tests "$fuzz_dir"
configure_and_build "$fw_m3" --cross-file "$fw_m3_cross" && run_tests "$fw_m3"
$fw_m4f_built && run_tests "$fw_m4f"
# The real STM32F4-Discovery: nobody here can run it, so it is built (and its
# images checked for a heap) but not run.
configure_and_build build-fw-disco --cross-file agent-fw/cross/stm32f4discovery.ini && run_tests build-fw-disco

# The main job as a user runs it: litd supervising the agent firmware on QEMU
# netduinoplus2 through a pty, started and stopped cleanly (scripts/demo.sh).
passed_checks=0
failed_checks=0
step "demo --once" bash scripts/demo.sh --once && passed_checks=$((passed_checks + 1))

# The serial proxy's own tests, then the HIL scenarios on both QEMU boards
# and the wire drills; each scenario and drill counts once ("N passed, N
# failed" is hil/run.py's last line).
count_checks() {
  local line
  line=$("$@" 2>&1 | tee /dev/stderr | tail -n 1)
  if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed_checks=$((passed_checks + BASH_REMATCH[1]))
    failed_checks=$((failed_checks + BASH_REMATCH[2]))
  else
    failed_checks=$((failed_checks + 1))
  fi
}
echo "==> serial proxy tests (at ${SECONDS} s)"
if python3 hil/tests/test_serial_proxy.py; then
  passed_checks=$((passed_checks + 1))
else
  failed_checks=$((failed_checks + 1))
fi
echo "==> HIL on QEMU netduinoplus2 (at ${SECONDS} s)"
count_checks python3 hil/run.py --build build --board netduinoplus2 --firmware "$fw_m4f/agent-fw/apps/agent/agent.elf"
echo "==> HIL on QEMU mps2-an385 (at ${SECONDS} s)"
count_checks python3 hil/run.py --build build --board mps2-an385 --firmware "$fw_m3/agent-fw/apps/agent/agent.elf"
echo "==> HIL: the minimal agent on QEMU mps2-an385 (at ${SECONDS} s)"
count_checks python3 hil/run.py --minimal --build build --board mps2-an385 \
  --firmware "$fw_m3/agent-fw/apps/agent_min/agent_min.elf"
# The wire drills (about 2.5 minutes): bit errors with counts at both ends, and
# 20 unplug cycles with descriptor and RSS checks; on the default board.
echo "==> wire drills on QEMU netduinoplus2 (at ${SECONDS} s)"
count_checks python3 hil/run.py --drills --build build --board netduinoplus2 \
  --firmware "$fw_m4f/agent-fw/apps/agent/agent.elf"

for broken in "${broken_steps[@]}"; do echo "broken step: $broken"; done
python3 scripts/test_summary.py --broken-steps "${#broken_steps[@]}" --passed-checks "$passed_checks" \
  --failed-checks "$failed_checks" "${tested[@]}"

#!/usr/bin/env bash
# Runs one libFuzzer target for a while, as the 'fuzz' meson tests and
# scripts/fuzz.sh do: a fresh working corpus WORK_DIR/corpus seeded with a copy
# of SEED_DIR (libFuzzer writes new inputs into its corpus; the sources stay
# untouched), the dictionary, inputs of up to 8 KB (room for a 64-state chart),
# and findings written to WORK_DIR as crash-*, leak-*, timeout-* or oom-*.
# Exits non-zero on any finding.
#
#   run.sh FUZZER SEED_DIR DICTIONARY WORK_DIR SECONDS
set -euo pipefail
if [ $# -ne 5 ]; then
  echo "usage: $0 FUZZER SEED_DIR DICTIONARY WORK_DIR SECONDS" >&2
  exit 2
fi
fuzzer=$1
seeds=$2
dictionary=$3
work=$4
seconds=$5

rm -rf "$work/corpus"
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"

# UBSan reports are fatal (-fno-sanitize-recover); this adds their stack trace.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

exec "$fuzzer" \
  -dict="$dictionary" \
  -max_total_time="$seconds" \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -max_len=8192 \
  -artifact_prefix="$work/" \
  -print_final_stats=1 \
  "$work/corpus"

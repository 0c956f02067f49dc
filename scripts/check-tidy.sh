#!/usr/bin/env bash
# Runs clang-tidy (the root .clang-tidy; warnings are errors) over every project
# source the host build compiles. Usage: check-tidy.sh BUILD_DIR. Exits non-zero
# on any finding. The firmware-only sources are checked by the cross compiler's
# own -Werror warnings; clang-tidy would need the ARM sysroot to parse them.
set -euo pipefail
build_dir=$(realpath "$1")
cd "$(dirname "$0")/.."
mapfile -t sources < <(python3 - "$build_dir/compile_commands.json" <<'PY'
import json, os, sys
root = os.getcwd()
seen = set()
for entry in json.load(open(sys.argv[1])):
    path = os.path.relpath(os.path.join(entry["directory"], entry["file"]), root)
    if path.split(os.sep)[0] in ("shared", "cli", "tests", "bench", "daemon", "agent-fw") and path not in seen:
        seen.add(path)
        print(path)
PY
)
# -Wno-unknown-warning-option: the build passes a few GCC-only warning flags.
set +e
findings=$(printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 1 clang-tidy -p "$build_dir" --quiet --extra-arg=-Wno-unknown-warning-option 2>&1)
status=$?
set -e
if [ "$status" -ne 0 ] || grep -q -E '(warning|error):' <<<"$findings"; then
  grep -E '(warning|error):' <<<"$findings" || echo "$findings"
  echo "clang-tidy found problems in ${#sources[@]} sources (status $status)" >&2
  exit 1
fi
echo "clang-tidy: ${#sources[@]} sources clean"

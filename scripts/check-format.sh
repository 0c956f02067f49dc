#!/usr/bin/env bash
# The formatting gate: fails when a C/C++ source of the project differs from
# what clang-format makes of it under the root .clang-format. The host build
# runs it as the meson test `clang_format`. With --fix, reformats in place.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=(--dry-run --Werror)
verb=checked
if [ "${1:-}" = "--fix" ]; then
  mode=(-i)
  verb=formatted
fi

mapfile -t sources < <(find shared agent-fw cli tests bench daemon hil -type f \
  \( -name '*.cpp' -o -name '*.hpp' -o -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
clang-format "${mode[@]}" "${sources[@]}"
echo "clang-format: ${#sources[@]} files $verb"

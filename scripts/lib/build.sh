# Shared by scripts/test.sh, scripts/demo.sh and bench/run-m3.sh: how a build
# directory is configured and built. Source it; it defines functions only.
# Every build directory sits at the repository root and is ignored by git.

jobs=$(nproc)

# configure DIR [meson options...]: set DIR up, or apply the options to it if
# it exists (meson configure: `meson setup --reconfigure` in meson 1.0 drops
# some -D options; the cross file of an existing dir cannot change anyway).
# Meson's own output is shown only when it fails.
configure() {
  local dir=$1
  shift
  local command=(meson setup "$dir" "$@")
  if [ -f "$dir/build.ninja" ]; then
    command=(meson configure "$dir")
    while [ $# -gt 0 ]; do
      if [ "$1" = --cross-file ]; then
        shift 2
        continue
      fi
      command+=("$1")
      shift
    done
  fi
  local log
  log=$(mktemp)
  if ! "${command[@]}" >"$log" 2>&1; then
    cat "$log"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# build DIR: compile everything in DIR on every core.
build() {
  ninja -C "$1" -j "$jobs"
}

# The firmware build directories and their cross files.
fw_m3=build-fw-m3
fw_m3_cross=agent-fw/cross/cortex-m3.ini
fw_m4f=build-fw-m4f
fw_m4f_cross=agent-fw/cross/cortex-m4f.ini

# The libFuzzer build directory and its options (see scripts/fuzz.sh). Configure
# it with CC=clang CXX=clang++ in the environment: meson reads the compiler
# from there only when it sets a directory up.
fuzz_dir=build-fuzz
fuzz_options=(-Dfuzzing=true -Dbuildtype=debugoptimized)

#!/usr/bin/env bash
# The only install step in lit-bit: every Debian package the project needs, installed
# non-interactively and idempotently. Nothing is fetched from outside Debian's archive.
# Run as root, or as a user with passwordless sudo.
set -euo pipefail

packages=(
  # host toolchain and build
  build-essential g++ meson ninja-build pkg-config python3
  clang clang-format clang-tidy libclang-rt-14-dev
  # firmware toolchain and emulator
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
  binutils-arm-none-eabi qemu-system-arm
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # libraries
  libpugixml-dev libcli11-dev libuv1-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev libsystemd-dev prometheus-cpp-dev libcivetweb-dev
  protobuf-compiler libprotobuf-dev nanopb libnanopb-dev
  libcaf-dev
  # operations and drills
  openocd socat prometheus systemd tmux
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo -n)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
else
  echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi

# nanopb's runtime for the firmware. libnanopb-dev ships its headers and an x86
# library only, so the pb_*.[ch] sources come from Debian's source package of
# the installed version (no patches apply to them), into .deps/nanopb/, which
# the firmware build compiles for ARM. apt-get checks the download against the
# archive's signed indexes; a private apt directory carries the deb-src list
# and its indexes, so the system's apt state is not touched (and no root is
# needed for this part).
root="$(cd "$(dirname "$0")/.." && pwd)"
nanopb_version="$(dpkg-query -W -f='${Version}' libnanopb-dev)"
nanopb_dir="$root/.deps/nanopb"
if [ "$(cat "$nanopb_dir/VERSION" 2>/dev/null)" != "$nanopb_version" ]; then
  echo "setup: fetching nanopb $nanopb_version sources for the firmware"
  work="$(mktemp -d)"
  chmod 755 "$work"  # apt downloads as _apt where it can
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/apt/sources.list.d" "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/download"
  chmod 777 "$work/download"
  for list in /etc/apt/sources.list.d/*.sources; do
    sed 's/^Types: deb$/Types: deb-src/' "$list" > "$work/apt/sources.list.d/$(basename "$list")"
  done
  apt_src=(-o Dir::Etc::SourceParts="$work/apt/sources.list.d" -o Dir::Etc::SourceList=/dev/null
           -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache="$work/apt/cache" -o DPkg::Lock::Timeout=600)
  apt-get "${apt_src[@]}" update -qq
  (cd "$work/download" && apt-get "${apt_src[@]}" source --download-only -qq "nanopb=$nanopb_version")
  upstream="${nanopb_version%-*}"
  rm -rf "$nanopb_dir"
  mkdir -p "$nanopb_dir"
  tar -xzf "$work/download/nanopb_${upstream}.orig.tar.gz" -C "$nanopb_dir" --strip-components=1 \
    "nanopb-${upstream}/pb.h" "nanopb-${upstream}/pb_common.c" "nanopb-${upstream}/pb_common.h" \
    "nanopb-${upstream}/pb_decode.c" "nanopb-${upstream}/pb_decode.h" \
    "nanopb-${upstream}/pb_encode.c" "nanopb-${upstream}/pb_encode.h" "nanopb-${upstream}/LICENSE.txt"
  echo "$nanopb_version" > "$nanopb_dir/VERSION"
fi
echo "setup: done"

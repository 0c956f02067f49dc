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
  openocd socat prometheus systemd
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo -n)
fi

echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"

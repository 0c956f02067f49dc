#!/usr/bin/env bash
# Builds the host tree (build/): litd, litctl, the tools, tests and
# benchmarks. The Dockerfile's build step; scripts/test.sh and
# scripts/demo.sh build the same directory the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/build.sh

configure build
build build

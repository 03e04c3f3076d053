#!/bin/sh
# The README's test command: install dependencies, build, run all tests.
set -e
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh
make -j"$(nproc)" build-all
make check

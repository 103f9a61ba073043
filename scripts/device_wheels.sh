#!/usr/bin/env bash
# Download, into .whl/ (git-ignored), the wheels vifspec needs on a GPU machine whose python3 already
# holds torch, numpy, click, tabulate, tqdm, pytest and hypothesis but nothing from the network:
# pydantic and its dependencies and threadpoolctl, for that machine's Python (default 3.12) on x86-64 Linux.
#
#   scripts/device_wheels.sh [PYTHON_VERSION]      then carry .whl to the machine, run scripts/device_check.sh there
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-3.12}
python3 -m pip download --quiet --dest .whl --only-binary=:all: --implementation cp \
    --python-version "$version" --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    "pydantic>=2.5" "threadpoolctl>=3.1"
ls .whl

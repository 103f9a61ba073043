#!/usr/bin/env bash
# Create .venv and install vifspec into it, without ever pulling CUDA wheels on a CPU machine.
# - A torch the environment already has (yours, CPU or CUDA) is kept: vifspec only needs torch>=2.1.
# - With no torch at all, the pinned CPU build torch==2.13.0 is installed first, so that pip
#   never resolves an unpinned 'torch' to the newest (CUDA) release.
# Usage: scripts/setup.sh [extras]   (extras: "test" for the test dependencies, "test,ray" also for Ray)
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  # --system-site-packages lets a torch installed in the base environment be reused as it is.
  "$PY" -m venv --system-site-packages .venv
fi
pip=(.venv/bin/python -m pip install --disable-pip-version-check -q)
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  "${pip[@]}" "torch==${VIFSPEC_TORCH_VERSION:-2.13.0}"
fi
if [ -n "$extra" ]; then
  "${pip[@]}" -e ".[$extra]"
else
  "${pip[@]}" -e .
fi

#!/usr/bin/env bash
# The checks that need a GPU, in one run (a few minutes) on a machine with CUDA and no network:
#   1. install vifspec into that machine's python3 from the wheels in .whl/ (scripts/device_wheels.sh);
#   2. the GPU-marked tests (cuda training like cpu, seeds together on cuda, Ray tasks with gpus, bf16, latency);
#   3. benchmarks/seeds_together.py on cuda (8 seeds together against 1 alone, whole commands too);
#   4. benchmarks/sweep_throughput.py on 4 workers, when ray is installed there.
# Logs go to $OUT (default /tmp/device-check). DEVICE=cpu runs the same steps on a CPU, to try the script.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/device-check}
device=${DEVICE:-cuda}
python=${PYTHON:-python3}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
status=0

if ! "$python" -c "import pydantic" 2>/dev/null; then
    "$python" -m pip install --quiet --no-index --find-links .whl pydantic || { echo "no pydantic: run scripts/device_wheels.sh and carry .whl"; exit 2; }
fi
"$python" -m pip install --quiet --no-index --no-deps --no-build-isolation -e . || exit 2
if [ "$device" = cuda ] && ! "$python" -c "import torch, sys; sys.exit(not torch.cuda.is_available())"; then
    echo "torch sees no CUDA device here"; exit 2
fi
"$python" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU')" | tee "$out/device.txt"

echo "== GPU-marked tests"
"$python" -m pytest -q -m gpu -p no:cacheprovider tests/test_gpu.py tests/executor/test_together_gpu.py \
    tests/executor/test_optim.py tests/models/test_models_retrieval.py 2>&1 | tee "$out/gpu-tests.log" || status=1

echo "== seeds together on $device"
"$python" benchmarks/seeds_together.py --device "$device" --rounds 3 2>&1 | tee "$out/seeds-together.log" || status=1

if "$python" -c "import ray" 2>/dev/null; then
    echo "== sweep throughput, 4 workers"
    "$python" benchmarks/sweep_throughput.py --workers 4 --epochs 20 2>&1 | tee "$out/sweep-throughput.log" || status=1
else
    echo "== sweep throughput skipped: ray is not installed here" | tee "$out/sweep-throughput.log"
fi
exit $status

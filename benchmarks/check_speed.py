"""Time ``vifspec check`` on a temporary folder of 100 specs beside ``python -c pass`` (not a test).

Usage: python benchmarks/check_speed.py [N_SPECS]
Prints the median wall time of each over 5 runs and their ratio.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5


def median_seconds(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, check=False, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(n_specs: int = 100) -> None:
    sources = sorted((ROOT / "specs").glob("*.toml"))
    with tempfile.TemporaryDirectory() as folder:
        for i in range(n_specs):
            shutil.copy(sources[i % len(sources)], Path(folder) / f"spec_{i:03d}.toml")
        check = median_seconds([sys.executable, "-m", "vifspec", "check", folder])
    python = median_seconds([sys.executable, "-c", "pass"])
    print(f"vifspec check ({n_specs} specs): {check:.3f} s")
    print(f"python -c pass:             {python:.3f} s")
    print(f"ratio:                      {check / python:.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)

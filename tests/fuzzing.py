"""Case counts of the fuzz tests: as written in CI (derandomised by the ``ci`` profile of conftest.py),
``VIFSPEC_FUZZ_SCALE`` times as many in a long randomised campaign (``scripts/fuzz.sh``)."""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

SCALE = max(1, int(os.environ.get("VIFSPEC_FUZZ_SCALE", "1")))
CASES: Counter[str] = Counter()  # cases run per test, printed by the modules that count them


def fuzz(examples: int) -> settings:
    """Settings of one fuzz test: ``examples`` cases (times the campaign's scale), no deadline."""
    return settings(max_examples=examples * SCALE, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])


def case_folder(tmp_path_factory: Any, name: str) -> Path:
    """A fresh folder for one case under the session's base temp folder. ``mktemp`` numbers its
    folders by listing the ones before, which grows slow over a campaign's 100 000 cases."""
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=tmp_path_factory.getbasetemp()))

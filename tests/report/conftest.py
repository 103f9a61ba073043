"""Run records echoing the numbers of the seed documents.

Each record is one the executor produced (the session's ``executed`` records) with the seed's values
laid over it from ``tests/report/fixtures/*.json`` and validated as a :class:`RunRecord`: a change of
the record format fails here, so the fixtures cannot drift from what the executor writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from vifspec.records import RunRecord

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def load_fixture(executed) -> Callable[[str], Any]:
    base = executed.records["tiny"][0].model_dump()

    def record(values: dict[str, Any]) -> RunRecord:
        empty = {"history": [], "trivial": {}, "baseline": None, "verdict": None, "criteria": {}, "gates": {}, "plan": {}}
        return RunRecord.model_validate({**base, **empty, **values})

    def load(name: str) -> Any:
        data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        if isinstance(data, list):
            return [record(r) for r in data]
        if "records" in data:
            return {**data, "records": [record(r) for r in data["records"]]}
        return record(data)

    return load


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


@pytest.fixture
def rows_of() -> Callable[[str, str], list[list[str]]]:
    """Every table row (as stripped cells) of a Markdown text whose first cell equals ``first``."""

    def rows(text: str, first: str) -> list[list[str]]:
        return [_cells(line) for line in text.splitlines() if line.startswith("|") and _cells(line)[0] == first]

    return rows

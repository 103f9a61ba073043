"""Hand-written run records (tests/report/fixtures/*.json) echoing the numbers of the seed documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def load_fixture() -> Callable[[str], Any]:
    def load(name: str) -> Any:
        return json.loads((FIXTURES / name).read_text(encoding="utf-8"))

    return load


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


@pytest.fixture
def rows_of() -> Callable[[str, str], list[list[str]]]:
    """Every table row (as stripped cells) of a Markdown text whose first cell equals ``first``."""

    def rows(text: str, first: str) -> list[list[str]]:
        return [_cells(line) for line in text.splitlines() if line.startswith("|") and _cells(line)[0] == first]

    return rows

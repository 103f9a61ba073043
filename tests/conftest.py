"""Shared fixtures: small specs written into tmp dirs, and test-only components importable by path.

Hypothesis profiles: ``ci`` (the default) is derandomised, so every run of the suite draws the same
cases; ``long`` (``VIFSPEC_FUZZ=long``, see ``scripts/fuzz.sh``) draws fresh random cases, and the fuzz
tests multiply their case counts by ``VIFSPEC_FUZZ_SCALE`` (:mod:`fuzzing`).
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))  # makes "plugin_fixtures:obj" importable by specs

from kt_fixture import ARMS_SPEC, TINY_KT  # noqa: E402
from vifspec.records import RunRecord, read_record  # noqa: E402
from vifspec.runner import RunOptions, run_spec  # noqa: E402
from vifspec.starter import starter_text  # noqa: E402

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("long", derandomize=False, database=None, deadline=None, print_blob=True)
settings.load_profile("long" if os.environ.get("VIFSPEC_FUZZ") == "long" else "ci")


class Executed:
    """Records produced by the executor once per test session (never hand-written JSON): the
    starter spec (one seed), the tiny knowledge-tracing spec and the arms spec (two seeds each)."""

    def __init__(self, root: Path):
        self.root = root
        specs = {"demo": starter_text("demo", "specs/demo.toml"), "tiny": TINY_KT, "arms": ARMS_SPEC}
        self.records: dict[str, list[RunRecord]] = {}
        for name, text in specs.items():
            path = root / f"{name}.toml"
            path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
            seeds = 1 if name == "demo" else 2
            summary = run_spec(str(path), RunOptions(seeds=seeds, out=str(root / "runs"), progress=False), say=lambda _: None)
            self.records[name] = summary.records

    def copy(self, name: str, index: int = 0, **updates) -> RunRecord:
        """A deep copy of one executed record with some fields replaced (metrics, status, spec path...)."""
        return self.records[name][index].model_copy(update=updates, deep=True)

    def reread(self, name: str) -> list[RunRecord]:
        return [read_record(p) for p in sorted((self.root / "runs").rglob("record.json")) if name in str(p)]


@pytest.fixture(scope="session")
def executed(tmp_path_factory) -> Executed:
    return Executed(tmp_path_factory.mktemp("executed"))


@pytest.fixture
def write_spec(tmp_path):
    """Write a spec (dedented) to tmp_path/name and return its path."""

    def write(text: str, name: str = "spec.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


@pytest.fixture
def tiny_kt(write_spec):
    return write_spec(TINY_KT, "tiny_kt.toml")

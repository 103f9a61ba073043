"""Shared fixtures: small specs written into tmp dirs, and test-only components importable by path."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # makes "plugin_fixtures:obj" importable by specs

from kt_fixture import TINY_KT  # noqa: E402




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

"""The language reference stays true: every complete TOML example in it compiles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vifspec.compiler import expand_variants, load_spec

DOC = Path(__file__).resolve().parents[1] / "docs" / "spec-language.md"
EXAMPLES = [block for block in re.findall(r"```toml\n(.*?)```", DOC.read_text(), re.S) if "[experiment]" in block]


def test_the_reference_has_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_example_compiles(index, tmp_path):
    path = tmp_path / f"example_{index}.toml"
    path.write_text(EXAMPLES[index])
    source, spec = load_spec(path)
    variants = expand_variants(spec, source) if spec.trainable else []
    assert spec.experiment.id
    if "[sweep]" in EXAMPLES[index]:
        assert len(variants) == 4

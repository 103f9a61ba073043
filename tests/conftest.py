"""Shared fixtures: small specs written into tmp dirs, and test-only components importable by path."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # makes "plugin_fixtures:obj" importable by specs

TINY_KT = """
[experiment]
id = "tiny-kt"
title = "Tiny KT"
hypothesis = "A tiny gain model learns something."

[data]
source = "kt_synthetic"
params = { students = 80, skills = 12, seq_len = 12 }

[model]
name = "gain_kt"
params = { d_model = 8 }

[train]
epochs = 3
batch_size = 16
device = "cpu"
early_stopping = { monitor = "val.encoder1_auc", patience = 2 }

[loss.bce]
fn = "bce"
inputs = { logits = "encoder1_logits", target = "correct" }
weight = 0.5

[loss.variance]
fn = "variance_floor"
inputs = { x = "gains" }
weight = 2.0
start_epoch = 2

[metric.encoder1_auc]
fn = "auc"
inputs = { scores = "encoder1_logits", target = "correct" }

[metric.gain_std]
fn = "dispersion_std"
inputs = { x = "gains" }

[metrics]
val = ["encoder1_auc"]
test = ["encoder1_auc", "gain_std"]

[criteria]
"AUC" = "test.encoder1_auc > 0.0"
"Gain Std" = "test.gain_std > 1000"

[gates.main]
require = 1
criteria = ["AUC", "Gain Std"]

[baseline]
trivial = ["kt_skill_rate"]

[track]
params = ["beta_skill"]
"""


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

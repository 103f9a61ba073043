"""``vifspec new NAME``: a commented starter spec that compiles and trains in seconds on a CPU.

It uses built-in components only (the synthetic knowledge-tracing data and the gain model), so a
new user can ``vifspec run`` it at once and then edit it into their own experiment.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from vifspec.errors import SpecError
from vifspec.limits import ID_MAX_LENGTH
from vifspec.records import atomic_write_text
from vifspec.spec.fields import ID_PATTERN, ID_RULE

PROJECT_SCHEMA = "docs/vifspec.schema.json"

STARTER = '''\
#:schema {schema}
# (editor completion and validation; create the schema with: vifspec schema --out {schema_out})
# {name}: a vifspec starter spec. Every key is explained in docs/spec-language.md.
# Check it:  vifspec check {path}        Run it:  vifspec run {path}

[experiment]
id = "{name}"                      # runs go to runs/{name}/
title = "{title}"
hypothesis = "A variance term spreads the learned gains without hurting response prediction."

[data]
source = "kt_synthetic"            # a registered dataset (vifspec list datasets), "pkg.mod:factory" or a file
params = {{ students = 120, skills = 10, seq_len = 15 }}   # keyword arguments of the dataset factory
splits = {{ train = 0.7, val = 0.15, test = 0.15 }}       # fractions; must include train and sum to 1
seed = 0                           # data generation and splitting seed

[model]
name = "gain_kt"                   # a registered model (vifspec list models) or "pkg.mod:Class"
params = {{ d_model = 16 }}          # constructor arguments

[train]
epochs = 3                         # maximum epochs
batch_size = 32
optimizer = {{ name = "adamw", lr = 2e-3, weight_decay = 0.0 }}
seeds = [0]                        # one run per seed
device = "cpu"                     # auto | cpu | cuda | mps
early_stopping = {{ monitor = "val.encoder1_auc", patience = 2 }}   # restores the best epoch

# The loss mix: total = sum(weight x term). One table per term.
[loss.bce]
fn = "bce"                         # a registered loss (vifspec list losses)
inputs = {{ logits = "encoder1_logits", target = "correct" }}   # loss input -> model output or batch field
weight = 1.0

[loss.variance]
fn = "variance_floor"
inputs = {{ x = "gains" }}
params = {{ floor = 0.1 }}           # other keyword arguments of the loss
weight = 0.5
start_epoch = 2                    # off during epoch 1 (warm-up)

# Named metrics: a registered metric bound to outputs and fields.
[metric.encoder1_auc]
fn = "auc"
inputs = {{ scores = "encoder1_logits", target = "correct" }}

[metric.gain_std]
fn = "dispersion_std"
inputs = {{ x = "gains" }}

[metrics]                          # split -> metrics computed on it (val: every epoch)
val = ["encoder1_auc"]
test = ["encoder1_auc", "gain_std"]

# Success criteria, declared before the run; their text and hash go into every record.
[criteria]
"AUC" = "test.encoder1_auc >= 0.55"
"Gain Std" = "test.gain_std > 0.05"

[gates.main]                       # passes when `require` ("all", or at least k) of its criteria pass
require = 1
criteria = ["AUC", "Gain Std"]

[baseline]
trivial = ["kt_skill_rate"]        # trivial models evaluated beside the model with the same metrics
'''


def starter_text(name: str, path: str | Path) -> str:
    """The starter spec for experiment ``name`` (to be written at ``path``, a path from the working directory)."""
    if not re.match(ID_PATTERN, name) or len(name) > ID_MAX_LENGTH:
        raise SpecError(f"'{name}' is not a valid experiment id: use {ID_RULE}")
    title = name.replace("_", " ").replace("-", " ").strip().capitalize()
    schema_out = PROJECT_SCHEMA if Path(PROJECT_SCHEMA).is_file() else "vifspec.schema.json"
    schema = Path(os.path.relpath(schema_out, Path(path).parent)).as_posix()
    return STARTER.format(name=name, title=title, path=Path(path).as_posix(), schema=schema, schema_out=schema_out)


def starter_path(name: str, directory: str | Path | None = None) -> Path:
    """``DIR/NAME.toml``; without a directory, ``specs/NAME.toml`` when ``specs/`` exists, else ``NAME.toml``."""
    if directory is None:
        directory = "specs" if Path("specs").is_dir() else "."
    return Path(directory) / f"{name}.toml"


def write_starter(name: str, directory: str | Path | None = None, overwrite: bool = False) -> Path:
    """Write the starter spec for ``name``; refuses to overwrite an existing file unless told to."""
    if name.endswith(".toml"):
        name = name[: -len(".toml")]
    path = starter_path(name, directory)
    text = starter_text(name, path)
    if os.path.isfile(path) and not overwrite:
        raise SpecError(f"{path} already exists (use --force to overwrite it)")
    atomic_write_text(path, text)  # creates DIR; an unwritable or blocked DIR is an EnvironmentFault
    return path

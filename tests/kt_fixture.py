"""A tiny knowledge-tracing spec that trains in about a second (shared by several test files)."""

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

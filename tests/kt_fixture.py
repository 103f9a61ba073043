"""Small specs shared by several test files: a tiny knowledge-tracing spec (trains in about a second)
and an arms spec."""

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


ARMS_SPEC = """\
[experiment]
id = "arms-demo"

[data]
source = "kt_synthetic"
params = { students = 50 }

[model]
name = "gain_kt"

[train]
epochs = 1

[loss.bce]
fn = "bce"
inputs = { logits = "encoder1_logits", target = "correct" }

[metric.auc1]
fn = "auc"
inputs = { scores = "encoder1_logits", target = "correct" }

[metrics]
test = ["auc1"]

[arms.a]
"loss.bce.weight" = 1.0

[arms.b]
"loss.bce.weight" = 0.5

[criteria]
"Delta" = "a.test.auc1 - b.test.auc1 >= 1pp"

[baseline]
arm = "b"
compare = ["test.auc1"]
"""

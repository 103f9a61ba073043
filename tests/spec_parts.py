"""Pieces of spec text the tests share: a binary task's loss and AUC metric on the model's logits."""

BCE_AND_AUC = """\
[loss.main]
fn = "bce"
inputs = { logits = "logits", target = "target" }

[metric.auc]
fn = "auc"
inputs = { scores = "logits", target = "target" }
"""

"""A small MLP spec whose seeds train together (dropout, early stopping, norm clipping, a loss bound to
a parameter), a sweep of it, and a model that kills its own process inside a Ray worker."""

from __future__ import annotations

import os
import signal

import torch

MLP_SPEC = """
[experiment]
id = "mlp-seeds"

[data]
source = "tabular_synthetic"
params = { n = 400, tier = "a20", positive_rate = 0.3 }

[model]
name = "mlp"
params = { hidden = [16], dropout = 0.2 }

[train]
epochs = 6
batch_size = 32
optimizer = { name = "adamw", lr = 0.003 }
seeds = [0, 1, 2]
device = "cpu"
early_stopping = { monitor = "val.auc", patience = 1 }
grad_clip = 0.5
checkpoint = false

[loss.main]
fn = "bce"
inputs = { logits = "logits", target = "target" }

[loss.spread]
fn = "beta_spread"
inputs = { beta = "net.0.bias" }
weight = 0.1

[metric.auc]
fn = "auc"
inputs = { scores = "probs", target = "target" }

[metrics]
val = ["auc", "log_loss"]
test = ["auc", "log_loss"]

[criteria]
"AUC" = "test.auc > 0.5"
"""

SWEEP = """
[sweep]
"model.params.hidden" = [[8], [16], [24]]
"""


def sweep_spec(seeds: str = "[0]", epochs: int = 2) -> str:
    """The MLP spec as a 3-variant sweep with the given seeds and epochs."""
    return MLP_SPEC.replace("seeds = [0, 1, 2]", f"seeds = {seeds}").replace("epochs = 6", f"epochs = {epochs}") + SWEEP


class DiesInWorker(torch.nn.Module):
    """An MLP that kills its own process when it trains outside the test process (a Ray worker)."""

    def __init__(self, input_dim: int) -> None:
        super().__init__()
        self.net = torch.nn.Linear(input_dim, 1)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if torch.is_grad_enabled() and str(os.getpid()) != os.environ.get("VIFSPEC_TEST_DRIVER_PID"):
            os.kill(os.getpid(), signal.SIGKILL)
        logits = self.net(batch["x"]).squeeze(-1)
        return {"logits": logits, "probs": torch.sigmoid(logits)}

"""Early stopping (with best-weight restore) and guards that end or flag a failing run."""

from __future__ import annotations

import math

import torch

from vifspec.facts import Facts, facts_of
from vifspec.records.record import Epoch
from vifspec.spec.schema import CollapseGuard, Guards
from vifspec.spec.train import EarlyStopping


def _higher_is_better(monitor: str, mode: str, facts: Facts) -> bool:
    if mode != "auto":
        return mode == "max"
    return facts_of(facts, monitor).higher_is_better is not False


class EarlyStopper:
    """Tracks the monitored validation metric; keeps a device copy of the best weights.

    Without ``[train.early_stopping]`` the last epoch that passed the guards counts as the best.
    """

    def __init__(self, cfg: EarlyStopping | None, facts: Facts):
        self.cfg = cfg
        self.best_epoch: int | None = None
        self.best_value: float | None = None
        self.best_state: dict[str, torch.Tensor] | None = None
        self.maximise = _higher_is_better(cfg.monitor, cfg.mode, facts) if cfg else True

    def update(self, epoch: int, val: dict[str, float | None], model: torch.nn.Module) -> bool:
        """Record an epoch that passed the guards; return True when patience is exhausted.

        Without early stopping every such epoch is the best so far, so a run a guard ends is
        evaluated with the weights of the epoch before the collapse or divergence.
        """
        if self.cfg is None:
            self._keep(epoch, model)
            return False
        value = val.get(self.cfg.monitor.split(".", 1)[1])
        if value is not None and self._improves(value):
            self.best_value = value
            self._keep(epoch, model)
        since_best = epoch - (self.best_epoch or 0)
        return since_best >= self.cfg.patience

    def _keep(self, epoch: int, model: torch.nn.Module) -> None:
        self.best_epoch = epoch
        self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def _improves(self, value: float) -> bool:
        if self.best_value is None:
            return True
        delta = value - self.best_value if self.maximise else self.best_value - value
        return delta > self.cfg.min_delta

    def restore(self, model: torch.nn.Module) -> None:
        if self.best_state is not None:
            model.load_state_dict(self.best_state)

    def reason(self, epoch: int) -> str:
        return f"patience {self.cfg.patience} exceeded at epoch {epoch} (best epoch {self.best_epoch})"


class GuardState:
    """NaN/Inf guard on the training loss and collapse guards on validation metrics."""

    def __init__(self, cfg: Guards, facts: Facts):
        self.cfg = cfg
        self.facts = facts
        self.best: dict[int, float] = {}
        self.flags: list[str] = []

    def check(self, epoch: int, entry: Epoch) -> tuple[str, str] | None:
        """``(status, reason)`` when the run must end now, else None (flags are kept for the end).

        A non-finite loss is recorded as ``None`` in the epoch entry."""
        losses = [entry.train.loss, *(t.raw for t in entry.train.terms.values())]
        if self.cfg.nan and any(v is None or not math.isfinite(v) for v in losses):
            return "diverged", f"non-finite training loss at epoch {epoch}"
        for i, guard in enumerate(self.cfg.collapse):
            reason = self._collapsed(i, guard, epoch, entry.val)
            if reason and guard.action == "stop":
                return "collapsed", reason
            if reason and reason not in self.flags:
                self.flags.append(reason)
        return None

    def _collapsed(self, i: int, guard: CollapseGuard, epoch: int, val: dict[str, float | None]) -> str | None:
        metric = guard.monitor.split(".", 1)[1]
        value = val.get(metric)
        if value is None:
            return None
        up = _higher_is_better(guard.monitor, "auto", self.facts)
        best = self.best.get(i)
        self.best[i] = value if best is None else (max(best, value) if up else min(best, value))
        if epoch < guard.after_epoch:
            return None
        if guard.below is not None and (value < guard.below if up else value > guard.below):
            return f"{guard.label}: {guard.monitor} = {value:.4f} beyond {guard.below} at epoch {epoch}"
        if guard.drop is not None and best is not None and best != 0:
            fall = (best - value) / abs(best) if up else (value - best) / abs(best)
            if fall >= guard.drop:
                return f"{guard.label}: {guard.monitor} fell {fall:.0%} from {best:.4f} to {value:.4f} at epoch {epoch}"
        return None

    def final_status(self) -> str:
        return "collapsed" if self.flags else "completed"

    def flag_reason(self) -> str | None:
        return "; ".join(self.flags) or None

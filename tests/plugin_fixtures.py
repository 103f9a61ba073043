"""Components named by import path in test specs ("plugin_fixtures:obj"): the plugin route users take."""

from __future__ import annotations

import torch


def nan_loss(x):
    """Always NaN: drives the NaN guard."""
    return x.sum() * float("nan")


def boom_loss(x):
    """Raises inside training (when gradients are on; the prepare phase probes without them): drives
    the crash path (exit 3)."""
    if torch.is_grad_enabled():
        raise RuntimeError("boom inside the loss")
    return torch.as_tensor(x).float().mean()


class ControlC:
    """A loss that presses Ctrl-C after ``after`` training calls (the n-th batch): drives the interrupt path."""

    calls = 0

    @classmethod
    def loss(cls, x, after: int = 3):
        if torch.is_grad_enabled():
            cls.calls += 1
            if cls.calls > after:
                raise KeyboardInterrupt
        return torch.as_tensor(x).float().mean() * 0.0


def mean_x(x):
    """Mean of x (a metric used by import path)."""
    return float(torch.as_tensor(x).float().mean())


mean_x.higher_is_better = True


def no_direction(x):
    return 0.0


BLAS_THREADS_SEEN: list[int] = []
LOADS: list[dict] = []


def blas_threads() -> list[int]:
    """How many threads each BLAS library numpy loaded may use now."""
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def noting_tabular(**params):
    """``tabular_synthetic`` that notes each load's parameters and how many threads numpy's BLAS may use then."""
    from vifspec.datasets.tabular.synthetic import tabular_synthetic

    LOADS.append(params)
    BLAS_THREADS_SEEN.extend(blas_threads())
    return tabular_synthetic(**params)

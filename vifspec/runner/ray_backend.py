"""The Ray backend: each unit (a plan, or a variant's seeds trained together) is one Ray task.

``vifspec run SPEC --workers N`` starts a local Ray cluster with room for N tasks at once;
``--ray-address ADDR`` joins a running cluster (``ray start --head`` on one machine, ``ray start
--address ...`` on the others); an address nothing answers at, or a cluster Ray cannot join or
start, is exit 5 at once. A task reserves ``[train] resources`` (cpus, gpus; no GPU with device
``auto`` on a cluster that has none) and runs torch on that many threads. It trains into a
temporary folder on its worker and returns each plan's record and the files of its folder (the
checkpoint) to the driver, which writes them under ``--out`` (atomically, the record last): no
filesystem is shared. A task whose worker dies (killed, out of
memory) is retried ``retries`` times by Ray, then its plans are recorded as crashed; the other tasks
go on. Workers need vifspec, and the data files the spec names at the same paths; on a local
cluster they also see the driver's working directory and import path.

Ray is an optional extra (``pip install 'vifspec[ray]'``), imported only here.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import socket
import sys
import threading
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from vifspec.compiler.plan import Plan
from vifspec.errors import EnvironmentFault, SpecError
from vifspec.runner.units import Job, Outcome, Unit, execute

INSTALL_HINT = "pip install 'vifspec[ray]'"
AUTH_LOGGER = "ray._private.authentication.authentication_token_setup"
CONNECT_TIMEOUT_S = 5.0
"""How long ``--ray-address host:port`` may take to accept a connection (Ray itself retries for minutes)."""


def import_ray() -> Any:
    """The ``ray`` module, or a :class:`SpecError` (exit 2) with the install hint."""
    try:
        import ray
    except ImportError:
        raise SpecError(f"--workers and --ray-address need Ray, an optional extra: {INSTALL_HINT}") from None
    return ray


class RayBackend:
    """Units as Ray tasks; at most as many in flight as the cluster can run at once."""

    concurrent = True

    def __init__(self, workers: int | None, address: str | None, plans: Sequence[Plan], retries: int) -> None:
        self.ray = import_ray()
        cpus = max((p.spec.train.resources.cpus for p in plans), default=1.0)
        self.owned = not self.ray.is_initialized()
        if self.owned and address:
            check_answers(address)
            self._init(address, "cannot join a Ray cluster there", address=address)
        elif self.owned:
            logging.getLogger(AUTH_LOGGER).addFilter(_default_auth_notice)
            self._init(f"--workers {workers}", "cannot start a local Ray cluster",
                       num_cpus=max(1, math.ceil(workers * cpus)), include_dashboard=False)
        self.slots = workers or max(1, int(self.ray.cluster_resources().get("CPU", 1) // cpus))
        self.has_gpus = self.ray.cluster_resources().get("GPU", 0) > 0
        self.retries = retries
        self.remote = self.ray.remote(_task)
        self.in_flight: dict[Any, Unit] = {}

    def _init(self, what: str, failure: str, **options: Any) -> None:
        """``ray.init``; its failure (no cluster for 'auto', versions that differ...) is the environment's: exit 5.
        The process keeps its own SIGTERM handler (the command line's: handled as Ctrl-C), which Ray's
        core worker replaces with one that prints a stack dump and dies."""
        sigterm = signal.getsignal(signal.SIGTERM)
        try:
            self.ray.init(logging_level=logging.WARNING, **options)
        except Exception as exc:  # noqa: BLE001 - whatever Ray raises, the cluster is not there to use
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise EnvironmentFault(what, f"{failure}: {reason}") from None
        if callable(sigterm) and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, sigterm)

    @property
    def has_room(self) -> bool:
        return len(self.in_flight) < self.slots

    @property
    def busy(self) -> bool:
        return bool(self.in_flight)

    def submit(self, unit: Unit, job: Job) -> None:
        train = unit.plans[0].spec.train
        gpus = train.resources.gpus if self.has_gpus or (job.device or train.device) != "auto" else 0  # auto: the CPU, as alone
        task = self.remote.options(num_cpus=train.resources.cpus, num_gpus=gpus, max_retries=self.retries)
        ref = task.remote(unit, replace(job, progress=_resolved(job.progress)), _driver_context())
        self.in_flight[ref] = unit

    def finished(self) -> list[tuple[Unit, list[Outcome]]]:
        """The units whose tasks ended (waits for at least one); a lost task's plans come back without a record."""
        ready, _ = self.ray.wait(list(self.in_flight), num_returns=1)
        done = []
        for ref in ready:
            unit = self.in_flight.pop(ref)
            try:
                outcomes = self.ray.get(ref)
            except self.ray.exceptions.RayError as exc:
                reason = f"its Ray task failed after {self.retries} retries: {_first_line(exc)}"
                outcomes = [Outcome(plan, None, lost=reason) for plan in unit.plans]
            done.append((unit, outcomes))
        return done

    def close(self) -> None:
        for ref in self.in_flight:
            self.ray.cancel(ref, force=True)
        self.in_flight.clear()
        if self.owned:
            self.ray.shutdown()
            self.owned = False  # closing again does nothing


def _task(unit: Unit, job: Job, context: dict[str, Any]) -> list[Outcome]:
    """On a worker: train the unit into a temporary folder and draw each run's figures there (in
    parallel, not on the driver); return its outcomes with their folders' files."""
    import torch

    from vifspec.figures import run_figures

    for path in context["sys_path"]:
        if path not in sys.path and os.path.isdir(path):
            sys.path.append(path)
    if os.path.isdir(context["cwd"]):
        os.chdir(context["cwd"])
    torch.set_num_threads(max(1, int(unit.plans[0].spec.train.resources.cpus)))
    with tempfile.TemporaryDirectory(prefix="vifspec-task-") as tmp:
        outcomes = execute(unit, replace(job, out=tmp))
        for outcome in outcomes:
            folder = outcome.plan.run_dir(tmp)
            if outcome.record is not None:  # a variant with several runs: their curves are drawn together, on the driver
                run_figures([outcome.record], None, folder, curves=outcome.plan.seeds_in_variant == 1 and outcome.plan.fold is None)
            outcome.files = {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file() and not f.name.startswith(".")}
    return outcomes


def check_answers(address: str) -> None:
    """An address ``host:port`` (or ``ray://host:port``) that accepts no connection within
    :data:`CONNECT_TIMEOUT_S` is an :class:`EnvironmentFault` at once; 'auto' is left to Ray."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        cause = exc.strerror or type(exc).__name__
        raise EnvironmentFault(address, f"no Ray cluster answers there ({cause}); start one with 'ray start --head'") from None


def _default_auth_notice(record: logging.LogRecord) -> bool:
    """False for Ray's notice that a new local cluster uses token authentication, its default (said on
    every run otherwise); a warning that authentication is off still shows."""
    return not record.getMessage().startswith("Token authentication is enabled")


def _driver_context() -> dict[str, Any]:
    return {"cwd": os.getcwd(), "sys_path": [p for p in sys.path if p and Path(p).is_dir()]}


def _resolved(progress: bool | None) -> bool:
    """A worker's stderr is never a terminal: decide here, as the one-process run would."""
    return sys.stderr.isatty() if progress is None else progress


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return next((line for line in reversed(text) if line.strip()), type(exc).__name__)[:300]

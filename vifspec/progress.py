"""What a run shows while plans train, and who else watches the epochs (trackers).

A :class:`Watcher` is told when a plan starts, when each epoch ends and when the plan ends. The
executor calls it with values it already holds on the host (the loop keeps its one host sync per
epoch). Three displays:

- :class:`LiveBar` on a terminal (tqdm, when installed): one bar per plan, ``plan 2/6 FE-02 seed 0``,
  epoch k/N, elapsed and ETA, the train loss, the monitored validation metric and the best epoch;
- :class:`PlainLines` elsewhere (CI logs, ``| tee``): one labelled line per epoch, at most one every
  few seconds when epochs are fast (the first and the last epoch are always shown), then a line
  saying how the plan ended;
- :class:`Watcher` itself, silent (``--quiet``).

:func:`display_for` picks one for a stream.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence, TextIO

from vifspec.facts import facts_of
from vifspec.report.units import fmt_value

if TYPE_CHECKING:
    from vifspec.compiler.plan import Plan
    from vifspec.records.record import Epoch, RunRecord

PLAIN_EVERY_S = 5.0
"""Plain lines: at most one line per this many seconds (the first and last epoch always print)."""


class Watcher:
    """Told about the experiment, each plan and each epoch; does nothing (the quiet display and the base
    of every watcher: the displays here, the trackers of :mod:`vifspec.tracking`)."""

    def experiment_started(self, experiment: Mapping[str, Any], spec_path: str) -> None:
        """The runner starts the experiment (``experiment``: its ``[experiment]`` table)."""

    def plan_started(self, plan: Plan, run_dir: Any) -> None:
        """``plan`` starts training; its record lives in ``run_dir``."""

    def epoch_finished(self, plan: Plan, entry: Epoch, best_epoch: int | None) -> None:
        """An epoch of ``plan`` ended; ``best_epoch`` is the epoch early stopping would restore (``None``
        without it). The seeds of a variant trained together report their epochs in turn."""

    def plan_finished(self, record: RunRecord) -> None:
        """The plan ended (finished, stopped, crashed or interrupted); ``record`` is final."""

    def plan_reported(self, record: RunRecord, folder: Path) -> None:
        """The record's report and figures are written in ``folder`` (its verdict may have come later: arms)."""

    def experiment_finished(self, judged: Sequence[tuple[list[RunRecord], Any]], root: Path) -> None:
        """Every verdict of the experiment is known; ``root`` holds REPORT.md and the experiment's figures."""

    def close(self) -> None:
        """No plan follows."""


class Watchers(Watcher):
    """Several watchers told in turn (a display and a tracker). A watcher that fails (a tracking server
    gone, a full disk) is dropped with one line on stderr: training goes on, its record unharmed."""

    def __init__(self, watchers: Iterable[Watcher], stream: TextIO | None = None):
        self.watchers = list(watchers)
        self.stream = stream

    def _tell(self, method: str, *args: Any) -> None:
        for watcher in list(self.watchers):
            try:
                getattr(watcher, method)(*args)
            except Exception as exc:  # noqa: BLE001 - a watcher never stops training
                self.watchers.remove(watcher)
                print(f"warning: {type(watcher).__name__} stopped: {type(exc).__name__}: {exc}; training goes on",
                      file=self.stream or sys.stderr, flush=True)

    def plan_started(self, plan: Plan, run_dir: Any) -> None:
        self._tell("plan_started", plan, run_dir)

    def epoch_finished(self, plan: Plan, entry: Epoch, best_epoch: int | None) -> None:
        self._tell("epoch_finished", plan, entry, best_epoch)

    def plan_finished(self, record: RunRecord) -> None:
        self._tell("plan_finished", record)

    def experiment_started(self, experiment: Mapping[str, Any], spec_path: str) -> None:
        self._tell("experiment_started", experiment, spec_path)

    def plan_reported(self, record: RunRecord, folder: Path) -> None:
        self._tell("plan_reported", record, folder)

    def experiment_finished(self, judged: Sequence[tuple[list[RunRecord], Any]], root: Path) -> None:
        self._tell("experiment_finished", judged, root)

    def close(self) -> None:
        self._tell("close")


def monitored(plan: Plan) -> str | None:
    """The validation metric worth watching: early stopping's monitor, else the first val metric."""
    stopping = plan.spec.train.early_stopping
    if stopping is not None:
        return stopping.monitor
    names = plan.spec.metrics.get("val") or []
    return f"val.{names[0]}" if names else None


def _num(value: float | None) -> str:
    return "nan" if value is None else f"{value:.4f}"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}m{seconds:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def plan_key(plan: Any) -> tuple[str, str]:
    """Which plan: its variant and its run label (the seed, and the fold in cross-validation)."""
    return plan.variant, plan.label


class _PlanState:
    """What a display remembers of one plan while it trains."""

    def __init__(self, plan: Plan, index: int, total: int | None):
        self.plan, self.monitor = plan, monitored(plan)
        of = f"/{total}" if total else ""
        self.label = f"plan {index}{of} {plan.variant} seed {plan.label}"
        self.last_shown: float | None = None
        self.pending: str | None = None
        self.spent = 0.0
        self.bar: Any = None

    def values(self, entry: Epoch, best_epoch: int | None) -> str:
        """``train loss 0.4123, val.auc 0.7123, best epoch 3`` (the monitored metric in its unit)."""
        parts = [f"train loss {_num(entry.train.loss)}"]
        if self.monitor and self.monitor.startswith("val."):
            unit = facts_of(self.plan.facts, self.monitor).unit  # a rate in %, as in the reports
            parts.append(f"{self.monitor} {fmt_value(entry.val.get(self.monitor[4:]), unit)}")
        if best_epoch is not None:
            parts.append(f"best epoch {best_epoch}")
        return ", ".join(parts)


class _Display(Watcher):
    """What both displays know: which plan of how many (``plan 2/6``), its epochs, the monitored metric;
    several plans at once when a variant's seeds train together."""

    def __init__(self, stream: TextIO, total: int | None):
        self.stream = stream
        self.total = total
        self.started = 0
        self.plans: dict[tuple[str, str], _PlanState] = {}

    def plan_started(self, plan: Plan, run_dir: Any) -> None:
        self.started += 1
        self.plans[plan_key(plan)] = _PlanState(plan, self.started, self.total)

    def state(self, plan: Any) -> _PlanState:
        return self.plans[plan_key(plan)]


class PlainLines(_Display):
    """One labelled line per epoch, rate-limited to one per ``every`` seconds for fast epochs."""

    def __init__(self, stream: TextIO, total: int | None = None, *, every: float = PLAIN_EVERY_S,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(stream, total)
        self.every = every
        self.clock = clock

    def epoch_finished(self, plan: Plan, entry: Epoch, best_epoch: int | None) -> None:
        state = self.state(plan)
        state.spent += entry.seconds
        epochs = plan.spec.train.epochs
        eta = state.spent / entry.epoch * (epochs - entry.epoch)
        line = (f"[{state.label}] epoch {entry.epoch}/{epochs} | {state.values(entry, best_epoch)}"
                f" | {entry.seconds:.2f} s/epoch | ETA {_duration(eta)}")
        now = self.clock()
        if state.last_shown is None or now - state.last_shown >= self.every or entry.epoch == epochs:
            self._say(line)
            state.last_shown, state.pending = now, None
        else:
            state.pending = line

    def plan_finished(self, record: RunRecord) -> None:
        state = self.plans.pop((record.variant, record.run_label), None)
        if state is None:
            return
        if state.pending:
            self._say(state.pending)
        self._say(f"[{state.label}] {ending(record)}")

    def _say(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


def ending(record: RunRecord) -> str:
    """``early stopped at epoch 14 (best epoch 4) in 17s``."""
    epochs = record.epochs
    run = epochs.run if epochs else len(record.history)
    how = {"completed": "completed", "early_stopped": "early stopped"}.get(record.status, record.status)
    text = f"{how} at epoch {run}"
    if epochs is not None and epochs.best is not None and epochs.best != run:
        text += f" (best epoch {epochs.best})"
    if record.duration_s is not None:
        text += f" in {_duration(record.duration_s)}"
    return text if record.status not in ("crashed", "interrupted") else f"{text}: {record.stop_reason}"


class LiveBar(_Display):
    """One tqdm bar per plan: ``plan 2/6 FE-02 seed 0 |████  | epoch 12/30 | 00:05 elapsed, ETA 00:07, train loss ...``."""

    FORMAT = "{desc} |{bar:16}| epoch {n_fmt}/{total_fmt} | {elapsed} elapsed, ETA {remaining}{postfix}"

    def plan_started(self, plan: Plan, run_dir: Any) -> None:
        from tqdm import tqdm

        super().plan_started(plan, run_dir)
        state = self.state(plan)
        open_bars = sum(s.bar is not None for s in self.plans.values())
        state.bar = tqdm(total=plan.spec.train.epochs, desc=state.label, file=self.stream, bar_format=self.FORMAT,
                         dynamic_ncols=True, leave=True, mininterval=0, position=open_bars)
        state.bar.set_postfix_str("first epoch running", refresh=True)

    def epoch_finished(self, plan: Plan, entry: Epoch, best_epoch: int | None) -> None:
        state = self.state(plan)
        state.bar.set_postfix_str(state.values(entry, best_epoch), refresh=False)
        state.bar.update(1)

    def plan_finished(self, record: RunRecord) -> None:
        state = self.plans.pop((record.variant, record.run_label), None)
        if state is None or state.bar is None:
            return
        state.bar.set_postfix_str(ending(record), refresh=False)
        state.bar.close()

    def close(self) -> None:
        for state in self.plans.values():
            if state.bar is not None:
                state.bar.close()
        self.plans.clear()


def display_for(stream: TextIO | None = None, *, total: int | None = None, quiet: bool = False) -> Watcher:
    """A live bar on a terminal (plain lines when tqdm is missing), plain lines elsewhere, nothing when quiet."""
    stream = stream or sys.stderr
    if quiet:
        return Watcher()
    if _isatty(stream):
        try:
            import tqdm  # noqa: F401
        except ImportError:
            return PlainLines(stream, total)
        return LiveBar(stream, total)
    return PlainLines(stream, total)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

"""The verdict's inputs, built in one place: run records or a results file -> :class:`Results`.

``run``, ``judge``, ``check --records`` and the reports all build a verdict's inputs here and
nowhere else. :class:`Results` holds, per seed, what this variant measured (``own``), what each arm
measured (``arms``), the baseline and the trivial models. Seeds pair by label: an arm comparison
pairs records of the same seed; a baseline with one measurement serves every seed.

A results file (``vifspec judge``) has the same shape as JSON: ``{"metrics": {split: {metric:
value}}}`` with optional ``"baseline"`` and ``"arms": {arm: {...}}``; any value may be a list of
per-seed values (``[0.71, 0.70, 0.72]``); lists pair by position. A scalar in a block whose other
values are lists holds for every seed of that block.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from vifspec.errors import SpecError
from vifspec.expr import BoundRef, finite_number, names_a_run
from vifspec.facts import MetricFacts
from vifspec.records.record import FAILED_STATUSES, RunRecord
from vifspec.verdict.criterion import Seed

Table = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Sample:
    """One seed's measurements (one record, or one position of a results file's lists)."""

    seed: str
    metrics: Table
    status: str | None = None
    stop_reason: str | None = None
    who: str = ""
    draws: Table | None = None  # a single-seed run's metrics on resampled test examples: {split: {metric: [B values]}}
    counts: Table | None = None  # a rate's events: {split: {metric: [successes, trials]}}

    def value(self, split: str, metric: str) -> Any:
        return ((self.metrics or {}).get(split) or {}).get(metric)

    def drawn(self, split: str, metric: str) -> Any:
        return ((self.draws or {}).get(split) or {}).get(metric)

    def counted(self, split: str, metric: str) -> tuple[int, int] | None:
        """The rate's ``(successes, trials)`` when the record kept a well-formed pair."""
        pair = ((self.counts or {}).get(split) or {}).get(metric)
        if isinstance(pair, (list, tuple)) and len(pair) == 2 and all(type(x) is int for x in pair) and 0 <= pair[0] <= pair[1]:
            return pair[0], pair[1]
        return None


@dataclass
class Results:
    """Everything a verdict is judged on, per seed."""

    own: list[Sample] = field(default_factory=list)
    arms: dict[str, list[Sample]] = field(default_factory=dict)
    baseline: list[Sample] = field(default_factory=list)
    trivial: dict[str, list[Sample]] = field(default_factory=dict)
    facts: dict[str, MetricFacts] = field(default_factory=dict)
    arm_names: frozenset[str] = frozenset()

    def labels(self) -> list[str]:
        """The seeds the verdict runs over: this variant's, or (an arms experiment) every arm's."""
        samples = self.own or [s for arm in self.arms.values() for s in arm]
        return list(dict.fromkeys(s.seed for s in samples))

    def seeds(self) -> list[Seed]:
        """One :class:`Seed` per label; a single seed also looks up its test resamples."""
        labels = self.labels()
        if len(labels) != 1:
            return [Seed(label, self._lookup(label, Sample.value)) for label in labels]
        (label,) = labels
        return [Seed(label, self._lookup(label, Sample.value), self._lookup(label, Sample.drawn), self._lookup(label, Sample.counted))]

    def sample_of(self, ref: BoundRef, label: str) -> Sample | None:
        """The sample holding ``ref``'s value for seed ``label`` (a single baseline serves every seed)."""
        if ref.source == "self":
            return _pick(self.own, label)
        if ref.source == "baseline":
            return _pick(self.baseline, label, single_serves_all=True)
        if ref.source == "trivial":
            return _pick(self.trivial.get(ref.arm or "", []), label)
        return _pick(self.arms.get(ref.arm or "", []), label)

    def _lookup(self, label: str, read: Any) -> Any:
        def lookup(ref: BoundRef) -> Any:
            sample = self.sample_of(ref, label)
            return read(sample, ref.split, ref.metric) if sample else None

        return lookup

    def samples(self) -> list[Sample]:
        """Every sample: this variant's, each arm's, the baseline's."""
        return [*self.own, *(s for arm in self.arms.values() for s in arm), *self.baseline]

    def metric_names(self) -> set[str]:
        return {m for sample in self.samples() for table in sample.metrics.values() for m in table}

    def failures(self) -> dict[str, str]:
        """Seed label -> why that seed's run failed (diverged, collapsed, crashed)."""
        samples = [*self.own, *(s for arm in self.arms.values() for s in arm)]
        return {
            f"{s.who}{s.seed}": f"seed {s.seed}{' of arm ' + s.who.rstrip(':') if s.who else ''} {s.status}"
            + (f": {s.stop_reason}" if s.stop_reason else "")
            for s in samples if s.status in FAILED_STATUSES
        }


def _pick(samples: Sequence[Sample], label: str, single_serves_all: bool = False) -> Sample | None:
    found = next((s for s in samples if s.seed == label), None)
    if found is None and single_serves_all and len(samples) == 1:
        return samples[0]
    return found


def mean_table(samples: Sequence[Sample]) -> dict[str, dict[str, float | None]]:
    """``{split: {metric: mean}}`` over ``samples``; ``None`` where any sample lacks a finite value."""
    out: dict[str, dict[str, float | None]] = {}
    for split in dict.fromkeys(s for sample in samples for s in (sample.metrics or {})):
        names = dict.fromkeys(m for sample in samples for m in (sample.metrics.get(split) or {}))
        out[split] = {m: _mean([sample.value(split, m) for sample in samples]) for m in names}
    return out


def _mean(values: Sequence[Any]) -> float | None:
    floats = [finite_number(v) for v in values]
    if not floats or any(v is None for v in floats):
        return None
    return math.fsum(floats) / len(floats)  # type: ignore[arg-type]


def _number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


# ------------------------------------------------------------------------------------- records


def current_records(records: Sequence[RunRecord]) -> list[RunRecord]:
    """The latest record of each (variant, arm, seed): a folder left by an earlier layout is not judged twice."""
    latest: dict[tuple[Any, ...], RunRecord] = {}
    for record in records:
        key = (record.experiment.id, record.variant, record.arm, record.run_label)
        if key not in latest or record.started_at >= latest[key].started_at:
            latest[key] = record
    return list(latest.values())


def group_records(records: Iterable[RunRecord]) -> list[list[RunRecord]]:
    """Records grouped into what one verdict is about: one variant's seeds, or every arm of an arms
    experiment (all seeds), in first-seen order; and, when a spec's criteria compare variants by id,
    every variant of the experiment together (the cross-variant verdict)."""
    records = list(records)
    groups: dict[tuple[str, ...], list[RunRecord]] = {}
    for record in records:
        key = (record.experiment.id, "") if record.arm else (record.experiment.id, record.variant)
        groups.setdefault(key, []).append(record)
    for experiment in dict.fromkeys(r.experiment.id for r in records if not r.arm and compares_runs(r)):
        groups[(experiment, "", "variants")] = [r for r in records if r.experiment.id == experiment and not r.arm]
    return list(groups.values())


def group_label(records: Sequence[RunRecord]) -> str:
    """``main``, ``arms ar_only, infonce_ar`` or ``variants a, b, c compared``: what a group's verdict is about."""
    if any(r.arm for r in records):
        return "arms " + ", ".join(sorted({r.arm for r in records if r.arm}))
    variants = list(dict.fromkeys(r.variant for r in records))
    return variants[0] if len(variants) == 1 else f"variants {', '.join(variants)} compared"


def is_experiment_group(records: Sequence[RunRecord]) -> bool:
    """A group judged across the experiment's named runs (arms, or variants compared by id)."""
    return any(r.arm for r in records) or len({r.variant for r in records}) > 1


def compares_runs(record: RunRecord) -> bool:
    """Whether any of the record's criteria names another run (an arm or a variant) of its experiment."""
    return any(names_a_run(text, record.runs) for text in record.criteria.values())


def results_from_records(records: Sequence[RunRecord]) -> Results:
    """The verdict's inputs from the records of one group (see :func:`group_records`)."""
    ordered = sorted(records, key=lambda r: (r.arm or "", r.variant, r.seed))
    experiment = is_experiment_group(ordered)
    named: dict[str, list[Sample]] = {}
    for record in ordered if experiment else ():
        name = record.arm or record.variant
        named.setdefault(name, []).append(_sample(record, f"{name}:"))
    facts: dict[str, MetricFacts] = {}
    for record in ordered:
        facts.update(record.metric_facts())
    return Results(
        own=[] if experiment else [_sample(r) for r in ordered],
        arms=named,
        baseline=_baseline_samples(ordered, named),
        trivial=_trivial_samples(ordered),
        facts=facts,
        arm_names=frozenset(named) | frozenset(n for r in ordered for n in r.runs),
    )


def _sample(record: RunRecord, who: str = "") -> Sample:
    return Sample(record.run_label, record.metrics, record.status, record.stop_reason, who, record.resamples, record.counts)


def _baseline_samples(records: Sequence[RunRecord], arms: Mapping[str, list[Sample]]) -> list[Sample]:
    refs = [(r, r.baseline) for r in records if r.baseline is not None]
    arm = next((ref.arm for _, ref in refs if ref.arm), None)
    if arm is not None:
        return list(arms.get(arm, []))
    samples = {r.run_label: Sample(r.run_label, ref.metrics, draws=ref.resamples) for r, ref in refs}
    return list(samples.values())


def _trivial_samples(records: Sequence[RunRecord]) -> dict[str, list[Sample]]:
    """Each trivial model's metrics per seed (the first record of a seed; trivial models do not train)."""
    out: dict[str, dict[str, Sample]] = {}
    for record in records:
        for name, metrics in record.trivial.items():
            drawn = record.trivial_resamples.get(name)
            out.setdefault(name, {}).setdefault(record.run_label, Sample(record.run_label, metrics, draws=drawn))
    return {name: list(samples.values()) for name, samples in out.items()}


# ----------------------------------------------------------------------------------- results file


def results_from_file(data: Any, arm_names: Iterable[str] = (), baseline_arm: str | None = None) -> Results:
    """The verdict's inputs from a results file's JSON (see the module docstring); a file of the wrong
    shape is a :class:`SpecError` listing every problem."""
    problems = validate_results(data)
    if problems:
        raise SpecError(problems)
    arms = {name: _samples(_split_table(block), f"{name}:") for name, block in (data.get("arms") or {}).items()}
    baseline = _samples(_split_table(data["baseline"])) if data.get("baseline") is not None else []
    if not baseline and baseline_arm in arms:
        baseline = arms[baseline_arm]  # the baseline is one of the arms
    own = _samples(data["metrics"]) if data.get("metrics") is not None else []
    return Results(own=own, arms=arms, baseline=baseline, arm_names=frozenset(arm_names) | frozenset(arms))


def _samples(table: Any, who: str = "") -> list[Sample]:
    """One sample per position of the table's lists (a scalar holds for every position)."""
    lengths = [len(v) for values in table.values() for v in values.values() if isinstance(v, list)]
    n = max(lengths, default=1)
    return [
        Sample(str(i), {split: {m: (v[i] if i < len(v) else None) if isinstance(v, list) else v for m, v in values.items()}
                        for split, values in table.items()}, who=who)
        for i in range(n)
    ]


def _split_table(block: Any) -> Any:
    """``{split: {...}}`` from either that itself or ``{"metrics": {split: {...}}, ...}``."""
    if isinstance(block, Mapping) and isinstance(block.get("metrics"), Mapping):
        return block["metrics"]
    return block


def validate_results(results: Any) -> list[str]:
    """Problems with a results object, one message each (empty when it can be judged)."""
    if not isinstance(results, Mapping):
        return [f"results must be a JSON object {{\"metrics\": {{split: {{metric: value}}}}}}, got {_kind(results)}"]
    if results.get("metrics") is None and not results.get("arms"):
        return ["results have no \"metrics\" object (nor \"arms\"); expected {\"metrics\": {split: {metric: value}}}"]
    problems = _table_problems("metrics", results["metrics"]) if results.get("metrics") is not None else []
    if results.get("baseline") is not None:
        problems += _table_problems("baseline", _split_table(results["baseline"]))
    arms = results.get("arms")
    if arms is not None and not isinstance(arms, Mapping):
        problems.append(f"arms: expected an object {{arm: {{split: {{metric: value}}}}}}, got {_kind(arms)}")
    elif arms:
        for arm, block in arms.items():
            problems += _table_problems(f"arms.{arm}", _split_table(block))
    return problems


def _table_problems(where: str, table: Any) -> list[str]:
    if not isinstance(table, Mapping):
        return [f"{where}: expected an object {{split: {{metric: value}}}}, got {_kind(table)}"]
    problems = []
    for split, values in table.items():
        if not isinstance(values, Mapping):
            problems.append(f"{where}.{split}: expected an object {{metric: value}}, got {_kind(values)}")
            continue
        for metric, value in values.items():
            items = value if isinstance(value, list) else [value]
            if not items or any(v is not None and not _number(v) for v in items):
                problems.append(f"{where}.{split}.{metric}: expected a number, null or a non-empty list of them (one per seed), got {_short(value)}")
    return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__

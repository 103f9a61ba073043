"""Verdicts over seeds through `vifspec judge`: clear passes and fails, intervals straddling the target,
lower-is-better metrics, paired arms, baselines within noise, a missing seed, k-of-n gates with an
INCONCLUSIVE member -- exit codes and report words, intervals checked against scipy.stats."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner
from scipy import stats

from vifspec.cli import main

SPEC = """\
[experiment]
id = "seeds"

[arms.a]
[arms.b]

[criteria]
"AUC" = "a.test.auc > 0.70"
"MAE" = "a.test.mae < 0.20"
"Paired" = "a.test.auc - b.test.auc >= 1pp"

[baseline]
arm = "b"
compare = ["test.auc"]
"""

SINGLE = """\
[experiment]
id = "single"

[criteria]
"AUC" = "test.auc > 0.70"
"MAE" = "test.mae < 0.20"
"Recall" = "test.recall >= 0.5"

[gates.two_of_three]
require = 2
criteria = ["AUC", "MAE", "Recall"]

[baseline]
label = "Before"
record = "unused.json"
compare = ["test.auc"]
"""


def judge(tmp_path: Path, spec: str, results: dict) -> tuple[int, str, dict]:
    (tmp_path / "spec.toml").write_text(spec, encoding="utf-8")
    (tmp_path / "results.json").write_text(json.dumps(results), encoding="utf-8")
    result = CliRunner().invoke(main, ["judge", str(tmp_path / "spec.toml"), "--results", str(tmp_path / "results.json")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    from vifspec.compiler import load_spec
    from vifspec.verdict import judge_file

    verdict, _ = judge_file(load_spec(tmp_path / "spec.toml")[1], results)
    return result.exit_code, result.output, {c.name: c for c in verdict.criteria}


def t_interval(values: list[float]) -> tuple[float, float]:
    return stats.t.interval(0.95, len(values) - 1, loc=statistics.fmean(values), scale=stats.sem(values))


def test_a_clear_pass_and_a_clear_fail(tmp_path) -> None:
    spec = SINGLE.replace('[baseline]\nlabel = "Before"\nrecord = "unused.json"\ncompare = ["test.auc"]\n', "")
    spec = spec.replace('[gates.two_of_three]\nrequire = 2\ncriteria = ["AUC", "MAE", "Recall"]\n', "")
    passing = {"metrics": {"test": {"auc": [0.81, 0.82, 0.80], "mae": [0.15, 0.16, 0.14], "recall": [0.6, 0.62, 0.61]}}}
    code, out, criteria = judge(tmp_path, spec, passing)
    assert code == 0 and "✅ **PASSED**" in out
    low, high = t_interval([0.81, 0.82, 0.80])
    assert (criteria["AUC"].low, criteria["AUC"].high) == pytest.approx((low, high), abs=1e-9)
    assert "(seeds, n = 3)" in out and "95% interval (Student t)" in out
    assert criteria["MAE"].status == "PASS"  # lower is better: the whole interval is below 0.20
    failing = {"metrics": {"test": {"auc": [0.51, 0.52, 0.50], "mae": [0.30, 0.31, 0.29], "recall": [0.2, 0.21, 0.19]}}}
    code, out, criteria = judge(tmp_path, spec, failing)
    assert code == 1 and "❌ **FAILED**" in out and criteria["MAE"].status == "FAIL"


def test_an_interval_across_the_target_is_inconclusive_and_says_what_would_decide_it(tmp_path) -> None:
    spec = SINGLE.replace('[baseline]\nlabel = "Before"\nrecord = "unused.json"\ncompare = ["test.auc"]\n', "")
    values = [0.65, 0.78, 0.74]
    results = {"metrics": {"test": {"auc": values, "mae": [0.1, 0.11, 0.12], "recall": [0.3, 0.31, 0.29]}}}
    code, out, criteria = judge(tmp_path, spec, results)
    auc = criteria["AUC"]
    assert auc.status == "INCONCLUSIVE" and auc.gap is None  # the mean 0.7233 passes, its interval does not
    s, distance = statistics.stdev(values), statistics.fmean(values) - 0.70
    n = auc.seeds_needed
    assert stats.t.ppf(0.975, n - 1) * s / math.sqrt(n) < distance <= stats.t.ppf(0.975, n - 2) * s / math.sqrt(n - 1)
    assert f"about {n} seeds would decide it" in out
    # gate: MAE passes, Recall fails, AUC inconclusive -> 2 of 3 is still within reach: INCONCLUSIVE
    assert code == 4 and "| **two_of_three** | at least 2 of AUC, MAE, Recall | 1/3 | ❔ INCONCLUSIVE |" in out
    code, out, _ = judge(tmp_path, spec.replace("require = 2", "require = 1"), results)
    assert code == 0  # one passing criterion is enough whatever the inconclusive one becomes


def test_paired_arms_use_per_seed_differences(tmp_path) -> None:
    a, b = [0.90, 0.70, 0.80], [0.87, 0.68, 0.77]  # seeds differ a lot, the arms' difference hardly at all
    results = {"arms": {"a": {"test": {"auc": a, "mae": [0.1] * 3}}, "b": {"test": {"auc": b, "mae": [0.2] * 3}}}}
    code, out, criteria = judge(tmp_path, SPEC, results)
    paired = criteria["Paired"]
    differences = [x - y for x, y in zip(a, b)]
    assert (paired.low, paired.high) == pytest.approx(t_interval(differences), abs=1e-9)
    assert stats.ttest_rel(a, b).pvalue < 0.05 and paired.status == "PASS"  # a paired test sees it too
    assert criteria["AUC"].status == "INCONCLUSIVE"  # the arm alone is as noisy as its seeds
    assert "| **Δ** |" in out and "[+" in out.split("| **Δ** |")[1].splitlines()[0]


def test_a_baseline_within_noise_reads_so(tmp_path) -> None:
    spec = SINGLE.replace('[gates.two_of_three]\nrequire = 2\ncriteria = ["AUC", "MAE", "Recall"]\n', "")
    results = {"metrics": {"test": {"auc": [0.74, 0.70, 0.78], "mae": [0.1] * 3, "recall": [0.6] * 3}},
               "baseline": {"test": {"auc": [0.73, 0.72, 0.76]}}}
    _, out, _ = judge(tmp_path, spec, results)
    [row] = [line for line in out.splitlines() if line.startswith("| test.auc |")]
    assert "🔄 Within noise" in row and "📈" not in row and "📉" not in row


def test_a_missing_seed_is_never_dropped(tmp_path) -> None:
    spec = SINGLE.replace('[gates.two_of_three]\nrequire = 2\ncriteria = ["AUC", "MAE", "Recall"]\n', "")
    results = {"metrics": {"test": {"auc": [0.81, None, 0.82], "mae": [0.1] * 3}}}
    code, out, criteria = judge(tmp_path, spec, results)
    assert criteria["AUC"].status == "MISSING" and criteria["AUC"].note == "no value from seed 1"
    assert criteria["Recall"].note == "no value for test.recall"
    assert code == 1 and "no value from seed 1" in out


def test_a_single_number_is_a_point_verdict_labelled_as_such(tmp_path) -> None:
    spec = SINGLE.replace('[gates.two_of_three]\nrequire = 2\ncriteria = ["AUC", "MAE", "Recall"]\n', "")
    code, out, criteria = judge(tmp_path, spec, {"metrics": {"test": {"auc": 0.72, "mae": 0.1, "recall": 0.6}}})
    assert code == 0 and criteria["AUC"].interval.label == "none"
    assert "No uncertainty estimate for AUC, MAE, Recall" in out

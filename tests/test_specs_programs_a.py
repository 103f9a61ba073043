"""The runnable specs of seeds 000 (ordinal value critic) and 004 (feature-embedding tracker).

Each spec is compiled as shipped; cut-down copies (fewer samples and epochs, CPU) are run through
the CLI into ``tmp_path`` and the written records, reports and index are checked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vifspec.cli import main
from vifspec.compiler import compile_plans

ROOT = Path(__file__).resolve().parent.parent
CRITIC_SPEC = ROOT / "specs" / "vif_critic.toml"
TRACKER_SPEC = ROOT / "specs" / "feature_tracker.toml"
INDEX_DOC = ROOT / "examples" / "vif_index.md"
CRITIC_VARIANTS = ("loss=CORN,hidden_dim=64,encoder=nomic-256d", "loss=MSE,hidden_dim=64,encoder=nomic-256d")


def cut_down(spec: Path, tmp_path: Path, replacements: dict[str, str]) -> Path:
    """A copy of ``spec`` in ``tmp_path`` with each regex pattern replaced (each must match)."""
    text = spec.read_text(encoding="utf-8")
    for pattern, replacement in replacements.items():
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert count, f"{pattern!r} not found in {spec.name}"
    path = tmp_path / spec.name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code in (0, 1, 4), result.output
    return result.output


def load_records(root: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in root.rglob("record.json")}


@pytest.fixture(scope="module")
def tracker_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("tracker")
    return cut_down(TRACKER_SPEC, tmp, {
        r"n = 10000": "n = 1500",
        r"^epochs = \d+": "epochs = 2",
        r'device = "auto"': 'device = "cpu"',
    })


@pytest.fixture(scope="module")
def critic_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two variants of the critic sweep (CORN and weighted MSE), cut down, run into a temporary store."""
    tmp = tmp_path_factory.mktemp("critic")
    spec = cut_down(CRITIC_SPEC, tmp, {
        r"n = 910": "n = 300",
        r"^epochs = \d+": "epochs = 2",
        r'device = "auto"': 'device = "cpu"',
    })
    out = tmp / "runs"
    only = [arg for variant in CRITIC_VARIANTS for arg in ("--only", variant)]
    invoke("run", spec, "--out", out, "--quiet", *only)
    return out / "vif-critic"


def test_critic_sweep_links_loss_with_head_and_encoder_dims() -> None:
    plans = compile_plans(CRITIC_SPEC)
    assert len(plans) == 20
    for plan in plans:
        head, fn = plan.spec.model.params["head"], plan.spec.loss["main"].fn
        assert fn == {"mse": "weighted_mse"}.get(head, head)
        data = plan.spec.data.params
        assert (data["encoder_dim"], data["window"]) in {(256, 1), (384, 3)}


def test_critic_records_carry_the_seed_metrics_and_size(critic_run: Path) -> None:
    records = load_records(critic_run)
    assert set(records) == set(CRITIC_VARIANTS)
    assert records[CRITIC_VARIANTS[0]]["model"]["param_count"] == 22804  # seed 000: run_007 CORN, nomic-256d, hd 64
    mse = records[CRITIC_VARIANTS[1]]
    assert mse["plan"]["spec"]["loss"]["main"]["fn"] == "weighted_mse"
    assert mse["plan"]["spec"]["model"]["params"]["head"] == "mse"
    test = mse["metrics"]["test"]
    for key in ("mae", "accuracy", "qwk", "spearman", "calibration", "minority_recall", "neg_recall", "hedging",
                "qwk_dim.universalism", "qwk_dim.mean"):
        assert key in test
    assert 0.0 <= test["hedging"] <= 1.0
    assert "ordinal_majority" in mse["trivial"]


def test_critic_index_regenerates_only_inside_markers(critic_run: Path, tmp_path: Path) -> None:
    doc = tmp_path / "index.md"
    original = INDEX_DOC.read_text(encoding="utf-8")
    doc.write_text(original, encoding="utf-8")
    columns = "variant,plan.spec.model.params.hidden_dim,param_count,param_per_sample,qwk,mae,hedging"
    invoke("index", critic_run, "--into", doc, "--rank-by", "test.qwk", "--columns", columns)
    updated = doc.read_text(encoding="utf-8")
    marker = re.compile(r"(<!-- (?:AUTO-TABLE|RANKING):START -->).*?(<!-- (?:AUTO-TABLE|RANKING):END -->)", re.DOTALL)
    assert marker.sub(r"\1\2", updated) == marker.sub(r"\1\2", original)
    run_log = updated.split("<!-- AUTO-TABLE:START -->")[1].split("<!-- AUTO-TABLE:END -->")[0]
    assert all(variant in run_log for variant in CRITIC_VARIANTS)
    assert "22804" in run_log
    ranking = updated.split("<!-- RANKING:START -->")[1].split("<!-- RANKING:END -->")[0]
    assert "| Rank |" in ranking and "**" in ranking


def test_tracker_list_shows_groups(tracker_copy: Path) -> None:
    output = invoke("run", tracker_copy, "--list")
    for group in ("FE-P1", "FE-P2", "FE-P10", "LF-P5", "LF-P7", "LF-P8", "LF-P9", "LF-P10", "LF-P11"):
        assert f"group={group}" in output
    assert "LF-55" in output and "AsymmetricFocal" in output


def test_tracker_dry_run_trains_nothing(tracker_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs"
    output = invoke("run", tracker_copy, "--out", out, "--dry-run", "--group", "LF-P8")
    assert "LF-55" in output and "LF-56" in output and "LF-40" not in output
    assert "nothing was trained" in output
    assert not list(out.rglob("record.json"))


def test_tracker_group_run_reports_pending_groups_with_command(tracker_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs"
    invoke("run", tracker_copy, "--out", out, "--quiet", "--group", "LF-P8")
    invoke("run", tracker_copy, "--out", out, "--quiet", "--only", "LF-40")
    records = load_records(out / "feature-tracker")
    assert set(records) == {"LF-55", "LF-56", "LF-40"}
    assert records["LF-55"]["group"] == "LF-P8"
    assert records["LF-55"]["plan"]["spec"]["loss"]["main"]["fn"] == "asymmetric_focal"
    report = (out / "feature-tracker" / "REPORT.md").read_text(encoding="utf-8")
    status = report.split("Run Status by Group")[1]
    lf_p8 = next(line for line in status.splitlines() if line.startswith("| LF-P8"))
    assert "--group LF-P8" not in lf_p8
    lf_p9 = next(line for line in status.splitlines() if line.startswith("| LF-P9"))
    assert f"vifspec run {tracker_copy} --out {out} --group LF-P9" in lf_p9  # the same --out as the run
    assert "Top Results (by test.precision)" in report


def test_tracker_flags_probability_collapse(tracker_copy: Path, tmp_path: Path) -> None:
    """With the collapse floor above any possible share of calls, every run finishes but is flagged collapsed."""
    spec = cut_down(tracker_copy, tmp_path, {r"below = 1e-9": "below = 1.01", r"after_epoch = 8": "after_epoch = 1"})
    out = tmp_path / "runs"
    invoke("run", spec, "--out", out, "--quiet", "--only", "FE-04")
    record = load_records(out / "feature-tracker")["FE-04"]
    assert record["status"] == "collapsed"
    assert record["epochs"]["run"] == 2  # action = "flag": training went on
    assert "probability collapse" in record["stop_reason"]
    assert record["verdict"]["status"] == "FAILED"

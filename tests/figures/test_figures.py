"""Figures drawn from executed records: what each shows (read back from the matplotlib figure), where it
is written, that reports link it, and that reports stay complete without matplotlib."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

pytest.importorskip("matplotlib")

from vifspec.figures import experiment_figures, run_figures  # noqa: E402
from vifspec.figures.compare import ranking_chart  # noqa: E402
from vifspec.figures.curves import learning_curves, loss_shares, tracked  # noqa: E402
from vifspec.figures.verdict import criteria_over_seeds  # noqa: E402
from vifspec.facts import MetricFacts  # noqa: E402
from vifspec.records import scan_records  # noqa: E402
from vifspec.runner import reports  # noqa: E402
from vifspec.verdict import group_records, judge_records  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def vertical_lines(axis) -> list[float]:
    return [line.get_xdata()[0] for line in axis.get_lines() if len(set(line.get_xdata())) == 1 and len(line.get_xdata()) == 2]


def horizontal_lines(axis) -> list[float]:
    return [line.get_ydata()[0] for line in axis.get_lines() if len(set(line.get_ydata())) == 1 and len(line.get_ydata()) == 2]


def texts(figure) -> str:
    return " ".join(t.get_text() for ax in figure.axes for t in ax.texts + [ax.title])


def test_learning_curves_mark_best_epoch_schedule_switch_and_targets(executed):
    record = executed.copy("tiny")
    verdict = judge_records([record])
    figure = learning_curves([record], "tiny", verdict)
    loss, auc = figure.axes
    assert auc.get_title() == "val.encoder1_auc (higher is better)"
    assert [list(line.get_ydata()) for line in loss.get_lines()][0] == [e.train.loss for e in record.history]
    assert record.epochs.best in vertical_lines(loss)
    assert 1.5 in vertical_lines(loss)  # the variance term switches on at epoch 2 (start_epoch = 2)
    assert "variance on" in texts(figure) and f"best epoch {record.epochs.best}" in texts(figure)
    assert horizontal_lines(auc) == [0.0]  # "AUC" = "test.encoder1_auc > 0.0"
    assert "AUC: target >0.0" in texts(figure)


def test_learning_curves_over_seeds_draw_one_line_per_seed(executed):
    group = executed.records["tiny"]
    figure = learning_curves(group, "tiny")
    labels = [line.get_label() for line in figure.axes[1].get_lines() if not line.get_label().startswith("_")]
    assert labels == ["seed 0", "seed 1"]


def test_guard_event_is_marked(executed):
    record = executed.copy("tiny", status="collapsed", stop_reason="collapse")
    figure = learning_curves([record], "tiny")
    assert record.history[-1].epoch in vertical_lines(figure.axes[0])
    assert "collapsed" in texts(figure)


def test_loss_shares_add_up_to_one_per_epoch(executed):
    record = executed.copy("tiny")
    figure = loss_shares(record, "tiny")
    shares, contributions = figure.axes
    assert [t.get_text() for t in shares.get_legend().get_texts()] == ["bce", "variance"]
    top = shares.collections[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(1.0)
    single = executed.copy("tiny")
    for entry in single.history:
        entry.train.terms = {"bce": entry.train.terms["bce"]}
    assert loss_shares(single, "tiny") is None  # one term: nothing to balance


def test_tracked_parameters_mean_and_bands(executed):
    record = executed.copy("tiny")
    figure = tracked(record, "tiny")
    (axis,) = figure.axes
    assert axis.get_title() == "beta_skill"
    mean = [line for line in axis.get_lines() if line.get_label() == "mean"][0]
    assert list(mean.get_ydata()) == [e.track["beta_skill"]["mean"] for e in record.history]


def test_criteria_over_seeds_shows_each_seed_the_target_and_the_interval_when_there_is_one(executed):
    verdict = judge_records(executed.records["tiny"])
    criterion = verdict.criteria[0]
    figure = criteria_over_seeds(verdict, "tiny")
    titles = [ax.get_title(loc="left") for ax in figure.axes]
    assert titles[0].startswith(f"AUC: {criterion.status} (mean ") and titles[0].endswith("n = 2)")
    auc = figure.axes[0]
    seeds = sorted(c.get_offsets()[0][0] for c in auc.collections if c.get_label().startswith("seed "))
    assert seeds == sorted(s.achieved for s in criterion.seeds)
    assert 0.0 in vertical_lines(auc)  # the target
    fields = {name: getattr(criterion, name) for name in ("name", "status", "seeds", "achieved", "unit", "target", "target_value")}
    without = SimpleNamespace(criteria=[SimpleNamespace(**fields, low=None, high=None)])
    assert not criteria_over_seeds(without, "tiny").axes[0].containers  # no interval computed: none drawn
    with_interval = SimpleNamespace(criteria=[SimpleNamespace(**fields, low=criterion.achieved - 0.01, high=criterion.achieved + 0.01)])
    [bar] = criteria_over_seeds(with_interval, "tiny").axes[0].containers  # the interval's error bar
    [segments] = bar.lines[2]
    assert list(segments.get_segments()[0][:, 0]) == pytest.approx([criterion.achieved - 0.01, criterion.achieved + 0.01])


def test_ranking_is_best_first_per_direction():
    facts = {"mae": MetricFacts("mae", higher_is_better=False)}
    rows = [{"variant": "a", "status": "PASSED", "values": [0.3]}, {"variant": "b", "status": "FAILED", "values": [0.1, 0.2]},
            {"variant": "c", "status": "FAILED", "values": [0.2]}]
    axis = ranking_chart(rows, "test.mae", facts, "ranked").axes[0]
    rows_top_down = [t.get_text() for _, t in sorted(zip(axis.get_yticks(), axis.get_yticklabels()), key=lambda p: -p[0])]
    assert rows_top_down == ["b", "c", "a"]  # the top row is the lowest mae (b: mean 0.15)
    assert "test.mae (lower is better)" == axis.get_xlabel()


def test_figures_are_written_beside_the_reports_and_linked(executed):
    root = executed.root / "runs"
    seed = root / "tiny-kt" / "main" / "seed-0"
    for name in ("loss_shares.png", "tracked.png"):
        assert (seed / name).read_bytes().startswith(PNG)
    report = (seed / "report.md").read_text(encoding="utf-8")
    assert "![Loss balance over epochs](loss_shares.png)" in report
    # two seeds: their learning curves are drawn once, in the variant's folder, and each seed's report shows that figure
    assert not (seed / "curves.png").exists() and (root / "tiny-kt" / "main" / "curves.png").read_bytes().startswith(PNG)
    assert "![Learning curves of every run of this variant (this one: seed 0)](../curves.png)" in report
    variant = (root / "tiny-kt" / "main" / "report.md").read_text(encoding="utf-8")
    assert "![Criteria over seeds" in variant and (root / "tiny-kt" / "main" / "criteria.png").exists()
    assert "![Learning curves](curves.png)" in variant
    arms = (root / "arms-demo" / "REPORT.md").read_text(encoding="utf-8")
    assert "![Arms side by side](arms.png)" in arms and (root / "arms-demo" / "arms.png").read_bytes().startswith(PNG)


def test_a_figure_newer_than_its_records_is_kept_unless_forced(executed, tmp_path):
    record = executed.copy("tiny")
    drawn = run_figures([record], None, tmp_path, newest=None)
    assert set(drawn) == {"curves", "loss_shares", "tracked"}
    curves = tmp_path / "curves.png"
    os.utime(curves, (1000.0, 1000.0))
    run_figures([record], None, tmp_path, newest=500.0)
    assert curves.stat().st_mtime == 1000.0
    run_figures([record], None, tmp_path, newest=None)
    assert curves.stat().st_mtime > 1000.0


def test_experiment_ranking_needs_two_variants(executed, tmp_path):
    judged = [(g, judge_records(g)) for g in group_records(executed.records["tiny"])]
    assert experiment_figures(judged, tmp_path, "test.encoder1_auc") == {}
    other = [r.model_copy(update={"variant": "other"}, deep=True) for r in executed.records["tiny"]]
    judged.append((other, judge_records(other)))
    assert experiment_figures(judged, tmp_path, "test.encoder1_auc") == {"ranking": "ranking.png"}


def test_without_matplotlib_reports_are_complete_and_say_how_to_get_figures(executed, tmp_path, monkeypatch):
    monkeypatch.setattr(reports, "available", lambda: False)
    scan = scan_records(executed.root / "runs" / "tiny-kt")
    folder = tmp_path / "tiny-kt"
    paths = [folder / p.relative_to(executed.root / "runs" / "tiny-kt") for p in scan.paths]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
    written = reports.write_record_reports(scan.records, paths, ascii=False)
    seed = next(w for w in written if w.parent.name == "seed-0")
    text = seed.read_text(encoding="utf-8")
    assert "## Training Dynamics" in text and "![" not in text
    assert "pip install 'vifspec[plots]'" in text and f"vifspec report {seed.parent}` draws them" in text
    assert not list(folder.rglob("*.png"))


def test_a_figure_that_fails_to_draw_is_left_out_with_a_warning(executed, tmp_path, monkeypatch, capsys):
    from vifspec.figures import curves

    def broken(*args, **kwargs):
        raise ValueError("no room")

    monkeypatch.setattr(curves, "tracked", broken)
    drawn = run_figures([executed.copy("tiny")], None, tmp_path)
    assert set(drawn) == {"curves", "loss_shares"}
    assert "tracked.png not drawn: ValueError: no room" in capsys.readouterr().err

"""Hostile and mistaken input through the command line: exit 2 with the file (and line) and the rule,
never a traceback, nothing written outside ``--out``, and no silent wrong answer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from kt_fixture import TINY_KT
from test_cli import VERDICT_ONLY
from vifspec.cli import main


def invoke(*args: object) -> object:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


# -- ids name folders: safe names only ----------------------------------------------------------------


@pytest.mark.parametrize("table,name", [
    ("variants", "../../../x"), ("variants", ".."), ("variants", "a/b"), ("arms", "/tmp/x"), ("arms", ".hidden"), ("variants", "a" * 101),
], ids=["up", "dotdot", "slash", "absolute", "hidden", "long"])
def test_unsafe_variant_and_arm_ids_are_spec_errors_at_their_line(write_spec, table: str, name: str) -> None:
    spec = write_spec(TINY_KT + f'\n[{table}."{name}"]\n"train.epochs" = 1\n')
    result = invoke("check", spec)
    assert result.exit_code == 2
    assert f"{spec}:{line_of(spec, f'[{table}.')}:1: {table}.{name}:" in result.output
    assert "letters, digits, '_', '.' and '-', starting with a letter or digit, at most 100 characters" in result.output


def test_run_writes_nothing_outside_out_for_an_unsafe_id(write_spec, tmp_path: Path) -> None:
    spec = write_spec(TINY_KT + '\n[variants.".."]\n"train.epochs" = 1\n')
    out = tmp_path / "deep" / "runs"
    assert invoke("run", spec, "--out", out).exit_code == 2
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


def test_a_run_folder_linked_out_of_the_root_is_refused(tiny_kt: Path, tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "runs", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "tiny-kt").symlink_to(elsewhere, target_is_directory=True)
    for args in (["--dry-run"], []):
        result = invoke("run", tiny_kt, "--out", out, *args)
        assert result.exit_code == 5, result.output
        assert "refusing to write outside the output root" in result.output and str(elsewhere) in result.output
    assert list(elsewhere.iterdir()) == []


def test_sweep_points_get_safe_distinct_ids(write_spec, tmp_path: Path) -> None:
    spec = write_spec(TINY_KT + '\n[sweep]\n"model.params.d_model" = [4, 8]\n"data.params.students" = [40]\n')
    result = invoke("run", spec, "--dry-run", "--out", tmp_path / "runs")
    assert result.exit_code == 0
    assert f"{tmp_path / 'runs' / 'tiny-kt' / 'd_model=4,students=40'}" in result.output
    clash = write_spec(TINY_KT + '\n[sweep]\n"train.optimizer.name" = [{ label = "a/b", "train.epochs" = 1 }, { label = "a_b", "train.epochs" = 2 }]\n', "clash.toml")
    result = invoke("check", clash)
    assert result.exit_code == 2 and "two sweep points get the same variant id 'train.optimizer.name=a_b'" in result.output


def test_a_sweep_too_large_is_refused_before_it_is_expanded(write_spec) -> None:
    axes = "\n".join(f'"model.params.p{i}" = [{", ".join(map(str, range(10)))}]' for i in range(8))  # 10**8 points
    spec = write_spec(TINY_KT + f"\n[sweep]\n{axes}\n")
    result = invoke("check", spec)
    assert result.exit_code == 2
    assert "100000000 sweep points; at most 1000" in result.output


# -- bad input: a SpecError at the file (and line), never a traceback ---------------------------------


def test_seeds_beyond_64_bits_are_a_schema_bound_at_their_line(write_spec) -> None:
    spec = write_spec(TINY_KT.replace('device = "cpu"', f'device = "cpu"\nseeds = [0, {2**70}]'))
    for command in ("check", "plan"):
        result = invoke(command, spec)
        assert result.exit_code == 2, result.output
        assert f"{spec}:{line_of(spec, 'seeds = ')}:1: train.seeds.1: must be < 2**63, got {2**70}" in result.output
    negative = write_spec(TINY_KT.replace("[data]", "[data]\nseed = -1"), "negative.toml")
    assert "data.seed: must be >= 0" in invoke("check", negative).output


def test_seed_count_on_the_command_line_is_bounded(tiny_kt: Path) -> None:
    result = invoke("plan", tiny_kt, "--seeds", 10**20)
    assert result.exit_code == 2 and "--seeds" in result.output


@pytest.mark.parametrize("nested", ["x = " + "[" * 600 + "]" * 600, "[" + ".".join(["a"] * 500) + "]", "x = " + "{ a = " * 80 + "1" + " }" * 80],
                         ids=["arrays", "tables", "inline-tables"])
def test_deeply_nested_toml_is_a_spec_error_at_the_file(write_spec, nested: str) -> None:
    spec = write_spec(TINY_KT + "\n" + nested + "\n")
    result = invoke("check", spec)
    assert result.exit_code == 2
    assert f"{spec}: not a spec: " in result.output and "nested" in result.output


@pytest.mark.parametrize("content,cause", [
    ('{"metrics": {"test": {"auc": ' + "1" * 5000 + "}}}", "an integer has more than 4300 digits"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper than 64 levels"),
    ('{"metrics": {"test": {"auc": "\\ud800"}}}', "lone surrogate"),
    ('{"metrics": {"test": {"auc": 0.7}}', "invalid JSON: Expecting ',' delimiter"),
], ids=["5000-digits", "deep", "surrogate", "truncated"])
def test_hostile_results_files_name_the_file_and_the_cause(write_spec, tmp_path: Path, content: str, cause: str) -> None:
    spec = write_spec(VERDICT_ONLY)
    results = tmp_path / "results.json"
    results.write_text(content, encoding="utf-8")
    result = invoke("judge", spec, "--results", results)
    assert result.exit_code == 2
    assert f"error: {results}" in result.output and cause in result.output


def test_binary_and_missing_results_files(write_spec, tmp_path: Path) -> None:
    spec = write_spec(VERDICT_ONLY)
    binary = tmp_path / "results.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff")
    assert f"{binary}: not a readable results file: not UTF-8 text (byte 0x89 at offset 0)" in invoke("judge", spec, "--results", binary).output
    missing = invoke("judge", spec, "--results", tmp_path / "nope.json")
    assert missing.exit_code == 2 and "nope.json: no such results file" in missing.output


def test_an_integer_beyond_float_range_is_missing_not_a_crash(write_spec, tmp_path: Path) -> None:
    spec = write_spec(VERDICT_ONLY)
    results = tmp_path / "results.json"
    results.write_text('{"metrics": {"test": {"auc": 1' + "0" * 400 + ', "mae": 0.1}}, "baseline": {"test": {"auc": -1' + "0" * 400 + "}}}")
    result = invoke("judge", spec, "--results", results)
    assert result.exit_code == 1, result.output
    assert "| **AUC** | >=0.70 | - | ❓ MISSING |" in result.output


# -- no silent wrong answers ----------------------------------------------------------------------------


def test_index_rank_by_an_unknown_metric_is_an_error_with_a_suggestion(executed, tmp_path: Path) -> None:
    runs = executed.root / "runs"
    into = tmp_path / "INDEX.md"
    result = invoke("index", runs, "--into", into, "--rank-by", "test.encoder1_aux")
    assert result.exit_code == 2
    assert "--rank-by: no record has 'test.encoder1_aux' (did you mean 'test.encoder1_auc'?)" in result.output
    assert not into.exists()
    result = invoke("index", runs, "--into", into, "--columns", "variant,test.nonexistent")
    assert result.exit_code == 2 and "--columns: no record has 'test.nonexistent'" in result.output
    assert invoke("index", runs, "--into", into, "--rank-by", "encoder1_auc").exit_code == 0


def test_report_on_a_runs_root_writes_one_report_per_experiment(executed, tmp_path: Path) -> None:
    root = tmp_path / "runs"
    record = json.loads((executed.root / "runs" / "demo" / "main" / "record.json").read_text())
    for eid in ("tiny-kt", "other-exp"):
        (root / eid / "main").mkdir(parents=True)
        (root / eid / "main" / "record.json").write_text(json.dumps({**record, "experiment": {**record["experiment"], "id": eid, "title": eid}}))
    result = invoke("report", root)
    assert result.exit_code == 0, result.output
    assert not (root / "REPORT.md").exists()
    assert "# other-exp" in (root / "other-exp" / "REPORT.md").read_text()
    assert "# tiny-kt" in (root / "tiny-kt" / "REPORT.md").read_text()
    (root / "loose").mkdir()
    (root / "other-exp" / "main").rename(root / "loose" / "main")
    mixed = invoke("report", root)
    assert mixed.exit_code == 2 and "holds records of 2 experiments (other-exp, tiny-kt)" in mixed.output


def test_only_and_group_selecting_nothing_is_an_error(write_spec, tmp_path: Path) -> None:
    spec = write_spec(TINY_KT + '\n[variants.LF-55]\ngroup = "LF-P8"\n"train.epochs" = 1\n[variants.FE-01]\ngroup = "FE-P1"\n"train.epochs" = 2\n')
    result = invoke("run", spec, "--only", "LF-55", "--group", "FE-P1", "--out", tmp_path / "runs")
    assert result.exit_code == 2
    assert "--only LF-55 and --group FE-P1 select no variant: group 'FE-P1' holds FE-01" in result.output
    assert not (tmp_path / "runs").exists()


def test_check_on_a_folder_without_specs_is_an_error(tmp_path: Path) -> None:
    result = invoke("check", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path}: no spec files found" in result.output and "all valid" not in result.output


def test_check_on_a_folder_passes_over_toml_files_that_are_not_specs(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.black]\nline-length = 99\n')
    result = invoke("check", tmp_path)
    assert result.exit_code == 2 and "no spec files found" in result.output  # a pyproject.toml alone is no spec
    (tmp_path / "typo.toml").write_text('[experimnet]\nid = "x"\n[data]\nsource = "x.csv"\n')
    (tmp_path / "broken.toml").write_text("[data\n")
    result = invoke("check", tmp_path)
    assert result.exit_code == 2 and "pyproject" not in result.output
    assert "typo.toml:1:1: experimnet: unknown key 'experimnet'" in result.output  # a spec's table: checked
    assert "broken.toml:1" in result.output  # unreadable: checked, so the user learns why
    assert "2 spec file(s)" in result.output
    assert invoke("check", tmp_path / "pkg" / "pyproject.toml").exit_code == 2  # named explicitly: checked


def test_a_triple_quote_inside_a_basic_string_keeps_later_lines(write_spec) -> None:
    spec = write_spec(TINY_KT.replace('"AUC" = ', '"AUC\'\'\'" = ').replace('criteria = ["AUC"', 'criteria = ["AUCx"'))
    result = invoke("check", spec)
    assert result.exit_code == 2
    assert f"{spec}:{line_of(spec, 'criteria = [')}:1: gates.main.criteria: unknown criterion 'AUCx'" in result.output


def test_hypothesis_is_derandomised_in_ci() -> None:
    if os.environ.get("VIFSPEC_FUZZ") == "long":
        pytest.skip("the long campaign draws random cases on purpose")
    assert settings.default.derandomize and settings.default.database is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_pipes_devices_and_huge_files_are_refused_not_read_forever(write_spec, tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)
    result = invoke("check", tmp_path)  # the pipe is found by the folder walk; opening it would block
    assert result.exit_code == 2 and f"{pipe}: cannot read: not a regular file" in result.output
    spec = write_spec(VERDICT_ONLY, "verdict.toml")
    result = invoke("judge", spec, "--results", "/dev/zero")
    assert result.exit_code == 2 and "/dev/zero: not a readable results file: not a regular file" in result.output
    huge = tmp_path / "huge.toml"
    huge.write_text("# " + "x" * (5 * 2**20) + "\n")
    assert "huge.toml: cannot read: larger than 4 MiB" in invoke("check", huge).output


def test_a_file_name_that_is_not_utf8_is_printed_as_given(executed, write_spec, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"\xff-index.md")  # what argv holds for a non-UTF-8 name: "\udcff-index.md"
    result = invoke("index", executed.root / "runs", "--into", name)
    assert result.exit_code == 0 and (tmp_path / name).exists()
    assert result.stdout_bytes.startswith(b"\xff-index.md: ")
    missing = invoke("judge", write_spec(VERDICT_ONLY, "v.toml"), "--results", os.fsdecode(b"\xfe.json"))
    assert missing.exit_code == 2 and b"\xfe.json: no such results file" in missing.stderr_bytes


def test_a_hostile_claim_file_is_taken_over_not_a_crash(tiny_kt: Path, tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "tiny-kt" / "main"
    folder.mkdir(parents=True)
    (folder / ".claim").write_text("[" * 100_000)  # a claim left by no run of vifspec
    result = invoke("run", tiny_kt, "--out", tmp_path / "runs", "--quiet")
    assert result.exit_code in (0, 1), result.output
    assert (folder / "record.json").exists() and not (folder / ".claim").exists()

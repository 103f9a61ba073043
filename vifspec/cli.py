"""The ``vifspec`` command line. Thin: each command calls the library; errors become exit codes here only.

Exit codes (also in ``vifspec --help``): 0 success (every verdict PASSED), 1 a verdict FAILED, 2 invalid
input (a spec, a results file, a record, a command-line value), 3 a crash inside training (the other plans
still ran), 4 a verdict INCONCLUSIVE (the evidence neither passes nor fails a criterion), 5 an environment
or filesystem fault (an output that cannot be written: a missing or read-only folder, a file where a folder
should be, a full disk; a path that would leave its output root; a Ray cluster that cannot be joined), 130
interrupted (Ctrl-C; the record is marked ``interrupted`` and a rerun resumes), 143 terminated (SIGTERM,
handled as Ctrl-C).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from vifspec import __version__
from vifspec.cli_exits import ExitCodes
from vifspec.errors import EnvironmentFault, SpecError
from vifspec.limits import MAX_SEEDS

VERDICT_EXIT = {"PASSED": 0, "FAILED": 1, "INCONCLUSIVE": 4}


@click.group(cls=ExitCodes, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vifspec")
def main() -> None:
    """vifspec: declared, checked ML experiments.

    Write an experiment as a TOML spec; vifspec compiles it into plans, trains them with PyTorch,
    judges the results PASS/FAIL against criteria declared before the run, and writes reports.

    \b
    Exit codes:
      0  success, every verdict PASSED
      1  a verdict FAILED
      2  invalid input (spec, results file, record, option), with file:line
      3  a crash inside training (the record is marked crashed)
      4  a verdict INCONCLUSIVE
      5  environment or filesystem fault (output missing, read-only, full,
         blocked by a file, or outside its root; a Ray cluster that cannot be
         joined or started), one line with path or address and cause
      130  interrupted (Ctrl-C)
      143  terminated (SIGTERM, e.g. a scheduler's time limit; handled as Ctrl-C)
    """


def _selection(command: Any) -> Any:
    """The options ``run`` and ``plan`` share: which variants and seeds, on which device, with which keys set."""
    options = [
        click.option("--only", multiple=True, metavar="ID", help="Only these variant ids (repeatable)."),
        click.option("--group", metavar="G", help="Only the variants of this group."),
        click.option("--seeds", type=click.IntRange(1, MAX_SEEDS), help=f"Seeds 0..N-1 instead of [train].seeds (N <= {MAX_SEEDS})."),
        click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), help="Override [train].device."),
        click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
                     help="Set a dotted key before compiling, e.g. --set train.epochs=5 (a TOML value; repeatable); "
                          "a key a selected variant also sets is refused."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@_selection
@click.option("--out", default="runs", show_default=True, help="Root of the run store.")
@click.option("--dry-run", is_flag=True, help="Show what would run (and what is already done); train nothing.")
@click.option("--list", "list_only", is_flag=True, help="List the spec's variants: group, status, verdict over their seeds, key metric.")
@click.option("--no-resume", is_flag=True, help="Re-run plans even when a finished record exists.")
@click.option("--ascii", "ascii_", is_flag=True, help="Plain ASCII status words instead of emoji in reports.")
@click.option("--quiet", is_flag=True,
              help="No progress (by default: a live bar on a terminal, one plain line per epoch elsewhere).")
@click.option("--log", "log", type=click.Choice(["mlflow", "tensorboard"]),
              help="Also log to MLflow (MLFLOW_TRACKING_URI, else OUT/mlruns) or TensorBoard (event files in each run folder).")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Train on a local Ray cluster running N tasks at once (needs: pip install 'vifspec[ray]').")
@click.option("--ray-address", metavar="ADDR", help="Train on the running Ray cluster at ADDR (e.g. 'auto' or 'head:6379').")
def run(spec: str, only: tuple[str, ...], group: str | None, seeds: int | None, device: str | None, out: str,
        dry_run: bool, list_only: bool, no_resume: bool, ascii_: bool, quiet: bool, log: str | None, settings: tuple[str, ...],
        workers: int | None, ray_address: str | None) -> None:
    """Compile SPEC, train its plans, judge them and write records, reports and figures.

    Each variant (or the arms experiment) is judged over all its seeds; the seeds of a variant train
    together as one vectorised model when its model allows (see 'vifspec plan'). Each plan is claimed
    before it trains, so runs sharing --out never train a plan twice. Exit 0 when every verdict is
    PASSED, 1 when one is FAILED, 4 when none failed but one is INCONCLUSIVE, 2 for an invalid spec
    (found before any training), 3 when a plan crashed (the others still ran; a rerun retries it).
    """
    from vifspec.paths import writable_folder
    from vifspec.registry import default_registry
    from vifspec.runner import RunOptions, compile_run, run_spec

    if workers is not None and ray_address is not None:
        raise SpecError("give --workers (a local Ray cluster) or --ray-address (a running one), not both")
    if (workers is not None or ray_address is not None) and not (list_only or dry_run):
        from vifspec.runner.ray_backend import check_answers, import_ray

        import_ray()  # exit 2 with the install hint before anything is prepared
        if ray_address is not None:
            check_answers(ray_address)  # exit 5 at once where nothing answers, not after the baseline's training
    options = RunOptions(only, group, seeds, device, out, False if quiet else None, ascii_, not no_resume, _settings(settings),
                         workers, ray_address, log=log)
    if list_only or dry_run:
        listing = options if dry_run else RunOptions(seeds=seeds, out=out, overrides=options.overrides)  # --list shows every variant
        _, _, variants, plans = compile_run(spec, listing, default_registry())
        _print_variants(variants if list_only else [], plans, out, dry_run)
        return
    writable_folder(out)  # before any training: a run store that cannot be written is exit 5 now
    summary = run_spec(spec, options, say=(lambda line: None) if quiet else (lambda line: click.echo(line, err=True)))
    from vifspec.verdict.results import group_label

    rows = [(group_label(group), ",".join(sorted({r.run_label for r in group})), verdict) for group, verdict in summary.judged]
    name_width, seeds_width = (max([width, *(len(row[i]) for row in rows)]) for i, width in ((0, 28), (1, 10)))
    for name, seeds, verdict in rows:  # columns as wide as the longest variant name and seed list
        click.echo(f"{name:<{name_width}} seeds {seeds:<{seeds_width}} {verdict.status:<12} ({verdict.met}/{verdict.total} criteria met)")
    for crash in summary.crashed:
        click.echo(f"crashed: {crash}", err=True)
    click.echo(f"report: {summary.report_path}")
    sys.exit(3 if summary.crashed else VERDICT_EXIT[summary.status])


def _write_output(path: str, text: str) -> None:
    """A file the user named (``--out``, ``--into``): written atomically; its folder must exist."""
    from vifspec.records import atomic_write_text

    atomic_write_text(path, text, parents=False)


def _print_variants(variants: list[Any], plans: list[Any], out: str, dry_run: bool) -> None:
    """``--list``: every variant with its group, status, verdict and key metric; ``--dry-run``: what a run would do."""
    from vifspec.runner import existing_record
    from vifspec.runner.reports import variant_lines

    found = {(p.variant, p.label): existing_record(p, out) for p in plans}
    status = {(p.variant, p.seed): "done" if found[(p.variant, p.label)] is not None else "pending" for p in plans}
    for line in variant_lines(variants, found):
        click.echo(line)
    if dry_run:
        for plan in plans:
            verb = "skip" if status[(plan.variant, plan.seed)] == "done" else "run "
            click.echo(f"{verb} {plan.variant} seed {plan.seed} -> {plan.run_dir(out)} [{status[(plan.variant, plan.seed)]}]")
        pending = sum(s != "done" for s in status.values())
        click.echo(f"{len(plans)} plan(s), {pending} to run; nothing was trained (--dry-run)")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "format_", type=click.Choice(["text", "github", "junit", "json"]), default="text", show_default=True,
              help="text for people, github workflow annotations, junit XML, json for tools.")
@click.option("--records", is_flag=False, flag_value="runs", default=None, metavar="[RUNS]",
              help="Also re-judge the records under RUNS (default runs/) and flag amended criteria.")
@click.option("--mark-amended", is_flag=True, help="With --records: store each detected amendment in its record.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write the output to a file (e.g. junit.xml).")
@click.option("--deep", is_flag=True, help="Also prepare every variant: build data and model, bind inputs, one forward pass "
              "(imports torch and the modules the specs name).")
@click.option("--import", "import_", is_flag=True,
              help="Import the modules that specs name as 'pkg.mod:obj' (this executes their code) to check the objects, "
                   "their inputs and metric facts. Without it (or --deep), an import path is checked for its form and "
                   "for a module that can be found, and nothing a spec names is imported.")
def check(paths: tuple[str, ...], format_: str, records: str | None, mark_amended: bool, out_path: str | None, deep: bool,
          import_: bool) -> None:
    """Compile every spec under PATHS (default: specs/, or none with --records) and report every problem.

    With --deep, also prepare every variant (no training), so problems that need the data or the model
    (a column, an output name, a parameter typo in a sweep, a missing split) are reported at their lines.
    Exit 0 when all are valid (and every re-judged record passes), 1 when a record's verdict is FAILED,
    4 when one is INCONCLUSIVE, 2 when a spec is invalid, none is found, a record cannot be judged, or a
    record's criteria were amended after it ran. Without --deep it never imports torch, and without
    --import or --deep it executes no code a spec names (docs/threat-model.md).
    """
    from vifspec.check import check_paths, check_records
    from vifspec.check.formats import FORMATS

    imports = import_ or deep
    outcome = check_paths(list(paths) or ([] if records else ["specs"]), imports=imports)
    if deep:
        from vifspec.check.deep import deepen

        deepen(outcome)
    if records:
        check_records(records, outcome, mark_amended=mark_amended, imports=imports)
    text = FORMATS[format_](outcome)
    if out_path:
        _write_output(out_path, text)
        click.echo(outcome.summary(), err=True)
    else:
        click.echo(text, nl=False)
    sys.exit(outcome.exit_code)


@main.command()
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Folder to write NAME.toml in (default: specs/ if it exists, else here).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(name: str, directory: str | None, force: bool) -> None:
    """Write a commented starter spec NAME.toml that compiles and runs in seconds."""
    from vifspec.starter import write_starter

    path = write_starter(name, directory, overwrite=force)
    click.echo(f"wrote {path}; check it with 'vifspec check {path}', run it with 'vifspec run {path}'")


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--results", required=True, type=click.Path(dir_okay=False), help="JSON: {\"metrics\": {split: {metric: value}}, ...}.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
@click.option("--ascii", "ascii_", is_flag=True, help="Plain ASCII status words instead of emoji.")
def judge(spec: str, results: str, out_path: str | None, ascii_: bool) -> None:
    """Judge results produced elsewhere against SPEC's criteria and gates; print the report.

    Exit 0 PASSED, 1 FAILED, 4 INCONCLUSIVE, 2 for invalid input.
    """
    from vifspec.compiler import load_spec
    from vifspec.jsonfile import read_json
    from vifspec.report import render_judge_report
    from vifspec.verdict import judge_file

    _, parsed = load_spec(spec, imports=False)
    verdict, judged = judge_file(parsed, read_json(results, "results file"), imports=False)
    baseline = parsed.baseline.model_dump() if parsed.baseline else None
    text = render_judge_report(parsed.experiment.model_dump(), verdict, judged, baseline=baseline, ascii=ascii_, settings=parsed.verdict)
    if out_path:
        _write_output(out_path, text)
        click.echo(f"{verdict.status}: {verdict.met}/{verdict.total} criteria met; report: {out_path}", err=True)
    else:
        click.echo(text)
    sys.exit(VERDICT_EXIT[verdict.status])


@main.command("plan")
@click.argument("spec", type=click.Path(dir_okay=False))
@_selection
def plan_command(spec: str, only: tuple[str, ...], group: str | None, seeds: int | None, device: str | None,
                 settings: tuple[str, ...]) -> None:
    """Print what SPEC will run: variants x seeds, device, how seeds train (together or one by one), parameter count, param/sample ratio."""
    from vifspec.compiler import compile_plans
    from vifspec.runner.describe import describe_plan

    plans = compile_plans(spec, seeds=seeds, only=only, group=group, overrides=_settings(settings))
    rows = [describe_plan(p, device) for p in plans]
    from tabulate import tabulate

    click.echo(tabulate(rows, headers="keys", tablefmt="github"))
    click.echo(f"{len({p.variant for p in plans})} variant(s) x seeds = {len(plans)} plan(s)")


@main.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--ascii", "ascii_", is_flag=True)
def report(run_dir: str, ascii_: bool) -> None:
    """Re-render report.md and the figures of every variant below RUN_DIR, and each experiment's REPORT.md
    (figures need matplotlib: pip install 'vifspec[plots]').

    Records are grouped by experiment: an experiment's REPORT.md goes in the folder named after its id
    (runs/<id>/REPORT.md), or in RUN_DIR when it holds one experiment's variants. A folder mixing
    experiments outside such folders is refused (exit 2): give one experiment's folder.
    """
    from vifspec.figures import PLOTS_HINT, available
    from vifspec.paths import experiment_folders, under_root
    from vifspec.records import Scan, scan_records
    from vifspec.runner.reports import rewrite_reports

    scan = scan_records(run_dir)
    for problem in scan.problems:
        click.echo(f"warning: skipped {problem}", err=True)
    if not scan.records:
        raise SpecError(f"{run_dir}: no readable record.json below this directory")
    root = Path(run_dir)
    folders = experiment_folders(root, [(p, r.experiment.id, (r, p)) for r, p in zip(scan.records, scan.paths)])
    for folder, found in folders.items():
        problems = [p for p in scan.problems if Path(str(p.file)).is_relative_to(folder)]
        part = Scan([r for r, _ in found], [p for _, p in found], problems)
        for report_path in rewrite_reports(under_root(root, folder.relative_to(root)), part, ascii_):
            click.echo(str(report_path))
    if not available():
        click.echo(f"figures not drawn: matplotlib is not installed ({PLOTS_HINT})", err=True)


@main.command()
@click.argument("runs", type=click.Path(exists=True))
@click.option("--into", "into", required=True, type=click.Path(dir_okay=False), help="Markdown file holding the AUTO-TABLE markers.")
@click.option("--columns", help="Comma-separated columns (e.g. variant,param_count,test.qwk).")
@click.option("--rank-by", help="Also regenerate the RANKING block, ranked by this metric (e.g. test.qwk).")
@click.option("--top", "top_k", default=3, show_default=True, type=click.IntRange(min=1))
def index(runs: str, into: str, columns: str | None, rank_by: str | None, top_k: int) -> None:
    """Regenerate the run-log table between <!-- AUTO-TABLE:START/END --> in place (and the ranking).

    A column or --rank-by metric that no record has is an error (exit 2), never an empty column.
    """
    from vifspec.records import scan_records
    from vifspec.report import render_index_table, render_ranking, update_auto_table, update_block
    from vifspec.report.index import report_columns, unknown_column

    scan = scan_records(runs)
    for problem in scan.problems:
        click.echo(f"warning: skipped {problem}", err=True)
    records = scan.records
    if not records:
        raise SpecError(f"{runs}: no readable record.json found")
    cols = [c.strip() for c in columns.split(",")] if columns else None
    named = [("--columns", c) for c in cols or []] + ([("--rank-by", rank_by)] if rank_by else [])
    unknown = [f"{option}: {problem}" for option, name in named if (problem := unknown_column(records, name))]
    if unknown:
        raise SpecError(unknown)
    text = _read_into(into)
    try:
        text = update_auto_table(text, render_index_table(records, cols))
        if rank_by:
            ranking = render_ranking(records, rank_by, cols or report_columns(records) or [rank_by], top_k)
            text = update_block(text, "RANKING", ranking)
    except ValueError as exc:
        raise SpecError(f"{into}: {exc}") from None
    _write_output(into, text)
    click.echo(f"{into}: {len(records)} record(s) indexed")


def _read_into(into: str) -> str:
    """The Markdown file ``--into`` as it is (CRLF kept), or "" when it does not exist yet."""
    try:
        return Path(into).read_bytes().decode("utf-8")
    except (FileNotFoundError, NotADirectoryError):  # a new file (a missing or blocked folder fails when written)
        return ""
    except UnicodeDecodeError as exc:
        raise SpecError(f"{into}: not UTF-8 text (byte at offset {exc.start})") from None
    except IsADirectoryError:
        raise SpecError(f"{into}: is a folder, not a Markdown file") from None
    except OSError as exc:
        raise EnvironmentFault.from_os_error(into, exc, "cannot read") from None


@main.command("list")
@click.argument("kind", required=False, type=click.Choice(["losses", "metrics", "models", "datasets"]))
def list_command(kind: str | None) -> None:
    """List registered components (built-in and plugins)."""
    from vifspec.registry import default_registry

    registry = default_registry()
    kinds = [kind] if kind else ["losses", "metrics", "models", "datasets"]
    for plural in kinds:
        click.echo(f"{plural}:")
        for c in registry.components(plural.rstrip("s") if plural != "losses" else "loss"):
            direction = "" if c.higher_is_better is None else (" (higher is better)" if c.higher_is_better else " (lower is better)")
            inputs = f"({', '.join(c.inputs)})" if c.inputs else ""
            facts = [f"unit {c.unit}"] if c.kind == "metric" and c.unit != "number" else []
            facts += ["diagnostic"] if c.diagnostic else []
            facts += ["trivial baseline"] if c.trivial else []
            facts += [f"reads {', '.join(c.suffixes)}"] if c.suffixes else []
            extra = f" [{'; '.join(facts)}]" if facts else ""
            click.echo(f"  {c.name}{inputs}{direction}{extra}  {c.summary}")


@main.command()
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
def schema(out_path: str | None) -> None:
    """Print the JSON Schema of the spec language (for editor completion and validation)."""
    from vifspec.spec import Spec

    text = json.dumps(Spec.model_json_schema(), indent=2)
    if out_path:
        _write_output(out_path, text + "\n")
    else:
        click.echo(text)


def _settings(settings: tuple[str, ...]) -> dict[str, Any]:
    """``("train.epochs=5", "model.params.hidden=[8, 8]")`` -> dotted keys and their TOML values (bare words are strings)."""
    import tomllib

    out: dict[str, Any] = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"--set {item!r}: expected KEY=VALUE, e.g. --set train.epochs=5")
        try:
            out[key.strip()] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = value.strip()
    return out


if __name__ == "__main__":  # pragma: no cover
    main()

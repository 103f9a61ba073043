"""Scripting vifspec from Python: the same steps as the command line.

    .venv/bin/python examples/script_api.py specs/v3_phase1.toml

Compile a spec with overrides and seeds, train each plan (each writes its record and the same
report.md the CLI writes), judge the variant over its seeds, and judge numbers produced elsewhere.
"""

import sys

import vifspec
from vifspec.verdict import judge_records

path = sys.argv[1] if len(sys.argv) > 1 else "specs/v3_phase1.toml"
plans = vifspec.compile(path, seeds=2, overrides={"train.epochs": 3})
records = [vifspec.run(plan, out="runs/script-api") for plan in plans]
for record in records:
    print(record.variant, record.seed, record.status, record.verdict["status"], "->", f"runs/script-api/{record.experiment.id}")
verdict = judge_records(records)  # the verdict over both seeds, as `vifspec run` reports it
print("over seeds:", verdict.status, f"{verdict.met}/{verdict.total} criteria met")
for criterion in verdict.criteria:
    print(f"  {criterion.name:<28} {criterion.status:<12} achieved={criterion.achieved} target={criterion.target}")

# Numbers from your own training code: any value may be a list of per-seed values.
results = {"metrics": {"test": {name: [record.metrics["test"].get(name) for record in records]
                                for name in records[0].metrics["test"]}}}
print("judged from a results dict:", vifspec.judge(path, results).status)

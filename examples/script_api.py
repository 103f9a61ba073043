"""Scripting vifspec from Python: compile, run each plan, judge, look at the verdict.

    .venv/bin/python examples/script_api.py specs/v3_phase1.toml
"""

import sys

import vifspec

path = sys.argv[1] if len(sys.argv) > 1 else "specs/v3_phase1.toml"
for plan in vifspec.compile(path):
    record = vifspec.run(plan, out="runs")
    verdict = vifspec.judge(path, {"metrics": record["metrics"]})
    print(plan.variant, plan.seed, record["status"], verdict.status, f"{verdict.met}/{verdict.total} criteria met")
    for criterion in verdict.criteria:
        print(f"  {criterion.name:<28} {criterion.status:<8} achieved={criterion.achieved} target={criterion.target}")

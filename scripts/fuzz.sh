#!/usr/bin/env bash
# A long randomised fuzz campaign over the command line (docs/threat-model.md, "Fuzzing").
#
# Runs the fuzz tests with fresh random cases (hypothesis profile "long") and SCALE times the case
# counts CI runs (derandomised): check on hostile specs, judge on hostile results files (random JSON,
# random bytes, cut files), report / index / check --records on hostile run records, schema / new /
# list / index / run --dry-run with hostile arguments; then the in-process check and expression fuzz
# tests at SCALE/15. Every failure is noted (command, exception, innermost vifspec frame) in FINDINGS
# and the campaign goes on; the summary at the end counts the distinct ones. About 450 CLI cases per
# unit of SCALE (SCALE=225: ~100 000). JOBS pytest processes share the CLI tests (default 1).
#
# Usage: [JOBS=2] scripts/fuzz.sh [SCALE] [FINDINGS]     (defaults: 225, fuzz-findings.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-225}"
findings="$(realpath -m "${2:-fuzz-findings.jsonl}")"
jobs="${JOBS:-1}"
: > "$findings"
campaign() {  # SCALE TESTS...
  VIFSPEC_FUZZ=long VIFSPEC_FUZZ_SCALE="$1" VIFSPEC_FUZZ_FINDINGS="$findings" \
    nice -n 10 .venv/bin/python -m pytest -p no:cacheprovider -q -s "${@:2}" \
    | grep -E "fuzz: [0-9]+ cases|passed|failed|Falsifying|Error" || true
}
mapfile -t tests < <(.venv/bin/python -m pytest -p no:cacheprovider -q --co tests/test_cli_fuzz.py | grep "::")
for ((j = 0; j < jobs; j++)); do
  mine=()
  for ((i = j; i < ${#tests[@]}; i += jobs)); do mine+=("${tests[i]}"); done
  campaign "$scale" "${mine[@]}" &
done
wait
# the in-process check fuzz (~10 700 cases at scale 1) and the expression fuzz, at a fifteenth of the scale
campaign "$(( scale / 15 > 0 ? scale / 15 : 1 ))" tests/test_check_fuzz.py tests/test_expr_fuzz.py
.venv/bin/python - "$findings" <<'PY'
import collections, json, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
seen = collections.Counter((r["command"], r["error"], r["where"]) for r in rows)
print(f"{len(rows)} failing case(s), {len(seen)} distinct (command, error, where):")
for (command, error, where), n in seen.most_common():
    example = next(r for r in rows if (r["command"], r["error"], r["where"]) == (command, error, where))
    print(f"  {n:6d}  {command:16s} {error:22s} {where}  e.g. {example['message'][:100]!r}")
PY

"""The statuses a criterion, a gate and a verdict can have (one place for their names)."""

from __future__ import annotations

PASS, FAIL, MISSING, MIXED, INCONCLUSIVE = "PASS", "FAIL", "MISSING", "MIXED", "INCONCLUSIVE"
PASSED, FAILED, VERDICT_INCONCLUSIVE = "PASSED", "FAILED", "INCONCLUSIVE"

"""``vifspec check``: compile every spec found, re-judge stored records, detect amended criteria."""

from __future__ import annotations

from vifspec.check.outcome import (
    AMENDED, ERROR, FAILED_RECORD, INCONCLUSIVE_RECORD, PASSED_RECORD, SKIPPED, CheckOutcome, RecordCheck, check_paths,
    check_source,
)
from vifspec.check.records import amendment_of, check_records

__all__ = [
    "AMENDED", "ERROR", "FAILED_RECORD", "INCONCLUSIVE_RECORD", "PASSED_RECORD", "SKIPPED", "CheckOutcome", "RecordCheck",
    "amendment_of", "check_paths", "check_records", "check_source",
]

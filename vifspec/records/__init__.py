"""Run records: the typed :class:`RunRecord`, its statuses and format, the ``runs/`` store (torch-free)."""

from __future__ import annotations

from vifspec.records.record import (
    FAILED_STATUSES, FINISHED, FORMAT, RECORD_FILE, STATUSES, RecordError, RunRecord,
)
from vifspec.records.store import Scan, atomic_write_text, find_records, read_record, scan_records, write_record

__all__ = [
    "FAILED_STATUSES", "FINISHED", "FORMAT", "RECORD_FILE", "STATUSES", "RecordError", "RunRecord", "Scan",
    "atomic_write_text", "find_records", "read_record", "scan_records", "write_record",
]

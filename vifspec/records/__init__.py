"""Run records: the format, atomic writes and the ``runs/`` store (torch-free)."""

from __future__ import annotations

from vifspec.records.store import (
    FAILED_STATUSES, FINISHED, FORMAT, RECORD_FILE, atomic_write_text, clean, find_records, load_record, results_of,
    write_record,
)

__all__ = [
    "FAILED_STATUSES", "FINISHED", "FORMAT", "RECORD_FILE", "atomic_write_text", "clean", "find_records", "load_record",
    "results_of", "write_record",
]

"""The bounds vifspec puts on its inputs, in one place (docs/threat-model.md explains each).

Each one keeps a hostile or mistaken input from turning into a traceback, a hang or a path outside
the output root; none is near what a real experiment needs.
"""

from __future__ import annotations

ID_MAX_LENGTH = 100
"""Experiment, variant and arm ids name folders: at most this many characters (a path component)."""

SEED_LIMIT = 2**63
"""Seeds are 0 <= seed < 2**63: torch.manual_seed takes 0 <= seed < 2**64 and numpy's default_rng no
negative seed; a TOML integer is a signed 64-bit number."""

MAX_SEEDS = 1000
"""At most this many seeds per variant (``[train] seeds``, ``--seeds N``)."""

MAX_VARIANTS = 1000
"""At most this many sweep points, counted before the sweep is expanded."""

MAX_SPEC_BYTES = 4 * 2**20
"""A spec file is at most 4 MiB (specs are a few KiB; the TOML parser is slow on huge files)."""

MAX_JSON_BYTES = 256 * 2**20
"""A results file or a record is at most 256 MiB (a record's per-epoch history is the largest part)."""

MAX_DEPTH = 64
"""Nesting depth of a spec, a results file or a record (they need a handful of levels); deeper
documents would only exhaust the recursion of what reads them next."""

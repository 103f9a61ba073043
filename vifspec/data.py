"""What a dataset component returns (torch-free type; the tensors inside are torch tensors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class DataBundle:
    """In-memory data of one experiment.

    Either ``fields`` (every sample, leading dimension N, split by the spec's ``[data].splits``)
    or ``splits`` (already split, e.g. a VAL and an OOD split drawn differently) is given.
    ``info`` holds sizes the model factory may ask for by parameter name (``input_dim``,
    ``n_skills``...); ``truth`` holds generator facts that reports may show (true gains...).
    """

    fields: dict[str, Any] | None = None
    splits: dict[str, dict[str, Any]] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    truth: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.fields is None) == (self.splits is None):
            raise ValueError("DataBundle needs exactly one of fields= or splits=")

"""The building blocks of the spec's tables: strict frozen models and the id, seed and split-name types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from vifspec.limits import ID_MAX_LENGTH, SEED_LIMIT

SPLIT_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
# Experiment, variant and arm ids name folders (runs/<experiment>/<variant>/): one safe path component.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
ID_RULE = f"letters, digits, '_', '.' and '-', starting with a letter or digit, at most {ID_MAX_LENGTH} characters"
SafeId = Annotated[str, Field(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]
Seed = Annotated[int, Field(ge=0, lt=SEED_LIMIT)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

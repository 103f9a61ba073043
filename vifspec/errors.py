"""The one exception root of vifspec, with the exit code each kind of failure maps to.

Only the CLI catches these (click's model): library code raises, the CLI prints the message and
exits with ``exit_code``. Exit codes follow the design brief: 1 a gate fails (the CLI decides that from the verdict),
2 invalid input, 3 a crash inside training, 5 an environment or filesystem fault.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from typing import Iterable, Sequence


class VifspecError(Exception):
    """Root of every error vifspec raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, placed as precisely as the input allows."""

    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = self.file or "<spec>"
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


class SpecError(VifspecError):
    """Invalid input (a spec, a results file, a command-line value): exit 2, never a traceback."""

    exit_code = 2

    def __init__(self, problems: Problem | str | Sequence[Problem]):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class TrainingCrash(VifspecError):
    """Training raised: exit 3; the record was marked ``crashed`` before this was raised."""

    exit_code = 3


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler's time limit, ``kill``), raised where the process stands and handled as
    Ctrl-C is: every unfinished record marked ``interrupted``, the reports written; exit 143."""

    exit_code = 143


class EnvironmentFault(VifspecError):
    """The environment failed, not the input: an output that cannot be written (missing or read-only
    folder, a file where a folder should be, a full disk), a path that escapes its output root, or a
    Ray cluster that cannot be joined or started. Exit 5, one line naming the path (or address) and
    the cause."""

    exit_code = 5

    def __init__(self, path: str | os.PathLike[str], cause: str):
        self.path = str(path)
        self.cause = cause
        super().__init__(f"{self.path}: {cause}")

    @classmethod
    def from_os_error(cls, path: str | os.PathLike[str], exc: OSError, doing: str = "cannot write") -> "EnvironmentFault":
        """``runs/x/record.json: cannot write: Permission denied (/work/runs)``: the cause in words, and the
        path the operating system refused when it is another one (a parent folder, a temporary file)."""
        cause = exc.strerror or type(exc).__name__
        other = exc.filename if exc.filename not in (None, str(path), os.fspath(path)) else None
        return cls(path, f"{doing}: {cause}" + (f" ({other})" if other else ""))


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or ``""`` if none is close."""
    close = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""

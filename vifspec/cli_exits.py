"""How a ``vifspec`` command ends: a vifspec error, Ctrl-C or SIGTERM becomes its message and exit code.

The command group of :mod:`vifspec.cli` is :class:`ExitCodes`; nothing else catches these (click's
model). SIGTERM (a scheduler's time limit, ``kill``) is raised as :class:`~vifspec.errors.Terminated`, a
``KeyboardInterrupt``, wherever the command stands, so a run keeps its records and writes its reports
as on Ctrl-C.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import click

from vifspec.errors import EnvironmentFault, SpecError, Terminated, VifspecError


class ExitCodes(click.Group):
    """Turns every vifspec error into its message and exit code (never a traceback for bad input)."""

    def invoke(self, ctx: click.Context) -> Any:
        _print_names_as_given()
        previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
        try:
            return super().invoke(ctx)
        except VifspecError as exc:
            for line in str(exc).splitlines():
                click.echo(f"error: {line}" if isinstance(exc, (SpecError, EnvironmentFault)) else line, err=True)
            ctx.exit(exc.exit_code)
        except Terminated:
            click.echo("terminated (SIGTERM); finished records are kept, rerun to resume", err=True)
            ctx.exit(Terminated.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; finished records are kept, rerun to resume", err=True)
            ctx.exit(130)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    """Signal handlers can only be set there (the command run from a thread keeps the default)."""
    return threading.current_thread() is threading.main_thread()


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM as Ctrl-C: raised where the run stands, so its records and reports are kept the same way."""
    raise Terminated()


def _print_names_as_given() -> None:
    """A file name that is not UTF-8 reaches Python as lone surrogates (``b"\\xff"`` -> ``"\\udcff"``);
    print it back as the bytes it was, as ``ls`` does, instead of failing to print it."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")

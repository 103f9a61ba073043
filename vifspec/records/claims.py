"""Claims: a run takes a plan before training it, so two runs into one ``runs/`` never train it twice.

A claim is a lock file ``.claim`` beside the plan's ``record.json``, created atomically (written to a
temporary file, then hard-linked to its name: the link fails when a claim exists, and a claim is
never seen half-written). It names its owner: pid, host, the process's start time (so a reused pid
is not mistaken for the owner) and a random token. A claim whose owner is gone is *stale* and is
taken over:

- on the same host, when the pid is not running, or runs a process started at another time;
- from another host (an ``--out`` on a shared filesystem), when the owner has not refreshed it for
  :data:`STALE_AFTER_S` seconds; a :class:`ClaimBook` refreshes its claims every
  :data:`HEARTBEAT_S` seconds.

Taking over a stale claim happens under an exclusive ``flock`` of the plan's folder, after reading
the claim again, so two runs never both take it. Torch-free.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from vifspec.errors import SpecError
from vifspec.jsonfile import read_json

CLAIM_FILE = ".claim"
HEARTBEAT_S = 30.0
STALE_AFTER_S = 300.0


@dataclass(frozen=True)
class Owner:
    """Who holds a claim."""

    pid: int
    host: str
    started: str
    token: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"


def this_process() -> Owner:
    """The owner a claim made by this process names (one token per process)."""
    global _SELF
    if _SELF is None or _SELF.pid != os.getpid():  # a forked child is another owner
        _SELF = Owner(os.getpid(), socket.gethostname(), _process_start(os.getpid()) or "", uuid.uuid4().hex)
    return _SELF


_SELF: Owner | None = None


@dataclass
class Claim:
    """A claim this process holds on one plan's folder."""

    path: Path
    owner: Owner

    def release(self) -> None:
        """Remove the claim if it is still ours (a stale-claim takeover may have replaced it)."""
        if _read(self.path) == self.owner:
            self.path.unlink(missing_ok=True)

    def refresh(self) -> None:
        """Touch the claim, so runs on other hosts see its owner alive."""
        try:
            os.utime(self.path)
        except OSError:
            pass


def try_claim(run_dir: str | Path) -> Claim | Owner:
    """Claim the plan whose folder is ``run_dir``: a :class:`Claim`, or the live :class:`Owner` holding it."""
    path = Path(run_dir) / CLAIM_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    me = this_process()
    while not _create(path, me):
        with _folder_locked(path.parent):
            holder = _read(path)
            if holder == me:
                break
            if holder is not None and not _stale(holder, path):
                return holder
            if holder is not None or path.exists():  # stale, or not a claim at all: take it over
                path.unlink(missing_ok=True)
            if _create(path, me):
                break
    return Claim(path, me)


def holder_of(run_dir: str | Path) -> Owner | None:
    """The live owner of the plan's claim, or None when it is free or stale."""
    path = Path(run_dir) / CLAIM_FILE
    holder = _read(path)
    return holder if holder is not None and not _stale(holder, path) else None


class ClaimBook:
    """The claims one run holds: refreshed in the background, all released when the run ends."""

    def __init__(self) -> None:
        self.claims: dict[Path, Claim] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._heartbeat, name="vifspec-claims", daemon=True)
        self._thread.start()

    def take(self, run_dir: str | Path) -> Claim | Owner:
        result = try_claim(run_dir)
        if isinstance(result, Claim):
            with self._lock:
                self.claims[result.path] = result
        return result

    def release(self, run_dir: str | Path) -> None:
        with self._lock:
            claim = self.claims.pop(Path(run_dir) / CLAIM_FILE, None)
        if claim is not None:
            claim.release()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            claims, self.claims = list(self.claims.values()), {}
        for claim in claims:
            claim.release()

    def __enter__(self) -> "ClaimBook":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            with self._lock:
                claims = list(self.claims.values())
            for claim in claims:
                claim.refresh()


def _create(path: Path, owner: Owner) -> bool:
    """Write ``owner`` to ``path`` atomically; False when a claim is already there."""
    tmp = path.with_name(f".claim.{owner.pid}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(asdict(owner)), encoding="utf-8")
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)


def _read(path: Path) -> Owner | None:
    try:
        data = read_json(path, "claim")
        return Owner(int(data["pid"]), str(data["host"]), str(data["started"]), str(data["token"]))
    except (SpecError, ValueError, KeyError, TypeError):
        return None


def _stale(owner: Owner, path: Path) -> bool:
    if owner.host != socket.gethostname():
        try:
            return time.time() - path.stat().st_mtime > STALE_AFTER_S
        except OSError:
            return False
    if not _running(owner.pid):
        return True
    started = _process_start(owner.pid)
    return bool(owner.started and started and started != owner.started)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A finished child not yet reaped still answers ``kill(pid, 0)``."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _process_start(pid: int) -> str | None:
    """When ``pid`` started, in clock ticks since boot (Linux ``/proc``); None where unknown."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


@contextmanager
def _folder_locked(folder: Path) -> Iterator[None]:
    """An exclusive ``flock`` of ``folder`` (a no-op where ``fcntl`` does not exist)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)

"""Claims on plans: one owner at a time, taken over only from a dead owner."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

from vifspec.records.claims import CLAIM_FILE, STALE_AFTER_S, Claim, ClaimBook, Owner, holder_of, this_process, try_claim

HOLD = "import sys, time; from vifspec.records.claims import try_claim; try_claim(sys.argv[1]); print('held', flush=True); time.sleep(60)"


def _write_claim(run_dir, **owner) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / CLAIM_FILE).write_text(json.dumps(owner), encoding="utf-8")


def test_a_live_process_keeps_its_claim_and_a_dead_ones_is_taken_over(tmp_path):
    run_dir = tmp_path / "variant"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        taken = try_claim(run_dir)
        assert isinstance(taken, Owner) and taken.pid == holder.pid and taken.host == socket.gethostname()
        assert holder_of(run_dir) == taken
    finally:
        holder.kill()
        holder.wait()
    mine = try_claim(run_dir)  # its owner died (kill -9): the claim is stale
    assert isinstance(mine, Claim) and mine.owner == this_process()
    assert json.loads((run_dir / CLAIM_FILE).read_text())["pid"] == os.getpid()
    mine.release()
    assert not (run_dir / CLAIM_FILE).exists()


def test_a_reused_pid_is_not_the_owner(tmp_path):
    run_dir = tmp_path / "variant"
    _write_claim(run_dir, pid=os.getpid(), host=socket.gethostname(), started="1", token="another process, same pid")
    assert isinstance(try_claim(run_dir), Claim)


def test_a_claim_from_another_host_is_stale_only_when_not_refreshed(tmp_path):
    run_dir = tmp_path / "variant"
    _write_claim(run_dir, pid=1, host="elsewhere.example", started="7", token="t")
    assert isinstance(try_claim(run_dir), Owner)
    old = time.time() - STALE_AFTER_S - 5
    os.utime(run_dir / CLAIM_FILE, (old, old))
    assert holder_of(run_dir) is None
    assert isinstance(try_claim(run_dir), Claim)


def test_a_foreign_or_broken_claim_file_does_not_block_forever(tmp_path):
    run_dir = tmp_path / "variant"
    run_dir.mkdir()
    (run_dir / CLAIM_FILE).write_text("{not json", encoding="utf-8")
    assert isinstance(try_claim(run_dir), Claim)


def test_release_leaves_a_claim_that_is_not_ours(tmp_path):
    run_dir = tmp_path / "variant"
    mine = try_claim(run_dir)
    _write_claim(run_dir, pid=1, host="elsewhere.example", started="7", token="t")  # taken over meanwhile
    mine.release()
    assert (run_dir / CLAIM_FILE).exists()


def test_a_claim_book_releases_everything_it_holds(tmp_path):
    with ClaimBook() as book:
        for name in ("a", "b"):
            assert isinstance(book.take(tmp_path / name), Claim)
        book.release(tmp_path / "a")
        assert not (tmp_path / "a" / CLAIM_FILE).exists() and (tmp_path / "b" / CLAIM_FILE).exists()
    assert not (tmp_path / "b" / CLAIM_FILE).exists()

"""Progress displays: plain lines (rate-limited by an injected clock, never by sleeping), the live bar, quiet."""

from __future__ import annotations

import io

import pytest

import vifspec
from vifspec.progress import LiveBar, PlainLines, Watcher, display_for
from vifspec.records.record import Epoch, Epochs
from kt_fixture import TINY_KT


@pytest.fixture
def plan(write_spec):
    return vifspec.compile(write_spec(TINY_KT.replace("epochs = 3", "epochs = 6"), "tiny.toml"))[0]


def epoch(n: int, loss: float = 0.5, auc: float | None = 0.7) -> Epoch:
    return Epoch(epoch=n, seconds=2.0, train={"loss": loss}, val={"encoder1_auc": auc})


class Clock:
    def __init__(self, *times: float):
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def finished(executed, status: str = "early_stopped", run: int = 4, best: int = 2):
    record = executed.copy("tiny")
    record.status, record.duration_s = status, 8.0
    record.epochs = Epochs(max=6, run=run, best=best, patience=2, monitor="val.encoder1_auc")
    return record


def test_plain_lines_say_what_each_number_is(plan, executed):
    stream = io.StringIO()
    display = PlainLines(stream, total=3, clock=Clock(0.0))
    display.plan_started(plan, None)
    display.epoch_finished(plan, epoch(1, loss=0.61234, auc=0.65432), best_epoch=1)
    line = stream.getvalue().splitlines()[0]
    assert line.startswith("[plan 1/3 main seed 0] epoch 1/6 | ")
    assert "train loss 0.6123" in line and "val.encoder1_auc 0.6543" in line and "best epoch 1" in line
    assert "2.00 s/epoch" in line and "ETA 10s" in line  # 5 epochs left at 2 s each


def test_fast_epochs_are_rate_limited_and_the_last_one_is_always_shown(plan, executed):
    stream = io.StringIO()
    display = PlainLines(stream, total=1, every=5.0, clock=Clock(0.0, 1.0, 2.0, 6.0))
    display.plan_started(plan, None)
    for n in range(1, 5):
        display.epoch_finished(plan, epoch(n), best_epoch=2)
    display.plan_finished(finished(executed))
    lines = stream.getvalue().splitlines()
    shown = [line.split("] ", 1)[1].split(" |")[0] for line in lines[:-1]]
    assert shown == ["epoch 1/6", "epoch 4/6"]  # 2 and 3 came within 5 s of the last line shown
    assert lines[-1] == "[plan 1/1 main seed 0] early stopped at epoch 4 (best epoch 2) in 8s"


def test_a_held_back_last_epoch_is_printed_when_the_plan_ends(plan, executed):
    stream = io.StringIO()
    display = PlainLines(stream, clock=Clock(0.0, 1.0))
    display.plan_started(plan, None)
    display.epoch_finished(plan, epoch(1), best_epoch=1)
    display.epoch_finished(plan, epoch(2, loss=0.25), best_epoch=2)
    assert "epoch 2/6" not in stream.getvalue()
    display.plan_finished(finished(executed, run=2))
    assert "epoch 2/6 | train loss 0.2500" in stream.getvalue()


def test_without_early_stopping_no_best_epoch_is_claimed(plan, executed):
    stream = io.StringIO()
    display = PlainLines(stream, clock=Clock(0.0))
    display.plan_started(plan, None)
    display.epoch_finished(plan, epoch(1, auc=None), best_epoch=None)
    assert "best epoch" not in stream.getvalue() and "val.encoder1_auc - " in stream.getvalue()


def test_live_bar_on_a_terminal(plan, executed):
    pytest.importorskip("tqdm")
    stream = Terminal()
    display = display_for(stream, total=2)
    assert isinstance(display, LiveBar)
    display.plan_started(plan, None)
    display.epoch_finished(plan, epoch(1), best_epoch=1)
    display.plan_finished(finished(executed, status="completed", run=6, best=6))
    display.close()
    screen = stream.getvalue()
    assert "plan 1/2 main seed 0" in screen and "epoch 1/6" in screen and "ETA" in screen
    assert "train loss 0.5000, val.encoder1_auc 0.7000, best epoch 1" in screen
    assert screen.rstrip().endswith(", completed at epoch 6 in 8s")  # the bar's last word: how the plan ended


def test_display_for_picks_plain_lines_off_a_terminal_and_nothing_when_quiet():
    assert isinstance(display_for(io.StringIO()), PlainLines)
    quiet = display_for(Terminal(), quiet=True)
    assert type(quiet) is Watcher

"""The experiment index (seed 000): run-log table, ranking, and in-place block updates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vifspec.report import render_index_table, render_ranking, update_auto_table, update_block

START, END = "<!-- AUTO-TABLE:START -->", "<!-- AUTO-TABLE:END -->"


@pytest.fixture
def ordinal(load_fixture):
    return load_fixture("ordinal_index.json")


def test_default_columns(ordinal, rows_of):
    table = render_index_table(ordinal)
    assert table.splitlines()[0] == "| run | group | model | params | ratio | mae | acc | qwk | cal | minr |"
    assert table.splitlines()[1] == "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
    assert rows_of(table, "run_007_CORN") == [
        ["run_007_CORN", "007", "ordinal_critic", "22804", "22.4", "0.205", "0.821", "0.413", "0.838", "0.285"]
    ]


def test_chosen_columns_read_plan_loss_and_splits(ordinal, rows_of):
    table = render_index_table(ordinal, ["variant", "plan.model.params.hd", "loss", "qwk", "val.qwk"])
    assert table.splitlines()[0] == "| run | hd | loss | qwk | val.qwk |"
    assert rows_of(table, "run_007_CORN") == [["run_007_CORN", "64", "corn", "0.413", "0.400"]]
    assert rows_of(table, "run_009_MSE")[0][2] == "0.70*weighted_mse + 0.30*soft_ordinal"
    assert rows_of(table, "run_008_EMD")[0][4] == "-"


def test_ranking_bolds_the_best_value_per_direction(ordinal, rows_of):
    table = render_ranking(ordinal, "qwk", ["loss", "qwk", "cal", "mae"], top_k=3)
    assert table.splitlines()[0] == "| Rank | Variant | loss | qwk | cal | mae |"
    assert rows_of(table, "1") == [["1", "run_007_CORN", "corn", "**0.413**", "**0.838**", "0.205"]]
    assert rows_of(table, "2") == [["2", "run_007_CORAL", "coral", "0.367", "0.830", "0.208"]]
    assert rows_of(table, "3") == [["3", "run_008_EMD", "emd", "0.365", "0.802", "**0.200**"]]
    assert "run_009_MSE" not in table


def test_ranking_by_a_lower_is_better_metric(ordinal, rows_of):
    table = render_ranking(ordinal, "mae", ["mae"], top_k=2)
    assert rows_of(table, "1")[0][1:] == ["run_008_EMD", "**0.200**"]
    assert rows_of(table, "2")[0][1:] == ["run_007_CORN", "0.205"]


SEED_000 = (
    "# VIF Experiment Index\r\n\r\n## Run Log\r\n\r\n"
    f"{START}\r\n| run | QWK |\r\n|---|---:|\r\n| 001 | 0.398 |\r\n{END}\r\n\r\n## Findings\r\n\r\nkept   \r\n"
)


def test_update_preserves_every_byte_outside_the_markers_crlf():
    updated = update_auto_table(SEED_000, "| run | qwk |\n|---|---:|\n| 007 | 0.413 |")
    head, tail = SEED_000.split(START)[0], SEED_000.split(END)[1]
    assert updated.startswith(head + START) and updated.endswith(END + tail)
    assert f"{START}\r\n| run | qwk |\r\n|---|---:|\r\n| 007 | 0.413 |\r\n{END}" in updated
    assert "\n" not in updated.replace("\r\n", "")


def test_update_is_idempotent_and_keeps_a_missing_trailing_newline():
    text = f"intro\n{START}\nold\n{END}"
    once = update_auto_table(text, "| a |\n|---|\n| 1 |\n")
    assert once == f"intro\n{START}\n| a |\n|---|\n| 1 |\n{END}"
    assert update_auto_table(once, "| a |\n|---|\n| 1 |\n") == once


def test_markers_absent_appends_a_run_log_section():
    assert update_auto_table("# Index", "| a |") == f"# Index\n\n## Run Log\n\n{START}\n| a |\n{END}\n"
    assert update_block("# Index\r\n", "RANKING", "| a |") == (
        "# Index\r\n\r\n## Current State of the Art\r\n\r\n<!-- RANKING:START -->\r\n| a |\r\n<!-- RANKING:END -->\r\n"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        (f"a\n{START}\nb\n", "no matching"),
        (f"a\n{END}\nb\n", "no matching"),
        (f"{END}\n{START}\n", "comes before"),
        (f"{START}\n{START}\n{END}\n{END}\n", "more than once"),
        (f"{START}\n{END}\n{START}\n{END}\n", "more than once"),
        (f"{START}\n<!-- RANKING:START -->\n<!-- RANKING:END -->\n{END}\n", "nested"),
    ],
)
def test_malformed_markers_raise(text, message):
    with pytest.raises(ValueError, match=message):
        update_auto_table(text, "| a |")


def test_ranking_block_is_updated_independently_of_the_run_log():
    text = f"<!-- RANKING:START -->\nold\n<!-- RANKING:END -->\n\n{START}\nlog\n{END}\n"
    updated = update_block(text, "RANKING", "| new |")
    assert updated == f"<!-- RANKING:START -->\n| new |\n<!-- RANKING:END -->\n\n{START}\nlog\n{END}\n"


_outside = st.text(alphabet=st.sampled_from(list("ab |#-\r\n\tü")), max_size=40)


@given(head=_outside, inner=_outside, tail=_outside)
def test_bytes_outside_markers_survive_any_text(head, inner, tail):
    text = f"{head}{START}{inner}{END}{tail}"
    updated = update_auto_table(text, "| x |")
    assert updated.startswith(head + START)
    assert updated.endswith(END + tail)

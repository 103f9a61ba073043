"""Markdown building blocks shared by every report: tables, number formats, status words.

One :class:`Style` decides between the emoji statuses of the seed documents and the plain
``[PASS]``/``[FAIL]`` words of ``--ascii``; :func:`finish` makes an ASCII report pure ASCII.
"""

from __future__ import annotations

import math
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

Cell = Any
MISSING_CELL = "-"

_EMOJI_STATUS = {
    "PASS": "✅ PASS", "FAIL": "❌ FAIL", "MISSING": "❓ MISSING", "MIXED": "⚠️ Mixed", "INCONCLUSIVE": "❔ INCONCLUSIVE",
}
_ASCII_STATUS = {"PASS": "[PASS]", "FAIL": "[FAIL]", "MISSING": "[MISSING]", "MIXED": "[MIXED]", "INCONCLUSIVE": "[INCONCLUSIVE]"}
_VERDICT_MARK = {"PASSED": ("✅", "PASS"), "FAILED": ("❌", "FAIL"), "INCONCLUSIVE": ("❔", "INCONCLUSIVE")}
_EMOJI_MARK = {
    "better": "📈 Better",
    "worse": "📉 Worse",
    "negligible": "🔄 Negligible",
    "noise": "🔄 Within noise",
    "complete": "✅ Complete",
    "partial": "🔄 Partial",
    "pending": "⏳ Pending",
    "warn": "⚠️",
    "ok": "✓",
    "delta": "Δ",
}
_ASCII_MARK = {
    "better": "+ Better",
    "worse": "- Worse",
    "negligible": "= Negligible",
    "noise": "~ Within noise",
    "complete": "[DONE] Complete",
    "partial": "[PARTIAL] Partial",
    "pending": "[PENDING] Pending",
    "warn": "[WARN]",
    "ok": "ok",
    "delta": "Delta",
}
_TRANSLITERATION = {
    "Δ": "Delta", "≥": ">=", "≤": "<=", "→": "->", "←": "<-", "—": "-", "–": "-", "×": "x",
    "…": "...", "✓": "ok", "±": "+/-", "‘": "'", "’": "'", "“": '"', "”": '"', "•": "*",
}


@dataclass(frozen=True)
class Style:
    """Status words and marks: emoji (default) or plain ASCII."""

    ascii: bool = False

    def status(self, status: str | None) -> str:
        """A criterion or gate status (PASS | FAIL | MISSING | MIXED)."""
        table = _ASCII_STATUS if self.ascii else _EMOJI_STATUS
        return table.get(str(status).upper(), str(status))

    def verdict(self, status: str | None) -> str:
        """An overall verdict: ``❌ **FAILED**`` / ``✅ **PASSED**`` / ``❔ **INCONCLUSIVE**``."""
        word = str(status).upper() if str(status).upper() in _VERDICT_MARK else "FAILED"
        emoji, plain = _VERDICT_MARK[word]
        return f"[{plain}] **{word}**" if self.ascii else f"{emoji} **{word}**"

    def mark(self, name: str) -> str:
        """A named mark (``better``, ``worse``, ``negligible``, ``complete``, ``warn``, ``delta``...)."""
        return (_ASCII_MARK if self.ascii else _EMOJI_MARK)[name]


def to_ascii(text: str) -> str:
    """Transliterate known symbols and drop every other non-ASCII character."""
    for symbol, plain in _TRANSLITERATION.items():
        text = text.replace(symbol, plain)
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def finish(sections: Iterable[str | None], style: Style) -> str:
    """Join the non-empty sections with the seeds' ``---`` rules; ASCII-only when asked."""
    text = "\n\n---\n\n".join(s.strip("\n") for s in sections if s) + "\n"
    return to_ascii(text) if style.ascii else text


def section(title: str, *parts: str | None, level: int = 2) -> str | None:
    """A titled section of the non-empty parts, or ``None`` when every part is empty."""
    body = [p.strip("\n") for p in parts if p]
    if not body:
        return None
    return "\n\n".join([f"{'#' * level} {title}", *body])


def is_number(value: Any) -> bool:
    """A finite int or float (bools are not numbers here; nor is an int beyond the float range, which
    no metric produces and no arithmetic of the reports could take)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):
        return abs(value) <= sys.float_info.max
    return math.isfinite(value)


def fmt_num(value: Any, digits: int = 4) -> str:
    """Seed-style number: ints as is, floats with ``digits`` decimals, tiny ones in e-notation."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_CELL
    if not is_number(value):
        return str(value)
    if isinstance(value, int):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:.1f}"
    if 0 < magnitude < 10 ** -(digits - 1):
        return f"{value:.2e}"
    return f"{value:.{digits}f}"


def fmt_pct(fraction: float | None, decimals: int = 1) -> str:
    """A fraction as a percentage with one decimal: ``0.915 -> 91.5%``."""
    if not is_number(fraction):
        return MISSING_CELL
    return f"{fraction * 100:.{decimals}f}%"


def fmt_signed(value: float, decimals: int, unit: str = "") -> str:
    """A signed difference without a useless ``.0``: ``+10pp``, ``0pp``, ``-0.03ms``."""
    text = f"{value:+.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("+0", "-0"):
        text = "0"
    return text + unit


def bold(text: str) -> str:
    return f"**{text}**"


def _cell(value: Cell) -> str:
    text = value if isinstance(value, str) else fmt_num(value)
    return text.replace("|", "\\|").replace("\n", " ")


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Cell]], align: Sequence[str] | None = None) -> str:
    """A GitHub pipe table; ``align`` holds ``"l"`` or ``"r"`` per column (default left)."""
    align = list(align) if align is not None else ["l"] * len(headers)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class Figures:
    """The figures drawn beside a report (kind -> file name, relative to the report), or ``missing``:
    why there are none and how to get them."""

    files: Mapping[str, str] = field(default_factory=dict)
    missing: str | None = None

    def image(self, kind: str, caption: str) -> str | None:
        """``![caption](curves.png)`` when the figure exists."""
        name = self.files.get(kind)
        return f"![{caption}]({name})" if name else None

    def note(self) -> str | None:
        """The section saying why figures are missing and how to draw them."""
        return section("Figures", self.missing) if self.missing else None


def with_image(text: str | None, image: str | None) -> str | None:
    """A section with a figure appended (the section alone, or nothing, when either is missing)."""
    return f"{text}\n\n{image}" if text and image else text


def runs_words(records: Sequence[Any]) -> str:
    """How many runs a variant's records are, named by what differs: ``5 seeds``, ``5 folds``, ``2 seeds × 5 folds``."""
    seeds = len({r.seed for r in records})
    folds = len({r.fold for r in records if r.fold is not None})
    if folds > 1:
        return f"{seeds} seeds × {folds} folds" if seeds > 1 else f"{folds} folds"
    return f"{len(records)} seeds"

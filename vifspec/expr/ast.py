"""The syntax tree of criterion expressions: nodes, references and their binding.

A reference is a dotted name kept as its segments (``val.r@5``, ``baseline.test.mae``,
``infonce.val.r@5``); one segment may be a split set ``{val,ood}`` standing for one reference per
split. Binding to a source (this run, the baseline, an arm) waits for :meth:`Ref.bind`, because arm
names come from the spec. Nodes keep their span (0-based ``start``/``end`` in the text) so errors,
targets and reports can quote the expression as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Union

from vifspec.errors import Problem, SpecError, did_you_mean


class ExprError(SpecError):
    """A criterion expression that cannot be parsed or bound; ``col`` is 1-based in its text."""

    def __init__(self, message: str, col: int):
        self.message = message
        self.col = col
        super().__init__(Problem(message, col=col))

    def __str__(self) -> str:
        return self.message


def error_at(message: str, index: int) -> ExprError:
    """An :class:`ExprError` placed at the 0-based ``index`` of the text."""
    return ExprError(f"{message} at column {index + 1}", index + 1)


@dataclass(frozen=True)
class BoundRef:
    """A reference resolved to where its value lives: ``source`` is "self" (this run), "baseline",
    "arm" (a named run of the experiment: an arm, or a variant compared by id; ``arm`` is its name)
    or "trivial" (a trivial model evaluated beside the model; ``arm`` is the model's name)."""

    source: str
    arm: str | None
    split: str
    metric: str

    def __str__(self) -> str:
        prefix = {"self": "", "baseline": "baseline.", "arm": f"{self.arm}.", "trivial": f"trivial.{self.arm}."}[self.source]
        return f"{prefix}{self.split}.{self.metric}"


Segment = Union[str, tuple[str, ...]]


@dataclass(frozen=True)
class Ref:
    """A dotted reference as written; a split-set segment is kept as a tuple of split names."""

    start: int
    end: int
    segments: tuple[Segment, ...]
    text: str

    @property
    def col(self) -> int:
        return self.start + 1

    @property
    def split_set(self) -> tuple[str, ...] | None:
        return next((s for s in self.segments if isinstance(s, tuple)), None)

    def bind(self, arms: set[str] | frozenset[str], split: str | None = None) -> BoundRef:
        """Resolve against the spec's arm names; ``split`` picks one split of a split set.

        ``baseline.split.metric`` reads the baseline; ``trivial.model.split.metric`` a trivial model;
        ``name.split.metric`` an arm or a variant when the first segment is one of ``arms`` (the
        experiment's named runs) and a split and a metric follow it; anything else is
        ``split.metric`` of this run. The parser guarantees enough segments for each reading.
        """
        first, rest = self.segments[0], self.segments[1:]
        if first == "baseline":
            source, arm = "baseline", None
        elif first == "trivial" and len(rest) >= 3 and isinstance(rest[0], str):
            source, arm, rest = "trivial", rest[0], rest[1:]
        elif isinstance(first, str) and first in arms and len(rest) >= 2:
            source, arm = "arm", first
        else:
            source, arm, rest = "self", None, self.segments
        if any(isinstance(s, tuple) for s in rest[1:]):
            hint = did_you_mean(str(first), arms)
            raise error_at(
                f"'{first}' in '{self.text}' is not an arm or a variant{hint}; a split set may only follow 'baseline',"
                " 'trivial.<model>', an arm or a variant",
                self.start,
            )
        return BoundRef(source, arm, _pick_split(rest[0], split), ".".join(str(s) for s in rest[1:]))

    def bind_all(self, arms: set[str] | frozenset[str]) -> list[BoundRef]:
        """One bound reference per split of the split set (one in all without a split set)."""
        return [self.bind(arms, split) for split in (self.split_set or (None,))]


def _pick_split(segment: Segment, split: str | None) -> str:
    if isinstance(segment, str):
        return segment
    if split not in segment:
        raise ValueError(f"split {split!r} is not one of the split set {{{','.join(segment)}}}")
    return split


@dataclass(frozen=True)
class Num:
    start: int
    end: int
    value: float
    unit: str | None


@dataclass(frozen=True)
class Unary:
    start: int
    end: int
    op: str
    operand: Node


@dataclass(frozen=True)
class Arith:
    start: int
    end: int
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    start: int
    end: int
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Compare:
    """``op`` is canonical (``>=``); ``op_text`` is the operator as written (``≥``)."""

    start: int
    end: int
    op: str
    op_text: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Logic:
    start: int
    end: int
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    start: int
    end: int
    operand: Node


Node = Union[Num, Ref, Unary, Arith, Call, Compare, Logic, Not]
BOOLEAN_NODES = (Compare, Logic, Not)


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (Unary, Not)):
        return (node.operand,)
    if isinstance(node, (Arith, Compare, Logic)):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, left to right."""
    yield node
    for child in children(node):
        yield from walk(child)


@dataclass(frozen=True)
class Expr:
    """A parsed, type-checked criterion expression."""

    text: str
    root: Node

    def references(self) -> list[Ref]:
        """Every reference in the order written; each carries its 1-based ``col``."""
        return [node for node in walk(self.root) if isinstance(node, Ref)]

    @property
    def splits(self) -> tuple[str, ...] | None:
        """The splits of the expression's split set, or ``None`` without one."""
        return next((ref.split_set for ref in self.references() if ref.split_set), None)

    def source(self, node: Node) -> str:
        """The text of ``node`` as written."""
        return self.text[node.start : node.end]



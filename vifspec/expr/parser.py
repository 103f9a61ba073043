"""Tokenizer and recursive-descent parser of criterion expressions (see :mod:`vifspec.expr`).

Grammar, lowest precedence first::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := arith [(">" | ">=" | "<" | "<=" | "==" | "≥" | "≤") arith]
    arith      := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | atom
    atom       := NUMBER [% | pp | x] | REF | ("abs" | "min" | "max") "(" arith ("," arith)* ")" | "(" expr ")"
    REF        := segment ("." segment)*    segment := NAME | "`" any text but "`" "`" | "{" NAME ("," NAME)* "}"

Types are checked while parsing: a criterion is boolean, ``and``/``or``/``not`` take booleans,
arithmetic, functions and comparisons take numbers; a chained comparison is an error. Token count
and nesting depth are bounded so that no input can exhaust the interpreter's stack.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from contextlib import contextmanager
from typing import Callable, Iterator

from vifspec.expr.ast import (
    BOOLEAN_NODES,
    Arith,
    Call,
    Compare,
    Expr,
    ExprError,
    Logic,
    Node,
    Not,
    Num,
    Ref,
    Segment,
    Unary,
    error_at,
)

FUNCTIONS = {"abs": (1, 1), "min": (1, None), "max": (1, None)}
KEYWORDS = ("and", "or", "not")
COMPARISONS = {">": ">", ">=": ">=", "<": "<", "<=": "<=", "==": "==", "≥": ">=", "≤": "<="}
UNITS = {"%": 100.0, "pp": 100.0, "x": 1.0}
MAX_TOKENS = 256
MAX_NESTING = 32

_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_UNIT = re.compile(r"%|[A-Za-z0-9_@]+")
_SEGMENT = re.compile(r"[A-Za-z0-9_@]+")
_NAME_START = re.compile(r"[A-Za-z_@{`]")
_SYMBOLS = (">=", "<=", "==", ">", "<", "≥", "≤", "+", "-", "*", "/", "(", ")", ",")


@dataclass(frozen=True)
class Token:
    kind: str  # num, ref, func, keyword, symbol, end
    text: str
    start: int
    end: int
    value: object = None


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        number = _NUMBER.match(text, index)
        if number:
            token = _lex_number(text, number)
        elif _NAME_START.match(char):
            token = _lex_name(text, index)
        else:
            token = _lex_symbol(text, index)
        tokens.append(token)
        if len(tokens) > MAX_TOKENS:
            raise error_at(f"expression is too long (more than {MAX_TOKENS} tokens)", index)
        index = token.end
    tokens.append(Token("end", "", len(text), len(text)))
    return tokens


def _lex_number(text: str, match: re.Match[str]) -> Token:
    start, end = match.span()
    unit_match = _UNIT.match(text, end)
    unit = unit_match.group() if unit_match else None
    if unit is not None and unit not in UNITS:
        raise error_at(f"unknown unit '{unit}' after {match.group()} (units are %, pp and x)", end)
    value = float(match.group()) / UNITS.get(unit or "x", 1.0)
    if value in (float("inf"), float("-inf")):
        raise error_at(f"number {match.group()} is out of range", start)
    end += len(unit or "")
    return Token("num", text[start:end], start, end, (value, unit))


def _lex_name(text: str, start: int) -> Token:
    segments: list[Segment] = []
    index = start
    while True:
        if text.startswith("{", index):
            segment, index = _lex_split_set(text, index)
        elif text.startswith("`", index):
            segment, index = _lex_quoted(text, index)
        else:
            match = _SEGMENT.match(text, index)
            if match is None:
                raise error_at("expected a name after '.'", index)
            segment, index = match.group(), match.end()
        segments.append(segment)
        if not text.startswith(".", index):
            break
        index += 1
    word = text[start:index]
    if word in KEYWORDS:
        return Token("keyword", word, start, index)
    if text[index:].lstrip().startswith("("):
        return Token("func", word, start, index)
    return Token("ref", word, start, index, tuple(segments))


def _lex_quoted(text: str, start: int) -> tuple[str, int]:
    """A name in backticks (a variant id such as `FE-02` or `hidden=64`)."""
    close = text.find("`", start + 1)
    if close < 0:
        raise error_at("unclosed '`'", start)
    if close == start + 1:
        raise error_at("empty name in backticks", start)
    return text[start + 1 : close], close + 1


def _lex_split_set(text: str, start: int) -> tuple[tuple[str, ...], int]:
    close = text.find("}", start)
    if close < 0:
        raise error_at("unclosed '{'", start)
    names = [name.strip() for name in text[start + 1 : close].split(",")]
    for name in names:
        if not _SEGMENT.fullmatch(name):
            raise error_at(f"split set '{text[start:close + 1]}' needs split names separated by commas", start)
    if len(set(names)) != len(names):
        raise error_at(f"split set '{text[start:close + 1]}' lists a split twice", start)
    return tuple(names), close + 1


def _lex_symbol(text: str, start: int) -> Token:
    for symbol in _SYMBOLS:
        if text.startswith(symbol, start):
            return Token("symbol", symbol, start, start + len(symbol))
    if text.startswith("=", start):
        raise error_at("'=' is not an operator; compare with '=='", start)
    if text.startswith("!=", start):
        raise error_at("'!=' is not supported; write 'not a == b'", start)
    raise error_at(f"unexpected character {text[start]!r}", start)


def parse(text: str) -> Expr:
    """Parse and type-check a criterion; raises :class:`ExprError` with a 1-based column."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("empty expression; write a comparison such as 'test.auc > 0.7'", 1)
    parser = _Parser(text, tokenize(text))
    root = parser.parse()
    expr = Expr(text, root)
    _check_split_sets(expr)
    return expr


class _Parser:
    def __init__(self, text: str, tokens: list[Token]):
        self.text = text
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def parse(self) -> Node:
        node = self.or_expr()
        token = self.peek()
        if token.kind != "end":
            raise self.unexpected(token)
        return self.require(node, boolean=True, role="a criterion")

    # -- token helpers
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, kind: str, *texts: str) -> Token | None:
        token = self.peek()
        if token.kind == kind and token.text in texts:
            return self.advance()
        return None

    def unexpected(self, token: Token) -> ExprError:
        if token.kind == "end":
            return error_at("unexpected end of expression", token.start)
        return error_at(f"unexpected '{token.text}'", token.start)

    def require(self, node: Node, *, boolean: bool, role: str) -> Node:
        if isinstance(node, BOOLEAN_NODES) != boolean:
            wanted, got = ("a comparison", "a number") if boolean else ("a number", "a comparison")
            hint = " such as 'test.auc > 0.7'" if boolean else ""
            raise error_at(f"{role} must be {wanted}{hint}, got {got} '{self.text[node.start:node.end]}'", node.start)
        return node

    @contextmanager
    def nesting(self, start: int) -> Iterator[None]:
        """Count one level of parentheses, calls or unary operators; bound it to spare the stack."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise error_at(f"expression is nested more than {MAX_NESTING} levels deep", start)
        yield
        self.depth -= 1

    # -- grammar
    def or_expr(self) -> Node:
        return self.logic(self.and_expr, "or")

    def and_expr(self) -> Node:
        return self.logic(self.not_expr, "and")

    def logic(self, operand: Callable[[], Node], keyword: str) -> Node:
        node = operand()
        while self.accept("keyword", keyword):
            right = operand()
            role = f"each side of '{keyword}'"
            left, right = self.require(node, boolean=True, role=role), self.require(right, boolean=True, role=role)
            node = Logic(left.start, right.end, keyword, left, right)
        return node

    def not_expr(self) -> Node:
        token = self.accept("keyword", "not")
        if token is None:
            return self.comparison()
        with self.nesting(token.start):
            operand = self.require(self.not_expr(), boolean=True, role="the operand of 'not'")
        return Not(token.start, operand.end, operand)

    def comparison(self) -> Node:
        left = self.arith()
        token = self.accept("symbol", *COMPARISONS)
        if token is None:
            return left
        right = self.arith()
        extra = self.peek()
        if extra.kind == "symbol" and extra.text in COMPARISONS:
            raise error_at(
                f"chained comparison '{extra.text}': write 'a < b and b < c' instead of 'a < b < c'", extra.start
            )
        role = f"each side of '{token.text}'"
        left, right = self.require(left, boolean=False, role=role), self.require(right, boolean=False, role=role)
        return Compare(left.start, right.end, COMPARISONS[token.text], token.text, left, right)

    def arith(self) -> Node:
        return self.binary(self.term, ("+", "-"))

    def term(self) -> Node:
        return self.binary(self.unary, ("*", "/"))

    def binary(self, operand: Callable[[], Node], ops: tuple[str, ...]) -> Node:
        node = operand()
        while token := self.accept("symbol", *ops):
            right = operand()
            role = f"each side of '{token.text}'"
            left, right = self.require(node, boolean=False, role=role), self.require(right, boolean=False, role=role)
            node = Arith(left.start, right.end, token.text, left, right)
        return node

    def unary(self) -> Node:
        token = self.accept("symbol", "+", "-")
        if token is None:
            return self.atom()
        with self.nesting(token.start):
            operand = self.require(self.unary(), boolean=False, role=f"the operand of unary '{token.text}'")
        return Unary(token.start, operand.end, token.text, operand)

    def atom(self) -> Node:
        token = self.advance()
        if token.kind == "num":
            value, unit = token.value  # type: ignore[misc]
            return Num(token.start, token.end, value, unit)
        if token.kind == "ref":
            return self.reference(token)
        if token.kind == "func":
            return self.call(token)
        if token.kind == "symbol" and token.text == "(":
            with self.nesting(token.start):
                node = self.or_expr()
                self.close(token)
            return node
        raise self.unexpected(token)

    def close(self, opening: Token) -> None:
        if self.accept("symbol", ")") is None:
            token = self.peek()
            if token.kind == "end":
                raise error_at(f"unclosed '{opening.text}'", opening.start)
            raise self.unexpected(token)

    def reference(self, token: Token) -> Ref:
        segments: tuple[Segment, ...] = token.value  # type: ignore[assignment]
        ref = Ref(token.start, token.end, segments, token.text)
        minimum = 3 if segments[0] == "baseline" else 2
        if len(segments) < minimum:
            example = "baseline.val.auc" if minimum == 3 else "val.auc"
            raise error_at(f"reference '{token.text}' needs a split and a metric, e.g. '{example}'", token.start)
        if any(isinstance(s, tuple) for s in segments[2:]):
            raise error_at(f"a split set in '{token.text}' must stand for the split, e.g. '{{val,ood}}.margin'", token.start)
        return ref

    def call(self, token: Token) -> Call:
        if token.text not in FUNCTIONS:
            close = difflib.get_close_matches(token.text, list(FUNCTIONS), n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (functions: {', '.join(FUNCTIONS)})"
            raise error_at(f"unknown function '{token.text}'{hint}", token.start)
        opening = self.advance()  # the "(" the lexer saw after the name
        role = f"an argument of {token.text}()"
        with self.nesting(opening.start):
            args = [self.require(self.arith(), boolean=False, role=role)]
            while self.accept("symbol", ","):
                args.append(self.require(self.arith(), boolean=False, role=role))
            self.close(opening)
        low, high = FUNCTIONS[token.text]
        if len(args) < low or (high is not None and len(args) > high):
            expected = f"exactly {low} argument" if low == high else f"at least {low} argument"
            raise error_at(f"{token.text}() takes {expected}, got {len(args)}", token.start)
        return Call(token.start, self.tokens[self.pos - 1].end, token.text, tuple(args))


def _check_split_sets(expr: Expr) -> None:
    first: Ref | None = None
    for ref in expr.references():
        if ref.split_set is None:
            continue
        if first is None:
            first = ref
        elif set(ref.split_set) != set(first.split_set or ()):
            raise ExprError(
                f"split set {{{','.join(ref.split_set)}}} at column {ref.col} differs from "
                f"{{{','.join(first.split_set or ())}}} at column {first.col}; "
                "every split set in a criterion must list the same splits",
                ref.col,
            )

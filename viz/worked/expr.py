"""The expression language of worked-example files, parsed without ``eval``.

An expression is numbers (in ASCII digits), names, ``+ - * / **``, unary
minus (and plus), parentheses, and the one-argument functions ``exp log tanh
sigmoid relu``.  Precedence and associativity are Python's: ``-x**2`` is ``-(x**2)``,
``2**-1`` is ``2**(-1)``, ``a**b**c`` is ``a**(b**c)``.  Anything else
(attributes, subscripts, strings, comparisons, other calls) is an
``ExprError`` naming the 1-based column and what is wrong.

Everything here is iterative (a shunting-yard parser, explicit-stack walks),
so a long or deeply nested expression gives a clear error or a result, never
a ``RecursionError``.  The tree may still be deep (``a+a+...+a`` nests to the
left): walk it with ``walk``/``postorder``, not with recursion.
"""

from __future__ import annotations

import keyword
import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar
from collections.abc import Iterator

import autograd
from autograd import Value, no_grad

#: The functions an expression may call, each with one argument: the engine's own
#: one-argument primitives, by the names their display forms give them.
FUNCTIONS = tuple(autograd.FUNCTIONS)
#: Longest expression accepted, in characters.
MAX_LENGTH = 20_000
#: Deepest nesting of parentheses and calls accepted.
MAX_NESTING = 200


class ExprError(ValueError):
    """A bad expression: ``reason`` says what is wrong, ``column`` (1-based) where."""

    def __init__(self, reason: str, column: int) -> None:
        self.reason = reason
        self.column = column
        super().__init__(f"column {column}: {reason}")


class EvalError(ExprError):
    """An expression that parses but cannot be computed (log of a negative, 1/0, ...)."""


# --- the tree ----------------------------------------------------------------
# eq=False: nodes compare by identity, so no comparison or hash ever recurses.


@dataclass(frozen=True, eq=False)
class Num:
    value: float
    text: str  # the literal as written
    col: int


@dataclass(frozen=True, eq=False)
class Name:
    id: str
    col: int


#: The type of an operator's operands: ``Node`` in a parsed expression; a tree that
#: extends the language (``viz.export.symbolic`` adds helper calls) holds its own.
C = TypeVar("C", covariant=True)


@dataclass(frozen=True, eq=False)
class Unary(Generic[C]):
    op: str  # '-' or '+'
    operand: C
    col: int


@dataclass(frozen=True, eq=False)
class Binary(Generic[C]):
    op: str  # '+', '-', '*', '/', '**'
    left: C
    right: C
    col: int


@dataclass(frozen=True, eq=False)
class Call(Generic[C]):
    func: str  # one of FUNCTIONS
    arg: C
    col: int


if TYPE_CHECKING:  # an expression: a number, a name, or an operation on expressions
    Node: TypeAlias = Num | Name | Unary["Node"] | Binary["Node"] | Call["Node"]
else:
    Node = Num | Name | Unary | Binary | Call


# --- tokens --------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<ws>[ \t\r\n]+)"
    r"|(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"  # ASCII digits only
    r"|(?P<name>[^\W\d][^\W\d]*(?:[0-9_]+[^\W\d]*)*)"  # letters (any script), ASCII digits, _
    r"|(?P<op>\*\*|//|[-+*/(),])"
)

# characters people paste from documents or type from Python, with a hint
_HINTS = {
    ".": "attribute access ('.') is not allowed",
    "[": "subscripts ('[') are not allowed",
    "]": "subscripts (']') are not allowed",
    "{": "'{' is not allowed",
    "}": "'}' is not allowed",
    '"': "strings are not allowed",
    "'": "strings are not allowed",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    "!": "comparisons are not allowed",
    "=": "'=' is not allowed (an expression has no assignment or comparison)",
    "^": "'^' is not a power here: write a**b",
    "%": "'%' is not supported (the operators are + - * / **)",
    "@": "'@' is not supported (the operators are + - * / **)",
    "&": "'&' is not supported (the operators are + - * / **)",
    "|": "'|' is not supported (the operators are + - * / **)",
    "~": "'~' is not supported (the operators are + - * / **)",
    ":": "':' is not allowed",
    ";": "';' is not allowed",
    "\\": "'\\' is not allowed",
    "#": "comments are not allowed inside an expression",
    "\u2212": "'\u2212' (U+2212 MINUS SIGN) is not ASCII: write '-'",
    "\u2013": "'\u2013' (en dash) is not ASCII: write '-'",
    "\u00d7": "'\u00d7' is not ASCII: write '*'",
    "\u00b7": "'\u00b7' is not ASCII: write '*'",
    "\u22c5": "'\u22c5' is not ASCII: write '*'",
    "\u00f7": "'\u00f7' is not ASCII: write '/'",
}

_FUNCTION_LIST = ", ".join(FUNCTIONS)


def _tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, column) for each token, then ('end', '', column)."""
    pos, n = 0, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = _HINTS.get(ch)
            if hint is None and unicodedata.category(ch) == "Nd":  # ٣, １, 𝟗: digits of other scripts
                hint = (f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'DIGIT')}) is not an "
                        f"ASCII digit: write '{unicodedata.digit(ch)}'")
            if hint is None:
                hint = (
                    f"unexpected character {ch!r} (U+{ord(ch):04X})"
                    if not ch.isascii() or not ch.isprintable()
                    else f"unexpected character {ch!r}"
                )
            raise ExprError(hint, pos + 1)
        kind = m.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        if kind != "ws":
            yield kind, m.group(), pos + 1
        pos = m.end()
    yield "end", "", n + 1


# --- the parser -----------------------------------------------------------------

_BINARY_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}
_UNARY_PREC = 3  # binds tighter than * /, looser than ** (as in Python)


def parse(text: str) -> Node:
    """The tree of ``text``; ``ExprError`` (with the column) for anything else."""
    if not isinstance(text, str):
        raise ExprError(f"an expression must be a string, got {type(text).__name__}", 1)
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"expression too long ({len(text)} characters; the limit is {MAX_LENGTH})", 1
        )
    out: list[Node] = []
    # operator stack entries: (kind, op, prec, col); kind is 'unary', 'binary',
    # '(' or 'call' (op = the function name)
    ops: list[tuple[str, str, int, int]] = []
    depth = 0
    expect_operand = True
    tokens = _tokens(text)
    pending: tuple[str, str, int] | None = None

    def reduce_top() -> None:
        kind, op, _, col = ops.pop()
        if kind == "unary":
            out.append(Unary(op, out.pop(), col))
        else:
            right = out.pop()
            out.append(Binary(op, out.pop(), right, col))

    while True:
        if pending is not None:
            kind, tok, col = pending
            pending = None
        else:
            kind, tok, col = next(tokens)
        if expect_operand:
            if kind == "num":
                value = float(tok)
                if not math.isfinite(value):
                    raise ExprError(f"number {tok} is too large (not finite)", col)
                out.append(Num(value, tok, col))
                expect_operand = False
            elif kind == "name":
                _check_name(tok, col)
                nxt = next(tokens)
                if nxt[0] == "op" and nxt[1] == "(":
                    if tok not in FUNCTIONS:
                        raise ExprError(
                            f"unknown function '{tok}' (the functions are {_FUNCTION_LIST})", col
                        )
                    depth += 1
                    if depth > MAX_NESTING:
                        raise ExprError(f"expression nested too deeply (over {MAX_NESTING} levels)", col)
                    ops.append(("call", tok, 0, col))
                else:
                    if tok in FUNCTIONS:
                        raise ExprError(f"'{tok}' is a function: write {tok}(...)", col)
                    out.append(Name(tok, col))
                    expect_operand = False
                    pending = nxt
            elif tok == "(":
                depth += 1
                if depth > MAX_NESTING:
                    raise ExprError(f"expression nested too deeply (over {MAX_NESTING} levels)", col)
                ops.append(("(", "(", 0, col))
            elif tok in ("-", "+"):
                ops.append(("unary", tok, _UNARY_PREC, col))
            elif kind == "end":
                if not out and not ops:
                    raise ExprError("empty expression", col)
                raise ExprError("the expression ends where a number, a name or '(' should follow", col)
            elif tok == ")" and ops and ops[-1][0] in ("(", "call"):
                if ops[-1][0] == "call":
                    raise ExprError(f"{ops[-1][1]}() needs one argument", col)
                raise ExprError("empty parentheses", col)
            elif tok == "//":
                raise ExprError("'//' (floor division) is not supported", col)
            else:
                raise ExprError(f"expected a number, a name or '(' but found '{tok}'", col)
        else:
            if kind == "op" and tok in _BINARY_PREC:
                prec = _BINARY_PREC[tok]
                right_assoc = tok == "**"
                while ops and ops[-1][0] in ("unary", "binary") and (
                    ops[-1][2] > prec or (ops[-1][2] == prec and not right_assoc)
                ):
                    reduce_top()
                ops.append(("binary", tok, prec, col))
                expect_operand = True
            elif tok == ")":
                while ops and ops[-1][0] in ("unary", "binary"):
                    reduce_top()
                if not ops:
                    raise ExprError("unmatched ')'", col)
                kind_open, func, _, open_col = ops.pop()
                depth -= 1
                if kind_open == "call":
                    out.append(Call(func, out.pop(), open_col))
            elif tok == ",":
                while ops and ops[-1][0] in ("unary", "binary"):
                    reduce_top()
                if ops and ops[-1][0] == "call":
                    raise ExprError(f"{ops[-1][1]}() takes one argument", col)
                raise ExprError("',' is not allowed here", col)
            elif kind == "end":
                while ops:
                    if ops[-1][0] in ("(", "call"):
                        what = f"'{ops[-1][1]}('" if ops[-1][0] == "call" else "'('"
                        raise ExprError(f"{what} is never closed", ops[-1][3])
                    reduce_top()
                return out.pop()
            elif tok == "//":
                raise ExprError("'//' (floor division) is not supported", col)
            else:
                if kind == "name":
                    _check_name(tok, col)
                raise ExprError(f"missing operator before '{tok}'", col)


def name_problem(name: str) -> str | None:
    """Why ``name`` is no name of the file's language, or None: a name is letters of
    any script (θ6, δ_o1, ω46 as the documents write them; accents such as ŷ), ASCII
    digits and ``_``, not starting with a digit."""
    if not name:
        return "a name cannot be empty"
    if name[0].isdigit():
        return "a name cannot start with a digit"
    for k, ch in enumerate(name):
        cat = unicodedata.category(ch)
        if ch == "_" or "0" <= ch <= "9" or cat.startswith("L") or (k and cat in ("Mn", "Mc")):
            continue
        code = f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}"
        return f"'{ch}' ({code}) is not a letter, an ASCII digit or '_'"
    return None


def _check_name(tok: str, col: int) -> None:
    if keyword.iskeyword(tok):
        raise ExprError(f"'{tok}' is not allowed (a Python keyword, not a name)", col)
    problem = name_problem(tok)
    if problem is not None:
        raise ExprError(problem, col)


# --- walks ----------------------------------------------------------------------


def children(node: Node) -> tuple[Node, ...]:
    """The operands of ``node``, left to right."""
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Call):
        return (node.arg,)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node, parents before operands, left to right (source order)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def postorder(node: Node) -> list[Node]:
    """Every node, operands before the node that uses them (evaluation order)."""
    result: list[Node] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        n, expanded = stack.pop()
        kids = children(n)
        if expanded or not kids:
            result.append(n)
        else:
            stack.append((n, True))
            stack.extend((k, False) for k in reversed(kids))
    return result


def names(node: Node) -> list[str]:
    """The names ``node`` refers to, in order of first appearance."""
    seen: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Name):
            seen.setdefault(n.id)
    return list(seen)


def name_nodes(node: Node) -> list[Name]:
    """Every ``Name`` occurrence, in source order (for error columns)."""
    return [n for n in walk(node) if isinstance(n, Name)]


_SHOW_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}


def to_text(node: Node) -> str:
    """The expression written back with only the parentheses it needs."""
    # each entry of ``done`` is (text, precedence of its outermost operator)
    done: list[tuple[str, int]] = []
    for n in postorder(node):
        if isinstance(n, Num):
            done.append((n.text, 9))
        elif isinstance(n, Name):
            done.append((n.id, 9))
        elif isinstance(n, Call):
            arg, _ = done.pop()
            done.append((f"{n.func}({arg})", 9))
        elif isinstance(n, Unary):
            text, prec = done.pop()
            # -(a+b) and -(a*b) need parentheses; -(x**2) does not
            if prec < _UNARY_PREC:
                text = f"({text})"
            done.append((f"{n.op}{text}", _UNARY_PREC))
        else:
            right, rp = done.pop()
            left, lp = done.pop()
            p = _SHOW_PREC[n.op]
            if n.op == "**":
                if lp <= p:  # (a**b)**c, (-a)**b
                    left = f"({left})"
                if rp < _UNARY_PREC:
                    right = f"({right})"
                done.append((f"{left}**{right}", p))
            else:
                if lp < p:  # (a+b)*c
                    left = f"({left})"
                if rp <= p:  # a-(b-c), a/(b*c): keep the tree's grouping
                    right = f"({right})"
                sep = f" {n.op} " if p == 1 else n.op
                done.append((f"{left}{sep}{right}", p))
    return done[0][0]


# --- evaluation ---------------------------------------------------------------------


def _binary(op: str, a: Any, b: Any) -> Any:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    return a**b


def _call(func: str, a: Any) -> Any:
    return getattr(a, func)()


def evaluate(node: Node, env: dict[str, Any]) -> Any:
    """The value of ``node`` with names looked up in ``env`` (``Value``s or floats).

    Operations on ``Value``s build graph nodes; operations on plain numbers are
    folded into a float (through the engine, so its domain checks apply), which
    later joins the graph as a constant.  An expression without names returns a
    float.  An unknown name is an ``ExprError``; log of a non-positive number,
    division by zero, overflow and the like are an ``EvalError``.
    """
    stack: list[Any] = []
    push, pop = stack.append, stack.pop
    for n in postorder(node):
        if isinstance(n, Num):
            push(n.value)
        elif isinstance(n, Name):
            try:
                push(env[n.id])
            except KeyError:
                raise ExprError(f"unknown name '{n.id}'", n.col) from None
        else:
            try:
                if isinstance(n, Binary):
                    b = pop()
                    a = pop()
                    if isinstance(a, Value) or isinstance(b, Value):
                        push(_binary(n.op, a, b))
                    else:  # both plain numbers: fold through the engine's checks
                        with no_grad():
                            push(_binary(n.op, Value(a), b).data)
                elif isinstance(n, Unary):
                    a = pop()
                    if n.op == "-":
                        push(-a)
                    else:
                        push(a)
                else:
                    a = pop()
                    if isinstance(a, Value):
                        push(_call(n.func, a))
                    else:
                        with no_grad():
                            push(_call(n.func, Value(a)).data)
            except (ArithmeticError, ValueError) as e:
                raise EvalError(str(e), n.col) from None
    return stack[0]


# --- numbers-only expressions, exactly ---------------------------------------------

#: The largest integer power worked out exactly (|n|), and the largest numerator or
#: denominator (in bits) an exact result may grow to; past them ``exact_value`` is None.
MAX_EXACT_POWER = 1000
MAX_EXACT_BITS = 20_000


def is_numeric(node: Node) -> bool:
    """True when the expression uses numbers only (no names)."""
    return not name_nodes(node)


def exact_value(node: Node) -> Fraction | None:
    """The exact rational value of a numbers-only expression, when its operations
    allow one: + - * / and integer powers of the literals as written (``0.1`` is
    1/10, not the float).  None when a function or a non-integer power is used,
    a power's exponent is past ``MAX_EXACT_POWER``, a result grows past
    ``MAX_EXACT_BITS``, or it divides by zero (the float evaluation says why)."""
    from .literals import decimals

    stack: list[Fraction] = []
    for n in postorder(node):
        if isinstance(n, Num):
            try:
                decimals(n.text)  # the literal caps: no 1e999999999 worked out in full
            except ValueError:
                return None
            stack.append(Fraction(n.text))
        elif isinstance(n, Unary):
            if n.op == "-":
                stack[-1] = -stack[-1]
        elif isinstance(n, Binary):
            b = stack.pop()
            a = stack.pop()
            if n.op == "+":
                r = a + b
            elif n.op == "-":
                r = a - b
            elif n.op == "*":
                r = a * b
            elif n.op == "/":
                if b == 0:
                    return None
                r = a / b
            else:  # a ** b: exact only for a whole exponent, and never 0 ** negative
                if b.denominator != 1 or abs(b.numerator) > MAX_EXACT_POWER or (a == 0 and b < 0):
                    return None
                if max(a.numerator.bit_length(), a.denominator.bit_length()) * abs(b.numerator) \
                        > MAX_EXACT_BITS:
                    return None
                r = a ** int(b)
            if max(abs(r.numerator).bit_length(), r.denominator.bit_length()) > MAX_EXACT_BITS:
                return None
            stack.append(r)
        else:  # a function call (sigmoid, exp, ...): no exact value
            return None
    return stack[0]

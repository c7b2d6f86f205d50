"""Expressions as code: each node's formula and its local derivatives, written out.

``derivative(tree, name, node)`` is ∂node/∂name of one node's expression,
built by the chain rule through the expression's own operations and lightly
simplified (0 and 1 factors dropped, number factors gathered: ∂(0.5·err²)/∂err
is ``err``), so a line reads as a person would write it.  The rules are the
engine's (``autograd.rules``) for every primitive:

  a + b: 1, 1    a − b: 1, −1    a·b: b, a    a/b: 1/b, −a/b²    −a: −1
  a**k (k a number): k·a**(k − 1)    a**b: b·a**(b − 1), a**b·ln a
  exp: out    log: 1/a    tanh: 1 − out²    sigmoid: out·(1 − out)    relu: 1 if a > 0 else 0

``render(tree, functions)`` writes an expression in Python syntax with the
parentheses it needs; ``functions`` says how each function is called in the
target (``math.exp``, ``torch.exp``, ``sigmoid``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from ..worked import expr
from ..worked.expr import Binary, Call, Name, Node, Num, Unary


@dataclass(frozen=True, eq=False)
class Fn:
    """A helper the generated program defines, called on one or more arguments."""

    func: str  # "relu_slope", "pow_slope"
    args: tuple[Tree, ...]


if TYPE_CHECKING:  # an expression whose operations may also hold helper calls
    Tree: TypeAlias = Num | Name | Unary["Tree"] | Binary["Tree"] | Call["Tree"] | Fn
else:
    Tree = Num | Name | Unary | Binary | Call | Fn

_INT = re.compile(r"(?:0|[1-9][0-9]{0,14})\Z")
_FLOAT = re.compile(r"[0-9]*\.[0-9]*(?:[eE][+-]?[0-9]+)?\Z|[0-9]+[eE][+-]?[0-9]+\Z")


def num(x: float) -> Num:
    """A number as a tree; whole numbers print without '.0' where exact."""
    return Num(float(x), number_text(float(x)), 0)


def number_text(x: float) -> str:
    if math.isnan(x):
        return 'float("nan")'
    if math.isinf(x):
        return 'float("inf")' if x > 0 else '-float("inf")'
    if x == int(x) and abs(x) < 1e15:
        return str(int(x)) + ("" if x or math.copysign(1, x) > 0 else ".0")
    return repr(x)


def literal(n: Num) -> str:
    """A file's number as Python reads it to the same float: its own text when that
    is a valid Python literal of the same value, else the float's repr."""
    t = n.text.replace("_", "")
    if (_INT.match(t) or _FLOAT.match(t)) and float(t) == n.value:
        return t
    return number_text(n.value)


def is_num(t: Tree, value: float | None = None) -> bool:
    return isinstance(t, Num) and (value is None or t.value == value)


ZERO, ONE = num(0.0), num(1.0)


def _coefficient(t: Tree) -> tuple[float, Tree | None]:
    """t as c · rest (rest None when t is the number c)."""
    if isinstance(t, Num):
        return t.value, None
    if isinstance(t, Unary) and t.op == "-":
        c, rest = _coefficient(t.operand)
        return -c, rest
    if isinstance(t, Binary) and t.op == "*" and isinstance(t.left, Num):
        c, rest = _coefficient(t.right)
        return t.left.value * c, rest
    return 1.0, t


def mul(a: Tree, b: Tree) -> Tree:
    ca, ra = _coefficient(a)
    cb, rb = _coefficient(b)
    c = ca * cb
    if c == 0.0:
        return ZERO
    rest = ra if rb is None else rb if ra is None else Binary("*", ra, rb, 0)
    if rest is None:
        return num(c)
    if c == 1.0:
        return rest
    if c == -1.0:
        return Unary("-", rest, 0)
    return Binary("*", num(c), rest, 0)


def add(a: Tree, b: Tree) -> Tree:
    if is_num(a, 0.0):
        return b
    if is_num(b, 0.0):
        return a
    if isinstance(b, Unary) and b.op == "-":
        return Binary("-", a, b.operand, 0)
    if isinstance(b, Num) and b.value < 0:
        return Binary("-", a, num(-b.value), 0)
    if isinstance(b, Binary) and b.op == "*" and isinstance(b.left, Num) and b.left.value < 0:
        return Binary("-", a, mul(num(-b.left.value), b.right), 0)
    return Binary("+", a, b, 0)


def neg(a: Tree) -> Tree:
    return mul(num(-1.0), a)


def sub(a: Tree, b: Tree) -> Tree:
    return add(a, neg(b))


def div(a: Tree, b: Tree) -> Tree:
    if is_num(a, 0.0):
        return ZERO
    return Binary("/", a, b, 0)


def power(a: Tree, k: float) -> Tree:
    if k == 1.0:
        return a
    if k == 0.0:
        return ONE
    return Binary("**", a, num(k), 0)


def has_names(t: Node) -> bool:
    return any(isinstance(n, Name) for n in expr.walk(t))


def constant_value(t: Node) -> float:
    """The value of a tree without names, computed as the engine folds it."""
    return float(expr.evaluate(t, {}))


def fold_calls(tree: Node) -> Node:
    """Subexpressions without names that call a function, as their number (a
    tensor library's functions take tensors, not numbers: exp(1) becomes 2.718…)."""
    done: list[Node] = []
    for n in expr.postorder(tree):
        if isinstance(n, (Num, Name)):
            done.append(n)
            continue
        if isinstance(n, Unary):
            node: Node = Unary(n.op, done.pop(), n.col)
        elif isinstance(n, Call):
            node = Call(n.func, done.pop(), n.col)
        else:
            right = done.pop()
            node = Binary(n.op, done.pop(), right, n.col)
        if not has_names(node) and any(isinstance(m, Call) for m in expr.walk(node)):
            node = num(constant_value(node))
        done.append(node)
    return done[0]


def derivative(tree: Node, name: str, node: str | None = None) -> Tree:
    """∂tree/∂name (every other name held fixed); ``node`` is the name of the
    whole tree, used for ``out`` in exp', tanh' and sigmoid'."""
    memo: dict[int, Tree] = {}
    for t in expr.postorder(tree):
        memo[id(t)] = _d(t, name, memo, tree, node)
    return memo[id(tree)]


def _d(t: Node, name: str, memo: dict[int, Tree], root: Node, node: str | None) -> Tree:
    if isinstance(t, Num):
        return ZERO
    if isinstance(t, Name):
        return ONE if t.id == name else ZERO
    if isinstance(t, Unary):
        da = memo[id(t.operand)]
        return neg(da) if t.op == "-" else da
    out: Tree = Name(node, 0) if (t is root and node is not None) else t
    if isinstance(t, Call):
        a, da = t.arg, memo[id(t.arg)]
        if is_num(da, 0.0):
            return ZERO
        if t.func == "exp":
            local: Tree = out
        elif t.func == "log":
            local = div(ONE, a)
        elif t.func == "tanh":
            local = Binary("-", ONE, power(out, 2.0), 0)
        elif t.func == "sigmoid":
            local = Binary("*", out, Binary("-", ONE, out, 0), 0)
        else:  # relu
            local = Fn("relu_slope", (a,))
        return mul(da, local) if not is_num(da, 1.0) else local
    a, b = t.left, t.right
    da, db = memo[id(a)], memo[id(b)]
    if t.op == "+":
        return add(da, db)
    if t.op == "-":
        return sub(da, db)
    if t.op == "*":
        return add(mul(da, b), mul(a, db))
    if t.op == "/":  # 1/b, −a/b²
        return sub(div(da, b) if not is_num(da, 1.0) else div(ONE, b),
                   mul(db, div(a, power(b, 2.0))))
    # a ** b
    if not has_names(b):  # a number exponent k: k·a^(k−1)
        k = b.value if isinstance(b, Num) else constant_value(b)
        if k == 0.0 or is_num(da, 0.0):
            return ZERO
        return mul(da, mul(num(k), power(a, k - 1.0)))
    slope_a = ZERO if is_num(da, 0.0) else mul(da, mul(b, Binary("**", a, sub(b, ONE), 0)))
    slope_b = ZERO if is_num(db, 0.0) else mul(db, Fn("pow_slope", (out, a)))  # a**b · ln a
    return add(slope_a, slope_b)


# --- writing a tree as code --------------------------------------------------------

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}
_UNARY = 3


def _kids(t: Tree) -> tuple[Tree, ...]:
    """The operands of ``t``, left to right (``expr.children``, and a helper's arguments)."""
    if isinstance(t, Fn):
        return t.args
    if isinstance(t, Binary):
        return (t.left, t.right)
    if isinstance(t, Unary):
        return (t.operand,)
    if isinstance(t, Call):
        return (t.arg,)
    return ()


def render(tree: Tree, functions: dict[str, str]) -> str:
    """``tree`` in Python syntax; ``functions`` maps exp, log, … to the call to write.

    Iterative (a left-nested sum of thousands of terms is a deep tree)."""
    done: list[tuple[str, int]] = []  # (text, precedence of its outermost operator)
    stack: list[tuple[Tree, bool]] = [(tree, False)]
    while stack:
        t, expanded = stack.pop()
        kids = _kids(t)
        if kids and not expanded:
            stack.append((t, True))
            stack.extend((k, False) for k in reversed(kids))
            continue
        parts = [done.pop() for _ in kids][::-1]
        done.append(_one(t, parts, functions))
    return done[0][0]


def _one(t: Tree, parts: list[tuple[str, int]], functions: dict[str, str]) -> tuple[str, int]:
    if isinstance(t, Num):
        text = literal(t) if t.text and not t.text.startswith(("-", "float")) \
            else number_text(t.value)
        return text, (_UNARY if text.startswith("-") else 9)
    if isinstance(t, Name):
        return t.id, 9
    if isinstance(t, Call):
        return f"{functions[t.func]}({parts[0][0]})", 9
    if isinstance(t, Fn):
        return f"{functions.get(t.func, t.func)}({', '.join(p[0] for p in parts)})", 9
    if isinstance(t, Unary):
        text, prec = parts[0]
        if prec < _UNARY or (prec == _UNARY and text.startswith("-")):
            text = f"({text})"
        return f"{t.op}{text}", _UNARY
    (left, lp), (right, rp) = parts
    p = _PREC[t.op]
    if t.op == "**":
        if lp <= p:
            left = f"({left})"
        if rp < _UNARY:
            right = f"({right})"
        return f"{left}**{right}", p
    if lp < p:
        left = f"({left})"
    if rp <= p:
        right = f"({right})"
    return f"{left} {t.op} {right}", p

"""Tracing the rule table, and each operation's forward expression, for the replay's code.

Every rule (``rules.py``) is run once per operation and arity on symbolic
operands (``_Sym``): what it returns is the source of each local derivative,
with placeholders for the operands, on every branch path the rule takes
(``_trace``).  A rule the tracer cannot follow is called as it is.
``FORWARD`` writes each operation's forward expression; ``EAGER`` re-runs
one on Values, so that a failing replay can name the node.
"""

from __future__ import annotations

import math
import operator
import re
import types
from typing import Any

from . import rules
from .recording import no_grad
from .value import (
    ADD, DIV, EXP, LINEAR, LOG, MUL, NEG, POW, POW_VALUE, RELU, SIGMOID, SUB, SUM, TANH, UNDEFINED,
    Value, _power, linear, sum_of,
)

#: Terms per line of a long sum (a deeper expression would strain the compiler).
TERMS = 64
#: Branch paths explored when tracing one rule; past that the rule is called.
MAX_PATHS = 16

# --- tracing the rule table with symbolic operands -------------------------------

_MARK = "\x00"  # placeholders in traced source: \x00k\x00 is operand k


def _lit(x: Any) -> str:
    """A float as Python source (non-finite values by name)."""
    x = float(x)
    if math.isnan(x):
        return "_nan"
    if math.isinf(x):
        return "_inf" if x > 0 else "(-_inf)"
    r = repr(x)
    return f"({r})" if r.startswith("-") else r


def _src(x: Any) -> str:
    if isinstance(x, _Sym):
        return x.src
    if isinstance(x, (float, int)):
        return _lit(x)
    raise TypeError(f"cannot trace a {type(x).__name__}")


class _Untraceable(Exception):
    """The rule did something the tracer does not model: call it instead."""


class _Sym:
    """A float known only by the source that computes it."""

    __slots__ = ("src", "paths")

    def __init__(self, src: str, paths: _Paths) -> None:
        self.src = src
        self.paths = paths

    def _bin(self, a: Any, op: str, b: Any) -> _Sym:
        return _Sym(f"({_src(a)} {op} {_src(b)})", self.paths)

    def __add__(self, o: Any) -> _Sym: return self._bin(self, "+", o)
    def __radd__(self, o: Any) -> _Sym: return self._bin(o, "+", self)
    def __sub__(self, o: Any) -> _Sym: return self._bin(self, "-", o)
    def __rsub__(self, o: Any) -> _Sym: return self._bin(o, "-", self)
    def __mul__(self, o: Any) -> _Sym: return self._bin(self, "*", o)
    def __rmul__(self, o: Any) -> _Sym: return self._bin(o, "*", self)
    def __truediv__(self, o: Any) -> _Sym: return self._bin(self, "/", o)
    def __rtruediv__(self, o: Any) -> _Sym: return self._bin(o, "/", self)
    def __pow__(self, o: Any) -> _Sym: return self._bin(self, "**", o)
    def __rpow__(self, o: Any) -> _Sym: return self._bin(o, "**", self)
    def __neg__(self) -> _Sym: return _Sym(f"(-{self.src})", self.paths)
    def __pos__(self) -> _Sym: return self
    def __abs__(self) -> _Sym: return _Sym(f"abs({self.src})", self.paths)

    def _cmp(self, op: str, o: Any) -> bool:
        return self.paths.decide(f"({self.src} {op} {_src(o)})")

    def __lt__(self, o: Any) -> bool: return self._cmp("<", o)
    def __le__(self, o: Any) -> bool: return self._cmp("<=", o)
    def __gt__(self, o: Any) -> bool: return self._cmp(">", o)
    def __ge__(self, o: Any) -> bool: return self._cmp(">=", o)
    def __eq__(self, o: object) -> bool: return self._cmp("==", o)
    def __ne__(self, o: object) -> bool: return self._cmp("!=", o)
    __hash__ = None  # type: ignore[assignment]  # symbols compare by building source, so they are unhashable

    def __bool__(self) -> bool:
        return self.paths.decide(f"({self.src} != 0.0)")

    def __float__(self) -> float:
        raise _Untraceable("float() of a symbolic operand")

    @property
    def data(self) -> _Sym:  # a float's number is itself
        return self


class _Paths:
    """The branch decisions of one traced run: replays a prefix, then takes True."""

    def __init__(self, prefix: list[bool]) -> None:
        self.prefix = prefix
        self.taken: list[tuple[str, bool]] = []

    def decide(self, cond: str) -> bool:
        i = len(self.taken)
        choice = self.prefix[i] if i < len(self.prefix) else True
        self.taken.append((cond, choice))
        return choice


class _Call:
    """A helper of the rule table, called by name in the generated code."""

    def __init__(self, name: str, fn: Any) -> None:
        self.name, self.fn = name, fn

    def __call__(self, *args: Any) -> Any:
        syms = [a for a in args if isinstance(a, _Sym)]
        if not syms:
            return self.fn(*args)
        return _Sym(f"{self.name}({', '.join(_src(a) for a in args)})", syms[0].paths)


class _MathNames:
    """``math`` as the traced rules see it: constants as they are, functions by name."""

    def __getattr__(self, name: str) -> Any:
        obj = getattr(math, name)
        return _Call(f"_M_{name}", obj) if callable(obj) else obj


def _helper_names() -> dict[str, Any]:
    """The names traced rules may emit, for the generated code's namespace."""
    ns: dict[str, Any] = {f"_R_{k}": v for k, v in vars(rules).items() if isinstance(v, types.FunctionType)}
    ns.update({f"_M_{k}": v for k, v in vars(math).items() if callable(v)})
    return ns


def _tracing_globals(rule: Any) -> dict[str, Any]:
    g = dict(rule.__globals__)
    for name, obj in list(g.items()):
        if obj is rules.data:
            g[name] = lambda x: x if isinstance(x, _Sym) else rules.data(x)  # a float is its own data
        elif isinstance(obj, types.FunctionType) and obj.__module__ == rules.__name__:
            g[name] = _Call(f"_R_{name}", obj)
        elif obj is math:
            g[name] = _MathNames()
    return g


class _Template:
    """One traced rule: per parent, a float or source with operand placeholders."""

    __slots__ = ("outputs",)

    def __init__(self, outputs: list[Any]) -> None:
        self.outputs = outputs  # float, or list of str parts and int operand indices

    @staticmethod
    def fill(parts: list[Any], names: list[str]) -> str:
        return "".join(p if p.__class__ is str else names[p] for p in parts)


def _trace(rule: Any, nparents: int) -> _Template | None:
    """Trace ``rule(out, *parents)`` on every branch path; None if it cannot be traced."""
    if not isinstance(rule, types.FunctionType):
        return None
    fn = types.FunctionType(rule.__code__, _tracing_globals(rule), rule.__name__,
                            rule.__defaults__, rule.__closure__)
    runs: list[tuple[list[tuple[str, bool]], list[Any]]] = []
    prefix: list[bool] = []
    while True:
        paths = _Paths(prefix)
        operands = [_Sym(f"{_MARK}{k}{_MARK}", paths) for k in range(nparents + 1)]
        try:
            out = list(fn(operands[nparents], *operands[:nparents]))
        except Exception:  # anything the symbols do not model: call the rule instead
            return None
        if len(out) != nparents or not all(isinstance(d, (_Sym, float, int)) for d in out):
            return None
        runs.append((paths.taken, out))
        choices = [c for _, c in paths.taken]
        while choices and not choices[-1]:
            choices.pop()
        if not choices:
            break
        if len(runs) >= MAX_PATHS:
            return None
        prefix = choices[:-1] + [False]

    outputs: list[Any] = []
    for k in range(nparents):
        d = _tree(runs, 0, k)
        if isinstance(d, float):
            outputs.append(d)
        else:
            pieces = d.split(_MARK)  # odd pieces are operand indices
            outputs.append([int(p) if i % 2 else p for i, p in enumerate(pieces) if p or i % 2])
    return _Template(outputs)


#: One traced run of a rule: the branch decisions taken (condition, choice), and what it returned.
_Run = tuple[list[tuple[str, bool]], list[Any]]


def _tree(group: list[_Run], depth: int, k: int) -> Any:
    """Derivative k over the traced runs in ``group``, which agree on their first ``depth`` branches.

    A module-level function, not a closure: a recursive closure is a
    reference cycle, and recording makes no cycles.
    """
    if len(group) == 1 and len(group[0][0]) == depth:
        d = group[0][1][k]
        return float(d) if not isinstance(d, _Sym) else _share_calls(d.src)
    cond = group[0][0][depth][0]
    yes = _tree([r for r in group if r[0][depth][1]], depth + 1, k)
    no = _tree([r for r in group if not r[0][depth][1]], depth + 1, k)
    if yes == no or (isinstance(yes, float) and isinstance(no, float) and yes != yes and no != no):
        return yes
    return f"({_src_or_lit(yes)} if {cond} else {_src_or_lit(no)})"


def _src_or_lit(x: Any) -> str:
    return _lit(x) if isinstance(x, float) else x


_CALL = re.compile(r"_[RM]_\w+\(")


def _share_calls(expr: str) -> str:
    """Evaluate a helper call that an expression repeats once: ``(_cK := f(x))``, then ``_cK``.

    A traced rule that keeps ``e = exp_of(-a)`` in a variable repeats the call
    in every place it uses ``e``.  Within one branch-free expression the first
    occurrence in the text is the first evaluated, so it can bind the name.
    """
    k = 0
    while True:
        calls: dict[str, int] = {}
        for m in _CALL.finditer(expr):
            depth, end = 0, m.end() - 1
            for end in range(m.end() - 1, len(expr)):
                depth += {"(": 1, ")": -1}.get(expr[end], 0)
                if depth == 0:
                    break
            text = expr[m.start():end + 1]
            calls[text] = calls.get(text, 0) + 1
        repeated = [c for c, count in calls.items() if count > 1]
        if not repeated:
            return expr
        text = max(repeated, key=len)  # outermost first
        name = f"_c{k}"
        k += 1
        first = expr.index(text)
        rest = expr[first + len(text):].replace(text, name)
        expr = f"{expr[:first]}({name} := {text}){rest}"


# --- the forward pass: one expression per operation ------------------------------------
# These mirror value.py's float arithmetic operation for operation (the same
# IEEE results); tests/test_modes_smoke.py holds them equal on edge values.


def _pow(a: float, b: float) -> float:
    out: float
    if a > 0.0 or (b >= 0.0 and b.is_integer()):  # real-valued: no domain check can fail
        out = a**b
        return out
    with no_grad():
        out = _power(Value(a), Value(b), POW).data  # the engine's checks and errors
    return out


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sum_lines(out: str, first: str, terms: list[str], last: str | None = None) -> list[str]:
    """``out = first + t1 + t2 + … (+ last)`` left to right, at most TERMS terms per line."""
    lines, acc = [], first
    for s in range(0, len(terms), TERMS):
        lines.append(f"{out} = {' + '.join([acc] + terms[s:s + TERMS])}")
        acc = out
    if last is not None:
        lines.append(f"{out} = {acc} + {last}")
    elif not lines:
        lines.append(f"{out} = {acc}")
    return lines


def _linear(o: str, a: list[str]) -> list[str]:
    terms = [f"{a[i]} * {a[i + 1]}" for i in range(0, len(a) - 1, 2)]
    if len(terms) <= TERMS:  # one line: 0.0 + w1*x1 + … + b, as value.linear adds
        return [f"{o} = {' + '.join(['0.0'] + terms + [a[-1]])}"]
    return _sum_lines(o, "0.0", terms, a[-1])


_FORWARD: dict[Any, Any] = {
    ADD: lambda o, a: [f"{o} = {a[0]} + {a[1]}"],
    SUB: lambda o, a: [f"{o} = {a[0]} - {a[1]}"],
    MUL: lambda o, a: [f"{o} = {a[0]} * {a[1]}"],
    DIV: lambda o, a: [f"{o} = {a[0]} / {a[1]}"],
    NEG: lambda o, a: [f"{o} = -{a[0]}"],
    POW: lambda o, a: [f"{o} = _pow({a[0]}, {a[1]})"],
    POW_VALUE: lambda o, a: [f"{o} = _pow({a[0]}, {a[1]})"],
    EXP: lambda o, a: [f"{o} = _exp({a[0]})"],
    LOG: lambda o, a: [f"{o} = _log({a[0]})"],
    TANH: lambda o, a: [f"{o} = _tanh({a[0]})"],
    SIGMOID: lambda o, a: [f"{o} = _sigmoid({a[0]})"],
    RELU: lambda o, a: [f"{o} = 0.0 if {a[0]} <= 0.0 else {a[0]}"],
    LINEAR: _linear,
    SUM: lambda o, a: _sum_lines(o, a[0], a[1:]),
    UNDEFINED: lambda o, a: [f"{o} = _nan"],  # a slope with no real value (rules.undefined)
}

# The same operations on Values: re-run eagerly to name a failing node.
_EAGER: dict[Any, Any] = {
    ADD: operator.add, SUB: operator.sub, MUL: operator.mul, DIV: operator.truediv,
    NEG: operator.neg, POW: operator.pow, POW_VALUE: operator.pow,
    EXP: Value.exp, LOG: Value.log, TANH: Value.tanh, SIGMOID: Value.sigmoid, RELU: Value.relu,
    LINEAR: lambda *p: linear(p[0:-1:2], p[1:-1:2], p[-1]),
    SUM: lambda *p: sum_of(p),
    UNDEFINED: rules.undefined,
}


def _namespace() -> dict[str, Any]:
    ns = _helper_names()
    ns.update(_pow=_pow, _sigmoid=_sigmoid, _exp=math.exp, _log=math.log, _tanh=math.tanh,
              _inf=math.inf, _nan=math.nan)
    return ns


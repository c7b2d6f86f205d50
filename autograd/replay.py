"""Compiled replay: run a recorded graph again for new leaf values, building no nodes.

``record(root, inputs, params)`` walks the graph under ``root`` once and
writes it out as straight-line Python: one local variable per node, the
forward expressions in topological order, then the backward pass in reverse,
``g_parent += g_node · ∂node/∂parent``.  Each local derivative comes from the
rule table (``rules.py``): every rule is traced once per operation and arity
with symbolic operands, so the generated line is the rule's own arithmetic
(a rule that cannot be traced is called as it is).  ``Replay.run`` then costs
about what hand-written float code costs.

    step = record(loss, inputs=xs, params=model.parameters())
    value, grads = step.run(input_values, param_values)  # floats in, floats out
    value = step.backward()  # or: read the leaves' .data, add into params' .grad

What a recording freezes.  The graph's shape: which operations ran, in which
order, on which operands.  Python control flow in the code that built the
graph is fixed at the branch taken while recording: an ``if x.data > 0``, a
loop that runs until some value converges, choosing a term by comparing
``.data``.  A replay cannot see that new values would take another branch;
record again when they would.  Branches inside a primitive are not frozen:
relu's kink, sigmoid's two formulas, pow's domain checks and every rule's
own ``if`` run again on each replay.  Leaves that are neither ``inputs`` nor
``params`` keep their recorded value; ``run`` raises ``StaleReplayError`` when
one of them has a new ``data`` since recording (a cheap check, one compare
per such leaf).  Constants mixed into expressions are frozen too.

Gradients equal those of ``backward()`` on a fresh graph (the same float
operations in the same order), apart from the sign of a zero gradient.

Large graphs.  The nodes are cut into ranges of at most ``CHUNK`` statements
(compile time grows faster than linearly with a function's length).  Each
range is a generator: it runs its forward lines, yields, and is resumed for
the same range's backward lines, so its values stay local variables; only
values and gradients that cross ranges go through two lists.  A long sum is
written line by line in the ranges that compute its terms.  No expression
nests deeper than ``TERMS`` terms, so no compiler or recursion limit is met.
Each function goes through its own ``compile()``: the compiler needs about
4 KB per statement while it works, so recording peaks at one function's
worth on top of what the replay keeps (about 1 KB per node for a long
chain), and its time is linear in the graph's size.

The replay keeps the graph in index form (operations, operand indices,
names), not the nodes: the recorded graph can be dropped.  It holds no
reference cycle (the generated functions' globals do not hold them), so a
dropped replay is freed at once, without the cycle collector.
"""

from __future__ import annotations

import math
import operator
import re
import types
from operator import attrgetter, itemgetter
from typing import Any
from collections.abc import Sequence

from . import rules
from .recording import no_grad
from .value import (
    ADD,
    CONST,
    DIV,
    EXP,
    LINEAR,
    LOG,
    MUL,
    NEG,
    POW,
    POW_VALUE,
    RELU,
    SIGMOID,
    SUB,
    SUM,
    TANH,
    UNDEFINED,
    Value,
    _power,
    linear,
    sum_of,
)
from .walk import topological_order

#: Statements per generated function: big graphs are split into several.  Each
#: function is compiled on its own (about 4 KB per statement while compiling);
#: smaller functions pass more values and partial gradients between them.
CHUNK = 10000
#: Terms per line of a long sum (a deeper expression would strain the compiler).
TERMS = 64
#: Branch paths explored when tracing one rule; past that the rule is called.
MAX_PATHS = 16
#: Values fetched by one itemgetter call at the start of a generated function.
GROUP = 1000


_DATA = attrgetter("data")


class StaleReplayError(RuntimeError):
    """A leaf frozen into a recording has changed since it was recorded."""


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

    def __add__(self, o): return self._bin(self, "+", o)
    def __radd__(self, o): return self._bin(o, "+", self)
    def __sub__(self, o): return self._bin(self, "-", o)
    def __rsub__(self, o): return self._bin(o, "-", self)
    def __mul__(self, o): return self._bin(self, "*", o)
    def __rmul__(self, o): return self._bin(o, "*", self)
    def __truediv__(self, o): return self._bin(self, "/", o)
    def __rtruediv__(self, o): return self._bin(o, "/", self)
    def __pow__(self, o): return self._bin(self, "**", o)
    def __rpow__(self, o): return self._bin(o, "**", self)
    def __neg__(self): return _Sym(f"(-{self.src})", self.paths)
    def __pos__(self): return self
    def __abs__(self): return _Sym(f"abs({self.src})", self.paths)

    def _cmp(self, op: str, o: Any) -> bool:
        return self.paths.decide(f"({self.src} {op} {_src(o)})")

    def __lt__(self, o): return self._cmp("<", o)
    def __le__(self, o): return self._cmp("<=", o)
    def __gt__(self, o): return self._cmp(">", o)
    def __ge__(self, o): return self._cmp(">=", o)
    def __eq__(self, o): return self._cmp("==", o)
    def __ne__(self, o): return self._cmp("!=", o)
    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        return self.paths.decide(f"({self.src} != 0.0)")

    def __float__(self):
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


def _tree(group: list, depth: int, k: int) -> Any:
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
    if a > 0.0 or (b >= 0.0 and b.is_integer()):  # real-valued: no domain check can fail
        return a**b
    with no_grad():
        return _power(Value(a), Value(b), POW).data  # the engine's checks and errors


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


# --- writing the code ---------------------------------------------------------------


class _Fn:
    """One generated function: its body, and what it reads from and writes to V and G."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.body: list[str] = []
        self.computed: set[int] = set()  # values computed here
        self.reads: dict[int, None] = {}  # values computed elsewhere or replayed leaves, in first-use order
        self.g_local: set[int] = set()  # gradients held in a local here
        self.g_store: list[int] = []  # gradients to write back to G at the end
        self.g_reads: list[int] = []  # gradients (partial sums) read from G at the start
        self.alias: dict[int, str] = {}  # node -> the local holding its gradient, when it is a copy
        self.returns: str | None = None


class _Writer:
    """Writes the forward and backward lines of each node into a function.

    The graph comes in index form: ``ops[i]`` the node's ``Op`` (None for a
    leaf), ``args[i]`` its parents' indices, ``data[i]`` a leaf's value.
    """

    def __init__(self, ops: list, args: list[tuple[int, ...]], data: dict[int, float],
                 slot: dict[int, tuple[str, int]], req: list[bool]) -> None:
        self.ops, self.args, self.slot, self.req = ops, args, slot, req
        # a variable per computed node and replayed leaf; frozen leaves are literals
        self.var = [op is not None or i in slot for i, op in enumerate(ops)]
        self.names = [f"v{i}" if v else _lit(data[i]) for i, v in enumerate(self.var)]
        self.templates: dict[tuple[Any, int], _Template | None] = {}
        self.called: dict[Any, str] = {}  # rules called as they are, by namespace name
        self.g_touched: set[int] = set()
        self.fanout = [0] * len(ops)  # how many times each node is an operand
        for a in args:
            for j in a:
                self.fanout[j] += 1
        self.range_of: list[int] = []  # set by _generate
        self.fwd: list[_Fn] = []  # forward functions written so far, by range
        self.deferred: dict[int, list[tuple[int, int, float]]] = {}  # range -> (parent, child, ∂)

    def use(self, fn: _Fn, i: int) -> str:
        if self.var[i] and i not in fn.computed:
            fn.reads[i] = None
        return self.names[i]

    def forward(self, fn: _Fn, i: int) -> None:
        op = self.ops[i]
        write = _FORWARD.get(op)
        if write is None:
            raise ValueError(f"replay: no forward expression for operation {op.name!r} (node {i})")
        if op in (SUM, LINEAR) and len(self.args[i]) > 2 * TERMS + 1 and len(self.fwd) > 0:
            self.forward_spread(fn, i)
        else:
            fn.body.extend(write(self.names[i], [self.use(fn, j) for j in self.args[i]]))
        fn.computed.add(i)

    def forward_spread(self, fn: _Fn, i: int) -> None:
        """A long sum, line by line, each line in the function that computed its terms.

        The same additions in the same order; the running total moves between
        functions through V[i], so its operands need not.
        """
        a, out = self.args[i], f"v{i}"
        if self.ops[i] is SUM:
            first, terms, last = [a[0]], [(j,) for j in a[1:]], None
        else:  # LINEAR: 0.0 + w1·x1 + … + b
            first, terms, last = [], [(a[k], a[k + 1]) for k in range(0, len(a) - 1, 2)], a[-1]
        where = None  # the range whose function holds the running total
        r = len(self.fwd)  # this range
        for s in range(0, len(terms), TERMS):
            group = terms[s:s + TERMS]
            operands = [j for t in group for j in t] + (first if s == 0 else [])
            home = max([self.range_of[j] for j in operands if self.var[j]] + [where if where is not None else 0])
            target = self.fwd[home] if home < r else fn
            if s == 0:
                acc = self.use(target, first[0]) if first else "0.0"
            elif where == home:
                acc = out
            else:
                acc = f"V[{i}]"
            parts = [" * ".join(self.use(target, j) for j in t) for t in group]
            target.body.append(f"{out} = {' + '.join([acc] + parts)}")
            where = home
            if target is not fn:
                target.body.append(f"V[{i}] = {out}")  # stored after every line: the next may be elsewhere
        acc = out if where == r else f"V[{i}]"
        if last is not None:
            fn.body.append(f"{out} = {acc} + {self.use(fn, last)}")
        elif acc != out:
            fn.body.append(f"{out} = {acc}")

    def template(self, i: int) -> _Template | None:
        key = (self.ops[i].rule, len(self.args[i]))
        t = self.templates.get(key, False)
        if t is False:
            t = self.templates[key] = _trace(*key)
        return t

    def backward(self, fn: _Fn, i: int, lo: int) -> None:
        """g_parent += g_i · ∂i/∂parent, for every parent that leads to a param."""
        pidx = self.args[i]
        req = self.req
        wanted = [k for k, j in enumerate(pidx) if req[j]]
        if not wanted:
            return
        body = fn.body
        if i not in fn.g_local:  # every contribution came from functions run before
            fn.g_reads.append(i)
            fn.g_local.add(i)
        g = fn.alias.get(i, f"g{i}")
        template = self.template(i)
        names = [self.names[j] for j in pidx] + [self.names[i]]
        if template is None:
            called = self.called.setdefault(self.ops[i].rule, f"_rule{len(self.called)}")
            for j in pidx + (i,):
                self.use(fn, j)
            body.append(f"_d = {called}({names[-1]}, {', '.join(names[:-1])})")
        n = len(pidx)
        deferred = False
        for k in wanted:
            j = pidx[k]
            if template is None:
                term, sign = f"{g} * _d[{k}]", "+"
            else:
                d = template.outputs[k]
                if (d.__class__ is float and self.fanout[j] == 1 and j < lo and j not in self.slot):
                    # the parent's only contribution: written where the parent is, g_i read from G there
                    self.deferred.setdefault(self.range_of[j], []).append((j, i, d))
                    deferred = True
                    continue
                if (d == 1.0 and self.fanout[j] == 1 and j not in self.slot and j not in fn.g_local
                        and j not in self.g_touched):  # g_parent = g_i, its only contribution: a copy
                    fn.alias[j] = g
                    fn.g_local.add(j)
                    self.g_touched.add(j)
                    continue
                if d.__class__ is float:  # x·1 = x and x·(-1) = -x exactly
                    term, sign = (g, "+") if d == 1.0 else (g, "-") if d == -1.0 else (f"{g} * {_lit(d)}", "+")
                else:
                    for p in d:
                        if p.__class__ is int:
                            self.use(fn, pidx[p] if p < n else i)
                    term, sign = f"{g} * {_Template.fill(d, names)}", "+"
            if j in fn.g_local:
                body.append(f"g{j} {sign}= {term}")
                continue
            if j in self.g_touched:  # a partial sum left in G by functions run before
                fn.g_reads.append(j)
                body.append(f"g{j} {sign}= {term}")
            else:
                body.append(f"g{j} = {term}" if sign == "+" else f"g{j} = -{term}")
            fn.g_local.add(j)
            self.g_touched.add(j)
            if j < lo or j in self.slot:  # still to be finished (or read) elsewhere
                fn.g_store.append(j)
        if deferred:
            fn.g_store.append(i)

    def take_deferred(self, fn: _Fn, r: int) -> None:
        """Contributions left for range r's parents: g_parent = g_child·∂ (their only one)."""
        for j, i, d in self.deferred.pop(r, ()):
            if i not in fn.g_local:
                fn.g_reads.append(i)
                fn.g_local.add(i)
            g = fn.alias.get(i, f"g{i}")
            if d == 1.0:
                fn.alias[j] = g  # a copy: use the child's local
            else:
                fn.body.append(f"g{j} = -{g}" if d == -1.0 else f"g{j} = {g} * {_lit(d)}")
            fn.g_local.add(j)
            self.g_touched.add(j)


def _generate(ops: list, args: list[tuple[int, ...]], data: dict[int, float],
              slot: dict[int, tuple[str, int]], params_at: list[int],
              outputs_at: list[int]) -> tuple[list[tuple[str, list[str]]], dict[str, Any]]:
    """The source of each generated function, as (name, lines), and the helpers they call.

    The last one is ``_replay(X, P) -> (root value, param grads, output
    values)``, the driver that calls the others.  Nodes are split into ranges
    of at most CHUNK statements.  Forward functions run first, range by
    range; the last range's forward and backward share one function; then the
    backward of the earlier ranges.  Values and gradients that cross
    functions go through the lists V and G.
    """
    n = len(ops)
    pset = {i for i in params_at if i >= 0}
    req = [False] * n  # the node leads to a param: it needs a gradient
    for i, a in enumerate(args):
        req[i] = i in pset or any(req[j] for j in a)
    w = _Writer(ops, args, data, slot, req)
    root = n - 1

    bounds, count = [0], 0
    for i, a in enumerate(args):
        s = 1 + len(a) // TERMS + sum(req[j] for j in a) if a else 0
        if count + s > CHUNK and i > bounds[-1]:
            bounds.append(i)
            count = 0
        count += s
    bounds.append(n)
    ranges = list(zip(bounds[:-1], bounds[1:]))
    last = len(ranges) - 1
    w.range_of = [r for r, (lo, hi) in enumerate(ranges) for _ in range(lo, hi)]

    fwd: list[_Fn] = []
    w.fwd = fwd
    for r, (lo, hi) in enumerate(ranges):
        fn = _Fn("_fb" if r == last else f"_r{r}")
        for i in range(lo, hi):
            if args[i]:
                w.forward(fn, i)
        fwd.append(fn)
    fn.returns = w.use(fn, root)
    outs = "[" + ", ".join(w.use(fn, i) for i in outputs_at) + "]" if last == 0 else ""
    if req[root]:
        fn.body.append(f"g{root} = 1.0")
        fn.g_local.add(root)
        w.g_touched.add(root)
        if root in slot:
            fn.g_store.append(root)
    back: list[_Fn] = []  # back[r]: range r's backward, resumed in the same generator frame
    for r in range(last, -1, -1):
        lo, hi = ranges[r]
        if r < last:
            fn = _Fn(fwd[r].name)
            fn.computed = fwd[r].computed | set(fwd[r].reads)  # still locals after the yield
            back.append(fn)
            w.take_deferred(fn, r)
        for i in range(hi - 1, lo - 1, -1):
            if args[i] and req[i]:
                w.backward(fn, i, lo)
    back.reverse()

    parts = fwd + back
    home = {i: fn.name for fn in fwd for i in fn.computed}
    stores: dict[str, set[int]] = {fn.name: set() for fn in fwd}
    for fn in parts:
        for i in fn.reads:
            if i not in slot:
                stores[home[i]].add(i)
    if last > 0:  # the driver reads the outputs from V
        for i in outputs_at:
            if args[i]:
                stores[home[i]].add(i)

    getters: dict[str, Any] = {}

    def load(names: list[str], src: str, idx: list[int]) -> list[str]:
        """names = src[idx...]: one itemgetter call per group instead of a subscript each."""
        lines = []
        for s in range(0, len(idx), GROUP):
            part, at = names[s:s + GROUP], idx[s:s + GROUP]
            if len(at) == 1:
                lines.append(f"    {part[0]} = {src}[{at[0]}]")
            else:
                getter = f"_get{len(getters)}"
                getters[getter] = itemgetter(*at)
                lines.append(f"    {', '.join(part)} = {getter}({src})")
        return lines

    def loads(fn: _Fn) -> list[str]:
        lines = []
        for src in ("X", "P"):
            got = [i for i in fn.reads if i in slot and slot[i][0] == src]
            lines += load([f"v{i}" for i in got], src, [slot[i][1] for i in got])
        got = [i for i in fn.reads if i not in slot]
        lines += load([f"v{i}" for i in got], "V", got)
        return lines + load([f"g{i}" for i in fn.g_reads], "G", [gat(i) for i in fn.g_reads])

    # a param's gradient lives in G[n + its position], so that G[n:] is the result
    param_pos = {i: k for i, (src, k) in slot.items() if src == "P"}

    def gat(i: int) -> int:
        return n + param_pos[i] if i in param_pos else i

    def store_grads(fn: _Fn) -> list[str]:
        lines = [f"    G[{j}] = {fn.alias.get(j, f'g{j}')}" for j in fn.g_store if j not in param_pos]
        run: list[int] = []  # params at consecutive positions: one slice assignment
        for j in sorted((j for j in fn.g_store if j in param_pos), key=param_pos.get) + [-1]:
            if run and (j < 0 or param_pos[j] != param_pos[run[-1]] + 1 or len(run) == GROUP):
                a = gat(run[0])
                if len(run) == 1:
                    lines.append(f"    G[{a}] = g{run[0]}")
                else:
                    lines.append(f"    G[{a}:{a + len(run)}] = {', '.join(f'g{r}' for r in run)}")
                run = []
            if j >= 0:
                run.append(j)
        return lines

    functions: list[tuple[str, list[str]]] = []
    generators = []
    for r, fn in enumerate(fwd):
        b = back[r] if r < last else None
        if not fn.body and fn.returns is None and not (b and b.body):
            continue
        name = fn.name
        out = [f"def {name}(V, G, X, P):"]
        out += loads(fn)
        out.extend("    " + line for line in fn.body)
        out.extend(f"    V[{i}] = v{i}" for i in sorted(stores[fn.name]))
        if b is not None:  # forward done: wait here until the backward pass reaches this range
            generators.append(fn.name)
            out.append("    yield")
            out += loads(b)
            out.extend("    " + line for line in b.body)
            fn = b
        if last == 0:
            grads = ", ".join(f"g{j}" if j in fn.g_local else "0.0" for j in params_at)
            out.append(f"    return {fn.returns}, [{grads}], {outs}")
        else:
            out.extend(store_grads(fn))
            if fn.returns is not None:
                out.append(f"    return {fn.returns}")
        out.append("")
        functions.append((name, out))
        fwd[r].body = fn.body = []  # the lines live on in ``out`` only
    out = ["def _replay(X, P):"]
    if last == 0:
        out.append("    return _fb(None, None, X, P)")
    else:
        out.append(f"    V = [0.0] * {n}")
        out.append(f"    G = [0.0] * {n + len(params_at)}")  # params the root does not use stay 0.0
        for name in generators:
            out.append(f"    {name}_ = {name}(V, G, X, P)")
            out.append(f"    next({name}_)")
        out.append("    root = _fb(V, G, X, P)")
        for name in reversed(generators):
            out.append(f"    next({name}_, None)")
        outs = ", ".join(f"V[{i}]" if args[i] else
                         (f"{slot[i][0]}[{slot[i][1]}]" if i in slot else _lit(data[i])) for i in outputs_at)
        out.append(f"    return root, G[{n}:], [{outs}]")
    out.append("")
    functions.append(("_replay", out))
    getters.update({name: rule for rule, name in w.called.items()})
    return functions, getters


def _compile(functions: list[tuple[str, list[str]]], helpers: dict[str, Any]) -> Any:
    """The driver ``_replay``, its functions compiled one at a time (``functions`` is emptied).

    One ``compile()`` per function keeps the compiler's peak memory to one
    function's worth, not the whole recording's.  The functions' globals are
    the helpers; the driver's are the functions: no function can reach
    itself, so a dropped replay is freed by reference counting alone.
    """
    calls: dict[str, Any] = {}
    functions.reverse()
    while functions:
        name, lines = functions.pop()
        namespace = helpers if name != "_replay" else calls
        exec(compile("\n".join(lines), "<replay>", "exec"), namespace)  # our own generated code
        del lines
        calls[name] = namespace.pop(name)
    return calls.pop("_replay")


# --- the public API -------------------------------------------------------------------


class Replay:
    """A recorded graph, compiled: ``run`` and ``backward`` build no nodes.

    ``inputs`` and ``params`` are the leaves whose values may change between
    runs; gradients are computed for ``params`` only.  ``output_values`` holds
    the values of the recorded ``outputs`` after the latest run.  ``source``
    is the generated Python, ``nodes`` the recorded graph's size,
    ``functions`` the number of generated functions.
    """

    def __init__(self, root: Value, inputs: Sequence[Value], params: Sequence[Value],
                 outputs: Sequence[Value] = ()) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"record() needs a Value root, got {type(root).__name__}")
        self.inputs = tuple(inputs)
        self.params = tuple(params)
        order = topological_order(root)
        index = {id(node): i for i, node in enumerate(order)}
        slot: dict[int, tuple[str, int]] = {}
        seen: dict[int, str] = {}
        for group, src in ((self.inputs, "X"), (self.params, "P")):
            what = "inputs" if src == "X" else "params"
            for k, leaf in enumerate(group):
                label = f"{what}[{k}]" + (f" ({leaf.name})" if isinstance(leaf, Value) and leaf.name else "")
                if not isinstance(leaf, Value):
                    raise TypeError(f"record(): {label} is not a Value: {type(leaf).__name__} {leaf!r}")
                if leaf.parents:
                    raise ValueError(f"record(): {label} is not a leaf (it was made by {leaf.op!r}); "
                                     "only leaves can take new values")
                if id(leaf) in seen:
                    raise ValueError(f"record(): {label} is listed twice (also as {seen[id(leaf)]})")
                seen[id(leaf)] = label
                if id(leaf) in index:
                    slot[index[id(leaf)]] = (src, k)
        self._slot = slot
        # leaves frozen at their recorded value, checked on every run
        self._frozen = [(i, node, node.data) for i, node in enumerate(order)
                        if not node.parents and i not in slot and node._op is not CONST]
        # the graph in index form (the replay does not keep the graph alive)
        self._ops = [node._op if node.parents else None for node in order]
        self._args = [tuple([index[id(p)] for p in node.parents]) for node in order]
        self._names = {i: node.name for i, node in enumerate(order) if node.name is not None}
        self._leaf_data = {i: node.data for i, node in enumerate(order) if not node.parents}
        params_at = [index.get(id(p), -1) for p in self.params]  # -1: not in the graph, gradient 0
        self.nodes = len(order)
        outputs_at = []
        for k, node in enumerate(outputs):
            if not isinstance(node, Value) or id(node) not in index:
                raise ValueError(f"record(): outputs[{k}] is not a node of the graph under the root: {node!r}")
            outputs_at.append(index[id(node)])
        self.output_values: list[float] = [self._leaf_data.get(i, order[i].data) for i in outputs_at]
        self._layout = (slot, params_at, outputs_at)
        functions, called = _generate(self._ops, self._args, self._leaf_data, *self._layout)
        self.functions = len(functions) - 1  # the driver aside
        helpers = _namespace()
        helpers.update(called)
        self._fn = _compile(functions, helpers)

    @property
    def source(self) -> str:
        """The generated Python (written again on request: it is not kept)."""
        functions, _ = _generate(self._ops, self._args, self._leaf_data, *self._layout)
        return "\n".join(line for _, lines in functions for line in lines)

    def __repr__(self) -> str:
        return (f"Replay(nodes={self.nodes}, inputs={len(self.inputs)}, params={len(self.params)}, "
                f"functions={self.functions})")

    def run(self, input_values: Sequence[float] | None = None,
            param_values: Sequence[float] | None = None) -> tuple[float, list[float]]:
        """(root value, [d root / d param for each param]) for new leaf values.

        ``None`` takes the leaves' current ``data``.  Nothing in the graph changes.
        """
        xs = self._floats(input_values, self.inputs, "input_values")
        ps = self._floats(param_values, self.params, "param_values")
        self._check_frozen()
        try:
            value, grads, self.output_values = self._fn(xs, ps)
        except (ArithmeticError, ValueError):  # no name for the error: it would hold this frame in a cycle
            self._explain(xs, ps)
            raise
        return value, grads

    def backward(self) -> float:
        """Like ``root.backward()`` for the params: add d root/d param into each param's ``grad``.

        Reads the current ``data`` of every input and param; returns the root's
        value.  Interior nodes are not touched (their data and grad are those
        of the recording).
        """
        value, grads = self.run()
        for p, g in zip(self.params, grads):
            p.grad += g
        return value

    def _floats(self, values: Sequence[float] | None, leaves: tuple, what: str) -> list[float]:
        """The numbers for ``leaves`` as floats, checked as ``Value()`` checks a number.

        ``None`` takes the leaves' ``data``.  A str, bytes, None or Value is a
        TypeError naming the argument and position (``float()`` alone would
        read the string '3' as 3.0); a number too large for a float is an
        OverflowError.
        """
        if values is None:
            given = list(map(_DATA, leaves))
        elif isinstance(values, (str, bytes, bytearray)):
            raise TypeError(f"replay: {what} must be a list of numbers, got {type(values).__name__} {values!r}")
        else:
            try:
                given = list(values)
            except TypeError:
                raise TypeError(f"replay: {what} must be a list of numbers, "
                                f"got {type(values).__name__} {values!r}") from None
        try:
            floats = list(map(float, given))
            sum(given, 0.0)  # float + x: a str, bytes or None raises here, where float() would read it
        except (TypeError, ValueError, OverflowError):  # also a Decimal: each number on its own
            if values is None:  # name the leaf: inputs[0] (x).data
                group = what.replace("_values", "s")
                wheres = [f"{group}[{k}]" + (f" ({leaf.name})" if leaf.name else "") + ".data"
                          for k, leaf in enumerate(leaves)]
            else:
                wheres = [f"{what}[{k}]" for k in range(len(given))]
            floats = [_number(v, where) for v, where in zip(given, wheres)]
        if len(floats) != len(leaves):
            raise ValueError(f"replay: {what} has {len(floats)} numbers, the recording has {len(leaves)} leaves")
        return floats

    def _check_frozen(self) -> None:
        for i, node, recorded in self._frozen:
            now = node.data
            if now is not recorded and now != recorded and (now == now or recorded == recorded):
                raise StaleReplayError(
                    f"replay: leaf {self._label(i)} was {recorded!r} when recorded and is {now!r} now; "
                    "list it in inputs or params, or record again")

    def _label(self, i: int) -> str:
        return f"node {i} ({self._names[i]})" if i in self._names else f"node {i}"

    def _explain(self, xs: list[float], ps: list[float]) -> None:
        """Re-run the forward pass eagerly so that the engine's own error names the node."""
        values: list[Value] = []
        with no_grad():
            for i, (op, args) in enumerate(zip(self._ops, self._args)):
                if i in self._slot:
                    src, k = self._slot[i]
                    values.append(Value((xs if src == "X" else ps)[k], self._names.get(i)))
                elif not args:
                    values.append(Value(self._leaf_data[i], self._names.get(i)))
                else:
                    try:
                        values.append(_EAGER[op](*[values[j] for j in args]))
                    except (ArithmeticError, ValueError) as exc:
                        raise type(exc)(f"replay, {self._label(i)}: {exc}") from None


def _number(v: Any, where: str) -> float:
    """One number as a float, checked as ``Value()`` checks it, or the error naming ``where``."""
    if isinstance(v, (str, bytes, bytearray, Value)) or v is None:
        raise TypeError(f"replay: {where} is not a number: {type(v).__name__} {v!r}")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise TypeError(f"replay: {where} is not a number: {type(v).__name__} {v!r}") from None
    except OverflowError:
        x = math.inf
    if math.isinf(x) and not v == x:  # a finite number past the float range
        raise OverflowError(f"replay: {where} is too large for a float ({type(v).__name__})")
    return x


def record(root: Value, inputs: Sequence[Value] = (), params: Sequence[Value] = (),
           outputs: Sequence[Value] = ()) -> Replay:
    """Record the graph under ``root`` for replay with new ``inputs`` and ``params`` values.

    Both are leaves of the graph; gradients are returned for ``params``.
    ``outputs`` are nodes of the graph (predictions, say) whose values each
    run leaves in ``Replay.output_values``.  Every other leaf is frozen at
    its current value (see the module notes).
    """
    return Replay(root, inputs, params, outputs)

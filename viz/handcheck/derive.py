"""Chain-rule derivations: ∂loss/∂x written out the way a textbook writes it.

The *stations* of a derivation are the named nodes (``Value.name`` set), the
loss and the target.  Unnamed intermediate nodes (the product ``w1*x1`` inside
``z_h1``, the constant 0.5, the ``(y - y_hat)`` inside a loss) are collapsed:
the factor between two consecutive stations U above S is

    ∂U/∂S = Σ over the routes from U down to S through unnamed nodes only
            of the product of the local derivatives (``Value.local_grads()``).

Each path from the loss down to the target is a product of such factors, and
∂loss/∂target is the sum of the path products (the multivariate chain rule).
Past a limit on the number of paths the derivation lists instead the
backpropagated δ = ∂loss/∂S of each station, δ_S = Σ_U δ_U · ∂U/∂S.

Factors get a symbolic form where the operation makes one simple
(∂a/∂z = a·(1 − a) for a sigmoid, ∂z/∂w5 = a_h1 for a weight in a sum of
products), from the formula the engine declares beside each rule
(``autograd.display``); otherwise the number alone.  Negative numbers take the
minus sign U+2212, as the formulas do (``1 − a``).  Engine API only; the
hand-value comparison uses ``verdicts.judge``; ``viz.views.explain`` writes a
derivation as a report.
"""

from __future__ import annotations

import heapq
import math
import re
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Mapping, Sequence

from autograd import Value, display, topological_order

from ..numbers import _same, fmt
from ..safe import visible

DEFAULT_DIGITS = 4
DEFAULT_MAX_PATHS = 16
WIDTH = 80
_SYMBOLIC_MAX = 44  # a longer symbolic form is dropped for the number alone
_ROUTES_MAX = 3  # a factor made of more unnamed routes gets no symbolic form


# --- numbers -----------------------------------------------------------------


MINUS = "\u2212"  # the derivation text writes −0.3, as its formulas write 1 − a


def num(x: float, digits: int = DEFAULT_DIGITS) -> str:
    """``fmt(x, digits)`` with the minus sign U+2212, for the derivation text
    (``fmt`` itself stays ASCII for the tables machines read)."""
    return minus(fmt(x, digits))


def minus(text: str) -> str:
    """A number's text with each hyphen-minus made the minus sign U+2212."""
    return text.replace("-", MINUS)


def is_exact(x: float, digits: int = DEFAULT_DIGITS) -> bool:
    """True when ``fmt(x, digits)`` is ``x`` (up to float noise)."""
    return not math.isfinite(x) or _same(float(fmt(x, digits)), x)


def label(v: Value, fallback: str = "?") -> str:
    """The name a derivation uses for a node, control characters made visible."""
    return visible(v.name) if v.name is not None else fallback


# --- symbolic forms of local derivatives --------------------------------------

# A term is (template, nodes): "{0}·(1 − {0})" with nodes (a_out,).  A route's
# form is a coefficient times a product of terms.
Term = tuple[str, tuple[Value, ...]]

_PREC_SUM, _PREC_PRODUCT, _PREC_NEG, _PREC_POW, _PREC_ATOM = 1, 2, 3, 4, 5


class _TooDeep(Exception):
    """An unnamed expression too deep to be worth writing out."""


def _render(v: Value, numeric: bool, digits: int, depth: int = 0) -> tuple[str, int]:
    """(text, precedence) of a node: its name, its number, or the expression
    of an unnamed node over its parents."""
    if depth > 8:
        raise _TooDeep
    if v.name is not None and not numeric:
        return label(v), _PREC_ATOM
    if v.name is not None or v.is_leaf or v.is_constant:
        text = num(v.data, digits)
        return text, (_PREC_NEG if text.startswith(MINUS) else _PREC_ATOM)
    op, ps = v.op, v.parents

    def sub(p: Value, prec: int, strict: bool = False) -> str:
        text, p_prec = _render(p, numeric, digits, depth + 1)
        if p_prec < prec or (strict and p_prec == prec):
            return f"({text})"
        return text

    if op in ("+", "sum"):
        return " + ".join(sub(p, _PREC_SUM) for p in ps), _PREC_SUM
    if op == "-":
        return f"{sub(ps[0], _PREC_SUM)} − {sub(ps[1], _PREC_SUM, True)}", _PREC_SUM
    if op == "linear":
        pairs = [f"{sub(ps[i], _PREC_PRODUCT)}·{sub(ps[i + 1], _PREC_PRODUCT)}"
                 for i in range(0, len(ps) - 1, 2)]
        return " + ".join(pairs + [sub(ps[-1], _PREC_SUM)]), _PREC_SUM
    if op == "*":
        return f"{sub(ps[0], _PREC_PRODUCT)}·{sub(ps[1], _PREC_PRODUCT)}", _PREC_PRODUCT
    if op == "/":
        return f"{sub(ps[0], _PREC_PRODUCT)}/{sub(ps[1], _PREC_PRODUCT, True)}", _PREC_PRODUCT
    if op == "neg":
        return f"−{sub(ps[0], _PREC_NEG)}", _PREC_NEG
    if op == "**":
        return f"{sub(ps[0], _PREC_POW, True)}^{sub(ps[1], _PREC_POW, True)}", _PREC_POW
    if op in ("exp", "log", "tanh", "sigmoid", "relu"):
        return f"{op}({_render(ps[0], numeric, digits, depth + 1)[0]})", _PREC_ATOM
    return num(v.data, digits), _PREC_ATOM


def _edge_form(node: Value, i: int) -> tuple[float, list[Term]] | None:
    """∂node/∂(parent i) as coefficient · terms, or None when there is no
    simple form (the number alone is shown then)."""
    op, ps = node.op, node.parents

    def times(other: Value) -> tuple[float, list[Term]]:
        if other.is_constant:
            return other.data, []
        return 1.0, [("{0}", (other,))]

    if op in ("+", "sum"):
        return 1.0, []
    if op == "-":
        return (1.0 if i == 0 else -1.0), []
    if op == "neg":
        return -1.0, []
    if op == "*":  # ∂(a·b)/∂a = b
        return times(ps[1 - i])
    if op == "linear":  # z = Σ wᵢ·xᵢ + b: ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1
        if i == len(ps) - 1:
            return 1.0, []
        return times(ps[i + 1] if i % 2 == 0 else ps[i - 1])
    if op == "/" and i == 0:  # ∂(a/b)/∂a = 1/b: a number when b is one
        b = ps[1]
        return (1.0 / b.data, []) if b.is_constant else _declared(node, i)
    if op == "**" and ps[1].is_constant and i == 0:  # ∂(a^k)/∂a = k·a^(k−1)
        a, k = ps[0], ps[1].data
        if k - 1.0 == 0.0:
            return k, []
        if k - 1.0 == 1.0:
            return k, [("{0}", (a,))]
        return k, [("{0}^" + num(k - 1.0), (a,))]
    if op in ("/", "**", "exp", "log", "tanh", "sigmoid"):  # (e^a)' = e^a, σ' = σ·(1 − σ), …
        return _declared(node, i)
    if op == "relu":  # 1 for a > 0, else 0
        return (1.0 if ps[0].data > 0.0 else 0.0), []
    return None


_PLACEHOLDER = re.compile(r"\{(out|a|b)\}")


def _declared(node: Value, i: int) -> tuple[float, list[Term]] | None:
    """∂node/∂(parent i) from the formula declared beside the operation's rule in the
    engine (``autograd.display``): ``{out}·(1 − {out})`` for a sigmoid."""
    shown = display(node.op)
    form = shown.local[i] if shown is not None and i < len(shown.local) else None
    if form is None:
        return None
    coef = 1.0
    if form.startswith(MINUS):
        coef, form = -1.0, form[1:]
    ps = node.parents
    by_name: dict[str, Value] = {"out": node, "a": ps[0]}
    if len(ps) > 1:
        by_name["b"] = ps[1]
    nodes: list[Value] = []

    def index(m: re.Match) -> str:
        v = by_name[m.group(1)]
        if v not in nodes:
            nodes.append(v)
        return "{" + str(nodes.index(v)) + "}"

    return coef, [(_PLACEHOLDER.sub(index, form), tuple(nodes))]


def _route_form(route: Sequence[tuple[Value, int]]) -> tuple[float, list[Term]] | None:
    coef, terms = 1.0, []
    for node, i in route:
        form = _edge_form(node, i)
        if form is None:
            return None
        coef *= form[0]
        terms.extend(form[1])
    if coef < 0.0:
        # −(a − b) reads better as (b − a): the textbook's ∂L/∂ŷ = (ŷ − y)
        for k, (tpl, nodes) in enumerate(terms):
            if tpl == "{0}" and nodes[0].name is None and nodes[0].op == "-":
                a, b = nodes[0].parents
                terms[k] = ("({1} − {0})", (a, b))
                coef = -coef
                break
    return coef, terms


def _fill(tpl: str, nodes: tuple[Value, ...], numeric: bool, digits: int, alone: bool) -> str:
    parts = []
    for v in nodes:
        text, prec = _render(v, numeric, digits)
        if prec < _PREC_ATOM and not (alone and tpl == "{0}"):
            text = f"({text})"
        parts.append(text)
    out = tpl.format(*parts)
    if alone and tpl.startswith("(") and tpl.endswith(")") and tpl.count("(") == 1:
        out = out[1:-1]
    return out


def _form_text(coef: float, terms: list[Term], numeric: bool, digits: int) -> str:
    if not terms:
        return num(coef, digits)
    alone = len(terms) == 1 and coef == 1.0
    body = "·".join(_fill(t, n, numeric, digits, alone) for t, n in terms)
    if coef == 1.0:
        return body
    if coef == -1.0:
        return f"−{body}" if len(terms) == 1 and not body.startswith(MINUS) else f"−1·{body}"
    c = num(coef, digits)
    return f"({c})·{body}" if c.startswith(MINUS) else f"{c}·{body}"


# --- the derivation ----------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """∂upper/∂lower through unnamed nodes only, with its forms (None: no simple form)."""

    upper: Value
    lower: Value
    value: float
    routes: tuple[tuple[tuple[Value, int], ...], ...] | None  # None: too many to list
    #: hidden node -> the identity node (alias) whose name the forms use for it
    aliases: Mapping[Value, Value] = field(default_factory=dict, compare=False, repr=False)

    def symbolic(self, digits: int = DEFAULT_DIGITS) -> tuple[str, str] | None:
        """(form over names, the same form with the numbers put in), or None."""
        if not self.routes or len(self.routes) > _ROUTES_MAX:
            return None
        routes: list[tuple[float, list[Term]]] = []
        for r in self.routes:
            form = _route_form(r)
            if form is None:
                return None
            routes.append(form)
        if self.aliases:  # a_out written as its alias y_hat: ŷ·(1 − ŷ)
            routes = [(c, [(tpl, tuple(self.aliases.get(v, v) for v in nodes))
                           for tpl, nodes in terms]) for c, terms in routes]
        # routes with the same terms add up: x·x gives x + x = 2·x
        merged: dict[tuple, float] = {}
        for coef, terms in routes:
            key = tuple(terms)
            merged[key] = merged.get(key, 0.0) + coef
        forms = [(coef, list(key)) for key, coef in merged.items()]
        try:
            names = " + ".join(_form_text(c, t, False, digits) for c, t in forms)
            numbers = " + ".join(_form_text(c, t, True, digits) for c, t in forms)
        except _TooDeep:
            return None
        if len(names) > _SYMBOLIC_MAX:
            return None
        return names, numbers


@dataclass(frozen=True)
class Path:
    """One path from the loss down to the target: its stations and factors."""

    stations: tuple[Value, ...]
    factors: tuple[Factor, ...]

    @property
    def product(self) -> float:
        p = 1.0
        for f in self.factors:
            p *= f.value
        return p


@dataclass
class Derivation:
    """Everything needed to write out ∂root/∂target."""

    root: Value
    target: Value
    n_paths: int  # the number of station paths from root down to target
    max_paths: int
    paths: list[Path] | None  # None past max_paths
    stations: list[Value]  # on the way from root to target, from the loss down
    deltas: dict[Value, float]  # ∂root/∂station for every station on the way
    above: dict[Value, list[Factor]] = field(default_factory=dict)  # factors into each station
    below: dict[Value, list[Factor]] = field(default_factory=dict)  # factors out of each station
    #: a node hidden behind its alias -> the alias station (∂root/∂node = ∂root/∂alias)
    hidden: dict[Value, Value] = field(default_factory=dict)

    def chain(self, upper: Value, lower: Value) -> list[Factor] | None:
        """The factors of the first path from station ``upper`` down to ``lower``."""
        # depth first, each station once, as the walk reaches it; the way back is
        # kept as links (station -> the factor it was reached by): linear work
        came_by: dict[Value, Factor | None] = {}
        stack: list[tuple[Value, Factor | None]] = [(upper, None)]
        while stack:
            s, by = stack.pop()
            if s in came_by:
                continue
            came_by[s] = by
            if s is lower:
                factors: list[Factor] = []
                while (f := came_by[s]) is not None:
                    factors.append(f)
                    s = f.upper
                return factors[::-1]
            for f in reversed(self.below.get(s, [])):
                stack.append((f.lower, f))
        return None

    def reachable(self, start: Value, down: bool = True) -> set[Value]:
        """The stations below ``start`` (``down``) or above it, ``start`` included."""
        links = self.below if down else self.above
        seen, todo = {start}, [start]
        while todo:
            for f in links.get(todo.pop(), []):
                nxt = f.lower if down else f.upper
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    @property
    def gradient(self) -> float:
        """∂root/∂target: the sum over paths (or the backpropagated δ past the limit)."""
        if self.target is self.root:
            return 1.0
        if self.paths is not None:
            total = 0.0
            for p in self.paths:
                total += p.product
            return total
        return self.deltas.get(self.target, 0.0)


def derive(root: Value, target: Value, max_paths: int = DEFAULT_MAX_PATHS) -> Derivation:
    """The chain-rule derivation of ∂root/∂target over the named stations."""
    if not isinstance(root, Value) or not isinstance(target, Value):
        raise TypeError("derive() needs a root Value and a target Value")
    order = topological_order(root)
    index = {v: k for k, v in enumerate(order)}
    if target not in index:  # root does not depend on target
        return Derivation(root, target, 0, max_paths, [], [], {})

    # reach[v]: v depends on target (target is v or one of its ancestors)
    reach: dict[Value, bool] = {}
    for v in order:
        reach[v] = v is target or any(reach[p] for p in v.parents)

    # an identity node (a one-parent sum: a file's alias y_hat = "a_out") is one
    # station with its parent: the parent is hidden when the alias is its only
    # consumer, and the factor below the alias is written in the alias's name
    consumers: dict[Value, int] = {}
    for v in order:
        for p in v.parents:
            consumers[p] = consumers.get(p, 0) + 1
    hidden: dict[Value, Value] = {}  # parent -> the alias that names it
    for v in reversed(order):
        if v.op in ("+", "sum") and len(v.parents) == 1 and reach[v] \
                and (v.name is not None or v in hidden.values() or v is root):
            p = v.parents[0]
            if consumers.get(p, 0) == 1 and p is not target and reach[p]:
                hidden[p] = hidden.get(v, v)
    for v in list(hidden):  # chains of aliases: the topmost name
        top = hidden[v]
        while top in hidden:
            top = hidden[top]
        hidden[v] = top

    def is_station(v: Value) -> bool:
        return v is target or v is root or (v.name is not None and reach[v]
                                             and v not in hidden)

    def collapse(upper: Value) -> list[Factor]:
        """The factors from ``upper`` to the stations just below it."""
        # A route is kept as a linked cell ((node, i), the cell before it) and
        # written out as a tuple only at a station: each step is O(1), not a
        # copy of the route so far (which made long unnamed chains quadratic).
        acc: dict[Value, float] = {upper: 1.0}
        routes: dict[Value, list | None] = {upper: [None]}
        found: dict[Value, float] = {}
        found_routes: dict[Value, list | None] = {}
        heap = [-index[upper]]
        queued = {upper}
        while heap:
            node = order[-heapq.heappop(heap)]
            g, rs = acc.pop(node), routes.pop(node)
            for i, (p, d) in enumerate(zip(node.parents, node.local_grads())):
                if not reach[p]:
                    continue
                new = None if rs is None else [((node, i), r) for r in rs]
                into, into_routes = (found, found_routes) if is_station(p) else (acc, routes)
                into[p] = into.get(p, 0.0) + g * d
                if p in into_routes:
                    old = into_routes[p]
                    into_routes[p] = None if old is None or new is None else old + new
                else:
                    into_routes[p] = new
                kept = into_routes[p]
                if kept is not None and len(kept) > 64:
                    into_routes[p] = None
                if not is_station(p) and p not in queued:
                    queued.add(p)
                    heapq.heappush(heap, -index[p])
        below = sorted(found, key=index.__getitem__)

        def written(cells: list) -> tuple:  # in the order the expression is written
            routes = [tuple(_unlink(c)) for c in cells]
            return tuple(sorted(routes, key=lambda r: tuple(i for _, i in r)))

        return [Factor(upper, s, found[s], None if (cells := found_routes[s]) is None
                       else written(cells), hidden)
                for s in below]

    # the station graph, from the root down
    children: dict[Value, list[Factor]] = {}
    todo, seen = [root], {root}
    while todo:
        s = todo.pop()
        if s is target:
            children[s] = []
            continue
        children[s] = collapse(s)
        for f in children[s]:
            if f.lower not in seen:
                seen.add(f.lower)
                todo.append(f.lower)
    # from the loss down: by the longest distance from the root, then graph order
    level: dict[Value, int] = {root: 0}
    for s in sorted(seen, key=index.__getitem__, reverse=True):
        for f in children[s]:
            level[f.lower] = max(level.get(f.lower, 0), level[s] + 1)
    stations = sorted(seen, key=lambda v: (level[v], index[v]))

    # number of paths from each station down to the target
    count: dict[Value, int] = {}
    for s in reversed(stations):
        count[s] = 1 if s is target else sum(count[f.lower] for f in children[s])
    n_paths = count[root]

    # δ_S = Σ over stations U just above S of δ_U · ∂U/∂S
    above: dict[Value, list[Factor]] = {s: [] for s in stations}
    for s in stations:
        for f in children[s]:
            above[f.lower].append(f)
    deltas: dict[Value, float] = {}
    for s in stations:
        if s is root:
            deltas[s] = 1.0
        else:
            total = 0.0
            for f in above[s]:
                total += deltas[f.upper] * f.value
            deltas[s] = total

    paths: list[Path] | None = None
    if n_paths <= max_paths:
        paths = []
        # depth first, first child first: paths in graph order; the factors so
        # far are a linked cell (factor, the cell before), written out at the target
        stack: list[tuple[Value, Any]] = [(root, None)]
        while stack:
            s, trail = stack.pop()
            if s is target:
                factors = tuple(_unlink(trail))
                paths.append(Path((root, *(f.lower for f in factors)), factors))
                continue
            for f in reversed(children[s]):
                stack.append((f.lower, (f, trail)))
    return Derivation(root, target, n_paths, max_paths, paths, stations, deltas, above,
                      {s: children[s] for s in stations},
                      {p: a for p, a in hidden.items() if a in deltas})


def _unlink(cell: Any) -> list:
    """The items of a linked cell (item, the cell before it), first item first."""
    items = []
    while cell is not None:
        item, cell = cell
        items.append(item)
    items.reverse()
    return items


# --- hand values along the chain -------------------------------------------------


@dataclass(frozen=True)
class HandPoint:
    """One hand value on the chain, judged against the engine."""

    station: Value
    kind: str  # "grad" (∂loss/∂S) or "delta" (δ = −∂loss/∂S)
    hand: Any  # a HandNumber (value, text)
    engine: float
    verdict: str  # "exact" | "close" | "wrong"
    node: Value | None = None  # the node the hand value names, when an alias hides it

    @property
    def named(self) -> Value:
        return self.node if self.node is not None else self.station


def hand_points(d: Derivation, grads: Mapping[str, Any] | None = None,
                deltas: Mapping[str, Any] | None = None, rtol: float = 0.01) -> list[HandPoint]:
    """The hand values given for the stations on the way, from the loss down."""
    from .verdicts import judge

    points = []
    behind: dict[Value, list[Value]] = {}
    for node, alias in d.hidden.items():
        behind.setdefault(alias, []).append(node)
    for s in d.stations:
        g = d.deltas.get(s, 0.0)
        for v in [s, *behind.get(s, [])]:  # an alias and the node it names: one gradient
            if v.name is None:
                continue
            for kind, table, engine in (("grad", grads, g), ("delta", deltas, -g)):
                if table and v.name in table:
                    hand = table[v.name]
                    points.append(HandPoint(s, kind, hand, engine, judge(hand, engine, rtol),
                                            None if v is s else v))
    return points


def first_disagreement(points: Sequence[HandPoint]) -> HandPoint | None:
    """The first hand value, from the loss down, that the engine calls wrong."""
    return next((p for p in points if p.verdict == "wrong"), None)

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
products); otherwise the number alone.  Negative numbers take the minus sign
U+2212, as the formulas do (``1 − a``).  Engine API only; the hand-value
comparison uses ``verdicts.judge``.
"""

from __future__ import annotations

import heapq
import math
import textwrap
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from autograd import Value, topological_order

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
    if op == "/":
        a, b = ps
        if i == 0:  # ∂(a/b)/∂a = 1/b
            return (1.0 / b.data, []) if b.is_constant else (1.0, [("1/{0}", (b,))])
        return -1.0, [("{0}/{1}²", (a, b))]  # ∂(a/b)/∂b = −a/b²
    if op == "**":
        a, b = ps
        if b.is_constant and i == 0:  # ∂(a^k)/∂a = k·a^(k−1)
            k = b.data
            if k - 1.0 == 0.0:
                return k, []
            if k - 1.0 == 1.0:
                return k, [("{0}", (a,))]
            return k, [("{0}^" + num(k - 1.0), (a,))]
        if i == 0:
            return 1.0, [("{1}·{0}^({1} − 1)", (a, b))]
        return 1.0, [("{2}·ln {0}", (a, b, node))]
    if op == "exp":  # (e^a)' = e^a
        return 1.0, [("{0}", (node,))]
    if op == "log":  # (ln a)' = 1/a
        return 1.0, [("1/{0}", (ps[0],))]
    if op == "tanh":  # tanh' = 1 − tanh²
        return 1.0, [("(1 − {0}²)", (node,))]
    if op == "sigmoid":  # σ' = σ·(1 − σ)
        return 1.0, [("{0}·(1 − {0})", (node,))]
    if op == "relu":  # 1 for a > 0, else 0
        return (1.0 if ps[0].data > 0.0 else 0.0), []
    return None


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

    def symbolic(self, digits: int = DEFAULT_DIGITS) -> tuple[str, str] | None:
        """(form over names, the same form with the numbers put in), or None."""
        if not self.routes or len(self.routes) > _ROUTES_MAX:
            return None
        routes = [_route_form(r) for r in self.routes]
        if any(f is None for f in routes):
            return None
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

    def is_station(v: Value) -> bool:
        return v is target or v is root or (v.name is not None and reach[v])

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
                if into_routes[p] is not None and len(into_routes[p]) > 64:
                    into_routes[p] = None
                if not is_station(p) and p not in queued:
                    queued.add(p)
                    heapq.heappush(heap, -index[p])
        below = sorted(found, key=index.__getitem__)

        def written(cells: list) -> tuple:  # in the order the expression is written
            routes = [tuple(_unlink(c)) for c in cells]
            return tuple(sorted(routes, key=lambda r: tuple(i for _, i in r)))

        return [Factor(upper, s, found[s],
                       None if found_routes[s] is None else written(found_routes[s]))
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
                      {s: children[s] for s in stations})


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


def hand_points(d: Derivation, grads: Mapping[str, Any] | None = None,
                deltas: Mapping[str, Any] | None = None, rtol: float = 0.01) -> list[HandPoint]:
    """The hand values given for the stations on the way, from the loss down."""
    from .verdicts import judge

    points = []
    for s in d.stations:
        if s.name is None:
            continue
        g = d.deltas.get(s, 0.0)
        for kind, table, engine in (("grad", grads, g), ("delta", deltas, -g)):
            if table and s.name in table:
                hand = table[s.name]
                points.append(HandPoint(s, kind, hand, engine, judge(hand, engine, rtol)))
    return points


def first_disagreement(points: Sequence[HandPoint]) -> HandPoint | None:
    """The first hand value, from the loss down, that the engine calls wrong."""
    return next((p for p in points if p.verdict == "wrong"), None)


# --- writing it out -----------------------------------------------------------------


def _d(root: Value, v: Value) -> str:
    return f"∂{label(root, 'L')}/∂{label(v, 'x')}"


def _approx(value: float, digits: int) -> str:
    return ("= " if is_exact(value, digits) else "≈ ") + num(value, digits)


def _operand(x: float, digits: int) -> str:
    s = num(x, digits)
    return f"({s})" if s.startswith(MINUS) else s


def _wrap(first: str, pieces: Sequence[str], sep: str, tail: str, indent: int,
          width: int = WIDTH) -> list[str]:
    """``first`` + pieces joined by ``sep`` + ``tail``, broken at the separators."""
    lines, line = [], first
    for k, piece in enumerate(pieces):
        chunk = piece if k == 0 else sep + piece
        if k > 0 and len(line) + len(chunk) > width:
            lines.append(line + sep.rstrip())
            line = " " * indent + piece
        else:
            line += chunk
    if len(line) + len(tail) > width:
        lines.append(line)
        line = " " * indent + tail.lstrip()
    else:
        line += tail
    lines.append(line)
    return lines


def _factor_lines(f: Factor, root: Value, pad: int, digits: int, indent: str) -> list[str]:
    """'∂a_out/∂z_out = a_out·(1 − a_out) = 0.7514·(1 − 0.7514) ≈ 0.1868'."""
    head = f"{indent}∂{label(f.upper, 'L')}/∂{label(f.lower, 'x')}".ljust(pad)
    value = num(f.value, digits)
    parts: list[str] = []
    forms = f.symbolic(digits)
    if forms is not None:
        names, numbers = forms
        if names != value:
            parts.append(names)
            if numbers not in (names, value):
                parts.append(numbers)
    final = _approx(f.value, digits)
    text = head + " " + final if not parts else head + " = " + " = ".join(parts) + " " + final
    if len(text) > WIDTH and len(parts) == 2:  # drop the numbers put in
        text = head + " = " + parts[0] + " " + final
    if len(text) > WIDTH:
        text = head + " " + final
    return [text]


def _path_title(p: Path) -> str:
    return " → ".join(label(s, "L") for s in p.stations)


def _hand_text(p: HandPoint, digits: int) -> str:
    return minus(visible(getattr(p.hand, "text", None) or fmt(p.hand.value, digits)))


def _point_name(d: Derivation, p: HandPoint) -> str:
    return _d(d.root, p.station) if p.kind == "grad" else f"δ {label(p.station)}"


def _pointer(d: Derivation, points: Sequence[HandPoint], first: HandPoint,
             digits: int) -> list[str]:
    """Where the first wrong hand value comes from: the steps between it and the
    nearest hand value above it that agrees (or the loss)."""
    out: list[str] = [""]
    msg = (f"The first hand value that disagrees, from the loss down, is "
           f"{_point_name(d, first)} (hand {_hand_text(first, digits)}, engine "
           f"{num(first.engine, digits)}).")
    order = {s: k for k, s in enumerate(d.stations)}
    ancestors = d.reachable(first.station, down=False)
    descendants = d.reachable(first.station, down=True)
    good = [p for p in points if p.verdict != "wrong" and p.station is not first.station
            and p.station in ancestors]
    good.sort(key=lambda p: order[p.station])
    upper = good[-1].station if good else d.root
    steps = d.chain(upper, first.station) or []
    if good:
        msg += (f" The hand value above it, {_point_name(d, good[-1])}, agrees, so the "
                f"slip is in the step{'s' if len(steps) != 1 else ''} between them:")
    else:
        msg += (" No hand value above it agrees or is given, so check every step from "
                f"{label(d.root, 'L')} down to it:")
    out += textwrap.wrap(msg, WIDTH)
    pad = 4 + max((len(f"∂{label(f.upper, 'L')}/∂{label(f.lower, 'x')}") for f in steps),
                  default=0)
    for f in steps:
        out += _factor_lines(f, d.root, pad, digits, "    ")
    below = [p for p in points if order[p.station] > order[first.station]
             and p.station in descendants]
    if below:
        wrong = [_point_name(d, p) for p in below if p.verdict == "wrong"]
        if wrong:
            out += textwrap.wrap(
                f"The wrong hand value{'s' if len(wrong) > 1 else ''} below it "
                f"({', '.join(wrong)}) may only carry this slip down.", WIDTH)
        else:
            out.append("The hand values below it agree again.")
    return out


def render(d: Derivation, digits: int = DEFAULT_DIGITS, points: Sequence[HandPoint] = (),
           engine_grad: float | None = None) -> str:
    """The derivation as plain text, at most 80 columns wide (long names aside)."""
    root, target = d.root, d.target
    name_r, name_t = label(root, "L"), label(target, "x")
    whole = _d(root, target)
    out: list[str] = []
    if target is root:
        out.append(f"{whole} = 1: the loss itself, where the backward pass starts.")
        return "\n".join(out) + "\n"
    if d.n_paths == 0:
        out += textwrap.wrap(
            f"{name_r} does not depend on {name_t}: no path leads from {name_r} down "
            f"to {name_t}, so {whole} = 0.", WIDTH)
        return "\n".join(out) + "\n"

    n = d.n_paths
    if d.paths is not None:
        if n == 1:
            out.append(f"{whole} by the chain rule: 1 path from {name_r} down to {name_t}.")
        else:
            out += textwrap.wrap(
                f"{whole} by the chain rule: {n} paths lead from {name_r} down to "
                f"{name_t}, so the gradient is the sum of the {n} path products.", WIDTH)
        for k, p in enumerate(d.paths, 1):
            out.append("")
            title = f"Path {k}: " if n > 1 else ""
            out += textwrap.wrap(title + _path_title(p), WIDTH, subsequent_indent="    ",
                                 break_on_hyphens=False)
            chain = [f"∂{label(f.upper, 'L')}/∂{label(f.lower, 'x')}" for f in p.factors]
            if len(chain) > 1:
                out += _wrap(f"  {whole} = " if n == 1 else f"  {whole} (path {k}) = ",
                             chain, " · ", "", 6)
            pad = 2 + max(len(f"∂{label(f.upper, 'L')}/∂{label(f.lower, 'x')}") for f in p.factors) + 2
            for f in p.factors:
                out += _factor_lines(f, root, pad, digits, "    ")
            if len(p.factors) > 1:
                nums = [_operand(f.value, digits) for f in p.factors]
                word = "  product" if n > 1 else f"  {whole}"
                out += _wrap(f"{word} = ", nums, " · ", f" {_approx(p.product, digits)}", 6)
        if n > 1:
            out.append("")
            out.append(f"Sum over the {n} paths:")
            nums = [_operand(p.product, digits) for p in d.paths]
            out += _wrap(f"  {whole} = ", nums, " + ", f" {_approx(d.gradient, digits)}", 6)
    else:
        out += textwrap.wrap(
            f"{whole}: {n} paths lead from {name_r} down to {name_t}, more than the "
            f"limit of {d.max_paths}, so instead of every path here is the "
            f"backpropagated δ = ∂{name_r}/∂node of each node on the way, from the "
            f"loss down; each is the sum, over the nodes just above it, of their δ "
            f"times the local derivative.", WIDTH)
        out.append("")
        for s in d.stations:
            if s is root:
                out.append(f"  {_d(root, s)} = 1")
                continue
            fs = d.above[s]
            head = f"  {_d(root, s)} = "
            if len(fs) == 1 and fs[0].upper is root:  # δ is the local derivative itself
                out += _factor_lines(fs[0], root, 0, digits, "  ")
            elif len(fs) <= 4:
                terms = [f"{_d(root, f.upper)} · ∂{label(f.upper, 'L')}/∂{label(s, 'x')}"
                         for f in fs]
                nums = [f"{_operand(d.deltas[f.upper], digits)} · {_operand(f.value, digits)}"
                        for f in fs]
                one = head + " + ".join(terms) + " = " + " + ".join(nums) + " " + \
                    _approx(d.deltas[s], digits)
                if len(one) <= WIDTH:
                    out.append(one)
                else:
                    out += _wrap(head, terms, " + ", "", 6)
                    out += _wrap("      = ", nums, " + ", f" {_approx(d.deltas[s], digits)}", 6)
            else:
                out.append(f"{head}the sum of {len(fs)} terms δ·(local derivative) "
                           f"{_approx(d.deltas[s], digits)}")

    if engine_grad is not None:
        diff = abs(d.gradient - engine_grad)
        agree = diff <= 1e-9 * max(1.0, abs(engine_grad))
        out.append("")
        out.append(f"The engine's backward pass gives {whole} = {num(engine_grad, digits)}"
                   + (" (the same)." if agree else f", not the same (difference {minus(f'{diff:.3g}')})."))

    if points:
        out.append("")
        out.append("Hand values along the chain, from the loss down:")
        rows = []
        for p in points:
            what = (_d(root, p.station) if p.kind == "grad"
                    else f"δ {label(p.station)} = −{_d(root, p.station)}")
            rows.append((what, _hand_text(p, digits), num(p.engine, digits), p.verdict))
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows + [("", "hand")])
        w2 = max(len(r[2]) for r in rows + [("", "", "engine")])
        out.append(f"  {'':<{w0}}  {'hand':>{w1}}  {'engine':>{w2}}  verdict")
        for what, hand, eng, verdict in rows:
            out.append(f"  {what:<{w0}}  {hand:>{w1}}  {eng:>{w2}}  {verdict}")
        first = first_disagreement(points)
        if first is not None:
            out += _pointer(d, points, first, digits)
    return "\n".join(out) + "\n"

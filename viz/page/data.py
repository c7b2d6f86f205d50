"""What the interactive page shows, as plain data (JSON for its script).

``page_data`` walks one graph and gives:

* ``nodes``: every *station* (a named node, the root, every leaf that is not a
  constant; in a graph with no names at all, every non-constant node) with its
  value, gradient and its DOT ids in both drawings (``ComputationGraph.node_id``:
  ``n<topological index>``, ``o<index>`` for the operation that made it);
* ``steps``: the forward pass station by station (formula, operands, value),
  the loss, the backward pass station by station (∂L/∂S = Σ over the stations
  U just above S of ∂L/∂U · ∂U/∂S, the factors taken through unnamed nodes
  only), then one update per parameter (p ← p − lr·∂L/∂p);
* ``checks``: every expected number of a worked-example file with the engine's
  value as its repr and its exact decimal expansion (``Decimal(x)``), which the
  page's judge compares digit by digit, as ``verdicts.judge`` does;
* ``derivations``: each named station's chain-rule derivation
  (``derive`` + ``views.explain.derivation_blocks``) as MathML HTML, LaTeX and
  Markdown.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any
from collections.abc import Iterable

from autograd import Value, display, grad as engine_grad, topological_order

from ..handcheck import derive as dm
from ..handcheck import verdicts as checker
from ..numbers import fmt
from ..report import Report
from ..report import html as html_writer
from ..safe import visible
from ..views.explain import derivation_blocks

#: verdicts.Verdict.kind -> the kind as the files write it (data-hand="grads.w5")
KINDS = {"value": "values", "grad": "grads", "delta": "deltas", "updated": "updated",
         "epoch": "epochs", "local": "local", "step": "steps"}
MAX_STATIONS = 400  # the page derives every station: bounded work
MINUS = "\u2212"


def exact(x: float) -> str:
    """A float's exact decimal value (Python's ``Decimal(x)``), or inf/-inf/nan."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return str(Decimal(x))


def shown(x: float, digits: int) -> str:
    return fmt(x, digits).replace("-", MINUS)


class _Graph:
    """One graph's stations and the factors between them."""

    def __init__(self, root: Value, params: Iterable[Value] | None) -> None:
        self.root = root
        self.order = topological_order(root)
        self.index = {v: i for i, v in enumerate(self.order)}
        named = any(v.name is not None for v in self.order if v.parents)
        self.stations = [v for v in self.order if not v.is_constant and (
            v is root or v.is_leaf or v.name is not None or not named)]
        if len(self.stations) > MAX_STATIONS:
            raise ValueError(f"the graph has {len(self.stations)} named nodes and leaves, more "
                             f"than the page's limit of {MAX_STATIONS}")
        self.is_station = set(self.stations)
        self.params = set(params) if params is not None else None
        self.below = {s: self._collapse(s) for s in self.stations if s.parents}
        self.above: dict[Value, list[tuple[Value, float]]] = {s: [] for s in self.stations}
        for u, factors in self.below.items():
            for s, f in factors:
                self.above[s].append((u, f))

    def _collapse(self, upper: Value) -> list[tuple[Value, float]]:
        """∂upper/∂S for each station S just below ``upper``, through unnamed nodes."""
        acc: dict[Value, float] = {upper: 1.0}
        found: dict[Value, float] = {}
        todo = [upper]
        seen = {upper}
        while todo:  # highest topological index first: every route into a node is in
            todo.sort(key=self.index.__getitem__)
            node = todo.pop()
            g = acc.pop(node)
            for p, d in zip(node.parents, node.local_grads()):
                if p.is_constant:
                    continue
                if p in self.is_station:
                    found[p] = found.get(p, 0.0) + g * d
                else:
                    acc[p] = acc.get(p, 0.0) + g * d
                    if p not in seen:
                        seen.add(p)
                        todo.append(p)
        return sorted(found.items(), key=lambda kv: self.index[kv[0]])

    def label(self, v: Value) -> str:
        return visible(v.name) if v.name is not None else f"n{self.index[v]}"

    def expression(self, v: Value, depth: int = 0) -> str:
        """The formula of a station over the stations below it."""
        parts = [self._term(p, depth + 1) for p in v.parents]
        op = v.op or ""
        shown_op = display(op)
        fn = shown_op.function if shown_op is not None else None
        if op == "sum" and len(parts) == 1:
            return parts[0]
        if op in ("+", "sum"):
            return " + ".join(parts)
        if op == "linear":
            pairs = [f"{parts[i]}·{parts[i + 1]}" for i in range(0, len(parts) - 1, 2)]
            return " + ".join(pairs + [parts[-1]])
        if op == "-":
            return f"{parts[0]} − {parts[1]}"
        if op == "*":
            return f"{parts[0]}·{parts[1]}"
        if op == "/":
            return f"{parts[0]}/{parts[1]}"
        if op == "**":
            return f"{parts[0]}^{parts[1]}"
        if op == "neg":
            return f"−{parts[0]}"
        if fn:
            return f"{fn}({', '.join(parts)})"
        return f"{op}({', '.join(parts)})"

    def _term(self, p: Value, depth: int) -> str:
        if p.is_constant:
            return shown(p.data, 6)
        if p in self.is_station:
            return self.label(p)
        if depth > 6:
            return "…"
        inner = self.expression(p, depth)
        return f"({inner})" if p.op in ("+", "-", "sum", "linear") else inner

    def kind(self, v: Value) -> str:
        if v is self.root:
            return "output"
        if v.parents:
            return "node"
        if self.params is not None:
            return "param" if v in self.params else "input"
        name = (v.name or "").rsplit(".", 1)[-1]
        return "param" if name[:1] in ("w", "b", "W") and name[1:].lstrip("_").isdigit() \
            or name in ("w", "b") else "input"


def page_data(root: Value, *, example: Any = None, title: str = "", source: str = "",
              params: Iterable[Value] | None = None, lr: float | None = None,
              rtol: float = checker.worked.DEFAULT_RTOL, digits: int = 6,
              ids: dict[str, Any] | None = None, derivations: bool = True,
              backward: bool = True) -> dict[str, Any]:
    """Everything the page's script needs, as JSON-ready data.

    ``ids``: view name -> ``ComputationGraph`` of the drawings, whose
    ``node_id``/``op_id`` give each station's SVG element.
    ``example``: a worked example (``viz.worked.Example``), whose expected numbers
    become the page's checks and whose formulas the forward steps show.
    ``backward``: step through the backward pass and the update too (not for a
    file without a loss, whose root is just its last node).
    """
    g = _Graph(root, params)
    grads = engine_grad(root, list(g.stations))  # .grad untouched
    grad_of = {s: float(x) for s, x in zip(g.stations, grads)}
    number = {s: k for k, s in enumerate(g.stations)}
    ids = ids or {}

    def view_ids(s: Value) -> dict[str, list[str]]:
        out = {}
        for view, graph in ids.items():
            found = []
            try:
                found.append(graph.node_id(s))
                if graph.neurons is None and s.parents:
                    found.append(graph.op_id(s))
            except ValueError:
                pass
            out[view] = found
        return out

    nodes = []
    for s in g.stations:
        nodes.append({
            "name": g.label(s), "kind": g.kind(s), "index": g.index[s],
            "data": repr(s.data), "grad": repr(grad_of[s]),
            "data_shown": shown(s.data, digits), "grad_shown": shown(grad_of[s], digits),
            "ids": view_ids(s),
        })

    formulas = dict(example.nodes) if example is not None else {}
    steps: list[dict[str, Any]] = []
    for s in g.stations:  # the forward pass, in topological order
        if not s.parents:
            continue
        name = g.label(s)
        operands = [{"node": number[p], "name": g.label(p), "value": shown(p.data, digits)}
                    for p, _ in g.below[s]]
        formula = formulas.get(s.name) if s.name is not None else None
        steps.append({
            "phase": "loss" if s is root and backward else "forward", "node": number[s], "name": name,
            "formula": f"{name} = {formula if formula else g.expression(s)}",
            "operands": operands, "result": shown(s.data, digits),
        })
    for s in reversed(g.stations if backward else []):  # the backward pass, from the loss down
        if s is root:
            continue
        terms = [{"node": number[u], "name": g.label(u), "grad": shown(grad_of[u], digits),
                  "local": shown(f, digits), "local_value": repr(f)} for u, f in g.above[s]]
        step = {"phase": "backward", "node": number[s], "name": g.label(s), "terms": terms,
                "result": shown(grad_of[s], digits)}
        if example is not None and s.name in example.expect_deltas:
            step["delta"] = shown(-grad_of[s], digits)  # δ = −∂L/∂z, as the file writes it
        steps.append(step)
    if lr is not None and backward:
        for s in g.stations:
            if g.kind(s) == "param":
                new = s.data - lr * grad_of[s]
                steps.append({"phase": "update", "node": number[s], "name": g.label(s),
                              "old": shown(s.data, digits), "lr": shown(lr, digits),
                              "grad": shown(grad_of[s], digits), "result": shown(new, digits)})

    checks = []
    by_name = {s.name: number[s] for s in g.stations if s.name is not None}
    if example is not None:
        for v in checker.check(example):
            kind = KINDS.get(v.kind, v.kind)
            key = f"{kind}.{v.epoch}.{v.name}" if v.kind == "epoch" else f"{kind}.{v.name}"
            check = {"key": key, "quantity": v.quantity, "hand": v.hand.text,
                     "engine": repr(v.engine), "exact": exact(v.engine),
                     "engine_shown": shown(v.engine, digits), "node": by_name.get(v.name)}
            if v.kind == "arithmetic":  # exact or wrong, as the checker says: no slack
                check["rtol"] = "0"
            checks.append(check)
    else:  # a graph from Python: every named node's value and gradient, nothing filled in
        for s in g.stations:
            if s.name is None:
                continue
            for kind, x in (("values", s.data), ("grads", grad_of[s])):
                checks.append({"key": f"{kind}.{s.name}", "quantity": f"{kind[:-1]} {s.name}",
                               "hand": "", "engine": repr(x), "exact": exact(x),
                               "engine_shown": shown(x, digits), "node": number[s]})

    derived: dict[str, dict[str, str]] = {}
    if derivations:
        hand_grads = example.expect_grads if example is not None else {}
        hand_deltas = example.expect_deltas if example is not None else {}
        for s in g.stations:
            derived[str(number[s])] = _derivation(root, s, title, digits, grad_of[s],
                                                  hand_grads, hand_deltas, rtol)

    return {"title": title, "source": source, "rtol": repr(float(rtol)), "digits": digits,
            "root": root.name,
            "lr": None if lr is None else repr(lr), "loss": g.label(root),
            "nodes": nodes, "steps": steps, "checks": checks, "derivations": derived}


def _derivation(root: Value, s: Value, title: str, digits: int, engine: float,
                hand_grads: Any, hand_deltas: Any, rtol: float) -> dict[str, str]:
    """∂root/∂s written out: HTML with MathML, LaTeX, Markdown."""
    dv = dm.derive(root, s)
    points = dm.hand_points(dv, hand_grads, hand_deltas, rtol)
    blocks = derivation_blocks(dv, min(digits, 4), points, engine)
    heading = f"∂{dm.label(root, 'L')}/∂{dm.label(s, 'x')}"
    report = Report("explain", heading, header="none", blocks=list(blocks))
    body = "\n".join(x for x in (html_writer.block(b) for b in blocks) if x)
    return {"title": heading, "html": body, "latex": report.to_latex(),
            "markdown": report.to_markdown()}

"""The hand check from Python: ``compare`` any graph with numbers worked by hand.

::

    result = viz.compare(loss, values={"a_h1": "0.5933"}, grads={"w5": "0.0822"})
    result.ok          # False when any number is wrong
    result.verdicts    # kind, name, hand, engine, verdict for each number

Names are matched by node name (``Value.name``, nn's dotted names included).
A hand number given as a string keeps its written digits ("0.0820" has four
decimals); a float is taken at its shortest repr.  The verdicts are those of
``chainrule check``: the same judge, the same rounding rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from collections.abc import Mapping

from autograd import Value, topological_order

from . import verdicts as checker
from ..worked import HandNumber

DELTA_SIGNS = ("-dloss/dz", "+dloss/dz")


def hand_number(x: Any, what: str) -> HandNumber:
    """A hand value: a string keeps its digits, a number its shortest repr."""
    if isinstance(x, HandNumber):
        return x
    if isinstance(x, bool):
        raise TypeError(f"{what}: a hand value must be a number or a string, got a bool")
    if isinstance(x, str):
        text = x.strip().replace("\u2212", "-")
        if len(text) > 60:
            raise ValueError(f"{what}: a hand value of at most 60 characters, got {len(text)}")
        try:
            d = Decimal(text.replace("_", ""))
        except InvalidOperation:
            raise ValueError(f"{what}: not a number: {x!r}") from None
        value = float(d)
        if not d.is_finite() or math.isinf(value):
            raise ValueError(f"{what}: a hand value must be a finite number, got {x!r}")
        return HandNumber(value, text)
    if isinstance(x, (int, float)) or hasattr(x, "__float__"):
        value = float(x)
        if not math.isfinite(value):
            raise ValueError(f"{what}: a hand value must be a finite number, got {x!r}")
        return HandNumber(value, repr(value) if not isinstance(x, int) else str(int(x)))
    raise TypeError(f"{what}: a hand value must be a number or a string, "
                    f"got {type(x).__name__}")


class Shown:
    """What a report-backed result offers: every format the command writes, and rich
    display in a notebook.  A subclass says what its ``report()`` is."""

    def report(self) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def to_text(self) -> str:
        return self.report().to_text()

    def to_markdown(self) -> str:
        return self.report().to_markdown()

    def to_latex(self, standalone: bool = False) -> str:
        return self.report().to_latex(standalone=standalone)

    def to_html(self) -> str:
        return self.report().to_html()

    def to_json(self) -> str:
        return self.report().to_json()

    def _repr_html_(self) -> str:
        return self.report()._repr_html_()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_text()


@dataclass(frozen=True)
class Comparison(Shown):
    """Every hand number against the engine; displays as the check table."""

    verdicts: list[checker.Verdict]
    title: str = "Hand numbers against the engine"

    @property
    def ok(self) -> bool:
        return not any(v.verdict == checker.WRONG for v in self.verdicts)

    @property
    def summary(self) -> dict[str, int]:
        return checker.summary(self.verdicts)

    def report(self) -> Any:
        from ..views.check import check_report

        r = check_report(self.title, None, self.verdicts)
        r.command = "compare"
        return r


    def __repr__(self) -> str:
        c = self.summary
        return (f"<Comparison: {c['total']} numbers, {c['exact']} exact, {c['close']} close, "
                f"{c['wrong']} wrong>")


def named_nodes(root: Value) -> dict[str, Value]:
    """Every named node the root depends on, by name (the first in topological order
    from the root down wins when two share a name)."""
    out: dict[str, Value] = {}
    for v in reversed(topological_order(root)):
        if v.name is not None and v.name not in out:
            out[v.name] = v
    return out


def compare(root: Value, values: Mapping[str, Any] | None = None,
            grads: Mapping[str, Any] | None = None, deltas: Mapping[str, Any] | None = None,
            updated: Mapping[str, Any] | None = None, lr: float | None = None,
            rtol: float = 0.01, delta: str = "-dloss/dz", title: str | None = None
            ) -> Comparison:
    """Each hand number against the engine's value: exact, close or wrong.

    ``values``: forward values by node name; ``grads``: ∂root/∂name;
    ``deltas``: δ = −∂root/∂name (``delta="+dloss/dz"`` for δ = +∂root/∂name);
    ``updated``: name ← data − lr·grad after one step (needs ``lr``).  The
    gradients come from a ``grad``-style pass that leaves ``.grad`` untouched.
    """
    from autograd import grad as engine_grad

    if delta not in DELTA_SIGNS:
        raise ValueError(f"delta must be one of {', '.join(DELTA_SIGNS)}, got {delta!r}")
    if not (isinstance(rtol, (int, float)) and math.isfinite(rtol) and rtol >= 0):
        raise ValueError(f"rtol must be a finite number >= 0, got {rtol!r}")
    nodes = named_nodes(root)

    def node(kind: str, name: str) -> Value:
        if name not in nodes:
            known = ", ".join(list(nodes)[:12])
            raise KeyError(f"{kind} {name}: no node of that name in the graph "
                           f"(names: {known}{', …' if len(nodes) > 12 else ''})")
        return nodes[name]

    out: list[checker.Verdict] = []
    for name, x in (values or {}).items():
        out.append(checker._verdict("value", name, hand_number(x, f"values[{name!r}]"),
                                    node("value", name).data, rtol))
    wanted = [*(grads or {}), *(deltas or {}), *(updated or {})]
    g: dict[str, float] = {}
    if wanted:
        targets = [node("grad", n) for n in dict.fromkeys(wanted)]
        for n, v in zip(dict.fromkeys(wanted), engine_grad(root, targets)):
            g[n] = float(v)
    for name, x in (grads or {}).items():
        out.append(checker._verdict("grad", name, hand_number(x, f"grads[{name!r}]"),
                                    g[name], rtol))
    sign = -1.0 if delta == "-dloss/dz" else 1.0
    for name, x in (deltas or {}).items():
        out.append(checker._verdict("delta", name, hand_number(x, f"deltas[{name!r}]"),
                                    sign * g[name], rtol))
    if updated:
        if lr is None:
            raise ValueError("updated values need the learning rate: compare(..., lr=...)")
        for name, x in updated.items():
            new = nodes[name].data - lr * g[name]
            out.append(checker._verdict("updated", name, hand_number(x, f"updated[{name!r}]"),
                                        new, rtol))
    return Comparison(out, title or "Hand numbers against the engine")


class Explanation(Shown):
    """The chain-rule derivation of one gradient; displays as math in a notebook."""

    def __init__(self, derivation: Any, digits: int, points: Any, engine_grad: float,
                 title: str = "") -> None:
        self.derivation = derivation
        self.digits = digits
        self.points = points
        self.engine_grad = engine_grad
        self.title = title

    @property
    def gradient(self) -> float:
        """∂root/∂target: the sum over the paths."""
        return float(self.derivation.gradient)

    def report(self) -> Any:
        from ..views.explain import explain_report

        return explain_report(self.derivation, None, self.digits, self.points,
                              self.engine_grad, title=self.title)


    def _repr_latex_(self) -> str:
        """The equations alone, one ``aligned`` block (what a notebook typesets)."""
        from ..report.latex import equation_lines
        from ..report.model import Equations

        lines: list[str] = []
        for b in self.report().blocks:
            if isinstance(b, Equations):
                lines += [ln.rstrip(" \\") for ln in equation_lines(b) if ln.strip()]
        return "$$\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}$$"

    def __repr__(self) -> str:
        d = self.derivation
        return (f"<Explanation of ∂{d.root.name or 'L'}/∂{d.target.name or 'x'}: "
                f"{d.n_paths} path{'s' if d.n_paths != 1 else ''}, gradient {self.gradient!r}>")


class FormExplanation(Explanation):
    """The δ or matrix form of a layered network; displays like ``Explanation``."""

    def __init__(self, kind: str, form: Any, digits: int, title: str = "") -> None:
        self.kind, self.form, self.digits, self.title = kind, form, digits, title

    @property
    def gradient(self) -> float:  # pragma: no cover - a form has no single gradient
        raise AttributeError("a δ or matrix form has no single gradient: see .form")

    def report(self) -> Any:
        from ..views.explain import form_report

        return form_report(self.kind, self.form, None, self.digits, title=self.title)

    def __repr__(self) -> str:
        n = self.form.network
        return (f"<Explanation in the {self.kind} form: {len(n.layers)} layers of "
                f"{', '.join(str(len(layer)) for layer in n.layers)} neurons>")


FORMS = ("paths", "delta", "matrix")


def explain(root: Value, wrt: str | Value | None = None, digits: int = 4,
            grads: Mapping[str, Any] | None = None, deltas: Mapping[str, Any] | None = None,
            rtol: float = 0.01, max_paths: int = 16, form: str = "paths",
            delta: str = "-dloss/dz", lr: float | None = None) -> Explanation:
    """The chain-rule derivation of ∂root/∂wrt, path by path, as an object that
    prints as text and displays as math (``wrt``: a node or a node's name).

    ``grads`` and ``deltas`` are hand values along the chain (as in ``compare``):
    the derivation then points at the first one that disagrees.

    ``form="delta"``: each neuron's error term from the output back (``delta``:
    δ = −∂root/∂z, the textbook's, or ``"+dloss/dz"``), each weight's gradient
    δ·a and, with ``lr``, its update; ``form="matrix"``: each layer's W, x, δ,
    Wᵀδ and ∂E/∂W = δxᵀ.  Both need a layered network (``ValueError`` otherwise)
    and take no ``wrt``.
    """
    from autograd import grad as engine_grad

    from . import derive as dm

    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
    if form != "paths":
        from . import forms

        if delta not in DELTA_SIGNS:
            raise ValueError(f"delta must be one of {', '.join(DELTA_SIGNS)}, got {delta!r}")
        data = forms.delta_form(root, delta, lr) if form == "delta" else \
            forms.matrix_form(root, lr)
        return FormExplanation(form, data, digits)
    if wrt is None:
        raise TypeError("explain() needs wrt=NAME for the paths form")

    target = wrt if isinstance(wrt, Value) else None
    if target is None:
        nodes = named_nodes(root)
        if wrt not in nodes:
            raise KeyError(f"wrt {wrt}: no node of that name in the graph")
        target = nodes[wrt]
    hand_g = {k: hand_number(v, f"grads[{k!r}]") for k, v in (grads or {}).items()}
    hand_d = {k: hand_number(v, f"deltas[{k!r}]") for k, v in (deltas or {}).items()}
    d = dm.derive(root, target, max_paths=max_paths)
    points = dm.hand_points(d, hand_g, hand_d, rtol)
    (g,) = engine_grad(root, [target])
    return Explanation(d, digits, points, float(g))


@dataclass
class Loaded:
    """A worked-example file as a graph and its expectations (``viz.load``)."""

    example: Any  # viz.worked.Example
    nodes: dict[str, Value]  # every input, parameter and node by name

    @property
    def root(self) -> Value:
        """The loss node (the last node when the file has no loss)."""
        ex = self.example
        name = ex.loss if ex.loss is not None else list(ex.nodes)[-1]
        return self.nodes[name]

    @property
    def expect(self) -> dict[str, dict[str, HandNumber]]:
        ex = self.example
        return {"values": dict(ex.expect_values), "grads": dict(ex.expect_grads),
                "deltas": dict(ex.expect_deltas), "updated": dict(ex.expect_updated)}

    def compare(self) -> Comparison:
        """Every number of the file, judged as ``chainrule check`` judges it."""
        return Comparison(checker.check(self.example), self.example.title)


def load(path: Any) -> Loaded:
    """A worked-example file (a path, or a bundled example's name): its graph, built and
    back-propagated, and its expectations."""
    from pathlib import Path

    from .. import worked

    p = Path(path)
    if not p.is_file():
        hits = [f for f in worked.bundled_examples() if f.stem.startswith(str(path))]
        if len(hits) == 1:
            p = hits[0]
    ex = worked.load(p)
    values = worked.build(ex)
    if ex.loss is not None:
        worked.backward(ex, values)
    return Loaded(ex, values)

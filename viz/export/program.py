"""What an export starts from: a ``Program``, the computation as named scalar steps.

A worked example gives one directly (its leaves, its parsed node expressions in
dependency order, the loss, lr and steps); a ``Value`` graph (from ``nn`` or the
engine) is turned into the same form: each named node becomes a node, unnamed
operations used once are written inline in the node that uses them, and the
fused ``linear`` and ``sum`` nodes become the left-to-right sums they compute.
Every name is a Python identifier that no generated program uses for itself;
``shown`` keeps the name people know (``layer1.neuron1.w1``, a renamed ``sum``).
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
from dataclasses import dataclass, field
from collections.abc import Sequence

from autograd import Value, topological_order

from ..worked import Example
from ..worked import expr
from ..worked.expr import Binary, Call, Name, Node, Num, Unary

#: Names the generated programs use for themselves: a file's name equal to one
#: is written with a trailing underscore.
RESERVED = frozenset(dir(builtins)) | {
    "math", "sys", "torch", "np", "numpy", "sigmoid", "relu", "relu_slope", "fmt", "_same",
    "show", "show_fixed", "FULL", "DIGITS", "learning_rate", "steps", "epoch", "LOG_EPOCHS",
    "pow_slope", "grad_of", "as_float", "model", "optimizer", "params", "log",
}


class ExportError(ValueError):
    """A computation that cannot be exported in the form asked for: one line."""


@dataclass
class Program:
    """A computation ready to be written as a program."""

    title: str
    source: str  # what the document is (a sentence or two), may be empty
    origin: str  # what it was exported from, for the header comment
    inputs: dict[str, float]
    params: dict[str, float]
    trees: dict[str, Node]  # node -> expression, in dependency order
    loss: str | None = None
    lr: float | None = None
    steps: int = 1
    log_epochs: list[int] = field(default_factory=list)  # the epochs the training log prints
    log_columns: list[tuple[str, int | None]] = field(default_factory=list)  # name, decimals
    shown: dict[str, str] = field(default_factory=dict)  # identifier -> the name people know

    def show(self, name: str) -> str:
        return self.shown.get(name, name)

    @property
    def trains(self) -> bool:
        """True when the program takes a gradient step (a loss and a learning rate)."""
        return self.loss is not None and self.lr is not None and bool(self.params)

    def uses(self, name: str) -> list[str]:
        """The names node ``name`` is computed from, in order of appearance."""
        return expr.names(self.trees[name])

    def ancestors(self, root: str) -> set[str]:
        """``root`` and every name it is computed from."""
        seen, todo = {root}, [root]
        while todo:
            n = todo.pop()
            if n in self.trees:
                for m in self.uses(n):
                    if m not in seen:
                        seen.add(m)
                        todo.append(m)
        return seen


def _decimals(text: str) -> int:
    """Digits after the point of a literal as written (0 for 16553, 6 for 0.063306)."""
    t = text.strip().lower().lstrip("+-")
    if "e" in t or "." not in t:
        return 0
    return len(t.split(".", 1)[1].replace("_", ""))


def _safe_name(name: str, taken: set[str]) -> str:
    ident = re.sub(r"\W", "_", name, flags=re.ASCII)
    if not ident or ident[0].isdigit():
        ident = "v_" + ident
    while ident in RESERVED or keyword.iskeyword(ident) or ident in taken:
        ident += "_"
    taken.add(ident)
    return ident


def _rename(tree: Node, names: dict[str, str]) -> Node:
    """``tree`` with every name replaced by its identifier (iteratively)."""
    done: list[Node] = []
    for n in expr.postorder(tree):
        if isinstance(n, Name):
            done.append(Name(names[n.id], n.col))
        elif isinstance(n, Num):
            done.append(n)
        elif isinstance(n, Unary):
            done.append(Unary(n.op, done.pop(), n.col))
        elif isinstance(n, Call):
            done.append(Call(n.func, done.pop(), n.col))
        else:
            right = done.pop()
            done.append(Binary(n.op, done.pop(), right, n.col))
    return done[0]


def from_example(example: Example, origin: str) -> Program:
    """The program of a loaded worked example; ``origin`` names the file."""
    taken: set[str] = set()
    ids = {name: _safe_name(name, taken) for name in example.names}
    trees = {ids[n]: _rename(example.trees[n], ids) for n in example.order}
    log_epochs: list[int] = []
    columns: list[tuple[str, int | None]] = []
    if example.steps > 1 and example.loss is not None and example.lr is not None:
        if example.expect_epochs:  # the document's own log, at the decimals it prints
            places: dict[str, int] = {}
            for epoch, expected in example.expect_epochs:
                log_epochs.append(epoch)
                for k, hand in expected.items():
                    places[k] = max(places.get(k, 0), _decimals(hand.text))
            columns = [(ids[k], d if 0 < d <= 12 else None) for k, d in places.items()]
        else:  # ten lines and the last, the loss and what it is computed from
            every = max(1, example.steps // 10)
            log_epochs = sorted({*range(0, example.steps, every), example.steps - 1})
            used = [m for m in expr.names(example.trees[example.loss])
                    if m in example.nodes] if example.loss in example.trees else []
            columns = [(ids[m], None) for m in [example.loss, *used[:3]]]
    return Program(
        title=example.title, source=example.source, origin=origin,
        inputs={ids[k]: v for k, v in example.inputs.items()},
        params={ids[k]: v for k, v in example.params.items()},
        trees=trees, loss=None if example.loss is None else ids[example.loss],
        lr=example.lr, steps=example.steps if example.lr is not None else 1,
        log_epochs=log_epochs, log_columns=columns,
        shown={i: n for n, i in ids.items() if i != n},
    )


# --- a Value graph --------------------------------------------------------------------


def _num(x: float) -> Num:
    return Num(x, repr(x), 0)


def from_graph(root: Value, params: Sequence[Value] | None = None, lr: float | None = None,
               steps: int = 1, title: str | None = None) -> Program:
    """The program of the graph under ``root`` (its loss, when ``lr`` is given).

    ``params`` are the leaves a training step updates (default: every named
    leaf); the other leaves are inputs.  Constants become numbers.
    """
    if not isinstance(root, Value):
        raise ExportError(f"expected the Value at the top of a graph, got {type(root).__name__}")
    order = topological_order(root)
    param_ids = None if params is None else {id(p) for p in params}
    consumers: dict[int, int] = {}
    for v in order:
        for p in v.parents:
            consumers[id(p)] = consumers.get(id(p), 0) + 1
    taken: set[str] = set()
    ident: dict[int, str] = {}
    shown: dict[str, str] = {}
    inputs: dict[str, float] = {}
    pars: dict[str, float] = {}
    trees: dict[str, Node] = {}
    inline: dict[int, Node] = {}
    counter = 0

    def name_for(v: Value, fallback: str) -> str:
        wanted = v.name if v.name is not None else fallback
        i = _safe_name(wanted, taken)
        if i != wanted:
            shown[i] = wanted
        return i

    def ref(p: Value) -> Node:
        if id(p) in ident:
            return Name(ident[id(p)], 0)
        return inline[id(p)]

    for v in order:
        op = v.op
        if v.is_leaf and op is None:
            is_param = (v.name is not None) if param_ids is None else id(v) in param_ids
            counter += 1
            i = name_for(v, f"{'w' if is_param else 'x'}{counter}")
            ident[id(v)] = i
            (pars if is_param else inputs)[i] = v.data
            continue
        if op == "const":
            inline[id(v)] = _num(v.data)
            continue
        ps = [ref(p) for p in v.parents]
        if op in ("+", "-", "*", "/"):
            tree: Node = Binary(op, ps[0], ps[1], 0)
        elif op == "**":
            tree = Binary("**", ps[0], ps[1], 0)
        elif op == "neg":
            tree = Unary("-", ps[0], 0)
        elif op in ("exp", "log", "tanh", "sigmoid", "relu"):
            tree = Call(op, ps[0], 0)
        elif op == "linear":  # Σ wᵢ·xᵢ + b, left to right as the engine adds
            tree = Binary("*", ps[0], ps[1], 0)
            for k in range(2, len(ps) - 1, 2):
                tree = Binary("+", tree, Binary("*", ps[k], ps[k + 1], 0), 0)
            tree = Binary("+", tree, ps[-1], 0)
        elif op == "sum":
            tree = ps[0]
            for term in ps[1:]:
                tree = Binary("+", tree, term, 0)
            if len(ps) == 1:
                tree = Binary("+", tree, _num(0.0), 0)  # a one-term sum: the value itself
        else:
            raise ExportError(f"cannot export the operation {op!r} (a slope with no real value)")
        if v.name is not None or v is root or consumers.get(id(v), 0) > 1:
            counter += 1
            i = name_for(v, "out" if v is root else f"t{counter}")
            ident[id(v)] = i
            trees[i] = tree
        else:
            inline[id(v)] = tree
    if params is not None:  # the order the caller lists them in (model.parameters())
        pars = {ident[id(p)]: pars[ident[id(p)]] for p in params if id(p) in ident}
    loss = ident[id(root)] if root.parents else None
    if loss is None:
        raise ExportError("the graph is a single leaf: there is nothing to compute")
    if lr is not None and not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ExportError(f"lr must be a finite number > 0, got {lr!r}")
    steps = int(steps)
    if steps < 1:
        raise ExportError(f"steps must be at least 1, got {steps}")
    log_epochs: list[int] = []
    columns: list[tuple[str, int | None]] = []
    if steps > 1 and lr is not None:
        every = max(1, steps // 10)
        log_epochs = sorted({*range(0, steps, every), steps - 1})
        columns = [(loss, None)]
    return Program(
        title=title or f"the graph of {root.name or 'a Value'}", source="",
        origin="a Python graph (autograd.Value)", inputs=inputs, params=pars, trees=trees,
        loss=loss if lr is not None or pars else loss, lr=None if lr is None else float(lr),
        steps=steps if lr is not None else 1, log_epochs=log_epochs, log_columns=columns,
        shown=shown,
    )

"""``grad()``: gradients as floats or as graph nodes, without touching ``.grad``.

The same chain rule as the walk in ``walk.py``, with the gradients kept in a
dictionary: as floats (``backprop_floats``), or as ``Value`` nodes built from
the rule table (``backprop_values``), so that they can be differentiated again.
"""

from __future__ import annotations

import math
from typing import Any, Literal, overload
from collections.abc import Sequence

from .rules import Rule
from .value import CONST, Value
from .walk import topological_order


def backprop_floats(order: list[Value], seed: float) -> dict[Value, float]:
    """d(root)/d(node) for every node in ``order`` (root last), as floats."""
    grads: dict[Value, float] = {order[-1]: seed}
    get = grads.get
    for node in reversed(order):
        parents = node.parents
        if not parents:
            continue
        g = grads[node]
        rule = _rule(node)
        for p, d in zip(parents, rule(node._data, *[p._data for p in parents])):
            grads[p] = get(p, 0.0) + g * d
    return grads


def _rule(node: Value) -> Rule:
    """The rule of a node with parents (every such node has an operation with a rule)."""
    op = node._op
    if op is None or op.rule is None:
        raise TypeError(f"{node!r} has parents but no operation with a rule")
    return op.rule


def backprop_values(order: list[Value], seed: Value, asked: Sequence[Value] = ()) -> dict[Value, Any]:
    """d(root)/d(node) as graph nodes, so they can be differentiated again.

    Constant nodes get no gradient unless they are among ``asked``: the rules
    see them as plain floats (the smaller graph), and as Values when asked.
    """
    grads: dict[Value, Any] = {order[-1]: seed}
    variable = {c for c in asked if c._op is CONST}  # constants differentiated too
    for node in reversed(order):
        parents = node.parents
        if not parents:
            continue
        g = grads[node]
        # the rule sees Values for graph nodes and floats for constants
        args = [p._data if p._op is CONST and p not in variable else p for p in parents]
        for p, d in zip(parents, _rule(node)(node, *args)):
            if p._op is CONST and p not in variable:
                continue
            term = g if (isinstance(d, float) and d == 1.0) else g * d
            prev = grads.get(p)
            grads[p] = term if prev is None else prev + term
    return grads


def _from_zero(g: Value | None) -> Value:
    """A gradient as the float pass accumulates it, from 0.0: 0.0 + g, which is
    g itself except that a sum of −0.0 terms is +0.0 (so both give the same bits)."""
    if g is None:
        return Value(0.0, None, CONST)
    if g._data == 0.0 and math.copysign(1.0, g._data) < 0.0:
        return g + 0.0
    return g


@overload
def grad(output: Value, inputs: Value, create_graph: Literal[False] = False) -> float: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: Literal[False] = False) -> list[float]: ...
@overload
def grad(output: Value, inputs: Value, create_graph: Literal[True]) -> Value: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: Literal[True]) -> list[Value]: ...
@overload
def grad(output: Value, inputs: Value | Sequence[Value], create_graph: bool = False) -> Any: ...


def grad(output: Value, inputs: Value | Sequence[Value], create_graph: bool = False) -> Any:
    """The gradients of ``output`` with respect to ``inputs``; ``.grad`` is untouched.

    ``inputs`` is one ``Value`` (one result) or a sequence (a list of results).
    Floats by default; with ``create_graph=True``, ``Value`` nodes that can be
    differentiated again (second, third, ... derivatives).  An input that
    ``output`` does not depend on gets 0.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() needs a Value output, got {type(output).__name__}")
    single = isinstance(inputs, Value)
    wanted: list[Value] = [inputs] if isinstance(inputs, Value) else list(inputs)
    for i, x in enumerate(wanted):
        if not isinstance(x, Value):
            raise TypeError(f"grad() input {i} is not a Value: {type(x).__name__} {x!r}")
    order = topological_order(output)
    if create_graph:
        nodes = backprop_values(order, Value(1.0, None, CONST), wanted)
        results: list[Any] = [_from_zero(nodes.get(x)) for x in wanted]
    else:
        floats = backprop_floats(order, 1.0)
        results = [floats.get(x, 0.0) for x in wanted]
    return results[0] if single else results

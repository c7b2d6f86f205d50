"""The graph walk: topological order, the backward pass, and ``grad()``.

Reverse mode: visit the nodes from the output back to the leaves, each after
every node that uses it, and push the output's gradient to each parent times
the local derivative from the rule table (the chain rule).  Everything here is
iterative, so graph depth is bounded by memory, not by the recursion limit.
"""

from __future__ import annotations

from typing import Any, Sequence

from .value import _NARY, CONST, Value

_PLACE = object()  # on the stack above a node: place that node now


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, parents before children, ``root`` last.

    The order is that of a depth-first walk over ``parents`` in their order,
    so the same graph always gives the same list (graph ids come from it).
    """
    order: list[Value] = []
    entered: set[Value] = set()
    stack = [root]
    push, pop, append, enter = stack.append, stack.pop, order.append, entered.add
    while stack:
        node = pop()
        if node is _PLACE:  # every parent of the node below it is placed
            append(pop())
            continue
        if node in entered:
            continue
        enter(node)
        a = node._a  # the parents, read from their slots (see Value)
        if a is None:  # a leaf: placed at once
            append(node)
            continue
        push(node)
        push(_PLACE)
        b = node._b
        if b is None:
            if a not in entered:
                push(a)
        elif b is _NARY:
            for i in range(len(a) - 1, -1, -1):  # first parent on top
                if a[i] not in entered:
                    push(a[i])
        else:
            if b not in entered:
                push(b)
            if a not in entered:
                push(a)
    return order


def backprop_floats(order: list[Value], seed: float) -> dict[Value, float]:
    """d(root)/d(node) for every node in ``order`` (root last), as floats."""
    grads: dict[Value, float] = {order[-1]: seed}
    get = grads.get
    for node in reversed(order):
        parents = node.parents
        if not parents:
            continue
        g = grads[node]
        for p, d in zip(parents, node._op.rule(node.data, *[p.data for p in parents])):
            grads[p] = get(p, 0.0) + g * d
    return grads


def backprop_values(order: list[Value], seed: Value) -> dict[Value, Any]:
    """d(root)/d(node) as graph nodes, so they can be differentiated again."""
    grads: dict[Value, Any] = {order[-1]: seed}
    for node in reversed(order):
        parents = node.parents
        if not parents:
            continue
        g = grads[node]
        # the rule sees Values for graph nodes and floats for constants
        args = [p.data if p._op is CONST else p for p in parents]
        for p, d in zip(parents, node._op.rule(node, *args)):
            if p._op is CONST:
                continue
            term = g if (isinstance(d, float) and d == 1.0) else g * d
            prev = grads.get(p)
            grads[p] = term if prev is None else prev + term
    return grads


def backward(root: Value, seed: float = 1.0) -> None:
    """``root.backward()``: store d(root)/d(node) in each node's ``grad``.

    Interior nodes restart from 0 (they show this pass); leaves accumulate.
    The same walk as ``backprop_floats``, accumulating in ``grad`` directly
    and reading the parents from their slots: this is the hot loop.
    """
    order = topological_order(root)
    for node in order:
        if node._a is not None:
            node.grad = 0.0
    root.grad += float(seed)
    for node in reversed(order):
        a = node._a
        if a is None:
            continue
        g = node.grad
        b = node._b
        if b is None:
            (da,) = node._op.rule(node.data, a.data)
            a.grad += g * da
        elif b is _NARY:
            for p, d in zip(a, node._op.rule(node.data, *[p.data for p in a])):
                p.grad += g * d
        else:
            da, db = node._op.rule(node.data, a.data, b.data)
            a.grad += g * da
            b.grad += g * db


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
    wanted = [inputs] if single else list(inputs)
    for i, x in enumerate(wanted):
        if not isinstance(x, Value):
            raise TypeError(f"grad() input {i} is not a Value: {type(x).__name__} {x!r}")
    order = topological_order(output)
    if create_graph:
        grads = backprop_values(order, Value(1.0, None, CONST))
        results = [grads.get(x) for x in wanted]
        results = [Value(0.0, None, CONST) if r is None else r for r in results]
    else:
        grads = backprop_floats(order, 1.0)
        results = [grads.get(x, 0.0) for x in wanted]
    return results[0] if single else results

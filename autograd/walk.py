"""The graph walk: topological order and the backward pass into ``.grad``.

Reverse mode: visit the nodes from the output back to the leaves, each after
every node that uses it, and push the output's gradient to each parent times
the local derivative from the rule table (the chain rule).  Everything here is
iterative, so graph depth is bounded by memory, not by the recursion limit.

The walk reads a node's parents from its slots (see ``Value``): ``_a`` and
``_b`` hold one or two parents, or ``_a`` a tuple of three or more with
``_b`` set to ``NARY``.  It needs nothing else of the Value class, so
``value.py`` can call it without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotations only: value.py imports this module
    from .value import Value


class _Nary:
    """The marker in a node's ``_b`` when its parents (three or more) are a tuple
    in ``_a``: one object, the same one through copies and pickles."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NARY"

    def __reduce__(self) -> str:
        return "NARY"  # pickled as this module's name for it

    def __copy__(self) -> "_Nary":
        return self

    def __deepcopy__(self, memo: dict) -> "_Nary":
        return self


NARY = _Nary()
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
        elif b is NARY:
            for i in range(len(a) - 1, -1, -1):  # first parent on top
                if a[i] not in entered:
                    push(a[i])
        else:
            if b not in entered:
                push(b)
            if a not in entered:
                push(a)
    return order


def backward(root: Value, seed: float = 1.0) -> None:
    """``root.backward()``: store d(root)/d(node) in each node's ``grad``.

    Interior nodes restart from 0 (they show this pass); leaves accumulate.
    The same walk as ``backprop.backprop_floats``, accumulating in ``grad`` directly
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
            (da,) = node._op.rule(node._data, a._data)
            a.grad += g * da
        elif b is NARY:
            for p, d in zip(a, node._op.rule(node._data, *[p._data for p in a])):
                p.grad += g * d
        else:
            da, db = node._op.rule(node._data, a._data, b._data)
            a.grad += g * da
            b.grad += g * db

"""The graph walk: topological order and the backward pass into ``.grad``.

Reverse mode: visit the nodes from the output back to the leaves, each after
every node that uses it, and push the output's gradient to each parent times
the local derivative from the rule table (the chain rule).  Everything here is
iterative, so graph depth is bounded by memory, not by the recursion limit.

The walk reads a node's parents from its slots (see ``Value``): ``_a`` and
``_b`` hold one or two parents, or ``_a`` a tuple of three or more with
``_b`` set to ``NARY``.  It needs nothing else of the Value class, so
``value.py`` can call it without an import cycle.

Two orders: ``topological_order`` (public: every node, a set of the nodes
entered, safe to run from any thread) and ``interior_order`` (``backward``'s:
the same order without the leaves, the walk's state kept in the nodes' grads,
which backward restarts from 0.0 anyway).  Both give the gradients the rule
table gives through the generic loop, bit for bit (tests/test_speed_invariants.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from . import rules
from .rules import Rule

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

    def __copy__(self) -> _Nary:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Nary:
        return self


NARY = _Nary()
#: On the stack above a node: place that node now (typed Any: it shares the stack with nodes).
_PLACE: Any = object()


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, parents before children, ``root`` last.

    The order is that of a depth-first walk over ``parents`` in their order,
    so the same graph always gives the same list (graph ids come from it).
    """
    # A parent already entered is already placed (the graph has no cycles), and
    # a leaf parent reached next is placed at once, without the stack: the same
    # order as pushing it, with less work per node.
    order: list[Value] = []
    entered: set[Value] = set()
    stack = [root]
    push, pop, extend, append, enter = stack.append, stack.pop, stack.extend, order.append, entered.add
    issuperset = entered.issuperset
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
        b = node._b
        if b is None:
            if a not in entered:
                if a._a is not None:  # descend into the parent first
                    push(node)
                    push(_PLACE)
                    push(a)
                    continue
                enter(a)  # a leaf parent: placed now, as it would be next
                append(a)
        elif b is NARY:
            if issuperset(a):  # most often every parent is placed already: no loop in Python
                append(node)
                continue
            for i, p in enumerate(a):
                if p in entered:
                    continue
                if p._a is not None:  # descend into a[i], then the rest in order
                    push(node)
                    push(_PLACE)
                    extend(reversed(a[i:]))  # a[i] on top; entered ones are skipped when popped
                    break
                enter(p)
                append(p)
            else:
                append(node)
            continue
        else:
            if a not in entered:
                if a._a is not None:
                    push(node)
                    push(_PLACE)
                    if b not in entered:
                        push(b)
                    push(a)
                    continue
                enter(a)
                append(a)
            if b not in entered:
                if b._a is not None:
                    push(node)
                    push(_PLACE)
                    push(b)
                    continue
                enter(b)
                append(b)
        append(node)
    return order


def interior_order(root: Value) -> list[Value]:
    """The interior nodes of ``topological_order(root)``, in its order, each with
    ``grad`` set to 0.0: what ``backward`` walks (leaves take no step of their own).

    A node's walk state is its ``grad`` itself, one of two new floats 0.0 made
    for this walk and compared by identity: ``entered`` (its parents are being
    placed; it waits on the stack below them) and ``placed``.  An interior
    node must restart from 0.0 anyway, no other object can be either token
    while the walk holds them, and leaves, whose grads accumulate, are never
    marked.  No set, no marker on the stack, and the first parent to place
    is entered at once, not pushed: this is the hot part of
    ``backward``.  (Two backward passes over shared nodes at once, in two
    threads, would overwrite each other's grads in any case; the public
    ``topological_order`` keeps its own set and is safe.)
    """
    order: list[Value] = []
    if root._a is None:
        return order
    entered = float(_ZERO)  # new objects: float() of a string never returns a shared one
    placed = float(_ZERO)
    stack = [root]
    push, pop, extend, append = stack.append, stack.pop, stack.extend, order.append
    while stack:
        node = pop()
        g = node.grad
        if g is placed:  # pushed twice, placed since
            continue
        if g is entered:  # back on top: every interior parent is placed
            node.grad = placed
            append(node)
            continue
        while True:  # expand node, going on into its first parent to place without the stack
            a = node._a
            b = node._b
            if b is None:
                if a._a is not None and a.grad is not placed:
                    node.grad = entered
                    push(node)
                    node = a  # new: neither placed nor entered (that would be a cycle)
                    continue
            elif b is NARY:
                for p in a:  # most often every interior parent is placed already: no list
                    if p._a is not None and p.grad is not placed:
                        break
                else:
                    node.grad = placed
                    append(node)
                    break
                # each parent to place in turn, the first now (one placed meanwhile is skipped)
                todo = [p for p in a if p._a is not None and p.grad is not placed]
                node.grad = entered
                push(node)
                todo.reverse()
                node = todo.pop()
                extend(todo)
                continue
            elif a._a is not None and a.grad is not placed:
                node.grad = entered
                push(node)
                if b._a is not None and b.grad is not placed:
                    push(b)
                node = a
                continue
            elif b._a is not None and b.grad is not placed:
                node.grad = entered
                push(node)
                node = b
                continue
            node.grad = placed
            append(node)
            break
    return order


_ZERO = "0.0"
#: float() of a string gives a new object here (CPython), so a token is unique.
_FRESH_FLOATS = float(_ZERO) is not float(_ZERO)


def _interior_by_set(root: Value) -> list[Value]:
    """``interior_order`` for a Python whose equal floats may be one object."""
    order = [node for node in topological_order(root) if node._a is not None]
    for node in order:
        node.grad = 0.0
    return order


def backward(root: Value, seed: float = 1.0) -> None:
    """``root.backward()``: store d(root)/d(node) in each node's ``grad``.

    Interior nodes restart from 0 (they show this pass); leaves accumulate.
    The same walk as ``backprop.backprop_floats``, accumulating in ``grad`` directly
    and reading the parents from their slots: this is the hot loop.  The common
    rules (+, −, ×, relu, linear, Σ) are written out here: the same products
    g·∂ in the same order as the rule table's (g·1 is g and g·(−1) is −g
    exactly), without a call or a list per node.
    """
    order = interior_order(root) if _FRESH_FLOATS else _interior_by_set(root)
    root.grad += float(seed)
    for node in reversed(order):
        a = node._a
        b = node._b
        g = node.grad
        # an interior node has an operation with a rule (only leaves have none)
        rule: Rule = node._op.rule  # type: ignore[union-attr,assignment]
        if rule is _MUL:  # ∂/∂a = b, ∂/∂b = a (× and + always have two parents): the commonest first
            a.grad += g * b._data
            b.grad += g * a._data
        elif rule is _ADD:
            a.grad += g
            b.grad += g
        elif b is None:
            if rule is _RELU:  # relu' = 1 for a > 0, 0 for a <= 0, nan at nan
                x = a._data
                a.grad += g * (1.0 if x > 0.0 else 0.0 if x <= 0.0 else _NAN)
            else:
                (da,) = rule(node._data, a._data)
                a.grad += g * da
        elif b is NARY:
            if rule is _LINEAR:  # parents w1, x1, …, wn, xn, b: ∂/∂wi = xi, ∂/∂xi = wi, ∂/∂b = 1
                pairs = iter(a)
                for w, x in zip(pairs, pairs):  # stops after reading the bias as a w
                    w.grad += g * x._data
                    x.grad += g * w._data
                a[-1].grad += g
            elif rule is _TOTAL:  # Σ: every ∂ is 1
                for p in a:
                    p.grad += g
            else:
                for p, d in zip(a, rule(node._data, *[p._data for p in a])):
                    p.grad += g * d
        elif rule is _SUB:
            a.grad += g
            b.grad -= g
        else:
            da, db = rule(node._data, a._data, b._data)
            a.grad += g * da
            b.grad += g * db


_ADD, _SUB, _MUL, _RELU = rules.add, rules.sub, rules.mul, rules.relu
_LINEAR, _TOTAL = rules.linear, rules.total
_NAN = math.nan

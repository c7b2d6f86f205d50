"""Local derivatives along one edge of a worked example's graph: ∂OUT/∂IN.

The graph here is the file's graph of names: OUT's expression uses IN.  An
alias (``y_hat = "a_out"``, built as a one-parent sum node) adds no edge of its
own: it collapses into the node it names, so ``"y_hat/z_out"`` is the edge
a_out ← z_out, and ``"a5/z5"`` is an edge when ``a5 = "sigmoid(i5)"`` and
``i5 = "z5"``.  The local derivative holds every other name fixed: it is the
chain rule through OUT's own expression only (its unnamed parts and aliases),

    ∂OUT/∂IN = Σ over the paths from OUT down to IN inside OUT's expression of
               the product of the local_grads along the path.
"""

from __future__ import annotations

from autograd import Value


def is_alias(v: Value) -> bool:
    """A named node that only renames its one parent (``sum_of([x])``)."""
    return v.op == "sum" and len(v.parents) == 1 and v.name is not None


def collapse(v: Value) -> Value:
    """The node an alias (or a chain of aliases) stands for; ``v`` itself otherwise."""
    seen = 0
    while is_alias(v) and seen < 1_000_000:
        v = v.parents[0]
        seen += 1
    return v


def local_derivatives(out: Value) -> dict[int, float]:
    """∂OUT/∂(each named node OUT's expression reaches), by ``id`` of the node.

    Walks down from ``collapse(out)`` through unnamed nodes and aliases; a
    named node that is not an alias ends a path (it is an edge's far end), and
    an alias passes the derivative on to what it names (both get it)."""
    top = collapse(out)
    # the nodes inside OUT's expression, in topological order (parents after children)
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[tuple[Value, bool]] = [(top, False)]
    while stack:
        v, done = stack.pop()
        if done:
            order.append(v)
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.append((v, True))
        if v is top or v.name is None or is_alias(v):
            for p in v.parents:
                if id(p) not in seen:
                    stack.append((p, False))
    order.reverse()  # OUT first: every node before the nodes it was computed from
    slope: dict[int, float] = {id(top): 1.0}
    ends: dict[int, float] = {}
    for v in order:
        s = slope.get(id(v))
        if s is None:
            continue
        if v is not top and v.name is not None:
            ends[id(v)] = ends.get(id(v), 0.0) + s
            if not is_alias(v):
                continue
        for p, g in zip(v.parents, v.local_grads()):
            slope[id(p)] = slope.get(id(p), 0.0) + s * g
    return ends


def local_derivative(out: Value, inn: Value,
                     cache: dict[int, dict[int, float]] | None = None) -> float | None:
    """∂OUT/∂IN along the edge IN → OUT, or None when OUT's expression does not use IN
    (after aliases collapse).  ``inn`` may itself be an alias: the edge ends there.
    ``cache`` (a dict the caller keeps) walks each OUT's expression once, however many
    edges of it are asked for: the work is bounded by the graph's size."""
    top = collapse(out)
    if top is collapse(inn):
        return None  # the same node under two names: no edge
    if cache is None:
        ends = local_derivatives(out)
    else:
        known = cache.get(id(top))
        if known is None:
            known = cache[id(top)] = local_derivatives(out)
        ends = known
    if id(inn) in ends:
        return ends[id(inn)]
    return None

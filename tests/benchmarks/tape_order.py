"""Would a tape in creation order give ``backward()``'s gradients?  Counted on the demo.

    python3 tests/benchmarks/tape_order.py

``backward()`` walks the graph in reverse depth-first order.  A tape of the
nodes in the order they were made needs no sort, and its reverse is also a
valid order for the chain rule, but each gradient then receives its terms
in another order wherever an expression's later operand was made first, and
a float sum of three or more terms depends on its order in the last bits.
This script builds micrograd's demo step (``workloads.EagerDemo``) twice,
as ``data_loss + reg_loss`` and as ``reg_loss + data_loss``, walks each graph
both ways with the same rule table, and counts the parameters whose
gradients differ.  It records creation order by wrapping the engine's node
allocator for the duration of the build.  Not part of the test suite.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from collections.abc import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import workloads  # noqa: E402
import autograd.value as engine  # noqa: E402
from autograd import Value, topological_order  # noqa: E402


def built_with_tape(build: Callable[[], Value]) -> tuple[Value, list[Value]]:
    """(root, every node the build made, in the order it made them)."""
    tape: list[Value] = []
    allocate = engine._new

    def taped(cls: Any) -> Any:
        node = allocate(cls)
        tape.append(node)
        return node

    engine._new = taped
    try:
        root = build()
    finally:
        engine._new = allocate
    return root, tape


def tape_backward(root: Value, tape: list[Value], params: list[Value]) -> list[float]:
    """The chain rule over the nodes ``root`` uses, in reverse creation order."""
    used = set(topological_order(root))
    nodes = [node for node in tape if node in used and node.parents]
    for node in nodes:
        node.grad = 0.0
    for p in params:
        p.grad = 0.0
    root.grad = 1.0
    for node in reversed(nodes):
        for parent, local in zip(node.parents, node.local_grads()):
            parent.grad += node.grad * local  # the same product and sum as backward()'s
    return [p.grad for p in params]


def differing(build: Callable[[], Value], params: list[Value]) -> int:
    root, tape = built_with_tape(build)
    for p in params:
        p.grad = 0.0
    root.backward()
    depth_first = [p.grad for p in params]
    return sum(a != b for a, b in zip(depth_first, tape_backward(root, tape, params)))


def main() -> int:
    demo = workloads.runners("demo")["eager"]()
    demo.reset()

    def reg_first() -> Value:
        data_loss, reg_loss = demo.forward().parents  # the demo's root is data_loss + reg_loss
        return reg_loss + data_loss

    n = len(demo.params)
    print(f"data_loss + reg_loss: {differing(demo.forward, demo.params)} of {n} parameter gradients differ")
    print(f"reg_loss + data_loss: {differing(reg_first, demo.params)} of {n} parameter gradients differ")
    return 0


if __name__ == "__main__":
    sys.exit(main())

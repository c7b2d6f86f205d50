"""Edges of a laid-out graph drawn in two halves through a middle node, joined back into one.

The operation view draws a wide layer's input edges through a waypoint
(x -> via<x>_<z> -> z) and the neuron view each weighted edge through its
label node (x -> l<x>_<z> -> z); the layout tests count crossings and
check routes on the whole edge x -> z.
"""

from __future__ import annotations

import re

Piece = tuple[str, str, list[tuple[float, float]]]


def join_halves(pieces: list[Piece], middle: re.Pattern[str]) -> list[Piece]:
    """``pieces`` (tail, head, sampled path) with each pair tail -> m -> head, m a node
    whose name ``middle`` matches in full, made one edge tail -> head, its path the two
    halves' paths one after the other."""
    into = {head: (tail, points) for tail, head, points in pieces if middle.fullmatch(head)}
    joined = []
    for tail, head, points in pieces:
        if middle.fullmatch(head):
            continue
        if middle.fullmatch(tail):
            first, before = into.pop(tail)
            tail, points = first, before + points
        joined.append((tail, head, points))
    assert not into, into  # every middle node has both halves
    return joined

"""Plain-text tables for the terminal: forward values, gradients, updates.

The layouts follow the worked documents: a forward pass as ``name = value``
with the expression it came from, gradients ∂loss/∂name, and the update table
"old value, gradient, new value" with new = old − lr·gradient.  Everything is
plain text at most 80 columns wide (long expressions are shortened with …).
"""

from __future__ import annotations

import textwrap
from typing import Iterable, Mapping, Sequence

from .derive import fmt

WIDTH = 80


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str = "",
          indent: int = 2) -> list[str]:
    """Aligned columns; ``align`` has one 'l' or 'r' per column (default: first
    column left, the others right)."""
    rows = [list(r) for r in rows]
    n = len(headers)
    align = align or "l" + "r" * (n - 1)
    widths = [max([len(headers[k])] + [len(r[k]) for r in rows]) for k in range(n)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, align)]
        return (" " * indent + "  ".join(parts)).rstrip()

    return [line(headers)] + [line(r) for r in rows]


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def assignments(title: str, values: Mapping[str, float], digits: int) -> list[str]:
    """'Inputs: x1 = 0.05, x2 = 0.1, …' wrapped at 80 columns."""
    if not values:
        return []
    body = ", ".join(f"{k} = {fmt(v, digits)}" for k, v in values.items())
    return textwrap.wrap(f"{title}: {body}", WIDTH, subsequent_indent="  ",
                         break_on_hyphens=False)


def forward_table(nodes: Mapping[str, str], values: Mapping[str, float], digits: int) -> list[str]:
    """One row per named node, in file order: name, value, the expression."""
    names = list(nodes)
    if not names:
        return []
    w_name = max(len(n) for n in names)
    nums = {n: fmt(values[n], digits) for n in names}
    w_num = max(len(s) for s in nums.values())
    room = WIDTH - (2 + w_name + 3 + w_num + 5)
    out = []
    for n in names:
        expr = " ".join(str(nodes[n]).split())
        out.append(f"  {n:<{w_name}} = {nums[n]:>{w_num}}   ({shorten(expr, max(room, 12))})")
    return out


def gradient_table(loss: str, grads: Mapping[str, float], digits: int) -> list[str]:
    """name and ∂loss/∂name, one row each."""
    return table(["name", f"∂{loss}/∂name"], [(k, fmt(g, digits)) for k, g in grads.items()])


def update_table(old: Mapping[str, float], grads: Mapping[str, float],
                 new: Mapping[str, float], digits: int) -> list[str]:
    """The documents' update table: parameter, old value, gradient, new value.

    The new value gets two more digits than the rest: it differs from the old
    one in the later digits when the gradient is small.
    """
    rows = [(k, fmt(old[k], digits), fmt(grads[k], digits), fmt(new[k], digits + 2)) for k in old]
    return table(["parameter", "old value", "gradient", "new value"], rows)

"""How chainrule writes a number for people: ``digits`` significant digits,
the same text on every machine, trailing zeros kept where rounding made them.

One formatter for the tables, the derivations and the graphs, so a number
reads the same wherever it appears.
"""

from __future__ import annotations

import math


def fmt(x: float, digits: int = 4) -> str:
    """``x`` at ``digits`` significant digits, positional from 1e-6 to 1e15.

    A number that is exact at fewer digits prints as it is (0.05, 1, -0.3,
    and -201.7 for the float -201.70000000000002); a rounded one keeps its
    trailing zeros (0.01500), so the digits shown are the digits meant.
    Whole numbers with more digits than ``digits`` print whole (16553).
    """
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0.0:
        return "0"
    ax = abs(x)
    if not 1e-6 <= ax < 1e15:
        short = f"{x:.{digits}g}"
        return short if _same(float(short), x) else f"{x:#.{digits}g}"
    places = max(0, digits - 1 - math.floor(math.log10(ax)))
    text = f"{x:.{places}f}"
    short = text.rstrip("0").rstrip(".") if "." in text else text
    if short in ("-0", "0"):
        return text
    return short if _same(float(short), x) else text


def _same(a: float, b: float) -> bool:
    """Equal up to float noise (12 significant digits)."""
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))

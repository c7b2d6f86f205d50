"""The hand-check: every number a worked example expects, against the engine.

Verdicts, for a hand number written with d decimals (``"0.00135"``: d = 5;
``"2.5e-4"``: d = 5; ``"1.5e3"``: d = -2, hundreds):

* ``exact``: the engine's value rounded to d decimals is the hand value.
  Ties may round either way (people round half up, floats half even), and a
  value within 1e-12 (relative) of a tie counts as a tie, so float noise in
  the engine never turns a correct hand rounding into a miss.
* ``close``: not exact, but |engine - hand| <= rtol·|engine|: the slack that
  rounded intermediate steps explain (rtol from ``[check]``, default 1%).
  When the engine's value is 0 nothing is close: the hand value is exact
  (it rounds to 0 at its digits) or wrong.
* ``wrong``: anything else, and any non-finite engine value.

``difference`` is engine - hand; the relative difference |engine - hand| /
|engine| is left out (a dash in the table) when the engine's value is 0 or
rounds to 0 at the hand's digits, where the ratio means nothing.
``viz.views.check`` writes the verdicts as a report (a table and a summary).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .. import worked
from ..worked.literals import decimals
from ..worked import Example, HandNumber

__all__ = ["decimals"]  # re-exported from viz.worked.literals, where the literal rules live

EXACT, CLOSE, WRONG = "exact", "close", "wrong"
TIE_SLACK = Decimal("1e-12")  # relative: how near a tie still counts as one


@dataclass
class Verdict:
    """One expected number and what the engine says about it."""

    quantity: str  # "value a_h1", "grad w5", "delta z_out", "updated w5", "epoch 200 loss"
    kind: str  # "value", "grad", "delta", "updated" or "epoch"
    name: str  # the leaf or node
    hand: HandNumber
    engine: float
    difference: float  # engine - hand
    verdict: str  # "exact", "close" or "wrong"
    epoch: int | None = None  # for kind "epoch"

    @property
    def relative(self) -> float | None:
        """|engine - hand| / |engine|, or None when that ratio says nothing: the
        engine's value is 0, not finite, or too small to show at the hand's
        digits (it rounds to 0 there, like float noise 5.6e-17 against a hand
        0.01, where the ratio would be 1.8e14)."""
        if self.engine == 0 or not math.isfinite(self.engine):
            return None
        if Decimal(abs(self.engine)) < Decimal(5).scaleb(-_places(self.hand) - 1):
            return None
        return abs(self.difference) / abs(self.engine)


# --- reading the hand's digits ------------------------------------------------------------
# ``decimals(text)``: how many decimals a literal shows ("0.00067" 5, "1.5e3" -2),
# ValueError past the caps of ``viz.worked.literals`` (judge then goes by the value alone).

def _exact_decimal(text: str, value: float) -> Decimal:
    t = text.strip().replace("_", "")
    try:
        return Decimal(t)
    except InvalidOperation:
        return Decimal(value)


def _places(hand: HandNumber) -> int:
    """The decimals ``hand`` shows; an unreadable literal counts as 15 digits."""
    try:
        return decimals(hand.text)
    except ValueError:
        if not hand.value or not math.isfinite(hand.value):
            return 15
        return 15 - math.floor(math.log10(abs(hand.value)))


def judge(hand: HandNumber, engine: float, rtol: float) -> str:
    """'exact', 'close' or 'wrong' for one hand number against the engine's value."""
    if not math.isfinite(engine) or not math.isfinite(hand.value):
        return WRONG
    try:
        d = decimals(hand.text)
        h = _exact_decimal(hand.text, hand.value)
    except ValueError:  # an unreadable literal: judge by the value alone, to 15 digits
        d = _places(hand)
        h = Decimal(hand.value)
    e = Decimal(engine)  # the float's exact binary value
    # exact: rounding e to d decimals gives h, i.e. |e - h| <= half a unit in the
    # last shown place (a tie either way, with a hair of slack for float noise)
    half_unit = Decimal(5).scaleb(-d - 1)
    if abs(e - h) <= half_unit + abs(e) * TIE_SLACK:
        return EXACT
    if engine != 0 and abs(engine - hand.value) <= rtol * abs(engine):
        return CLOSE
    return WRONG


# --- the check ------------------------------------------------------------------------------


def _verdict(kind: str, name: str, hand: HandNumber, engine: float, rtol: float, epoch: int | None = None) -> Verdict:
    quantity = f"epoch {epoch} {name}" if kind == "epoch" else f"{kind} {name}"
    diff = engine - hand.value if math.isfinite(engine) else math.nan
    return Verdict(quantity, kind, name, hand, engine, diff, judge(hand, engine, rtol), epoch)


def check(example: Example) -> list[Verdict]:
    """Every expected number of ``example`` with the engine's value and a verdict.

    In file order (by line); the engine runs one forward pass, one backward
    pass, one SGD step, and as many training epochs as the latest expected one.
    """
    rtol = example.rtol
    out: list[Verdict] = []
    values = worked.build(example)
    for name, hand in example.expect_values.items():
        out.append(_verdict("value", name, hand, values[name].data, rtol))
    if example.expect_grads or example.expect_deltas or example.expect_updated:
        worked.backward(example, values)
        for name, hand in example.expect_grads.items():
            out.append(_verdict("grad", name, hand, values[name].grad, rtol))
        for name, hand in example.expect_deltas.items():
            out.append(_verdict("delta", name, hand, -values[name].grad, rtol))
    if example.expect_updated:
        new = worked.step(example, values)
        for name, hand in example.expect_updated.items():
            out.append(_verdict("updated", name, hand, new[name], rtol))
    if example.expect_epochs:
        last = max(n for n, _ in example.expect_epochs)
        records = worked.train(example, steps=last + 1)
        for n, expected in example.expect_epochs:
            for name, hand in expected.items():
                out.append(_verdict("epoch", name, hand, records[n][name], rtol, epoch=n))
    if all(v.hand.line > 0 for v in out):
        out.sort(key=lambda v: v.hand.line)  # stable: file order
    return out


def summary(verdicts: list[Verdict]) -> dict[str, int]:
    """How many numbers got each verdict: {"total", "exact", "close", "wrong"}."""
    counts = {"total": len(verdicts), EXACT: 0, CLOSE: 0, WRONG: 0}
    for v in verdicts:
        counts[v.verdict] += 1
    return counts

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

The kinds: ``value``, ``grad`` (dloss/dname), ``delta`` (the file's δ: −dloss/dz
or +dloss/dz as ``[check] delta`` says), ``local`` (∂OUT/∂IN along one edge),
``step`` (new − old of a parameter in the first update: −lr·dloss/dp),
``updated``, ``epoch`` and ``arithmetic``: a line of the document's own
arithmetic, numbers only.  An arithmetic line has no rounded intermediate: it
is ``exact`` when its written result is the operands' exact result (worked
out in fractions of the literals as written, for + − × / and whole powers;
in floats otherwise) rounded to the digits written, a tie either way, and
``wrong`` otherwise (never ``close``).

A verdict that is not exact may carry a ``hint``, saying where the slip is:

* ``sign``: the hand number is wrong, but its negative would be exact or close
  (the δ sign confusion);
* ``arithmetic``: an arithmetic line whose result does not follow from its
  operands, even from the engine's values of them (below); and a graph
  quantity whose hand number only such wrong lines print (as |result|);
* ``rounded operands``: an arithmetic line whose result does not follow from
  its printed operands but does (exactly) once each operand that the file
  also expects as a graph quantity (the same literal, up to sign, as a
  value, grad, delta, local, step or updated hand number; the first such in
  the file) is replaced by the engine's value of that quantity; and a graph
  quantity that is ``close`` and printed as the result of an exact
  arithmetic line: the document computed right from rounded numbers.

``difference`` is engine - hand; the relative difference |engine - hand| /
|engine| is left out (a dash in the table) when the engine's value is 0 or
rounds to 0 at the hand's digits, where the ratio means nothing.
``viz.views.check`` writes the verdicts as a report (a table and a summary).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .. import worked
from ..worked.literals import decimals
from ..worked import Example, HandNumber, expr
from ..worked.local import local_derivative

__all__ = ["decimals"]  # re-exported from viz.worked.literals, where the literal rules live

EXACT, CLOSE, WRONG = "exact", "close", "wrong"
SIGN, ARITHMETIC, ROUNDED = "sign", "arithmetic", "rounded operands"
HINTS = (SIGN, ARITHMETIC, ROUNDED)
TIE_SLACK = Decimal("1e-12")  # relative: how near a tie still counts as one


@dataclass
class Verdict:
    """One expected number and what the engine says about it."""

    quantity: str  # "value a_h1", "grad w5", "delta z_out", "local a_h2/z_h2", "step w5",
    #                "updated w5", "epoch 200 loss", "arithmetic 0.0134 * 0.10"
    kind: str  # "value", "grad", "delta", "local", "step", "updated", "epoch" or "arithmetic"
    name: str  # the leaf or node ("OUT/IN" for local, the expression for arithmetic)
    hand: HandNumber
    engine: float
    difference: float  # engine - hand
    verdict: str  # "exact", "close" or "wrong"
    epoch: int | None = None  # for kind "epoch"
    hint: str | None = None  # "sign", "arithmetic" or "rounded operands" (see the module doc)
    # for an arithmetic line with hint "rounded operands": the result from the engine's operands
    engine_operands: float | None = None

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


def delta_of(example: Example, grad: float) -> float:
    """The file's δ of a node from its dloss/dz: −grad for "-dloss/dz", grad for "+dloss/dz"."""
    return grad if example.delta_sign == "+dloss/dz" else -grad


def check(example: Example) -> list[Verdict]:
    """Every expected number of ``example`` with the engine's value and a verdict.

    In file order (by line); the engine runs one forward pass, one backward
    pass, one SGD step, and as many training epochs as the latest expected one
    (epoch = steps: the forward pass after the last update).
    """
    rtol = example.rtol
    out: list[Verdict] = []
    values = worked.build(example)
    for name, hand in example.expect_values.items():
        out.append(_verdict("value", name, hand, values[name].data, rtol))
    walked: dict = {}  # each OUT's expression walked once
    for key, hand in example.expect_local.items():
        o, i = example.local_edges[key]
        slope = local_derivative(values[o], values[i], walked)
        out.append(_verdict("local", key, hand, math.nan if slope is None else slope, rtol))
    if example.expect_grads or example.expect_deltas or example.expect_updated \
            or example.expect_steps:
        worked.backward(example, values)
        for name, hand in example.expect_grads.items():
            out.append(_verdict("grad", name, hand, values[name].grad, rtol))
        for name, hand in example.expect_deltas.items():
            out.append(_verdict("delta", name, hand, delta_of(example, values[name].grad), rtol))
    if example.expect_updated or example.expect_steps:
        new = worked.step(example, values)
        for name, hand in example.expect_steps.items():
            out.append(_verdict("step", name, hand, new[name] - values[name].data, rtol))
        for name, hand in example.expect_updated.items():
            out.append(_verdict("updated", name, hand, new[name], rtol))
    if example.expect_epochs:
        last = max(n for n, _ in example.expect_epochs)
        if last >= example.steps:  # epoch = steps: after the last update
            records = worked.train(example, steps=example.steps, after=True)
        else:
            records = worked.train(example, steps=last + 1)
        for n, expected in example.expect_epochs:
            for name, hand in expected.items():
                out.append(_verdict("epoch", name, hand, records[n][name], rtol, epoch=n))
    lines = [arithmetic_verdict(text, hand, example.arithmetic_trees[text])
             for text, hand in example.expect_arithmetic.items()]
    _hint_arithmetic(lines, out, rtol)
    _hint_quantities(out, lines, rtol)
    out += lines
    if all(v.hand.line > 0 for v in out):
        out.sort(key=lambda v: v.hand.line)  # stable: file order
    return out


# --- the document's arithmetic, and the hints ------------------------------------------------


def arithmetic_verdict(text: str, hand: HandNumber, tree: expr.Node) -> Verdict:
    """An arithmetic line: its exact result (fractions where + − × / and whole powers
    allow, floats otherwise) rounded to the hand's digits is the hand, or it is wrong."""
    exact = expr.exact_value(tree)
    value = float(exact) if exact is not None else float(expr.evaluate(tree, {}))
    if exact is not None:
        try:
            d = decimals(hand.text)
            h = Fraction(_exact_decimal(hand.text, hand.value))
        except ValueError:
            d, h = _places(hand), Fraction(hand.value)
        ok = abs(exact - h) <= Fraction(5, 10 ** (d + 1)) if d >= 0 else \
            abs(exact - h) <= 5 * Fraction(10 ** (-d - 1))
        verdict = EXACT if ok else WRONG
    else:
        verdict = EXACT if judge(hand, value, 0.0) == EXACT else WRONG
    diff = value - hand.value if math.isfinite(value) else math.nan
    v = Verdict(f"arithmetic {text}", "arithmetic", text, hand, value, diff, verdict)
    if verdict == WRONG:
        v.hint = ARITHMETIC
    return v


def _magnitude(text: str, value: float) -> Decimal:
    try:
        return abs(_exact_decimal(text, value))
    except (InvalidOperation, ValueError):
        return abs(Decimal(value))


def _hint_arithmetic(lines: list[Verdict], quantities: list[Verdict], rtol: float) -> None:
    """'rounded operands' for a wrong line that the engine's operands make exact."""
    known: dict[Decimal, float] = {}  # |hand| -> the engine's value, signed as the hand
    for q in sorted(quantities, key=lambda q: q.hand.line):
        if q.kind == "epoch" or not math.isfinite(q.engine):
            continue
        m = _magnitude(q.hand.text, q.hand.value)
        if m and m not in known:
            known[m] = q.engine if q.hand.value >= 0 else -q.engine
    for v in lines:
        if v.verdict != WRONG:
            continue
        text, changed = v.name, False
        for n in sorted((n for n in expr.walk(expr.parse(text)) if isinstance(n, expr.Num)),
                        key=lambda n: -n.col):
            engine = known.get(_magnitude(n.text, n.value))
            if engine is None or engine == n.value:
                continue
            start = n.col - 1
            text = text[:start] + f"({engine!r})" + text[start + len(n.text):]
            changed = True
        if not changed:
            continue
        try:
            value = float(expr.evaluate(expr.parse(text), {}))
        except expr.ExprError:
            continue
        if judge(v.hand, value, 0.0) == EXACT:
            v.hint, v.engine_operands = ROUNDED, value


def _negated(text: str) -> str:
    t = text.strip()
    if t.startswith("-"):
        return t[1:]
    return "-" + (t[1:] if t.startswith("+") else t)


def _hint_quantities(quantities: list[Verdict], lines: list[Verdict], rtol: float) -> None:
    """'sign', 'arithmetic' or 'rounded operands' for a graph quantity not exact."""
    by_result: dict[Decimal, list[Verdict]] = {}
    for line in lines:
        by_result.setdefault(_magnitude(line.hand.text, line.hand.value), []).append(line)
    for q in quantities:
        if q.verdict == EXACT:
            continue
        if q.verdict == WRONG and math.isfinite(q.engine):
            negated = HandNumber(-q.hand.value, _negated(q.hand.text), q.hand.line)
            if judge(negated, q.engine, rtol) in (EXACT, CLOSE):
                q.hint = SIGN
                continue
        printed = by_result.get(_magnitude(q.hand.text, q.hand.value), [])
        if not printed:
            continue
        if q.verdict == CLOSE and any(line.verdict == EXACT for line in printed):
            q.hint = ROUNDED
        elif all(line.verdict == WRONG for line in printed):
            q.hint = ARITHMETIC


def summary(verdicts: list[Verdict]) -> dict[str, int]:
    """How many numbers got each verdict: {"total", "exact", "close", "wrong"}."""
    counts = {"total": len(verdicts), EXACT: 0, CLOSE: 0, WRONG: 0}
    for v in verdicts:
        counts[v.verdict] += 1
    return counts

"""The loss record's formula: the operations after the network, written as one line.

``loss_formula`` writes the part of a graph between the network's outputs and
the root as infix text, the way the documents print it: ``½(y − ŷ)²``.  A
network output is ŷ (ŷ1, ŷ2, … for several); what it is compared with in a
subtraction (an input leaf or a plain number) is its target: its own name when it
has one (t, y_true), else y (y1, y2, …), its value shown beside the formula (both
views list the targets returned).  Where one symbol would stand for several
targets (a batch: y of every sample), ``distinct=True`` writes those as their
numbers instead, a plain 0.5 as 0.5 (½ is the loss's own factor).
Large loss parts (more than ``MAX_OPS`` operations) get no formula.
"""

from __future__ import annotations

from autograd import Value
from autograd import OPS

from . import style

MAX_OPS = 24
_PREC = {"+": 1, "sum": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}
_SUPERSCRIPT = {2: "²", 3: "³"}


class _TooBig(Exception):
    pass


def loss_formula(
    root: Value, inside: set[Value], predictions: dict[Value, str], digits: int,
    name_targets: bool = True, distinct: bool = False,
) -> tuple[str, list[tuple[str, Value]]] | None:
    """(formula, [(target symbol, target value)]) for ``root``, or None when too big.

    ``inside`` holds the values of the loss part; ``predictions`` maps each
    network output to its symbol (ŷ, ŷ1, …); ``name_targets=False`` keeps a
    target that is a plain number as its number.  Both views name them and
    show each target's value in the loss record (``target_rows``).
    ``distinct``: targets one symbol would name together (a batch's y of every
    sample) are written as their numbers instead.
    """
    written = _loss_formula(root, inside, predictions, digits, name_targets, set())
    if written is None:
        return None
    shared: dict[str, list[Value]] = {}
    for symbol, v in written[1]:
        shared.setdefault(symbol, []).append(v)
    unnamed = {v for vs in shared.values() if len(vs) > 1 for v in vs} if distinct else set()
    if unnamed:  # one y for several targets would say nothing: their numbers instead
        written = _loss_formula(root, inside, predictions, digits, name_targets, unnamed)
    return written


def _loss_formula(
    root: Value, inside: set[Value], predictions: dict[Value, str], digits: int,
    name_targets: bool, unnamed: set[Value],
) -> tuple[str, list[tuple[str, Value]]] | None:
    """``loss_formula``, the targets in ``unnamed`` written as numbers (0.5, not ½)."""
    targets: dict[Value, str] = {}
    count = [0]

    def name(v: Value) -> str:
        if v in predictions:
            return predictions[v]
        if v in targets:
            return targets[v]
        if v in unnamed:
            return style.fmt(v.data, digits)
        if v.is_constant:
            return "½" if v.data == 0.5 else style.fmt(v.data, digits)
        return v.name or style.fmt(v.data, digits)

    def write(v: Value) -> tuple[str, int]:
        if v not in inside or not v.parents:
            return name(v), 9
        count[0] += 1
        if count[0] > MAX_OPS:
            raise _TooBig
        op, ps = v.op, v.parents
        if op == "-" and len(ps) == 2:  # y − ŷ: the other side of a prediction is its target
            for here, there in ((ps[0], ps[1]), (ps[1], ps[0])):
                if there in predictions and (here.is_leaf or here.is_constant) \
                        and here not in predictions and here not in unnamed \
                        and (name_targets or not here.is_constant):
                    # the file's or model's own name for its target (t, y_true), else y
                    own = here.name if here.name and not here.is_constant else None
                    targets.setdefault(here, own or predictions[there].replace("ŷ", "y"))
        if op == "sum" and len(ps) == 1:
            return write(ps[0])
        if op in ("+", "sum"):
            return " + ".join(_wrap(write(p), 1) for p in ps), 1
        if op == "-":
            return f"{_wrap(write(ps[0]), 1)} − {_wrap(write(ps[1]), 2)}", 1
        if op == "*":
            left, right = write(ps[0]), write(ps[1])
            if ps[0].is_constant and ps[0].data == 0.5:  # ½(…): juxtaposed, as printed
                return "½" + (right[0] if right[1] >= 4 else f"({right[0]})"), 2
            return f"{_wrap(left, 2)}·{_wrap(right, 2)}", 2
        if op == "/":
            return f"{_wrap(write(ps[0]), 2)}/{_wrap(write(ps[1]), 3)}", 2
        if op == "neg":
            return f"−{_wrap(write(ps[0]), 3)}", 3
        if op == "**" and ps[1].is_constant:
            base = _wrap(write(ps[0]), 5)
            power = ps[1].data
            sup = _SUPERSCRIPT.get(int(power)) if power == int(power) else None
            return (base + sup if sup else f"{base}^{style.fmt(power, digits)}"), 4
        display = OPS[op].display if op in OPS else None
        function = display.function if display is not None and display.function else op
        return f"{function}({', '.join(write(p)[0] for p in ps)})", 9

    try:
        text, _ = write(root)
    except _TooBig:
        return None
    return text, sorted(((s, v) for v, s in targets.items()), key=lambda t: t[0])


def _wrap(written: tuple[str, int], at_least: int) -> str:
    text, prec = written
    return text if prec >= at_least else f"({text})"


def target_rows(targets: list[tuple[str, Value]], digits: int) -> list[tuple[str, str]]:
    """The loss record's rows naming its targets: (symbol, value), ``y1 | 0.5``."""
    return [(symbol, style.fmt(v.data, digits)) for symbol, v in targets]

"""``chainrule train`` as a report: the log of many steps, the loss before and
after, and the check of the document's own training log.

The log speaks the file's language: its columns are ``[train] log``'s names
under the labels given there (``log = { loss = "Loss", a_o = "Prediction" }``
prints seed 002's "Epoch  Loss  Prediction"), else the loss and the names the
epochs expect; each column at the decimals the file's ``[[expect.epochs]]``
hand values of it show (0.063306: 6 decimals), else at ``digits``
significant digits; ``decimals`` or ``digits`` given explicitly win.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Sequence

from ..handcheck import verdicts as checker
from .. import worked
from ..worked.expr import names as names_in
from ..numbers import fmt
from ..report import Cell, Column, Heading, Paragraph, Report, Table
from ..report.mathtext import math_name
from .check import Rounding


def log_names(example: worked.Example) -> list[str]:
    """The columns of the log: the file's ``[train] log`` names; else the loss, the
    names the file's epochs expect, else the nodes the loss is computed from (the
    prediction)."""
    if example.log_columns:
        return list(example.log_columns)
    names = [example.loss]
    for _, expected in example.expect_epochs:
        names += [k for k in expected if k not in names]
    if len(names) == 1:
        used = names_in(example.trees[example.loss]) if example.loss in example.trees else []
        names += [k for k in dict.fromkeys(used) if example.kind_of(k) == "node"][:3]
    return [n for n in names if n is not None]


def after_record(example: worked.Example, last: dict) -> dict[str, float] | None:
    """Every value after one more update from the record ``last`` (epoch = steps),
    or None when that update makes a value not finite."""
    try:
        values = worked.build(example, {k: last[k] for k in example.params})
        new = worked.step(example, values)
        return {k: v.data for k, v in worked.build(example, new).items()}
    except worked.WorkedExampleError:
        return None


def loss_after(example: worked.Example, last: dict) -> float:
    """The loss after one more update from the record ``last`` (the parameters at
    the start of the final epoch): one step, then one more forward pass."""
    values = worked.build(example, {k: last[k] for k in example.params})
    new = worked.step(example, values)
    assert example.loss is not None  # worked.step refuses a file without a loss node
    return worked.build(example, new)[example.loss].data


def hand_decimals(example: worked.Example, name: str) -> int | None:
    """The most decimals the file's epoch hand values of ``name`` show, if any."""
    places = []
    for _, expected in example.expect_epochs:
        if name in expected:
            try:
                places.append(checker.decimals(expected[name].text))
            except ValueError:
                pass
    return max(places) if places and 0 <= max(places) <= 12 else None


def log_number(example: worked.Example, name: str, value: float, digits: int | None,
               decimals: int | None) -> str:
    """One log value: at explicit ``decimals`` or ``digits``, else at the file's own."""
    if decimals is None and digits is None:
        decimals = hand_decimals(example, name)
    if decimals is not None and abs(value) < 1e15:
        return f"{value:.{decimals}f}"
    return fmt(value, digits or DEFAULT_DIGITS)


DEFAULT_DIGITS = 6


def train_report(example: worked.Example, note: str | None, steps: int, every: int,
                 rows: Sequence[dict[str, float]], digits: int | None = None,
                 log_line: str | None = None, decimals: int | None = None,
                 after: dict[str, float] | None = None) -> Report:
    """The log (``rows``: the values at the start of each epoch), the loss before and
    after, and the check of the file's epochs; ``after`` is the forward pass after
    the last update (epoch = steps), when the caller has it."""
    assert example.lr is not None  # the train command refuses a file without one
    r = Report("train", example.title, [note] if note else [], header="line")
    names = log_names(example)
    given = digits
    digits = digits or DEFAULT_DIGITS
    intro = (f"{steps} step{'s' if steps != 1 else ''} of gradient descent, "
             f"lr = {fmt(example.lr, digits)}; the values at the start of "
             + ("each epoch:" if every == 1 else f"every {every} epochs and of the last:"))
    r.add(Paragraph([intro]))
    shown = [e for e in range(len(rows)) if e % every == 0 or e == steps - 1]
    labels = example.log_columns
    table = Table([Column("Epoch" if labels else "epoch", "number")]
                  + [Column(labels[k], "number") if k in labels
                     else Column(k, "number", math=math_name(k)) for k in names],
                  [[Cell(str(e), float(e))]
                   + [Cell(log_number(example, k, rows[e][k], given, decimals), rows[e][k])
                      if k in rows[e] else Cell("-") for k in names]
                   for e in shown])
    r.add(table)
    data: dict[str, Any] = {"steps": steps, "lr": example.lr, "columns": {
        k: labels.get(k, k) for k in names}, "log": [{"epoch": e, **rows[e]} for e in shown]}
    loss = example.loss
    if rows and loss in rows[-1]:
        first, last = rows[0][loss], rows[-1][loss]
        try:
            then = (after[loss] if after is not None and loss in after
                    else loss_after(example, rows[-1]))
            after_text = f"{fmt(then, digits)} after the final update"
            loss_then: float | None = then
        except worked.WorkedExampleError:  # the last update made a value not finite
            loss_then, after_text = None, "no finite value after the final update"
        if len(rows) == 1:
            text = f"{loss}: {fmt(first, digits)} before the update, " + after_text
        else:
            n = len(rows) - 1
            text = (f"{loss}: {fmt(first, digits)} at the start of epoch 0, "
                    f"{fmt(last, digits)} at the start of epoch {n} (before its "
                    f"update), " + after_text)
        if loss_then is not None and first:
            text += f" ({100 * loss_then / first:.3g}% of the start)"
        r.add(Paragraph([""]), Paragraph([text]))
        data.update({"loss_first": first, "loss_last": last, "loss_after": loss_then})
    if log_line:
        r.add(Paragraph([log_line]))
    if example.expect_epochs:
        r.add(Heading("Check of the document's training log ([[expect.epochs]]): "
                      "hand against engine"))
        body, records = [], []
        rows = list(rows) + ([after] if after is not None and len(rows) == steps else [])
        for epoch, expected in example.expect_epochs:
            for k, hand in expected.items():
                if epoch >= len(rows) or k not in rows[epoch]:
                    body.append([Cell(str(epoch), float(epoch)), Cell(k, math=math_name(k)),
                                 Cell(hand.text, hand.value), Cell("-"), Cell("not run")])
                    records.append({"epoch": epoch, "name": k, "hand": hand.text,
                                    "engine": None, "verdict": "not run"})
                    continue
                engine = rows[epoch][k]
                verdict = checker.judge(hand, engine, example.rtol)
                shown_engine = (log_number(example, k, engine, given, decimals)
                                if given or decimals is not None
                                else Rounding().show(engine, hand.text))
                body.append([Cell(str(epoch), float(epoch)), Cell(k, math=math_name(k)),
                             Cell(hand.text, hand.value), Cell(shown_engine, engine),
                             Cell(verdict)])
                records.append({"epoch": epoch, "name": k, "hand": hand.text,
                                "hand_value": hand.value, "engine": engine,
                                "verdict": verdict})
        r.add(Table([Column("epoch", "number"), Column("name", "name"),
                     Column("hand", "number"), Column("engine", "number"),
                     Column("verdict", "verdict")], body))
        data["epochs_check"] = records
    r.data = data
    return r

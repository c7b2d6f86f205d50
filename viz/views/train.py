"""``chainrule train`` as a report: the log of many steps, the loss before and
after, and the check of the document's own training log."""

from __future__ import annotations

from typing import Any, Sequence

from ..handcheck import verdicts as checker
from .. import worked
from ..worked.expr import names as names_in
from ..numbers import fmt
from ..report import Cell, Column, Heading, Paragraph, Report, Table
from ..report.mathtext import math_name


def log_names(example: worked.Example) -> list[str]:
    """The columns of the log: the loss, the names the file's epochs expect, else
    the nodes the loss is computed from (the prediction)."""
    names = [example.loss]
    for _, expected in example.expect_epochs:
        names += [k for k in expected if k not in names]
    if len(names) == 1:
        used = names_in(example.trees[example.loss]) if example.loss in example.trees else []
        names += [k for k in dict.fromkeys(used) if example.kind_of(k) == "node"][:3]
    return [n for n in names if n is not None]


def loss_after(example: worked.Example, last: dict) -> float:
    """The loss after one more update from the record ``last`` (the parameters at
    the start of the final epoch): one step, then one more forward pass."""
    values = worked.build(example, {k: last[k] for k in example.params})
    new = worked.step(example, values)
    return worked.build(example, new)[example.loss].data


def train_report(example: worked.Example, note: str | None, steps: int, every: int,
                 rows: Sequence[dict[str, float]], digits: int = 6,
                 log_line: str | None = None) -> Report:
    r = Report("train", example.title, [note] if note else [], header="line")
    names = log_names(example)
    intro = (f"{steps} step{'s' if steps != 1 else ''} of gradient descent, "
             f"lr = {fmt(example.lr, digits)}; the values at the start of "
             + ("each epoch:" if every == 1 else f"every {every} epochs and of the last:"))
    r.add(Paragraph([intro]))
    shown = [e for e in range(len(rows)) if e % every == 0 or e == steps - 1]
    table = Table([Column("epoch", "number")] + [Column(k, "number", math=math_name(k))
                                                  for k in names],
                  [[Cell(str(e), float(e))] + [Cell(fmt(rows[e][k], digits), rows[e][k])
                                               if k in rows[e] else Cell("-") for k in names]
                   for e in shown])
    r.add(table)
    data: dict[str, Any] = {"steps": steps, "lr": example.lr, "log": [
        {"epoch": e, **rows[e]} for e in shown]}
    loss = example.loss
    if rows and loss in rows[-1]:
        first, last = rows[0][loss], rows[-1][loss]
        try:
            after: float | None = loss_after(example, rows[-1])
            after_text = f"{fmt(after, digits)} after the final update"
        except worked.WorkedExampleError:  # the last update made a value not finite
            after, after_text = None, "no finite value after the final update"
        if len(rows) == 1:
            text = f"{loss}: {fmt(first, digits)} before the update, " + after_text
        else:
            n = len(rows) - 1
            text = (f"{loss}: {fmt(first, digits)} at the start of epoch 0, "
                    f"{fmt(last, digits)} at the start of epoch {n} (before its "
                    f"update), " + after_text)
        if after is not None and first:
            text += f" ({100 * after / first:.3g}% of the start)"
        r.add(Paragraph([""]), Paragraph([text]))
        data.update({"loss_first": first, "loss_last": last, "loss_after": after})
    if log_line:
        r.add(Paragraph([log_line]))
    if example.expect_epochs:
        r.add(Heading("Check of the document's training log ([[expect.epochs]]): "
                      "hand against engine"))
        body, records = [], []
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
                body.append([Cell(str(epoch), float(epoch)), Cell(k, math=math_name(k)),
                             Cell(hand.text, hand.value), Cell(fmt(engine, digits), engine),
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

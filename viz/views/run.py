"""``chainrule run`` as a report: a worked example as the documents print it.

Inputs and parameters, the forward pass (each node's value and expression),
the loss, the gradients, the update table in the file's convention
(``[train] convention``: "gradient", w ← w − η ∂L/∂w; or "delta", the
textbook's Δw = η δ a, w ← w + Δw, with the Δ column), the training log the
document prints, and the check of every hand number.  Numbers are at
``digits`` significant digits, or at ``decimals`` decimals when given; the
check shows the engine at each hand number's own decimals unless told.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Sequence

from ..handcheck import verdicts as checker
from .. import worked
from ..numbers import fmt
from ..report import Assignments, Blank, Cell, Column, Figure, Heading, Paragraph, Report, Table
from ..report.mathtext import Math, math_name, partial
from .check import HAND, Rounding, check_blocks, verdict_records


def number(value: float, digits: int, decimals: int | None = None) -> str:
    """``value`` at ``decimals`` decimals when given, else ``digits`` significant digits."""
    if decimals is not None and abs(value) < 1e15:
        text = f"{value:.{decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text
    return fmt(value, digits)


def _cells(values: dict[str, float], digits: int,
           decimals: int | None = None) -> list[tuple[Math, Cell]]:
    return [(math_name(k), Cell(number(v, digits, decimals), v)) for k, v in values.items()]


def forward_table(example: worked.Example, data: dict[str, float], digits: int,
                  decimals: int | None = None) -> Table:
    rows = [[Cell(n, math=math_name(n)), Cell(number(data[n], digits, decimals), data[n]),
             Cell(" ".join(str(example.nodes[n]).split()))] for n in example.nodes]
    return Table([Column("node", "name"), Column("value", "number"),
                  Column("expression", "code")], rows, style="assign")


def gradient_table(loss: str, grads: dict[str, float], digits: int,
                   decimals: int | None = None) -> Table:
    head = partial(math_name(loss), math_name("name"))
    return Table([Column("name", "name"), Column(f"∂{loss}/∂name", "number", math=head)],
                 [[Cell(k, math=math_name(k)), Cell(number(g, digits, decimals), g)]
                  for k, g in grads.items()])


def update_table(old: dict[str, float], grads: dict[str, float], new: dict[str, float],
                 digits: int, convention: str = "gradient", lr: float | None = None,
                 delta_sign: str = "-dloss/dz", decimals: int | None = None) -> Table:
    """The documents' update table; the new value gets two more digits than the rest:
    it differs from the old one in the later digits when the gradient is small.

    In the "delta" convention the columns are the file's δ·a (−∂L/∂w for δ =
    −∂L/∂z, +∂L/∂w for δ = +∂L/∂z), Δ = new − old (= η δ a, or −η δ a), and new."""
    def n(v: float, more: int = 0) -> Cell:
        return Cell(number(v, digits + more, None if decimals is None else decimals + more), v)

    if convention == "delta":
        sign = -1.0 if delta_sign == "-dloss/dz" else 1.0
        rows = [[Cell(k, math=math_name(k)), n(old[k]), n(sign * grads[k]),
                 n(new[k] - old[k], 2), n(new[k], 2)] for k in old]
        return Table([Column("parameter", "name"), Column("old value", "number"),
                      Column("δ·a", "number"), Column("Δ", "number"),
                      Column("new value", "number")], rows)
    rows = [[Cell(k, math=math_name(k)), n(old[k]), n(grads[k]), n(new[k], 2)] for k in old]
    return Table([Column("parameter", "name"), Column("old value", "number"),
                  Column("gradient", "number"), Column("new value", "number")], rows)


def update_heading(convention: str, lr: str, delta_sign: str = "-dloss/dz") -> str:
    """The update rule as the file's convention writes it."""
    if convention == "delta":
        rule = "Δw = η δ a" if delta_sign == "-dloss/dz" else "Δw = −η δ a"
        return f"Update with η = {lr}: {rule}, w ← w + Δw"
    return f"Update with η = {lr}: w ← w − η ∂L/∂w"


def epoch_table(example: worked.Example, digits: int) -> tuple[Table, list[dict]]:
    """The forward values at the start of each epoch the file has expectations for,
    at the decimals its hand values show and under the column names its
    ``[train] log`` gives (the document's own log format); epoch = steps is the
    forward pass after the last update."""
    records = worked.train(example, after=any(n >= example.steps
                                                   for n, _ in example.expect_epochs))
    names: list[str] = []
    for _, expected in example.expect_epochs:
        for k in expected:
            if k not in names:
                names.append(k)
    places = {k: max(checker.decimals(hand.text) for _, expected in example.expect_epochs
                     for name, hand in expected.items() if name == k) for k in names}

    def cell(value: float, k: str) -> Cell:
        d = places[k]
        text = f"{value:.{d}f}" if 0 < d <= 12 and abs(value) < 1e6 else fmt(value, digits)
        return Cell(text, value)

    rows, data = [], []
    for epoch, _ in example.expect_epochs:
        rec = records[epoch] if 0 <= epoch < len(records) else {}
        rows.append([Cell(str(epoch), float(epoch))]
                    + [cell(rec[k], k) if k in rec else Cell("-") for k in names])
        data.append({"epoch": epoch, **{k: rec[k] for k in names if k in rec}})
    cols = [Column("Epoch" if example.log_columns else "epoch", "number")] + [
        Column(example.log_columns[k], "number") if k in example.log_columns
        else Column(k, "number", math=math_name(k)) for k in names]
    return Table(cols, rows), data


def run_report(example: worked.Example, shown: str, digits: int = 4,
               figure: Figure | None = None, decimals: int | None = None,
               rounding: Rounding = HAND) -> Report:
    """Forward values, loss, gradients, the update table and the check (its engine
    values as ``rounding`` says: by default at each hand number's decimals)."""
    subtitle = [shown] + ([example.source] if example.source else [])
    r = Report("run", example.title, subtitle, header="rule")
    values = worked.build(example)
    if example.loss is not None:
        worked.backward(example, values)
    data = {name: v.data for name, v in values.items()}
    out: dict[str, Any] = {"values": data}
    r.add(Blank(),
          Assignments("Inputs", _cells({k: data[k] for k in example.inputs}, digits, decimals)),
          Assignments("Parameters", _cells({k: data[k] for k in example.params}, digits,
                                           decimals)))
    if example.nodes:
        r.add(Heading("Forward pass"), forward_table(example, data, digits, decimals))
    if example.loss is not None:
        loss = example.loss
        r.add(Blank(), Paragraph([f"Loss: {loss} = {number(data[loss], digits, decimals)}"]))
        grads = {k: values[k].grad for k in example.params}
        out["loss"] = data[loss]
        out["grads"] = {k: v.grad for k, v in values.items()}
        if grads:
            r.add(Heading("Gradients"), gradient_table(loss, grads, digits, decimals))
            if example.lr is None:
                r.add(Paragraph(["(no [train] lr in the file, so no update step)"], indent=2))
            else:
                new = worked.step(example, values)
                lr = fmt(example.lr, digits)
                r.add(Heading(update_heading(example.convention, lr, example.delta_sign)),
                      update_table({k: data[k] for k in example.params}, grads, new, digits,
                                   example.convention, example.lr, example.delta_sign, decimals))
                out["lr"] = example.lr
                out["updated"] = new
                out["convention"] = example.convention
                out["steps"] = {k: new[k] - data[k] for k in example.params}
        if example.steps and example.steps > 1 and example.expect_epochs:
            table, epochs = epoch_table(example, digits)
            r.add(Heading(f"Training log ({example.steps} steps; the epochs the document "
                          "prints)"), table)
            out["epochs"] = epochs
    verdicts = checker.check(example)
    r.add(Heading("Check against the hand values"), *check_blocks(verdicts, rounding=rounding))
    out["verdicts"] = verdict_records(verdicts)
    out["summary"] = checker.summary(verdicts)
    if figure is not None:
        r.add(figure)
    r.data = out
    return r


def totals_report(totals: Sequence[tuple[str, str, bool]]) -> Report:
    """The closing lines of ``run`` over several files: one summary each."""
    r = Report("run", f"{len(totals)} worked examples", header="rule")
    w = max(len(n) for n, _, _ in totals)
    for name, line, wrong in totals:
        r.add(Paragraph([f"  {name:<{w}}  {line}"], style="wrong" if wrong else "plain"))
    return r

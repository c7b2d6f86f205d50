"""``chainrule run`` as a report: a worked example as the documents print it.

Inputs and parameters, the forward pass (each node's value and expression),
the loss, the gradients, the update table, the training log the document
prints, and the check of every hand number.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..handcheck import verdicts as checker
from .. import worked
from ..numbers import fmt
from ..report import Assignments, Blank, Cell, Column, Figure, Heading, Paragraph, Report, Table
from ..report.mathtext import Math, math_name, partial
from .check import check_blocks, verdict_records


def _cells(values: dict[str, float], digits: int) -> list[tuple[Math, Cell]]:
    return [(math_name(k), Cell(fmt(v, digits), v)) for k, v in values.items()]


def forward_table(example: worked.Example, data: dict[str, float], digits: int) -> Table:
    rows = [[Cell(n, math=math_name(n)), Cell(fmt(data[n], digits), data[n]),
             Cell(" ".join(str(example.nodes[n]).split()))] for n in example.nodes]
    return Table([Column("node", "name"), Column("value", "number"),
                  Column("expression", "code")], rows, style="assign")


def gradient_table(loss: str, grads: dict[str, float], digits: int) -> Table:
    head = partial(math_name(loss), math_name("name"))
    return Table([Column("name", "name"), Column(f"∂{loss}/∂name", "number", math=head)],
                 [[Cell(k, math=math_name(k)), Cell(fmt(g, digits), g)]
                  for k, g in grads.items()])


def update_table(old: dict[str, float], grads: dict[str, float], new: dict[str, float],
                 digits: int) -> Table:
    """The documents' update table; the new value gets two more digits than the rest:
    it differs from the old one in the later digits when the gradient is small."""
    rows = [[Cell(k, math=math_name(k)), Cell(fmt(old[k], digits), old[k]),
             Cell(fmt(grads[k], digits), grads[k]), Cell(fmt(new[k], digits + 2), new[k])]
            for k in old]
    return Table([Column("parameter", "name"), Column("old value", "number"),
                  Column("gradient", "number"), Column("new value", "number")], rows)


def epoch_table(example: worked.Example, digits: int) -> tuple[Table, list[dict]]:
    """The forward values at the start of each epoch the file has expectations for,
    at the decimals its hand values show (the document's own log format)."""
    records = worked.train(example)
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
    cols = [Column("epoch", "number")] + [Column(k, "number", math=math_name(k)) for k in names]
    return Table(cols, rows), data


def run_report(example: worked.Example, shown: str, digits: int = 4,
               figure: Figure | None = None) -> Report:
    """Forward values, loss, gradients, the update table and the check."""
    subtitle = [shown] + ([example.source] if example.source else [])
    r = Report("run", example.title, subtitle, header="rule")
    values = worked.build(example)
    if example.loss is not None:
        worked.backward(example, values)
    data = {name: v.data for name, v in values.items()}
    out: dict[str, Any] = {"values": data}
    r.add(Blank(),
          Assignments("Inputs", _cells({k: data[k] for k in example.inputs}, digits)),
          Assignments("Parameters", _cells({k: data[k] for k in example.params}, digits)))
    if example.nodes:
        r.add(Heading("Forward pass"), forward_table(example, data, digits))
    if example.loss is not None:
        loss = example.loss
        r.add(Blank(), Paragraph([f"Loss: {loss} = {fmt(data[loss], digits)}"]))
        grads = {k: values[k].grad for k in example.params}
        out["loss"] = data[loss]
        out["grads"] = {k: v.grad for k, v in values.items()}
        if grads:
            r.add(Heading("Gradients"), gradient_table(loss, grads, digits))
            if example.lr is None:
                r.add(Paragraph(["(no [train] lr in the file, so no update step)"], indent=2))
            else:
                new = worked.step(example, values)
                lr = fmt(example.lr, digits)
                r.add(Heading(f"Update with lr = {lr}: new = old − {lr} · gradient"),
                      update_table({k: data[k] for k in example.params}, grads, new, digits))
                out["lr"] = example.lr
                out["updated"] = new
        if example.steps and example.steps > 1 and example.expect_epochs:
            table, epochs = epoch_table(example, digits)
            r.add(Heading(f"Training log ({example.steps} steps; the epochs the document "
                          "prints)"), table)
            out["epochs"] = epochs
    verdicts = checker.check(example)
    r.add(Heading("Check against the hand values"), *check_blocks(verdicts))
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

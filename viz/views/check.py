"""The check as a report: each hand number, the engine's value, the verdict.

``check_table`` is the verdict table (the ``check`` command and the last part
of ``run``); ``summary_note`` the line under it that counts the verdicts.
"""

from __future__ import annotations

from typing import Sequence

from ..handcheck import verdicts as checker
from ..report import Cell, Column, Note, Paragraph, Report, Table
from ..report.mathtext import math_name, raw

WIDTH = 80


def _quantity(v: checker.Verdict) -> Cell:
    name = math_name(v.name)
    if v.kind == "epoch":
        return Cell(v.quantity, math=raw(f"epoch {v.epoch} ", f"\\text{{epoch {v.epoch} }}") + name)
    return Cell(v.quantity, math=raw(f"{v.kind} ", f"\\text{{{v.kind} }}") + name)


def check_table(verdicts: Sequence[checker.Verdict]) -> Table:
    """The verdict table: quantity, hand, engine, engine − hand, rel, verdict."""
    cols = [Column("quantity", "name"), Column("hand", "number"), Column("engine", "number"),
            Column("engine-hand", "number"), Column("rel", "number"), Column("verdict", "verdict")]
    rows = []
    for v in verdicts:
        q = _quantity(v)
        rows.append([
            q,
            Cell(v.hand.text, v.hand.value),
            Cell(checker.format_engine(v), v.engine),
            Cell(checker._format_difference(v), v.difference),
            Cell(checker._format_relative(v), v.relative),
            Cell("WRONG" if v.verdict == checker.WRONG else v.verdict),
        ])
    return Table(cols, rows, marks=True)


def summary_note(verdicts: Sequence[checker.Verdict], width: int = WIDTH) -> Note:
    line = checker._summary_line(list(verdicts), False, width)
    c = checker.summary(list(verdicts))
    return Note([line], kind="wrong" if c[checker.WRONG] else "summary")


def verdict_records(verdicts: Sequence[checker.Verdict]) -> list[dict]:
    """The verdicts for machines: every number at full precision."""
    return [{"quantity": v.quantity, "kind": v.kind, "name": v.name, "epoch": v.epoch,
             "hand": v.hand.text, "hand_value": v.hand.value, "engine": v.engine,
             "difference": v.difference, "relative": v.relative, "verdict": v.verdict}
            for v in verdicts]


def check_blocks(verdicts: Sequence[checker.Verdict]) -> list:
    if not verdicts:
        return [Paragraph(["(the file expects no numbers)"], indent=2)]
    return [check_table(verdicts), summary_note(verdicts)]


def check_report(title: str, note: str | None, verdicts: Sequence[checker.Verdict]) -> Report:
    """What ``chainrule check`` prints."""
    r = Report("check", title, [note] if note else [], header="line")
    r.add(*check_blocks(verdicts))
    counts = checker.summary(list(verdicts))
    r.data = {"verdicts": verdict_records(verdicts), "summary": counts,
              "ok": counts[checker.WRONG] == 0}
    return r

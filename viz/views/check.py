"""The check as a report: each hand number, the engine's value, the verdict.

``check_table`` is the verdict table (the ``check`` command and the last part
of ``run``): the engine's value with two more decimals than the hand shows,
engine − hand, the relative difference |engine − hand| / |engine| (a dash
where that ratio means nothing), and the verdict, WRONG in capitals.
``summary_note`` is the line under it that counts the verdicts.
"""

from __future__ import annotations

import math
from typing import Sequence

from ..handcheck import verdicts as checker
from ..report import Cell, Column, Note, Paragraph, Report, Table
from ..report.mathtext import math_name, raw

WIDTH = 80
DASH = "\u2014"


def format_engine(v: checker.Verdict) -> str:
    """The engine's value with two more decimals than the hand shows."""
    if not math.isfinite(v.engine):
        return str(v.engine)
    try:
        d = checker.decimals(v.hand.text)
    except ValueError:
        d = 6
    places = min(max(d + 2, 0), 12)
    text = f"{v.engine:.{places}f}"
    if len(text) > 14 or (v.engine != 0 and float(text) == 0):
        text = f"{v.engine:.6g}"
    return text


def format_difference(v: checker.Verdict) -> str:
    if not math.isfinite(v.difference):
        return DASH
    if v.difference == 0:
        return "0"
    return f"{v.difference:+.2g}"


def format_relative(v: checker.Verdict) -> str:
    r = v.relative
    if r is None:  # the engine's value is 0 (or below the hand's digits): no ratio
        return DASH
    if r == 0:
        return "0"
    if r >= 10:
        return f"{r:.0f}x"
    return f"{r:.1%}" if r >= 0.001 else f"{r:.2%}"


def summary_line(verdicts: Sequence[checker.Verdict], width: int = WIDTH) -> str:
    """'15 numbers: 6 exact, 0 close, 9 wrong (WRONG: value a5, value z6, +7 more)'."""
    c = checker.summary(list(verdicts))
    noun = "number" if c["total"] == 1 else "numbers"
    text = (f"{c['total']} {noun}: {c[checker.EXACT]} exact, {c[checker.CLOSE]} close, "
            f"{c[checker.WRONG]} wrong")
    if c[checker.WRONG]:
        wrong = [v.quantity for v in verdicts if v.verdict == checker.WRONG]
        shown: list[str] = []
        for i, q in enumerate(wrong):
            rest = len(wrong) - i - 1
            tail = f", +{rest} more" if rest else ""
            if len(text) + len(" (WRONG: ") + len(", ".join(shown + [q])) + len(tail) + 1 > width \
                    and shown:
                shown.append(f"+{len(wrong) - i} more")
                break
            shown.append(q)
        text = f"{text} (WRONG: {', '.join(shown)})"
    return text


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
            Cell(format_engine(v), v.engine),
            Cell(format_difference(v), v.difference),
            Cell(format_relative(v), v.relative),
            Cell("WRONG" if v.verdict == checker.WRONG else v.verdict),
        ])
    return Table(cols, rows, marks=True)


def summary_note(verdicts: Sequence[checker.Verdict], width: int = WIDTH) -> Note:
    line = summary_line(verdicts, width)
    c = checker.summary(list(verdicts))
    return Note([line], kind="wrong" if c[checker.WRONG] else "summary")


def verdict_records(verdicts: Sequence[checker.Verdict]) -> list[dict]:
    """The verdicts for machines: every number at full precision."""
    return [{"quantity": v.quantity, "kind": v.kind, "name": v.name, "epoch": v.epoch,
             "hand": v.hand.text, "hand_value": v.hand.value, "engine": v.engine,
             "difference": v.difference, "relative": v.relative, "verdict": v.verdict}
            for v in verdicts]


def check_blocks(verdicts: Sequence[checker.Verdict], width: int = WIDTH) -> list:
    if not verdicts:
        return [Paragraph(["(the file expects no numbers)"], indent=2)]
    return [check_table(verdicts), summary_note(verdicts, width)]


def check_report(title: str, note: str | None, verdicts: Sequence[checker.Verdict]) -> Report:
    """What ``chainrule check`` prints."""
    r = Report("check", title, [note] if note else [], header="line")
    r.add(*check_blocks(verdicts))
    counts = checker.summary(list(verdicts))
    r.data = {"verdicts": verdict_records(verdicts), "summary": counts,
              "ok": counts[checker.WRONG] == 0}
    return r

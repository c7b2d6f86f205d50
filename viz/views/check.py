"""The check as a report: each hand number, the engine's value, the verdict.

``check_table`` is the verdict table (the ``check`` command and the last part
of ``run``): the engine's value at the decimals the hand shows (a document
that rounds to 4 decimals is answered in 4 decimals; ``Rounding`` chooses
other decimals or significant digits), engine − hand, the relative
difference |engine − hand| / |engine| (a dash where that ratio means
nothing), the hint when some verdict has one (sign, arithmetic, rounded
operands: ``viz.handcheck.verdicts``) and the verdict, WRONG in capitals.
``summary_note`` is the line under it that counts the verdicts;
``hint_note`` says what the hints in the table mean.  ``files_report`` is
``check`` over several files: each file's check headed by its path, then one
row per file (its counts and worst verdict, or that it was not checked and why).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from collections.abc import Sequence

from ..handcheck import verdicts as checker
from ..numbers import fmt
from ..report import Blank, Cell, Column, Note, Paragraph, Part, Report, Table
from ..report.mathtext import Math, formula, math_name, raw

WIDTH = 80
DASH = "\u2014"


@dataclass(frozen=True)
class Rounding:
    """How numbers next to a hand value are shown: at the hand's own decimals
    (the default), at ``decimals`` decimals, or at ``digits`` significant digits."""

    decimals: int | None = None
    digits: int | None = None

    def show(self, value: float, hand_text: str | None = None) -> str:
        """``value`` as this rounding writes it (next to the hand literal ``hand_text``)."""
        if not math.isfinite(value):
            return str(value)
        if self.digits is not None:
            return fmt(value, self.digits)
        if self.decimals is not None:
            d = self.decimals
        else:
            try:
                d = checker.decimals(hand_text) if hand_text is not None else 6
            except ValueError:
                d = 6
        if d < 0:  # hundreds, thousands...: round there, show the whole number
            text = f"{round(value, d):.0f}"
        else:
            text = f"{value:.{min(d, 12)}f}"
        if len(text) > 16 or (value != 0 and float(text) == 0 and d >= 0 and d < 12
                              and self.decimals is None):
            text = f"{value:.6g}"  # too small or too large to show at those decimals
        if text.startswith("-") and float(text) == 0:
            text = text[1:]  # -0.000 reads as a sign that is not there
        return text


HAND = Rounding()


def format_engine(v: checker.Verdict, rounding: Rounding = HAND) -> str:
    """The engine's value at the hand's decimals (or as ``rounding`` says)."""
    return rounding.show(v.engine, v.hand.text)


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


def expression_formula(text: str) -> str:
    """An arithmetic line as the derivations write it: · for *, ^ for **, − for -
    (a binary minus with a space each side, as the documents print it)."""
    t = re.sub(r"\s*\*\*\s*", "^", " ".join(text.split()))
    t = re.sub(r"\s*\*\s*", "·", t)
    return t.replace("-", "−")


def arithmetic_math(text: str) -> Math:
    """An arithmetic line: as the file writes it in text (the check stays ASCII), as the
    derivations write it in LaTeX (·, ^, −)."""
    shown = re.sub(r"\s*([*/])\s*", r"\1", " ".join(text.split()))  # 0.0134*0.10
    return Math(shown, formula(expression_formula(text)).latex)


def _quantity(v: checker.Verdict) -> Cell:
    if v.kind == "local":
        out, _, inn = v.name.partition("/")  # ∂OUT/∂IN: a local derivative, one edge
        top, bottom = math_name(out), math_name(inn)  # slashed, to read in a table row
        return Cell(v.quantity, math=Math(f"∂{top.text}/∂{bottom.text}",
                                          f"\\partial {top.latex}/\\partial {bottom.latex}"))
    if v.kind == "arithmetic":
        return Cell(v.name, math=arithmetic_math(v.name))
    name = math_name(v.name)
    if v.kind == "epoch":
        return Cell(v.quantity, math=raw(f"epoch {v.epoch} ", f"\\text{{epoch {v.epoch} }}") + name)
    return Cell(v.quantity, math=raw(f"{v.kind} ", f"\\text{{{v.kind} }}") + name)


def check_table(verdicts: Sequence[checker.Verdict], rounding: Rounding = HAND) -> Table:
    """The verdict table: quantity, hand, engine, engine − hand, rel, [hint,] verdict.

    The hint column is there only when some verdict has a hint."""
    hints = any(v.hint for v in verdicts)
    cols = [Column("quantity", "name"), Column("hand", "number"), Column("engine", "number"),
            Column("engine-hand", "number"), Column("rel", "number")]
    cols += [Column("hint", "text")] if hints else []
    cols += [Column("verdict", "verdict")]
    rows = []
    for v in verdicts:
        q = _quantity(v)
        row = [
            q,
            Cell(v.hand.text, v.hand.value),
            Cell(format_engine(v, rounding), v.engine),
            Cell(format_difference(v), v.difference),
            Cell(format_relative(v), v.relative),
        ]
        if hints:
            row.append(Cell(HINT_LABELS.get(v.hint or "", "")))
        row.append(Cell("WRONG" if v.verdict == checker.WRONG else v.verdict))
        rows.append(row)
    return Table(cols, rows, marks=True)


#: The hint column's words ("rounded" for "rounded operands", to fit 80 columns).
HINT_LABELS = {checker.SIGN: "sign", checker.ARITHMETIC: "arithmetic", checker.ROUNDED: "rounded"}
HINT_MEANINGS = {
    checker.SIGN: "sign: the hand number is wrong, but its negative is right (a δ sign slip)",
    checker.ARITHMETIC: "arithmetic: the printed result does not follow from the printed "
                        "operands (the document's own arithmetic slipped)",
    checker.ROUNDED: "rounded (rounded operands): the engine's values of the operands explain "
                     "the difference (the document computed right from other numbers)",
}


def hint_notes(verdicts: Sequence[checker.Verdict], rounding: Rounding = HAND) -> list[Note]:
    """What the hints in the tables mean: one note for each hint present, and one for
    each arithmetic line that the engine's operands explain, with the result they give."""
    notes = [Note([HINT_MEANINGS[h]], kind="hint") for h in checker.HINTS
             if any(v.hint == h for v in verdicts)]
    for v in verdicts:
        if v.kind == "arithmetic" and v.engine_operands is not None:
            notes.append(Note([arithmetic_math(v.name), f" = {v.hand.text} follows from the engine's "
                               f"operands ({rounding.show(v.engine_operands, v.hand.text)}), "
                               f"not from the printed ones "
                               f"({rounding.show(v.engine, v.hand.text)})"], kind="hint"))
    return notes


def arithmetic_table(lines: Sequence[checker.Verdict], rounding: Rounding = HAND) -> Table:
    """The document's own arithmetic: each line's printed result, the exact result
    of its printed operands, the hint, the verdict, and the line itself (last: it
    is the long column, never cut short).  The result from the engine's operands
    is in ``hint_notes``."""
    hints = any(v.hint for v in lines)
    cols = [Column("printed", "number"), Column("result", "number")]
    cols += [Column("hint", "text")] if hints else []
    cols += [Column("verdict", "verdict"), Column("arithmetic", "name")]
    rows = []
    for v in lines:
        row = [Cell(v.hand.text, v.hand.value), Cell(format_engine(v, rounding), v.engine)]
        if hints:
            row.append(Cell(HINT_LABELS.get(v.hint or "", "")))
        row += [Cell("WRONG" if v.verdict == checker.WRONG else v.verdict), _quantity(v)]
        rows.append(row)
    return Table(cols, rows, marks=True)


def summary_note(verdicts: Sequence[checker.Verdict], width: int = WIDTH) -> Note:
    line = summary_line(verdicts, width)
    c = checker.summary(list(verdicts))
    return Note([line], kind="wrong" if c[checker.WRONG] else "summary")


def verdict_records(verdicts: Sequence[checker.Verdict]) -> list[dict]:
    """The verdicts for machines: every number at full precision."""
    return [{"quantity": v.quantity, "kind": v.kind, "name": v.name, "epoch": v.epoch,
             "hand": v.hand.text, "hand_value": v.hand.value, "engine": v.engine,
             "difference": v.difference, "relative": v.relative, "verdict": v.verdict,
             "hint": v.hint, "engine_operands": v.engine_operands}
            for v in verdicts]


def check_blocks(verdicts: Sequence[checker.Verdict], width: int = WIDTH,
                 rounding: Rounding = HAND) -> list:
    if not verdicts:
        return [Paragraph(["(the file expects no numbers)"], indent=2)]
    quantities = [v for v in verdicts if v.kind != "arithmetic"]
    lines = [v for v in verdicts if v.kind == "arithmetic"]
    blocks: list = [check_table(quantities, rounding)] if quantities else []
    if lines:
        blocks += [Paragraph(["The document's own arithmetic (operands and results as "
                              "printed):"]), arithmetic_table(lines, rounding)]
    return blocks + [summary_note(verdicts, width), *hint_notes(verdicts, rounding)]


def check_report(title: str, note: str | None, verdicts: Sequence[checker.Verdict],
                 rounding: Rounding = HAND) -> Report:
    """What ``chainrule check`` prints."""
    r = Report("check", title, [note] if note else [], header="line")
    r.add(*check_blocks(verdicts, rounding=rounding))
    counts = checker.summary(list(verdicts))
    r.data = {"verdicts": verdict_records(verdicts), "summary": counts,
              "ok": counts[checker.WRONG] == 0}
    return r


@dataclass(frozen=True)
class FileCheck:
    """One file of ``chainrule check`` over several: its verdicts, or why it was not checked."""

    file: str  # the file as the output names it (its path, `<stdin>`, a bundled name)
    title: str = ""  # the worked example's title
    note: str | None = None  # where it was found, when not as given
    verdicts: tuple[checker.Verdict, ...] = ()
    error: str | None = None  # the one line said on stderr: the file was not checked


def worst_verdict(verdicts: Sequence[checker.Verdict]) -> str | None:
    """wrong if any number is wrong, else close if any is close, else exact (None: no numbers)."""
    found = {v.verdict for v in verdicts}
    for verdict in (checker.WRONG, checker.CLOSE, checker.EXACT):
        if verdict in found:
            return verdict
    return None


def file_report(f: FileCheck, rounding: Rounding = HAND) -> Report:
    """One checked file of several: its path as the heading, the example's title under it."""
    subtitle = [f.title] + ([f.note] if f.note else [])
    r = Report("check", f.file, subtitle, header="rule")
    r.add(*check_blocks(f.verdicts, rounding=rounding))
    counts = checker.summary(list(f.verdicts))
    r.data = {"file": f.file, "title": f.title, "verdicts": verdict_records(f.verdicts),
              "summary": counts, "ok": counts[checker.WRONG] == 0}
    return r


def files_table(files: Sequence[FileCheck]) -> Table:
    """One row per file: how many numbers, how many exact, close and wrong, the worst
    verdict, the file (last: the long column, never cut short); a file that could not
    be checked has dashes and "not checked"."""
    cols = [Column("numbers", "number"), Column("exact", "number"), Column("close", "number"),
            Column("wrong", "number"), Column("verdict", "verdict"), Column("file", "name")]
    rows = []
    for f in files:
        if f.error is not None:
            rows.append([Cell(DASH)] * 4 + [Cell("not checked"), Cell(f.file)])
            continue
        c = checker.summary(list(f.verdicts))
        worst = worst_verdict(f.verdicts)
        rows.append([Cell(str(c[k]), float(c[k]))
                     for k in ("total", checker.EXACT, checker.CLOSE, checker.WRONG)]
                    + [Cell(DASH if worst is None else "WRONG" if worst == checker.WRONG
                            else worst), Cell(f.file)])
    return Table(cols, rows, marks=True)


def files_report(files: Sequence[FileCheck], rounding: Rounding = HAND) -> Report:
    """``chainrule check`` over several files: each checked file's report (headed by its
    path), then the table of every file, and a line for each file not checked."""
    whole = Report("check", "", header="none")
    records: list[dict] = []  # data.files: each file's data, or its error, in the order given
    parts = 0
    for f in files:
        if f.error is not None:
            records.append({"file": f.file, "error": f.error})
            continue
        part = file_report(f, rounding)
        records.append(part.data)
        if parts:
            whole.add(Blank(), Blank())
        whole.add(Part(part))
        parts += 1
    bad = [f for f in files if f.error is not None]
    n = len(files)
    title = f"{n} files: {n - len(bad)} checked" + (f", {len(bad)} not (bad input)" if bad else "")
    closing = Report("check", title, header="rule")
    closing.add(files_table(files))
    closing.add(*[Note([f"not checked: {f.error}"], kind="wrong") for f in bad])
    whole.add(*([Blank(), Blank()] if parts else []), Part(closing))
    counts = checker.summary([v for f in files for v in f.verdicts])
    whole.data = {"files": records, "summary": counts, "not_checked": len(bad),
                  "ok": not bad and counts[checker.WRONG] == 0}
    return whole

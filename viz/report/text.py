"""The text writer: a report as the terminal shows it, at most 80 columns.

Colour (ANSI) only when asked; ``ascii=True`` spells every character in ASCII
(for a terminal or a pipe that cannot encode Unicode).  Text that came from a
file is shown with its control characters made visible (``viz.safe``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from ..safe import visible
from .mathtext import Math, ascii_text
from .model import (
    Assignments, Blank, Block, Cell, Equations, Figure, Heading, Inline, Line, Note, Paragraph,
    Part, Report, Table,
)

WIDTH = 80
_CODES = {"bold": "1", "dim": "2", "red": "1;31", "green": "32", "yellow": "33"}
_VERDICT_COLOUR = {"exact": "green", "close": "yellow"}


class _Out:
    def __init__(self, color: bool, ascii: bool, width: int) -> None:
        self.color, self.ascii, self.width = color, ascii, width
        self.lines: list[str] = []

    def style(self, kind: str, text: str) -> str:
        if not self.color or not text:
            return text
        return f"\033[{_CODES[kind]}m{text}\033[0m"

    def m(self, math: Math) -> str:
        return math.text

    def inline(self, pieces: Sequence[Inline]) -> str:
        return "".join(visible(p.text if isinstance(p, Math) else p) for p in pieces)


def write(report: Report, color: bool = False, ascii: bool = False, width: int = WIDTH) -> str:
    """The report as terminal text, ending in a newline."""
    out = _Out(color, ascii, width)
    _report(out, report)
    text = "\n".join(out.lines) + "\n"
    return ascii_text(text) if ascii else text


def _report(out: _Out, r: Report) -> None:
    _header(out, r)
    for block in r.blocks:
        _block(out, block)


def _header(out: _Out, r: Report) -> None:
    title = visible(r.title)
    subs = [visible(s) for s in r.subtitle]
    if r.header == "rule":
        out.lines.append(out.style("bold", "━━ " + title))
        for s in subs:
            for line in textwrap.wrap(s, out.width - 3, break_on_hyphens=False) or [""]:
                out.lines.append(out.style("dim", "   " + line))
    elif r.header == "line":
        first = out.style("bold", title)
        if subs and len(title) + len(subs[0]) + 4 <= out.width:
            out.lines.append(first + "  " + out.style("dim", f"({subs[0]})"))
        else:
            out.lines.append(first)
            if subs:
                out.lines.append(out.style("dim", f"  ({subs[0]})"))
        for s in subs[1:]:
            out.lines.append(out.style("dim", f"  {s}"))
    elif r.header == "none":
        for s in subs:
            out.lines.append(out.style("dim", f"({s})"))
        if subs:
            out.lines.append("")


def _block(out: _Out, b: Block) -> None:
    if isinstance(b, Heading):
        out.lines.append("")
        out.lines.append(out.style("bold", visible(b.text)))
    elif isinstance(b, Blank):
        out.lines.append("")
    elif isinstance(b, (Paragraph, Note)):
        text = out.inline(b.pieces)
        indent = " " * b.indent
        hang = indent if not isinstance(b, Paragraph) or b.hang is None else " " * b.hang
        lines = textwrap.wrap(text, out.width, initial_indent=indent, subsequent_indent=hang,
                              break_on_hyphens=False) or [""]
        kind = b.style if isinstance(b, Paragraph) else {"wrong": "red"}.get(b.kind, "plain")
        kind = "red" if kind == "wrong" else kind
        for line in lines:
            out.lines.append(out.style(kind, line) if kind != "plain" else line)
    elif isinstance(b, Assignments):
        if b.items:
            body = ", ".join(f"{out.m(name)} = {cell.text}" for name, cell in b.items)
            out.lines += textwrap.wrap(f"{b.title}: {body}", out.width, subsequent_indent="  ",
                                       break_on_hyphens=False)
    elif isinstance(b, Table):
        out.lines += _table(out, b)
    elif isinstance(b, Equations):
        out.lines += _equations(out, b)
    elif isinstance(b, Part):
        _report(out, b.report)
    elif isinstance(b, Figure):
        out.lines.append("")
        out.lines.append(f"Graph: {visible(b.path)}" if b.path else visible(b.caption))
    else:  # pragma: no cover - the model has no other block
        raise TypeError(f"unknown block {type(b).__name__}")


def _cell(out: _Out, c: Cell) -> str:
    return visible(c.math.text if c.math is not None else c.text)


def _table(out: _Out, t: Table) -> list[str]:
    rows = [[_cell(out, c) for c in row] for row in t.rows]
    if t.style == "assign":
        return _assign_table(out, rows)
    headers = [col.math.text if col.math is not None else col.title for col in t.columns]
    n = len(headers)
    widths = [max([len(headers[k])] + [len(r[k]) for r in rows]) for k in range(n)]
    gutter = 2
    total = gutter + sum(widths) + 2 * (n - 1)
    if total > out.width and n > 1:
        widths[0] = max(10, widths[0] - (total - out.width))
    ellipsis = "…"

    def cut(text: str, w: int) -> str:
        # keep the kind ("grad ", "epoch 200 ") and the end of the name, the telling part
        if len(text) <= w:
            return text
        prefix, _, name = text.rpartition(" ")
        room = w - len(prefix) - 2
        if prefix and room >= 3:
            return f"{prefix} {ellipsis}{name[-room:]}"
        return text[: w - 1] + ellipsis

    def line(cells: Sequence[str], margin: str) -> str:
        parts = []
        for k, (c, w, col) in enumerate(zip(cells, widths, t.columns)):
            c = cut(c, w) if k == 0 else c
            parts.append(c.rjust(w) if col.align == "r" else c.ljust(w))
        return (margin + "  ".join(parts)).rstrip()

    lines = [line(headers, " " * gutter)]
    for row, cells in zip(t.rows, rows):
        verdict = t.verdict_of(row)
        margin = "✗ " if t.marks and verdict == "wrong" else " " * gutter
        text = line(cells, margin)
        if out.color and verdict is not None:
            if verdict == "wrong":
                text = out.style("red", text)
            elif verdict in _VERDICT_COLOUR and text.endswith(" " + verdict):
                text = text[: -len(verdict)] + out.style(_VERDICT_COLOUR[verdict], verdict)
        lines.append(text)
    if t.caption:
        lines += textwrap.wrap(visible(t.caption), out.width, break_on_hyphens=False)
    return lines


def _assign_table(out: _Out, rows: list[list[str]]) -> list[str]:
    """'  z_h1 = 0.3775   (x1*w1 + x2*w2 + b1)': name, value, the expression."""
    if not rows:
        return []
    w_name = max(len(r[0]) for r in rows)
    w_num = max(len(r[1]) for r in rows)
    room = max(out.width - (2 + w_name + 3 + w_num + 5), 12)
    lines = []
    for r in rows:
        expr = " ".join(r[2].split()) if len(r) > 2 else ""
        expr = expr if len(expr) <= room else expr[: room - 1] + "…"
        tail = f"   ({expr})" if expr else ""
        lines.append(f"  {r[0]:<{w_name}} = {r[1]:>{w_num}}{tail}")
    return lines


def _equations(out: _Out, eq: Equations) -> list[str]:
    pad = max((len(ln.lhs.text) for ln in eq.lines), default=0) if eq.align else 0
    lines: list[str] = []
    for ln in eq.lines:
        lines += _line(out, ln, eq.indent, pad, eq.wrap_indent)
    return lines


def _line(out: _Out, ln: Line, indent: int, pad: int, wrap_indent: int) -> list[str]:
    head = " " * indent + ln.lhs.text.ljust(pad)
    if ln.terms is not None:
        k = ln.terms_at
        first = head + "".join(f" {rel} {m.text}" for rel, m in ln.steps[:k]) \
            + f" {ln.steps[k][0]} "
        tail = "".join(f" {rel} {m.text}" for rel, m in ln.steps[k + 1:])
        return _wrap(first, [t.text for t in ln.terms], ln.op, tail, wrap_indent, out.width)
    steps = list(ln.steps)
    text = head + "".join(f" {rel} {m.text}" for rel, m in steps)
    if len(text) > out.width and ln.optional:
        steps = [s for k, s in enumerate(ln.steps) if k not in ln.optional]
        text = head + "".join(f" {rel} {m.text}" for rel, m in steps)
    if len(text) > out.width and len(steps) > 1:
        text = head + f" {steps[-1][0]} {steps[-1][1].text}"
    return [text]


def _wrap(first: str, pieces: Sequence[str], sep: str, tail: str, indent: int,
          width: int) -> list[str]:
    """``first`` + pieces joined by ``sep`` + ``tail``, broken at the separators."""
    lines, line = [], first
    for k, piece in enumerate(pieces):
        chunk = piece if k == 0 else sep + piece
        # a line that breaks after this piece ends in the operator: it must fit too
        more = len(sep.rstrip()) if k < len(pieces) - 1 else 0
        if k > 0 and len(line) + len(chunk) + more > width:
            lines.append(line + sep.rstrip())
            line = " " * indent + piece
        else:
            line += chunk
    if len(line) + len(tail) > width:
        lines.append(line)
        line = " " * indent + tail.lstrip()
    else:
        line += tail
    lines.append(line)
    return lines

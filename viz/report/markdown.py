"""The Markdown writer: GitHub-flavoured tables, math as ``$…$`` and ``$$…$$``.

What it writes pastes into a post as it is: MathJax and KaTeX render the
math (the way seed 001 writes its derivations), GitHub renders the tables.
Text from a file is escaped so it cannot start a list, a link or HTML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..safe import visible
from .mathtext import Math
from .model import (
    Assignments, Blank, Block, Cell, Equations, Figure, Heading, Inline, Note, Paragraph,
    Part, Report, Table,
)
from .latex import equation_lines

_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~])")
_LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])")


def escape(text: str, line_start: bool = True) -> str:
    """Plain words, safe in Markdown: what would start emphasis, a link, HTML, math or
    a table cell is escaped, and (``line_start``) what would make a line a heading or
    a list item."""
    out = _SPECIAL.sub(r"\\\1", visible(text))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out) if line_start else out


def code(text: str) -> str:
    """Inline code: a run of backticks longer than any inside it."""
    text = visible(text).replace("|", "\\|")
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def inline(pieces: Sequence[Inline]) -> str:
    return "".join(f"${p.latex}$" if isinstance(p, Math) else escape(p, line_start=k == 0)
                   for k, p in enumerate(pieces))


def write(report: Report) -> str:
    out = body(report)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def body(report: Report) -> list[str]:
    out: list[str] = [f"## {escape(report.title)}", ""] if report.title else []
    for s in report.subtitle:
        out += [f"*{escape(s)}*", ""]
    for b in report.blocks:
        out += block(b)
    return out


def block(b: Block) -> list[str]:
    if isinstance(b, Part):
        return body(b.report)
    if isinstance(b, Heading):
        return ["#" * min(6, b.level + 1) + " " + escape(b.text), ""]
    if isinstance(b, Blank):
        return []
    if isinstance(b, (Paragraph, Note)):
        text = inline(b.pieces).strip()
        if isinstance(b, Note) and b.kind in ("hint", "wrong"):
            return [f"> {text}", ""]
        return [text, ""] if text else []
    if isinstance(b, Assignments):
        if not b.items:
            return []
        items = ", ".join(f"${name.latex} = {_num_latex(cell)}$" for name, cell in b.items)
        return [f"**{escape(b.title)}:** {items}", ""]
    if isinstance(b, Table):
        return table(b)
    if isinstance(b, Equations):
        return ["$$", "\\begin{aligned}", *equation_lines(b), "\\end{aligned}", "$$", ""]
    if isinstance(b, Figure):
        if b.path:
            return [f"![{escape(b.caption)}]({_url(b.path)})", ""]
        return [f"*{escape(b.caption)}*", ""]
    raise TypeError(f"unknown block {type(b).__name__}")  # pragma: no cover


def _url(path: str) -> str:
    return path.replace("\\", "/").replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _num_latex(cell: Cell) -> str:
    return cell.math.latex if cell.math is not None else cell.text


def _cell(cell: Cell, kind: str) -> str:
    if cell.math is not None:
        return f"${cell.math.latex}$".replace("|", "\\vert ")
    if kind == "verdict" and cell.text.lower() == "wrong":
        return "**wrong**"
    if kind == "code":
        return code(cell.text) if cell.text else ""
    return escape(cell.text).replace("|", "\\|") if kind != "number" else cell.text


def table(t: Table) -> list[str]:
    heads = [f"${c.math.latex}$" if c.math is not None else escape(c.title) or " "
             for c in t.columns]
    rule = ["---:" if c.align == "r" else ":---" for c in t.columns]
    lines = ["| " + " | ".join(heads) + " |", "| " + " | ".join(rule) + " |"]
    for row in t.rows:
        lines.append("| " + " | ".join(_cell(c, col.kind) for c, col in zip(row, t.columns))
                     + " |")
    lines.append("")
    if t.caption:
        lines += [escape(t.caption), ""]
    return lines

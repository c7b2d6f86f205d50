"""The HTML writer: one self-contained page (no network, no external URL).

Math is MathML (from each formula's LaTeX, by ``latex2mathml``), which
browsers render without any script or font download; graphs are inline SVG;
the style sheet is inline.  ``fragment`` is the same without the page around
it, for a notebook cell.  Everything from a file is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from latex2mathml.converter import convert

from ..safe import visible
from .mathtext import Math
from .model import (
    Assignments, Blank, Block, Cell, Equations, Figure, Heading, Inline, Note, Paragraph,
    Part, Report, Table,
)

STYLE = """
.chainrule-report { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  line-height: 1.45; color: #1f2328; max-width: 60rem; }
.chainrule-report h1 { font-size: 1.5rem; margin: 0.2rem 0; }
.chainrule-report h2 { font-size: 1.15rem; margin: 1.4rem 0 0.4rem; }
.chainrule-report .sub { color: #59636e; margin: 0; }
.chainrule-report table.data { border-collapse: collapse; margin: 0.5rem 0; }
.chainrule-report table.data th, .chainrule-report table.data td {
  padding: 0.15rem 0.7rem; border-bottom: 1px solid #d1d9e0; }
.chainrule-report table.data th { border-bottom: 2px solid #59636e; text-align: left; }
.chainrule-report td.number, .chainrule-report table.data th.number { text-align: right;
  font-variant-numeric: tabular-nums; }
.chainrule-report tr.wrong td { background: #ffebe9; }
.chainrule-report td.verdict-exact { color: #1a7f37; }
.chainrule-report td.verdict-close { color: #9a6700; }
.chainrule-report td.verdict-wrong { color: #d1242f; font-weight: bold; }
.chainrule-report table.eq td { padding: 0.15rem 0.2rem; vertical-align: middle; }
.chainrule-report table.eq td.lhs { text-align: right; }
.chainrule-report .note { color: #59636e; }
.chainrule-report .hint, .chainrule-report .wrong { border-left: 4px solid #d1242f;
  padding-left: 0.6rem; }
.chainrule-report figure { margin: 0.8rem 0; }
.chainrule-report figure svg { max-width: 100%; height: auto; }
.chainrule-report math { font-size: 1.05em; }
.chainrule-report table.eq math { display: inline math; math-style: normal; }
"""

_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def e(text: str) -> str:
    return html.escape(visible(text), quote=True)


def mathml(m: Math, display: bool = False) -> str:
    """A formula as MathML, without namespace URLs (HTML5 knows <math>)."""
    out = convert(m.latex, display="block" if display else "inline")
    return _XMLNS.sub("", out)


def inline(pieces: Sequence[Inline]) -> str:
    return "".join(mathml(p) if isinstance(p, Math) else e(p) for p in pieces)


def fragment(report: Report) -> str:
    """The report as a <div> with its own style (a notebook cell, a page's part)."""
    return (f"<div class=\"chainrule-report\"><style>{STYLE}</style>\n"
            + _body(report) + "\n</div>")


def _body(report: Report) -> str:
    parts = [f"<h1>{e(report.title)}</h1>"] if report.title else []
    parts += [f"<p class=\"sub\">{e(s)}</p>" for s in report.subtitle]
    parts += [block(b) for b in report.blocks]
    return "\n".join(p for p in parts if p)


def page_title(report: Report) -> str:
    if report.title:
        return report.title
    first = next((b.report.title for b in report.blocks if isinstance(b, Part)), "")
    return first or "chainrule"


def write(report: Report) -> str:
    """A complete page: opens from a file, offline."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{e(page_title(report))}</title>\n</head>\n<body>\n"
            + fragment(report) + "\n</body>\n</html>\n")


def block(b: Block) -> str:
    if isinstance(b, Part):
        return f"<section>{_body(b.report)}</section>"
    if isinstance(b, Heading):
        return f"<h2>{e(b.text)}</h2>"
    if isinstance(b, Blank):
        return ""
    if isinstance(b, Paragraph):
        cls = {"dim": " class=\"note\"", "wrong": " class=\"wrong\""}.get(b.style, "")
        return f"<p{cls}>{inline(b.pieces)}</p>"
    if isinstance(b, Note):
        return f"<p class=\"{b.kind}\">{inline(b.pieces)}</p>"
    if isinstance(b, Assignments):
        if not b.items:
            return ""
        items = ", ".join(mathml(name) + " = " + _num(c) for name, c in b.items)
        return f"<p><strong>{e(b.title)}:</strong> {items}</p>"
    if isinstance(b, Table):
        return table(b)
    if isinstance(b, Equations):
        rows = []
        for ln in b.lines:
            rhs = " ".join(f"{_rel(rel)} {m.latex}" for rel, m in ln.steps)
            rows.append(f"<tr><td class=\"lhs\">{mathml(ln.lhs, True)}</td>"
                        f"<td>{mathml(Math('', rhs), True)}</td></tr>")
        return "<table class=\"eq\">" + "".join(rows) + "</table>"
    if isinstance(b, Figure):
        return f"<figure>{svg_inline(b.svg)}<figcaption>{e(b.caption)}</figcaption></figure>"
    raise TypeError(f"unknown block {type(b).__name__}")  # pragma: no cover


def _rel(rel: str) -> str:
    return {"≈": "\\approx", "←": "\\leftarrow"}.get(rel, rel)


def _num(c: Cell) -> str:
    return mathml(c.math) if c.math is not None else e(c.text.replace("-", "\u2212"))


def svg_inline(svg: str) -> str:
    """An SVG document as an element of the page: no XML prolog, no doctype, no
    namespace URLs, no comments."""
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else ""
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    return _XMLNS.sub("", body, count=2)


def _cell(c: Cell, kind: str) -> str:
    cls = kind
    if kind == "verdict":
        cls = f"verdict verdict-{c.text.lower()}"
    body = mathml(c.math) if c.math is not None else (
        e(c.text.replace("-", "\u2212")) if kind == "number" else
        f"<code>{e(c.text)}</code>" if kind == "code" and c.text else e(c.text))
    return f"<td class=\"{cls}\">{body}</td>"


def table(t: Table) -> str:
    heads = "".join(
        f"<th class=\"{c.kind}\">{mathml(c.math) if c.math is not None else e(c.title)}</th>"
        for c in t.columns)
    rows = []
    for row in t.rows:
        verdict = t.verdict_of(row)
        cls = f" class=\"{verdict}\"" if verdict == "wrong" else ""
        rows.append(f"<tr{cls}>" + "".join(_cell(c, col.kind) for c, col in zip(row, t.columns))
                    + "</tr>")
    caption = f"<caption>{e(t.caption)}</caption>" if t.caption else ""
    return (f"<table class=\"data\">{caption}<thead><tr>{heads}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")

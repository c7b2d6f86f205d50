"""The LaTeX writer: a fragment to paste into a document, or ``standalone``.

Derivations become ``align*`` (aligned at the first relation), tables
``tabular`` with booktabs rules, names the documents' symbols (\\hat{y},
a_{h1}, w_{13}).  ``standalone=True`` wraps the fragment in a complete
document that ``pdflatex`` compiles (amsmath, booktabs, T1 fonts).
"""

from __future__ import annotations

from collections.abc import Sequence

from .mathtext import Math, latex_escape_text
from .model import (
    Assignments, Blank, Block, Cell, Equations, Figure, Heading, Inline, Line, Note, Paragraph,
    Part, Report, Table,
)

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\usepackage{longtable}
\usepackage[margin=2cm]{geometry}
\allowdisplaybreaks
\begin{document}
"""


def text(s: str) -> str:
    return latex_escape_text(s)


def inline(pieces: Sequence[Inline]) -> str:
    return "".join(f"${p.latex}$" if isinstance(p, Math) else text(p) for p in pieces)


def body(report: Report, long_tables: bool = False) -> list[str]:
    out: list[str] = [f"\\section*{{{text(report.title)}}}"] if report.title else []
    for s in report.subtitle:
        out.append(f"\\noindent\\emph{{{text(s)}}}\\par")
    out.append("")
    for b in report.blocks:
        out += block(b, long_tables)
    return out


def write(report: Report, standalone: bool = False) -> str:
    """The fragment (tables as ``tabular``), or with ``standalone`` a whole document
    whose tables are ``longtable``s, so a long check table breaks across pages."""
    out = body(report, long_tables=standalone)
    while out and out[-1] == "":
        out.pop()
    fragment = "\n".join(out) + "\n"
    return PREAMBLE + "\n" + fragment + "\n\\end{document}\n" if standalone else fragment


def equation_lines(eq: Equations) -> list[str]:
    """The lines of an aligned block, ``lhs &= …``, ending in ``\\\\`` but the last."""
    lines = []
    for k, ln in enumerate(eq.lines):
        rhs = " ".join(f"{_rel(rel)} {m.latex}" for rel, m in _steps(ln))
        amp = "&" if eq.align else ""
        end = " \\\\" if k < len(eq.lines) - 1 else ""
        lines.append(f"{ln.lhs.latex} {amp}{rhs}{end}")
    return lines


def equations(eq: Equations) -> list[str]:
    """An ``align*`` environment: every formula of the block, one per line."""
    return ["\\begin{align*}", *equation_lines(eq), "\\end{align*}"]


def _steps(ln: Line) -> list[tuple[str, Math]]:
    return ln.steps


def _rel(rel: str) -> str:
    return {"≈": "\\approx", "=": "=", "←": "\\leftarrow", "+=": "\\mathrel{+}=",
            "−=": "\\mathrel{-}="}.get(rel, rel)


def block(b: Block, long_tables: bool = False) -> list[str]:
    if isinstance(b, Part):
        return body(b.report, long_tables)
    if isinstance(b, Heading):
        return [f"\\subsection*{{{text(b.text)}}}", ""]
    if isinstance(b, Blank):
        return []
    if isinstance(b, (Paragraph, Note)):
        words = inline(b.pieces).strip()
        if not words:
            return []
        if isinstance(b, Note) and b.kind in ("hint", "wrong"):
            words = "\\textbf{" + words + "}"
        return ["\\noindent " + words + "\\par", ""]
    if isinstance(b, Assignments):
        if not b.items:
            return []
        items = ", ".join(f"${name.latex} = {_num(cell)}$" for name, cell in b.items)
        return [f"\\noindent\\textbf{{{text(b.title)}:}} {items}\\par", ""]
    if isinstance(b, Table):
        return table(b, long_tables)
    if isinstance(b, Equations):
        return equations(b) + [""]
    if isinstance(b, Figure):
        where = f" ({text(b.path)})" if b.path else ""
        return [f"% figure: {b.caption.splitlines()[0] if b.caption else ''}",
                f"\\noindent\\emph{{{text(b.caption)}}}{where}\\par", ""]
    raise TypeError(f"unknown block {type(b).__name__}")  # pragma: no cover


def _num(cell: Cell) -> str:
    return cell.math.latex if cell.math is not None else _number_latex(cell.text)


def _number_latex(s: str) -> str:
    s = s.replace("\u2212", "-")
    if s.endswith("x") and s[:-1].replace(".", "").isdigit():  # "16x": 16 times
        return s[:-1] + "\\times"
    if "e" in s and s.replace("e", "").replace("-", "").replace("+", "").replace(".", "").isdigit():
        mant, _, exp = s.partition("e")
        return f"{mant}\\times 10^{{{int(exp)}}}"
    return text(s)


def _cell(cell: Cell, kind: str) -> str:
    if cell.math is not None:
        return f"${cell.math.latex}$"
    if kind == "number":
        if cell.text in ("", "-", "\u2014"):
            return cell.text.replace("\u2014", "---")
        return f"${_number_latex(cell.text)}$"
    if kind == "verdict" and cell.text.lower() == "wrong":
        return "\\textbf{wrong}"
    if kind == "code":
        return "\\texttt{" + text(cell.text) + "}"
    return text(cell.text)


def table(t: Table, long: bool = False) -> list[str]:
    """booktabs rules around a ``tabular`` (or a ``longtable``, which breaks across pages)."""
    spec = "".join(c.align for c in t.columns)
    heads = [f"${c.math.latex}$" if c.math is not None else text(c.title) for c in t.columns]
    if long:
        lines = [f"\\begin{{longtable}}{{{spec}}}", "\\toprule",
                 " & ".join(heads) + " \\\\", "\\midrule", "\\endhead"]
    else:
        lines = ["\\begin{center}", f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
                 " & ".join(heads) + " \\\\", "\\midrule"]
    for row in t.rows:
        lines.append(" & ".join(_cell(c, col.kind) for c, col in zip(row, t.columns)) + " \\\\")
    lines += ["\\bottomrule", "\\end{longtable}"] if long else \
        ["\\bottomrule", "\\end{tabular}", "\\end{center}"]
    if t.caption:
        lines.append(f"\\noindent {text(t.caption)}\\par")
    return lines + [""]

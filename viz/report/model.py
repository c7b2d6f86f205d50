"""The report model: what a command says, before any format is chosen.

A ``Report`` is a title, a few lines under it, and a list of blocks:

* ``Heading``: a section title;
* ``Paragraph``: running text, pieces of plain words and ``Math``;
* ``Assignments``: ``Inputs: x1 = 0.05, x2 = 0.1`` (names and numbers);
* ``Table``: typed columns (``name``, ``number``, ``verdict``, ``text``, ``math``,
  ``code``)
  and rows of ``Cell`` (the text shown and, for numbers, the full-precision value);
* ``Equations``: aligned lines ``lhs = form = numbers ≈ value`` (a derivation's
  factors, a path product, a sum over paths, an update);
* ``Figure``: a graph as SVG with its caption;
* ``Note``: a remark (a hint, a summary line, a pointer to a slip);
* ``Part``: a whole report inside this one (``run`` over several files).

Writers (``viz.report.text``, ``markdown``, ``latex``, ``html``, ``json_writer``)
turn a report into one format each; a command builds the report and hands it
over.  ``Report.data`` carries the command's numbers for machines (the JSON
writer puts it under ``"data"``): every float at full precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from collections.abc import Sequence

from .mathtext import Math

ColumnKind = Literal["name", "number", "verdict", "text", "math", "code"]
VERDICTS = ("exact", "close", "wrong")


@dataclass(frozen=True)
class Cell:
    """One table cell: the text shown, and the number behind it (full precision)."""

    text: str
    value: float | None = None
    math: Math | None = None  # a name or formula cell, typeset in Markdown, LaTeX, HTML


@dataclass(frozen=True)
class Column:
    title: str
    kind: ColumnKind = "text"
    math: Math | None = None  # a title that is a formula (∂loss/∂name)

    @property
    def align(self) -> str:
        return "r" if self.kind == "number" else "l"


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Cell]]
    caption: str | None = None
    style: Literal["grid", "assign"] = "grid"  # assign: "name = value   (expression)"
    marks: bool = False  # the text writer marks wrong rows in the left margin

    def verdict_of(self, row: Sequence[Cell]) -> str | None:
        for col, cell in zip(self.columns, row):
            if col.kind == "verdict":
                return cell.text.lower()
        return None


@dataclass
class Heading:
    text: str
    level: int = 2


Inline = str | Math


@dataclass
class Paragraph:
    pieces: list[Inline]
    indent: int = 0  # the text writer's indent, first line and the rest
    hang: int | None = None  # the text writer's indent of the lines after the first
    style: Literal["plain", "dim", "bold", "wrong"] = "plain"


@dataclass
class Blank:
    """A blank line in text; a paragraph break elsewhere."""


@dataclass
class Assignments:
    title: str
    items: list[tuple[Math, Cell]]


@dataclass
class Line:
    """``lhs rel rhs rel rhs …`` as one aligned line.

    ``steps`` are (relation, formula) pairs after the lhs; ``optional`` are the
    indexes of steps the text writer may drop when the line is too wide (the
    numbers put into a symbolic form), keeping the first and the last.
    ``terms`` and ``op``, when set, are the last step's pieces, so that a long
    product or sum can break at its operators.
    """

    lhs: Math
    steps: list[tuple[str, Math]]
    optional: tuple[int, ...] = ()
    terms: list[Math] | None = None
    terms_at: int = 0  # the step that ``terms`` spell out
    op: str = " · "


@dataclass
class Equations:
    lines: list[Line]
    indent: int = 2
    align: bool = True  # pad the left sides to one width (text), & at the relation (LaTeX)
    wrap_indent: int = 6


@dataclass
class Figure:
    svg: str
    caption: str
    path: str | None = None  # where the command wrote it, if it did


@dataclass
class Note:
    pieces: list[Inline]
    kind: Literal["note", "hint", "summary", "path", "ok", "wrong"] = "note"
    indent: int = 0


@dataclass
class Part:
    """A report inside a report (one worked example of ``run`` over several files)."""

    report: Report


Block = Heading | Paragraph | Blank | Assignments | Table | Equations | Figure | Note | Part


@dataclass
class Report:
    """What one command says about one worked example (or one graph)."""

    command: str
    title: str
    subtitle: list[str] = field(default_factory=list)  # where it comes from, its source
    #: the text writer's title: "rule" (━━ title, the subtitle lines under it),
    #: "line" (title and the first subtitle on one line when they fit), "none"
    #: (the subtitle alone, then a blank line)
    header: Literal["rule", "line", "none"] = "line"
    blocks: list[Block] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def add(self, *blocks: Block) -> Report:
        self.blocks.extend(blocks)
        return self

    # the writers, by name (imported here lazily: the writers import this module)
    def to_text(self, color: bool = False, ascii: bool = False, width: int = 80) -> str:
        from .text import write

        return write(self, color=color, ascii=ascii, width=width)

    def to_markdown(self) -> str:
        from .markdown import write

        return write(self)

    def to_latex(self, standalone: bool = False) -> str:
        from .latex import write

        return write(self, standalone=standalone)

    def to_html(self) -> str:
        from .html import write

        return write(self)

    def to_json(self) -> str:
        from .json_writer import write

        return write(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        from .html import fragment

        return fragment(self)

    def _repr_latex_(self) -> str:
        return self.to_latex()

    def __str__(self) -> str:
        return self.to_text()


FORMATS = ("text", "markdown", "latex", "html", "json")


def write(report: Report, fmt: str, **options: Any) -> str:
    """``report`` in the format ``fmt`` (one of ``FORMATS``)."""
    if fmt == "text":
        return report.to_text(**options)
    if fmt == "markdown":
        return report.to_markdown()
    if fmt == "latex":
        return report.to_latex(standalone=options.get("standalone", False))
    if fmt == "html":
        return report.to_html()
    if fmt == "json":
        return report.to_json()
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")

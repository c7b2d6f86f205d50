"""The report model and its writers: one report, many formats.

``model``: the report (sections, tables, equations, figures, notes);
``mathtext``: formulas in two spellings (terminal text, LaTeX) and names as
math; ``text``, ``markdown``, ``latex``, ``html``, ``json_writer``: one writer
each.  Commands build a ``Report`` and hand it to ``write(report, format)``.
"""

from .mathtext import Math, math_name
from .model import (
    FORMATS, Assignments, Blank, Cell, Column, Equations, Figure, Heading, Line, Note,
    Paragraph, Part, Report, Table, write,
)

__all__ = ["FORMATS", "Assignments", "Blank", "Cell", "Column", "Equations", "Figure",
           "Heading", "Line", "Math", "Note", "Paragraph", "Part", "Report", "Table", "math_name",
           "write"]

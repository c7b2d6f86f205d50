"""The JSON writer: one object per command, ``"schema": "chainrule.report/1"``.

The object holds the report's structure (``blocks``: headings, paragraphs,
tables, equations, figures, notes; each formula as ``{"text", "latex"}``,
each number cell with its shown ``text`` and full-precision ``value``) and
the command's numbers under ``data``.  Non-finite numbers are ``null`` (their
text says ``inf`` or ``nan``).  ``SCHEMA`` is the JSON Schema of it all.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .mathtext import Math
from .model import (
    Assignments, Blank, Block, Cell, Equations, Figure, Heading, Note, Paragraph, Part, Report,
    Table,
)

SCHEMA_ID = "chainrule.report/1"


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _math(m: Math) -> dict[str, str]:
    return {"text": m.text, "latex": m.latex}


def _pieces(pieces: list) -> list:
    return [_math(p) if isinstance(p, Math) else p for p in pieces]


def _cell(c: Cell) -> dict[str, Any]:
    d: dict[str, Any] = {"text": c.text}
    if c.value is not None:
        d["value"] = _finite(c.value)
    if c.math is not None:
        d["math"] = _math(c.math)
    return d


def block(b: Block) -> dict[str, Any]:
    if isinstance(b, Part):
        return {"type": "report", **to_object(b.report)}
    if isinstance(b, Heading):
        return {"type": "heading", "text": b.text, "level": b.level}
    if isinstance(b, Blank):
        return {"type": "break"}
    if isinstance(b, Paragraph):
        return {"type": "paragraph", "pieces": _pieces(b.pieces)}
    if isinstance(b, Note):
        return {"type": "note", "kind": b.kind, "pieces": _pieces(b.pieces)}
    if isinstance(b, Assignments):
        return {"type": "assignments", "title": b.title,
                "items": [{"name": _math(n), **_cell(c)} for n, c in b.items]}
    if isinstance(b, Table):
        return {"type": "table", "caption": b.caption,
                "columns": [{"title": c.title, "kind": c.kind} for c in b.columns],
                "rows": [[_cell(c) for c in row] for row in b.rows]}
    if isinstance(b, Equations):
        return {"type": "equations",
                "lines": [{"lhs": _math(ln.lhs),
                           "steps": [{"relation": rel, **_math(m)} for rel, m in ln.steps]}
                          for ln in b.lines]}
    if isinstance(b, Figure):
        return {"type": "figure", "caption": b.caption, "path": b.path, "svg": b.svg}
    raise TypeError(f"unknown block {type(b).__name__}")  # pragma: no cover


def to_object(report: Report) -> dict[str, Any]:
    return {"schema": SCHEMA_ID, "command": report.command, "title": report.title,
            "subtitle": list(report.subtitle), "blocks": [block(b) for b in report.blocks],
            "data": _clean(report.data)}


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return _finite(x)
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def write(report: Report) -> str:
    return json.dumps(to_object(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


_MATH = {"type": "object", "required": ["text", "latex"],
         "properties": {"text": {"type": "string"}, "latex": {"type": "string"}}}
_PIECES = {"type": "array", "items": {"anyOf": [{"type": "string"}, _MATH]}}
_CELL = {"type": "object", "required": ["text"],
         "properties": {"text": {"type": "string"}, "value": {"type": ["number", "null"]},
                        "math": _MATH}}
_BLOCK_TYPES = ["heading", "break", "paragraph", "note", "assignments", "table",
                "equations", "figure", "report"]

#: The JSON Schema (draft 2020-12) of every report the command writes.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "type": "object",
    "required": ["schema", "command", "title", "blocks", "data"],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "command": {"enum": ["run", "check", "explain", "train", "draw", "compare"]},
        "title": {"type": "string"},
        "subtitle": {"type": "array", "items": {"type": "string"}},
        "blocks": {"type": "array", "items": {
            "type": "object", "required": ["type"],
            "properties": {
                "type": {"enum": _BLOCK_TYPES},
                "pieces": _PIECES,
                "columns": {"type": "array", "items": {
                    "type": "object", "required": ["title", "kind"],
                    "properties": {"title": {"type": "string"},
                                   "kind": {"enum": ["name", "number", "verdict", "text",
                                                     "math", "code"]}}}},
                "rows": {"type": "array", "items": {"type": "array", "items": _CELL}},
                "lines": {"type": "array", "items": {
                    "type": "object", "required": ["lhs", "steps"],
                    "properties": {"lhs": _MATH, "steps": {"type": "array", "items": {
                        "type": "object", "required": ["relation", "text", "latex"]}}}}},
            }}},
        "data": {"type": "object"},
    },
}

"""Markdown read back by a real parser: markdown-it-py (CommonMark, with GFM tables and strikethrough)
and mdit-py-plugins' dollarmath for ``$…$`` and ``$$…$$`` math.

Math delimiters follow pandoc's rule (which GitHub's renderer also keeps):
``$`` opens math only when a non-space follows it, closes only after a
non-space, and is not math next to a digit (``$5 and $6`` is text), so
``markdown_math`` finds exactly the spans a renderer would typeset.
"""

from __future__ import annotations

import re

from .availability import require

REASON = "markdown-it-py parses the Markdown output"
_LEADING_QUOTES = re.compile(r"^\s*(?:>\s?)*")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
MATH_TOKENS = ("math_inline", "math_inline_double", "math_block", "math_block_label")


def markdown_parser():
    """The configured ``MarkdownIt`` parser."""
    require("markdown-it", REASON)
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return parser.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)


def markdown_parse(text: str) -> list:
    """The block tokens of ``text`` (inline tokens carry their ``children``)."""
    return markdown_parser().parse(text)


def _walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def markdown_math_spans(text: str) -> list[tuple[str, bool]]:
    """Every math span or block in order: (its LaTeX source, True when it is display math)."""
    spans = []
    for token in _walk(markdown_parse(text)):
        if token.type in MATH_TOKENS:
            display = token.type != "math_inline"
            spans.append((token.content.strip() if display else token.content, display))
    return spans


def markdown_math(text: str) -> list[str]:
    """Every math span's or block's LaTeX source, in order."""
    return [source for source, _ in markdown_math_spans(text)]


def _cell_text(inline) -> str:
    """A cell as a reader sees it: emphasis and HTML tags dropped, code as its text, math kept in its $ signs."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(f"${child.content}$")
        elif child.type == "math_inline_double":
            parts.append(f"$${child.content}$$")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts).strip()


def _source_cells(line: str) -> int:
    """How many cells a GFM table row's source line has (``\\|`` is a pipe inside a cell)."""
    row = _LEADING_QUOTES.sub("", line).strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return len(_UNESCAPED_PIPE.split(row))


def markdown_tables(text: str, check_columns: bool = True) -> list[list[list[str]]]:
    """Every table: its rows (header first) of cell texts.

    A parser quietly drops a row's extra cells and pads a short row; with
    ``check_columns`` a row whose source has another number of cells than the
    header (a stray ``|`` inside math, a missing cell) raises AssertionError.
    """
    lines = text.splitlines()
    tables: list[list[list[str]]] = []
    row: list[str] | None = None
    width = 0
    for token in markdown_parse(text):
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            row = []
            if check_columns and token.map:
                cells = _source_cells(lines[token.map[0]])
                if not tables[-1]:
                    width = cells
                elif cells != width:
                    raise AssertionError(f"Markdown table row at line {token.map[0] + 1} has {cells} "
                                         f"cells, its header {width}: {lines[token.map[0]]!r}")
        elif token.type == "inline" and row is not None:
            row.append(_cell_text(token))
        elif token.type == "tr_close":
            tables[-1].append(row)
            row = None
    return tables

"""Every test helper in one place: ``from support.tools import katex_render, require``
(``from support import ...`` gives the same names). What each checks, and with
which tool, is in its own module: availability (``require``), katex, markdown,
latex, browser, urls, schema, notebook; the browser fixtures are in support.fixtures.
"""

from .availability import missing, require
from .browser import TextBox, open_page, overlapping_texts, screenshot, text_boxes
from .katex import katex_assert_renders, katex_html, katex_render
from .latex import pdf_pages_png, pdf_text, pdflatex_compile
from .markdown import markdown_math, markdown_math_spans, markdown_parse, markdown_tables
from .notebook import make_notebook, rich_outputs, run_notebook
from .schema import json_validate
from .urls import external_urls

__all__ = [
    "TextBox", "external_urls", "json_validate", "katex_assert_renders", "katex_html", "katex_render",
    "make_notebook", "markdown_math", "markdown_math_spans", "markdown_parse", "markdown_tables",
    "missing", "open_page", "overlapping_texts", "pdf_pages_png", "pdf_text", "pdflatex_compile",
    "require", "rich_outputs", "run_notebook", "screenshot", "text_boxes",
]

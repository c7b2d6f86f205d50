"""Test helpers that check chainrule's output with real tools, for the format tests.

Each helper calls ``require`` for its tool, so a test skips with a reason when
the tool is absent, or fails under ``CHAINRULE_REQUIRE_TOOLS=1`` (as in CI):

- KaTeX (npm, in tests/js): ``katex_render``, ``katex_assert_renders``, ``katex_html``;
- markdown-it-py: ``markdown_parse``, ``markdown_tables``, ``markdown_math``, ``markdown_math_spans``;
- pdflatex and poppler: ``pdflatex_compile``, ``pdf_text``, ``pdf_pages_png``;
- headless Chromium: fixtures ``chromium_page``, ``svg_in_browser`` (support.fixtures),
  ``screenshot``, ``text_boxes``, ``overlapping_texts``;
- no tool: ``external_urls`` (the http(s) URLs a page's markup names);
- jsonschema: ``json_validate``;
- Jupyter: ``make_notebook``, ``run_notebook``, ``rich_outputs``.

Heavy modules (playwright, nbclient, ...) are imported only when used.
"""

from .tools import *  # noqa: F403 (the names are listed in tools.__all__)
from .tools import __all__  # noqa: F401

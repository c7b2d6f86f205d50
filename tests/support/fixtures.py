"""pytest fixtures over the browser helpers (tests/conftest.py imports them).

- ``chromium`` (session): one headless Chromium for the whole run.
- ``chromium_page``: ``with chromium_page(html_or_path) as visit:`` loads a
  page in a fresh context and checks, at the end of the block, that it made no
  network request and no console or page error (``check=False`` to look at
  ``visit.external`` and the errors yourself).
- ``svg_in_browser``: ``svg_in_browser(svg_text_or_path)`` gives the
  ``TextBox`` of every ``<text>`` element as Chromium draws it.
- ``stdin``: ``stdin(b"...")`` makes standard input hold those bytes, read
  afresh by the command (it reads its standard input once per process).
"""

from __future__ import annotations

import io
import sys

import pytest

from .availability import require
from .browser import REASON, chromium_browser, open_page, svg_text_boxes


@pytest.fixture(scope="session")
def chromium():
    require("chromium", REASON)
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def chromium_page(request, tmp_path):
    def load(source, check: bool = True, name: str = "page.html"):
        require("chromium", REASON)
        browser = request.getfixturevalue("chromium")
        return open_page(browser, source, tmp_path, check=check, name=name)
    return load


@pytest.fixture
def svg_in_browser(request, tmp_path):
    def boxes(svg):
        require("chromium", REASON)
        return svg_text_boxes(request.getfixturevalue("chromium"), svg, tmp_path)
    return boxes


@pytest.fixture
def stdin(monkeypatch):
    from viz.cli import files

    def feed(data: bytes) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
        monkeypatch.setattr(files, "_stdin_text", [])
    return feed

"""Which outside tools the format tests need, and what a test does when one is missing.

``require(tool, reason)`` skips the calling test with the reason when the tool
is absent, or fails it when ``CHAINRULE_REQUIRE_TOOLS=1`` (CI sets it: there
every tool is installed by .ci/run, so a missing one is a broken CI, never a
silent skip). Every helper in this package calls it before it uses its tool,
so a test that calls a helper needs no ``require`` of its own.

A tool is one of the names in ``TOOLS`` (each knows what to look for and how
to install it), or else any executable looked up on PATH.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent.parent / "js"
KATEX_PACKAGE = JS_DIR / "node_modules" / "katex" / "package.json"
REQUIRE_ENV = "CHAINRULE_REQUIRE_TOOLS"


def _executable(name: str, install: str) -> Callable[[], str | None]:
    return lambda: None if shutil.which(name) else f"no `{name}` on PATH ({install})"


def _modules(*names: str) -> Callable[[], str | None]:
    def missing() -> str | None:
        absent = [name for name in names if importlib.util.find_spec(name) is None]
        if absent:
            return f"Python module(s) {', '.join(absent)} not installed (pip install -e '.[test]')"
        return None
    return missing


def _katex() -> str | None:
    if not shutil.which("node"):
        return "no `node` on PATH (apt-get install nodejs npm)"
    if not KATEX_PACKAGE.is_file():
        return f"KaTeX not installed in {JS_DIR}/node_modules (run `npm ci` in tests/js)"
    return None


def _chromium() -> str | None:
    if not shutil.which("chromium"):
        return "no `chromium` on PATH (apt-get install chromium)"
    return _modules("playwright")()


def _latex_packages(*files: str) -> str | None:
    """The LaTeX packages' files, found through kpsewhich (texlive-latex-recommended has booktabs)."""
    found = subprocess.run(["kpsewhich", *files], capture_output=True, text=True, timeout=30).stdout
    absent = [name for name in files if name not in found]
    if absent:
        return f"LaTeX file(s) {', '.join(absent)} not found (apt-get install texlive-latex-recommended)"
    return None


def _pdflatex() -> str | None:
    for name in ("pdflatex", "kpsewhich"):
        if not shutil.which(name):
            return f"no `{name}` on PATH (apt-get install texlive-latex-base texlive-latex-recommended)"
    return _latex_packages("amsmath.sty", "booktabs.sty")


TOOLS: dict[str, Callable[[], str | None]] = {
    "node": _executable("node", "apt-get install nodejs npm"),
    "katex": _katex,
    "pdflatex": _pdflatex,
    "pdftotext": _executable("pdftotext", "apt-get install poppler-utils"),
    "pdftoppm": _executable("pdftoppm", "apt-get install poppler-utils"),
    "dot": _executable("dot", "apt-get install graphviz"),
    "chromium": _chromium,
    "markdown-it": _modules("markdown_it", "mdit_py_plugins"),
    "jsonschema": _modules("jsonschema"),
    "jupyter": _modules("nbclient", "nbformat", "ipykernel"),
    "mypy": lambda: None if importlib.util.find_spec("mypy") else
    "Python module mypy not installed (pip install -e '.[ci]')",
}


def missing(tool: str) -> str | None:
    """What is missing for ``tool`` (one line), or None when it is there."""
    check = TOOLS.get(tool) or _executable(tool, "not installed")
    return check()


def require(tool: str, reason: str) -> None:
    """Skip the calling test with ``reason`` when ``tool`` is absent (fail under CHAINRULE_REQUIRE_TOOLS=1)."""
    absent = missing(tool)
    if absent is None:
        return
    message = f"{reason}: {absent}"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message} [{REQUIRE_ENV}=1: .ci/run installs every tool]", pytrace=False)
    pytest.skip(message)

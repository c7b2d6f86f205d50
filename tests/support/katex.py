"""LaTeX equations rendered by KaTeX (from npm, in tests/js), the check that every equation a writer prints is valid.

One node process per call renders a whole batch (tests/js/katex_check.js reads
the expressions from stdin as JSON). Options, chosen to catch real errors:

- ``throwOnError: true``: a parse error is reported, never drawn in red.
- ``strict: "error"``: LaTeX that KaTeX accepts but LaTeX itself would not
  (a ``%`` comment that swallows the end of the math, ``\\\\`` where LaTeX has
  no line break, units LaTeX lacks) is an error too. KaTeX still accepts
  Unicode letters such as θ in math mode, which MathJax and KaTeX draw but
  pdflatex refuses: pass ``ascii_only=True`` for LaTeX meant for pdflatex
  (the latex writer's ``\\theta``), and leave it off for Markdown math.
- ``trust: false`` (no ``\\href``, ``\\url``, ``\\includegraphics``), and
  bounded macro expansion (``maxExpand: 1000``).

Bounds: at most ``MAX_EXPRESSIONS`` expressions and ``MAX_INPUT_BYTES`` of
JSON per call, ``TIMEOUT`` seconds for the node process.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence

from .availability import JS_DIR, require

SCRIPT = JS_DIR / "katex_check.js"
MAX_EXPRESSIONS = 20000
MAX_INPUT_BYTES = 8 * 1024 * 1024
TIMEOUT = 120.0
REASON = "KaTeX checks the LaTeX equations"


def _run(expressions: Sequence[str], display: bool, strict: str, output: str,
         markup: bool) -> list[dict]:
    require("katex", REASON)
    expressions = list(expressions)
    if not all(isinstance(e, str) for e in expressions):
        raise TypeError("katex: every expression must be a str")
    if len(expressions) > MAX_EXPRESSIONS:
        raise ValueError(f"katex: {len(expressions)} expressions, at most {MAX_EXPRESSIONS} per call")
    request = json.dumps({"expressions": expressions, "displayMode": display, "strict": strict,
                          "output": output, "markup": markup}).encode("utf-8")
    if len(request) > MAX_INPUT_BYTES:
        raise ValueError(f"katex: {len(request)} bytes of expressions, at most {MAX_INPUT_BYTES} per call")
    done = subprocess.run(["node", str(SCRIPT)], input=request, capture_output=True,
                          timeout=TIMEOUT, cwd=JS_DIR)
    if done.returncode != 0:
        raise RuntimeError(f"katex_check.js exited {done.returncode}: "
                           f"{done.stderr.decode('utf-8', 'replace').strip()}")
    results = json.loads(done.stdout)["results"]
    if len(results) != len(expressions):
        raise RuntimeError(f"katex_check.js gave {len(results)} results for {len(expressions)} expressions")
    return results


def _first_non_ascii(expression: str) -> str | None:
    for position, char in enumerate(expression):
        if ord(char) > 127:
            return (f"non-ASCII character {char!r} (U+{ord(char):04X}) at position {position}: "
                    "pdflatex refuses it in math, write its LaTeX command")
    return None


def katex_render(expressions: Sequence[str], display: bool = True, *, strict: str = "error",
                 ascii_only: bool = False) -> list[str | None]:
    """For each expression, None when KaTeX renders it, else KaTeX's error message (in order)."""
    results = _run(expressions, display, strict, "html", markup=False)
    errors = [result["error"] for result in results]
    if ascii_only:
        errors = [error or _first_non_ascii(expression) for error, expression in zip(errors, expressions)]
    return errors


def katex_assert_renders(expressions: Sequence[str], display: bool = True, *, strict: str = "error",
                         ascii_only: bool = False) -> None:
    """Raise AssertionError naming every expression KaTeX rejects, with its message."""
    errors = katex_render(expressions, display, strict=strict, ascii_only=ascii_only)
    bad = [f"  {expression!r}: {error}" for expression, error in zip(expressions, errors) if error]
    if bad:
        raise AssertionError(f"KaTeX rejects {len(bad)} of {len(errors)} equation(s):\n" + "\n".join(bad))


def katex_html(expression: str, display: bool = True, output: str = "htmlAndMathml") -> str:
    """KaTeX's markup for one expression (``output``: "html", "mathml" or "htmlAndMathml").

    "mathml" needs no stylesheet or font, so it embeds in a self-contained page
    as it is; the "html" forms need KaTeX's CSS and fonts.
    """
    (result,) = _run([expression], display, "error", output, markup=True)
    if result["error"]:
        raise AssertionError(f"KaTeX rejects {expression!r}: {result['error']}")
    return result["markup"]

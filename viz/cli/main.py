"""The entry point: ``main(argv)`` runs one command and returns its exit status.

A stream that cannot encode Unicode gets ASCII forms; a closed stdout
(``| head``) ends the command without a word (status 141, as SIGPIPE would);
every bad input is one line on stderr with status 2, never a traceback.

Before anything else is imported, ``main`` checks that the import names
``autograd``, ``nn`` and ``viz`` reach chainrule's own files (not HIPS
autograd's merged into the same folder, nor a student's ``nn.py``): if not, it
says so in one line, exit status 2.  The colour follows ``--color``, then
``NO_COLOR``, then ``FORCE_COLOR`` (set and not empty or 0: colour even into a
pipe), then whether stdout is a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from .. import safe
from ..safe import visible

EXIT_BAD, EXIT_PIPE = 2, 128 + 13  # as in .files, which cannot be imported before the check


def _ascii_fallback(stream: Any) -> None:
    """A stream that cannot write every character (cp1252, ASCII) writes ∂ as d,
    → as ->, and ? for the rest, instead of failing on the first one."""
    if safe.is_utf(getattr(stream, "encoding", None)) or getattr(stream, "errors", "") != "strict":
        return
    try:
        stream.reconfigure(errors=safe.ASCII_ERRORS)
    except (AttributeError, ValueError, OSError):
        pass


def _stdout_closed() -> int:
    """stdout was closed (`chainrule run | head -1`): stop without a word.  What is
    still buffered goes nowhere, so the exit flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test's capture)
        pass
    return EXIT_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit status is returned (0, 1 or 2; 141 when stdout
    was closed before the end, as for a tool stopped by SIGPIPE)."""
    for stream in (sys.stdout, sys.stderr):
        _ascii_fallback(stream)
    clash = _clash()
    if clash is not None:
        print(visible(clash), file=sys.stderr)
        return EXIT_BAD
    try:
        status = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here when the output fit in its buffer
        return status
    except BrokenPipeError:  # `chainrule run | head`
        return _stdout_closed()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _clash() -> str | None:
    """One line when chainrule's import names lead elsewhere (autograd/_origin.py)."""
    origin = sys.modules.get("_chainrule_origin")  # loaded by viz/__init__.py
    found = origin.problem() if origin is not None else None
    return None if found is None else "chainrule cannot start: " + found


def color_mode(given: str, environ: Any = os.environ) -> str:
    """--color auto resolved: NO_COLOR (not empty) says never; FORCE_COLOR (not
    empty, not 0) says always; else auto (colour on a terminal only)."""
    if given != "auto":
        return given
    if environ.get("NO_COLOR"):
        return "never"
    if environ.get("FORCE_COLOR", "") not in ("", "0"):
        return "always"
    return "auto"


def _run(argv: Sequence[str] | None) -> int:
    from ..worked import WorkedExampleError
    from .commands import Style
    from .files import UsageError, complain
    from .parser import build_parser

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error, already printed (2)
        return e.code if isinstance(e.code, int) else EXIT_BAD
    st = Style.for_stream(sys.stdout, color_mode(args.color))

    def out(text: str = "") -> None:
        # every line once more through visible(): nothing of a file steers the terminal
        for line in text.split("\n"):
            print(visible(line, keep_sgr=st.enabled), file=sys.stdout)

    try:
        return args.func(args, out, st)
    except BrokenPipeError:
        raise
    except (UsageError, WorkedExampleError, OSError) as e:
        complain(e)
        return EXIT_BAD

"""The entry point: ``main(argv)`` runs one command and returns its exit status.

A stream that cannot encode Unicode gets ASCII forms; a closed stdout
(``| head``) ends the command without a word (status 141, as SIGPIPE would);
every bad input is one line on stderr with status 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Sequence

from .. import safe
from ..safe import visible
from ..worked import WorkedExampleError
from .commands import Style
from .files import EXIT_BAD, EXIT_PIPE, UsageError, complain
from .parser import build_parser


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
    try:
        status = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here when the output fit in its buffer
        return status
    except BrokenPipeError:  # `chainrule run | head`
        return _stdout_closed()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error, already printed (2)
        return e.code if isinstance(e.code, int) else EXIT_BAD
    st = Style.for_stream(sys.stdout, args.color)

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

"""The ``chainrule`` command: parse the arguments, build a report, hand it to a writer.

- ``main``: the entry point (exit statuses, closed pipes, ASCII terminals);
- ``parser``: the command line, its help and examples;
- ``commands``: the subcommands, each building a report;
- ``figures``: the graphs the commands write, within their limits;
- ``files``: finding input files, checking output paths, one-line errors.
"""

from typing import Any

from .main import main  # first, on its own: it reports an import-name clash before other imports


def __getattr__(name: str) -> Any:
    if name in ("EXIT_BAD", "EXIT_OK", "EXIT_PIPE", "EXIT_WRONG"):
        from . import files
        return getattr(files, name)
    if name == "build_parser":
        from .parser import build_parser
        return build_parser
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["EXIT_BAD", "EXIT_OK", "EXIT_PIPE", "EXIT_WRONG", "build_parser", "main"]

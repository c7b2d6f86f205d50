"""The ``chainrule`` command: parse the arguments, build a report, hand it to a writer.

- ``main``: the entry point (exit statuses, closed pipes, ASCII terminals);
- ``parser``: the command line, its help and examples;
- ``commands``: the subcommands, each building a report;
- ``figures``: the graphs the commands write, within their limits;
- ``files``: finding input files, checking output paths, one-line errors.
"""

from .files import EXIT_BAD, EXIT_OK, EXIT_PIPE, EXIT_WRONG
from .main import main
from .parser import build_parser

__all__ = ["EXIT_BAD", "EXIT_OK", "EXIT_PIPE", "EXIT_WRONG", "build_parser", "main"]

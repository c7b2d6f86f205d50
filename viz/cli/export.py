"""``chainrule export FILE --to python|pytorch|numpy``: a worked example as a program.

The program goes to standard output, or with ``-o FILE`` to a file, checked
before any work as every output of the command is (never through a symbolic
link, never over the worked example itself).
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import Any
from collections.abc import Callable

from .. import export as exporter
from .. import safe, worked
from .files import EXIT_OK, UsageError, cannot_write, check_file_target, locate, shown

EPILOG = """\
examples:
  chainrule export seed002 --to python            seed 002's program, to stdout
  chainrule export seed001 --to pytorch -o net.py torch.nn.Linear layers, float64
  chainrule export seed003_3 --to numpy           the exercise in matrix form

Each program prints the numbers `chainrule run` prints, rounded the same way
(with --full, every digit).  --to python needs nothing but Python; --to numpy
needs a layered network (net inputs Σ w·x + b, each followed by an activation)."""


def add_export_parser(sub: Any, add: Callable[..., argparse.ArgumentParser] | None = None
                      ) -> argparse.ArgumentParser:
    """Register ``export`` on the subcommands ``sub`` (its epilog is its own, so
    ``add``, the parser's helper for the other commands, is not needed)."""
    help_text = ("the worked example as a program of the next step: plain Python, "
                 "PyTorch or NumPy, printing the same numbers")
    p = sub.add_parser("export", help=help_text, description=textwrap.fill(help_text, 78),
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--to", choices=exporter.TARGETS, default="python",
                   help="python (default: standard library only), pytorch or numpy")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the program to FILE (default: standard output)")
    p.set_defaults(func=cmd_export)
    return p


def cmd_export(args: argparse.Namespace, out: Callable[[str], None], st: Any) -> int:
    path, _ = locate(args.file)
    target = None
    given = f"-o {args.output}"
    if args.output is not None:  # before the work: a bad -o fails at once
        if not args.output.strip():
            raise cannot_write("the program", given, "the file name is empty")
        target = Path(args.output)
        check_file_target(target, "the program", given, source=path)
    example = worked.load(path)
    try:
        text = exporter.export(example, args.to, origin=shown(path))
    except exporter.ExportError as e:
        raise UsageError(f"{path}: {e}") from None
    if target is None:
        for line in text.rstrip("\n").split("\n"):
            out(line)
        return EXIT_OK
    try:
        safe.write_file(target, text.encode("utf-8"))
    except OSError as e:
        raise cannot_write("the program", given, e) from None
    out(f"wrote {safe.visible(str(target))} ({text.count(chr(10))} lines, --to {args.to})")
    return EXIT_OK

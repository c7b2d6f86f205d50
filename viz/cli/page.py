"""``chainrule page FILE -o page.html``: the interactive page of one worked example.

One self-contained HTML file (``viz.page``): both drawings, the stepper, each
node's derivation, an input for every expected number judged in the browser.
The output is checked before any work; the drawing's layout is bounded as for
``draw`` (``--max-nodes``, the time and memory limits).
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import Any
from collections.abc import Callable

from autograd import topological_order

from .. import safe
from ..graphs.render import RenderError
from ..safe import visible
from .figures import DEFAULT_MAX_NODES, _root, render_limits
from .files import UsageError, _one_line, cannot_write, check_file_target, locate

HELP = ("an interactive page: step through the forward and backward pass, click a node "
        "for its derivation, type your own numbers and see which are right")
EPILOG = """\
examples:
  chainrule page seed001 -o page.html       open page.html in a browser
  chainrule page mywork.toml                writes mywork.html

The page needs no network: its script, style, drawings and math are inside it,
so it can be attached to a post or put on any static host."""


def add_parser(sub: Any, positive: Callable[[str], int]) -> argparse.ArgumentParser:
    """Register ``page`` on the subcommands ``sub``; ``positive`` reads --max-nodes."""
    p = sub.add_parser("page", help=HELP, description=textwrap.fill(HELP, 78), epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="the HTML file to write (default: FILE's name .html)")
    p.add_argument("--digits", type=positive, default=6, metavar="N",
                   help="significant digits shown in the steps (default 6)")
    p.add_argument("--max-nodes", type=positive, default=DEFAULT_MAX_NODES, metavar="N",
                   help="draw no graph of more than N nodes, values and operations "
                        f"(default {DEFAULT_MAX_NODES})")
    p.set_defaults(func=cmd_page)
    return p


def _target(output: str | None, path: Path) -> tuple[Path, str]:
    if output is None:
        return Path(f"{path.stem}.html"), f"-o {path.stem}.html, the default"
    if not output.strip():
        raise cannot_write("the page", "-o ''", "the file name is empty (give one such as "
                                                "page.html)")
    return Path(output), f"-o {output}"


def cmd_page(args: argparse.Namespace, out: Callable[[str], None], st: Any) -> int:
    from .. import worked
    from ..handcheck.api import Loaded
    from ..page import page

    path, note = locate(args.file)
    target, given = _target(args.output, path)
    check_file_target(target, "the page", given, source=path)
    if args.digits > 17:
        raise UsageError(f"--digits {args.digits}: at most 17 significant digits")
    example = worked.load(path)
    values = worked.build(example)
    if example.loss is not None:
        worked.backward(example, values)
    order = topological_order(_root(example, values))
    size = len(order) + sum(1 for v in order if v.parents)
    if size > args.max_nodes:
        raise cannot_write("the page", given, f"the graph has {size} nodes, more than "
                           f"--max-nodes {args.max_nodes}, and its layout could take minutes: "
                           f"raise the limit (--max-nodes {size})")
    seconds, memory = render_limits()
    try:
        result = page(Loaded(example, values), digits=args.digits, timeout=seconds,
                      memory_limit=memory)
    except (RenderError, ValueError) as e:
        raise cannot_write("the page", given, _one_line(e)) from None
    try:
        safe.write_file(target, result.html.encode("utf-8"))
    except OSError as e:
        raise cannot_write("the page", given, e) from None
    if note is not None:
        out(st("dim", f"({note})"))
    out(f"wrote {visible(str(target))} ({len(result.html):,} characters; open it in a browser)")
    return 0

"""The command line: ``chainrule COMMAND ...``, its options, help and examples."""

from __future__ import annotations

import argparse
import textwrap

from autograd import __version__

from ..handcheck import derive as derive_mod
from ..report import FORMATS
from ..safe import visible
from .commands import (
    DEFAULT_OUT, cmd_check, cmd_draw, cmd_examples, cmd_explain, cmd_run, cmd_train,
)
from .figures import (
    DEFAULT_MAX_NODES, DEFAULT_RENDER_MEMORY, DEFAULT_RENDER_TIMEOUT, RENDER_MEMORY_VAR,
    RENDER_TIMEOUT_VAR,
)
from .files import EXIT_BAD
from .export import add_export_parser
from .page import add_parser as add_page_parser

COLOR_HELP = ("colour the output (auto: only on a terminal; NO_COLOR set: never; "
              "FORCE_COLOR set: always)")


def add_global(p: argparse.ArgumentParser) -> None:
    """--color after the subcommand too (`chainrule run --color never`); its default is
    the one given before it (or auto), so the subcommand's does not override that."""
    p.add_argument("--color", choices=("auto", "always", "never"), default=argparse.SUPPRESS,
                   help=COLOR_HELP)


MAIN_EPILOG = """\
examples:
  chainrule run                        every bundled example: tables, check, SVG
  chainrule run mywork.toml -o out/    your own file
  chainrule check mywork.toml          which hand numbers are right (exit 0/1)
  chainrule check mywork.toml --json   the same for machines
  chainrule check a.toml b.toml        each file, then a table of them all
  chainrule check seed001 --format markdown    the check as a table for a post
  chainrule explain seed001 --wrt b1   the chain rule behind one gradient
  chainrule explain seed000 --form delta       the textbook's error terms
  chainrule explain --rule sigmoid     where a local derivative comes from
  chainrule draw seed001 -o g.svg --wrt w1     the graph, the chain to w1 in red
  chainrule train seed002 --log-every 200      many steps with a log
  chainrule page seed001 -o page.html          step through it in a browser
  chainrule export seed002 --to python         the same numbers as a program
  chainrule examples --copy seed001 mine.toml  start a file of your own

FILE is a worked-example TOML file (its name without .toml will do), or
else the name of a bundled example (`chainrule examples` lists them; a unique
prefix such as seed001 will do).  A file here wins over a bundled one of the
same name; output says when a bundled example is used.  FILE `-` reads
the worked example from standard input.

exit status:
  0  done; for `run`, also when hand numbers are wrong (run is a report)
  1  `check` only: at least one hand number is wrong
  2  bad input (a file, a key, an expression, an option) or output that
     could not be written; the reason is one line on stderr
  141  stdout was closed before the end (`chainrule run | head`): the
     command stops without a word
"""


LAYOUT_NOTE = (
    "A graph is laid out (SVG, PNG, PDF) only up to --max-nodes nodes, within\n"
    f"{DEFAULT_RENDER_TIMEOUT:g} s and {DEFAULT_RENDER_MEMORY} MB of memory; "
    f"{RENDER_TIMEOUT_VAR} (seconds)\nand {RENDER_MEMORY_VAR} (MB) allow more.  "
    "No output is written through\na symbolic link."
)


EPILOGS = {
    "run": """\
examples:
  chainrule run              every bundled example, graphs in ./chainrule-out
  chainrule run a.toml b.toml -o figs
  chainrule run seed000 --no-graphs

run is a report: it exits 0 even when hand numbers are wrong (use `check` for
an exit status), and 2 when a file is bad or a graph cannot be written.

""" + LAYOUT_NOTE,
    "check": """\
examples:
  chainrule check mywork.toml
  chainrule check seed000 --json | python3 -m json.tool
  chainrule check part1.toml part2.toml part3.toml   each file, then a table of all
  cat mine.toml | chainrule check - seed001          `-` (standard input) at most once

exit status: 0 every hand number is exact or close, 1 at least one is wrong,
2 bad input.  With several files, a bad one is one line on stderr naming it,
and the others are still checked (the closing table says which was not);
the status is then 2, which wins over 1.""",
    "explain": """\
examples:
  chainrule explain seed001 --wrt w5
  chainrule explain seed001 --wrt b1            two paths, and their sum
  chainrule explain seed000 --wrt w14 --digits 3
  chainrule explain seed000 --form delta        error terms δ and the updates
  chainrule explain seed003_3-4 --form matrix   W, x, δ, Wᵀδ, δxᵀ with shapes
  chainrule explain --rule sigmoid              where σ′ = σ(1 − σ) comes from""",
    "draw": """\
examples:
  chainrule draw seed001 -o graph.svg
  chainrule draw seed001 -o b1.svg --wrt b1     both paths to b1 in red, labels
                                                on the edges multiply to dloss/db1
                                                (the operation view; --neurons
                                                labels the edges with the weights)
  chainrule draw seed001 --neurons --edge-labels --legend -o net.svg
  chainrule draw seed003_3-4-2 --neurons --rankdir TB --title "3-4-2" -o net.png
  chainrule draw mywork.toml -o graph.dot       DOT text, no renderer needed

""" + LAYOUT_NOTE,
    "train": """\
examples:
  chainrule train seed002                      the file's steps, 10 log lines
  chainrule train seed002 --log-every 200 --log log.csv
  chainrule train seed001 --steps 5000""",
    "examples": """\
examples:
  chainrule examples
  chainrule examples --copy seed001             writes ./seed001_....toml
  chainrule examples --copy seed001 mine.toml""",
}


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _digits(text: str) -> int:
    n = _positive(text)
    if n > 17:
        raise argparse.ArgumentTypeError(f"at most 17 significant digits, got {n}")
    return n


def _title(text: str) -> str:
    """--title TEXT: text and line breaks; empty or blank draws no title."""
    from ..graphs.base import title_problem

    problem = title_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def _decimals(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= n <= 12:
        raise argparse.ArgumentTypeError(f"must be from 0 to 12 decimals, got {n}")
    return n


def add_rounding(p: argparse.ArgumentParser, digits_help: str) -> None:
    """--digits N (significant digits) or --decimals N (decimals), not both."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--digits", type=_digits, default=None, metavar="N", help=digits_help)
    g.add_argument("--decimals", type=_decimals, default=None, metavar="N",
                   help="show numbers at N decimals (0 to 12)")


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD, visible(f"{self.prog}: {message} (see `{self.prog} --help`)") + "\n")


def add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text (default), markdown (tables and $…$ math for a post), latex "
                        "(align* and booktabs tables), html (one self-contained page) or "
                        "json (every number at full precision)")
    p.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete document for pdflatex")


def build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = Parser(
        prog="chainrule",
        description=textwrap.fill("Check backpropagation worked by hand: which of your "
                                  "numbers are right, and the chain rule behind each "
                                  "gradient.", 78),
        epilog=MAIN_EPILOG, formatter_class=raw)
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help=COLOR_HELP)
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=textwrap.fill(help, 78),
                           epilog=EPILOGS[name], formatter_class=raw)
        add_global(p)
        return p

    p = add("run", "forward values, loss, gradients, the update table and the check, "
                   "for each file (default: every bundled example), with a graph of each")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("-o", "--output", default=DEFAULT_OUT, metavar="DIR",
                   help=f"folder for the SVG graphs (default: ./{DEFAULT_OUT})")
    p.add_argument("--no-graphs", action="store_true", help="write no graphs")
    p.add_argument("--max-nodes", type=_positive, default=DEFAULT_MAX_NODES, metavar="N",
                   help="draw no graph of more than N nodes, values and operations, whose "
                        f"layout could take minutes (default {DEFAULT_MAX_NODES})")
    add_rounding(p, "significant digits of the tables (default 4; the check shows the "
                    "engine at each hand number's own decimals unless --digits or "
                    "--decimals is given)")
    add_format(p)
    p.set_defaults(func=cmd_run)

    p = add("check", "the hand numbers against the engine: exact, close or wrong, "
                     "for each file")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="a worked example (several: each is checked, headed by its path, "
                        "then a table of them all; `-` at most once)")
    p.add_argument("--json", action="store_true", help="the same as --format json")
    add_rounding(p, "show the engine's values at N significant digits (default: at "
                    "the decimals each hand number shows)")
    add_format(p)
    p.set_defaults(func=cmd_check)

    p = add("explain", "the chain-rule derivation of one gradient: every path from "
                       "the loss down, its factors, their products and the sum")
    p.add_argument("file", nargs="?", metavar="FILE")
    p.add_argument("--wrt", metavar="NAME",
                   help="the leaf or node to differentiate by (needed by --form paths)")
    p.add_argument("--form", choices=("paths", "delta", "matrix"), default="paths",
                   help="paths (default): every path of ∂loss/∂NAME and its factors; delta: "
                        "each neuron's error term δ from the output back, each weight's "
                        "gradient δ·a and its update; matrix: each layer's W, x, δ, Wᵀδ and "
                        "∂E/∂W = δxᵀ with shapes (delta and matrix need a layered network)")
    p.add_argument("--rule", metavar="NAME",
                   help="no FILE: derive one local derivative step by step (sigmoid, tanh, "
                        "exp, log, relu, power, squared_error)")
    p.add_argument("--digits", type=_digits, default=4, metavar="N",
                   help="significant digits (default 4)")
    p.add_argument("--max-paths", type=_positive, default=derive_mod.DEFAULT_MAX_PATHS,
                   metavar="N", help="past N paths, show each node's δ instead "
                                     f"(default {derive_mod.DEFAULT_MAX_PATHS})")
    add_format(p)
    p.set_defaults(func=cmd_explain)

    p = add("draw", "the computation graph as SVG, PNG, PDF or DOT, optionally with "
                    "the chain to one name highlighted")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="the file to write; its extension gives the format (default: FILE's name .svg)")
    p.add_argument("--wrt", metavar="NAME",
                   help="highlight every path from the loss down to NAME, with edge labels "
                        "on: in the operation view each edge's local derivative (along a red "
                        "path they multiply to its share of dloss/dNAME); in the neuron view "
                        "(--neurons) each edge's weight and its grad")
    p.add_argument("--neurons", action="store_true",
                   help="the neuron view: one box per neuron, the weights on the edges")
    p.add_argument("--edge-labels", action="store_true",
                   help="label each edge with its local derivative (the neuron view: its weight)")
    p.add_argument("--legend", action="store_true", help="add a key of the node kinds")
    p.add_argument("--title", metavar="TEXT", type=_title,
                   help="a caption above the graph; a line break (\\n) starts a new "
                        "line; empty draws none")
    p.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                   help="LR: inputs on the left (default); TB: inputs on top")
    p.add_argument("--digits", type=_digits, default=4, metavar="N",
                   help="significant digits (default 4)")
    p.add_argument("--max-nodes", type=_positive, default=DEFAULT_MAX_NODES, metavar="N",
                   help="lay out no graph of more than N nodes, values and operations "
                        f"(default {DEFAULT_MAX_NODES}; DOT text has no limit)")
    p.set_defaults(func=cmd_draw)

    p = add("train", "many steps of gradient descent with a log")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--steps", type=_positive, help="number of steps (default: the file's [train] steps)")
    p.add_argument("--log-every", type=_positive, metavar="N",
                   help="a log line every N epochs (default: 10 lines in all)")
    p.add_argument("--log", metavar="CSV", help="write every epoch's values to this CSV file")
    p.add_argument("--columns", metavar="NAMES",
                   help="the CSV log's columns, comma-separated: names, and grad:NAME for "
                        "dloss/dNAME (default: every value)")
    add_rounding(p, "significant digits of the log (default: the decimals the file's "
                    "[[expect.epochs]] show, else 6 significant digits)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_format(p)
    p.set_defaults(func=cmd_train)

    add_export_parser(sub, add)

    p = add("examples", "list the bundled worked examples, or copy one to start your own")
    p.add_argument("--copy", metavar="NAME", help="copy this bundled example")
    p.add_argument("dest", nargs="?", metavar="DEST", help="where to copy it (default: here)")
    p.add_argument("--force", action="store_true", help="overwrite DEST")
    p.set_defaults(func=cmd_examples)
    add_page_parser(sub, _positive)
    return parser

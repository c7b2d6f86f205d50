"""What every exported program shares: its header, its number formatting, its printout.

The header comment names the source, the chainrule version and the command.
The printout is the same in every target, so the programs can be compared
line by line with each other and with ``chainrule run``::

    Inputs / Parameters / Forward pass      "  name = number" (4 significant digits)
    Loss: loss = number
    Gradients                                "  name = ∂loss/∂name"
    Update with lr = 0.5: new = old - 0.5 * gradient     "  name = new value" (6 digits)
    Training log (N steps)                  "  epoch E: name = number, ..."

``fmt`` is chainrule's own formatter (``viz.numbers.fmt``), copied into the
program; ``--full`` prints every number as Python's repr (every digit).
"""

from __future__ import annotations

import importlib.metadata
import inspect
import textwrap

from .. import numbers
from ..safe import visible
from .program import Program


def version() -> str:
    """chainrule's version, as installed (or the source tree's, when not installed)."""
    try:
        return importlib.metadata.version("chainrule")
    except importlib.metadata.PackageNotFoundError:
        return "0.1.0 (not installed)"


def _one_line(text: str) -> str:
    """A file's text made safe for a comment: one line, nothing invisible."""
    return visible(" ".join(str(text).split()))


def header(prog: Program, target: str, needs: str) -> list[str]:
    """The comment block at the top of every exported program."""
    lines = [f"# {_one_line(prog.title)}", "#",
             f"# Exported by chainrule {version()} (chainrule export --to {target})",
             f"# from {_one_line(prog.origin)}."]
    if prog.source:
        lines += ["#"] + ["# " + t for t in textwrap.wrap("Source: " + _one_line(prog.source), 76)]
    lines += ["#", f"# {needs}",
              "# It prints the numbers `chainrule run` prints, rounded the same way;",
              "# run it with --full to print every number with all its digits.", ""]
    return lines


def fmt_source() -> list[str]:
    """chainrule's number formatter, as source lines for the program."""
    text = inspect.getsource(numbers._same) + "\n\n" + inspect.getsource(numbers.fmt)
    return text.rstrip("\n").split("\n")


SHOW = [
    'FULL = "--full" in sys.argv[1:]  # every digit instead of the rounded numbers',
    "",
    "",
    "def show(x, digits=4):",
    '    """x as chainrule prints it: `digits` significant digits (or every digit)."""',
    "    x = as_float(x)",
    "    return repr(x) if FULL else fmt(x, digits)",
    "",
    "",
    "def show_fixed(x, decimals):",
    '    """x at a fixed number of decimals, as the document\'s own training log prints it."""',
    "    x = as_float(x)",
    "    if FULL:",
    "        return repr(x)",
    "    return f\"{x:.{decimals}f}\" if abs(x) < 1e6 else fmt(x, 4)",
]


AS_FLOAT = {
    "python": ["def as_float(x):", "    return float(x)"],
    "pytorch": ["def as_float(x):",
                '    """A number, or the number a scalar tensor holds."""',
                "    return x.detach().item() if isinstance(x, torch.Tensor) else float(x)"],
    "numpy": ["def as_float(x):", "    return float(x)"],
}


def helpers(prog: Program, target: str = "python") -> list[str]:
    """``fmt`` and ``show`` for the program."""
    return fmt_source() + ["", ""] + AS_FLOAT[target] + ["", ""] + SHOW


def q(name: str) -> str:
    """A name as a Python string literal."""
    return repr(name)


def print_section(title: str, rows: list[tuple[str, str]], digits: int = 4) -> list[str]:
    """print() lines of one section: rows are (shown name, expression of the value)."""
    lines = [f"print({q(title)})"]
    lines += [f"print({q('  ' + shown + ' =')}, show({value}, {digits}))" for shown, value in rows]
    return lines


def report_lines(prog: Program, value: dict[str, str], grad: dict[str, str],
                 new: dict[str, str]) -> tuple[list[str], list[str]]:
    """The printout of the first step, in two parts: the forward pass (inputs,
    parameters, nodes, loss) and the backward pass (gradients, update).  ``value``,
    ``grad`` and ``new`` give the code of each number."""
    s = prog.show
    forward = print_section("Inputs", [(s(k), value[k]) for k in prog.inputs])
    forward += print_section("Parameters", [(s(k), value[k]) for k in prog.params])
    if prog.trees:
        forward += print_section("Forward pass", [(s(k), value[k]) for k in prog.trees])
    back: list[str] = []
    if prog.loss is not None:
        forward.append(f"print({q('Loss: ' + s(prog.loss) + ' =')}, show({value[prog.loss]}))")
        if grad:
            back += print_section(f"Gradients (∂{s(prog.loss)}/∂name)",
                                  [(s(k), grad[k]) for k in prog.params])
        if new:
            assert prog.lr is not None  # updated values come only from a program that trains
            lr = numbers.fmt(prog.lr)
            back += print_section(f"Update with lr = {lr}: new = old - {lr} * gradient",
                                  [(s(k), new[k]) for k in prog.params], 6)
    return forward, back


def log_line(prog: Program, value: dict[str, str]) -> str:
    """The print() of one line of the training log (inside the loop, at ``epoch``)."""
    parts = []
    cols = prog.log_columns
    for i, (name, decimals) in enumerate(cols):
        shown = f"show_fixed({value[name]}, {decimals})" if decimals else f"show({value[name]}, 6)"
        parts += [q(prog.show(name) + " ="), shown + (' + ","' if i < len(cols) - 1 else "")]
    return f'print(f"  epoch {{epoch}}:", {", ".join(parts)})'


def log_header(prog: Program) -> str:
    return f"print({q(f'Training log ({prog.steps} steps)')})"

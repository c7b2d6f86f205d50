"""Export a worked example or a graph as a program of the next step: plain Python,
PyTorch or NumPy, printing the same numbers as ``chainrule run``.

- ``program``: what an export starts from (``from_example``, ``from_graph``);
- ``symbolic``: each node's formula and local derivatives as code;
- ``backward``: the backward pass as one statement per chain-rule factor;
- ``layers``: a small detector of layered networks (net input Σ w·x + b, then an activation);
- ``python``, ``pytorch``, ``numpy``: one module per target;
- ``common``: the header, the number formatting and the printout every target shares.

``export(example, target)`` gives a worked example's program text;
``to_python(root)``, ``to_pytorch(root)``, ``to_numpy(root)`` export a graph
(``autograd.Value``) or a loaded example.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Sequence

from ..worked import Example
from .program import ExportError, Program, from_example, from_graph

TARGETS = ("python", "pytorch", "numpy")
#: The most work an export may do: Σ over the nodes of (expression size × names it
#: uses), the cost of writing each node's local derivative by every name it uses.
MAX_EXPORT_WORK = 5_000_000


def export_work(prog: Program) -> int:
    """The work of exporting ``prog`` (see ``MAX_EXPORT_WORK``)."""
    from ..worked import expr

    return sum(len(expr.postorder(t)) * max(1, len(expr.names(t))) for t in prog.trees.values())


def program_of(source: Any, params: Sequence[Any] | None = None, lr: float | None = None,
               steps: int = 1, origin: str | None = None) -> Program:
    """A ``Program`` from a loaded worked example or from the root ``Value`` of a graph."""
    if isinstance(source, Program):
        return source
    if isinstance(source, Example):
        return from_example(source, origin or str(source.path))
    return from_graph(source, params=params, lr=lr, steps=steps)


def export(source: Any, target: str = "python", **options: Any) -> str:
    """The program text of ``source`` (an ``Example``, a ``Value`` or a ``Program``)
    for ``target`` (python, pytorch or numpy)."""
    prog = program_of(source, **options)
    work = export_work(prog)
    if work > MAX_EXPORT_WORK:
        raise ExportError(f"too large to export as a program: {work:,} units of work "
                          f"(expression parts × names, summed over the nodes), over the limit "
                          f"of {MAX_EXPORT_WORK:,}")
    if target == "python":
        from .python import to_python as write
    elif target == "pytorch":
        from .pytorch import to_pytorch as write
    elif target == "numpy":
        from .numpy import to_numpy as write
    else:
        raise ExportError(f"unknown target {target!r}; the targets are {', '.join(TARGETS)}")
    return write(prog)


def to_python(source: Any, **options: Any) -> str:
    """A standalone Python program (standard library only)."""
    return export(source, "python", **options)


def to_pytorch(source: Any, **options: Any) -> str:
    """A PyTorch program (float64; torch.nn.Linear layers for a layered network)."""
    return export(source, "pytorch", **options)


def to_numpy(source: Any, **options: Any) -> str:
    """A NumPy program in matrix form (layered networks only)."""
    return export(source, "numpy", **options)


__all__ = ["MAX_EXPORT_WORK", "ExportError", "export_work", "Program", "TARGETS", "export", "from_example",
           "from_graph",
           "program_of", "to_numpy", "to_python", "to_pytorch"]

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

from typing import Any, Sequence

from ..worked import Example
from .program import ExportError, Program, from_example, from_graph

TARGETS = ("python", "pytorch", "numpy")


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


__all__ = ["ExportError", "Program", "TARGETS", "export", "from_example", "from_graph",
           "program_of", "to_numpy", "to_python", "to_pytorch"]

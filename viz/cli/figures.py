"""The command's graphs: drawn, laid out within a node, time and memory limit, written.

Layout time depends on the shape more than the size: a plain chain of 6,000
nodes took `dot` 9 seconds, but a chain whose every node also uses one leaf
took it 13 s at 300 nodes and 39 s at 400 (and 2 GB and more past that), so
the command counts the nodes first and lays out under a time and memory cap.
The largest bundled example draws 126 nodes.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from autograd import topological_order

from .. import safe
from ..graphs.render import RenderMemoryError, RenderTimeout
from .files import _one_line, _reason, cannot_write, check_file_target, UsageError

# Bounds on laying out a graph.  The largest bundled example draws 126 nodes.  Layout
# time depends on the shape more than the size: a plain chain of 6,000 nodes took `dot` 9
# seconds, but a chain whose every node also uses one leaf took it 13 s at 300 nodes,
# 39 s at 400 (and 2 GB and more past that), so the time and memory limits stay too.
DEFAULT_MAX_NODES = 300  # values + operations; --max-nodes raises it
RENDER_TIMEOUT_VAR, DEFAULT_RENDER_TIMEOUT = "CHAINRULE_RENDER_TIMEOUT", 60.0  # seconds
RENDER_MEMORY_VAR, DEFAULT_RENDER_MEMORY = "CHAINRULE_RENDER_MEMORY", 2048  # MB


def _root(example: Any, values: dict) -> Any:
    """The node a graph or derivation starts from: the loss, else the last node."""
    if example.loss is not None:
        return values[example.loss]
    if example.nodes:
        return values[list(example.nodes)[-1]]
    raise UsageError(f"{example.path}: [nodes]: the file has no node to draw")


def _target(example: Any, values: dict, name: str) -> Any:
    if name not in values:  # every input, parameter and node can be differentiated by
        known = ", ".join(n for n in example.names if n in values)
        raise UsageError(f"{example.path}: --wrt {name}: no leaf or node of that name "
                         f"(try one of: {known})")
    return values[name]


def _draw(example: Any, values: dict, wrt: str | None, options: dict | None = None) -> Any:
    """The file's graph; ``options`` are ``viz.draw``'s (neurons, edge_labels, legend,
    title, rankdir, digits).  With ``wrt`` the edges carry their local derivatives, so
    the red path's labels multiply to the gradient."""
    from ..graphs import draw

    root = _root(example, values)
    highlight = _target(example, values, wrt) if wrt else None
    params = [values[k] for k in example.params]
    options = dict(options or {})
    if wrt:
        options["edge_labels"] = True
    return draw(root, highlight=highlight, params=params, max_nodes=None, **options)


class GraphError(Exception):
    """A graph that was not written: the reason, for ``cannot_write``."""


def render_limits() -> tuple[float, int]:
    """The layout's limits: seconds, and bytes of memory (defaults, or the environment's)."""

    def read(var: str, default: float, unit: str) -> float:
        text = os.environ.get(var, "").strip()
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"{var}={text}: expected a positive number of {unit}")
        return value

    seconds = read(RENDER_TIMEOUT_VAR, DEFAULT_RENDER_TIMEOUT, "seconds")
    return seconds, int(read(RENDER_MEMORY_VAR, DEFAULT_RENDER_MEMORY, "megabytes") * 2**20)


def write_graph(example: Any, values: dict, wrt: str | None, target: Path, max_nodes: int,
                limits: tuple[float, int], instead: str,
                options: dict | None = None) -> tuple[Any, bytes]:
    """Draw the graph, lay it out in the format ``target``'s extension names, write it.

    The layout is bounded: at most ``max_nodes`` nodes (values + operations;
    DOT text needs no layout), then the time and memory ``limits``.  Every
    failure is a ``GraphError`` whose reason ends in what to do: ``instead``,
    or raise the limit.
    """
    fmt = target.suffix.lower().lstrip(".")
    order = topological_order(_root(example, values))
    size = len(order) + sum(1 for v in order if v.parents)
    if fmt not in ("dot", "gv") and size > max_nodes:
        raise GraphError(f"the graph has {size} nodes ({len(order)} values, {size - len(order)} "
                         f"operations), more than --max-nodes {max_nodes}, and its layout could "
                         f"take minutes: {instead}, or raise the limit (--max-nodes {size})")
    seconds, memory = limits
    try:
        graph = _draw(example, values, wrt, options)
        data = graph.pipe(fmt, timeout=seconds, memory_limit=memory)
    except RenderTimeout as e:
        raise GraphError(f"{_one_line(e)} of {size} nodes: {instead}, or allow more time "
                         f"({RENDER_TIMEOUT_VAR}=SECONDS)") from None
    except RenderMemoryError as e:
        raise GraphError(f"{_one_line(e)}: {instead}, or allow more memory "
                         f"({RENDER_MEMORY_VAR}=MB)") from None
    except (ValueError, RuntimeError) as e:  # RenderError is a RuntimeError
        # the drawing's own words for its options, as the command spells them
        raise GraphError(_one_line(e).replace("neurons=True: ", "--neurons: ")
                         .replace("draw it without neurons=True", "draw it without --neurons")
                         ) from None
    try:
        safe.write_file(target, data)
    except OSError as e:
        raise GraphError(_reason(e)) from None
    return graph, data


def _opt(flag: str, value: str) -> str:
    """An option as the user gave it: '-o figs', "-o ''"."""
    return f"{flag} {value}" if value else f"{flag} ''"


def _graph_target(output: str | None, path: Path) -> tuple[Path, str]:
    """The file ``draw`` writes and how to name it in an error; checked before drawing."""
    from ..graphs import FORMATS

    if output is None:
        target = Path(f"{path.stem}.svg")
        given = f"-o {target}, the default"
    else:
        target, given = Path(output), _opt("-o", output)
        if not output.strip():
            raise cannot_write("the graph", given, "the file name is empty "
                                                   "(give one such as graph.svg)")
    name = target.name
    if not target.suffix and name.startswith(".") and name[1:].lower() in FORMATS:
        raise cannot_write("the graph", given, f"the file name is empty before the "
                           f"extension {name} (give one such as graph{name})")
    if target.suffix.lower().lstrip(".") not in FORMATS and not target.is_dir():
        ext = f"the extension {target.suffix} names no format" if target.suffix \
            else "no extension to name the format"
        raise cannot_write("the graph", given, f"{ext}: use .svg, .png, .pdf or .dot")
    check_file_target(target, "the graph", given, source=path)
    return target, given

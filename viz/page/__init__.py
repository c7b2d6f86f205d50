"""The interactive page: step through the forward and backward pass, check your numbers.

``page(root_or_example)`` gives a ``Page``: one self-contained HTML file (no
network, no external URL) with the network drawn in both views as inline SVG,
a stepper through the forward pass, the loss, the backward pass and the
update, an input for every expected number judged in the browser with the
rules of ``chainrule check``, each node's derivation as MathML on click, and
copy buttons (LaTeX, Markdown, SVG).  ``.save(path)`` writes it;
``_repr_html_`` shows it in Jupyter (in an ``iframe``, so its script and
style stay its own).

- ``data``: the page's numbers, steps and derivations as JSON-ready data;
- ``build``: the HTML around them; ``page.js``, ``judge.js``, ``page.css``:
  the page's hand-written script and style, inlined at build time.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterable

from autograd import Value

from .build import page_html, svg_for_page
from .data import page_data

if TYPE_CHECKING:  # drawn only when a page is made
    from ..graphs.base import ComputationGraph

__all__ = ["Page", "page"]


class Page:
    """An interactive page: ``.html`` is the whole file."""

    def __init__(self, html_text: str, title: str) -> None:
        self.html = html_text
        self.title = title

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8)."""
        from .. import safe

        path = Path(path)
        safe.write_file(path, self.html.encode("utf-8"))
        return path

    def _repr_html_(self) -> str:
        return (f'<iframe title="{html.escape(self.title, quote=True)}" '
                f'srcdoc="{html.escape(self.html, quote=True)}" '
                'style="width: 100%; height: 900px; border: 1px solid #d1d9e0;"></iframe>')

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<Page {self.title!r}: {len(self.html):,} characters of HTML>"


def _drawings(root: Value, params: list[Value] | None, title: str, timeout: float | None,
              memory_limit: int | None
              ) -> tuple[dict[str, ComputationGraph], dict[str, str | None], dict[str, str]]:
    """Each view's graph, its SVG (None when the view cannot draw this graph) and why not."""
    from ..graphs import draw

    graphs: dict[str, ComputationGraph] = {}
    svgs: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    for view, neurons in (("operations", False), ("neurons", True)):
        try:
            g = draw(root, neurons=neurons, params=params, max_nodes=None, title=title or None)
            svgs[view] = g.pipe("svg", timeout=timeout, memory_limit=memory_limit).decode("utf-8")
            graphs[view] = g
        except ValueError as err:  # the neuron view needs nn's names (layer1.neuron1.z)
            svgs[view] = None
            notes[view] = ("it needs the neuron names nn gives (layer1.neuron1.z …), and this "
                           "graph's nodes have names of their own" if neurons and "named like"
                           in str(err) else str(err))
    return graphs, svgs, notes


def page(root_or_example: Any, *, lr: float | None = None,
         params: Iterable[Value] | None = None, rtol: float | None = None, digits: int = 6,
         title: str | None = None, timeout: float | None = 60.0,
         memory_limit: int | None = None) -> Page:
    """The interactive page of a graph (a ``Value``), a ``viz.load`` result, a
    worked example (``viz.worked.Example``), or a worked-example file's path or
    bundled name.

    For a graph from Python, every named node gets an input for its value and
    gradient; ``lr`` adds the update steps (for ``params``, or the leaves named
    ``w…``/``b…``).  ``timeout`` and ``memory_limit`` bound the drawings' layout.
    """
    from .. import worked
    from ..handcheck.api import Loaded, load

    example = None
    if isinstance(root_or_example, (str, Path)):
        root_or_example = load(root_or_example)
    if isinstance(root_or_example, worked.Example):
        ex = root_or_example
        values = worked.build(ex)
        if ex.loss is not None:
            worked.backward(ex, values)
        root_or_example = Loaded(ex, values)
    if isinstance(root_or_example, Loaded):
        example = root_or_example.example
        root = root_or_example.root
        param_values: list[Value] | None = [root_or_example.nodes[k] for k in example.params]
        lr = example.lr if lr is None else lr
        rtol = example.rtol if rtol is None else rtol
        name = example.title if title is None else title
        source = example.source
    elif isinstance(root_or_example, Value):
        root = root_or_example
        param_values = list(params) if params is not None else None
        name = title or f"{root.name or 'The graph'}: the forward and backward pass"
        source = ""
    else:
        raise TypeError(f"page() takes a Value, a loaded worked example or a file, got "
                        f"{type(root_or_example).__name__}")
    if rtol is None:
        rtol = worked.DEFAULT_RTOL
    graphs, svgs, notes = _drawings(root, param_values, "", timeout, memory_limit)
    data = page_data(root, example=example, title=name, source=source, params=param_values,
                     lr=lr, rtol=rtol, digits=digits, ids=graphs,
                     backward=example is None or example.loss is not None)
    for view, svg in svgs.items():
        if svg is not None:
            names = {}
            for n in data["nodes"]:
                for dot_id in n["ids"].get(view, [])[:1]:
                    names[dot_id] = n["name"]  # a neuron record: its last station
            svgs[view] = svg_for_page(svg, view[:2], names)
    return Page(page_html(data, svgs, notes), name)

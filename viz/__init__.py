"""chainrule's views for human eyes: graphs, reports, derivations, the hand check.

- ``draw(root, ...)``: the computation graph as DOT, SVG or PNG.
- ``compare(root, values=..., grads=...)``: hand numbers against the engine.
- ``explain(root, wrt=NAME)``: the chain-rule derivation of one gradient.
- ``load(path)``: a worked-example file as a graph and its expectations.
Subpackages, each owning one capability:

- ``worked``: worked-example files (TOML), their expressions, the bundled examples;
- ``handcheck``: verdicts, chain-rule derivations, the Python API above;
- ``report``: the report model and its writers (text, Markdown, LaTeX, HTML, JSON);
- ``views``: what each command shows, built as a report;
- ``graphs``: computation graphs (operation view, neuron view, rendering);
- ``cli``: the ``chainrule`` command, a thin layer over views and writers;
- ``safe`` and ``numbers``: text safe for a terminal, numbers as people write them.
"""

from .graphs import ComputationGraph, NoBackendError, RenderError, draw
from .handcheck import Comparison, Explanation, Loaded, compare, explain, load
from .page import page

__all__ = ["draw", "compare", "explain", "load", "Comparison", "Explanation", "Loaded",
           "ComputationGraph", "RenderError", "NoBackendError", "page"]

"""chainrule's views for human eyes: graphs, reports, derivations, the hand check.

- ``draw(root, ...)``: the computation graph as DOT, SVG or PNG.
- ``compare(root, values=..., grads=...)``: hand numbers against the engine.
- ``explain(root, wrt=NAME)``: the chain-rule derivation of one gradient.
- ``load(path)``: a worked-example file as a graph and its expectations.
- ``report``: the report model and its writers (text, Markdown, LaTeX, HTML, JSON).
- ``cli``: the ``chainrule`` command.
"""

from .compare import Comparison, Explanation, Loaded, compare, explain, load
from .graph import ComputationGraph, draw
from .render import NoBackendError, RenderError

__all__ = ["draw", "compare", "explain", "load", "Comparison", "Explanation", "Loaded",
           "ComputationGraph", "RenderError", "NoBackendError"]

"""chainrule's views for human eyes: graphs, tables, derivations, the hand check.

- ``draw(root, ...)``: the computation graph as DOT, SVG or PNG (``graph.py``).
- ``worked``: worked-example files (TOML) and the graphs they describe.
- ``check``: each hand number against the engine: exact, close or wrong.
- ``derive``: the chain-rule derivation behind a gradient, path by path.
- ``cli``: the ``chainrule`` command.
"""

from .graph import ComputationGraph, draw
from .render import NoBackendError, RenderError

__all__ = ["draw", "ComputationGraph", "RenderError", "NoBackendError"]

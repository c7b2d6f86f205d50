"""The hand check: each hand number against the engine, and the chain rule behind it.

- ``verdicts``: exact, close or wrong, by the digits the hand wrote;
- ``derive``: the chain-rule derivation of one gradient, path by path;
- ``api``: ``compare``, ``explain`` and ``load`` for Python and notebooks.
"""

from .api import Comparison, Explanation, Loaded, compare, explain, load

__all__ = ["Comparison", "Explanation", "Loaded", "compare", "explain", "load"]

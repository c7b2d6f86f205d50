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

from __future__ import annotations

from types import ModuleType


def _origin() -> ModuleType | None:
    """autograd/_origin.py, loaded by its path: it checks before autograd is imported."""
    import importlib.util
    import sys
    from pathlib import Path

    if "_chainrule_origin" not in sys.modules:
        path = Path(__file__).resolve().parent.parent / "autograd" / "_origin.py"
        spec = importlib.util.spec_from_file_location("_chainrule_origin", path)
        if spec is None or spec.loader is None or not path.is_file():
            return None
        module = importlib.util.module_from_spec(spec)
        sys.modules["_chainrule_origin"] = module
        spec.loader.exec_module(module)
    return sys.modules["_chainrule_origin"]


# HIPS autograd merged into chainrule's autograd, a student's nn.py or viz.py: one clear
# line; the command (viz.cli.main) says it itself, with exit status 2
_o = _origin()
_clash = _o.problem() if _o is not None else None
if _o is not None and _clash is not None and not _o.started_as_command():
    raise _o.ClashError("chainrule cannot start: " + _clash)
del _o

if _clash is None:
    from autograd import __version__

    from .graphs import ComputationGraph, NoBackendError, RenderError, draw
    from .handcheck import Comparison, Explanation, Loaded, compare, explain, load
    from .page import page

__all__ = ["__version__", "draw", "compare", "explain", "load", "Comparison", "Explanation",
           "Loaded", "ComputationGraph", "RenderError", "NoBackendError", "page"]

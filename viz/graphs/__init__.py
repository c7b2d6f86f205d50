"""Computation graphs drawn with Graphviz.

- ``operations``: ``draw``, one record per value and a node per operation (a
  layered network's operations written in their results' records);
- ``neurons``: the neuron view, one record per neuron of an ``nn`` network
  (its weights on small label nodes set on the edges);
- ``layers``: a network's inputs, layers and neurons found in the graph (nn's
  names or a file's Σ w·x + b), which both views lay out in columns;
- ``formula``: the loss part written as one line (½(y − ŷ)²);
- ``base``: the graph object and the pieces both views share;
- ``style``: colours, fonts and the symbols of operations;
- ``render``: laying out DOT with the system ``dot`` or graphviz-pure, bounded.
"""

from .base import FORMATS, RANKDIRS, ComputationGraph
from .operations import draw
from .render import NoBackendError, RenderError

__all__ = ["FORMATS", "RANKDIRS", "ComputationGraph", "NoBackendError", "RenderError", "draw"]

"""chainrule's engine: scalar reverse-mode automatic differentiation.

A ``Value`` records every scalar operation of a forward pass; ``backward()``
walks the recorded graph in topological order and applies each operation's
local derivative (the chain rule).  ``collector_paused()`` runs graph work
without Python's cycle collector (graphs have no cycles).  Standard library only.
"""

from . import _origin

_origin.check(("autograd",))  # HIPS autograd's files merged into this folder: one clear line

from ._version import __version__
from .backprop import grad
from .collector import collector_paused
from .gradcheck import GradcheckError, gradcheck
from .recording import is_recording, no_grad
from .replay import Replay, StaleReplayError, record
from .rules import Display
from .value import FUNCTIONS, OPS, Value, display, linear, sum_of
from .walk import topological_order

__all__ = [
    "__version__",
    "Value",
    "Display",
    "display",
    "FUNCTIONS",
    "OPS",
    "grad",
    "gradcheck",
    "GradcheckError",
    "no_grad",
    "collector_paused",
    "is_recording",
    "topological_order",
    "linear",
    "sum_of",
    "record",
    "Replay",
    "StaleReplayError",
]

"""chainrule's networks: neurons, layers and MLPs on the engine, with losses, optimizers and training.

Built on ``autograd``'s public API only.  Every node a network makes is named
by its dotted path (``layer1.neuron2.w1``, ``layer1.neuron2.z``, ``loss``).
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


_o = _origin()
if _o is not None:  # HIPS autograd merged into chainrule's, a student's nn.py: one clear line
    _o.check(("autograd", "nn"))
del _o

from .activations import ACTIVATIONS
from .documents import (
    DOCUMENT_NETWORKS,
    DocumentNetwork,
    linear_3_4_2_exercise,
    one_neuron_chain_1_1_1,
    shared_bias_2_2_1,
    sigmoid_2_3_1,
    textbook_3_2_1,
)
from .layers import MLP, Layer, Neuron
from .losses import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    get_loss,
    hinge,
    mse,
    squared_error,
)
from .module import Module
from .optim import SGD, Adam, Optimizer
from .torch_bridge import from_torch, to_torch
from .train import History, fit, format_epoch, format_final
from autograd import __version__

__all__ = [
    "__version__",
    "ACTIVATIONS",
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "LOSSES",
    "get_loss",
    "squared_error",
    "mse",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "hinge",
    "Optimizer",
    "SGD",
    "Adam",
    "History",
    "fit",
    "format_epoch",
    "format_final",
    "DocumentNetwork",
    "DOCUMENT_NETWORKS",
    "textbook_3_2_1",
    "shared_bias_2_2_1",
    "one_neuron_chain_1_1_1",
    "sigmoid_2_3_1",
    "linear_3_4_2_exercise",
    "to_torch",
    "from_torch",
]

"""chainrule's networks: neurons, layers and MLPs on the engine, with losses, optimizers and training.

Built on ``autograd``'s public API only.  Every node a network makes is named
by its dotted path (``layer1.neuron2.w1``, ``layer1.neuron2.z``, ``loss``).
"""

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

__all__ = [
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

"""``to_torch`` and ``from_torch``: an ``MLP`` as a PyTorch module, and back.

``to_torch(model)`` is a ``torch.nn.Sequential`` in float64 with the same
weights: per layer a ``torch.nn.Linear`` named ``layerK`` (``weight[j, i]`` is
``layerK.neuron{j+1}.w{i+1}``, ``bias[j]`` is ``layerK.neuron{j+1}.b``) and its
activation (``Sigmoid``, ``Tanh``, ``ReLU``; ``Identity`` for linear).  A
layer whose neurons share one bias becomes a ``Linear`` without bias followed
by a one-number parameter added to every neuron.  ``from_torch`` reads such a
stack (``Linear`` and activation modules) back into an ``MLP``.

PyTorch is optional: it is imported only when these are called.
"""

from __future__ import annotations

from typing import Any

from .layers import MLP, Layer, Neuron

INSTALL = "pip install torch==2.13.0"


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(f"nn.to_torch and nn.from_torch need PyTorch: {INSTALL}") from None
    return torch


def _shared_bias_class(torch: Any) -> type:
    class SharedBias(torch.nn.Module):
        """One bias added to every neuron of a layer (seed 001's b1)."""

        chainrule_shared_bias = True

        def __init__(self, value: float) -> None:
            super().__init__()
            self.bias = torch.nn.Parameter(torch.tensor(float(value), dtype=torch.float64))

        def forward(self, z: Any) -> Any:
            return z + self.bias

    return SharedBias


def _layers_of(model: Any) -> list[Layer]:
    if isinstance(model, MLP):
        return model.layers
    if isinstance(model, Layer):
        return [model]
    if isinstance(model, Neuron):
        raise ValueError("to_torch: give a Layer or an MLP (a Neuron is Layer(nin, 1))")
    raise ValueError(f"to_torch: expected an nn.MLP or nn.Layer, got {type(model).__name__}")


def to_torch(model: Any) -> Any:
    """A ``torch.nn.Sequential`` (float64) computing what ``model`` computes."""
    torch = _torch()
    from collections import OrderedDict

    activations = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU,
                   "linear": torch.nn.Identity}
    SharedBias = _shared_bias_class(torch)
    parts: OrderedDict[str, Any] = OrderedDict()
    for k, layer in enumerate(_layers_of(model), start=1):
        weights, biases = layer.get_weights()
        linear = torch.nn.Linear(layer.nin, layer.nout, bias=not layer.shared_bias,
                                 dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            if not layer.shared_bias:
                linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
        parts[f"layer{k}"] = linear
        if layer.shared_bias:
            parts[f"shared_bias{k}"] = SharedBias(biases)
        parts[f"{layer.activation}{k}"] = activations[layer.activation]()
    return torch.nn.Sequential(parts)


def from_torch(module: Any) -> MLP:
    """An ``MLP`` with the weights of a stack of ``torch.nn.Linear`` layers, each
    followed by at most one activation (Sigmoid, Tanh, ReLU, Identity) and, as
    ``to_torch`` writes it, a shared bias."""
    torch = _torch()
    kinds = {torch.nn.Sigmoid: "sigmoid", torch.nn.Tanh: "tanh", torch.nn.ReLU: "relu",
             torch.nn.Identity: "linear"}
    mods = list(module.children()) if isinstance(module, torch.nn.Sequential) else [module]
    layers: list[dict[str, Any]] = []
    for i, m in enumerate(mods):
        where = f"from_torch: module {i} ({type(m).__name__})"
        if isinstance(m, torch.nn.Linear):
            layers.append({"weights": m.weight.detach().double().tolist(),
                           "biases": None if m.bias is None else m.bias.detach().double().tolist(),
                           "activation": None, "shared": False, "nin": m.in_features})
        elif getattr(m, "chainrule_shared_bias", False):
            if not layers or layers[-1]["biases"] is not None or layers[-1]["activation"]:
                raise ValueError(f"{where}: a shared bias must follow a Linear without bias")
            layers[-1]["biases"] = float(m.bias.detach())
            layers[-1]["shared"] = True
        elif type(m) in kinds:
            if not layers or layers[-1]["activation"] is not None:
                raise ValueError(f"{where}: an activation must follow a Linear layer")
            layers[-1]["activation"] = kinds[type(m)]
        else:
            raise ValueError(f"{where}: only Linear layers and Sigmoid, Tanh, ReLU or "
                             "Identity activations can be read")
    if not layers:
        raise ValueError("from_torch: the module has no Linear layer")
    for k, layer in enumerate(layers, start=1):
        if layer["biases"] is None:
            raise ValueError(f"from_torch: layer {k} has no bias (chainrule's neurons all have one)")
        if k > 1 and layer["nin"] != len(layers[k - 2]["weights"]):
            raise ValueError(f"from_torch: layer {k} reads {layer['nin']} inputs, "
                             f"the layer below gives {len(layers[k - 2]['weights'])}")
    return MLP(layers[0]["nin"], [len(layer["weights"]) for layer in layers],
               activation=[layer["activation"] or "linear" for layer in layers],
               shared_bias=[layer["shared"] for layer in layers],
               weights=[layer["weights"] for layer in layers],
               biases=[layer["biases"] for layer in layers])

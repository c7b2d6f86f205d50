"""Activation functions by name: the a = f(z) step of a neuron.

A neuron names its activation with one of ``ACTIVATIONS``; ``activate`` adds
the matching engine node (``sigmoid``, ``tanh``, ``relu``) or, for
``"linear"`` (the identity a = z), adds nothing and returns z itself.
"""

from __future__ import annotations

from autograd import Value

#: The activation names a neuron accepts, in the order error messages list them.
ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "linear")


def check_activation(activation: object, where: str) -> str:
    """``activation`` if it is a known name, else a ValueError naming ``where``."""
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        valid = ", ".join(repr(a) for a in ACTIVATIONS)
        raise ValueError(f"{where}: unknown activation {activation!r}; valid activations are {valid}")
    return activation


def activate(z: Value, activation: str) -> Value:
    """a = f(z) for the named activation; ``"linear"`` returns z unchanged."""
    if activation == "sigmoid":
        return z.sigmoid()  # σ(z) = 1 / (1 + e^-z)
    if activation == "tanh":
        return z.tanh()
    if activation == "relu":
        return z.relu()  # max(0, z)
    if activation == "linear":
        return z  # a = z, da/dz = 1: no node
    raise ValueError(f"unknown activation {activation!r}")

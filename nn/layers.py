"""``Neuron``, ``Layer`` and ``MLP``: the networks the documents work by hand.

A neuron computes the net input z = w1·x1 + … + wn·xn + b and the activation
a = f(z).  By default z is one fused ``autograd.linear`` node; with
``fused=False`` it is the teaching form built from '*' and '+' nodes (the
same numbers and the same gradients).  Every node made here is named by its
dotted, 1-based path: ``layer1.neuron2.w1``, ``layer1.neuron2.b`` (or a
shared ``layer1.b``), ``layer1.neuron2.z``, ``layer1.neuron2.a``.

Parameter order (``parameters()``, ``state_dict()``, seeded init): layer by
layer, neuron by neuron, each neuron's weights in input order then its bias;
with a shared bias, every neuron's weights and then the layer's one bias.

Initialization: parameters are drawn uniform in [-1, 1] from
``random.Random(seed)`` in parameter order (never the global random state),
unless explicit weights are given: ``weights[layer][neuron]`` is the list of
that neuron's input weights [w1, …, wn] (row j of the layer's weight matrix),
and ``biases[layer][neuron]`` its bias, or ``biases[layer]`` one number for a
layer with a shared bias.
"""

from __future__ import annotations

import random
from typing import Any
from collections.abc import Sequence

from autograd import Value, linear

from .activations import ACTIVATIONS, activate, check_activation
from .checks import finite_number, input_values, is_number, positive_int, sequence
from .module import Module


def _seed(seed: Any, where: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"{where}: seed must be an int, got {seed!r}")
    return seed


def _init_uniform(params: list[Value], seed: int) -> None:
    """Draw each parameter uniform in [-1, 1] from random.Random(seed), in order."""
    rng = random.Random(seed)
    for p in params:
        p.data = rng.uniform(-1.0, 1.0)


class Neuron(Module):
    """One neuron: z = Σ wᵢ·xᵢ + b, a = activation(z).

    Parameters: w1 … wn, then b (unless the bias is shared: a Value passed as
    ``bias`` belongs to the layer that made it and is not listed here).
    Calling a neuron returns its activation, one ``Value``.
    """

    def __init__(self, nin: int, activation: str = "sigmoid", *, name: str = "neuron1",
                 seed: int = 0, fused: bool = True, bias: Value | None = None) -> None:
        self.name = name
        self.nin = positive_int(nin, f"{name}: nin")
        self.activation = check_activation(activation, name)
        self.fused = bool(fused)
        self.w = [Value(0.0, name=f"{name}.w{i}") for i in range(1, nin + 1)]
        self.shared_bias = bias is not None
        self.b = bias if bias is not None else Value(0.0, name=f"{name}.b")
        _init_uniform(self.parameters(), _seed(seed, name))

    def parameters(self) -> list[Value]:
        return self.w + ([] if self.shared_bias else [self.b])

    def __call__(self, inputs: Sequence[Any]) -> Value:
        return self.forward(input_values(inputs, self.nin, self.name))

    def forward(self, x: list[Value]) -> Value:
        """The activation for already checked input Values (no length check)."""
        if self.fused:
            z = linear(self.w, x, self.b)  # one node: Σ wᵢ·xᵢ + b
        else:
            z = self.w[0] * x[0]  # w1·x1 + w2·x2 + … + b, one '*' and '+' per term
            for w, xi in zip(self.w[1:], x[1:]):
                z = z + w * xi
            z = z + self.b
        z.name = f"{self.name}.z"
        a = activate(z, self.activation)
        if a is not z:
            a.name = f"{self.name}.a"
        return a

    def _checked(self, row: Any, bias: Any) -> list[float]:
        """[w1, …, wn] (+ [b] unless shared) as floats, or a ValueError naming the neuron."""
        row = sequence(row, f"{self.name}: weights")
        if len(row) != self.nin:
            raise ValueError(f"{self.name}: expected {self.nin} weights (one per input), got {len(row)}")
        values = [finite_number(w, f"{self.name}.w{i}") for i, w in enumerate(row, start=1)]
        if not self.shared_bias:
            values.append(finite_number(bias, f"{self.name}.b"))
        return values

    def __repr__(self) -> str:
        extra = "" if self.fused else ", fused=False"
        return f"Neuron({self.nin}, activation={self.activation!r}, name={self.name!r}{extra})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it returns a list of Values.

    With ``shared_bias=True`` the layer has one bias ``<name>.b`` that every
    neuron adds (its gradient is the sum over the neurons, as in seed 001).
    """

    def __init__(self, nin: int, nout: int, activation: str = "sigmoid", shared_bias: bool = False, *,
                 name: str = "layer1", seed: int = 0, fused: bool = True) -> None:
        self.name = name
        self.nin = positive_int(nin, f"{name}: nin")
        self.nout = positive_int(nout, f"{name}: nout")
        self.activation = check_activation(activation, name)
        if not isinstance(shared_bias, bool):
            raise ValueError(f"{name}: shared_bias must be True or False, got {shared_bias!r}")
        self.shared_bias = shared_bias
        self.fused = bool(fused)
        self.bias = Value(0.0, name=f"{name}.b") if shared_bias else None
        self.neurons = [
            Neuron(nin, activation, name=f"{name}.neuron{j}", fused=fused, bias=self.bias)
            for j in range(1, nout + 1)
        ]
        _init_uniform(self.parameters(), _seed(seed, name))

    def parameters(self) -> list[Value]:
        params = [p for n in self.neurons for p in n.parameters()]
        return params + ([self.bias] if self.bias is not None else [])

    def __call__(self, inputs: Sequence[Any]) -> list[Value]:
        x = input_values(inputs, self.nin, self.name)
        return [n.forward(x) for n in self.neurons]

    def _checked(self, weights: Any, biases: Any) -> list[float]:
        """This layer's weights and biases as floats in parameters() order, or a ValueError."""
        rows = sequence(weights, f"{self.name}: weights")
        if len(rows) != self.nout:
            raise ValueError(
                f"{self.name}: expected weights for {self.nout} neuron{'s' if self.nout != 1 else ''} "
                f"(a {self.nout}x{self.nin} nested list), got {len(rows)} rows"
            )
        if self.shared_bias:
            if not is_number(biases):
                raise ValueError(
                    f"{self.name}: a shared bias is one number, got {type(biases).__name__} {biases!r}"
                )
            per_neuron = [None] * self.nout
        else:
            per_neuron = sequence(biases, f"{self.name}: biases")
            if len(per_neuron) != self.nout:
                raise ValueError(
                    f"{self.name}: expected {self.nout} bias{'es' if self.nout != 1 else ''} "
                    f"(one per neuron), got {len(per_neuron)}"
                )
        values = []
        for neuron, row, b in zip(self.neurons, rows, per_neuron):
            values += neuron._checked(row, b)
        if self.shared_bias:
            values.append(finite_number(biases, f"{self.name}.b"))
        return values

    def set_weights(self, weights: Sequence[Sequence[float]], biases: Any) -> None:
        """weights[neuron] = [w1, …, wn]; biases[neuron], or one number if the bias is shared."""
        values = self._checked(weights, biases)
        for p, v in zip(self.parameters(), values):
            p.data = v

    def get_weights(self) -> tuple[list[list[float]], Any]:
        """(weights, biases) in the form ``set_weights`` takes."""
        weights = [[w.data for w in n.w] for n in self.neurons]
        biases = self.bias.data if self.bias is not None else [n.b.data for n in self.neurons]
        return weights, biases

    def __repr__(self) -> str:
        extra = "" if self.fused else ", fused=False"
        return (f"Layer({self.nin}, {self.nout}, activation={self.activation!r}, "
                f"shared_bias={self.shared_bias}, name={self.name!r}{extra})")


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then one layer per entry of ``nouts``.

    ``activation`` and ``shared_bias`` are one setting for every layer or a
    per-layer list.  ``MLP(2, [2, 1], activation="sigmoid", shared_bias=True)``
    is seed 001's network.  Calling the model returns a list of Values (one
    per output neuron), even for a single output.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str | Sequence[str] = "sigmoid",
                 shared_bias: bool | Sequence[bool] = False, *, seed: int = 0,
                 weights: Sequence[Any] | None = None, biases: Sequence[Any] | None = None,
                 fused: bool = True) -> None:
        self.nin = positive_int(nin, "MLP: nin")
        if isinstance(nouts, int) and not isinstance(nouts, bool):
            nouts = [nouts]
        nouts = sequence(nouts, "MLP: nouts")
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size")
        self.nouts = [positive_int(n, f"MLP: nouts[{i}] (layer{i + 1})") for i, n in enumerate(nouts)]
        depth = len(self.nouts)
        self.activations = self._per_layer(activation, depth, "activation", str)
        self.shared_biases = self._per_layer(shared_bias, depth, "shared_bias", bool)
        self.fused = bool(fused)
        sizes = [self.nin] + self.nouts
        self.layers = [
            Layer(sizes[i], sizes[i + 1], self.activations[i], self.shared_biases[i],
                  name=f"layer{i + 1}", fused=fused)
            for i in range(depth)
        ]
        if weights is None and biases is None:
            _init_uniform(self.parameters(), _seed(seed, "MLP"))
        elif weights is None or biases is None:
            raise ValueError("MLP: give weights and biases together (weights[layer][neuron] = [w1, …, wn], "
                             "biases[layer][neuron], or biases[layer] = one number for a shared bias)")
        else:
            self.set_weights(weights, biases)

    @staticmethod
    def _per_layer(setting: Any, depth: int, what: str, kind: type) -> list:
        if isinstance(setting, kind):
            return [setting] * depth
        if not isinstance(setting, (list, tuple)):
            valid = f"one of {', '.join(repr(a) for a in ACTIVATIONS)}" if kind is str else "True or False"
            raise ValueError(f"MLP: {what} must be {valid} or a list with one per layer, got {setting!r}")
        if len(setting) != depth:
            raise ValueError(f"MLP: {what} lists {len(setting)} entries for {depth} layer{'s' if depth != 1 else ''}")
        for i, s in enumerate(setting, start=1):
            if kind is str:
                check_activation(s, f"MLP: layer{i}")
            elif not isinstance(s, bool):
                raise ValueError(f"MLP: layer{i}: shared_bias must be True or False, got {s!r}")
        return list(setting)

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __call__(self, inputs: Sequence[Any]) -> list[Value]:
        x = input_values(inputs, self.nin, "MLP")
        for layer in self.layers:
            x = [n.forward(x) for n in layer.neurons]
        return x

    def set_weights(self, weights: Sequence[Any], biases: Sequence[Any]) -> None:
        """Set every parameter from nested lists (see the module docstring); all or nothing."""
        depth = len(self.layers)
        weights = sequence(weights, "MLP: weights")
        biases = sequence(biases, "MLP: biases")
        for what, given in (("weights", weights), ("biases", biases)):
            if len(given) != depth:
                raise ValueError(f"MLP: {what} list {len(given)} layers, the network has {depth}")
        values = []
        for layer, w, b in zip(self.layers, weights, biases):
            values += layer._checked(w, b)
        for p, v in zip(self.parameters(), values):
            p.data = v

    def get_weights(self) -> tuple[list, list]:
        """(weights, biases) as nested lists, in the form ``set_weights`` takes."""
        pairs = [layer.get_weights() for layer in self.layers]
        return [w for w, _ in pairs], [b for _, b in pairs]

    def __repr__(self) -> str:
        act = self.activations[0] if len(set(self.activations)) == 1 else self.activations
        shared = self.shared_biases[0] if len(set(self.shared_biases)) == 1 else self.shared_biases
        extra = "" if self.fused else ", fused=False"
        return f"MLP({self.nin}, {self.nouts}, activation={act!r}, shared_bias={shared}{extra})"

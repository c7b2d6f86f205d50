"""Layers and neurons found from a graph's structure, whatever the nodes are named.

A *neuron* is a net input z = Σ wᵢ·xᵢ + b (a fused ``linear`` node, or a tree
of unnamed ``+`` nodes over ``*`` products and at most one bias leaf) followed
by an activation a = f(z) (``sigmoid``, ``tanh``, ``relu``, ``exp``), or by
none (a linear neuron, a = z).  Identity nodes (a one-parent sum: a file's
alias such as ``o6 = "a6"``) are looked through.  Each xᵢ is a network input
(a leaf) or another neuron's a; each wᵢ is a leaf.  A network is *layered*
when every neuron of layer l takes its inputs from layer l − 1 only (layer 0:
the inputs).  ``find_layers`` returns the layers or raises ``NotLayered``
with the reason, in one line.  Engine API only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Iterable

from autograd import Value, topological_order

ACTIVATIONS = ("sigmoid", "tanh", "relu", "exp")
_SUMS = ("+", "sum")


class NotLayered(ValueError):
    """The graph is not a layered network of neurons: only the paths form applies."""


@dataclass(eq=False)
class Neuron:
    """z = Σ wᵢ·xᵢ + b, a = f(z) (``act`` None: a linear neuron, a = z)."""

    z: Value
    a: Value
    act: str | None
    terms: list[tuple[Value, Value]]  # (w, x) in the order the sum is written
    bias: Value | None
    layer: int = 0
    label: str = ""  # the neuron's index as the δ is subscripted: 6, h1, o2

    def weight_of(self, x: Value) -> Value | None:
        """The weight pairing input ``x`` (the first when there are several)."""
        return next((w for w, xi in self.terms if xi is x), None)


@dataclass
class Network:
    """The layers of a network, the input layer first (layer 0 is the inputs)."""

    inputs: list[Value]
    layers: list[list[Neuron]]
    root: Value
    by_output: dict[Value, Neuron] = field(default_factory=dict)
    names: dict[Value, str] = field(default_factory=dict)  # for the nodes with no name

    def name(self, v: Value, fallback: str = "?") -> str:
        """A node's name, or the one made up for it from its place (z2,1, w2,1_1)."""
        return v.name if v.name is not None else self.names.get(v, fallback)

    @property
    def output(self) -> list[Neuron]:
        return self.layers[-1]

    def layer_inputs(self, l: int) -> list[Value]:
        """The vector x_{l−1} that layer ``l`` (1-based) reads."""
        return self.inputs if l == 1 else [n.a for n in self.layers[l - 2]]


def strip(v: Value) -> Value:
    """``v`` with identity nodes (one-parent sums) looked through."""
    while v.op in _SUMS and len(v.parents) == 1:
        v = v.parents[0]
    return v


def is_identity(v: Value) -> bool:
    """A one-parent sum: a node that only renames its parent."""
    return v.op in _SUMS and len(v.parents) == 1


def _param(v: Value) -> bool:
    return v.is_leaf and not v.is_constant


def _terms(z: Value, taken: set[Value]
           ) -> tuple[list[tuple[Value, Value]], Value | None, list[Value]] | list[Value]:
    """(products (p, q), bias, the nodes inside) of a net input; else the list of
    the nodes walked (so that no node is walked twice: the work stays linear)."""
    if z.op == "linear":
        ps = z.parents
        pairs = [(ps[i], ps[i + 1]) for i in range(0, len(ps) - 1, 2)]
        if not all(_param(w) for w, _ in pairs):
            return [z]
        return [(w, x) for w, x in pairs], ps[-1], []
    products: list[tuple[Value, Value]] = []
    bias: list[Value] = []
    inner: list[Value] = []
    todo = [z]
    while todo:  # the sum tree, left to right
        v = todo.pop()
        if v in taken and v is not z:
            return inner  # part of another sum already
        if v.op == "*" and len(v.parents) == 2:
            p, q = v.parents
            inner.append(v)
            if not (_param(p) or _param(q)):
                return inner  # w·x needs a weight
            products.append((p, q))
        elif v.op in _SUMS and len(v.parents) > 1 and (v is z or v.name is None):
            inner.append(v)
            todo.extend(reversed(v.parents))
        else:
            if bias or not v.is_leaf:
                return inner  # at most one bias, a leaf
            bias.append(v)
    if not products:
        return inner
    return products, (bias[0] if bias else None), inner


def _label(name: str | None) -> str | None:
    if name is None:
        return None
    if "." in name:  # nn's layer1.neuron2.z: the layer and neuron numbers
        parts = name.split(".")[:-1]
        nums = [re.sub(r"^[^\d]+", "", p) for p in parts]
        return ",".join(nums) if all(nums) else ".".join(parts)
    m = re.match(r"^(?:[A-Za-z]+_?)(?=.)(.+)$", name)
    return m.group(1) if m else name


def find_layers(root: Value, inputs: Iterable[Value] | None = None) -> Network:
    """The layered network that ``root`` is the loss of (``inputs``: the network's
    input leaves when known, e.g. a file's [inputs]; else found from the structure)."""
    order = topological_order(root)
    known_inputs = set(inputs) if inputs is not None else None
    candidates: list[tuple[Value, Value, str | None, list, Value | None]] = []
    inside: set[Value] = set()  # nodes that are part of a neuron already found
    walked: set[Value] = set()  # the nodes of sums that are no net input
    for v in reversed(order):  # from the loss down: a whole sum before its parts
        if v in inside or v in walked:
            continue
        if v.op in ACTIVATIONS and len(v.parents) == 1:
            z = strip(v.parents[0])
            if z in inside or z in walked:
                continue
            found = _terms(z, inside)
            if isinstance(found, tuple):
                candidates.append((z, v, v.op, found[0], found[1]))
                inside.update([z, *found[2]])
            continue
        if v.op in ("linear", "*", *_SUMS) and not is_identity(v):
            found = _terms(v, inside)
            if isinstance(found, tuple) and (v.name is not None or v.op == "linear"
                                             or any(not p.is_leaf or not q.is_leaf
                                                    for p, q in found[0])):
                candidates.append((v, v, None, found[0], found[1]))
                inside.update([v, *found[2]])
            else:
                walked.update(found if isinstance(found, list) else found[2])
                walked.add(v)
    if not candidates:
        raise NotLayered("no neuron found (a net input Σ w·x + b followed by an activation)")
    outputs = {a: k for k, (_, a, *_rest) in enumerate(candidates)}

    def neuron_output(x: Value) -> Value | None:
        x = strip(x)
        return x if x in outputs else None

    # which side of each product is the weight: the other side is a neuron's output,
    # a declared input, the leaf used in more products, or (a tie) the second factor
    uses: dict[Value, int] = {}
    for _, _, _, products, _ in candidates:
        for p, q in products:
            uses[p] = uses.get(p, 0) + 1
            uses[q] = uses.get(q, 0) + 1
    neurons: list[Neuron] = []
    for z, a, act, products, bias in candidates:
        terms = []
        for p, q in products:
            if z.op == "linear":
                w, x = p, q
            elif neuron_output(q) is not None and _param(p):
                w, x = p, q
            elif neuron_output(p) is not None and _param(q):
                w, x = q, p
            elif _param(p) and _param(q):
                if known_inputs is not None and (p in known_inputs) != (q in known_inputs):
                    w, x = (q, p) if p in known_inputs else (p, q)
                elif uses[p] > uses[q]:
                    w, x = q, p
                else:
                    w, x = p, q
            else:
                what = z.name or "a net input"
                raise NotLayered(f"{what}: a product whose factors are neither a weight "
                                 "and an input nor a weight and a neuron's output")
            out = neuron_output(x)
            terms.append((w, out if out is not None else x))
        if any(not x.is_leaf and x not in outputs for _, x in terms):
            raise NotLayered(f"{z.name or 'a net input'}: an input is neither a network "
                             "input nor a neuron's output")
        neurons.append(Neuron(z, a, act, terms, bias))
    by_output = {n.a: n for n in neurons}
    # layers: 1 + the deepest input
    depth: dict[Neuron, int] = {}
    for n in reversed(neurons):  # producers were found after their consumers
        depth[n] = 1 + max((depth[by_output[x]] if x in by_output else 0) for _, x in n.terms)
    n_layers = max(depth.values())
    layers: list[list[Neuron]] = [[] for _ in range(n_layers)]
    for n in neurons:
        n.layer = depth[n]
        layers[n.layer - 1].append(n)
    for n in neurons:
        for _, x in n.terms:
            from_layer = depth[by_output[x]] if x in by_output else 0
            if from_layer != n.layer - 1:
                raise NotLayered(f"{n.z.name or 'a neuron'} of layer {n.layer} reads an input "
                                 f"of layer {from_layer}: the layers are not one after another")
    consumed = {x for n in neurons for _, x in n.terms}
    for n in neurons:
        if n.layer < n_layers and n.a not in consumed:
            raise NotLayered(f"{n.a.name or 'a neuron'} of layer {n.layer} feeds no neuron "
                             "of the next layer")
    index = {v: k for k, v in enumerate(order)}
    inputs_seen: list[Value] = []
    for n in layers[0]:
        for _, x in n.terms:
            if x not in inputs_seen:
                inputs_seen.append(x)
    for layer in layers:
        layer.sort(key=lambda n: _natural(n.z.name, index[n.z]))
    inputs_seen.sort(key=lambda x: _natural(x.name, index[x]))
    labels = [_label(n.z.name) for layer in layers for n in layer]
    unique = None not in labels and len(set(labels)) == len(labels)
    for l, layer in enumerate(layers, 1):
        for k, n in enumerate(layer, 1):
            n.label = _label(n.z.name) if unique else f"{l},{k}"  # type: ignore[assignment]
    names: dict[Value, str] = {}
    for k, x in enumerate(inputs_seen, 1):
        names.setdefault(x, f"x{k}")
    for layer in layers:
        for n in layer:
            names.setdefault(n.z, f"z{n.label}")
            names.setdefault(n.a, f"a{n.label}")
            for i, (w, _) in enumerate(n.terms, 1):
                names.setdefault(w, f"w{n.label}_{i}")
            if n.bias is not None:
                names.setdefault(n.bias, f"b{n.label}")
    return Network(inputs_seen, layers, root, by_output,
                   {v: t for v, t in names.items() if v.name is None})


def _natural(name: str | None, fallback: int) -> tuple:
    """x2 before x10: names by their runs of digits, unnamed nodes in graph order."""
    if name is None:
        return (1, fallback)
    return (0, tuple((0, int(t), "") if t.isdigit() else (1, 0, t)
                     for t in re.findall(r"\d+|\D+", name)), fallback)

"""Finding a network's layers in a computation graph: inputs, neurons by layer, the loss.

Both graph views lay a layered network out the way the documents draw it:
inputs in the first column, each layer's neurons in a column of their own in
index order, then the loss.  The layers come from the graph itself, so they
are found for ``nn`` networks and for worked-example files alike:

* a neuron's **net input** z is a named node that is a sum of products
  ``w·x`` (a leaf parameter ``w`` times a source ``x``) and of bias leaves:
  ``linear(w1, x1, …, b)`` (``nn``'s fused form), ``w1*x1 + w2*x2 + b``
  (the teaching form, a file's ``x1*w1 + x2*w2 + b1``);
* its **activation** a is the one-operand operation (σ, tanh, ReLU, …) that
  alone reads z, through any aliases (``i5 = "z5"``); a linear neuron has
  none (a = z);
* a neuron's **layer** is one more than the highest layer among its sources
  (an input leaf is layer 0).

Neurons of a batch (the same weights applied to every sample) are one
neuron.  In a layer, neurons are ordered by their names read naturally
(``layer1.neuron2`` < ``layer1.neuron10``, ``z_h1`` < ``z_h2``), inputs the
same way.  ``find_layers`` returns None when the graph is not layered so
(a source that is neither an input nor a neuron's output): the views then
keep their general layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autograd import Value

ACTIVATIONS = ("sigmoid", "tanh", "relu", "exp")  # one-operand ops read as a neuron's f(z)
_NN_NEURON = re.compile(r"^(?:.*\.)?(layer(\d+)\.neuron(\d+))\.")
_PREFIX = re.compile(r"^(?:z|net|a|out|o|h|i|y)_", re.IGNORECASE)


@dataclass(eq=False)
class Neuron:
    """One neuron: its net inputs (one per sample), activations, and what it reads."""

    layer: int  # 1 for the first hidden layer
    key: frozenset  # its weights: the neuron's identity across samples
    zs: list[Value] = field(default_factory=list)  # the net input of each sample
    outs: list[Value] = field(default_factory=list)  # its output a (z when linear), per sample
    members: list[Value] = field(default_factory=list)  # every value drawn in it, in order
    weights: list[Value] = field(default_factory=list)  # w1 … wn, in the order of its terms
    sources: list[Value] = field(default_factory=list)  # what each weight multiplies (sample 1)
    biases: list[Value] = field(default_factory=list)  # bias leaves added straight into z
    activation: str | None = None  # the op of a, or None: linear
    index: int = 0  # 1-based position in its layer, top to bottom
    #: each sample's net input z -> its terms [(w, x)], its bias leaves, its unnamed inner nodes
    parts: dict = field(default_factory=dict)

    @property
    def z(self) -> Value:
        return self.zs[0]

    @property
    def a(self) -> Value:
        return self.outs[0]

    @property
    def name(self) -> str:
        """'layer1.neuron2' for nn; 'h1' for z_h1 / a_h1; else the output's name."""
        m = _NN_NEURON.match(self.z.name or "")
        if m:
            return m.group(1)
        z, a = self.z.name or "", self.a.name or ""
        zs, as_ = _PREFIX.sub("", z), _PREFIX.sub("", a)
        if a != z and zs == as_ and zs:
            return zs
        return a or z or "neuron"

    @property
    def nn_indexes(self) -> tuple[int, int] | None:
        """(layer, neuron) from nn's dotted names, or None for a file's names."""
        m = _NN_NEURON.match(self.z.name or "")
        return (int(m.group(2)), int(m.group(3))) if m else None


@dataclass
class Layering:
    """The inputs in order, the layers (neurons in order), and each value's neuron."""

    inputs: list[Value]
    layers: list[list[Neuron]]
    neuron_of: dict[Value, Neuron]

    @property
    def neurons(self) -> list[Neuron]:
        return [n for layer in self.layers for n in layer]

    def column(self, v: Value) -> int | None:
        """The column a value is drawn in: 0 for inputs, L for layer L's neurons."""
        n = self.neuron_of.get(v)
        if n is not None:
            return n.layer
        return 0 if v in self._input_set else None

    def __post_init__(self) -> None:
        self._input_set = set(self.inputs)


def natural_key(text: str | None) -> tuple:
    """'w10' after 'w9': digits compare as numbers."""
    parts = re.split(r"(\d+)", text or "")
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def _alias(v: Value) -> bool:
    return v.op == "sum" and len(v.parents) == 1


def _terms(z: Value, params: set[Value]) -> tuple[list[tuple[Value, Value]], list[Value], list[Value]] | None:
    """z as Σ w·x + b: ([(w, x)], [b], the unnamed inner nodes), or None when it is not."""
    if z.op == "linear":
        ps = z.parents
        if len(ps) < 3 or len(ps) % 2 == 0:
            return None
        fused = [(ps[k], ps[k + 1]) for k in range(0, len(ps) - 1, 2)]
        if not all(w in params for w, _ in fused):
            return None
        return fused, [ps[-1]], []
    if z.op not in ("+", "sum") or _alias(z):
        return None
    pairs: list[tuple[Value, Value]] = []
    biases: list[Value] = []
    inner: list[Value] = []
    stack = [z]
    seen: set[Value] = set()
    while stack:  # flatten the sum: unnamed + nodes are part of the net input
        v = stack.pop()
        if v in seen:
            return None  # a term used twice is not a neuron's sum
        seen.add(v)
        if v.op in ("+", "sum") and (v is z or v.name is None):
            if v is not z:
                inner.append(v)
            stack.extend(reversed(v.parents))
        elif v.op == "*" and v.name is None and len(v.parents) == 2:
            a, b = v.parents
            if b in params and a not in params:
                pairs.append((b, a))
            elif a in params and b not in params:
                pairs.append((a, b))
            else:
                return None
            inner.append(v)
        elif v.is_leaf and v in params:
            biases.append(v)
        else:
            return None
    if not pairs or len(biases) > 1:
        return None
    return pairs, biases, inner


def find_layers(order: list[Value], params: set[Value]) -> Layering | None:
    """The layers of the network in ``order`` (topological), or None when none is found."""
    consumers: dict[Value, list[Value]] = {}
    for v in order:
        for p in v.parents:
            users = consumers.setdefault(p, [])
            if v not in users:
                users.append(v)
    by_key: dict[frozenset, Neuron] = {}
    neuron_of: dict[Value, Neuron] = {}
    out_of: dict[Value, Neuron] = {}  # a neuron's output (and its aliases) -> the neuron
    inputs: dict[Value, None] = {}
    for z in order:
        if _alias(z) and z.parents[0] in out_of and z not in neuron_of:
            n = out_of[z.parents[0]]  # y_hat = a_out: drawn in its neuron, read as its output
            n.members.append(z)
            neuron_of[z] = out_of[z] = n
            continue
        if z.name is None or z in neuron_of or z.is_leaf:
            continue
        found = _terms(z, params)
        if found is None:
            continue
        pairs, biases, inner = found
        layer = 1
        for _, x in pairs:
            if x in out_of:
                layer = max(layer, out_of[x].layer + 1)
            elif x.is_leaf and not x.is_constant and x not in params:
                pass
            else:
                return None  # a source that is neither an input nor a neuron
        key = frozenset(w for w, _ in pairs)
        if key not in by_key:
            n = by_key[key] = Neuron(layer, key, weights=[w for w, _ in pairs],
                                     sources=[x for _, x in pairs], biases=list(biases))
            n.members += [w for w, _ in pairs]
        else:
            n = by_key[key]
            if n.layer != layer:
                return None
        for _, x in pairs:
            if x.is_leaf:
                inputs.setdefault(x, None)
        # the activation: through aliases, the one-operand op that alone reads z
        chain = [z]
        v = z
        while True:
            users = consumers.get(v, [])
            if len(users) == 1 and _alias(users[0]) and users[0] not in neuron_of:
                v = users[0]
                chain.append(v)
                continue
            break
        users = consumers.get(v, [])
        out = v
        if len(users) == 1 and users[0].op in ACTIVATIONS and len(users[0].parents) == 1:
            out = users[0]
            chain.append(out)
            n.activation = out.op
        elif v is not z:  # aliases of z but no activation: z itself is the output
            chain, out = [z], z
        n.zs.append(z)
        n.outs.append(out)
        n.parts[z] = (pairs, biases, inner)
        for m in inner + chain:
            if m not in neuron_of:
                n.members.append(m)
        for m in inner + chain:
            neuron_of[m] = n
        out_of[out] = n
    if not by_key:
        return None
    for n in by_key.values():
        for w in n.weights:
            neuron_of[w] = n
        for b in n.biases:  # its own bias, unless other neurons add it too
            if all(neuron_of.get(u) is n for u in consumers.get(b, [])):
                neuron_of[b] = n
                if b not in n.members:
                    n.members.append(b)
    depth = max(n.layer for n in by_key.values())
    layers: list[list[Neuron]] = [[] for _ in range(depth)]
    for n in by_key.values():
        layers[n.layer - 1].append(n)
    for neurons in layers:
        if not neurons:
            return None
        neurons.sort(key=lambda n: natural_key(n.name))
        for i, n in enumerate(neurons, start=1):
            n.index = i
    ordered = sorted(inputs, key=lambda v: natural_key(v.name))
    return Layering(ordered, layers, neuron_of)

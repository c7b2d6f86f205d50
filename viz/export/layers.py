"""A small detector of layered networks, for the tensor exports (private to viz.export).

A program is a layered network when its nodes are, layer by layer, net inputs
``z_j = Σ_i w_ji·a_i + b_j`` (each weight a parameter used nowhere else, one
bias per neuron or one shared by the layer) over the same inputs, each
followed by one activation ``sigmoid(z_j)``, ``tanh(z_j)`` or ``relu(z_j)`` or
by none (linear), the next layer reading every output of the one below.
Nodes that only rename another (``y_hat = a_out``) are aliases; the nodes
after the network (the error, the loss) may use the last layer's outputs,
the inputs and numbers, but no parameter.  ``detect`` returns the network, or
None with the reason it is not one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..worked import expr
from ..worked.expr import Binary, Call, Name, Node
from .program import Program

ACTIVATIONS = ("sigmoid", "tanh", "relu")


@dataclass
class Layer:
    sources: list[str]  # the input vector: network inputs or the outputs below, in order
    nets: list[str]  # each neuron's net-input node, in file order
    outputs: list[str]  # each neuron's output: its activation node, or the net input (linear)
    activation: str  # sigmoid, tanh, relu or linear
    weights: list[list[str]]  # weights[j][i]: the parameter from source i to neuron j
    biases: list[str] | None  # one per neuron, or None when shared
    shared_bias: str | None = None


@dataclass
class Network:
    layers: list[Layer]
    aliases: dict[str, str]  # alias node -> the network node it stands for
    rest: list[str]  # the nodes after the network, in order
    position: dict[str, tuple[int, str, int]] = field(default_factory=dict)
    # network node -> (layer index, "net" or "out", neuron index)

    def where(self, name: str) -> tuple[int, str, int] | None:
        return self.position.get(self.aliases.get(name, name))


def _terms(tree: Node) -> list[Node]:
    """The terms of a sum a + b + c (any grouping)."""
    out, todo = [], [tree]
    while todo:
        t = todo.pop()
        if isinstance(t, Binary) and t.op == "+":
            todo += [t.right, t.left]
        else:
            out.append(t)
    return out


def detect(prog: Program) -> tuple[Network | None, str]:
    """The layered network ``prog`` computes, or (None, why it is not one)."""
    trees = prog.trees
    aliases: dict[str, str] = {}
    for n, t in trees.items():
        if isinstance(t, Name) and t.id in trees:
            target = t.id
            while target in aliases:
                target = aliases[target]
            aliases[n] = target

    def resolve(name: str) -> str:
        return aliases.get(name, name)

    uses: dict[str, int] = {}
    for t in trees.values():
        for node in expr.walk(t):
            if isinstance(node, Name):
                uses[node.id] = uses.get(node.id, 0) + 1

    nets: dict[str, tuple[dict[str, str], str]] = {}  # node -> ({source: weight}, bias)
    for n, t in trees.items():
        if n in aliases:
            continue
        weights: dict[str, str] = {}
        bias = None
        ok = True
        for term in _terms(t):
            if isinstance(term, Name) and term.id in prog.params and bias is None:
                bias = term.id
            elif (isinstance(term, Binary) and term.op == "*" and isinstance(term.left, Name)
                  and isinstance(term.right, Name)):
                a, b = term.left.id, term.right.id
                if a in prog.params and b not in prog.params:
                    w, s = a, b
                elif b in prog.params and a not in prog.params:
                    w, s = b, a
                else:
                    ok = False
                    break
                s = resolve(s)
                if s in weights or uses.get(w) != 1:
                    ok = False
                    break
                weights[s] = w
            else:
                ok = False
                break
        if ok and weights and bias is not None:
            nets[n] = (weights, bias)
    if not nets:
        return None, "no node is a net input Σ w·x + b with parameters w and b"

    activation_of: dict[str, tuple[str, str]] = {}  # net -> (activation node, function)
    for n, t in trees.items():
        if isinstance(t, Call) and isinstance(t.arg, Name) and resolve(t.arg.id) in nets:
            z = resolve(t.arg.id)
            if t.func not in ACTIVATIONS or z in activation_of:
                return None, f"{prog.show(n)}: not one activation of one net input"
            activation_of[z] = (n, t.func)

    layers: list[Layer] = []
    placed: set[str] = set()
    below = [k for k in prog.inputs]
    first = True
    while len(placed) < len(nets):
        allowed = set(below)
        group = [n for n in nets if n not in placed and set(nets[n][0]) <= allowed]
        if not group:
            return None, "some net inputs read neither the inputs nor the layer below"
        sources = [s for s in below if s in nets[group[0]][0]]
        if not first and len(sources) != len(below):
            return None, f"{prog.show(group[0])} does not read every output of the layer below"
        for n in group:
            if set(nets[n][0]) != set(sources):
                return None, f"{prog.show(n)} reads other inputs than {prog.show(group[0])}"
        kinds = {activation_of[n][1] if n in activation_of else "linear" for n in group}
        if len(kinds) != 1:
            return None, f"the neurons of layer {len(layers) + 1} have different activations"
        bias_names = [nets[n][1] for n in group]
        shared = None
        if len(set(bias_names)) == 1 and len(group) > 1:
            shared = bias_names[0]
            if uses.get(shared) != len(group):
                return None, f"the bias {prog.show(shared)} is used outside its layer"
        elif len(set(bias_names)) != len(bias_names) or any(uses.get(b) != 1 for b in bias_names):
            return None, f"the biases of layer {len(layers) + 1} are shared in part"
        outputs = [activation_of[n][0] if n in activation_of else n for n in group]
        layers.append(Layer(sources=sources, nets=group, outputs=outputs, activation=kinds.pop(),
                            weights=[[nets[n][0][s] for s in sources] for n in group],
                            biases=None if shared else bias_names, shared_bias=shared))
        placed.update(group)
        below = outputs
        first = False

    position: dict[str, tuple[int, str, int]] = {}
    for k, layer in enumerate(layers):
        for j, (z, a) in enumerate(zip(layer.nets, layer.outputs)):
            position[z] = (k, "net", j)
            if a != z:
                position[a] = (k, "out", j)
    last = set(layers[-1].outputs)
    # a layer without biases adds None (its shared_bias), which names no parameter
    used_params: set[str | None] = {w for layer in layers for row in layer.weights for w in row}
    used_params |= {b for layer in layers for b in (layer.biases or ())}
    used_params |= {layer.shared_bias for layer in layers if not layer.biases}
    if set(prog.params) - used_params:
        extra = sorted(set(prog.params) - used_params)[0]
        return None, f"the parameter {prog.show(extra)} is not a weight or bias of a layer"
    inside = {a for a, t in aliases.items() if t in position}
    rest = [n for n in trees if n not in position and n not in inside]
    for n in rest:
        for m in prog.uses(n):
            r = resolve(m)
            if r in position and r not in last:
                return None, f"{prog.show(n)} uses {prog.show(m)}, inside the network"
            if m in prog.params:
                return None, f"{prog.show(n)} uses the parameter {prog.show(m)}"
    return Network(layers, {a: aliases[a] for a in inside}, rest, position), ""

"""The δ and matrix derivations of a layered network, as data.

δ form (the textbook's error terms), from the output layer back:

    output neuron j:  δ_j = f′(z_j) · (t_j − a_j)          (δ = −∂E/∂z, "Err")
    hidden neuron j:  δ_j = f′(z_j) · Σ_k w_jk δ_k
    weight w_ij:      ∂E/∂w_ij = −δ_j a_i,   Δw_ij = η δ_j a_i,   w_ij ← w_ij + Δw_ij

and with the sign ``"+dloss/dz"`` (δ = +∂E/∂z) the output term is f′·(a − t),
∂E/∂w = δ a and w ← w − η δ a.  For a loss other than ½Σ(t − a)² the output
term is f′(z)·(∓∂E/∂a) with the engine's ∂E/∂a.

Matrix form (seed 003's vectorized recursion, δ = ∂E/∂z whatever the file's
sign): W_l has a row per neuron of layer l and a column per input x_{l−1};
δ_L = ∂E/∂x_L ⊙ f′(z_L), δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f′(z_l), ∂E/∂W_l = δ_l x_{l−1}ᵀ,
∂E/∂b_l = δ_l.

Every δ and gradient is computed here by that recursion in plain float
arithmetic and checked against the engine's backward pass: a graph whose loss
depends on the network other than through its output layer (a weight penalty)
is refused with ``NotLayered``.  Engine API only.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable, Sequence

from autograd import Value, grad, topological_order

from .layers import Network, Neuron, NotLayered, find_layers, strip

DELTA_SIGNS = ("-dloss/dz", "+dloss/dz")


def fprime(n: Neuron) -> float:
    """f′(z) of the neuron's activation, from its output a where the textbook does."""
    a, z = n.a.data, n.z.data
    if n.act == "sigmoid":
        return a * (1.0 - a)  # σ′ = σ(1 − σ)
    if n.act == "tanh":
        return 1.0 - a * a  # tanh′ = 1 − tanh²
    if n.act == "relu":
        return 1.0 if z > 0.0 else 0.0
    if n.act == "exp":
        return a  # (eᶻ)′ = eᶻ
    return 1.0  # linear: a = z


#: f′ written over a's name: (text template, LaTeX template), {0} = a.
FPRIME_FORMS = {
    "sigmoid": ("{0}·(1 − {0})", "{0} \\cdot (1 - {0})"),
    "tanh": ("(1 − {0}²)", "(1 - {0}^{{2}})"),
    "exp": ("{0}", "{0}"),
}


@dataclass
class NeuronDelta:
    """One neuron's error term and where it comes from."""

    neuron: Neuron
    fprime: float
    upstream: float  # (t − a) at the output (sign applied), Σ_k w_jk δ_k below it
    delta: float  # fprime · upstream
    target: Value | None = None  # the output's target, when the loss is ½Σ(t − a)²
    next_terms: tuple[tuple[Value, Neuron], ...] = ()  # (w_jk, neuron k) of the next layer


@dataclass
class ParamStep:
    """One weight or bias: its gradient from the δ's, and its update."""

    param: Value
    uses: tuple[tuple[Neuron, Value | None], ...]  # (neuron, input x) — x None for a bias
    grad: float  # ∂E/∂param
    change: float | None  # Δ = −η ∂E/∂param
    new: float | None


@dataclass
class DeltaForm:
    network: Network
    sign: str
    lr: float | None
    deltas: list[list[NeuronDelta]]  # from the output layer back
    steps: list[ParamStep]  # from the output layer back, weights then biases

    @property
    def s(self) -> float:
        return -1.0 if self.sign == "-dloss/dz" else 1.0

    def delta_of(self, n: Neuron) -> float:
        for layer in self.deltas:
            for d in layer:
                if d.neuron is n:
                    return d.delta
        raise KeyError(n)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _targets(net: Network, order: Sequence[Value], g: dict[Value, float]
             ) -> dict[Neuron, Value]:
    """The target t of each output a, when the loss is ½Σ(t − a)² there: a node t − a
    (or a − t) with t a leaf or a constant, and ∂E/∂a = a − t."""
    outputs = {n.a: n for n in net.output}
    out: dict[Neuron, Value] = {}
    for v in order:
        if v.op != "-" or len(v.parents) != 2:
            continue
        p, q = v.parents
        for a, t in ((strip(q), p), (strip(p), q)):
            n = outputs.get(a)
            if n is not None and n not in out and t.is_leaf \
                    and _close(g[n.a], n.a.data - t.data):
                out[n] = t
    return out


def _grads(root: Value, nodes: Iterable[Value]) -> dict[Value, float]:
    nodes = list(dict.fromkeys(nodes))
    return {v: float(x) for v, x in zip(nodes, grad(root, nodes))}


def delta_form(root: Value, sign: str = "-dloss/dz", lr: float | None = None,
               inputs: Iterable[Value] | None = None) -> DeltaForm:
    """Every neuron's δ from the output back, each weight's gradient δ·a and update."""
    if sign not in DELTA_SIGNS:
        raise ValueError(f"delta must be one of {', '.join(DELTA_SIGNS)}, got {sign!r}")
    net = find_layers(root, inputs)
    order = topological_order(root)
    neurons = [n for layer in net.layers for n in layer]
    params = [p for n in neurons for p in ([w for w, _ in n.terms] + [n.bias])
              if p is not None and not p.is_constant]
    leaves = [v for v in order if v.is_leaf and not v.is_constant]
    g = _grads(root, [n.a for n in neurons] + [n.z for n in neurons] + params + leaves)
    s = -1.0 if sign == "-dloss/dz" else 1.0
    targets = _targets(net, order, g)

    consumers: dict[Value, list[tuple[Value, Neuron]]] = {}
    for n in neurons:
        for w, source in n.terms:
            consumers.setdefault(source, []).append((w, n))
    delta: dict[Neuron, float] = {}
    rows: list[list[NeuronDelta]] = []
    for l in range(len(net.layers), 0, -1):
        row = []
        for n in net.layers[l - 1]:
            f = fprime(n)
            if l == len(net.layers):
                t = targets.get(n)
                up = s * (n.a.data - t.data) if t is not None else s * g[n.a]
                nd = NeuronDelta(n, f, up, f * up, t)
            else:
                nxt = tuple(consumers.get(n.a, ()))
                up = 0.0
                for w, k in nxt:
                    up += w.data * delta[k]  # Σ_k w_jk δ_k
                nd = NeuronDelta(n, f, up, f * up, None, nxt)
            engine = s * g[n.z]
            if not _close(nd.delta, engine):
                raise NotLayered(
                    f"the loss depends on {n.z.name or 'a neuron'} other than through the "
                    f"next layer (δ by the layers {nd.delta:.6g}, by the backward pass "
                    f"{engine:.6g}): only the paths form applies")
            delta[n] = nd.delta
            row.append(nd)
        rows.append(row)

    steps: list[ParamStep] = []
    seen: dict[Value, ParamStep] = {}
    for l in range(len(net.layers), 0, -1):
        for kind in ("weights", "biases"):
            for n in net.layers[l - 1]:
                pairs: list[tuple[Value, Value | None]] = [(w, x) for w, x in n.terms] \
                    if kind == "weights" else \
                    ([(n.bias, None)] if n.bias is not None and not n.bias.is_constant else [])
                for p, x in pairs:
                    if p in seen:
                        st = seen[p]
                        st.uses += ((n, x),)
                        continue
                    st = ParamStep(p, ((n, x),), 0.0, None, None)
                    seen[p] = st
                    steps.append(st)
    for st in steps:
        total = 0.0
        for n, x in st.uses:
            total += s * delta[n] * (1.0 if x is None else x.data)  # ∂E/∂w = s·δ·a
        st.grad = total
        if not _close(total, g[st.param]):
            raise NotLayered(f"{st.param.name or 'a parameter'} enters the loss other than "
                             "through its neuron: only the paths form applies")
        if lr is not None:
            st.change = -lr * total + 0.0  # no −0
            st.new = st.param.data + st.change
    return DeltaForm(net, sign, lr, rows, steps)


# --- the matrix form --------------------------------------------------------------


@dataclass
class LayerMatrices:
    """One layer l in seed 003's vectors (δ = ∂E/∂z)."""

    index: int
    W: list[list[float]]  # rows = neurons, columns = inputs
    W_params: list[list[Value | None]]
    b: list[float]
    x_in: list[float]  # x_{l−1}
    z: list[float]
    a: list[float]  # x_l
    fprime: list[float]
    upstream: list[float]  # ∂E/∂x_L at the output, W_{l+1}ᵀ δ_{l+1} below it
    delta: list[float]
    dW: list[list[float]]  # δ_l x_{l−1}ᵀ
    act: str | None  # the layer's activation when all its neurons share one

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.W), len(self.x_in)


@dataclass
class MatrixForm:
    network: Network
    layers: list[LayerMatrices]  # layer 1 first
    lr: float | None


def matrix_form(root: Value, lr: float | None = None,
                inputs: Iterable[Value] | None = None) -> MatrixForm:
    """Each layer's W, b, x, z, δ, Wᵀδ and ∂E/∂W = δ xᵀ (δ = ∂E/∂z)."""
    dform = delta_form(root, "+dloss/dz", lr, inputs)  # δ = +∂E/∂z, checked against the engine
    net = dform.network
    out: list[LayerMatrices] = []
    delta_next: list[float] = []
    for l in range(len(net.layers), 0, -1):
        layer = net.layers[l - 1]
        xs = net.layer_inputs(l)
        W_params = [[n.weight_of(x) for x in xs] for n in layer]
        W = [[w.data if w is not None else 0.0 for w in row] for row in W_params]
        f = [fprime(n) for n in layer]
        if l == len(net.layers):
            up = [d.upstream for d in dform.deltas[0]]
        else:
            W_next = out[0].W  # the layer above, found first
            up = []
            for j in range(len(layer)):
                total = 0.0
                for k in range(len(W_next)):
                    total += W_next[k][j] * delta_next[k]  # (Wᵀδ)_j = Σ_k W_kj δ_k
                up.append(total)
        delta = [fj * uj for fj, uj in zip(f, up)]
        for n, dj in zip(layer, delta):  # the same numbers as the scalar recursion
            assert _close(dj, dform.delta_of(n))
        acts = {n.act for n in layer}
        out.insert(0, LayerMatrices(
            l, W, W_params, [n.bias.data if n.bias is not None else 0.0 for n in layer],
            [x.data for x in xs], [n.z.data for n in layer], [n.a.data for n in layer],
            f, up, delta, [[dj * xi.data for xi in xs] for dj in delta],
            acts.pop() if len(acts) == 1 else "mixed"))
        delta_next = delta
    return MatrixForm(net, out, lr)

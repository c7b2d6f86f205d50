"""The benchmark's workloads, built the same way in every engine and mode.

Each runner holds one model (same weights, from a seeded ``random.Random``)
and offers ``reset()`` (back to the first weights), ``step()`` (the timed
work) and ``grads()`` (the gradients of the last step, in one shared order).

Modes: ``micrograd`` (micrograd 0.1.0), ``eager`` (chainrule at micrograd's
granularity: one node per ``*`` and ``+``), ``fused`` (one ``linear`` node per
net input z, one ``sum_of`` per sum), ``replay`` (the fused graph, recorded
once by ``autograd.replay``), ``floats`` (hand-written float code: the floor).

Workloads:
- demo: micrograd's README demo step. MLP 2→16→16→1, ReLU hidden layers,
  linear output, 100 points of two half-moons, mean hinge loss plus 1e-4·Σp²,
  forward + backward + SGD; the previous step's graph is alive while the
  next is built, as in the demo's loop.
- chain n: n operations y ← y·w + b (n/2 multiply-adds), loss = y.
- mlp W: the demo step on an MLP 2→W→W→1 and MLP_POINTS of the moons (no
  micrograd: it is the per-node cost of chainrule's modes as graphs grow).
- wide n: Σ aᵢ·bᵢ over n products (a pairwise tree of binary adds at
  micrograd's granularity, one ``sum_of`` node when fused).
"""

from __future__ import annotations

import contextlib
import math
import random
from typing import Any
from collections.abc import Callable

from autograd import Value, collector_paused, linear, sum_of, topological_order
from autograd.replay import record

SIZES = [2, 16, 16, 1]
ALPHA = 1e-4
MLP_POINTS = 20  # points per step of the mlp:W workloads


# --- data and weights --------------------------------------------------------------


def moons(n: int, rng: random.Random, noise: float = 0.1) -> tuple[list[tuple[float, float]], list[float]]:
    """Two interleaved half-moons (as scikit-learn's make_moons), labels -1 and +1."""
    n_out = n // 2
    n_in = n - n_out
    X, Y = [], []
    for i in range(n_out):
        t = math.pi * i / (n_out - 1)
        X.append((math.cos(t) + rng.gauss(0.0, noise), math.sin(t) + rng.gauss(0.0, noise)))
        Y.append(-1.0)
    for i in range(n_in):
        t = math.pi * i / (n_in - 1)
        X.append((1.0 - math.cos(t) + rng.gauss(0.0, noise), 0.5 - math.sin(t) + rng.gauss(0.0, noise)))
        Y.append(1.0)
    return X, Y


def mlp_weights(rng: random.Random, sizes: list[int] = SIZES) -> list[list[list[float]]]:
    """micrograd's initialisation: wᵢ ~ U(-1, 1), b = 0; rows are [w1, …, wn, b]."""
    return [[[rng.uniform(-1.0, 1.0) for _ in range(sizes[i])] + [0.0] for _ in range(sizes[i + 1])]
            for i in range(len(sizes) - 1)]


def flat(weights: list[list[list[float]]]) -> list[float]:
    return [v for layer in weights for row in layer for v in row]


# --- micrograd's demo step in each mode -------------------------------------------------


class Paused:
    """chainrule's modes build and walk each step's graph in ``collector_paused()``,
    as ``nn.fit`` does; micrograd runs as its README does, collector on."""

    def pause(self) -> Any:
        return collector_paused()


class Unpaused:
    def pause(self) -> Any:
        return contextlib.nullcontext()


class DemoRunner(Paused):
    """Shared bookkeeping: parameters as Values in micrograd's order, SGD, reset."""

    def __init__(self, weights: list, X: list, Y: list) -> None:
        self.weights, self.X, self.Y = weights, X, Y
        self.k = 0
        self.loss: Any = None

    def reset(self) -> None:
        for p, v in zip(self.params, flat(self.weights)):
            p.data = v
            p.grad = 0.0
        self.k = 0
        self.loss = None

    def sgd(self) -> None:
        lr = 1.0 - 0.9 * self.k / 100
        self.k += 1
        for p in self.params:
            p.data -= lr * p.grad

    def grads(self) -> list[float]:
        return [p.grad for p in self.params]

    def step(self) -> None:
        with self.pause():
            loss = self.forward()  # the previous step's graph is still alive here, as in the demo
            self.loss = loss
            for p in self.params:
                p.grad = 0.0
            loss.backward()
            self.sgd()


class MicrogradDemo(Unpaused, DemoRunner):
    def __init__(self, weights: list, X: list, Y: list) -> None:
        super().__init__(weights, X, Y)
        from micrograd.engine import Value as MValue
        from micrograd.nn import MLP

        state = random.getstate()  # MLP() draws from the global random state: leave it as it was
        sizes = [len(weights[0][0]) - 1] + [len(layer) for layer in weights]
        self.model = MLP(sizes[0], sizes[1:])
        random.setstate(state)
        self.V = MValue
        self.params = self.model.parameters()
        self.reset()

    def forward(self) -> Any:  # micrograd's demo loss(), accuracy left out
        inputs = [list(map(self.V, xrow)) for xrow in self.X]
        scores = list(map(self.model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(self.Y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in self.model.parameters())
        return data_loss + reg_loss


class EagerDemo(DemoRunner):
    """chainrule with micrograd's structure, operation for operation."""

    def __init__(self, weights: list, X: list, Y: list) -> None:
        super().__init__(weights, X, Y)
        self.layers = [[[Value(w) for w in row] for row in layer] for layer in weights]
        self.params = [p for layer in self.layers for row in layer for p in row]
        self.reset()

    def forward(self) -> Value:
        last = len(self.layers) - 1
        scores = []
        for xrow in self.X:
            a = [Value(x) for x in xrow]
            for li, layer in enumerate(self.layers):
                out = []
                for row in layer:
                    act = sum((wi * xi for wi, xi in zip(row[:-1], a)), row[-1])
                    out.append(act.relu() if li < last else act)
                a = out
            scores.append(a[0])
        losses = [(1 + -yi * si).relu() for yi, si in zip(self.Y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in self.params)
        return data_loss + reg_loss


class FusedDemo(EagerDemo):
    """One ``linear`` node per net input z; the sums as ``sum_of``."""

    def forward(self) -> Value:
        last = len(self.layers) - 1
        scores = []
        for xrow in self.X:
            a = [Value(x) for x in xrow]
            for li, layer in enumerate(self.layers):
                out = []
                for row in layer:
                    z = linear(row[:-1], a, row[-1])
                    out.append(z.relu() if li < last else z)
                a = out
            scores.append(a[0])
        losses = [(1 + -yi * si).relu() for yi, si in zip(self.Y, scores)]
        data_loss = sum_of(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum_of([p * p for p in self.params])
        return data_loss + reg_loss


class ReplayDemo(FusedDemo):
    """The fused graph recorded once; each step replays it (the data are frozen leaves)."""

    def __init__(self, weights: list, X: list, Y: list) -> None:
        super().__init__(weights, X, Y)
        self.replay = record(FusedDemo.forward(self), params=self.params)

    def step(self) -> None:
        for p in self.params:
            p.grad = 0.0
        self.replay.backward()
        self.sgd()


class FloatDemo:
    """The same step written by hand in plain floats: the floor for pure Python.

    Like any hand derivation it skips the backward pass of a point on the hinge's
    flat side (its gradient is 0); a graph walks those points too, g·∂ with g = 0,
    so that 0·inf stays nan.  ``FloatDemoEveryPoint`` is the same code without the
    skip, shown beside the ratios for comparison.
    """

    skip_flat = True

    def __init__(self, weights: list, X: list, Y: list) -> None:
        self.weights, self.X, self.Y = weights, X, Y
        self.reset()

    def reset(self) -> None:
        self.W = [[list(row) for row in layer] for layer in self.weights]
        self.G = [[[0.0] * len(row) for row in layer] for layer in self.W]
        self.k = 0

    def grads(self) -> list[float]:
        return flat(self.G)

    def step(self) -> None:
        W = self.W
        G = [[[0.0] * len(row) for row in layer] for layer in W]
        n = len(self.X)
        last = len(W) - 1
        for (x0, x1), y in zip(self.X, self.Y):
            acts = [[x0, x1]]  # each layer's input
            zs = []
            a = acts[0]
            for li, layer in enumerate(W):
                z = []
                for row in layer:
                    s = row[-1]
                    for wi, ai in zip(row, a):  # zip stops before the bias
                        s += wi * ai
                    z.append(s)
                zs.append(z)
                a = [v if v > 0.0 else 0.0 for v in z] if li < last else z
                acts.append(a)
            margin = 1.0 - y * a[0]
            if margin <= 0.0 and self.skip_flat:  # hinge is flat: no gradient from this point
                continue
            delta = [0.0 if margin <= 0.0 else -y / n]  # dloss/dscore
            for li in range(last, -1, -1):
                if li < last:  # relu' = 1 where z > 0
                    delta = [d if zj > 0.0 else 0.0 for d, zj in zip(delta, zs[li])]
                a_in = acts[li]
                layer, glayer = W[li], G[li]
                back = [0.0] * len(a_in)
                for row, grow, d in zip(layer, glayer, delta):
                    for k, ak in enumerate(a_in):
                        grow[k] += d * ak
                        back[k] += d * row[k]
                    grow[-1] += d
                delta = back
        for layer, glayer in zip(W, G):
            for row, grow in zip(layer, glayer):
                for k, w in enumerate(row):
                    grow[k] += 2.0 * ALPHA * w
        self.G = G
        lr = 1.0 - 0.9 * self.k / 100
        self.k += 1
        for layer, glayer in zip(W, G):
            for row, grow in zip(layer, glayer):
                for k in range(len(row)):
                    row[k] -= lr * grow[k]


class FloatDemoEveryPoint(FloatDemo):
    """The float step with every point's backward pass, zeros included, as a graph walks it."""

    skip_flat = False


# --- deep chain: y ← y·w + b -------------------------------------------------------------


class ChainRunner(Paused):
    """n operations: n/2 times y ← y·w + b from y = x; gradients for x, w, b."""

    def __init__(self, n: int, values: tuple[float, float, float]) -> None:
        self.steps = n // 2
        self.values = values

    def reset(self) -> None:
        pass

    def grads(self) -> list[float]:
        return [p.grad for p in self.params]


class EagerChain(ChainRunner):
    def __init__(self, n: int, values: tuple[float, float, float]) -> None:
        super().__init__(n, values)
        self.params = [self.value_class()(v) for v in values]

    def value_class(self) -> Any:
        return Value

    def forward(self) -> Any:
        x, w, b = self.params
        y = x
        for _ in range(self.steps):
            y = y * w + b
        return y

    def step(self) -> None:
        with self.pause():
            y = self.forward()
            for p in self.params:
                p.grad = 0.0
            y.backward()


class MicrogradChain(Unpaused, EagerChain):
    """The same chain in micrograd's Value."""

    def value_class(self) -> Any:
        from micrograd.engine import Value as MValue

        return MValue


class FusedChain(EagerChain):
    def forward(self) -> Value:
        x, w, b = self.params
        y = x
        ws = [w]
        for _ in range(self.steps):
            y = linear(ws, [y], b)
        return y


class ReplayChain(FusedChain):
    """Recorded once; each step maps the parameter floats to the gradient floats, as FloatChain does."""

    def __init__(self, n: int, values: tuple[float, float, float]) -> None:
        super().__init__(n, values)
        self.replay = record(self.forward(), params=self.params)
        self.g: list[float] = []

    def grads(self) -> list[float]:
        return self.g

    def step(self) -> None:
        self.y, self.g = self.replay.run(param_values=self.values)


class FloatChain(ChainRunner):
    def __init__(self, n: int, values: tuple[float, float, float]) -> None:
        super().__init__(n, values)
        self.g = [0.0, 0.0, 0.0]

    def grads(self) -> list[float]:
        return self.g

    def step(self) -> None:
        x, w, b = self.values
        ys = [x]
        y = x
        for _ in range(self.steps):
            y = y * w + b
            ys.append(y)
        gy, gw, gb = 1.0, 0.0, 0.0
        for k in range(self.steps - 1, -1, -1):  # y_{k+1} = y_k·w + b
            gb += gy
            gw += gy * ys[k]
            gy *= w
        self.g = [gy, gw, gb]


# --- wide sum: Σ aᵢ·bᵢ --------------------------------------------------------------------


def pairwise(terms: list) -> Any:
    """t1 + t2 + … as a balanced tree of binary adds (depth log₂ n)."""
    while len(terms) > 1:
        paired = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]


class WideRunner(Paused):
    def __init__(self, values: list[float]) -> None:
        self.values = values

    def reset(self) -> None:
        pass

    def grads(self) -> list[float]:
        return [p.grad for p in self.params]

    def step(self) -> None:
        with self.pause():
            root = self.forward()
            for p in self.params:
                p.grad = 0.0
            root.backward()


class EagerWide(WideRunner):
    def __init__(self, values: list[float]) -> None:
        super().__init__(values)
        self.params = [self.value_class()(v) for v in values]

    def value_class(self) -> Any:
        return Value

    def forward(self) -> Any:
        p = self.params
        return pairwise([p[i] * p[i + 1] for i in range(0, len(p), 2)])


class MicrogradWide(Unpaused, EagerWide):
    """The same sum in micrograd's Value."""

    def value_class(self) -> Any:
        from micrograd.engine import Value as MValue

        return MValue


class FusedWide(EagerWide):
    def forward(self) -> Value:
        p = self.params
        return sum_of([p[i] * p[i + 1] for i in range(0, len(p), 2)])


class ReplayWide(FusedWide):
    """Recorded once; each step maps the 200,000 floats to their gradients, as FloatWide does."""

    def __init__(self, values: list[float]) -> None:
        super().__init__(values)
        self.replay = record(self.forward(), params=self.params)
        self.g: list[float] = []

    def grads(self) -> list[float]:
        return self.g

    def step(self) -> None:
        self.total, self.g = self.replay.run(param_values=self.values)


class FloatWide(WideRunner):
    def __init__(self, values: list[float]) -> None:
        super().__init__(values)
        self.g: list[float] = []

    def grads(self) -> list[float]:
        return self.g

    def step(self) -> None:
        v = self.values
        total = 0.0
        for i in range(0, len(v), 2):
            total += v[i] * v[i + 1]
        g = [0.0] * len(v)
        for i in range(0, len(v), 2):  # ∂/∂aᵢ = bᵢ, ∂/∂bᵢ = aᵢ
            g[i] = v[i + 1]
            g[i + 1] = v[i]
        self.g = g
        self.total = total


# --- the table of runners ---------------------------------------------------------------------

MODES = ["micrograd", "eager", "fused", "replay", "floats"]
#: The demo's float step without the flat-hinge skip (a reference beside the floor, not a mode).
EVERY_POINT = "floats, every point"


def runners(workload: str, seed: int = 0) -> dict[str, Callable[[], Any]]:
    """mode -> zero-argument constructor, for one workload ('demo', 'chain:N', 'wide:N')."""
    rng = random.Random(seed)
    if workload == "demo":
        X, Y = moons(100, rng)
        W = mlp_weights(rng)
        kinds = [MicrogradDemo, EagerDemo, FusedDemo, ReplayDemo, FloatDemo]
        made = {m: (lambda k=k: k(W, X, Y)) for m, k in zip(MODES, kinds)}
        made[EVERY_POINT] = lambda: FloatDemoEveryPoint(W, X, Y)
        return made
    kind, n = workload.split(":")
    n = int(n)
    if kind == "mlp":  # the demo's step on a wider MLP 2→n→n→1, MLP_POINTS points
        X, Y = moons(MLP_POINTS, rng)
        W = mlp_weights(rng, [2, n, n, 1])
        kinds = [EagerDemo, FusedDemo, ReplayDemo, FloatDemo]
        return {m: (lambda k=k: k(W, X, Y)) for m, k in zip(MODES[1:], kinds)}
    if kind == "chain":
        values = (rng.uniform(0.4, 0.6), rng.uniform(0.85, 0.95), rng.uniform(0.05, 0.15))
        kinds = [MicrogradChain, EagerChain, FusedChain, ReplayChain, FloatChain]
        return {m: (lambda k=k: k(n, values)) for m, k in zip(MODES, kinds)}
    if kind == "wide":
        values = [rng.uniform(-1.0, 1.0) for _ in range(2 * n)]
        kinds = [MicrogradWide, EagerWide, FusedWide, ReplayWide, FloatWide]
        return {m: (lambda k=k: k(values)) for m, k in zip(MODES, kinds)}
    raise ValueError(f"unknown workload {workload!r}: expected demo, chain:N or wide:N")


def count_nodes(root: Any) -> int:
    """Nodes in a graph of either engine (iteratively: no recursion limit)."""
    if isinstance(root, Value):
        return len(topological_order(root))
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        for p in node._prev:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


# --- graphs for the recording's peak memory ------------------------------------------------


def recording_graph(workload: str, seed: int = 0) -> tuple[Value, list[Value], list[Value]]:
    """(root, params, outputs) to record: 'chain:N' (the fused chain) or 'mlp:W:B'.

    mlp:W:B is what ``nn.fit(compiled=True)`` records for one batch: an
    ``nn.MLP(2, [W, W, 1])`` (ReLU hidden, fused neurons) on B points, mse loss.
    """
    kind, _, size = workload.partition(":")
    rng = random.Random(seed)
    if kind == "chain":
        runner = FusedChain(int(size), (0.5, 0.9, 0.1))
        return runner.forward(), runner.params, []
    if kind == "mlp":
        import nn

        width, batch = map(int, size.split(":"))
        model = nn.MLP(2, [width, width, 1], activation=["relu", "relu", "linear"], seed=seed)
        points = [[rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)] for _ in range(batch)]
        outs = [model(x) for x in points]
        loss = nn.mse(outs, [[rng.uniform(-1.0, 1.0)] for _ in points])
        return loss, model.parameters(), [o[0] for o in outs]
    raise ValueError(f"unknown recording workload {workload!r}: expected chain:N or mlp:W:B")

"""The replay's loops over runs of like nodes (``autograd/replay_code.py``) against ``backward()``.

A replay must give ``backward()``'s gradients bit for bit: the same float
operations in the same order, only regrouped.  Random programs (every
primitive, shared subexpressions) and random layered graphs (layers of one
operation over operands drawn at random from the layers below, so that a
parent receives any number of terms from any operand position) are recorded,
replayed with ``Replay.backward()`` and compared with the eager pass as
``float.hex``.  The smoke tests build one graph per way of writing a run and
check that the source uses it, and that the result is still ``backward()``'s.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd.replay as replay_module
import autograd.replay_code as replay_code
from autograd import Value, linear, sum_of
from autograd.replay import record
from strategies import Program, output, programs


def hexes(xs: list[float]) -> list[str]:
    return [float(x).hex() for x in xs]


def replay_agrees(root: Value, params: list[Value], inputs: tuple[Value, ...] = ()) -> str:
    """Record ``root``, compare value and gradients with ``backward()`` bit for bit; the source."""
    for p in params:
        p.grad = 0.0
    root.backward()
    expected = hexes([p.grad for p in params])
    step = record(root, inputs=inputs, params=params)
    for p in params:
        p.grad = 0.0
    value = step.backward()
    assert float(value).hex() == root.data.hex()
    assert hexes([p.grad for p in params]) == expected
    return step.source


@given(programs())
def test_replay_equals_backward_bit_for_bit_on_random_programs(program: Program) -> None:
    xs = [Value(x, name=f"x{i}") for i, x in enumerate(program.inputs)]
    replay_agrees(output(program, xs), xs)


# --- random layered graphs: long runs, parents shared in every pattern -------------------------

UNARY = {
    "tanh": lambda a: a.tanh(), "sigmoid": lambda a: a.sigmoid(), "relu": lambda a: a.relu(),
    "neg": lambda a: -a, "exp": lambda a: a.tanh().exp(), "log": lambda a: (a * a + 1.0).log(),
    "square": lambda a: a ** 2,
}
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
}


@st.composite
def layered(draw: st.DrawFn) -> tuple[Value, list[Value], tuple[Value, ...]]:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1.5, 1.5), name=f"l{i}") for i in range(draw(st.integers(2, 12)))]
    params = [v for v in leaves if rng.random() < 0.7] or leaves[:1]
    inputs = tuple(v for v in leaves if v not in params and rng.random() < 0.5)
    pool: list[Value] = list(leaves)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["unary", "binary", "linear", "sum"]))
        width = draw(st.integers(1, 40))
        layer = []
        for _ in range(width):
            pick = lambda: pool[rng.randrange(len(pool))]  # noqa: E731
            if kind == "unary":
                layer.append(UNARY[draw(st.sampled_from(sorted(UNARY)))](pick()))
            elif kind == "binary":
                layer.append(BINARY[draw(st.sampled_from(sorted(BINARY)))](pick(), pick()))
            elif kind == "linear":
                k = draw(st.integers(1, 6))
                layer.append(linear([pick() for _ in range(k)], [pick() for _ in range(k)],
                                    pick() if rng.random() < 0.8 else 0.5))
            else:
                layer.append(sum_of([pick() for _ in range(draw(st.integers(1, 5)))]))
        pool += layer
    return sum_of(pool[len(leaves):]) * 0.5, params, inputs


@given(layered())
def test_replay_equals_backward_bit_for_bit_on_random_layered_graphs(graph) -> None:
    root, params, inputs = graph
    replay_agrees(root, params, inputs)


# --- each way of writing a run, exercised --------------------------------------------------------


def batch_mlp(width: int, batch: int, seed: int = 1) -> tuple[Value, list[Value]]:
    """A 2-width-1 relu net on a batch: runs of linear and relu nodes, shared weights."""
    rng = random.Random(seed)
    w1 = [[Value(rng.uniform(-1, 1)) for _ in range(2)] for _ in range(width)]
    b1 = [Value(rng.uniform(-0.1, 0.1)) for _ in range(width)]
    w2 = [Value(rng.uniform(-1, 1)) for _ in range(width)]
    b2 = Value(0.1)
    losses = []
    for _ in range(batch):
        x = [Value(rng.uniform(-1, 1)), Value(rng.uniform(-1, 1))]
        h = [linear(w1[k], x, b1[k]).relu() for k in range(width)]
        y = linear(w2, h, b2)
        losses.append((y - rng.uniform(-1, 1)) ** 2)
    params = [w for row in w1 for w in row] + b1 + w2 + [b2]
    return sum_of(losses) * (1.0 / batch), params


def test_a_layer_over_a_batch_is_written_as_comprehensions_over_rows():
    root, params = batch_mlp(width=24, batch=30)
    source = replay_agrees(root, params)
    assert "_rA = [_q(V) for _q in " in source  # a neuron's weights and bias: not evenly spaced
    assert "for (x0, x1,) in _rB for (w0, w1, b) in _rA]" in source  # sample-major, written out
    assert "= [st + g0 * x0 + g1 * x1 + " in source  # a weight's 30 terms, written out
    assert "= [st + g0 * w0 for (g0,), sts in zip(_rG, _rS)" in source  # the output layer's inputs
    assert "_L0 = [(_g if (_x0 > 0.0) else _g * (0.0 if" in source  # relu's traced slope, g·1.0 as g
    assert "for _g, _x0 in zip(G[" in source  # only the operand the slope reads
    assert "0.0 if _x <= 0.0 else _x" in source
    assert len(source.splitlines()) < 120  # about 3,000 nodes: a few lines per run, none per node


def test_long_dot_products_of_a_grid_are_sums_over_maps():
    rng = random.Random(5)
    width, batch, n = 3, 140, 130  # 130 inputs, 140 samples: past UNROLL terms both ways
    w = [[Value(rng.uniform(-1, 1)) for _ in range(n)] + [Value(0.1)] for _ in range(width)]
    xs = [[Value(rng.uniform(-1, 1)) for _ in range(n)] for _ in range(batch)]
    # neuron-major: every sample for neuron 0, then neuron 1, …
    zs = [linear(w[j][:-1], xs[s], w[j][-1]).tanh() for j in range(width) for s in range(batch)]
    params = [p for row in w for p in row]
    source = replay_agrees(sum_of(zs), params, tuple(v for row in xs for v in row))
    assert "[_total(map(_mul, w, x), 0.0) + w[130] for w in _rA for x in _rB]" in source
    assert "[_total(map(_mul, g, x), st) for g, sts in zip(_rG, _rS)" in source
    # inputs as params too, the weights frozen: only the inputs' gradients, 3 terms each
    inputs = [v for row in xs for v in row]
    source = replay_agrees(sum_of(zs), inputs)
    assert "[st + g0 * w0 + g1 * w1 + g2 * w2 for (g0, g1, g2,), sts in zip(_rG, _rS)" in source
    assert "_rX" not in source


def test_a_linear_run_that_is_no_grid_is_written_per_node_or_column_by_column():
    rng = random.Random(6)
    width, batch = 12, 20
    w = [[Value(rng.uniform(-1, 1)) for _ in range(10)] for _ in range(width)]
    v = [[Value(rng.uniform(-1, 1)) for _ in range(2)] for _ in range(width)]
    b = [Value(rng.uniform(-0.1, 0.1)) for _ in range(width)]
    nodes = []
    for s in range(batch):  # neurons rotated by s, and 3 biases shared: a bias takes terms from 4 neurons
        x = [Value(rng.uniform(-1, 1)) for _ in range(10)]
        nodes += [linear(w[(j + s) % width], x, b[j % 3]) for j in range(width)]
        nodes += [linear(v[(j + s) % width], x[:2], b[j % 3]) for j in range(width)]
    params = [p for row in w + v for p in row] + b
    source = replay_agrees(sum_of([z.relu() for z in nodes]), params)
    assert "V[_o] = _total(map(_mul, V[_sw], V[_sx]), 0.0) + V[_b]" in source  # a wide linear per node
    assert "_a = list(map(_add, _a, map(_mul," in source  # a narrow linear run, column by column
    assert "_rA" not in source


def test_a_wide_sum_of_products_is_slice_assignments():
    rng = random.Random(2)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(300)]
    root = sum_of([xs[i] * xs[i + 1] for i in range(0, 300, 2)])
    source = replay_agrees(root, xs)
    # the products summed as they are made, never stored: nothing else reads them
    assert "_total(map(_mul, V[0:300:2], V[1:301:2]), -0.0)" in source
    assert "G[0:300:2] = V[1:301:2]" in source  # g = 1.0 exactly: ∂/∂xᵢ is the other factor
    products = [xs[i] * xs[i + 1] for i in range(0, 300, 2)]
    root = sum_of(products) * products[0]
    source = replay_agrees(root, xs)  # a product used twice: stored
    assert "= map(_mul, V[" in source and "_total(V[" in source
    root = sum_of(products)
    step = record(root, params=xs, outputs=[products[3]])  # a product shown as an output: stored
    step.run()
    assert step.output_values == [xs[6].data * xs[7].data]


def test_a_few_terms_into_each_slot_are_added_rank_by_rank_over_slices():
    rng = random.Random(7)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(60)]
    # x·x: each x takes two terms, g·x then g·x, both added over one slice of slots
    source = replay_agrees(sum_of([x * x for x in xs]).tanh(), xs)
    assert source.count("G[0:60] = map(_add, G[0:60], map(_mul, ") == 2


def test_a_chain_is_one_loop_carrying_its_value_and_gradient():
    x, w, b = Value(0.5), Value(0.9), Value(0.1)
    y = x
    for _ in range(500):
        y = linear([w], [y], b)
    source = replay_agrees(y, [x, w, b])
    assert "for _o in range(" in source and "_y = 0.0 + _c0 * _y + _c2" in source
    assert "for _x in V[" in source  # the values each step was computed from, newest first
    assert "_h0 += _g * _x" in source and "_g = _g * _c0" in source  # g carried to the step before


def test_terms_with_no_even_spacing_go_through_islice_and_one_by_one():
    rng = random.Random(3)
    w = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    xs = [Value(rng.uniform(-1, 1)) for _ in range(50)]
    # each node: a weight times a leaf drawn at random: w has dozens of unevenly spaced terms,
    # each x a handful
    nodes = [w[k % 3] * xs[rng.randrange(50)] for k in range(90)]
    source = replay_agrees(sum_of(nodes).tanh(), w + xs)
    assert "_total(_islice(_it, _k), G[_j])" in source
    assert "G[_j] += _t" in source


def test_a_run_that_uses_itself_now_and_then_is_cut_into_parallel_runs():
    rng = random.Random(4)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(40)]
    first = [a.tanh() for a in xs]
    second = [first[0].tanh()] + [a.tanh() for a in first[1:]]  # tanh of tanh: the run depends on itself
    source = replay_agrees(sum_of(second), xs)
    assert source.count("map(_tanh,") == 2


def test_rules_that_cannot_be_traced_are_called_in_every_kind_of_run(monkeypatch):
    monkeypatch.setattr(replay_code, "_trace", lambda rule, n: None)
    root, params = batch_mlp(width=10, batch=6)
    source = replay_agrees(root, params)
    assert "_d = _rule" in source
    x, w, b = Value(0.5), Value(0.9), Value(0.1)
    y = x
    for _ in range(40):
        y = (y * w + b).tanh()
    replay_agrees(y, [x, w, b])


@pytest.mark.parametrize("chunk", [1, 7, 10000])
def test_a_graph_cut_into_many_functions_gives_the_same_bits(chunk, monkeypatch):
    monkeypatch.setattr(replay_module, "CHUNK", chunk)
    root, params = batch_mlp(width=6, batch=5)
    replay_agrees(root, params)
    step = record(root, params=params)
    assert (step.functions > 3) == (chunk < 10)  # a run is never cut: chunk 1 is a function per run


def test_edge_values_keep_their_bits_through_the_loops():
    # signed zeros, infinities and nan through runs of products, sums and relu
    special = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-320, -2.5, 3.0]
    xs = [Value(v) for v in special * 4]
    ws = [Value(v) for v in reversed(special * 4)]
    prods = [x * w for x, w in zip(xs, ws)]
    root = sum_of([p.relu() for p in prods] + prods)
    replay_agrees(root, xs + ws)


@pytest.mark.parametrize("n", [1, 40])
def test_a_gradient_is_its_first_term_itself_signed_zeros_included(n):
    # g starts at -0.0, the identity of +: d(x·y)/dx = y exactly, -0.0 too, alone or in a run
    xs = [Value(2.0) for _ in range(n)]
    ys = [Value(-0.0) for _ in range(n)]
    step = record(sum_of([x * y for x, y in zip(xs, ys)]), params=xs + ys)
    value, grads = step.run()
    assert hexes(grads) == hexes([-0.0] * n + [2.0] * n)
    assert value == 0.0


def test_edge_values_keep_their_bits_through_a_grid():
    # signed zeros, infinities and nan as weights, biases and inputs of a layer over a batch
    special = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-320, -2.5, 3.0]
    w = [[Value(special[(3 * j + i) % 8]) for i in range(3)] for j in range(5)] + [[Value(-0.0) for _ in range(3)]]
    b = [Value(special[(j + 1) % 8]) for j in range(5)] + [Value(-0.0)]
    xs = [[Value(special[(s + 2 * i) % 8]) for i in range(3)] for s in range(8)] + [[Value(3.0) for _ in range(3)]]
    zs = [linear(w[j], xs[s], b[j]) for s in range(9) for j in range(6)]
    params = [p for row in w for p in row] + b
    root = sum_of([z.relu() for z in zs] + zs)
    source = replay_agrees(root, params)
    assert "_rA = " in source
    # each z itself, bit for bit: 0.0 + (-0.0·3.0) + … + (-0.0) is 0.0, the sum starting at 0.0
    step = record(root, params=params, outputs=zs)
    step.run()
    assert hexes(step.output_values) == hexes([z.data for z in zs])
    assert zs[-1].data.hex() == "0x0.0p+0"

"""The fast paths of the engine give what the plain definitions give, bit for bit.

Correctness only (timing lives in tests/benchmarks).  Each fast path is held
against a reference written here from its definition, on random graphs with
shared nodes, repeated operands, constants, relu at its kink and at nan,
signed zeros and infinities:

- ``topological_order``: a depth-first walk over ``parents`` in their order,
  post-order, each node once (the reference keeps (node, next parent) pairs);
- ``backward`` (the rules written out in the walk, the walk's own order with
  its 0.0 tokens): the generic chain rule over the reference order, calling
  each node's rule from the rule table; one graph takes every branch of the
  walk (× and + first, linear sorted with and without parents to place, the
  rule table's linear and Σ of one and two parents) and is held against
  central differences too;
- ``linear`` and ``sum_of`` (one pass, ``reduce``; linear of one or two terms
  written out): the left-to-right float sums;
- ``collector_paused``: the collector is off inside, as it was after, on every
  exit, nested and across threads; ``nn.fit`` leaves it as it found it.
"""

from __future__ import annotations

import gc
import math
import random
import threading

import pytest

import nn
from autograd import Value, collector_paused, linear, no_grad, sum_of, topological_order
from autograd import walk
from autograd.collector import collector_pauses


# --- references, from the definitions -------------------------------------------------


def reference_order(root: Value) -> list[Value]:
    """Depth first over ``parents`` in order; a node is placed after all its parents."""
    order, seen = [], {id(root)}
    stack = [(root, 0)]
    while stack:
        node, k = stack.pop()
        parents = node.parents
        if k < len(parents):
            stack.append((node, k + 1))
            p = parents[k]
            if id(p) not in seen:
                seen.add(id(p))
                stack.append((p, 0))
        else:
            order.append(node)
    return order


def reference_backward(root: Value) -> None:
    """The chain rule over ``reference_order``, each local derivative from the rule table."""
    order = reference_order(root)
    for node in order:
        if node.parents:
            node.grad = 0.0
    root.grad += 1.0
    for node in reversed(order):
        parents = node.parents
        if not parents:
            continue
        g = node.grad
        for p, d in zip(parents, node._op.rule(node.data, *[p.data for p in parents])):
            p.grad += g * d


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, math.inf, -math.inf, math.nan, 1e-300, 7.25]


def random_graph(seed: int, size: int = 60) -> Value:
    """A graph of every primitive over shared nodes, with constants and repeated operands."""
    rng = random.Random(seed)
    nodes = [Value(rng.choice(SPECIAL) if rng.random() < 0.3 else rng.uniform(-2, 2)) for _ in range(6)]

    def pick() -> Value:
        return nodes[-1 - min(int(rng.expovariate(0.3)), len(nodes) - 1)]  # mostly recent, some far back

    while len(nodes) < size:
        kind = rng.randrange(14)
        a, b = pick(), pick()
        try:
            if kind == 0:
                v = a + b
            elif kind == 1:
                v = a - b
            elif kind == 2:
                v = a * b
            elif kind == 3:
                v = a * a  # the same parent twice
            elif kind == 4:
                v = a / b
            elif kind == 5:
                v = -a
            elif kind == 6:
                v = a.relu()
            elif kind == 7:
                v = a.tanh() if rng.random() < 0.5 else a.sigmoid()
            elif kind == 8:
                width = rng.randrange(0, 5)
                ws = [pick() for _ in range(width)]
                xs = [pick() if rng.random() < 0.8 else ws[0] if ws else pick() for _ in range(width)]
                v = linear(ws, xs, pick())
            elif kind == 9:
                v = sum_of([pick() for _ in range(rng.randrange(1, 6))])
            elif kind == 10:
                v = 2.5 * a if rng.random() < 0.5 else a * -0.0
            elif kind == 11:
                v = 3.0 - a if rng.random() < 0.5 else 1 + a
            elif kind == 12:
                v = linear([a, 0.5], [b, a], 1)  # numbers mixed in: constant nodes
            else:
                v = (a * 0.0).relu() + b  # relu exactly at its kink
        except (ArithmeticError, ValueError):
            continue
        nodes.append(v)
    return sum_of(nodes[-8:])


def grads_bits(nodes: list[Value]) -> list[str]:
    return [float(n.grad).hex() for n in nodes]


@pytest.mark.parametrize("seed", range(40))
def test_topological_order_is_the_depth_first_post_order(seed):
    root = random_graph(seed)
    assert topological_order(root) == reference_order(root)


def backward_matches_the_rule_table(root: Value) -> list[Value]:
    """``root.backward()`` gives every node the grad the generic rule-table walk gives, bit for bit
    (only the leaves are reset: backward restarts the interior nodes from 0.0 itself)."""
    order = reference_order(root)
    reference_backward(root)
    expected = grads_bits(order)
    for n in order:
        if not n.parents:
            n.grad = 0.0
    root.backward()
    assert grads_bits(order) == expected
    return order


@pytest.mark.parametrize("seed", range(40))
def test_the_backward_walk_gives_the_rule_tables_gradients_bit_for_bit(seed):
    root = random_graph(seed)
    order = backward_matches_the_rule_table(root)
    assert walk.interior_order(root) == [n for n in order if n.parents]
    assert all(n.grad == 0.0 and math.copysign(1.0, n.grad) > 0 for n in order if n.parents)


@pytest.mark.parametrize("seed", range(10))
def test_the_walk_without_identity_tokens_gives_the_same_gradients(seed, monkeypatch):
    root = random_graph(seed)
    order = reference_order(root)
    reference_backward(root)
    expected = grads_bits(order)
    for n in order:
        n.grad = 0.0
    monkeypatch.setattr(walk, "_FRESH_FLOATS", False)  # a Python whose equal floats may be one object
    root.backward()
    assert grads_bits(order) == expected


def every_branch_of_the_walk(x: Value, w: Value, c: Value) -> Value:
    """One node for each branch of ``walk.backward``: × and + (tested first), −, relu,
    a unary and a binary rule from the table, linear with an interior weight and
    parents not yet placed when it is sorted, linear of no terms (one parent),
    sum_of of two terms (two parents) and of four (three or more)."""
    u = x * w
    v = u + c
    s = c - v
    r = s.relu()
    t = r.tanh()
    q = s / x
    z = linear([s, w], [x, r], c)  # s and r interior: its sort places them first
    z1 = linear([], [], q)  # one parent: the rule table's linear
    m = sum_of([t, q])  # two parents: the rule table's Σ
    return sum_of([z, z1, m, u])


def test_every_branch_of_the_walk_gives_the_rule_tables_gradients_and_the_slopes():
    x, w, c = Value(1.5), Value(-2.0), Value(0.75)
    root = every_branch_of_the_walk(x, w, c)
    assert walk.interior_order(root) == [n for n in reference_order(root) if n.parents]
    backward_matches_the_rule_table(root)

    def f(xv: float, wv: float, cv: float) -> float:  # the same function in floats
        u = xv * wv
        s = cv - (u + cv)
        r = max(s, 0.0)
        q = s / xv
        return (s * xv + wv * r + cv) + q + (math.tanh(r) + q) + u

    h = 1e-6
    at = (1.5, -2.0, 0.75)
    for i, leaf in enumerate((x, w, c)):
        up, down = list(at), list(at)
        up[i] += h
        down[i] -= h
        slope = (f(*up) - f(*down)) / (2 * h)  # central difference
        assert abs(leaf.grad - slope) < 1e-6 * max(1.0, abs(slope)), (i, leaf.grad, slope)


def test_a_linear_whose_interior_parents_are_all_placed_is_placed_at_once():
    x = Value(0.5)
    h = [x * float(k) for k in range(1, 5)]  # interior, placed by the first neuron
    zs = [linear([Value(0.1 * j)] * 4, h, Value(0.0)) for j in range(3)]
    root = sum_of(zs)
    order = reference_order(root)
    assert walk.interior_order(root) == [n for n in order if n.parents]
    root.backward()
    # ∂/∂x of Σ_j Σ_k 0.1j·k·x = 0.1·(0 + 1 + 2)·(1 + 2 + 3 + 4), in floats as the walk adds
    assert x.grad == pytest.approx(0.1 * 3 * 10, rel=1e-12)


def test_interior_order_of_a_leaf_is_empty_and_a_leaf_root_accumulates():
    x = Value(2.0)
    assert walk.interior_order(x) == []
    x.backward()
    x.backward(0.5)
    assert x.grad == 1.5


def test_a_second_backward_restarts_interior_nodes_and_accumulates_leaves():
    x, w = Value(1.5), Value(-0.25)
    y = linear([w, w], [x, x], x).relu() * x
    y.backward()
    first = (x.grad, w.grad)
    y.backward()
    assert (x.grad, w.grad) == (2 * first[0], 2 * first[1])  # doubling is exact
    # ∂y/∂x for y = relu(2wx + x)·x with 2wx + x = 0.75 > 0: (2w + 1)·x + 0.75
    assert first[0] == (2 * -0.25 + 1) * 1.5 + 0.75


def test_linear_adds_left_to_right_from_zero():
    rng = random.Random(1)
    ws = [rng.uniform(-1, 1) * 10 ** rng.randrange(-8, 8) for _ in range(40)]
    xs = [rng.uniform(-1, 1) * 10 ** rng.randrange(-8, 8) for _ in range(40)]
    b = 0.1
    z = 0.0
    for w, x in zip(ws, xs):
        z += w * x
    z += b
    assert linear([Value(w) for w in ws], [Value(x) for x in xs], Value(b)).data.hex() == z.hex()
    mixed = linear(ws, [Value(x) for x in xs], b)  # numbers: constant nodes, the same sum
    assert mixed.data.hex() == z.hex()
    assert [p.op for p in mixed.parents[::2]] == ["const"] * 41


@pytest.mark.parametrize("n", [1, 2])
def test_linear_of_one_or_two_terms_written_out_adds_as_the_loop(n):
    # (0.0 + w1·x1) + w2·x2 + b: the 0.0 first turns a −0.0 product into +0.0
    cases = [([-0.0, 1.0][:n], [5.0, -0.0][:n], -0.0), ([1e16, 1.0][:n], [1.0, 1.0][:n], -1e16),
             ([0.1, 0.2][:n], [0.3, 0.7][:n], 0.05), ([math.inf, 1.0][:n], [-1.0, 2.0][:n], 1.0)]
    for ws, xs, b in cases:
        z = 0.0
        for w, x in zip(ws, xs):
            z += w * x
        z += b
        W, X, B = [Value(w) for w in ws], [Value(x) for x in xs], Value(b)
        node = linear(W, X, B)
        assert node.data.hex() == z.hex()
        assert node.op == "linear" and node.parents == tuple(p for pair in zip(W, X) for p in pair) + (B,)
        node.backward()
        assert [w.grad for w in W] == xs and [x.grad for x in X] == ws and B.grad == 1.0
    with no_grad():  # no node under no_grad, the same number
        assert linear([Value(2.0)] * n, [Value(3.0)] * n, Value(1.0)).parents == ()
    mixed = linear([Value(2.0)] * (n - 1) + [2.0], [Value(3.0)] * n, Value(1.0))  # a number: a constant node
    assert mixed.data == 6.0 * n + 1.0 and mixed.parents[2 * n - 2].op == "const"


def test_linear_of_value_subclasses_and_bad_operands():
    class Named(Value):
        __slots__ = ()

    z = linear([Named(2.0)], [Value(3.0)], Named(1.0))
    assert z.data == 7.0 and z.op == "linear"
    with pytest.raises(TypeError, match="linear input must be a Value or a number"):
        linear([Value(1.0)], ["x"], 0.0)
    with pytest.raises(TypeError, match="linear bias must be a Value or a number"):
        linear([Value(1.0)], [Value(1.0)], None)
    with pytest.raises(ValueError, match="as many weights as inputs"):
        linear([Value(1.0)], [], 0.0)
    only_bias = linear([], [], Value(4.0))  # z = b: one parent
    assert only_bias.data == 4.0 and len(only_bias.parents) == 1


def test_sum_of_adds_left_to_right():
    terms = [1e16, 1.0, -1e16, 1.0, 3.5e-9]
    expected = terms[0]
    for t in terms[1:]:
        expected += t
    assert sum_of([Value(t) for t in terms]).data.hex() == expected.hex()
    assert sum_of([2.0]).data == 2.0


# --- the cycle collector ------------------------------------------------------------


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_the_collector_is_off_inside_and_back_after(collector_on):
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    assert collector_pauses() == 0


def test_the_collector_is_back_after_an_exception(collector_on):
    with pytest.raises(ZeroDivisionError):
        with collector_paused():
            Value(1.0) / 0.0
    assert gc.isenabled()


def test_a_collector_the_program_turned_off_stays_off(collector_on):
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_threads_keep_the_collector_off_until_the_last_block_ends(collector_on):
    inside, release = threading.Event(), threading.Event()

    def work():
        with collector_paused():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=work)
    with collector_paused():
        t.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the other thread's block is still open
    release.set()
    t.join(5)
    assert gc.isenabled()
    assert collector_pauses() == 0


def test_fit_leaves_the_collector_as_it_found_it(collector_on):
    data = [([0.5, -1.0], 1.0), ([1.0, 0.25], 0.0)]
    model = nn.MLP(2, [3, 1], seed=1)
    nn.fit(model, data, lr=0.1, epochs=2, progress=False)
    assert gc.isenabled()

    def failing(outs, targets):
        assert not gc.isenabled()  # the step runs with the collector paused
        raise RuntimeError("loss failed")

    with pytest.raises(RuntimeError, match="loss failed"):
        nn.fit(model, data, loss=failing, lr=0.1, progress=False)
    assert gc.isenabled()
    gc.disable()
    nn.fit(model, data, lr=0.1, epochs=1, compiled=True, progress=False)
    assert not gc.isenabled()


def test_a_step_in_fit_leaves_nothing_for_the_collector(collector_on):
    gc.collect()
    data = [([0.5, -1.0], 1.0), ([1.0, 0.25], 0.0), ([0.0, 2.0], 1.0)]
    nn.fit(nn.MLP(2, [4, 1], seed=2, fused=False), data, lr=0.1, epochs=3, batch_size=2, progress=False)
    assert gc.collect() == 0  # every graph was freed by reference counting


def test_the_fast_constructors_record_nothing_under_no_grad():
    from autograd import no_grad

    a, b = Value(1.5), Value(-4.0)
    built = lambda: [a + b, a - b, a * b, 2 + a, 2 - a, 2 * a, -a, a.relu(), b.relu(), a.tanh(),
                     linear([a, b], [b, a], a), linear([a], [2.0], 1.0), sum_of([a, b, a])]
    with no_grad():
        plain = built()
    recorded = built()
    assert all(v.parents == () and v.op is None for v in plain)
    assert [v.data.hex() for v in plain] == [v.data.hex() for v in recorded]
    assert [v.op for v in recorded] == ["+", "-", "*", "+", "-", "*", "neg", "relu", "relu", "tanh",
                                        "linear", "linear", "sum"]
    assert recorded[0].parents == (a, b) and recorded[3].parents[1] is a and recorded[3].parents[0].is_constant
    assert recorded[10].parents == (a, b, b, a, a)
    assert all(v.grad == 0.0 and v.name is None for v in recorded)

"""Every way of running a network gives the same gradients.

Eager at one node per ``*`` and ``+``, the fused neuron (``linear``), and the
compiled replay (``autograd.replay``) against each other, against central
finite differences and against float code written out here.  Correctness
only: timing lives in ``tests/benchmarks/bench.py``.
"""

import math
import random
import sys

import pytest

import autograd.replay as replay_module
from autograd import Value, grad, gradcheck, linear, sum_of
from autograd import value as value_module
from autograd.replay import StaleReplayError, record


def close(a, b, tol=1e-12):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# --- a small MLP (2 → 3 → 1, tanh hidden, sigmoid out, squared error) ---------------

RNG = random.Random(7)
W1 = [[RNG.uniform(-1, 1) for _ in range(2)] for _ in range(3)]
B1 = [RNG.uniform(-0.5, 0.5) for _ in range(3)]
W2 = [RNG.uniform(-1, 1) for _ in range(3)]
B2 = RNG.uniform(-0.5, 0.5)
POINTS = [((0.5, -1.2), 1.0), ((-0.3, 0.8), 0.0), ((1.1, 0.4), 1.0)]
FLAT = [w for row in W1 for w in row] + B1 + W2 + [B2]


def unpack(flat):
    w1 = [flat[0:2], flat[2:4], flat[4:6]]
    return w1, flat[6:9], flat[9:12], flat[12]


def mlp_loss(params, points, fused):
    w1, b1, w2, b2 = unpack(params)
    total = []
    for (x0, x1), t in points:
        x = [Value(x0), Value(x1)]
        if fused:
            h = [linear(w1[j], x, b1[j]).tanh() for j in range(3)]
            y = linear(w2, h, b2).sigmoid()
        else:  # one node per * and +
            h = [(w1[j][0] * x[0] + w1[j][1] * x[1] + b1[j]).tanh() for j in range(3)]
            y = (w2[0] * h[0] + w2[1] * h[1] + w2[2] * h[2] + b2).sigmoid()
        total.append((y - t) ** 2)
    return sum_of(total) if fused else sum(total[1:], total[0])


def mlp_float_grads(flat):
    """∂loss/∂parameter by the chain rule, written out in floats."""
    w1, b1, w2, b2 = unpack(flat)
    g = [0.0] * len(flat)
    for (x0, x1), t in POINTS:
        h = [math.tanh(w1[j][0] * x0 + w1[j][1] * x1 + b1[j]) for j in range(3)]
        z = w2[0] * h[0] + w2[1] * h[1] + w2[2] * h[2] + b2
        y = 1.0 / (1.0 + math.exp(-z))
        dz = 2.0 * (y - t) * y * (1.0 - y)  # d(y - t)²/dz
        for j in range(3):
            dh = dz * w2[j] * (1.0 - h[j] * h[j])
            g[2 * j] += dh * x0
            g[2 * j + 1] += dh * x1
            g[6 + j] += dh
            g[9 + j] += dz * h[j]
        g[12] += dz
    return g


def test_mlp_eager_fused_and_replay_agree_with_hand_written_floats():
    expected = mlp_float_grads(FLAT)
    results = {}
    for fused in (False, True):
        params = [Value(v) for v in FLAT]
        mlp_loss(params, POINTS, fused).backward()
        results["fused" if fused else "eager"] = [p.grad for p in params]
    params = [Value(v) for v in FLAT]
    value, results["replay"] = record(mlp_loss(params, POINTS, True), params=params).run()
    for mode, grads in results.items():
        assert all(close(a, b) for a, b in zip(grads, expected)), mode
    assert results["replay"] == results["fused"]  # the same float operations, in the same order


def test_mlp_gradients_match_finite_differences():
    assert gradcheck(lambda *p: mlp_loss(list(p), POINTS, True), FLAT)
    assert gradcheck(lambda *p: mlp_loss(list(p), POINTS, False), FLAT)


def test_replay_with_new_values_equals_a_graph_built_for_them():
    params = [Value(v) for v in FLAT]
    step = record(mlp_loss(params, POINTS, True), params=params)
    rng = random.Random(3)
    for _ in range(3):
        new = [v + rng.uniform(-0.5, 0.5) for v in FLAT]
        fresh = [Value(v) for v in new]
        loss = mlp_loss(fresh, POINTS, True)
        loss.backward()
        value, grads = step.run(param_values=new)
        assert value == loss.data
        assert grads == [p.grad for p in fresh]


def test_replay_inputs_take_new_data_points():
    w = [Value(0.3), Value(-0.8)]
    b = Value(0.1)
    x = [Value(1.0), Value(2.0)]
    step = record(linear(w, x, b).sigmoid(), inputs=x, params=w + [b])
    for x0, x1 in [(0.5, -1.0), (2.0, 0.25)]:
        z = 0.3 * x0 - 0.8 * x1 + 0.1
        s = 1.0 / (1.0 + math.exp(-z))
        value, grads = step.run([x0, x1])
        assert close(value, s)
        d = s * (1.0 - s)  # σ'(z)
        assert all(close(g, e) for g, e in zip(grads, [d * x0, d * x1, d]))


@pytest.mark.parametrize("chunk", [30000, 5])
def test_replay_reports_the_values_of_recorded_outputs(chunk, monkeypatch):
    monkeypatch.setattr(replay_module, "CHUNK", chunk)
    w, b, x = Value(0.5), Value(-0.25), Value(2.0)
    h = (w * x + b).tanh()
    y = h * h
    step = record(y + 1.0, inputs=[x], params=[w, b], outputs=[h, y, x])
    assert step.output_values == [h.data, y.data, 2.0]
    step.run([3.0], [0.1, 0.2])
    t = math.tanh(0.1 * 3.0 + 0.2)
    assert step.output_values == [t, t * t, 3.0]
    with pytest.raises(ValueError, match=r"outputs\[0\]"):
        record(y, params=[w], outputs=[Value(1.0)])


def test_replay_backward_adds_into_param_grads_like_backward():
    params = [Value(v) for v in FLAT]
    loss = mlp_loss(params, POINTS, True)
    step = record(loss, params=params)
    value = step.backward()
    assert value == loss.data
    assert [p.grad for p in params] == grad(loss, params)
    step.backward()  # leaves accumulate, as with loss.backward()
    assert all(close(p.grad, 2 * g) for p, g in zip(params, grad(loss, params)))


# --- a deep chain: y ← y·w + b -----------------------------------------------------------


def chain_float_grads(x, w, b, steps):
    ys = [x]
    for _ in range(steps):
        ys.append(ys[-1] * w + b)
    gy, gw, gb = 1.0, 0.0, 0.0
    for k in range(steps - 1, -1, -1):  # y_{k+1} = y_k·w + b
        gb += gy
        gw += gy * ys[k]
        gy *= w
    return ys[-1], [gy, gw, gb]


@pytest.mark.parametrize("steps", [1, 50, 3000])
def test_chain_every_mode_matches_floats(steps, monkeypatch):
    monkeypatch.setattr(replay_module, "CHUNK", 500)  # the unfused chain: several generated functions
    x, w, b = 0.5, 0.93, 0.07
    value, expected = chain_float_grads(x, w, b, steps)
    for fused in (False, True):
        p = [Value(x), Value(w), Value(b)]
        y = p[0]
        for _ in range(steps):
            y = linear([p[1]], [y], p[2]) if fused else y * p[1] + p[2]
        y.backward()
        assert close(y.data, value) and all(close(q.grad, e) for q, e in zip(p, expected))
        if fused:
            step = record(y, params=p)
            if steps > 2:  # one run of like nodes: a loop over a table, whatever the chain's length
                assert len(step.source.splitlines()) < 40
            replayed, grads = step.run()
            assert replayed == y.data and grads == [q.grad for q in p]


def test_long_chain_records_under_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10000
    p = [Value(0.5), Value(0.9), Value(0.1)]
    y = p[0]
    for _ in range(8000):
        y = y * p[1] + p[2]
    step = record(y, params=p)
    assert step.functions > 1
    value, grads = step.run()
    expected_value, expected = chain_float_grads(0.5, 0.9, 0.1, 8000)
    assert close(value, expected_value) and all(close(g, e, 1e-9) for g, e in zip(grads, expected))


@pytest.mark.parametrize("chunk", [30000, 300])
def test_wide_sums_match_the_engine_bit_for_bit(chunk, monkeypatch):
    monkeypatch.setattr(replay_module, "CHUNK", chunk)  # 300: the long sums span many functions
    rng = random.Random(5)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(1000)]
    ys = [Value(rng.uniform(-1, 1)) for _ in range(1000)]
    total = sum_of([a * b for a, b in zip(xs, ys)])
    step = record(total, params=xs + ys)
    value, grads = step.run()
    assert value == total.data  # the same additions in the same order
    assert grads == [y.data for y in ys] + [x.data for x in xs]  # ∂/∂xᵢ = yᵢ, ∂/∂yᵢ = xᵢ
    # a wide neuron feeding two consumers, and a sum of sums
    h = [(a * 0.5).tanh() for a in xs[:400]]
    z = linear(ys[:400], h, xs[500])
    out = z * z + sum_of(h) * z - sum_of([sum_of(h[k:k + 150]) for k in range(0, 400, 150)])
    out.backward()
    params = xs[:400] + ys[:400] + [xs[500]]
    value, grads = record(out, params=params).run()
    assert value == out.data and grads == [p.grad for p in params]


# --- the replay's forward expressions against value.py, on edge values --------------------

EDGES = [-800.0, -710.0, -30.0, -1.0, -1e-300, -0.0, 0.0, 1e-300, 0.5, 1.0, 2.0, 30.0, 709.0,
         710.0, math.inf, -math.inf, math.nan]


def outcome(f):
    try:
        return f()
    except (ArithmeticError, ValueError) as exc:
        return type(exc)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    return a == b


UNARY = {"exp": Value.exp, "log": Value.log, "tanh": Value.tanh, "sigmoid": Value.sigmoid,
         "relu": Value.relu, "neg": lambda v: -v}
BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": lambda a, b: a / b, "**": lambda a, b: a ** b}


def replayed(f, points):
    leaves = [Value(1.0) for _ in points]
    out = f(*leaves)
    step = record(out, inputs=leaves)
    return lambda *values: step.run(list(values))[0]


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward_matches_the_engine(name):
    f = UNARY[name]
    run = replayed(f, [1.0])
    for x in EDGES:
        assert same(outcome(lambda: run(x)), outcome(lambda: f(Value(x)).data)), (name, x)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_forward_matches_the_engine(name):
    f = BINARY[name]
    run = replayed(f, [2.0, 1.0])
    for a in EDGES:
        for b in EDGES + [-2.0, 3.0, -0.5]:
            want = outcome(lambda: f(Value(a), Value(b)).data)
            assert same(outcome(lambda: run(a, b)), want), (name, a, b)


def test_constant_exponent_and_fused_forward_match_the_engine():
    for k in (2.0, 3.0, -1.0, 0.5, 0.0):
        run = replayed(lambda v: v ** k, [1.0])
        for x in EDGES:
            assert same(outcome(lambda: run(x)), outcome(lambda: (Value(x) ** k).data)), (k, x)
    run = replayed(lambda a, b, c: linear([a, b], [c, 2.0], 0.25), [1.0, 1.0, 1.0])
    assert run(1e16, 1.0, -1.0) == linear([1e16, 1.0], [-1.0, 2.0], 0.25).data  # same rounding order


def test_every_operation_has_a_forward_expression():
    ops = [v for v in vars(value_module).values() if isinstance(v, value_module.Op)]
    missing = [op.name for op in ops if op.rule is not None and op not in replay_module._FORWARD]
    assert not missing


# --- what a recording freezes, and the errors -----------------------------------------------


def test_gradients_at_kinks_and_domain_edges_match_backward():
    x = Value(1.0)
    k = Value(0.0)
    out = (x.relu() * x ** 0.0 + (x * x) ** k + x ** Value(2.5) + (x - 1.0).sigmoid() * x.tanh())
    step = record(out, inputs=[k], params=[x])
    for xv, kv in [(0.0, 0.0), (-1.0, 2.0), (0.0, 1.5), (1e-200, -1.0), (3.0, 0.5)]:
        fresh, kk = Value(xv), Value(kv)
        try:
            f = (fresh.relu() * fresh ** 0.0 + (fresh * fresh) ** kk + fresh ** Value(2.5)
                 + (fresh - 1.0).sigmoid() * fresh.tanh())
        except (ArithmeticError, ValueError) as exc:
            with pytest.raises(type(exc)):
                step.run([kv], [xv])
            continue
        f.backward()
        value, grads = step.run([kv], [xv])
        assert same(value, f.data) and same(grads[0], fresh.grad), (xv, kv)


def test_a_changed_frozen_leaf_is_reported():
    w, c = Value(2.0, "w"), Value(3.0, "c")
    step = record(w * c, params=[w])
    assert step.run() == (6.0, [3.0])
    c.data = 4.0
    with pytest.raises(StaleReplayError, match="'c'|c\\)"):
        step.run()
    c.data = 3.0
    assert step.run() == (6.0, [3.0])


def test_python_branches_are_frozen_at_recording():
    x = Value(2.0)
    y = x * x if x.data > 0 else -x  # taken while recording: x * x
    step = record(y, inputs=[x])
    assert step.run([-3.0])[0] == 9.0  # the recorded branch, not -x


def test_record_and_run_reject_bad_leaves():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    out = a * b
    with pytest.raises(ValueError, match=r"params\[0\].*not a leaf"):
        record(out, params=[out])
    with pytest.raises(ValueError, match="twice"):
        record(out, inputs=[a], params=[a])
    with pytest.raises(TypeError, match=r"params\[1\]"):
        record(out, params=[a, 2.0])
    step = record(out, inputs=[b], params=[a])
    with pytest.raises(ValueError, match="2 numbers"):
        step.run([1.0, 2.0])
    with pytest.raises(TypeError, match=r"input_values\[0\]"):
        step.run(["x"])
    unused = Value(5.0)
    assert record(out, params=[unused, a]).run() == (2.0, [0.0, 2.0])


def test_a_failing_node_is_named():
    x = Value(2.0, "x")
    step = record((x - 1.0).log(), inputs=[x])
    with pytest.raises(ValueError, match=r"node \d+.*log is defined only for values > 0"):
        step.run([0.5])


def test_the_replay_keeps_no_graph_alive():
    x = Value(1.5)
    y = (x * x).tanh()
    mid = y.parents[0]
    refs = sys.getrefcount(mid), sys.getrefcount(y)
    step = record(y, params=[x])
    assert (sys.getrefcount(mid), sys.getrefcount(y)) == refs  # no reference to interior nodes
    assert close(step.run()[1][0], 2 * 1.5 * (1 - math.tanh(2.25) ** 2))

"""Regression tests for the replay items of issue 10: memory while recording, cycles, input checks.

Item 8: ``record()`` compiled the whole generated module at once (about 18 KB
per node at its peak); each generated function is now compiled on its own.
Item 15: a replay was a reference cycle (its functions and their globals).
Item 17: ``run`` read a string as a list of numbers and a string as a number.
"""

import gc
import math
import tracemalloc
import weakref
from decimal import Decimal
from fractions import Fraction

import pytest

import autograd.replay as replay_module
from autograd import Value, linear, sum_of
from autograd.replay import record


def tanh_chain(steps):
    """y ← tanh(y·w + b), three nodes a step; the leaves x, w, b."""
    x, w, b = Value(0.5, "x"), Value(0.9, "w"), Value(0.1, "b")
    y = x
    for _ in range(steps):
        y = (y * w + b).tanh()
    return y, [x, w, b]


def tanh_chain_floats(x, w, b, steps):
    """The chain's value and (∂/∂x, ∂/∂w, ∂/∂b), written out in floats."""
    ys = [x]
    for _ in range(steps):
        ys.append(math.tanh(ys[-1] * w + b))
    gy, gw, gb = 1.0, 0.0, 0.0
    for k in range(steps, 0, -1):  # y_k = tanh(z), dz = gy·(1 − y_k²)
        dz = gy * (1.0 - ys[k] * ys[k])
        gb += dz
        gw += dz * ys[k - 1]
        gy = dz * w
    return ys[-1], [gy, gw, gb]


# --- item 8: peak memory while recording -------------------------------------------------


def test_recording_peaks_at_one_function_compile_not_the_whole_graph(monkeypatch):
    # 4,000 steps = 12,003 nodes, about 28,000 statements in functions of at most 1,000.
    # Compiling it all at once peaked near 18 KB per node; one function at a time, the
    # peak is what the replay keeps plus what generating it needs (about 1.3 KB per node).
    monkeypatch.setattr(replay_module, "CHUNK", 1000)
    y, params = tanh_chain(4000)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step = record(y, params=params)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert step.nodes == 3 * 4000 + 3
    assert step.functions > 20  # the graph was cut into many functions
    assert peak / step.nodes <= 3000
    value, grads = step.run()
    expected_value, expected = tanh_chain_floats(0.5, 0.9, 0.1, 4000)
    assert math.isclose(value, expected_value, rel_tol=1e-12)
    assert all(math.isclose(g, e, rel_tol=1e-9, abs_tol=1e-300) for g, e in zip(grads, expected))


def test_the_source_is_every_generated_function_and_the_driver(monkeypatch):
    monkeypatch.setattr(replay_module, "CHUNK", 50)
    y, params = tanh_chain(100)
    step = record(y, params=params)
    source = step.source
    assert source.count("\ndef ") + source.startswith("def ") == step.functions + 1  # + the driver
    assert "def _replay(X, P):" in source


# --- item 15: no reference cycles -----------------------------------------------------------


def many_ops_graph():
    """A small graph with every kind of operation, and leaves to replay."""
    w, b = [Value(0.5, "w1"), Value(-0.3, "w2")], Value(0.1, "b")
    x = [Value(1.0, "x1"), Value(2.0, "x2")]
    z = linear(w, x, b)
    h = [z.tanh(), z.sigmoid(), z.relu(), (z * z + 1.0).log(), (-z).exp(), z ** 2, z / 3.0, z - 1.0]
    return sum_of(h) * x[0] ** x[1], x, w + [b]


def test_dropped_replays_are_freed_without_the_cycle_collector(monkeypatch):
    monkeypatch.setattr(replay_module, "CHUNK", 8)  # several generator functions and a driver
    root, xs, ps = many_ops_graph()
    record(root, inputs=xs, params=ps)  # warm up: anything made once per process
    gc.collect()
    gc.disable()
    try:
        refs = []
        for k in range(50):
            step = record(root, inputs=xs, params=ps)
            assert step.functions > 1
            step.run([1.0 + k / 50, 2.0])
            step.backward()
            try:
                step.run([-1.0, 0.5])  # (-1)^0.5: the engine's error, named by the replay
            except ValueError:
                pass
            refs.append(weakref.ref(step))
        del step
        assert all(ref() is None for ref in refs)  # freed by reference counting
        assert gc.collect() == 0  # and nothing left for the collector to find
    finally:
        gc.enable()


# --- item 17: the same input checks as eager ----------------------------------------------------


def small_step():
    w, b, x = Value(0.5, "w"), Value(-0.25, "b"), Value(2.0, "x")
    return record((w * x + b).tanh(), inputs=[x], params=[w, b]), w, b, x


def test_a_string_is_not_a_list_of_numbers():
    w = Value(0.5, "w")
    one = record(w * 3.0, params=[w])
    with pytest.raises(TypeError, match=r"replay: param_values must be a list of numbers, got str '4'"):
        one.run(None, "4")  # one character, one param: once read as [4.0]
    step, w, b, x = small_step()
    with pytest.raises(TypeError, match=r"replay: param_values must be a list of numbers, got str '45'"):
        step.run(None, "45")
    with pytest.raises(TypeError, match=r"replay: input_values must be a list of numbers, got bytes"):
        step.run(b"4")
    with pytest.raises(TypeError, match=r"replay: input_values must be a list of numbers, got int 4"):
        step.run(4)


@pytest.mark.parametrize("bad", ["3", b"3", bytearray(b"3"), None, Value(3.0)])
def test_a_string_or_none_in_the_numbers_is_a_type_error_naming_it(bad):
    step, w, b, x = small_step()
    with pytest.raises(TypeError, match=rf"replay: param_values\[1\] is not a number: {type(bad).__name__}"):
        step.run(None, [0.5, bad])
    with pytest.raises(TypeError):  # eager refuses the same values
        Value(bad)


def test_a_param_whose_data_is_a_string_is_refused_as_eager_refuses_it():
    step, w, b, x = small_step()
    with pytest.raises(TypeError):  # at the assignment (a checked .data) or at the replay
        w.data = "3"
        step.backward()
    assert w.grad == 0.0 and b.grad == 0.0


def test_a_leaf_data_string_never_reaches_the_replay():
    # the engine refuses it on assignment, so eager and replay agree by construction
    step, w, b, x = small_step()
    before = x.data
    with pytest.raises(TypeError):
        x.data = "3"
    assert x.data == before and isinstance(x.data, float)


def test_numbers_too_large_for_a_float_are_an_overflow_error_naming_them():
    step, w, b, x = small_step()
    with pytest.raises(OverflowError, match=r"replay: param_values\[0\] is too large for a float"):
        step.run(None, [10**400, 0.0])
    with pytest.raises(OverflowError, match=r"replay: param_values\[1\] is too large for a float"):
        step.run(None, [0.0, Decimal("1e400")])


def test_every_real_number_type_replays_as_its_float():
    step, w, b, x = small_step()
    cases = [([Fraction(1, 3)], [True, Decimal("0.25")]), ([2], [Fraction(-1, 2), 1])]
    for xs, ps in cases:
        value, grads = step.run(xs, ps)
        xv, wv, bv = float(xs[0]), float(ps[0]), float(ps[1])
        t = math.tanh(wv * xv + bv)
        assert value == t
        assert grads == [(1.0 - t * t) * xv, 1.0 - t * t]


def test_numpy_scalars_replay_as_their_float():
    np = pytest.importorskip("numpy")
    step, w, b, x = small_step()
    xs, ps = [np.float32(1.5)], [np.float64(0.25), np.int64(-1)]
    value, grads = step.run(xs, ps)
    xv, wv, bv = 1.5, 0.25, -1.0  # float32(1.5) is exact
    t = math.tanh(wv * xv + bv)
    assert value == t and grads == [(1.0 - t * t) * xv, 1.0 - t * t]

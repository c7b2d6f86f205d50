"""Regression tests for the engine defects of the outside review (issue 10).

- ``Value ** Value`` at its edges: the slopes at 0 ** 0, and NaN staying NaN at
  every order of differentiation (item 2).
- ``grad(..., create_graph=True)`` with respect to a constant node agrees with
  ``grad()`` and ``backward()`` (item 3).
- ``.data`` assigned any real number is stored as a float (item 4).
- ``copy.copy``, ``copy.deepcopy`` and ``pickle`` of graphs of any depth, and of
  ``nn`` models (item 9).
- One rule for numbers past the float range, for every number type (item 12).
- Names checked on assignment as in the constructor (item 16).

Expected numbers are closed forms or float arithmetic written here.
"""

from __future__ import annotations

import copy
import math
import pickle
from decimal import Decimal
from fractions import Fraction

import pytest

import nn
from autograd import Value, grad, linear, record, sum_of, topological_order
from autograd import rules
from autograd.value import MUL, Op

inf, nan = math.inf, math.nan


def same(a: float, b: float) -> bool:
    """Equal floats, nan equal to nan."""
    return (math.isnan(a) and math.isnan(b)) or a == b


def grads_at_every_order(f: Value, wrt: list[Value], orders: int) -> list[list[float]]:
    """For k = 1..orders: the k-th derivatives along wrt[0] repeatedly, then each of wrt,
    as floats from grad() and as the data of grad(create_graph=True) (which must agree)."""
    out = []
    g = f
    for _ in range(orders):
        floats = grad(g, wrt)
        nodes = grad(g, wrt, create_graph=True)
        assert all(same(a, n.data) for a, n in zip(floats, nodes)), (floats, [n.data for n in nodes])
        out.append(floats)
        g = nodes[0]
    return out


# --- item 2: Value ** Value at the edges ------------------------------------------


def test_value_power_at_zero_zero_has_the_slopes_of_its_limits():
    x, y = Value(0.0), Value(0.0)
    dx, dy = grad(x**y, [x, y])
    # x ** 0.0 has slope 0 (x⁰ ≡ 1): the same with a Value exponent holding 0
    z = Value(0.0)
    assert dx == 0.0 and grad(z**0.0, z) == 0.0
    # ∂/∂y = lim x→0⁺ of x^y·ln x at y = 0, = lim ln x = -inf; the one-sided
    # difference quotient (0^h − 0^0)/h = -1/h goes there too
    assert dy == -inf
    h = 1e-300
    assert (0.0**h - 0.0**0.0) / h < -1e299
    x, y = Value(0.0), Value(0.0)
    first = grad(x**y, [x, y], create_graph=True)
    assert [v.data for v in first] == [0.0, -inf]
    # both slopes are limits held as numbers (their own slopes are 0), the same
    # in the float pass and the graph-building one, which never raises
    for node in first:
        assert grads_at_every_order(node, [x, y], 2) == [[0.0, 0.0], [0.0, 0.0]]


def test_value_power_at_zero_with_positive_exponent_keeps_its_slopes():
    x, y = Value(0.0), Value(2.0)
    assert grad(x**y, [x, y]) == [0.0, 0.0]  # 2·0¹, lim 0^2·ln x = 0
    x, y = Value(0.0), Value(1.0)
    assert grad(x**y, [x, y]) == [1.0, 0.0]


def test_x_to_the_x_at_zero_is_its_one_sided_slope():
    x = Value(0.0)
    assert grad(x**x, x) == -inf  # x^x·(ln x + 1) → -inf as x → 0⁺
    assert grad(x**x, x, create_graph=True).data == -inf


def test_negative_base_power_slope_in_the_exponent_is_nan_at_every_order():
    x, y = Value(-1.0), Value(2.0)
    o = x**y
    assert grad(o, [x, y])[0] == 2.0 * (-1.0) ** 1  # b·a^(b−1)
    assert math.isnan(grad(o, y))  # a^b·ln a: ln(−1) is not real
    # d/dy again, and again: NaN in, NaN out, also across to x
    g = grad(o, y, create_graph=True)
    for order in (2, 3, 4):
        dx, dy = grad(g, [x, y], create_graph=True)
        assert math.isnan(dx.data) and math.isnan(dy.data), order
        assert all(math.isnan(v) for v in grad(g, [x, y])), order
        g = dy if order % 2 else dx
    # the slope in x keeps its real derivatives: b(b−1)a^(b−2) = 2, b(b−1)(b−2)a^(b−3) = 0
    dx = grad(o, x, create_graph=True)
    dxx = grad(dx, x, create_graph=True)
    assert dxx.data == 2.0 * 1.0 * (-1.0) ** 0
    assert grad(dxx, x) == 0.0
    # and ∂²/∂x∂y = a^(b−1)·(1 + b·ln a) has ln a in it: nan
    assert math.isnan(grad(dx, y))


def test_constant_negative_base_power_is_nan_at_every_order():
    y = Value(2.0)
    g = grad((-2.0) ** y, y, create_graph=True)
    for _ in range(3):
        assert math.isnan(g.data)
        g = grad(g, y, create_graph=True)
    assert math.isnan(g.data)


def test_relu_slope_at_nan_is_nan_at_every_order():
    x = Value(nan)
    g = grad(x.relu(), x, create_graph=True)
    for _ in range(3):
        assert math.isnan(g.data) and math.isnan(grad(g, x))
        g = grad(g, x, create_graph=True)


def test_an_undefined_slope_records_and_replays_as_nan():
    x, y = Value(-1.0), Value(2.0)
    dy = grad(x**y, y, create_graph=True)  # nan, as a node over x and y
    replay = record(dy, params=[x, y])
    value, grads = replay.run()
    assert math.isnan(value) and all(math.isnan(g) for g in grads)


# --- item 3: the two backward passes agree, constants included ---------------------


def every_node_agrees(out: Value) -> dict[Value, float]:
    """grad(), grad(create_graph=True) and backward() for every node under ``out``."""
    order = topological_order(out)
    floats = {n: grad(out, n) for n in order}
    nodes = {n: grad(out, n, create_graph=True).data for n in order}
    for n in order:
        n.grad = 0.0
    out.backward()
    for n in order:
        assert same(floats[n], nodes[n]) and same(floats[n], n.grad), (n, floats[n], nodes[n], n.grad)
    return floats


def test_grad_of_a_constant_node_agrees_between_the_passes():
    u = Value(3.0)
    o = u * 2.0
    c = o.parents[1]
    assert c.is_constant
    assert grad(o, c) == 3.0
    assert grad(o, c, create_graph=True).data == 3.0
    o.backward()
    assert c.grad == 3.0


@pytest.mark.parametrize(
    "label, build, slope",
    [  # ∂out/∂(the constant) written out: the closed form of each
        ("u * 2", lambda u: u * 2.0, lambda u: u),
        ("2 * u", lambda u: 2.0 * u, lambda u: u),
        ("u / 4", lambda u: u / 4.0, lambda u: -u / 16.0),  # ∂(u/c)/∂c = -u/c²
        ("3 - u", lambda u: 3.0 - u, lambda u: 1.0),
        ("2 ** u", lambda u: 2.0**u, lambda u: u * 2.0 ** (u - 1.0)),  # ∂(c^u)/∂c = u·c^(u−1)
        ("u ** 3", lambda u: u**3.0, lambda u: 0.0),  # a number exponent is a constant: 0 by the rule
        ("linear weight", lambda u: linear([0.5], [u], 0.25), lambda u: u),  # ∂(w·u + b)/∂w = u
        ("linear input", lambda u: linear([u], [0.5], 0.25), lambda u: u),
        ("linear bias", lambda u: linear([u], [u], 0.25), lambda u: 1.0),
        ("sum_of", lambda u: sum_of([u, 1.5, u]), lambda u: 1.0),
    ],
)
def test_constants_in_every_operation_get_the_same_gradient_from_both_passes(label, build, slope):
    u = Value(1.5)
    out = build(u)
    grads = every_node_agrees(out)
    constants = [n for n in topological_order(out) if n.is_constant]
    assert constants, label
    assert math.isclose(grads[constants[0]], slope(1.5), rel_tol=1e-15), (label, grads[constants[0]])


def test_a_zero_gradient_has_the_same_sign_in_every_pass():
    # ∂(x·y)/∂x = y = −0.0: the float pass and backward() add it to 0.0 (+0.0)
    x, y = Value(2.0), Value(-0.0)
    out = x * y
    floats = grad(out, x)
    node = grad(out, x, create_graph=True)
    out.backward()
    signs = [math.copysign(1.0, g) for g in (floats, node.data, x.grad)]
    assert signs == [1.0, 1.0, 1.0] and floats == node.data == x.grad == 0.0
    assert grad(node, y) == 1.0  # still the slope of y: ∂²(x·y)/∂x∂y = 1


def test_second_derivative_in_a_constant_node_used_twice():
    u = Value(3.0)
    o = u * 2.0
    c = o.parents[1]
    o2 = o * c  # u·c²: ∂/∂c = 2uc = 12, ∂²/∂c² = 2u = 6
    first = grad(o2, c, create_graph=True)
    assert first.data == grad(o2, c) == 12.0
    assert grad(first, c) == 6.0
    assert grad(first, u) == 4.0  # ∂²/∂c∂u = 2c


# --- item 4: .data takes any real number, as a float --------------------------------


REAL_NUMBERS = [1, True, False, -3, Fraction(1, 3), Decimal("0.25")]

SLOPES = [  # f, and its slope written out
    (Value.tanh, lambda v: 1.0 - math.tanh(v) ** 2),
    (Value.sigmoid, lambda v: (1.0 / (1.0 + math.exp(-v))) * (1.0 - 1.0 / (1.0 + math.exp(-v)))),
    (lambda w: w**2.0, lambda v: 2.0 * v),
    (lambda w: w ** Value(3.0), lambda v: 3.0 * v**2.0),
    (lambda w: 2.0**w, lambda v: 2.0**v * math.log(2.0)),
    (lambda w: w.exp(), lambda v: math.exp(v)),
]


def check_assignments(numbers: list) -> None:
    for number in numbers:
        expected = float(number)  # the float the constructor stores
        assert Value(number).data == expected
        for f, slope in SLOPES:
            w = Value(0.5)
            w.data = number
            assert type(w.data) is float and w.data == expected, number
            f(w).backward()
            assert math.isclose(w.grad, slope(expected), rel_tol=1e-12, abs_tol=1e-300), (number, w.grad)


def test_data_assignment_stores_a_float_and_backward_works():
    check_assignments(REAL_NUMBERS)


def test_numpy_data_assignment_stores_a_float_and_backward_works():
    np = pytest.importorskip("numpy")
    check_assignments([np.float32(0.1), np.float64(0.5), np.int64(2), np.bool_(True)])


def test_data_assignment_agrees_between_eager_and_replay():
    w, b = Value(0.5), Value(0.1)
    replay = record(w.tanh() + b * w, params=[w, b])
    w.data, b.data = 1, Fraction(1, 4)  # new values after the recording
    value, grads = replay.run()
    t = math.tanh(1.0)
    assert value == t + 0.25 * 1.0
    assert math.isclose(grads[0], (1.0 - t * t) + 0.25, rel_tol=1e-15) and grads[1] == 1.0
    (w.tanh() + b * w).backward()
    assert [w.grad, b.grad] == grads


@pytest.mark.parametrize("bad, typename", [("3", "str"), (None, "NoneType"), (1j, "complex"), ([1.0], "list"),
                                           (Value(1.0), "Value")])
def test_data_assignment_rejects_non_numbers_and_keeps_the_old_value(bad, typename):
    w = Value(0.5)
    with pytest.raises(TypeError, match=rf"^Value\.data needs a real number, got {typename}"):
        w.data = bad
    assert w.data == 0.5


# --- item 9: copies and pickles --------------------------------------------------------


def wide_graph() -> tuple[Value, list[Value]]:
    xs = [Value(float(i), name=f"x{i}") for i in range(1, 5)]
    return sum_of(xs) * 2.0 + linear(xs[:2], [0.5, xs[2]], 0.25), xs


def check_copy(original: Value, xs: list[Value], copied: Value) -> None:
    """The copy computes what the original does, on nodes of its own."""
    old = set(map(id, topological_order(original)))
    order = topological_order(copied)
    assert not old & set(map(id, order))
    assert [n.data for n in order] == [n.data for n in topological_order(original)]
    assert [n.op for n in order] == [n.op for n in topological_order(original)]
    assert [n.is_constant for n in order] == [n.is_constant for n in topological_order(original)]
    copied.backward()
    leaves = {n.name: n for n in order if n.name}
    # ∂/∂x1 = 2 + 0.5, ∂/∂x2 = 2 + x3, ∂/∂x3 = 2 + x2, ∂/∂x4 = 2
    assert [leaves[f"x{i}"].grad for i in range(1, 5)] == [2.5, 5.0, 4.0, 2.0]
    assert all(x.grad == 0.0 for x in xs)  # the original is untouched
    replay = record(copied, params=[leaves[f"x{i}"] for i in range(1, 5)])
    assert replay.run()[1] == [2.5, 5.0, 4.0, 2.0]


def test_deepcopy_keeps_operations_and_markers():
    out, xs = wide_graph()
    check_copy(out, xs, copy.deepcopy(out))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_keeps_operations_and_markers(protocol):
    out, xs = wide_graph()
    check_copy(out, xs, pickle.loads(pickle.dumps(out, protocol)))


def test_ops_and_the_marker_are_copied_and_pickled_as_themselves():
    from autograd.walk import NARY

    for obj in (MUL, NARY):
        assert copy.copy(obj) is obj and copy.deepcopy(obj) is obj
        assert pickle.loads(pickle.dumps(obj)) is obj
    stranger = Op("mine", rules.add)
    with pytest.raises(TypeError, match=r"^cannot pickle Op\('mine'\): it is not one of autograd\.value's"):
        pickle.dumps(Value(1.0, None, stranger, (Value(1.0), Value(2.0))))


def test_shallow_copy_shares_the_parents():
    a, b = Value(2.0, name="a"), Value(3.0)
    out = a * b
    out.grad = 7.0
    c = copy.copy(out)
    assert c is not out and c.parents == (a, b) and c.parents[0] is a
    assert (c.data, c.grad, c.op, c.name) == (6.0, 7.0, "*", None)
    s = sum_of([a, b, a])
    assert copy.copy(s).parents == (a, b, a)


def test_copies_keep_shared_nodes_shared():
    x = Value(2.0, name="x")
    h = x * x
    out = h + h
    for copied in (copy.deepcopy([out, x, h]), pickle.loads(pickle.dumps([out, x, h]))):
        c_out, c_x, c_h = copied
        assert c_out.parents == (c_h, c_h) and c_h.parents == (c_x, c_x)
        c_out.backward()
        assert c_x.grad == 8.0 and x.grad == 0.0  # d(2x²)/dx = 4x


def deep_chain(n: int) -> list[Value]:
    """x, then y ← y·w + 0.001 n/2 times (n operation nodes): every y, x first."""
    x, w = Value(0.5, name="x"), Value(0.999, name="w")
    ys = [x]
    for _ in range(n // 2):
        ys.append(ys[-1] * w + 0.001)
    return ys


def chain_gradients(n: int) -> tuple[float, float, float]:
    """The same chain in floats: (y, ∂y/∂x, ∂y/∂w)."""
    ys = [0.5]
    for _ in range(n // 2):
        ys.append(ys[-1] * 0.999 + 0.001)
    gy, gw = 1.0, 0.0
    for k in range(n // 2 - 1, -1, -1):  # ∂y_{k+1}/∂y_k = w, ∂y_{k+1}/∂w = y_k
        gw += gy * ys[k]
        gy *= 0.999
    return ys[-1], gy, gw


def test_a_100000_node_chain_deep_copies_and_pickles():
    n = 100_000
    ys = deep_chain(n)
    y = ys[-1]
    value, dx, dw = chain_gradients(n)
    for copied in (copy.deepcopy(y), pickle.loads(pickle.dumps(y, pickle.HIGHEST_PROTOCOL))):
        leaves = {v.name: v for v in topological_order(copied) if v.name}
        assert copied.data == value
        copied.backward()
        assert math.isclose(leaves["x"].grad, dx, rel_tol=1e-9)
        assert math.isclose(leaves["w"].grad, dw, rel_tol=1e-9)
        del copied, leaves
    assert ys[0].grad == 0.0  # the original is untouched


def test_pickles_in_a_row_share_no_state():
    ys = deep_chain(60_000)
    # the middle first (its own listing), then the root, whose listing skips the
    # nodes below the middle (already in the pickle): that listing must end with it
    middle, root = pickle.loads(pickle.dumps([ys[len(ys) // 2], ys[-1]]))
    assert middle in set(topological_order(root))
    quarter = pickle.loads(pickle.dumps(ys[len(ys) // 4]))  # deep, and pickled on its own again
    assert quarter.data == ys[len(ys) // 4].data


def test_copied_nn_model_trains_on_its_own():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    twin = copy.deepcopy(model)
    assert [name for name, _ in twin.named_parameters()] == [name for name, _ in model.named_parameters()]
    before = [p.data for p in model.parameters()]
    assert [p.data for p in twin.parameters()] == before
    assert not set(map(id, twin.parameters())) & set(map(id, model.parameters()))
    nn.squared_error(twin([0.5, -1.0]), [1.0]).backward()
    twin_grads = [p.grad for p in twin.parameters()]
    nn.SGD(twin.parameters(), lr=0.1).step()
    assert [p.data for p in twin.parameters()] == [v - 0.1 * g for v, g in zip(before, twin_grads)]
    assert [p.data for p in model.parameters()] == before  # the original did not move
    assert all(p.grad == 0.0 for p in model.parameters())
    # the original, at the same point, gets the same gradients on its own nodes
    nn.squared_error(model([0.5, -1.0]), [1.0]).backward()
    assert [p.grad for p in model.parameters()] == twin_grads and any(twin_grads)


def test_pickled_nn_model_predicts_the_same():
    model = nn.MLP(2, [3, 1], activation="sigmoid", seed=3)
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded([0.25, 0.75])[0].data == model([0.25, 0.75])[0].data
    assert [p.name for p in loaded.parameters()] == [p.name for p in model.parameters()]


# --- item 12: numbers past the float range ------------------------------------------------

TOO_LARGE = r"is too large for a float \(the float range ends at ±1\.8e308\)$"


@pytest.mark.parametrize(
    "label, make",
    [
        ("Value(10**400)", lambda: Value(10**400)),
        ("Value(-10**400)", lambda: Value(-(10**400))),
        ("Value(2**1024 - 1)", lambda: Value(2**1024 - 1)),  # rounds to 2**1024, past the range
        ("Value(Decimal('1e400'))", lambda: Value(Decimal("1e400"))),
        ("Value(Decimal('-1.8e308'))", lambda: Value(Decimal("-1.8e308"))),
        ("Value(Fraction(10**400, 3))", lambda: Value(Fraction(10**400, 3))),
        ("Value(1.) + 10**400", lambda: Value(1.0) + 10**400),
        ("10**400 * Value(1.)", lambda: 10**400 * Value(1.0)),
        ("Value(1.) - Decimal('1e400')", lambda: Value(1.0) - Decimal("1e400")),
        ("Value(2.) ** 10**400", lambda: Value(2.0) ** 10**400),
        ("linear with 10**400", lambda: linear([Value(1.0)], [10**400], 0.0)),
        ("sum_of with 10**400", lambda: sum_of([Value(1.0), 10**400])),
    ],
)
def test_a_finite_number_past_the_float_range_is_one_clear_error(label, make):
    with pytest.raises(OverflowError, match=TOO_LARGE) as info:
        make()
    message = str(info.value)
    assert "\n" not in message and len(message) < 200, (label, message)


def test_assigning_a_number_past_the_float_range_is_the_same_error():
    w = Value(0.5)
    for big in (10**400, Decimal("1e400")):
        with pytest.raises(OverflowError, match=r"^Value\.data: .*" + TOO_LARGE):
            w.data = big
    assert w.data == 0.5


def test_the_error_shows_the_size_not_the_digits():
    with pytest.raises(OverflowError) as info:
        Value(10**5000)  # past the default int-to-str limit: the message must not need its digits
    assert str(info.value) == ("Value(): int ≈ 1e+5000 is too large for a float "
                               "(the float range ends at ±1.8e308)")


def test_infinity_and_nan_themselves_stay_allowed():
    assert Value(inf).data == inf and Value(-inf).data == -inf
    assert Value(Decimal("Infinity")).data == inf and Value(Decimal("-Infinity")).data == -inf
    assert math.isnan(Value(Decimal("NaN")).data)
    assert Value(Decimal("1.7976931348623157e308")).data == 1.7976931348623157e308  # the largest float
    assert Value(2**1023).data == 2.0**1023
    assert (Value(1.0) + inf).data == inf


def test_numpy_numbers_past_the_float_range():
    np = pytest.importorskip("numpy")
    assert Value(np.float64("inf")).data == inf
    big = np.longdouble("1e400")
    if np.isfinite(big):  # a platform whose long double holds 1e400
        with pytest.raises(OverflowError, match=TOO_LARGE):
            Value(big)


# --- item 16: names -------------------------------------------------------------------------


@pytest.mark.parametrize("good", ["layer1.neuron2.w1", "θ6", "ŷ", "y\u0302", "δ_o1", "x₁", "∂L/∂w", "w 1"])
def test_names_as_networks_and_documents_write_them_are_valid(good):
    assert Value(1.0, name=good).name == good
    v = Value(1.0)
    v.name = good
    assert v.name == good
    v.name = None
    assert v.name is None


@pytest.mark.parametrize(
    "bad, error, words",
    [
        (5, TypeError, r"^a Value name must be a str, got int: 5$"),
        (b"w", TypeError, r"^a Value name must be a str, got bytes"),
        ("", ValueError, r"^a Value name must be printable text, not blank and without control characters, got ''$"),
        ("   ", ValueError, r"not blank"),
        ("\x1b[8m", ValueError, r"got '\\x1b\[8m'$"),
        ("a\nb", ValueError, r"got 'a\\nb'$"),
        ("w\t1", ValueError, r"control characters"),
        ("\u202eoops", ValueError, r"control characters"),  # a right-to-left override
        ("x\x00", ValueError, r"control characters"),
    ],
)
def test_bad_names_are_rejected_on_assignment_and_in_the_constructor(bad, error, words):
    with pytest.raises(error, match=words):
        Value(1.0, name=bad)
    v = Value(1.0, name="kept")
    with pytest.raises(error, match=words) as info:
        v.name = bad
    assert "\n" not in str(info.value)
    assert v.name == "kept"

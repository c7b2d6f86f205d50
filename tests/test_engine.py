"""The engine against closed forms, finite differences and the seed-001 document."""

import gc
import math
import sys
import threading

import pytest

from autograd import GradcheckError, Value, grad, gradcheck, no_grad, topological_order


def close(a, b, tol=1e-12):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# --- Value itself -------------------------------------------------------------


def test_value_stores_float_and_name():
    v = Value(3, name="w1")
    assert v.data == 3.0 and type(v.data) is float
    assert v.grad == 0.0 and v.name == "w1"
    assert v.is_leaf and v.op is None
    assert repr(v) == "Value(name='w1', data=3.0, grad=0.0)"
    assert repr(Value(0.5)) == "Value(data=0.5, grad=0.0)"


def test_value_accepts_numbers_with_float():
    class Half:
        def __float__(self):
            return 0.5

    assert Value(Half()).data == 0.5
    assert Value(True).data == 1.0


@pytest.mark.parametrize("bad, typename", [("1.5", "str"), (None, "NoneType"), (1j, "complex"), ([1.0], "list")])
def test_value_rejects_non_numbers(bad, typename):
    with pytest.raises(TypeError, match=typename):
        Value(bad)


def test_value_rejects_a_value_and_a_bad_name():
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))
    with pytest.raises(TypeError, match="name"):
        Value(1.0, name=3)


def test_operations_with_non_numbers_are_type_errors():
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        [1] * Value(2.0)


# --- each primitive: value and gradient against closed forms ------------------

A, B = 1.3, -0.7


def d_of(f, *xs):
    vs = [Value(x) for x in xs]
    out = f(*vs)
    out.backward()
    return out.data, [v.grad for v in vs]


@pytest.mark.parametrize(
    "f, value, grads",
    [
        (lambda a, b: a + b, A + B, [1.0, 1.0]),
        (lambda a, b: a - b, A - B, [1.0, -1.0]),
        (lambda a, b: a * b, A * B, [B, A]),
        (lambda a, b: a / b, A / B, [1 / B, -A / B**2]),
        (lambda a, b: -a + 0 * b, -A, [-1.0, 0.0]),
        (lambda a, b: a**3 + 0 * b, A**3, [3 * A**2, 0.0]),
        (lambda a, b: a**b, A**B, [B * A ** (B - 1), A**B * math.log(A)]),
        (lambda a, b: a.exp() + 0 * b, math.exp(A), [math.exp(A), 0.0]),
        (lambda a, b: a.log() + 0 * b, math.log(A), [1 / A, 0.0]),
        (lambda a, b: a.tanh() + 0 * b, math.tanh(A), [1 - math.tanh(A) ** 2, 0.0]),
        (lambda a, b: b.sigmoid() + 0 * a, 1 / (1 + math.exp(-B)), [0.0, math.exp(-B) / (1 + math.exp(-B)) ** 2]),
        (lambda a, b: a.relu() + b.relu(), A, [1.0, 0.0]),
    ],
)
def test_primitive_value_and_gradient(f, value, grads):
    out, got = d_of(f, A, B)
    assert close(out, value)
    assert all(close(g, e) for g, e in zip(got, grads)), (got, grads)


@pytest.mark.parametrize(
    "f, point",
    [
        (lambda a, b: a + b, (0.3, 1.7)),
        (lambda a, b: a - b, (0.3, 1.7)),
        (lambda a, b: a * b, (0.3, 1.7)),
        (lambda a, b: a / b, (0.3, 1.7)),
        (lambda a, b: -a * b, (0.3, 1.7)),
        (lambda a, b: a**2.5 * b, (0.3, 1.7)),
        (lambda a, b: a**b, (0.3, 1.7)),
        (lambda a, b: (a * b).exp(), (0.3, 1.7)),
        (lambda a, b: (a + b).log(), (0.3, 1.7)),
        (lambda a, b: (a - b).tanh(), (0.3, 1.7)),
        (lambda a, b: (a * b).sigmoid(), (0.3, -1.7)),
        (lambda a, b: (a - b).relu() + (b - a).relu() * 2, (0.3, 1.7)),
        (lambda a, b: 2 / a + 3 - b + 4 * a - (1 - b) ** 2 + 2**a, (0.3, 1.7)),
    ],
)
def test_primitive_gradcheck(f, point):
    assert gradcheck(f, point)


def test_operations_record_their_own_names():
    a, b = Value(2.0), Value(3.0)
    assert (a + b).op == "+" and (a - b).op == "-" and (a * b).op == "*"
    assert (a / b).op == "/" and (-a).op == "neg" and (a**2).op == "**" and (a**b).op == "**"
    assert a.exp().op == "exp" and a.log().op == "log" and a.tanh().op == "tanh"
    assert a.sigmoid().op == "sigmoid" and a.relu().op == "relu"
    # a / b stays a division of a by b, and 1 - a a subtraction from the constant 1
    q = a / b
    assert q.parents == (a, b)
    d = 1 - a
    assert d.parents[0].is_constant and d.parents[0].data == 1.0 and d.parents[1] is a


def test_numbers_mix_in_on_either_side():
    a = Value(2.0)
    assert (a + 1).data == 3.0 and (1 + a).data == 3.0
    assert (a - 1).data == 1.0 and (1 - a).data == -1.0
    assert (a * 3).data == 6.0 and (3 * a).data == 6.0
    assert (a / 4).data == 0.5 and (4 / a).data == 2.0
    assert (a**3).data == 8.0 and (3**a).data == 9.0


def test_local_grads_are_the_chain_rule_factors():
    a, b = Value(0.5), Value(2.0)
    s = (a * b).sigmoid()
    sig = 1 / (1 + math.exp(-1.0))
    assert close(s.local_grads()[0], sig * (1 - sig))
    assert (a * b).local_grads() == (2.0, 0.5)
    assert a.local_grads() == ()


# --- reuse, accumulation, double backward -------------------------------------


def test_reused_nodes():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    a.grad = 0.0
    (a + a).backward()
    assert a.grad == 2.0
    # a shared subexpression used by two consumers: f = s*s + s, s = a*b
    a, b = Value(1.5), Value(-2.0)
    s = a * b
    f = s * s + s
    f.backward()
    assert close(s.grad, 2 * (1.5 * -2.0) + 1)
    assert close(a.grad, (2 * (1.5 * -2.0) + 1) * -2.0)
    assert close(b.grad, (2 * (1.5 * -2.0) + 1) * 1.5)


def test_backward_twice_doubles_leaf_gradients_only():
    a = Value(3.0)
    b = a * a * a
    b.backward()
    assert a.grad == 27.0
    b.backward()
    assert a.grad == 54.0  # leaves accumulate exactly; micrograd's walk gives 72
    inner = b.parents[0]  # a*a: an interior node shows the latest pass
    assert inner.grad == 3.0
    b.zero_grad()
    assert a.grad == 0.0 and inner.grad == 0.0 and b.grad == 0.0


def test_every_reached_node_gets_its_gradient():
    x = Value(0.5, name="x")
    z = x * 2.0
    a = z.tanh()
    a.backward()
    t = math.tanh(1.0)
    assert close(a.grad, 1.0)
    assert close(z.grad, 1 - t * t)
    assert close(x.grad, 2 * (1 - t * t))


def test_parents_order_is_deterministic():
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")
    out = (a * b + c * a) * b
    names = [n.name for n in topological_order(out) if n.name]
    assert names == ["a", "b", "c"]
    assert [n.op for n in topological_order(out)] == [None, None, "*", None, "*", "+", "*"]


def test_million_deep_chain_under_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1e-6
    y.backward()
    assert x.grad == 1.0
    assert close(y.data, 2.0, 1e-6)
    del y


# --- grad(), higher order ------------------------------------------------------


def test_grad_returns_floats_and_leaves_grad_alone():
    x, y = Value(2.0), Value(3.0)
    f = x * x * y
    gx, gy = grad(f, [x, y])
    assert (gx, gy) == (12.0, 4.0)
    assert x.grad == 0.0 and y.grad == 0.0
    assert grad(f, x) == 12.0
    assert grad(f, Value(1.0)) == 0.0  # not in the graph


def third_derivatives(x0):
    """Closed forms (f, f', f'', f''') for each unary primitive at x0."""
    s = 1 / (1 + math.exp(-x0))
    t = math.tanh(x0)
    e = math.exp(x0)
    k = 2.5
    return {
        "tanh": (lambda v: v.tanh(), [1 - t * t, -2 * t * (1 - t * t), (1 - t * t) * (6 * t * t - 2)]),
        "sigmoid": (lambda v: v.sigmoid(), [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s * s)]),
        "exp": (lambda v: v.exp(), [e, e, e]),
        "log": (lambda v: v.log(), [1 / x0, -1 / x0**2, 2 / x0**3]),
        "pow": (lambda v: v**k, [k * x0 ** (k - 1), k * (k - 1) * x0 ** (k - 2), k * (k - 1) * (k - 2) * x0 ** (k - 3)]),
        "pow_value": (lambda v: v ** Value(k), [k * x0 ** (k - 1), k * (k - 1) * x0 ** (k - 2), k * (k - 1) * (k - 2) * x0 ** (k - 3)]),
        "div": (lambda v: 1 / v, [-1 / x0**2, 2 / x0**3, -6 / x0**4]),
        "exp_base": (lambda v: 2**v, [2**x0 * math.log(2), 2**x0 * math.log(2) ** 2, 2**x0 * math.log(2) ** 3]),
    }


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "exp", "log", "pow", "pow_value", "div", "exp_base"])
def test_higher_order_derivatives_match_closed_forms(name):
    x0 = 0.8
    f, expected = third_derivatives(x0)[name]
    x = Value(x0)
    d1 = grad(f(x), x, create_graph=True)
    d2 = grad(d1, x, create_graph=True)
    d3 = grad(d2, x)
    assert isinstance(d1, Value) and isinstance(d2, Value)
    for got, want in zip([d1.data, d2.data, d3], expected):
        assert math.isclose(got, want, rel_tol=1e-12), (name, got, want)


def test_mixed_second_derivative():
    x, y = Value(0.3), Value(-1.2)
    f = (x * y).sigmoid() * x
    dx = grad(f, x, create_graph=True)
    dxy = grad(dx, y)
    # f = x σ(xy);  ∂f/∂x = σ + x y σ';  ∂²f/∂x∂y = x σ' + x σ' + x y x σ''
    s = 1 / (1 + math.exp(0.36))
    sp = s * (1 - s)
    spp = sp * (1 - 2 * s)
    assert math.isclose(dxy, 2 * 0.3 * sp + 0.3 * -1.2 * 0.3 * spp, rel_tol=1e-12)


# --- no_grad ---------------------------------------------------------------------


def test_no_grad_records_nothing_and_nests():
    a = Value(2.0)
    with no_grad():
        b = a * 3
        with no_grad():
            c = b + 1
        d = c.exp()
    e = a * 3
    assert b.is_leaf and c.is_leaf and d.is_leaf and d.data == math.exp(7.0)
    assert e.parents == (e.parents[0], e.parents[1]) and not e.is_leaf


def test_no_grad_is_per_thread():
    results = {}
    inside = threading.Event()
    release = threading.Event()

    def worker():
        with no_grad():
            inside.set()
            release.wait(5)
            results["worker"] = (Value(1.0) * 2).is_leaf

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    results["main"] = (Value(1.0) * 2).is_leaf  # the other thread's no_grad does not leak here
    release.set()
    t.join()
    assert results == {"main": False, "worker": True}


# --- gradcheck -------------------------------------------------------------------


def test_gradcheck_reports_the_input_and_both_numbers():
    a, b = Value(0.5, "alpha"), Value(2.0, "beta")
    assert gradcheck(lambda a, b: a * b, [a, b])

    def bad(a, b):
        # records a*b at the point itself, but its value elsewhere grows as
        # 1000·a·(a − 0.5): the slope the finite differences see is 2 + 500
        out = a * b
        return out if a.data == 0.5 else out + a * (a.data - 0.5) * 1e3

    with pytest.raises(GradcheckError) as info:
        gradcheck(bad, [a, b])
    message = str(info.value)
    assert "input 0 (alpha)" in message
    assert "analytic 2.0" in message and "numerical" in message
    assert gradcheck(bad, [a, b], raise_exception=False) is False


# --- errors ------------------------------------------------------------------------


def test_log_of_non_positive_names_operation_value_and_node():
    with pytest.raises(ValueError, match=r"log .*log\(z_h1 = -0.5\)"):
        Value(-0.5, name="z_h1").log()
    with pytest.raises(ValueError, match=r"log\(0.0\)"):
        Value(0.0).log()


def test_zero_to_a_negative_power():
    with pytest.raises(ZeroDivisionError, match=r"0 cannot be raised to a negative power: \(x = 0.0\) \*\* \(-1.0\)"):
        Value(0.0, "x") ** -1
    with pytest.raises(ZeroDivisionError, match="negative power"):
        Value(0.0) ** Value(-2.0)


def test_negative_base_with_fractional_exponent():
    with pytest.raises(ValueError, match=r"negative base .*\(b = -8.0\) \*\* \(0.5\)"):
        Value(-8.0, "b") ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0  # integer exponents are fine


def test_exp_overflow_names_the_operation():
    with pytest.raises(OverflowError, match=r"exp overflows .*exp\(z = 1000.0\)"):
        Value(1000.0, "z").exp()
    with pytest.raises(OverflowError, match=r"\*\*"):
        Value(10.0) ** 400


def test_division_by_zero_names_the_operands():
    with pytest.raises(ZeroDivisionError, match=r"division by zero: \(a = 1.0\) / \(b = 0.0\)"):
        Value(1.0, "a") / Value(0.0, "b")


def test_sigmoid_and_tanh_never_overflow():
    assert Value(-1000).sigmoid().data == 0.0
    assert Value(1000).sigmoid().data == 1.0
    assert Value(-1e308).sigmoid().data == 0.0
    assert Value(1e308).tanh().data == 1.0
    x = Value(-1000.0)
    s = x.sigmoid()
    s.backward()
    assert x.grad == 0.0


def test_nan_propagates():
    nan = float("nan")
    for f in (lambda v: v.sigmoid(), lambda v: v.tanh(), lambda v: v.exp(), lambda v: v.relu(), lambda v: v * 2, lambda v: v.log()):
        assert math.isnan(f(Value(nan)).data)


# --- memory: no reference cycle per node -------------------------------------------


def test_dropped_graph_is_freed_by_reference_counting():
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        y = x
        for _ in range(1000):
            y = (y * 1.01 + 0.1).tanh()
        y.backward()
        grad(y, x, create_graph=True)
        del x, y
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        gc.enable()


# --- seed 001, written directly with Values -----------------------------------------


def rounds_to(value, printed: str) -> bool:
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return abs(round(value, decimals) - float(printed)) < 0.5 * 10**-decimals * 1e-6 + 1e-15


def test_seed_001_network_reproduces_the_document():
    x1, x2 = Value(0.05, "x1"), Value(0.10, "x2")
    w1, w2, w3, w4 = (Value(v, f"w{i}") for i, v in enumerate([0.15, 0.20, 0.25, 0.30], 1))
    w5, w6 = Value(0.40, "w5"), Value(0.45, "w6")
    b1, b2 = Value(0.35, "b1"), Value(0.60, "b2")
    z_h1 = x1 * w1 + x2 * w2 + b1
    z_h2 = x1 * w3 + x2 * w4 + b1  # one bias shared by both hidden neurons
    a_h1, a_h2 = z_h1.sigmoid(), z_h2.sigmoid()
    z_out = a_h1 * w5 + a_h2 * w6 + b2
    y_hat = z_out.sigmoid()
    loss = 0.5 * (0.01 - y_hat) ** 2
    loss.backward()

    printed = {
        "z_h1": (z_h1.data, "0.3775"), "z_h2": (z_h2.data, "0.3925"),
        "a_h1": (a_h1.data, "0.5933"), "a_h2": (a_h2.data, "0.5969"),
        "z_out": (z_out.data, "1.1059"), "y_hat": (y_hat.data, "0.7514"),
        "loss": (loss.data, "0.2748"), "dL/dy_hat": (y_hat.grad, "0.7414"),
        "dL/dz_out = dL/db2": (z_out.grad, "0.1385"), "b2": (b2.grad, "0.1385"),
        "w5": (w5.grad, "0.0822"), "w6": (w6.grad, "0.0827"),
        "w1": (w1.grad, "0.00067"), "w3": (w3.grad, "0.00075"), "w4": (w4.grad, "0.00150"),
        "b1": (b1.grad, "0.0284"), "b1 via h1": (z_h1.grad, "0.0134"), "b1 via h2": (z_h2.grad, "0.0150"),
        "dL/da_h1": (a_h1.grad, "0.0554"), "dL/da_h2": (a_h2.grad, "0.0623"),
    }
    for what, (value, text) in printed.items():
        assert rounds_to(value, text), (what, value, text)
    # the document's w2 = 0.0134 * 0.10 ≈ 0.00135 comes from a rounded intermediate: true 0.0013368
    assert rounds_to(w2.grad, "0.00134") and abs(w2.grad - 0.00135) / w2.grad < 0.01
    # the update tables: w ← w − 0.5·∂L/∂w
    new = {p.name: p.data - 0.5 * p.grad for p in (w1, w2, w3, w4, w5, w6, b1, b2)}
    for name, text in {"w4": "0.29925", "w3": "0.249625", "b1": "0.3358"}.items():
        assert rounds_to(new[name], text), (name, new[name], text)
    # these the document computed from rounded gradients: within 0.01 % of the truth
    for name, text in {"w6": "0.40865", "w5": "0.35890", "w2": "0.199325", "w1": "0.149665", "b2": "0.5307"}.items():
        assert abs(new[name] - float(text)) / new[name] < 1e-4, (name, new[name], text)

"""Numerical edges: every primitive and loss at ±1e3, ±1e308, subnormals, ±0, ±inf and NaN.

The documented results (x is a leaf ``Value``, "grad" is d/dx from ``backward()``):

=======================  ==========================  =====================  =====================
expression               x                           value                  grad
=======================  ==========================  =====================  =====================
sigmoid(x)               -1e3, -1e308, -inf          0.0                    0.0
sigmoid(x)               1e3, 1e308, inf             1.0                    0.0 (e⁻ˣ underflows)
sigmoid(x)               40                          1.0 (rounded)          4.25e-18 = σ(x)·σ(−x)
sigmoid(x)               ±0, ±5e-324 (subnormal)     0.5                    0.25
sigmoid(x)               -745                        5e-324 (subnormal)     5e-324
tanh(x)                  ±1e3, ±1e308, ±inf          ±1.0                   0.0 (e⁻²|ˣ| underflows)
tanh(x)                  ±20                         ±1.0 (rounded)         1.70e-17 = sech² x
tanh(x)                  ±0, ±5e-324                 x (sign of 0 kept)     1.0
exp(x)                   -1e3, -1e308, -inf          0.0                    0.0
exp(x)                   -745                        5e-324                 5e-324
exp(x)                   ±0, 5e-324                  1.0                    1.0
exp(x)                   709                         8.2e307                8.2e307
exp(x)                   710, 1e3, 1e308             OverflowError naming exp (e^x > 1.8e308)
exp(x)                   inf                         inf                    inf
log(x)                   0, -0.0, -1, -inf           ValueError naming log (defined for x > 0)
log(x)                   5e-324                      -744.44                inf (true 2e323 > 1.8e308)
log(x)                   1e308                       709.20                 1e-308
log(x)                   inf                         inf                    0.0
relu(x)                  ±0, -5e-324, -1e308, -inf   0.0                    0.0
relu(x)                  5e-324, 1e308, inf          x                      1.0
x ** 0.5                 ±0                          0.0                    inf (one-sided slope)
x ** 0.5                 -1e3, -5e-324               ValueError (negative base, fractional exponent)
x ** 2                   1e308                       OverflowError naming **
x ** 2                   5e-324                      0.0 (underflow)        1e-323
x ** 0                   0, nan, ±inf                1.0                    0.0 (x⁰ ≡ 1)
x ** -1                  0                           ZeroDivisionError (0 to a negative power)
x ** -1                  2.2e-308                    4.5e307                -inf (true -2e615)
x ** -1                  inf                         0.0                    0.0
2 ** x                   -1e308                      0.0                    0.0
2 ** x                   1e308                       OverflowError naming **
x ** x                   5e-324                      1.0                    -743.44 (= ln x + 1)
x ** x                   0                           1.0                    -inf (one-sided: ln x + 1)
1 / x                    0                           ZeroDivisionError naming the operands
1 / x                    5e-324                      inf (IEEE overflow)    -inf
x + x                    1e308                       inf (IEEE overflow)    2.0
any primitive            nan                         nan                    nan
x ** 0, x + 1, 3 * x     nan                         1.0, nan, nan          0.0, 1.0, 3.0 (slopes
                                                                            that do not depend on x)
=======================  ==========================  =====================  =====================

Second derivatives (``grad(grad(f, x, create_graph=True), x)``) agree with
the floats: d²/dx² x^0.5 at 0 is -inf; 0 ** x (x > 0) has slope 0.

Losses (one prediction against target y; d/dz or d/dp from ``backward()``):

=======================================  =====================  ===================  ============
loss                                     z or p                 value                grad
=======================================  =====================  ===================  ============
binary_cross_entropy_with_logits, y=1    1e3, 1e308             0.0                  0.0
binary_cross_entropy_with_logits, y=1    -1e3, -1e308           -z (= 1e3, 1e308)    -1.0
binary_cross_entropy_with_logits, y=0    1e3, 1e308             z                    1.0
binary_cross_entropy_with_logits, y=0    -1e3, -1e308           0.0                  0.0
binary_cross_entropy_with_logits, y      ±0, ±5e-324            ln 2                 0.5 − y
binary_cross_entropy_with_logits, y=1    30                     9.36e-14 ± 2e-16     -9.36e-14 ± 2e-16
binary_cross_entropy_with_logits         nan                    nan                  nan
binary_cross_entropy_with_logits, y=1    inf                    nan (limit 0: open)  0.0
binary_cross_entropy, y=1                0, -0.0, 1e3, ±inf     ValueError pointing to the logits version
binary_cross_entropy, y=1                5e-324                 744.44               -inf (true -2e323)
squared_error / mse, y=1                 1e3                    499000.5 / 998001    999 / 1998
squared_error / mse, y=1                 ±1e308                 OverflowError naming **
hinge, y=1                               1e3, 1e308             0.0                  0.0
hinge, y=1                               -1e3                   1001.0               -1.0
hinge, y=1                               nan                    nan                  nan
=======================================  =====================  ===================  ============

In short: no primitive overflows inside (sigmoid and tanh saturate to exact 0,
±1; their slopes keep full relative precision until they underflow, as
σ(x)·σ(−x) and sech² x), NaN in gives NaN out (value and gradient), infinities follow
IEEE rules, and a result or slope beyond the float range is an error naming
the operation when it is a forward value of exp or **, and ±inf when it is a
slope.  Every expected number below is a mathematical fact about the point
(a limit, a closed form, or a ``math`` function), not an engine output.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad

inf, nan = math.inf, math.nan
TINY = 5e-324  # the smallest subnormal
NORMAL_MIN = 2.2250738585072014e-308


@dataclass(frozen=True)
class Raises:
    error: type
    words: str  # a regex the one-line message must match


@dataclass(frozen=True)
class Case:
    label: str
    f: Callable[[Value], Value]
    x: float
    value: Any  # a float or Raises
    grad: float = nan


def same(actual: float, expected: float) -> bool:
    """Equal as numbers, nan equal to nan, within 2 ulp-ish for computed references."""
    if math.isnan(expected):
        return math.isnan(actual)
    return math.isclose(actual, expected, rel_tol=1e-15, abs_tol=0.0) or actual == expected


sigmoid = lambda v: v.sigmoid()  # noqa: E731
tanh = lambda v: v.tanh()  # noqa: E731
exp = lambda v: v.exp()  # noqa: E731
log = lambda v: v.log()  # noqa: E731
relu = lambda v: v.relu()  # noqa: E731

PRIMITIVES = [
    *[Case("sigmoid", sigmoid, x, 0.0, 0.0) for x in (-1e3, -1e308, -inf)],
    *[Case("sigmoid", sigmoid, x, 1.0, 0.0) for x in (1e3, 1e308, inf)],
    Case("sigmoid", sigmoid, 40.0, 1.0, math.exp(-40.0) / (1 + math.exp(-40.0)) ** 2),  # σ' = e⁻ˣ/(1+e⁻ˣ)²
    *[Case("sigmoid", sigmoid, x, 0.5, 0.25) for x in (0.0, -0.0, TINY, -TINY)],
    Case("sigmoid", sigmoid, -745.0, TINY, TINY),  # σ(x) = eˣ/(1+eˣ) = eˣ in floats
    Case("sigmoid", sigmoid, 20.0, 1 / (1 + math.exp(-20.0)), math.exp(-20.0) / (1 + math.exp(-20.0)) ** 2),
    *[Case("tanh", tanh, s * x, s * 1.0, 0.0) for x in (1e3, 1e308, inf) for s in (1, -1)],
    *[Case("tanh", tanh, x, math.copysign(1.0, x), 4 / (math.exp(20.0) + math.exp(-20.0)) ** 2) for x in (20.0, -20.0)],
    *[Case("tanh", tanh, x, x, 1.0) for x in (0.0, -0.0, TINY, -TINY)],
    *[Case("exp", exp, x, 0.0, 0.0) for x in (-1e3, -1e308, -inf)],
    Case("exp", exp, -745.0, TINY, TINY),
    *[Case("exp", exp, x, 1.0, 1.0) for x in (0.0, -0.0, TINY)],
    Case("exp", exp, 709.0, math.exp(709.0), math.exp(709.0)),
    *[Case("exp", exp, x, Raises(OverflowError, r"^exp overflows.*exp\(")) for x in (710.0, 1e3, 1e308)],
    Case("exp", exp, inf, inf, inf),
    *[Case("log", log, x, Raises(ValueError, r"^log is defined only for values > 0: log\(")) for x in (0.0, -0.0, -1.0, -inf, -TINY)],
    Case("log", log, TINY, math.log(TINY), inf),
    Case("log", log, NORMAL_MIN, math.log(NORMAL_MIN), 1 / NORMAL_MIN),
    Case("log", log, 1e308, math.log(1e308), 1e-308),
    Case("log", log, 1e3, math.log(1e3), 1e-3),
    Case("log", log, inf, inf, 0.0),
    *[Case("relu", relu, x, 0.0, 0.0) for x in (0.0, -0.0, -TINY, -1e308, -inf)],
    *[Case("relu", relu, x, x, 1.0) for x in (TINY, 1e308, inf)],
    *[Case("x ** 0.5", lambda v: v**0.5, x, 0.0, inf) for x in (0.0, -0.0)],
    Case("x ** 0.5", lambda v: v**0.5, TINY, math.sqrt(TINY), 0.5 / math.sqrt(TINY)),
    Case("x ** 0.5", lambda v: v**0.5, inf, inf, 0.0),
    *[Case("x ** 0.5", lambda v: v**0.5, x, Raises(ValueError, r"negative base needs an integer exponent")) for x in (-1e3, -TINY, -inf)],
    Case("x ** 2", lambda v: v**2, 1e308, Raises(OverflowError, r"^\*\* overflows the float range")),
    Case("x ** 2", lambda v: v**2, -1e308, Raises(OverflowError, r"^\*\* overflows the float range")),
    Case("x ** 2", lambda v: v**2, TINY, 0.0, 2 * TINY),
    Case("x ** 2", lambda v: v**2, 1e3, 1e6, 2e3),
    Case("x ** 2", lambda v: v**2, -inf, inf, -inf),
    Case("x ** 3", lambda v: v**3, -2.0, -8.0, 12.0),
    *[Case("x ** 0", lambda v: v**0, x, 1.0, 0.0) for x in (0.0, -0.0, nan, inf, -inf, 1e308)],
    Case("x ** 1", lambda v: v**1, 0.0, 0.0, 1.0),
    Case("x ** -1", lambda v: v**-1, 0.0, Raises(ZeroDivisionError, r"^0 cannot be raised to a negative power")),
    Case("x ** -1", lambda v: v**-1, NORMAL_MIN, 1 / NORMAL_MIN, -inf),
    Case("x ** -1", lambda v: v**-1, -NORMAL_MIN, -1 / NORMAL_MIN, -inf),
    Case("x ** -2", lambda v: v**-2, -1e-154, 1e308, inf),  # slope -2x⁻³ = +2e462
    Case("x ** -1", lambda v: v**-1, inf, 0.0, 0.0),
    Case("x ** -1", lambda v: v**-1, 1e3, 1e-3, -1e-6),
    Case("2 ** x", lambda v: 2**v, -1e308, 0.0, 0.0),
    Case("2 ** x", lambda v: 2**v, 1e3, 2.0**1000, 2.0**1000 * math.log(2)),
    Case("2 ** x", lambda v: 2**v, 1e308, Raises(OverflowError, r"^\*\* overflows the float range")),
    Case("x ** x", lambda v: v**v, TINY, 1.0, math.log(TINY) + 1.0),
    Case("x ** x", lambda v: v**v, 0.0, 1.0, -inf),  # ∂/∂a = 0 (b = 0), ∂/∂b = lim ln a = -inf
    Case("x ** x", lambda v: v**v, -1e3, 0.0, nan),  # not real-valued near a negative base
    Case("1 / x", lambda v: 1 / v, 0.0, Raises(ZeroDivisionError, r"^division by zero: \(1\.0\) / \(x = 0\.0\)$")),
    Case("1 / x", lambda v: 1 / v, TINY, inf, -inf),
    Case("1 / x", lambda v: 1 / v, 1e308, 1e-308, -1e-308 / 1e308),
    Case("x + x", lambda v: v + v, 1e308, inf, 2.0),
    Case("x * x", lambda v: v * v, TINY, 0.0, 2 * TINY),
    Case("x - x", lambda v: v - v, inf, nan, 0.0),  # inf − inf; the slope 1 − 1 is still 0
    *[Case(name, f, nan, nan, nan) for name, f in [
        ("sigmoid", sigmoid), ("tanh", tanh), ("exp", exp), ("log", log), ("relu", relu),
        ("x ** 2", lambda v: v**2), ("x ** 0.5", lambda v: v**0.5), ("2 ** x", lambda v: 2**v),
        ("1 / x", lambda v: 1 / v), ("x ** x", lambda v: v**v), ("x * x", lambda v: v * v),
    ]],
    Case("x * 3", lambda v: v * 3, nan, nan, 3.0),  # the slope of 3x does not depend on x
    Case("x + 1", lambda v: v + 1, nan, nan, 1.0),
]


@pytest.mark.parametrize("case", PRIMITIVES, ids=lambda c: f"{c.label} at {c.x!r}")
def test_primitive_at_the_edges(case: Case) -> None:
    x = Value(case.x, name="x")
    if isinstance(case.value, Raises):
        with pytest.raises(case.value.error) as info:
            case.f(x)
        message = str(info.value)
        assert "\n" not in message and re.search(case.value.words, message), message
        return
    out = case.f(x)
    assert same(out.data, case.value), (out.data, case.value)
    if case.value == 0.0 and case.x == 0.0 and case.label == "tanh":
        assert math.copysign(1.0, out.data) == math.copysign(1.0, case.x)  # tanh(-0.0) is -0.0
    out.backward()
    assert same(x.grad, case.grad), (x.grad, case.grad)


@pytest.mark.parametrize("case", [c for c in PRIMITIVES if not isinstance(c.value, Raises)],
                         ids=lambda c: f"{c.label} at {c.x!r}")
def test_grad_and_create_graph_give_the_same_edge_slopes(case: Case) -> None:
    x = Value(case.x)
    out = case.f(x)
    floats = grad(out, x)
    node = grad(out, x, create_graph=True)  # never raises where grad() gives a number
    assert same(floats, case.grad), (floats, case.grad)
    assert same(node.data, case.grad), (node.data, case.grad)


@pytest.mark.parametrize(
    "label, f, x, d1, d2",
    [
        ("x ** 0.5 at 0", lambda v: v**0.5, 0.0, inf, -inf),  # ½x^-½ → +inf, -¼x^-3/2 → -inf
        ("x ** 0.5 at 1e-300", lambda v: v**0.5, 1e-300, 0.5e150, -inf),  # -¼·1e450 is past the range
        ("x ** 1 at 0", lambda v: v**1, 0.0, 1.0, 0.0),
        ("x ** 2 at 0", lambda v: v**2, 0.0, 0.0, 2.0),
        ("x ** 0 at 0", lambda v: v**0, 0.0, 0.0, 0.0),
        ("0 ** x at 0.5", lambda v: 0.0**v, 0.5, 0.0, 0.0),  # 0^x = 0 for x > 0
        ("x ** -1 at 1e-200", lambda v: v**-1, 1e-200, -inf, inf),  # -x⁻², 2x⁻³ past the range
        ("sigmoid at -1000", sigmoid, -1e3, 0.0, 0.0),
        ("tanh at 1e308", tanh, 1e308, 0.0, 0.0),
        ("log at inf", log, inf, 0.0, -0.0),
    ],
)
def test_second_derivatives_at_the_edges(label: str, f: Callable, x: float, d1: float, d2: float) -> None:
    v = Value(x)
    first = grad(f(v), v, create_graph=True)
    assert same(first.data, d1), (label, first.data, d1)
    assert same(grad(first, v), d2), (label, grad(first, v), d2)


# --- every float, not only the listed ones ---------------------------------------

every_float = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
ERRORS = (OverflowError, ValueError, ZeroDivisionError)


@given(every_float)
def test_sigmoid_and_tanh_never_fail_and_stay_in_range(x: float) -> None:
    for f, low, high in ((sigmoid, 0.0, 1.0), (tanh, -1.0, 1.0)):
        v = Value(x)
        out = f(v)
        out.backward()
        if math.isnan(x):
            assert math.isnan(out.data) and math.isnan(v.grad)
        else:
            assert low <= out.data <= high and 0.0 <= v.grad <= (0.25 if f is sigmoid else 1.0)


@given(every_float, st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0, -1.0, -0.5, 1.5, -2.0]))
def test_primitives_give_a_number_or_a_one_line_error(x: float, k: float) -> None:
    """exp, log, ** and 1/x anywhere: a documented one-line error or a result whose
    value and slope are NaN only when the input is NaN (or the slope is documented NaN)."""
    for f in (exp, log, lambda v: v**k, lambda v: 1 / v, lambda v: k**v if k > 0 else v - k, relu):
        v = Value(x)
        try:
            out = f(v)
        except ERRORS as error:
            assert "\n" not in str(error) and str(error)
            continue
        out.backward()
        if not math.isnan(x):
            assert not math.isnan(out.data), (x, k, out.data)
            assert not math.isnan(v.grad), (x, k, v.grad)


@given(st.floats(min_value=-708.0, max_value=709.0))
def test_exp_and_log_are_inverse_with_reciprocal_slopes(x: float) -> None:
    v = Value(x)
    back = v.exp().log()
    back.backward()
    assert math.isclose(back.data, x, rel_tol=1e-15, abs_tol=1e-15)
    assert math.isclose(v.grad, 1.0, rel_tol=1e-15)  # d/dx ln(eˣ) = (1/eˣ)·eˣ = 1


# --- the losses ------------------------------------------------------------------------


def softplus(x: float) -> float:
    """ln(1 + eˣ) in floats without overflow: max(x, 0) + ln(1 + e^−|x|)."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def bce_logits_reference(z: float, y: float) -> tuple[float, float]:
    # L = −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = y·softplus(−z) + (1 − y)·softplus(z);  L' = σ(z) − y
    value = (y * softplus(-z) if y else 0.0) + ((1.0 - y) * softplus(z) if y != 1.0 else 0.0)
    slope = -logistic(-z) if y == 1.0 else logistic(z) - y  # σ(z) − 1 = −σ(−z), without cancelling
    return value, slope


LOGITS = [1e3, -1e3, 1e308, -1e308, 0.0, -0.0, TINY, -TINY, 30.0, -30.0, 745.0, -745.0]


@pytest.mark.parametrize("y", [1.0, 0.0, 0.3])
@pytest.mark.parametrize("z", LOGITS)
def test_bce_with_logits_is_finite_for_every_finite_logit(z: float, y: float) -> None:
    losses = pytest.importorskip("nn.losses", reason="nn/losses.py is not present")
    x = Value(z)
    loss = losses.binary_cross_entropy_with_logits(x, y)
    loss.backward()
    value, slope = bce_logits_reference(z, y)
    assert math.isfinite(loss.data) and math.isfinite(x.grad)
    # ln(1 + e^−|z|) is the engine's log of (1 + e^−|z|), not a log1p, and the slope sums
    # 1 − y with −σ(−z): both are exact to ~1 ulp of 1.0 (2.2e-16) absolute, not relative
    assert math.isclose(loss.data, value, rel_tol=1e-14, abs_tol=2.3e-16), (loss.data, value)
    assert math.isclose(x.grad, slope, rel_tol=1e-14, abs_tol=2.3e-16), (x.grad, slope)


def test_bce_with_logits_propagates_nan() -> None:
    losses = pytest.importorskip("nn.losses", reason="nn/losses.py is not present")
    x = Value(nan)
    loss = losses.binary_cross_entropy_with_logits(x, 1.0)
    loss.backward()
    assert math.isnan(loss.data) and math.isnan(x.grad)


@pytest.mark.parametrize("z, y", [(inf, 1.0), (-inf, 0.0)])
def test_bce_with_logits_at_infinite_logits_takes_the_limit(z: float, y: float) -> None:
    losses = pytest.importorskip("nn.losses", reason="nn/losses.py is not present")
    x = Value(z)
    loss = losses.binary_cross_entropy_with_logits(x, y)
    loss.backward()
    assert loss.data == 0.0 and x.grad == 0.0


@pytest.mark.parametrize("p", [0.0, -0.0, 1.0 + 1e-15, 1e3, inf, -inf, nan, -TINY])
def test_bce_on_probabilities_outside_the_open_interval_is_a_one_line_error(p: float) -> None:
    losses = pytest.importorskip("nn.losses", reason="nn/losses.py is not present")
    with pytest.raises(ValueError) as info:
        losses.binary_cross_entropy(Value(p), 1.0)
    message = str(info.value)
    assert "\n" not in message and "binary_cross_entropy_with_logits" in message, message


def test_bce_of_a_saturated_sigmoid_points_to_the_logits_version() -> None:
    losses = pytest.importorskip("nn.losses", reason="nn/losses.py is not present")
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits"):
        losses.binary_cross_entropy(Value(-1e3).sigmoid(), 1.0)  # σ(−1000) = 0.0: ln 0


@pytest.mark.parametrize(
    "p, y, value, slope",
    [
        (TINY, 1.0, -math.log(TINY), -inf),  # −ln p = 744.44; −1/p = −2e323 is past the range
        (0.5, 1.0, math.log(2.0), -2.0),
        (1.0 - 2.0**-53, 0.0, -math.log(2.0**-53), 2.0**53),  # −ln(1 − p), 1/(1 − p)
    ],
)
def test_bce_near_the_ends_of_the_interval(p: float, y: float, value: float, slope: float) -> None:
    losses = pytest.importorskip("nn.losses", reason="nn/losses.py is not present")
    x = Value(p)
    loss = losses.binary_cross_entropy(x, y)
    loss.backward()
    assert math.isclose(loss.data, value, rel_tol=1e-15) and same(x.grad, slope), (loss.data, x.grad)


@pytest.mark.parametrize(
    "name, p, value, slope",
    [
        ("squared_error", 1e3, 0.5 * 999.0**2, 999.0),  # ½(y − p)², slope p − y
        ("squared_error", -1e3, 0.5 * 1001.0**2, -1001.0),
        ("squared_error", TINY, 0.5, -1.0),
        ("squared_error", nan, nan, nan),
        ("mse", 1e3, 999.0**2, 2 * 999.0),  # (y − p)², slope 2(p − y)
        ("mse", -0.0, 1.0, -2.0),
        ("mse", nan, nan, nan),
        ("hinge", 1e3, 0.0, 0.0),  # max(0, 1 − y·s) with y = 1
        ("hinge", 1e308, 0.0, 0.0),
        ("hinge", -1e3, 1001.0, -1.0),
        ("hinge", -1e308, 1e308, -1.0),
        ("hinge", nan, nan, nan),
    ],
)
def test_regression_losses_at_the_edges(name: str, p: float, value: float, slope: float) -> None:
    losses = pytest.importorskip("nn.losses", reason="nn/losses.py is not present")
    x = Value(p)
    loss = getattr(losses, name)(x, 1.0)
    loss.backward()
    assert same(loss.data, value) and same(x.grad, slope), (loss.data, x.grad)


@pytest.mark.parametrize("name", ["squared_error", "mse"])
@pytest.mark.parametrize("p", [1e308, -1e308])
def test_squared_losses_past_the_float_range_name_the_power(name: str, p: float) -> None:
    losses = pytest.importorskip("nn.losses", reason="nn/losses.py is not present")
    with pytest.raises(OverflowError) as info:
        getattr(losses, name)(Value(p), 1.0)
    assert "\n" not in str(info.value) and str(info.value).startswith("** overflows the float range")


@given(st.floats(min_value=-745.0, max_value=745.0))
def test_saturating_slopes_keep_full_relative_precision(x: float) -> None:
    """σ'(x) = e^−|x| / (1 + e^−|x|)² and tanh'(x) = 4e^−2|x| / (1 + e^−2|x|)², evaluated
    without cancellation, against both backward passes (float and graph-building)."""
    e = math.exp(-abs(x))
    e2 = e * e
    for f, slope in ((sigmoid, e / (1.0 + e) ** 2), (tanh, 4.0 * e2 / (1.0 + e2) ** 2)):
        v = Value(x)
        out = f(v)
        out.backward()
        w = Value(x)
        d1 = grad(f(w), w, create_graph=True)
        tol = 1e-14 * slope if slope > 1e-290 else 1e-300  # subnormal slopes: absolute
        assert abs(v.grad - slope) <= tol, (f, x, v.grad, slope)
        assert abs(d1.data - slope) <= tol, (f, x, d1.data, slope)

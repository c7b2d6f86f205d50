"""The rule table: every primitive's local derivatives, written once.

Each rule takes the node's output and its parents, ``rule(out, *parents)``,
and returns one local derivative ∂out/∂parent per parent.  The rules use only
arithmetic and the helpers below, so the same rule runs on plain floats (the
fast backward pass) and on ``Value`` nodes (the graph-building backward pass
of ``grad(..., create_graph=True)``, which gives higher-order derivatives).
Constant operands (plain numbers the user mixed in) arrive as floats, unless
``grad`` was asked for the derivative with respect to that constant node.

A slope with no real value (∂(a^b)/∂b for a base a < 0, relu' at nan) is
``undefined(...)``: nan, and on Values a node whose own slopes are nan, so
that NaN in gives NaN out at every order of differentiation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeVar
from collections.abc import Callable, Sequence

#: A rule: ``rule(out, *parents)`` -> one local derivative per parent (floats
#: on floats, Values or floats on Values).
Rule = Callable[..., Sequence[Any]]
R = TypeVar("R", bound=Rule)


def log(x: Any) -> Any:
    """Natural log of a float or a Value."""
    return math.log(x) if isinstance(x, float) else x.log()


def exp_of(x: Any) -> Any:
    """e ** x of a float or a Value."""
    return math.exp(x) if isinstance(x, float) else x.exp()


def data(x: Any) -> float:
    """The number behind a float or a Value."""
    return x if isinstance(x, float) else x.data


def power(base: Any, exponent: Any) -> Any:
    """base ** exponent; on floats, 0 ** negative is +inf (an infinite slope), and
    a result past the float range is ±inf (a slope too steep for a float)."""
    if isinstance(base, float) and isinstance(exponent, float):
        try:
            return base**exponent
        except ZeroDivisionError:
            return math.inf
        except OverflowError:  # e.g. the slope of x⁻¹ at 1e-300 is -1e600
            return -math.inf if base < 0.0 and exponent % 2.0 == 1.0 else math.inf
    try:
        return base**exponent
    except (ZeroDivisionError, OverflowError):
        # the same infinite slope as a graph node (a ** b holding ±inf), so that
        # grad(..., create_graph=True) gives what grad() gives and can go on
        return infinite_power_node(base, exponent)


def times_power(k: Any, base: Any, exponent: Any) -> Any:
    """k · base ** exponent, also when base ** exponent alone overflows but the
    product does not (the slope of x^x at 5e-324 is 5e-324·(5e-324)⁻¹ ≈ 1)."""
    p = power(base, exponent)
    if math.isinf(data(p)) and data(base) > 0.0 and data(k) != 0.0 and math.isfinite(data(k)):
        magnitude = k if data(k) > 0.0 else -k
        try:  # |k|·base^exponent = e^(ln|k| + exponent·ln base)
            product = exp_of(log(magnitude) + exponent * log(base))
        except OverflowError:  # the product is past the float range too: ±inf
            return k * p
        return product if data(k) > 0.0 else -product
    return k * p


def undefined(*xs: Any) -> Any:
    """A slope with no real value at ``xs``: nan; with Values among ``xs``, a
    node holding nan over them, whose slope in each is itself (nan again)."""
    for x in xs:
        if not isinstance(x, float):
            return undefined_node(*xs)
    return math.nan


def _no_graph(*args: Any) -> Any:
    raise RuntimeError("autograd.value has not registered its node builders")


#: ``base ** exponent`` as a graph node holding ±inf, for ``power`` on Values,
#: and nan as a node over Values, for ``undefined``.  ``value.py`` sets both
#: when it loads (the rules never import the Value class).
infinite_power_node: Callable[[Any, Any], Any] = _no_graph
undefined_node: Callable[..., Any] = _no_graph


# --- how each primitive is shown --------------------------------------------------


@dataclass(frozen=True)
class Display:
    """How a primitive is written for people, declared beside its rule.

    ``symbol``: its label in a graph (×, σ); ``latex``: its LaTeX name (\\cdot,
    \\sigma); ``function``: the name a one-argument function has in worked-example
    expressions (``sigmoid``), None for an operator; ``local``: the textbook formula
    of ∂out/∂parent for each parent, over ``{out}`` and the parents ``{a}``, ``{b}``
    (None where it depends on more than a formula: constants, indexes); ``local_latex``:
    the same in LaTeX.
    """

    symbol: str
    latex: str
    function: str | None = None
    local: tuple[str | None, ...] = ()
    local_latex: tuple[str | None, ...] = ()


def shown(symbol: str, latex: str, function: str | None = None,
          local: tuple[str | None, ...] = (),
          local_latex: tuple[str | None, ...] = ()) -> Callable[[R], R]:
    """Declare a rule's display forms (read by ``Op.display``)."""
    def attach(rule: R) -> R:
        # setattr: a function's new attribute, which its Callable type does not declare
        setattr(rule, "display", Display(symbol, latex, function, local, local_latex))  # noqa: B010
        return rule
    return attach


# --- the rules: ∂out/∂parent for each parent, in parent order ----------------


@shown("+", "+", local=("1", "1"), local_latex=("1", "1"))
def add(out: Any, a: Any, b: Any) -> tuple[Any, Any]:  # out = a + b
    return 1.0, 1.0


@shown("−", "-", local=("1", "−1"), local_latex=("1", "-1"))
def sub(out: Any, a: Any, b: Any) -> tuple[Any, Any]:  # out = a - b
    return 1.0, -1.0


@shown("×", r"\cdot", local=("{b}", "{a}"), local_latex=("{b}", "{a}"))
def mul(out: Any, a: Any, b: Any) -> tuple[Any, Any]:  # out = a * b
    return b, a


@shown("÷", "/", local=("1/{b}", "−{a}/{b}²"),
       local_latex=(r"\frac{1}{{b}}", r"-\frac{{a}}{{b}^{2}}"))
def div(out: Any, a: Any, b: Any) -> tuple[Any, Any]:  # out = a / b:  ∂/∂a = 1/b,  ∂/∂b = -a/b² = -out/b
    return 1.0 / b, -out / b


@shown("−x", "-", local=("−1",), local_latex=("-1",))
def neg(out: Any, a: Any) -> tuple[Any]:  # out = -a
    return (-1.0,)


@shown("^", "^", local=(None, None), local_latex=(None, None))
def pow_const(out: Any, a: Any, k: Any) -> tuple[Any, Any]:  # out = a ** k, k a constant:  ∂/∂a = k·a^(k-1)
    # (∂/∂k is 0: the exponent is a constant, also when grad() is asked for it)
    if data(k) == 0.0:  # a⁰ ≡ 1: slope 0 everywhere, also at a = 0 (where 0·0⁻¹ would be nan)
        return 0.0, 0.0
    return times_power(k, a, k - 1.0), 0.0


@shown("^", "^", local=("{b}·{a}^({b} − 1)", "{out}·ln {a}"),
       local_latex=(r"{b}\,{a}^{{b} - 1}", r"{out}\ln {a}"))
def pow_value(out: Any, a: Any, b: Any) -> tuple[Any, Any]:  # out = a ** b:  ∂/∂a = b·a^(b-1),  ∂/∂b = out·ln a
    a_data, b_data = data(a), data(b)
    if a_data > 0.0:
        return times_power(b, a, b - 1.0), out * log(a)
    if a_data == 0.0 and b_data >= 0.0:  # the one-sided limits a → 0⁺, held as numbers
        if b_data == 0.0:
            # ∂/∂a: a⁰ ≡ 1, slope 0 (as for a ** 0.0; b·a^(b-1) would be 0·inf);
            # ∂/∂b: a⁰·ln a = ln a → -inf (also the quotient (0^h − 0^0)/h = -1/h)
            return 0.0, -math.inf
        return times_power(b, a, b - 1.0), 0.0  # ∂/∂b: a^b·ln a → 0 for b > 0
    # a < 0 (or 0 with b < 0, or nan): a^b is not real-valued near b, nor is ln a
    return times_power(b, a, b - 1.0), undefined(a, b)


@shown("exp", r"\exp", "exp", local=("{out}",), local_latex=("{out}",))
def exp(out: Any, a: Any) -> tuple[Any]:  # (e^a)' = e^a
    return (out,)


@shown("ln", r"\ln", "log", local=("1/{a}",), local_latex=(r"\frac{1}{{a}}",))
def log_rule(out: Any, a: Any) -> tuple[Any]:  # (ln a)' = 1/a
    return (1.0 / a,)


@shown("tanh", r"\tanh", "tanh", local=("(1 − {out}²)",),
       local_latex=(r"\left(1 - {out}^{2}\right)",))
def tanh(out: Any, a: Any) -> tuple[Any]:  # tanh' = 1 - tanh²
    if abs(data(a)) <= 0.5:
        return (1.0 - out * out,)
    # 1 − tanh² loses its digits as |tanh| → 1 (it is 0.0 past |a| = 19.1);
    # the same number as sech² a = (2e^−|a| / (1 + e^−2|a|))² keeps them
    e = exp_of(-a) if data(a) > 0.0 else exp_of(a)
    s = 2.0 * e / (1.0 + e * e)
    return (s * s,)


@shown("σ", r"\sigma", "sigmoid", local=("{out}·(1 − {out})",),
       local_latex=(r"{out}\left(1 - {out}\right)",))
def sigmoid(out: Any, a: Any) -> tuple[Any]:  # σ' = σ(1 - σ)
    if data(a) > 0.0:
        # 1 − σ loses its digits as σ → 1 (it is 0.0 past a = 36.7);
        # the same number as σ(−a) = e^−a / (1 + e^−a) keeps them
        e = exp_of(-a)
        return (out * (e / (1.0 + e)),)
    return (out * (1.0 - out),)


@shown("ReLU", r"\operatorname{relu}", "relu", local=(None,), local_latex=(None,))
def relu(out: Any, a: Any) -> tuple[Any]:  # relu' = 1 for a > 0, else 0 (0 at the kink, by convention); nan at nan
    x = data(a)
    return (1.0 if x > 0.0 else 0.0 if x <= 0.0 else undefined(a),)


@shown("Σ w·x + b", r"\sum", local=(), local_latex=())
def linear(out: Any, *parents: Any) -> list[Any]:
    # out = w1·x1 + w2·x2 + … + b, parents (w1, x1, w2, x2, …, b):
    # ∂out/∂wi = xi, ∂out/∂xi = wi, ∂out/∂b = 1
    grads: list[Any] = []
    for i in range(0, len(parents) - 1, 2):
        grads.append(parents[i + 1])
        grads.append(parents[i])
    grads.append(1.0)
    return grads


@shown("Σ", r"\sum", local=(), local_latex=())
def total(out: Any, *parents: Any) -> tuple[Any, ...]:  # out = p1 + p2 + … + pn
    return (1.0,) * len(parents)


@shown("undefined", r"\mathrm{NaN}", local=(), local_latex=())
def undefined_rule(out: Any, *parents: Any) -> tuple[Any, ...]:  # out = nan with no real slope: ∂out/∂p is out itself
    return (out,) * len(parents)

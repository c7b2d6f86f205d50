"""The rule table: every primitive's local derivatives, written once.

Each rule takes the node's output and its parents, ``rule(out, *parents)``,
and returns one local derivative ∂out/∂parent per parent.  The rules use only
arithmetic and the helpers below, so the same rule runs on plain floats (the
fast backward pass) and on ``Value`` nodes (the graph-building backward pass
of ``grad(..., create_graph=True)``, which gives higher-order derivatives).
Constant operands (plain numbers the user mixed in) always arrive as floats.
"""

from __future__ import annotations

import math
from typing import Any, Callable


def log(x: Any) -> Any:
    """Natural log of a float or a Value."""
    return math.log(x) if isinstance(x, float) else x.log()


def data(x: Any) -> float:
    """The number behind a float or a Value."""
    return x if isinstance(x, float) else x.data


def power(base: Any, exponent: Any) -> Any:
    """base ** exponent; on floats, 0 ** negative is +inf (an infinite slope)."""
    if isinstance(base, float) and isinstance(exponent, float):
        try:
            return base**exponent
        except ZeroDivisionError:
            return math.inf
    return base**exponent


# --- the rules: ∂out/∂parent for each parent, in parent order ----------------


def add(out, a, b):  # out = a + b
    return 1.0, 1.0


def sub(out, a, b):  # out = a - b
    return 1.0, -1.0


def mul(out, a, b):  # out = a * b
    return b, a


def div(out, a, b):  # out = a / b:  ∂/∂a = 1/b,  ∂/∂b = -a/b² = -out/b
    return 1.0 / b, -out / b


def neg(out, a):  # out = -a
    return (-1.0,)


def pow_const(out, a, k):  # out = a ** k, k a constant:  ∂/∂a = k·a^(k-1)
    return k * power(a, k - 1.0), 0.0


def pow_value(out, a, b):  # out = a ** b:  ∂/∂a = b·a^(b-1),  ∂/∂b = out·ln a
    a_data = data(a)
    if a_data > 0.0:
        d_b = out * log(a)
    elif a_data == 0.0 and data(b) > 0.0:
        d_b = 0.0  # lim a→0⁺ of a^b·ln a = 0 for b > 0
    else:
        d_b = math.nan  # a^b is not real-valued near b when a < 0
    return b * power(a, b - 1.0), d_b


def exp(out, a):  # (e^a)' = e^a
    return (out,)


def log_rule(out, a):  # (ln a)' = 1/a
    return (1.0 / a,)


def tanh(out, a):  # tanh' = 1 - tanh²
    return (1.0 - out * out,)


def sigmoid(out, a):  # σ' = σ(1 - σ)
    return (out * (1.0 - out),)


def relu(out, a):  # relu' = 1 for a > 0, else 0 (0 at the kink, by convention)
    return (1.0 if data(a) > 0.0 else 0.0,)


def linear(out, *parents):
    # out = w1·x1 + w2·x2 + … + b, parents (w1, x1, w2, x2, …, b):
    # ∂out/∂wi = xi, ∂out/∂xi = wi, ∂out/∂b = 1
    grads = []
    for i in range(0, len(parents) - 1, 2):
        grads.append(parents[i + 1])
        grads.append(parents[i])
    grads.append(1.0)
    return grads


def total(out, *parents):  # out = p1 + p2 + … + pn
    return (1.0,) * len(parents)


RuleFn = Callable[..., Any]

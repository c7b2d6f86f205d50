"""``gradcheck``: the engine's gradients against central finite differences.

For each input xᵢ the numerical slope is (f(xᵢ + ε) − f(xᵢ − ε)) / 2ε, with
the other inputs held fixed; it must agree with the analytic gradient within
``atol + rtol·|numerical|``.  A failure names the input and prints both.
"""

from __future__ import annotations

import math
from typing import Any
from collections.abc import Callable, Sequence

from .backprop import grad
from .recording import no_grad
from .value import Value


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with its finite-difference estimate."""


def _label(i: int, x: Any) -> str:
    name = getattr(x, "name", None)
    return f"input {i} ({name})" if name else f"input {i}"


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when ``f``'s gradients at ``inputs`` match finite differences.

    ``f`` takes one ``Value`` per input and returns a ``Value``; ``inputs`` are
    numbers or ``Value``s (their ``data`` and ``name`` are used).  On a
    mismatch raise ``GradcheckError`` (or return False with
    ``raise_exception=False``).
    """
    points = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    names = [x.name if isinstance(x, Value) else None for x in inputs]
    leaves = [Value(p, n) for p, n in zip(points, names)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    analytic = grad(out, leaves)

    def at(values: list[float]) -> float:
        with no_grad():
            # Value.data is a property over attrgetter (typed Any); it is always a float
            y: float = f(*[Value(v) for v in values]).data
        return y

    for i, x in enumerate(leaves):
        plus, minus = list(points), list(points)
        plus[i] += eps
        minus[i] -= eps
        numerical = (at(plus) - at(minus)) / (2.0 * eps)
        a = analytic[i]
        ok = math.isclose(a, numerical, rel_tol=0.0, abs_tol=atol + rtol * abs(numerical))
        if not ok:
            message = (
                f"gradcheck failed for {_label(i, x)} at {points[i]!r}: "
                f"analytic {a!r}, numerical {numerical!r} "
                f"(difference {abs(a - numerical):.3g} > atol + rtol*|numerical| = "
                f"{atol + rtol * abs(numerical):.3g})"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True

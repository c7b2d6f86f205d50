"""Input checks shared by the nn modules: each failure is one clear ValueError.

Every message says what was wrong and where (a layer, a parameter name, a
sample index), so a caller can show it to the user as it is.
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal
from typing import Any

from autograd import Value


def is_number(x: Any) -> bool:
    """True for a real number, False for bool, str, None, Value.

    A real number is any ``numbers.Real`` (int, float, Fraction, numpy's
    integer and float scalars) or a ``Decimal``.  A bool is refused although
    ``Value(True)`` is 1.0: where nn expects a number, True is a mistake.
    """
    return isinstance(x, (numbers.Real, Decimal)) and not isinstance(x, bool)


def real_number(x: Any, where: str, finite: bool = True) -> float:
    """``x`` as a float; ValueError naming ``where`` if it is not a real number.

    One rule for every number type: a number past the float range (an int
    of 400 digits, ``Decimal('1e400')``) is an error, never a silent inf;
    nan and ±inf themselves pass only when ``finite`` is False.
    """
    if not is_number(x):
        raise ValueError(f"{where}: expected a number, got {type(x).__name__} {x!r}")
    try:
        value = float(x)
    except OverflowError:
        value = math.inf
    except ValueError:  # Decimal('sNaN'): a signalling nan has no float
        raise ValueError(f"{where}: expected a number, got {type(x).__name__} {x!r}") from None
    if math.isinf(value) and not x == value:  # finite, but past ±1.8e308
        raise ValueError(f"{where}: the {type(x).__name__} is too large for a float (beyond ±1.8e308)")
    if finite and not math.isfinite(value):
        raise ValueError(f"{where}: expected a finite number, got {value!r}")
    return value


def finite_number(x: Any, where: str) -> float:
    """``x`` as a float; ValueError naming ``where`` if it is not a finite real number."""
    return real_number(x, where)


def positive_int(n: Any, where: str) -> int:
    """``n`` if it is an int >= 1, else a ValueError naming ``where``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{where}: expected a whole number >= 1, got {n!r}")
    return n


def sequence(x: Any, where: str) -> list:
    """``x`` as a list if it is a list or tuple, else a ValueError naming ``where``."""
    if not isinstance(x, (list, tuple)):
        raise ValueError(f"{where}: expected a list, got {type(x).__name__} {x!r}")
    return list(x)


def input_values(inputs: Any, nin: int, where: str) -> list[Value]:
    """The inputs of a forward pass as Values, checked for length and type.

    Numbers become leaf Values named x1, x2, … (one node per input, shared by
    every neuron that reads it); Values pass through unchanged.
    """
    if isinstance(inputs, Value) or is_number(inputs):
        inputs = [inputs]
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"{where}: inputs must be a list of numbers, got {type(inputs).__name__} {inputs!r}")
    if len(inputs) != nin:
        raise ValueError(f"{where}: expected {nin} input{'s' if nin != 1 else ''}, got {len(inputs)}")
    out = []
    for i, x in enumerate(inputs, start=1):
        if isinstance(x, Value):
            out.append(x)
        else:
            out.append(Value(finite_number(x, f"{where}: input x{i}"), name=f"x{i}"))
    return out

"""``Module``: what every network part shares (parameters, names, gradients, state).

A module lists its trainable ``Value``s in one documented, stable order;
each parameter's ``name`` is its dotted path (``layer1.neuron2.w1``), so
``named_parameters()`` and ``state_dict()`` need no bookkeeping of their own.
"""

from __future__ import annotations

from typing import Any, cast
from collections.abc import Mapping

from autograd import Value

from .checks import real_number


def _name(p: Value) -> str:
    """A parameter's dotted name (every parameter a module makes is named: ``layers.py``)."""
    return cast(str, p.name)


class Module:
    """Base class of ``Neuron``, ``Layer`` and ``MLP``."""

    def parameters(self) -> list[Value]:
        """The trainable Values, in the order the subclass documents."""
        return []

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, Value) pairs in ``parameters()`` order."""
        return [(_name(p), p) for p in self.parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (leaves accumulate across backward passes)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """{dotted name: value} in ``parameters()`` order.

        ``json.dumps`` keeps it bit for bit, nan and ±inf included (Python's
        json writes them as NaN and Infinity and reads them back), and
        ``load_state_dict`` takes back whatever this returns.
        """
        return {_name(p): p.data for p in self.parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from ``state`` (as made by ``state_dict``).

        The keys must be exactly this module's parameter names and each value
        a real number: an int, float, Fraction, Decimal or numpy scalar (any
        ``numbers.Real``, or a ``Decimal``), nan and ±inf included, as
        ``state_dict`` may write them.  A bool, a str or a number too large
        for a float is refused.  Otherwise a ValueError names the first wrong
        key and nothing is changed.
        """
        if not isinstance(state, Mapping):
            raise ValueError(f"state must be a dict of parameter names to numbers, got {type(state).__name__}")
        params = self.parameters()
        names = [_name(p) for p in params]
        known = set(names)
        for key in state:
            if key not in known:
                raise ValueError(
                    f"state has unknown parameter {key!r}: {type(self).__name__} has "
                    f"{len(names)} parameters, {names[0]} … {names[-1]}"
                )
        for name in names:
            if name not in state:
                raise ValueError(f"state is missing parameter {name!r}")
        values = [real_number(state[name], f"state[{name!r}]", finite=False) for name in names]
        for p, v in zip(params, values):
            p.data = v

"""Optimizers: turn each parameter's ``grad`` into a step on its ``data``.

  SGD             w ← w − η·∂L/∂w                      (the documents' rule)
  SGD, momentum   v ← μ·v + ∂L/∂w,  w ← w − η·v
  Adam            m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²,
                  w ← w − η·m̂ / (√v̂ + ε),  m̂ = m/(1 − β1ᵗ),  v̂ = v/(1 − β2ᵗ)

``step()`` reads the gradients left by ``loss.backward()``; ``zero_grad()``
clears them before the next backward pass (leaves accumulate).
"""

from __future__ import annotations

import math
from typing import Any
from collections.abc import Iterable

from autograd import Value

from .checks import is_number, real_number


def _rate(value: Any, what: str, low: float, high: float | None = None, low_open: bool = True) -> float:
    """``value`` as a float in its range, or a ValueError saying which setting and why."""
    if not is_number(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    value = real_number(value, what, finite=False)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    too_low = value <= low if low_open else value < low
    if too_low or (high is not None and value >= high):
        lo = f"> {low:g}" if low_open else f">= {low:g}"
        hi = f" and < {high:g}" if high is not None else ""
        raise ValueError(f"{what} must be {lo}{hi}, got {value!r}")
    return value


class Optimizer:
    """Holds the parameters (each Value once) and the learning rate ``lr`` (finite, > 0)."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        if isinstance(params, Value):
            params = [params]
        try:
            self.params = list(params)
        except TypeError:
            raise ValueError(f"{name}: params must be a list of Values, e.g. model.parameters()") from None
        if not self.params:
            raise ValueError(f"{name}: params is empty; pass model.parameters()")
        first: dict[int, int] = {}  # id -> position: a Value listed twice would be stepped twice
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise ValueError(f"{name}: params[{i}] is not a Value: {type(p).__name__} {p!r}")
            if id(p) in first:
                label = f" ({p.name})" if p.name is not None else ""
                raise ValueError(f"{name}: params[{i}]{label} is the same Value as params[{first[id(p)]}]; "
                                 "list each parameter once (it would be stepped twice)")
            first[id(p)] = i
        self.lr = _rate(lr, f"{name}: learning rate lr", 0.0)

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:  # pragma: no cover - every optimizer defines it
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr!r}, {len(self.params)} parameters)"


class SGD(Optimizer):
    """Gradient descent w ← w − η·∂L/∂w; with ``momentum`` μ > 0, steps along the velocity v."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _rate(momentum, "SGD: momentum", 0.0, 1.0, low_open=False)
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            for p in self.params:
                p.data = p.data - lr * p.grad  # w ← w − η·∂L/∂w
            return
        v = self.velocity
        for i, p in enumerate(self.params):
            v[i] = mu * v[i] + p.grad  # v ← μ·v + g
            p.data = p.data - lr * v[i]  # w ← w − η·v

    def __repr__(self) -> str:
        extra = f", momentum={self.momentum!r}" if self.momentum else ""
        return f"SGD(lr={self.lr!r}{extra}, {len(self.params)} parameters)"


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction; ``t`` counts the steps taken."""

    def __init__(self, params: Iterable[Value], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (list, tuple)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = _rate(betas[0], "Adam: beta1", 0.0, 1.0, low_open=False)
        self.beta2 = _rate(betas[1], "Adam: beta2", 0.0, 1.0, low_open=False)
        self.eps = _rate(eps, "Adam: eps", 0.0)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = 0

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1 = 1.0 - b1**self.t  # bias corrections
        c2 = 1.0 - b2**self.t
        for i, p in enumerate(self.params):
            g = p.grad
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g
            m_hat = self.m[i] / c1
            v_hat = self.v[i] / c2
            p.data = p.data - self.lr * m_hat / (math.sqrt(v_hat) + self.eps)

    def __repr__(self) -> str:
        return (f"Adam(lr={self.lr!r}, betas=({self.beta1!r}, {self.beta2!r}), eps={self.eps!r}, "
                f"{len(self.params)} parameters)")

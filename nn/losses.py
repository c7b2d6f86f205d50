"""Loss functions: one ``Value`` named ``loss`` from predictions and targets.

Every loss takes one sample or a batch, recognised by shape:
  - one output:            prediction a Value (or number), target a number;
  - one sample:            predictions [ŷ1, …, ŷk], targets [y1, …, yk];
  - a batch of n samples:  predictions [[…], …], targets [[…], …] (n lists each).
A model's output list fits as it is; a batch is a list of model outputs.

  squared_error   1/2 Σ (y − ŷ)², summed over outputs and samples (the documents' loss)
  mse             mean of (y − ŷ)² over outputs and samples
  binary_cross_entropy              mean of −[y·ln p + (1 − y)·ln(1 − p)], p in (0, 1)
  binary_cross_entropy_with_logits  the same from logits z (p = σ(z)), stable for any z
  hinge           mean of max(0, 1 − y·s) with labels y = ±1 (micrograd's demo)
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

from autograd import Value, sum_of

from .checks import finite_number, is_number

Pair = tuple[Value, float, str]  # (prediction, target, where: "sample 2, output 1")


def _pairs(loss: str, predictions: Any, targets: Any) -> list[Pair]:
    """Match predictions to targets one to one, or a ValueError naming the loss and position."""

    def pred(p: Any, where: str) -> Value:
        if isinstance(p, Value):
            return p
        return Value(finite_number(p, f"{loss}: prediction at {where}"))

    def one_sample(ps: Any, ts: Any, where: str) -> list[Pair]:
        if isinstance(ps, Value) or is_number(ps):  # one output: ŷ with y or [y]
            ps = [ps]
            if is_number(ts):
                ts = [ts]
        elif not isinstance(ps, (list, tuple)):
            raise ValueError(f"{loss}: predictions at {where} must be a list of Values or numbers, "
                             f"got {type(ps).__name__} {ps!r}")
        elif is_number(ts) and len(ps) == 1:  # [ŷ] with y
            ts = [ts]
        if not isinstance(ts, (list, tuple)):
            raise ValueError(f"{loss}: targets at {where} must be a list of numbers, got {type(ts).__name__} {ts!r}")
        if len(ps) != len(ts):
            raise ValueError(f"{loss}: {len(ps)} prediction{'s' if len(ps) != 1 else ''} but "
                             f"{len(ts)} target{'s' if len(ts) != 1 else ''} at {where}")
        if not ps:
            raise ValueError(f"{loss}: no predictions at {where}")
        out = []
        for k, (p, t) in enumerate(zip(ps, ts), start=1):
            at = f"{where}, output {k}"
            if isinstance(p, (list, tuple)):
                raise ValueError(f"{loss}: prediction at {at} is a list; a batch needs one list of targets per sample")
            out.append((pred(p, at), finite_number(t, f"{loss}: target at {at}"), at))
        return out

    is_batch = isinstance(predictions, (list, tuple)) and predictions and isinstance(predictions[0], (list, tuple))
    if not is_batch:
        return one_sample(predictions, targets, "sample 1")
    if not isinstance(targets, (list, tuple)):
        raise ValueError(f"{loss}: a batch of {len(predictions)} samples needs a list of targets, got {targets!r}")
    if len(predictions) != len(targets):
        raise ValueError(f"{loss}: {len(predictions)} samples of predictions but {len(targets)} of targets")
    out = []
    for i, (ps, ts) in enumerate(zip(predictions, targets), start=1):
        out += one_sample(ps, ts, f"sample {i}")
    return out


def _total(terms: list[Value]) -> Value:
    """t1 + … + tn as one node (the term itself when there is one)."""
    return terms[0] if len(terms) == 1 else sum_of(terms)


def _mean(terms: list[Value]) -> Value:
    total = _total(terms)
    return total if len(terms) == 1 else total / len(terms)


def _named(v: Value) -> Value:
    v.name = "loss"
    return v


def squared_error(predictions: Any, targets: Any) -> Value:
    """L = 1/2 Σ (y − ŷ)² over every output of every sample; ∂L/∂ŷ = ŷ − y."""
    terms = [(t - p) ** 2 for p, t, _ in _pairs("squared_error", predictions, targets)]
    return _named(0.5 * _total(terms))


def mse(predictions: Any, targets: Any) -> Value:
    """L = (1/N) Σ (y − ŷ)², the mean over all N outputs of all samples."""
    terms = [(t - p) ** 2 for p, t, _ in _pairs("mse", predictions, targets)]
    return _named(_mean(terms))


def binary_cross_entropy(probabilities: Any, targets: Any) -> Value:
    """L = mean of −[y·ln p + (1 − y)·ln(1 − p)]; targets in [0, 1].

    A term whose weight is 0 is left out (y = 1 needs only ln p), so p = 0 or
    1 is an error only where its logarithm is really needed.
    """
    terms = []
    for p, y, where in _pairs("binary_cross_entropy", probabilities, targets):
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"binary_cross_entropy: target at {where} must be in [0, 1], got {y!r}")
        if (y > 0.0 and p.data <= 0.0) or (y < 1.0 and p.data >= 1.0) or not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: probability at {where} is {p.data!r}, which makes the loss infinite "
                f"or undefined (it needs 0 < p < 1); use binary_cross_entropy_with_logits on the logits"
            )
        parts = []
        if y > 0.0:
            parts.append(p.log() if y == 1.0 else y * p.log())  # y·ln p
        if y < 1.0:
            log_q = (1.0 - p).log()  # ln(1 − p)
            parts.append(log_q if y == 0.0 else (1.0 - y) * log_q)
        terms.append(-(parts[0] if len(parts) == 1 else parts[0] + parts[1]))
    return _named(_mean(terms))


def binary_cross_entropy_with_logits(logits: Any, targets: Any) -> Value:
    """L = mean of max(z, 0) − z·y + ln(1 + e^−|z|): the cross-entropy of σ(z), stable for any z.

    The sign of z picks the branch, so e^(…) never overflows and there is no
    kink at z = 0:  z ≥ 0: (1 − y)·z + ln(1 + e^−z);  z < 0: −z·y + ln(1 + e^z).
    Both give ∂L/∂z = σ(z) − y.
    """
    terms = []
    for z, y, where in _pairs("binary_cross_entropy_with_logits", logits, targets):
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"binary_cross_entropy_with_logits: target at {where} must be in [0, 1], got {y!r}")
        if z.data >= 0.0:
            softplus = (1.0 + (-z).exp()).log()  # ln(1 + e^−z)
            # y = 1 drops the (1 − y)·z term: at z = +inf it would be 0·inf = nan
            terms.append(softplus if y == 1.0 else (1.0 - y) * z + softplus)
        else:
            softplus = (1.0 + z.exp()).log()  # ln(1 + e^z)
            terms.append(softplus if y == 0.0 else softplus - y * z)  # likewise at z = −inf
    return _named(_mean(terms))


def hinge(scores: Any, targets: Any) -> Value:
    """L = mean of max(0, 1 − y·s) with labels y = −1 or +1 (micrograd's SVM loss)."""
    terms = []
    for s, y, where in _pairs("hinge", scores, targets):
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge: label at {where} must be -1 or 1, got {y!r}")
        terms.append((1.0 - y * s).relu())
    return _named(_mean(terms))


#: Losses by name, for ``fit(loss="…")`` and command lines.
LOSSES: dict[str, Callable[[Any, Any], Value]] = {
    "squared_error": squared_error,
    "mse": mse,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "hinge": hinge,
}


def get_loss(loss: str | Callable[[Any, Any], Value]) -> Callable[[Any, Any], Value]:
    """A loss function from its name (one of ``LOSSES``) or the function itself."""
    if callable(loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]
    raise ValueError(f"unknown loss {loss!r}; valid losses are {', '.join(LOSSES)}")

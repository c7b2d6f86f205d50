"""Training: ``fit`` runs epochs of forward pass, loss, backward pass and step.

One epoch goes through ``data`` in order (no shuffling: runs are
deterministic), in consecutive batches of ``batch_size`` samples (all of them
by default), one optimizer step per batch.  Each epoch records the loss of
its forward pass, computed before that epoch's update, as the documents'
training loops print it.  ``log_every=N`` writes a line every N epochs and a
last line after training, in seed 002's format:

    Epoch 0, Loss: 0.063306, Prediction: 0.644173
    Final prediction: 0.974146

where "Final prediction" is the last epoch's forward-pass prediction.

Each step that builds a graph runs in ``autograd.collector_paused()``: the
cycle collector is off while the step's graph is built, walked and dropped,
and back as it was after the step, also when the step raises.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Protocol
from collections.abc import Callable, Sequence

from autograd import Value, collector_paused, record

from .checks import finite_number, is_number, positive_int
from .losses import get_loss
from .optim import SGD, Optimizer


@dataclass
class History:
    """What ``fit`` returns: one loss per epoch and the last forward pass's predictions."""

    losses: list[float] = field(default_factory=list)
    predictions: list[list[float]] = field(default_factory=list)  # one list per sample, last epoch

    @property
    def final_loss(self) -> float:
        return self.losses[-1]

    def __repr__(self) -> str:  # a notebook shows this, not every loss
        if not self.losses:
            return "History(0 epochs)"
        return (f"History({len(self.losses)} epochs, loss {self.losses[0]:.6g} at the start, "
                f"{self.losses[-1]:.6g} at the last epoch; final prediction "
                f"{_fmt(self.predictions) if self.predictions else '-'})")

    def _repr_html_(self) -> str:
        if not self.losses:
            return "<p>History: 0 epochs</p>"
        n = len(self.losses)
        shown = sorted({0, n // 4, n // 2, 3 * n // 4, n - 1})
        rows = "".join(f"<tr><td>{e}</td><td>{self.losses[e]:.6g}</td></tr>" for e in shown)
        return (f"<p>History: {n} epochs, loss {self.losses[0]:.6g} &rarr; "
                f"{self.losses[-1]:.6g}</p><table><thead><tr><th>epoch</th><th>loss</th>"
                f"</tr></thead><tbody>{rows}</tbody></table>")


def _fmt(predictions: list[list[float]]) -> str:
    """0.644173 for one output of one sample, else a (nested) list at 6 decimals."""
    rows = ["[" + ", ".join(f"{v:.6f}" for v in row) + "]" for row in predictions]
    if len(rows) == 1:
        return f"{predictions[0][0]:.6f}" if len(predictions[0]) == 1 else rows[0]
    return "[" + ", ".join(rows) + "]"


def format_epoch(epoch: int, loss: float, predictions: list[list[float]]) -> str:
    """'Epoch 0, Loss: 0.063306, Prediction: 0.644173' (seed 002's log line)."""
    return f"Epoch {epoch}, Loss: {loss:.6f}, Prediction: {_fmt(predictions)}"


def format_final(predictions: list[list[float]]) -> str:
    """'Final prediction: 0.974146' (seed 002's last line)."""
    return f"Final prediction: {_fmt(predictions)}"


class Model(Protocol):
    """What ``fit`` needs of a model: ``Neuron``, ``Layer``, ``MLP`` (any ``Module``
    with a forward pass)."""

    def __call__(self, inputs: Sequence[Any], /) -> Value | list[Value]: ...

    def parameters(self) -> list[Value]: ...

    def zero_grad(self) -> None: ...


def _outputs(model: Model) -> int | None:
    """How many outputs the model gives, when it says."""
    if hasattr(model, "nouts"):
        return model.nouts[-1]
    if hasattr(model, "nout"):
        return model.nout
    if hasattr(model, "w") and hasattr(model, "b"):  # a Neuron
        return 1
    return None


def _checked_data(model: Model, data: Any) -> list[tuple[Any, list[float]]]:
    if not isinstance(data, (list, tuple)) or not data:
        raise ValueError("fit: data must be a non-empty list of (inputs, target) pairs")
    nin, nout = getattr(model, "nin", None), _outputs(model)
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise ValueError(f"fit: data[{i}] must be an (inputs, target) pair, got {item!r}")
        x, y = item
        if is_number(x):
            x = [x]
        if not isinstance(x, (list, tuple)):
            raise ValueError(f"fit: data[{i}] inputs must be a list of numbers, got {x!r}")
        if nin is not None and len(x) != nin:
            raise ValueError(f"fit: data[{i}] has {len(x)} inputs, the model takes {nin}")
        for k, v in enumerate(x, start=1):
            if not isinstance(v, Value):
                finite_number(v, f"fit: data[{i}] input x{k}")
        y = [y] if is_number(y) else y
        if not isinstance(y, (list, tuple)):
            raise ValueError(f"fit: data[{i}] target must be a number or a list of numbers, got {item[1]!r}")
        for k, t in enumerate(y, start=1):
            finite_number(t, f"fit: data[{i}] target {k}")
        if nout is not None and len(y) != nout:
            raise ValueError(f"fit: data[{i}] has {len(y)} targets, the model gives {nout} outputs")
        out.append((x, list(y)))
    return out


def _graph_step(model: Model, batch: list, loss_fn: Callable[[Any, Any], Value], optimizer: Optimizer,
                compiled: bool) -> tuple[float, list[list[float]], Any]:
    """One step on ``batch`` through a graph: (loss, predictions, the recording or None).

    The graph lives only in this call, so it is freed before ``fit`` leaves its
    ``collector_paused()`` block.
    """
    forward = [model(x) for x, _ in batch]
    outs = [o if isinstance(o, list) else [o] for o in forward]
    L = loss_fn(outs, [y for _, y in batch])
    replay = None
    if compiled:
        replay = (record(L, params=model.parameters(), outputs=[v for o in outs for v in o]),
                  [len(o) for o in outs])
    model.zero_grad()
    optimizer.zero_grad()
    L.backward()
    optimizer.step()
    return L.data, [[v.data for v in o] for o in outs], replay


def fit(
    model: Model,
    data: Sequence[tuple[Any, Any]],
    loss: str | Callable[[Any, Any], Value] = "squared_error",
    optimizer: Optimizer | None = None,
    *,
    lr: float | None = None,
    epochs: int = 1,
    batch_size: int | None = None,
    log_every: int | None = None,
    log: Callable[[str], Any] = print,
    progress: bool | None = None,
    compiled: bool = False,
) -> History:
    """Train ``model`` on ``data`` = [(inputs, target), …] for ``epochs`` epochs.

    ``loss`` is a name from ``nn.losses.LOSSES`` or a function (predictions,
    targets) -> Value.  Give an ``optimizer`` or a learning rate ``lr`` (plain
    SGD).  With ``batch_size`` b, each epoch takes one step per b consecutive
    samples and records the mean of those batches' losses.  ``log_every=N``
    passes seed 002's log lines to ``log``.  ``progress``: None shows a bar on
    stderr only when it is a terminal, no log is asked for (the log lines are
    the progress then) and the run lasts over a second; True or False force it.

    ``compiled=True`` records each batch's graph in the first epoch and
    replays it afterwards (``autograd.replay``): the same losses and
    gradients, several times faster, as long as the model and the loss take
    no Python branch on values (the logits loss picks its formula by the sign
    of z while recording, which stays right but can overflow past |z| = 709).
    """
    loss_fn = get_loss(loss)
    samples = _checked_data(model, data)
    epochs = positive_int(epochs, "fit: epochs")
    if optimizer is None:
        if lr is None:
            raise ValueError("fit: give an optimizer or a learning rate lr")
        optimizer = SGD(model.parameters(), lr)
    elif lr is not None:
        raise ValueError("fit: give an optimizer or lr, not both (the optimizer has its own lr)")
    elif not isinstance(optimizer, Optimizer):
        raise ValueError(f"fit: optimizer must be an nn.optim optimizer (SGD, Adam), got {optimizer!r}")
    size = len(samples) if batch_size is None else positive_int(batch_size, "fit: batch_size")
    batches = [samples[i:i + size] for i in range(0, len(samples), size)]
    if log_every is not None:
        log_every = positive_int(log_every, "fit: log_every")

    show = (sys.stderr.isatty() and log_every is None) if progress is None else bool(progress)
    epoch_range: Any = range(epochs)
    bar = None
    if show:
        try:  # the progress bar is optional (the `progress` extra): without tqdm, none
            from tqdm import tqdm
        except ImportError:
            show = False
    if show:
        bar = tqdm(epoch_range, file=sys.stderr, unit="epoch", delay=1.0 if progress is None else 0.0,
                   leave=False, dynamic_ncols=True)
        epoch_range = bar
    emit = bar.write if (bar is not None and log is print) else log
    every = max(1, epochs // 100)

    history = History()
    replays: list[Any] = [None] * len(batches)  # compiled: (replay, outputs per sample) per batch
    try:
        for epoch in epoch_range:
            batch_losses, predictions = [], []
            for b, batch in enumerate(batches):
                if replays[b] is not None:  # the batch's recorded graph, for the current parameters
                    replay, widths = replays[b]
                    model.zero_grad()
                    optimizer.zero_grad()
                    batch_losses.append(replay.backward())
                    optimizer.step()
                    flat, k = replay.output_values, 0
                    for width in widths:
                        predictions.append(flat[k:k + width])
                        k += width
                    continue
                with collector_paused():  # the graph has no cycles: reference counting frees it
                    value, predicted, replays[b] = _graph_step(model, batch, loss_fn, optimizer, compiled)
                batch_losses.append(value)
                predictions += predicted
            epoch_loss = batch_losses[0] if len(batch_losses) == 1 else sum(batch_losses) / len(batch_losses)
            history.losses.append(epoch_loss)
            history.predictions = predictions
            if log_every is not None and epoch % log_every == 0:
                emit(format_epoch(epoch, epoch_loss, predictions))
            if bar is not None and epoch % every == 0:
                bar.set_postfix_str(f"loss {epoch_loss:.6f}", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    if log_every is not None:
        log(format_final(history.predictions))
    return history

"""Whether operations are being recorded: the switch behind ``no_grad()``.

The flag lives in a ``ContextVar``, so each thread (and each asyncio task)
sees its own setting, and nested ``no_grad()`` blocks restore exactly the
state they found.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from collections.abc import Iterator

_recording: ContextVar[bool] = ContextVar("chainrule_recording", default=True)

#: True when new operations add nodes to the graph.
is_recording = _recording.get


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations record nothing: every result is a leaf.

    >>> from autograd import Value, no_grad
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.parents
    ()
    """
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)

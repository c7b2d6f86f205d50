"""``collector_paused()``: build and walk graphs without Python's cycle collector.

Why.  A ``Value`` is a container object, so CPython's cycle collector
(``gc``) tracks every node and re-walks the live ones each time enough new
objects have been allocated.  A graph of nodes has no reference cycles (each
node refers only to nodes made before it), so those walks never free
anything; on a large graph they are most of the time a step takes, and they
grow with everything else alive in the process.  Reference counting alone
frees a dropped graph, at once.

What it does.  Inside the block the collector is disabled (``gc.disable``);
leaving the block, by any exit including an exception, sets it back to
what the outermost block found.  Blocks nest and may run in several
threads at once: one process-wide count under a lock, so the collector
stays off until the last block ends, and is switched back on only if it was
on when the first began.  If it was already off (the program turned it
off), it stays off.  ``gc.collect()`` still works inside the block.

What it costs.  Reference cycles that other code makes inside the block
(objects pointing at each other, an exception caught with its traceback
kept) are not freed until the block ends and the collector runs again.
Keep the block around graph work (``nn.fit`` uses it for its training loop).
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0  # blocks open now, in every thread
_restore = False  # the collector was on when the outermost open block began


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block; it is restored on every exit.

    >>> import gc
    >>> from autograd import Value, collector_paused
    >>> with collector_paused():
    ...     y = Value(2.0) * 3
    ...     y.backward()
    >>> gc.isenabled()
    True
    """
    global _depth, _restore
    with _lock:
        if _depth == 0:
            _restore = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _restore:
                gc.enable()


def collector_pauses() -> int:
    """How many ``collector_paused()`` blocks are open now (all threads)."""
    return _depth

"""Compiled replay: run a recorded graph again for new leaf values, building no nodes.

``record(root, inputs, params)`` walks the graph under ``root`` once and
writes it out as Python (``replay_code.py``): the values in one list, the
gradients in another, the forward pass, then the backward pass,
``g_parent += g_node · ∂node/∂parent``.  Nodes of one kind (operation,
arity, which operands need a gradient) are brought together and each run
of them is written once: a layer over a batch as list comprehensions over
its weight and input rows (``replay_grid.py``), other runs as ``map``/``sum``
over gathered slots (a batch, a wide sum) or as a loop over a table of slot
numbers (a chain), so the code stays small whatever the graph's size and
recording costs a few microseconds per node.  Each local derivative comes from the rule table
(``rules.py``): every rule is traced once per operation and arity with
symbolic operands (``replay_trace.py``), so the generated line is the rule's
own arithmetic (a rule that cannot be traced is called as it is).

    step = record(loss, inputs=xs, params=model.parameters())
    value, grads = step.run(input_values, param_values)  # floats in, floats out
    value = step.backward()  # or: read the leaves' .data, add into params' .grad

What a recording freezes.  The graph's shape: which operations ran, in which
order, on which operands.  Python control flow in the code that built the
graph is fixed at the branch taken while recording: an ``if x.data > 0``, a
loop that runs until some value converges, choosing a term by comparing
``.data``.  A replay cannot see that new values would take another branch;
record again when they would.  Branches inside a primitive are not frozen:
relu's kink, sigmoid's two formulas, pow's domain checks and every rule's
own ``if`` run again on each replay.  Leaves that are neither ``inputs`` nor
``params`` keep their recorded value; ``run`` raises ``StaleReplayError`` when
one of them has a new ``data`` since recording (a cheap check, one compare
per such leaf).  Constants mixed into expressions are frozen too.

Gradients equal those of ``backward()`` on a fresh graph (the same float
operations in the same order: every gradient receives its terms in the
order ``backward()`` adds them), apart from the sign of a zero gradient:
``run`` starts each gradient at −0.0, so d(x·y)/dx at y = −0.0 is −0.0,
where ``backward()``, starting at 0.0, gives 0.0 (``Replay.backward`` adds
into ``.grad`` and gives 0.0 too).

Large graphs.  A graph with many irregular nodes (few runs) has a line or
two per node; the lines are cut into functions of at most ``CHUNK`` lines
(a run is never cut), each compiled on its own, so that the compiler's
memory (about 4 KB per line while it works) peaks at one function's worth.
Recording pauses the cycle collector (``collector_paused``): it makes no
reference cycles, and the collector's walks over its tables would free
nothing.

The replay keeps the graph in index form (operations, operand indices,
names), not the nodes: the recorded graph can be dropped.  It holds no
reference cycle (the generated functions' globals do not hold them), so a
dropped replay is freed at once, without the cycle collector.
"""

from __future__ import annotations

import math
import operator
import sys
from functools import reduce
from itertools import islice
from operator import attrgetter
from typing import Any
from collections.abc import Iterable, Sequence

from .collector import collector_paused
from .recording import no_grad
from .replay_code import generate
from .replay_grid import picked
from .replay_trace import _EAGER, _FORWARD, _namespace  # noqa: F401  (_FORWARD: the tests read it)
from .value import CONST, Value
from .walk import NARY, topological_order

#: Lines per generated function: a graph of many irregular nodes is split into
#: several functions, each compiled on its own (about 4 KB per line while compiling).
CHUNK = 10000

_DATA = attrgetter("data")


class StaleReplayError(RuntimeError):
    """A leaf frozen into a recording has changed since it was recorded."""


# --- the public API -------------------------------------------------------------------


if sys.version_info < (3, 12):
    #: A float sum left to right, each addition rounded as ``+`` rounds it: before
    #: 3.12, ``sum()`` adds floats in a C double in order (3.12 compensates the
    #: rounding errors, another result), so it is ``reduce(+)`` at C speed.
    _total = sum
else:
    def _total(terms: Iterable[float], start: float) -> float:
        return reduce(operator.add, terms, start)


_HELPERS: dict[str, Any] = {
    "_add": operator.add, "_sub": operator.sub, "_mul": operator.mul, "_truediv": operator.truediv,
    "_neg": operator.neg, "_reduce": reduce, "_islice": islice,
    "_total": _total,
}


def _compile(functions: list[tuple[str, list[str]]], helpers: dict[str, Any], driver: dict[str, Any]) -> Any:
    """The driver ``_replay``, its functions compiled one at a time (``functions`` is emptied).

    One ``compile()`` per function keeps the compiler's peak memory to one
    function's worth.  The functions' globals are the helpers and tables; the
    driver's are the functions: no function can reach itself, so a dropped
    replay is freed by reference counting alone.
    """
    calls: dict[str, Any] = dict(driver)
    functions.reverse()
    while functions:
        name, lines = functions.pop()
        namespace = helpers if name != "_replay" else calls
        exec(compile("\n".join(lines), "<replay>", "exec"), namespace)  # our own generated code
        del lines
        calls[name] = namespace.pop(name)
    return calls.pop("_replay")



def _operands(order: list[Value], index: dict[Value, int]) -> list[tuple[int, ...]]:
    """Each node's parents as positions in ``order`` (read from the slots, see Value)."""
    at = index.__getitem__
    args: list[tuple[int, ...]] = []
    add = args.append
    for node in order:
        a = node._a
        if a is None:
            add(())
        elif (b := node._b) is None:
            add((at(a),))
        elif b is NARY:
            add(picked(index, a))
        else:
            add((at(a), at(b)))
    return args


def _label(what: str, k: int, leaf: Value) -> str:
    """How an error names a listed leaf: 'params[3] (w13)'."""
    return f"{what}[{k}]" + (f" ({leaf.name})" if leaf.name else "")


class Replay:
    """A recorded graph, compiled: ``run`` and ``backward`` build no nodes.

    ``inputs`` and ``params`` are the leaves whose values may change between
    runs; gradients are computed for ``params`` only.  ``output_values`` holds
    the values of the recorded ``outputs`` after the latest run.  ``source``
    is the generated Python, ``nodes`` the recorded graph's size,
    ``functions`` the number of generated functions.
    """

    def __init__(self, root: Value, inputs: Sequence[Value], params: Sequence[Value],
                 outputs: Sequence[Value] = ()) -> None:
        # recording makes no reference cycles: the cycle collector's walks over the
        # tables it builds would free nothing (see autograd.collector)
        with collector_paused():
            self._record(root, inputs, params, outputs)

    def _record(self, root: Value, inputs: Sequence[Value], params: Sequence[Value],
                outputs: Sequence[Value]) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"record() needs a Value root, got {type(root).__name__}")
        self.inputs = tuple(inputs)
        self.params = tuple(params)
        order = topological_order(root)
        index = {node: i for i, node in enumerate(order)}  # a Value hashes by identity
        slot: dict[int, tuple[str, int]] = {}
        seen: dict[int, tuple[str, int, Value]] = {}  # id -> where it was listed
        for group, src in ((self.inputs, "X"), (self.params, "P")):
            what = "inputs" if src == "X" else "params"
            for k, leaf in enumerate(group):
                if leaf.__class__ is not Value and not isinstance(leaf, Value):
                    raise TypeError(f"record(): {what}[{k}] is not a Value: {type(leaf).__name__} {leaf!r}")
                if leaf._a is not None or id(leaf) in seen:
                    label = _label(what, k, leaf)
                    if leaf._a is not None:
                        raise ValueError(f"record(): {label} is not a leaf (it was made by {leaf.op!r}); "
                                         "only leaves can take new values")
                    raise ValueError(f"record(): {label} is listed twice (also as {_label(*seen[id(leaf)])})")
                seen[id(leaf)] = (what, k, leaf)
                if (at := index.get(leaf)) is not None:
                    slot[at] = (src, k)
        self._slot = slot
        # leaves frozen at their recorded value, checked on every run
        self._frozen = [(i, node, node._data) for i, node in enumerate(order)
                        if node._a is None and i not in slot and node._op is not CONST]
        # the graph in index form (the replay does not keep the graph alive)
        self._ops = [node._op if node._a is not None else None for node in order]
        self._args = _operands(order, index)
        self._names = {i: node._name for i, node in enumerate(order) if node._name is not None}
        self._leaf_data = {i: node._data for i, node in enumerate(order) if node._a is None}
        params_at = [index.get(p, -1) for p in self.params]  # -1: not in the graph, gradient 0
        self.nodes = len(order)
        outputs_at = []
        for k, node in enumerate(outputs):
            at = index.get(node) if isinstance(node, Value) else None
            if at is None:
                raise ValueError(f"record(): outputs[{k}] is not a node of the graph under the root: {node!r}")
            outputs_at.append(at)
        self.output_values: list[float] = [self._leaf_data.get(i, order[i].data) for i in outputs_at]
        self._layout = (slot, params_at, outputs_at, len(self.inputs), len(self.params))
        functions, consts, driver, called = self._generate()
        self.functions = len(functions) - 1  # the driver aside
        helpers = _namespace()
        helpers.update(_HELPERS)
        helpers.update(consts)
        helpers.update({name: rule for rule, name in called.items()})
        self._fn = _compile(functions, helpers, driver)

    def _generate(self) -> tuple[list[tuple[str, list[str]]], dict[str, Any], dict[str, Any], dict[Any, str]]:
        return generate(self._ops, self._args, self._leaf_data, *self._layout, chunk=CHUNK)

    @property
    def source(self) -> str:
        """The generated Python (written again on request: it is not kept)."""
        functions = self._generate()[0]
        return "\n".join(line for _, lines in functions for line in lines)

    def __repr__(self) -> str:
        return (f"Replay(nodes={self.nodes}, inputs={len(self.inputs)}, params={len(self.params)}, "
                f"functions={self.functions})")

    def run(self, input_values: Sequence[float] | None = None,
            param_values: Sequence[float] | None = None) -> tuple[float, list[float]]:
        """(root value, [d root / d param for each param]) for new leaf values.

        ``None`` takes the leaves' current ``data``.  Nothing in the graph changes.
        """
        xs = self._floats(input_values, self.inputs, "input_values")
        ps = self._floats(param_values, self.params, "param_values")
        self._check_frozen()
        try:
            value, grads, self.output_values = self._fn(xs, ps)
        except (ArithmeticError, ValueError):  # no name for the error: it would hold this frame in a cycle
            self._explain(xs, ps)
            raise
        return value, grads

    def backward(self) -> float:
        """Like ``root.backward()`` for the params: add d root/d param into each param's ``grad``.

        Reads the current ``data`` of every input and param; returns the root's
        value.  Interior nodes are not touched (their data and grad are those
        of the recording).
        """
        value, grads = self.run()
        for p, g in zip(self.params, grads):
            p.grad += g
        return value

    def _floats(self, values: Sequence[float] | None, leaves: tuple[Value, ...], what: str) -> list[float]:
        """The numbers for ``leaves`` as floats, checked as ``Value()`` checks a number.

        ``None`` takes the leaves' ``data``.  A str, bytes, None or Value is a
        TypeError naming the argument and position (``float()`` alone would
        read the string '3' as 3.0); a number too large for a float is an
        OverflowError.
        """
        if values is None:
            given = list(map(_DATA, leaves))
        elif isinstance(values, (str, bytes, bytearray)):
            raise TypeError(f"replay: {what} must be a list of numbers, got {type(values).__name__} {values!r}")
        else:
            try:
                given = list(values)
            except TypeError:
                raise TypeError(f"replay: {what} must be a list of numbers, "
                                f"got {type(values).__name__} {values!r}") from None
        try:
            floats = list(map(float, given))
            sum(given, 0.0)  # float + x: a str, bytes or None raises here, where float() would read it
        except (TypeError, ValueError, OverflowError):  # also a Decimal: each number on its own
            if values is None:  # name the leaf: inputs[0] (x).data
                group = what.replace("_values", "s")
                wheres = [f"{group}[{k}]" + (f" ({leaf.name})" if leaf.name else "") + ".data"
                          for k, leaf in enumerate(leaves)]
            else:
                wheres = [f"{what}[{k}]" for k in range(len(given))]
            floats = [_number(v, where) for v, where in zip(given, wheres)]
        if len(floats) != len(leaves):
            raise ValueError(f"replay: {what} has {len(floats)} numbers, the recording has {len(leaves)} leaves")
        return floats

    def _check_frozen(self) -> None:
        for i, node, recorded in self._frozen:
            now = node.data
            if now is not recorded and now != recorded and (now == now or recorded == recorded):
                raise StaleReplayError(
                    f"replay: leaf {self._label(i)} was {recorded!r} when recorded and is {now!r} now; "
                    "list it in inputs or params, or record again")

    def _label(self, i: int) -> str:
        return f"node {i} ({self._names[i]})" if i in self._names else f"node {i}"

    def _explain(self, xs: list[float], ps: list[float]) -> None:
        """Re-run the forward pass eagerly so that the engine's own error names the node."""
        values: list[Value] = []
        with no_grad():
            for i, (op, args) in enumerate(zip(self._ops, self._args)):
                if i in self._slot:
                    src, k = self._slot[i]
                    values.append(Value((xs if src == "X" else ps)[k], self._names.get(i)))
                elif not args:
                    values.append(Value(self._leaf_data[i], self._names.get(i)))
                else:
                    try:
                        values.append(_EAGER[op](*[values[j] for j in args]))
                    except (ArithmeticError, ValueError) as exc:
                        raise type(exc)(f"replay, {self._label(i)}: {exc}") from None


def _number(v: Any, where: str) -> float:
    """One number as a float, checked as ``Value()`` checks it, or the error naming ``where``."""
    if isinstance(v, (str, bytes, bytearray, Value)) or v is None:
        raise TypeError(f"replay: {where} is not a number: {type(v).__name__} {v!r}")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise TypeError(f"replay: {where} is not a number: {type(v).__name__} {v!r}") from None
    except OverflowError:
        x = math.inf
    if math.isinf(x) and not v == x:  # a finite number past the float range
        raise OverflowError(f"replay: {where} is too large for a float ({type(v).__name__})")
    return x


def record(root: Value, inputs: Sequence[Value] = (), params: Sequence[Value] = (),
           outputs: Sequence[Value] = ()) -> Replay:
    """Record the graph under ``root`` for replay with new ``inputs`` and ``params`` values.

    Both are leaves of the graph; gradients are returned for ``params``.
    ``outputs`` are nodes of the graph (predictions, say) whose values each
    run leaves in ``Replay.output_values``.  Every other leaf is frozen at
    its current value (see the module notes).
    """
    return Replay(root, inputs, params, outputs)

"""``Value``: one scalar of the forward pass and the operation that made it.

Each primitive computes its result in floats, checks its domain, and records
a node that knows its operation (``Op``) and its ``parents``.  The local
derivatives live in the rule table (``rules.py``); the graph walk lives in
``backprop.py``.  A node holds no closure, so a dropped graph is freed by
reference counting alone: no node refers back to itself.  A node is one
object: its one or two parents sit in slots of their own (a tuple only for
three or more), which halves the objects the cycle collector walks while a
graph grows.

IEEE arithmetic: NaN propagates through every primitive (``relu(nan)`` is
nan, ``sigmoid(nan)`` is nan) and infinities follow float rules; the errors
raised are those of real-number domains, named below each primitive.

Numbers in: ``data`` (in the constructor, on assignment, and a plain number
mixed into an expression) is any real number that converts to a float: int,
bool, float, ``Fraction``, ``Decimal``, numpy scalars.  It is stored as a
float.  One rule for every type: a finite number past the float range
(``10**400``, ``Decimal('1e400')``) is an ``OverflowError``; ``inf`` and
``nan`` themselves are floats and stay allowed.

Copies: ``copy.copy`` gives a node with the same parents; ``copy.deepcopy``
copies the whole graph under a node and ``pickle`` stores it, both without
recursion (any depth), keeping each graph's shared nodes shared and the
operations (``Op``) and markers the engine's own objects.
"""

from __future__ import annotations

import copyreg
import math
import threading
from functools import reduce as _reduce
from operator import add as _add
from operator import attrgetter
from typing import TYPE_CHECKING, Any, SupportsFloat
from collections.abc import Callable, Iterable, Sequence

from . import rules
from .recording import is_recording
from .walk import NARY as _NARY
from .walk import backward as _backward
from .walk import topological_order


class Op:
    """A primitive: the name shown in graphs and derivations, and its rule.

    Each is one module-level object, compared by identity (``node._op is
    CONST``): copies are the object itself, and a pickle stores its name here.
    """

    __slots__ = ("name", "rule")

    def __init__(self, name: str, rule: rules.Rule | None) -> None:
        self.name = name
        self.rule = rule

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    @property
    def display(self) -> rules.Display:
        """How the operation is written for people (its symbol, LaTeX name, local
        derivatives' formulas), declared beside its rule in ``rules.py``."""
        shown: rules.Display = getattr(self.rule, "display", _CONST_DISPLAY)
        return shown

    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __reduce__(self) -> str:
        for key, obj in globals().items():  # pickled as its module-level name
            if obj is self:
                return key
        raise TypeError(f"cannot pickle {self!r}: it is not one of autograd.value's operations")


_CONST_DISPLAY = rules.Display("const", "")

ADD = Op("+", rules.add)
SUB = Op("-", rules.sub)
MUL = Op("*", rules.mul)
DIV = Op("/", rules.div)
NEG = Op("neg", rules.neg)
POW = Op("**", rules.pow_const)  # number exponent, a constant node
POW_VALUE = Op("**", rules.pow_value)  # Value exponent, differentiated too
EXP = Op("exp", rules.exp)
LOG = Op("log", rules.log_rule)
TANH = Op("tanh", rules.tanh)
SIGMOID = Op("sigmoid", rules.sigmoid)
RELU = Op("relu", rules.relu)
LINEAR = Op("linear", rules.linear)  # Σ wᵢ·xᵢ + b, the net input z
SUM = Op("sum", rules.total)
CONST = Op("const", None)  # a plain number mixed into an expression
UNDEFINED = Op("undefined", rules.undefined_rule)  # a slope with no real value (nan), see rules.undefined


def _as_float(data: Any, where: str = "Value()") -> float:
    """``data`` as a float: a real number within the float range, or ±inf or nan itself."""
    if isinstance(data, (str, bytes, bytearray, Value)) or data is None:
        raise TypeError(f"{where} needs a real number, got {type(data).__name__}: {_brief(data)}")
    try:
        x = float(data)
    except OverflowError:  # an int or Fraction past the float range
        raise OverflowError(_too_large(data, where)) from None
    except (TypeError, ValueError):
        raise TypeError(f"{where} needs a real number, got {type(data).__name__}: {_brief(data)}") from None
    if x in (math.inf, -math.inf):  # a finite number that rounded past the range (Decimal('1e400'))?
        try:
            finite = bool(-math.inf < data < math.inf)
        except (TypeError, ValueError, ArithmeticError):
            finite = False  # a type that does not compare with floats: trust its float
        if finite:
            raise OverflowError(_too_large(data, where))
    return x


def _brief(x: Any, limit: int = 60) -> str:
    """repr(x), shortened in the middle past ``limit`` characters."""
    try:
        r = repr(x)
    except ValueError:  # e.g. an int past sys.get_int_max_str_digits()
        r = f"<{type(x).__name__}>"
    return r if len(r) <= limit else f"{r[:limit // 2]}…{r[-(limit // 4):]} ({len(r)} characters)"


def _too_large(x: Any, where: str) -> str:
    if isinstance(x, int):  # its size without printing its digits
        shown = f"≈ {'-' if x < 0 else ''}1e+{math.floor(math.log10(abs(x)))}"
    else:
        shown = _brief(x)
    return f"{where}: {type(x).__name__} {shown} is too large for a float (the float range ends at ±1.8e308)"


def _checked_name(name: Any) -> str:
    """A node's name: printable text, not blank ('layer1.neuron2.w1', 'θ6', 'ŷ', 'δ_o1')."""
    if not isinstance(name, str):
        raise TypeError(f"a Value name must be a str, got {type(name).__name__}: {_brief(name)}")
    if not name.strip() or not name.isprintable():
        raise ValueError(f"a Value name must be printable text, not blank and without control "
                         f"characters, got {_brief(name)}")
    return name


def _show(v: Value) -> str:
    """'name = data' for a named node, the number alone otherwise."""
    return f"{v.name} = {v._data!r}" if v.name is not None else repr(v._data)


class Value:
    """A scalar that remembers how it was computed.

    ``data`` is the number (a float; assign any real number, see the module
    notes), ``grad`` the derivative of the last ``backward()`` output with
    respect to it (0.0 until a backward pass reaches it), ``name`` an optional
    label shown in graphs, derivations and error messages (printable text).
    """

    # parents live in _a, _b: () -> None, None; (a,) -> a, None; (a, b) -> a, b;
    # three or more -> the tuple, _NARY.  Read them as ``parents``.  ``data`` and
    # ``name`` are properties over _data and _name, which the engine reads and
    # writes directly (always a float, and None or a checked str).
    __slots__ = ("_data", "grad", "_name", "_op", "_a", "_b")
    _data: float
    grad: float
    _name: str | None
    _op: Op | None  # None for a leaf
    _a: Any  # None, a parent (a Value), or a tuple of Values
    _b: Any  # None, the second parent, or _NARY

    def __init__(self, data: Any, name: str | None = None, _op: Op | None = None,
                 _parents: Sequence[Value] = ()) -> None:
        if data.__class__ is not float:
            data = _as_float(data)
        if name is not None:
            name = _checked_name(name)
        self._data = data
        self.grad = 0.0
        self._name = name
        self._op = _op
        n = len(_parents)
        if n == 2:
            self._a, self._b = _parents
        elif n == 0:
            self._a = self._b = None
        elif n == 1:
            self._a, self._b = _parents[0], None
        else:
            self._a, self._b = tuple(_parents), _NARY

    def _set_data(self, data: Any) -> None:
        self._data = data if data.__class__ is float else _as_float(data, "Value.data")

    def _set_name(self, name: str | None) -> None:
        self._name = None if name is None else _checked_name(name)

    if TYPE_CHECKING:  # what the two properties below are, for a type checker
        @property
        def data(self) -> float: ...
        @data.setter
        def data(self, data: SupportsFloat) -> None: ...
        @property
        def name(self) -> str | None: ...
        @name.setter
        def name(self, name: str | None) -> None: ...
    else:  # read through attrgetter, a C function: faster than a def
        data = property(attrgetter("_data"), _set_data, doc="The number, a float.")
        name = property(attrgetter("_name"), _set_name, doc="The label, or None.")

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in operand order; () for a leaf."""
        a = self._a
        if a is None:
            return ()
        b = self._b
        if b is None:
            return (a,)
        if b is _NARY:
            parents: tuple[Value, ...] = a
            return parents
        return (a, b)

    # --- what the node is --------------------------------------------------

    @property
    def op(self) -> str | None:
        """The operation that made this node ('+', 'sigmoid', ...), or None for a leaf.

        Constants mixed into expressions report 'const'.
        """
        return None if self._op is None else self._op.name

    @property
    def is_leaf(self) -> bool:
        return self._a is None

    @property
    def is_constant(self) -> bool:
        """True for a plain number that an operation wrapped into the graph."""
        return self._op is CONST

    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, as floats (empty for a leaf)."""
        parents = self.parents
        if not parents:
            return ()
        op = self._op
        assert op is not None and op.rule is not None  # a node with parents has an operation
        return tuple(op.rule(self._data, *[p._data for p in parents]))

    def __repr__(self) -> str:
        name = f"name={self.name!r}, " if self.name is not None else ""
        return f"Value({name}data={self._data!r}, grad={self.grad!r})"

    # --- arithmetic ----------------------------------------------------------

    def __add__(self, other: Value | SupportsFloat) -> Value:
        if other.__class__ is not Value and not isinstance(other, Value):
            c = _const(other)
            if c is None:
                return NotImplemented
            other = c
        if _recording():  # the hot path: a node made without __init__
            node = _new(Value)
            node._data = self._data + other._data
            node.grad = 0.0
            node._name = None
            node._op = ADD
            node._a = self
            node._b = other
            return node
        return Value(self._data + other._data)

    def __radd__(self, other: Value | SupportsFloat) -> Value:
        c = _const(other)
        if c is None:
            return NotImplemented
        other = c
        if _recording():
            node = _new(Value)
            node._data = other._data + self._data
            node.grad = 0.0
            node._name = None
            node._op = ADD
            node._a = other
            node._b = self
            return node
        return Value(other._data + self._data)

    def __sub__(self, other: Value | SupportsFloat) -> Value:
        if other.__class__ is not Value and not isinstance(other, Value):
            c = _const(other)
            if c is None:
                return NotImplemented
            other = c
        if _recording():  # the hot path: a node made without __init__
            node = _new(Value)
            node._data = self._data - other._data
            node.grad = 0.0
            node._name = None
            node._op = SUB
            node._a = self
            node._b = other
            return node
        return Value(self._data - other._data)

    def __rsub__(self, other: Value | SupportsFloat) -> Value:
        c = _const(other)
        if c is None:
            return NotImplemented
        other = c
        if _recording():
            node = _new(Value)
            node._data = other._data - self._data
            node.grad = 0.0
            node._name = None
            node._op = SUB
            node._a = other
            node._b = self
            return node
        return Value(other._data - self._data)

    def __mul__(self, other: Value | SupportsFloat) -> Value:
        if other.__class__ is not Value and not isinstance(other, Value):
            c = _const(other)
            if c is None:
                return NotImplemented
            other = c
        if _recording():  # the hot path: a node made without __init__
            node = _new(Value)
            node._data = self._data * other._data
            node.grad = 0.0
            node._name = None
            node._op = MUL
            node._a = self
            node._b = other
            return node
        return Value(self._data * other._data)

    def __rmul__(self, other: Value | SupportsFloat) -> Value:
        c = _const(other)
        if c is None:
            return NotImplemented
        other = c
        if _recording():
            node = _new(Value)
            node._data = other._data * self._data
            node.grad = 0.0
            node._name = None
            node._op = MUL
            node._a = other
            node._b = self
            return node
        return Value(other._data * self._data)

    def __truediv__(self, other: Value | SupportsFloat) -> Value:
        if not isinstance(other, Value):
            c = _const(other)
            if c is None:
                return NotImplemented
            other = c
        return _divide(self, other)

    def __rtruediv__(self, other: Value | SupportsFloat) -> Value:
        c = _const(other)
        if c is None:
            return NotImplemented
        other = c
        return _divide(other, self)

    def __neg__(self) -> Value:
        return _unary(-self._data, NEG, self)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Value | SupportsFloat) -> Value:
        if isinstance(other, Value):
            return _power(self, other, POW_VALUE)
        c = _const(other)
        if c is None:
            return NotImplemented
        other = c
        return _power(self, other, POW)

    def __rpow__(self, other: Value | SupportsFloat) -> Value:
        c = _const(other)
        if c is None:
            return NotImplemented
        other = c
        return _power(other, self, POW_VALUE)

    # --- functions -------------------------------------------------------------

    def exp(self) -> Value:
        """e ** self; OverflowError past e**709.78 (the float range)."""
        try:
            out = math.exp(self._data)
        except OverflowError:
            raise OverflowError(
                f"exp overflows the float range: exp({_show(self)}) > 1.8e308"
            ) from None
        return _unary(out, EXP, self)

    def log(self) -> Value:
        """Natural log; ValueError for a value <= 0."""
        x = self._data
        if x <= 0.0:
            raise ValueError(f"log is defined only for values > 0: log({_show(self)})")
        return _unary(math.log(x), LOG, self)

    def tanh(self) -> Value:
        return _unary(math.tanh(self._data), TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x), computed without overflow for every finite x."""
        x = self._data
        if x >= 0.0:
            out = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)  # x < 0 (or nan): e in [0, 1), no overflow
            out = e / (1.0 + e)
        return _unary(out, SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x); NaN stays NaN."""
        x = self._data
        return _unary(0.0 if x <= 0.0 else x, RELU, self)

    # --- gradients ---------------------------------------------------------------

    def backward(self, seed: float = 1.0) -> None:
        """Fill ``grad`` of every node this one depends on with d(self)/d(node).

        Leaves accumulate across calls (call ``zero_grad()`` between steps);
        interior nodes show the latest pass.
        """
        _backward(self, seed)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on this node and every node it depends on."""
        for node in topological_order(self):
            node.grad = 0.0

    # --- copies and pickles ----------------------------------------------------------

    def __copy__(self) -> Value:
        """The same number, grad, name and operation, over the same parents."""
        node = _new(Value)
        node._data, node.grad, node._name = self._data, self.grad, self._name
        node._op, node._a, node._b = self._op, self._a, self._b
        return node

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph under this node, parents before children
        (no recursion); nodes already in ``memo`` are used as they are."""
        done: Value | None = memo.get(id(self))
        if done is not None:
            return done
        for node in topological_order(self):
            if id(node) in memo:
                continue
            c = node.__copy__()
            a, b = node._a, node._b
            if b is _NARY:
                c._a = tuple([memo[id(p)] for p in a])
            elif a is not None:
                c._a = memo[id(a)]
                if b is not None:
                    c._b = memo[id(b)]
            memo[id(node)] = c
        copied: Value = memo[id(self)]
        return copied

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """Pickle without recursion: an interior node first lists the interior
        nodes under it, parents before children, so that each of them is
        pickled after its parents and refers to them by the pickle's memo."""
        listed = getattr(_pickling, "listed", None)
        if self._a is None or (listed is not None and listed.pop(id(self), None) is self):
            return _NEWOBJ, (Value,), (None, *self._fields())
        below = [n for n in topological_order(self)[:-1] if n._a is not None]
        _pickling.listed = {id(n): n for n in below}
        return _NEWOBJ, (Value,), ((below, _EndOfListing()), *self._fields())

    def _fields(self) -> tuple[Any, ...]:
        return self._data, self.grad, self._name, self._op, self.parents

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        _, self._data, self.grad, self._name, self._op, parents = state
        n = len(parents)
        if n == 0:
            self._a = self._b = None
        elif n == 1:
            self._a, self._b = parents[0], None
        elif n == 2:
            self._a, self._b = parents
        else:
            self._a, self._b = tuple(parents), _NARY


#: The interior nodes that the pickle being written lists ahead of their root
#: (``Value.__reduce_ex__``), by id; each thread pickles on its own.
_pickling = threading.local()
#: copyreg's ``__newobj__`` (pickle's NEWOBJ), which the typeshed stubs leave out.
_NEWOBJ: Callable[..., Any] = getattr(copyreg, "__newobj__")  # noqa: B009


class _EndOfListing:
    """Pickled right after a listing: the listing is over (nothing is stored)."""

    def __reduce__(self) -> tuple[Any, ...]:
        _pickling.listed = None
        return tuple, ()


def _const(x: Any) -> Value | None:
    """Wrap a plain number mixed into an expression as a constant node; None for
    what is not a number (the operator then returns NotImplemented)."""
    if x.__class__ is float:
        return Value(x, None, CONST)
    if isinstance(x, int):  # bool too
        try:
            return Value(float(x), None, CONST)
        except OverflowError:
            raise OverflowError(_too_large(x, "a number in an expression")) from None
    if isinstance(x, (str, bytes, complex)) or not hasattr(x, "__float__"):
        return None
    return Value(_as_float(x, "a number in an expression"), None, CONST)


def _result(data: float, op: Op, parents: tuple[Value, ...]) -> Value:
    """A new node, or a plain leaf when recording is off (no_grad)."""
    if is_recording():
        return Value(data, None, op, parents)
    return Value(data)


_new = object.__new__
_recording = is_recording
_DATA = attrgetter("_data")


def _unary(data: float, op: Op, a: Value) -> Value:
    """``_result`` for one parent: no tuple, no ``__init__`` call."""
    if _recording():
        node = _new(Value)
        node._data = data
        node.grad = 0.0
        node._name = None
        node._op = op
        node._a = a
        node._b = None
        return node
    return Value(data)


def _binary(data: float, op: Op, a: Value, b: Value) -> Value:
    """``_result`` for two parents, the hot path of + - * /: no ``__init__`` call."""
    if data.__class__ is not float:
        data = _as_float(data)
    if is_recording():
        node = _new(Value)
        node._data = data
        node.grad = 0.0
        node._name = None
        node._op = op
        node._a = a
        node._b = b
        return node
    return Value(data)


def _divide(a: Value, b: Value) -> Value:
    if b._data == 0.0:
        raise ZeroDivisionError(f"division by zero: ({_show(a)}) / ({_show(b)})")
    return _binary(a._data / b._data, DIV, a, b)


def _power(a: Value, b: Value, op: Op) -> Value:
    base, exponent = a._data, b._data
    where = f"({_show(a)}) ** ({_show(b)})"
    if base == 0.0 and exponent < 0.0:
        raise ZeroDivisionError(f"0 cannot be raised to a negative power: {where}")
    if base < 0.0 and math.isfinite(exponent) and not exponent.is_integer():
        raise ValueError(f"a negative base needs an integer exponent: {where}")
    try:
        out = base**exponent
    except OverflowError:
        raise OverflowError(f"** overflows the float range: {where}") from None
    return _result(out, op, (a, b))


def _infinite_power_node(base: Any, exponent: Any) -> Value:
    """base ** exponent held as a node even where the float is ±inf (0 ** -0.5):
    the graph-building backward pass meets such slopes where grad() gives ±inf."""
    out = rules.power(float(rules.data(base)), float(rules.data(exponent)))
    if not is_recording():
        return Value(out)
    a = base if isinstance(base, Value) else Value(float(base), None, CONST)
    if isinstance(exponent, Value):
        return Value(out, None, POW_VALUE, (a, exponent))
    return Value(out, None, POW, (a, Value(float(exponent), None, CONST)))


rules.infinite_power_node = _infinite_power_node


def _undefined_node(*xs: Any) -> Value:
    """nan as a node over the Values among ``xs``: a slope with no real value
    (see ``rules.undefined``), whose own slopes are undefined too."""
    parents = tuple(x for x in xs if isinstance(x, Value))
    if not is_recording():
        return Value(math.nan)
    return Value(math.nan, None, UNDEFINED, parents)


rules.undefined_node = _undefined_node


def linear(weights: Sequence[Value], inputs: Sequence[Any], bias: Any) -> Value:
    """The net input z = Σ wᵢ·xᵢ + b as one node (a fused neuron).

    The gradients are those of the unfused expression; graphs and derivations
    show it as one 'linear' step with ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1.
    """
    n = len(weights)
    if n != len(inputs):
        raise ValueError(f"linear needs as many weights as inputs, got {n} and {len(inputs)}")
    if n <= 2 and n and bias.__class__ is Value and _recording():
        node = _small_linear(weights, inputs, bias)
        if node is not None:
            return node
    z = 0.0  # z = ((0.0 + w1·x1) + w2·x2) + … + b, left to right, as the unfused expression adds
    for w, x in zip(weights, inputs):
        if w.__class__ is not Value or x.__class__ is not Value:
            return _linear_mixed(weights, inputs, bias)
        z += w._data * x._data
    if bias.__class__ is not Value:
        return _linear_mixed(weights, inputs, bias)
    parents = [bias] * (2 * n + 1)  # w1, x1, w2, x2, …, b
    parents[0:2 * n:2] = weights
    parents[1:2 * n:2] = inputs
    if n and _recording():  # the hot path: a node made without __init__
        node = _new(Value)
        node._data = z + bias._data
        node.grad = 0.0
        node._name = None
        node._op = LINEAR
        node._a = tuple(parents)
        node._b = _NARY
        return node
    return _result(z + bias._data, LINEAR, tuple(parents))


def _small_linear(weights: Sequence[Value], inputs: Sequence[Any], bias: Value) -> Value | None:
    """``linear`` of one or two terms (a chain's step, a neuron of a point in the plane),
    written out: the same sums, (0.0 + w1·x1) + w2·x2 + b, without the loop and
    the parents list; None when an operand is not a Value (``linear`` goes on)."""
    node = _new(Value)
    if len(weights) == 2:
        w1, w2 = weights
        x1, x2 = inputs
        if (w1.__class__ is not Value or x1.__class__ is not Value
                or w2.__class__ is not Value or x2.__class__ is not Value):
            return None
        node._data = ((0.0 + w1._data * x1._data) + w2._data * x2._data) + bias._data
        node._a = (w1, x1, w2, x2, bias)
    else:
        (w1,), (x1,) = weights, inputs
        if w1.__class__ is not Value or x1.__class__ is not Value:
            return None
        node._data = (0.0 + w1._data * x1._data) + bias._data
        node._a = (w1, x1, bias)
    node.grad = 0.0
    node._name = None
    node._op = LINEAR
    node._b = _NARY
    return node


def _linear_mixed(weights: Sequence[Any], inputs: Sequence[Any], bias: Any) -> Value:
    """``linear`` where some operands are plain numbers (constant nodes) or Value subclasses."""
    parents = []
    z = 0.0
    for w, x in zip(weights, inputs):
        w = w if isinstance(w, Value) else _checked_const(w, "linear weight")
        x = x if isinstance(x, Value) else _checked_const(x, "linear input")
        z += w._data * x._data
        parents.append(w)
        parents.append(x)
    bias = bias if isinstance(bias, Value) else _checked_const(bias, "linear bias")
    parents.append(bias)
    return _result(z + bias._data, LINEAR, tuple(parents))


def sum_of(values: Iterable[Any]) -> Value:
    """p1 + p2 + … + pn as one node (a wide sum)."""
    parents = tuple(v if isinstance(v, Value) else _checked_const(v, "sum_of term") for v in values)
    if not parents:
        raise ValueError("sum_of needs at least one value")
    out = _reduce(_add, map(_DATA, parents))  # ((p1 + p2) + p3) + …, as the unfused sum adds
    return _result(out, SUM, parents)


def _checked_const(x: Any, what: str) -> Value:
    c = _const(x)
    if c is None:
        raise TypeError(f"{what} must be a Value or a number, got {type(x).__name__}: {x!r}")
    return c


#: Every operation by the name nodes report (``Value.op``); ``**`` is the number-exponent one.
OPS: dict[str, Op] = {op.name: op for op in (
    ADD, SUB, MUL, DIV, NEG, POW, POW_VALUE, EXP, LOG, TANH, SIGMOID, RELU, LINEAR, SUM, CONST,
    UNDEFINED)}  # "**" shows as the Value-exponent power, whose formulas say more

#: The one-argument functions, by the name expressions call them: exp, log, tanh, sigmoid, relu.
FUNCTIONS: dict[str, Op] = {op.display.function: op for op in OPS.values()
                            if op.display.function is not None}


def display(op: str | None) -> rules.Display | None:
    """How the operation a node reports (``Value.op``) is written; None for a leaf."""
    return None if op is None or op not in OPS else OPS[op].display

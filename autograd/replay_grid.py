"""A run of ``linear`` nodes that is a layer over a batch, written as two list comprehensions.

A parallel run of ``linear`` nodes is a grid when its nodes are (sample s,
neuron j) pairs: every node of neuron j has the same weights and bias
(row A_j: slots w_j,0 … w_j,n-1, b_j), every node of sample s the same
inputs (row B_s: x_s,0 … x_s,n-1), in sample-major or neuron-major order.
Then, with the rows gathered once per run (not once per node):

- forward: z(s,j) = ((0.0 + w_j,0·x_s,0) + w_j,1·x_s,1) + … + b_j, one
  comprehension over the pairs;
- backward, each slot's terms in the order ``backward()`` adds them (the
  nodes from last to first):
  g w_j,i = G[w_j,i] + g(S-1,j)·x_S-1,i + … + g(0,j)·x_0,i, and g b_j the same
  with x = 1.0 (g·1.0 is g exactly);
  g x_s,i = G[x_s,i] + g(s,J-1)·w_J-1,i + … + g(s,0)·w_0,i.

A dot product of at most ``UNROLL`` terms is written out (``a + g0*x0 +
g1*x1``, the interpreter's float fast path), a longer one is
``_total(map(_mul, …), start)``: the same additions left to right.  The
gradients need each slot to appear once among the rows that take a
gradient, so that its terms all come from one position; otherwise the run
is written the general way (``replay_code``).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

#: Terms up to which a dot product is written out in the comprehension.
UNROLL = 128

Const = Callable[[Any, str], str]


def picked(seq: Any, idx: Any) -> tuple[Any, ...]:
    """``tuple(seq[i] for i in idx)`` in one C call (an itemgetter) when there are two or more."""
    if len(idx) > 1:
        got: tuple[Any, ...] = itemgetter(*idx)(seq)
        return got
    return (seq[idx[0]],) if idx else ()


def row_slice(idx: list[int]) -> slice | None:
    """The slice that picks ``idx`` from a list, if the slots are evenly spaced (either way)."""
    if len(idx) == 1:
        return slice(idx[0], idx[0] + 1)
    step = idx[1] - idx[0]
    stop = idx[-1] + step
    if step == 0 or idx != list(range(idx[0], stop, step)):
        return None
    return slice(idx[0], stop if stop >= 0 else None, step)


def src_slice(sl: slice) -> str:
    stop = "" if sl.stop is None else str(sl.stop)
    return f"{sl.start}:{stop}" if sl.step in (1, None) else f"{sl.start}:{stop}:{sl.step}"


class Grid:
    """The rows of a grid run: A (weights then bias, per neuron), B (inputs, per sample)."""

    def __init__(self, a: list[tuple[int, ...]], b: list[tuple[int, ...]], lo: int, sample_major: bool,
                 want_a: bool, want_b: bool) -> None:
        self.a, self.b, self.lo, self.sample_major = a, b, lo, sample_major
        self.want_a, self.want_b = want_a, want_b
        self.n = len(b[0])

    def z_slot(self, s: int, j: int) -> int:
        return self.lo + (s * len(self.a) + j if self.sample_major else j * len(self.b) + s)


def find_grid(run: list[int], args: list[tuple[int, ...]], slot: list[int], req: list[bool]) -> Grid | None:
    """The grid of a parallel ``linear`` run, or None (see the module notes)."""
    a0 = args[run[0]]
    if len(a0) < 3 or len(run) < 2:
        return None
    rq = [req[j] for j in a0]
    want_a, want_b = rq[0], rq[1]
    if rq[0:-1:2].count(want_a) != len(rq) // 2 or rq[-1] != want_a or rq[1:-1:2].count(want_b) != len(rq) // 2:
        return None
    # the rows as node numbers (w1 … wn then b, and x1 … xn): two nodes have two slots, so
    # rows compare as their slots would, and only the distinct rows are mapped to slots at the end
    rows_a = [args[i][0::2] for i in run]
    rows_b = [args[i][1::2] for i in run]
    m = len(run)
    for sample_major in (True, False):
        lead, other = (rows_a, rows_b) if sample_major else (rows_b, rows_a)
        period = next((k for k in range(1, m) if lead[k] == lead[0]), m)  # rows of the inner family
        if m % period:
            continue
        if all(lead[k] == lead[k % period] for k in range(m)) and \
                all(other[k] == other[k - k % period] for k in range(m)):
            inner, outer = lead[:period], other[::period]
            a, b = (inner, outer) if sample_major else (outer, inner)
            break
    else:
        return None
    seen: set[int] = set()
    count = 0
    for want, rows in ((want_a, a), (want_b, b)):
        if want:
            for row in rows:
                seen.update(row)
                count += len(row)
    if len(seen) != count or len(set(a)) != len(a) or len(set(b)) != len(b):
        return None  # a slot in two places: its terms would interleave
    return Grid([picked(slot, r) for r in a], [picked(slot, r) for r in b], slot[run[0]], sample_major,
                want_a, want_b)


def _rows(src: str, rows: list[list[int]], const: Const) -> str:
    """Source for the list of ``src``'s values at each row's slots (sequences to unpack)."""
    slices = [row_slice(r) for r in rows]
    if all(s is not None for s in slices):
        return f"[{src}[_s] for _s in {const(tuple(slices), 'R')}]"
    # a row of one slot is always a slice: itemgetter of two or more slots gives a tuple
    return f"[_q({src}) for _q in {const(tuple(itemgetter(*r) for r in rows), 'R')}]"


def _dot(start: str, u: str, v: str, k: int) -> tuple[str, str, str]:
    """(expression, target for u, target for v): start + u0·v0 + … + u(k-1)·v(k-1)."""
    if k <= UNROLL:
        us = [f"{u}{t}" for t in range(k)]
        vs = [f"{v}{t}" for t in range(k)]
        expr = " + ".join([start] + [f"{a} * {b}" for a, b in zip(us, vs)])
        return expr, "(" + ", ".join(us) + ",)", "(" + ", ".join(vs) + ",)"
    return f"_total(map(_mul, {u}, {v}), {start})", u, v


def _store(into: list[int], values: str, const: Const) -> list[str]:
    sl = row_slice(into)
    if sl is not None:
        return [f"G[{src_slice(sl)}] = {values}"]
    return [f"for _j, _t in zip({const(tuple(into), 'T')}, {values}):", "    G[_j] = _t"]


def forward_grid(grid: Grid, const: Const) -> list[str]:
    n, m = grid.n, len(grid.a) * len(grid.b)
    # rows of A: weights then bias
    ra = _rows("V", [list(r) for r in grid.a], const)
    rb = _rows("V", [list(r) for r in grid.b], const)
    expr, tw, tx = _dot("0.0", "w", "x", n)
    if n <= UNROLL:
        tw = tw[:-2] + ", b)"  # the bias after the weights
        expr = f"{expr} + b"
        loops = {"a": f"for {tw} in _rA", "b": f"for {tx} in _rB"}
    else:
        expr = f"{expr} + w[{n}]"
        loops = {"a": "for w in _rA", "b": "for x in _rB"}
    order = "b a" if grid.sample_major else "a b"
    lines = [f"_rA = {ra}", f"_rB = {rb}"]
    body = " ".join(loops[k] for k in order.split())
    lines.append(f"V[{grid.lo}:{grid.lo + m}] = [{expr} {body}]")
    return lines


def backward_grid(grid: Grid, const: Const) -> list[str]:
    """Each weight's, bias's and input's terms summed in the order of ``backward()``."""
    S, J, n = len(grid.b), len(grid.a), grid.n
    lines: list[str] = []
    if grid.want_a:
        # per neuron j: g(S-1, j) … g(0, j); per input i: x_S-1,i … x_0,i; then the bias column of 1.0
        g_j = [[grid.z_slot(s, j) for s in range(S - 1, -1, -1)] for j in range(J)]
        x_i = [[grid.b[s][i] for s in range(S - 1, -1, -1)] for i in range(n)]
        lines += _sums(g_j, "x", x_i, f" + [[1.0] * {S}]", grid.a, S, const)
    if grid.want_b:
        # per sample s: g(s, J-1) … g(s, 0); per input i: w_J-1,i … w_0,i
        g_s = [[grid.z_slot(s, j) for j in range(J - 1, -1, -1)] for s in range(S)]
        w_i = [[grid.a[j][i] for j in range(J - 1, -1, -1)] for i in range(n)]
        lines += _sums(g_s, "w", w_i, "", grid.b, J, const)
    return lines


def _sums(g_rows: list[list[int]], letter: str, rows: list[list[int]], extra: str,
          targets: list[tuple[int, ...]], count: int, const: Const) -> list[str]:
    """grad[t] += Σ_k g_k · other_k for each target slot t: the rows gathered once, one comprehension."""
    other = f"_r{letter.upper()}"
    expr, tg, to = _dot("st", "g", letter, count)
    values = f"[{expr} for {tg}, sts in zip(_rG, _rS) for {to}, st in zip({other}, sts)]"
    return [f"_rG = {_rows('G', g_rows, const)}",
            f"{other} = {_rows('V', rows, const)}{extra}",
            f"_rS = {_rows('G', [list(r) for r in targets], const)}",
            *_store([t for row in targets for t in row], values, const)]

"""Writing a recorded graph as Python: runs of like nodes become loops over index arrays.

The values live in one list ``V`` and the gradients in one list ``G``, one
slot per node: the inputs first (``V[:len(X)]`` is ``X``), then the params,
the frozen leaves, two constants (1.0 and −1.0, the slopes of + and −), and
the computed nodes in the order they are written.

That order is a topological order chosen for long runs (``schedule``): the
next node is, while there is one, ready and of the same kind (operation,
arity, which operands need a gradient) as the one before.  It keeps every
node's children in their recorded order, so that each gradient receives its
contributions g_child · ∂child/∂node in the order the recorded order gives
them: the same float additions in the same order as ``backward()``.

Each run is written once, not once per node:

- a parallel ``linear`` run that is a layer over a batch (every node one
  (sample, neuron) pair, each neuron's weights and each sample's inputs
  shared by its nodes) is two list comprehensions over the gathered rows,
  forward and backward (``replay_grid.py``);
- any other run whose nodes do not use each other (the samples of a batch,
  the terms of a wide sum) runs as ``map`` over operand slots gathered at
  once: ``V[lo:hi] = map(_mul, A, B)``; a ``linear`` run column by column,
  z = ((0.0 + w1·x1) + w2·x2) + … + b for every node at once.  Its backward
  gathers g and each local derivative and adds the products into the
  parents' slots in the recorded order;
- any other run (a chain) is a loop over a table of slot numbers, the
  operation's forward line and the rule's traced derivatives written once;
- a run of one or two nodes is written line by line.

Gradients start at −0.0, the identity of float addition (−0.0 + t is t for
every t, signed zeros included), so that the first contribution is the
contribution itself, as in the straight-line code this replaces.
"""

from __future__ import annotations

import heapq
import re
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

from .replay_grid import Grid, backward_grid, find_grid, forward_grid, picked, row_slice, src_slice
from .replay_trace import _FORWARD, TERMS, _lit, _Template, _trace
from .value import (
    ADD, DIV, EXP, LINEAR, LOG, MUL, NEG, POW, POW_VALUE, RELU, SIGMOID, SUB, SUM, TANH, UNDEFINED, Op,
)

#: A run of at most this many nodes is written line by line.
SHORT = 2
#: Columns past which a parallel linear or sum run is a loop over its nodes instead.
COLUMNS = 256
#: A run whose nodes depend on each other is split into parallel runs when
#: they average at least this many nodes; otherwise it is one loop in order.
SPLIT = 8
#: Inputs from which a linear node whose operands are evenly spaced runs as one reduce over slices.
ROW_SLICES = 4
#: Terms into one slot from which a parallel run's backward adds them with one ``reduce``.
SEGMENT = 12

_MAPPED = {ADD: "_add", SUB: "_sub", MUL: "_mul", DIV: "_truediv", POW: "_pow", POW_VALUE: "_pow",
           NEG: "_neg", EXP: "_exp", LOG: "_log", TANH: "_tanh", SIGMOID: "_sigmoid"}
#: Operations whose local derivatives are operand values or ±1: their backward is gathered.
_SLOPE_IS_OPERAND = {ADD, SUB, MUL, NEG, LINEAR, SUM}

Key = tuple[Any, int, tuple[bool, ...] | bool | None]


def schedule(args: list[tuple[int, ...]], keys: list[int]) -> tuple[list[int], list[int]]:
    """The computed nodes in a topological order that keeps like nodes together, and
    each node's uses (its fanout: operand places, counted in the same pass).

    Constraints: a node after its parents, and each node's children in their
    recorded (index) order.  Among the ready nodes the next is one of the same
    kind as the last placed (``keys``) that does not use a node of the current
    run, the lowest index first; else the lowest index of all.
    """
    n = len(args)
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    fanout = [0] * n
    # each node's latest child so far; an interior node itself while it has none, -1 a leaf.
    # i goes after each parent's previous child, and after an interior parent with no child
    # yet (a parent's earlier child comes after that parent: the parent would add no constraint)
    last = [i if a else -1 for i, a in enumerate(args)]
    get = last.__getitem__
    computed = n - args.count(())
    for i, a in enumerate(args):
        if a:
            before = set(map(get, a))
            before.discard(-1)
            indeg[i] = len(before)
            for j in before:
                succ[j].append(i)
            for p in a:  # i is now each parent's latest child (a loop: faster than map over __setitem__)
                last[p] = i
                fanout[p] += 1
    ready = [i for i in range(n) if args[i] and not indeg[i]]
    buckets: dict[int, list[int]] = {}
    for i in ready:
        buckets.setdefault(keys[i], []).append(i)
    heapq.heapify(ready)
    order: list[int] = []
    done = bytearray(n)
    push, pop = heapq.heappush, heapq.heappop
    current: list[int] = []
    members: set[int] = set()  # the nodes of the current run (of one kind, in the order)
    later: list[int] = []  # ready, of the current kind, but using the current run: the next run
    for _ in range(computed):
        i = -1
        while current:
            c = pop(current)
            if not done[c]:
                i = c
                break
        if i < 0:
            while done[ready[0]]:  # placed from its kind's bucket since it was pushed
                pop(ready)
            if len(later) == 1 and later[0] == ready[0]:  # a chain's next node: placed at once
                later = []
            else:
                for c in later:
                    push(buckets[keys[c]], c)
                later = []
            i = pop(ready)
            current = buckets[keys[i]]
            members = set()
        done[i] = 1
        order.append(i)
        members.add(i)
        key = keys[i]
        for s in succ[i]:
            indeg[s] -= 1
            if not indeg[s]:
                if keys[s] != key:
                    push(ready, s)
                    push(buckets.setdefault(keys[s], []), s)
                elif not members.isdisjoint(args[s]):  # it uses this run: after it
                    push(ready, s)
                    later.append(s)
                else:  # the current kind's bucket is emptied before any other is chosen
                    push(current, s)
    return order, fanout


class _Code:
    """Constants of the generated code (index tables, getters), by name."""

    def __init__(self) -> None:
        self.consts: dict[str, Any] = {}

    def const(self, value: Any, prefix: str) -> str:
        name = f"_{prefix}{len(self.consts)}"
        self.consts[name] = value
        return name

    def gather(self, src: str, idx: list[int]) -> str:
        """Source for the values ``src[idx[0]], src[idx[1]], …``: a slice when the slots
        are evenly spaced upwards, else one itemgetter call."""
        if len(idx) == 1:
            return f"({src}[{idx[0]}],)"
        sl = _slice(idx)
        if sl is not None and sl.step > 0:
            return f"{src}[{src_slice(sl)}]"
        return f"{self.const(itemgetter(*idx), 'get')}({src})"


class _Writer:
    """Writes each run's forward and backward lines (see the module notes)."""

    def __init__(self, ops: list[Op | None], args: list[tuple[int, ...]], req: list[bool],
                 slot: list[int], one: int, minus: int, fanout: list[int]) -> None:
        self.ops, self.args, self.req, self.slot = ops, args, req, slot
        self.one, self.minus, self.fanout = one, minus, fanout
        self.code = _Code()
        self.node_at = {s: i for i, s in enumerate(slot)}
        self.unit: list[bool] = [False] * len(ops)  # gradients known to be exactly 1.0
        self.templates: dict[tuple[Any, int], _Template | None] = {}
        self.called: dict[Any, str] = {}  # rules called as they are, by namespace name
        self.grids: dict[int, Grid | None] = {}  # parallel linear runs that are a layer over a batch

    def grid(self, run: list[int]) -> Grid | None:
        if run[0] not in self.grids:
            self.grids[run[0]] = find_grid(run, self.args, self.slot, self.req)
        return self.grids[run[0]]

    def template(self, op: Op, arity: int) -> _Template | None:
        key = (op.rule, arity)
        if key not in self.templates:
            self.templates[key] = _trace(*key)
        return self.templates[key]

    # --- forward -------------------------------------------------------------------

    def forward(self, run: list[int], parallel: bool) -> list[str]:
        op = self.ops[run[0]]
        assert op is not None
        arity = len(self.args[run[0]])
        slot = self.slot
        if len(run) <= SHORT:
            lines: list[str] = []
            for i in run:
                lines += self.forward_line(op, f"V[{slot[i]}]", [slot[j] for j in self.args[i]])
            return lines
        if parallel and op is LINEAR:
            grid = self.grid(run)
            if grid is not None:
                return forward_grid(grid, self.code.const)
        lo, hi = slot[run[0]], slot[run[-1]] + 1
        at, args = slot.__getitem__, self.args  # each operand position's slots over the run:
        cols = list(map(list, zip(*[map(at, args[i]) for i in run])))
        gather = self.code.gather
        if parallel and op in _MAPPED:
            return [f"V[{lo}:{hi}] = map({_MAPPED[op]}, {', '.join(gather('V', c) for c in cols)})"]
        if parallel and op is RELU:
            return [f"V[{lo}:{hi}] = [0.0 if _x <= 0.0 else _x for _x in {gather('V', cols[0])}]"]
        if parallel and op is UNDEFINED:
            return [f"V[{lo}:{hi}] = [_nan] * {len(run)}"]
        if op is LINEAR and arity >= 2 * ROW_SLICES + 1:
            rows = []
            for i in run:
                a = [slot[j] for j in self.args[i]]
                sw, sx = _slice(a[0:-1:2]), _slice(a[1:-1:2])
                if sw is None or sx is None:
                    break
                rows.append((slot[i], sw, sx, a[-1]))
            else:  # each node's weights and inputs are evenly spaced: one reduce per node over two slices
                return [f"for _o, _sw, _sx, _b in {self.code.const(tuple(rows), 'T')}:",
                        "    V[_o] = _total(map(_mul, V[_sw], V[_sx]), 0.0) + V[_b]"]
        if parallel and op is LINEAR and arity // 2 <= COLUMNS:
            lines = [f"_a = [0.0] * {len(run)}"]  # z = ((0.0 + w1·x1) + w2·x2) + … + b, column by column
            for c in range(0, arity - 1, 2):
                lines.append(f"_a = list(map(_add, _a, map(_mul, {gather('V', cols[c])}, "
                             f"{gather('V', cols[c + 1])})))")
            lines.append(f"V[{lo}:{hi}] = map(_add, _a, {gather('V', cols[-1])})")
            return lines
        if parallel and op is SUM and arity <= COLUMNS:
            lines = [f"_a = {gather('V', cols[0])}"]  # ((p1 + p2) + p3) + …, column by column
            for c in range(1, arity):
                lines.append(f"_a = list(map(_add, _a, {gather('V', cols[c])}))")
            lines.append(f"V[{lo}:{hi}] = _a")
            return lines
        return self.forward_loop(run, op)

    def forward_line(self, op: Op, out: str, operands: list[int]) -> list[str]:
        write = _FORWARD.get(op)
        if write is None:
            raise ValueError(f"replay: no forward expression for operation {op.name!r}")
        gather = self.code.gather
        if op is SUM and len(operands) > 2 * TERMS:  # a wide sum: one reduce over the gathered terms
            return [f"{out} = _total({gather('V', operands)}, -0.0)"]
        if op is LINEAR and len(operands) > 2 * TERMS + 1:
            return [f"{out} = _total(map(_mul, {gather('V', operands[0:-1:2])}, "
                    f"{gather('V', operands[1:-1:2])}), 0.0) + V[{operands[-1]}]"]
        return list(write(out, [f"V[{j}]" for j in operands]))

    # --- backward ------------------------------------------------------------------

    def slope_slot(self, i: int, c: int) -> int:
        """The slot holding ∂i/∂(operand c) for an operation in _SLOPE_IS_OPERAND."""
        op, a = self.ops[i], self.args[i]
        if op is MUL:
            return self.slot[a[1 - c]]
        if op is LINEAR:
            if c == len(a) - 1:
                return self.one
            return self.slot[a[c + 1]] if c % 2 == 0 else self.slot[a[c - 1]]
        if op is NEG or (op is SUB and c == 1):
            return self.minus
        return self.one  # ADD, SUB's first operand, SUM

    def slope_column(self, op: Op, parents: list[tuple[int, ...]], c: int) -> list[int]:
        """The slot of ∂node/∂(operand c) for every node of a run of ``op``, from the
        run's operands by position (``parents[c][k]``)."""
        arity, m, get = len(parents), len(parents[0]), self.slot.__getitem__
        if op is MUL:
            return list(map(get, parents[1 - c]))
        if op is LINEAR and c < arity - 1:
            return list(map(get, parents[c + 1] if c % 2 == 0 else parents[c - 1]))
        if op is NEG or (op is SUB and c == 1):
            return [self.minus] * m
        return [self.one] * m

    def backward(self, run: list[int], parallel: bool) -> list[str]:
        """g_parent += g_node · ∂node/∂parent, nodes in reverse order, parents in order."""
        first = run[0]
        if not self.req[first]:
            return []
        op = self.ops[first]
        assert op is not None
        a0 = self.args[first]
        wanted = [c for c, j in enumerate(a0) if self.req[j]]
        if not wanted:
            return []
        slot = self.slot
        if len(run) <= SHORT and len(wanted) * len(run) <= 2 * TERMS:
            lines: list[str] = []
            for i in reversed(run):
                a = self.args[i]
                lines += self.backward_lines(op, len(a), wanted, [f"V[{slot[j]}]" for j in a],
                                             f"V[{slot[i]}]", f"G[{slot[i]}]", [f"G[{slot[j]}]" for j in a])
            return lines
        if parallel and op is LINEAR and not any(self.unit[i] for i in run):
            grid = self.grid(run)
            if grid is not None:
                return backward_grid(grid, self.code.const)
        if parallel:
            gathered = self.backward_parallel(run, op, wanted)
            if gathered is not None:
                return gathered
        return self.backward_loop(run, op, wanted)

    def backward_parallel(self, run: list[int], op: Op, wanted: list[int]) -> list[str] | None:
        """A run whose nodes do not use each other: every g and slope is final, so the
        terms are computed at once and each parent's slot receives its own in order.

        Only the order of the additions into one slot matters, so the terms are
        grouped by slot: a slot with one term and no other use is assigned
        (−0.0 + t is t), one with many is a ``reduce`` over its terms, the
        rest are added one by one, each slot's terms in the recorded order.
        """
        slot, gather, m = self.slot, self.code.gather, len(run)
        # (parent's slot, term index p·m + k) in the recorded order: nodes k backwards, operands p in order
        get = slot.__getitem__
        parents = list(zip(*[self.args[i] for i in run]))  # operand c of node k: parents[c][k]
        wide = len(wanted)
        flat_t = list(chain.from_iterable(zip(*[map(get, reversed(parents[c])) for c in wanted])))

        def x_at(q: int) -> int:  # the term index p·m + k of the q-th contribution in the recorded order
            return (q % wide) * m + (m - 1 - q // wide)
        lines: list[str] = []
        gs = list(map(get, run))
        ds: list[list[int]] = []
        if op in _SLOPE_IS_OPERAND:  # term (p, k) = g_k · V[slope slot]
            ds = [self.slope_column(op, parents, c) for c in wanted]

            units = all(self.unit[i] for i in run)  # every g is 1.0: the terms are the slopes

            def terms(xs: list[int]) -> str:
                g_at = [gs[x % m] for x in xs]
                d_at = [ds[x // m][x % m] for x in xs]
                if units:
                    return f"[1.0] * {len(d_at)}" if all(d == self.one for d in d_at) else gather("V", d_at)
                if all(d == self.one for d in d_at):
                    if all(g == g_at[0] for g in g_at):
                        return f"[G[{g_at[0]}]] * {len(g_at)}"
                    return gather("G", g_at)
                return f"map(_mul, {gather('G', g_at)}, {gather('V', d_at)})"
        else:
            template = self.template(op, len(self.args[run[0]]))
            if template is None:
                return None
            arity = len(self.args[run[0]])
            cols = [gather("V", [slot[self.args[i][c]] for i in run]) for c in range(arity)]
            names = [f"_x{c}" for c in range(arity)]
            sources = [gather('G', [slot[i] for i in run])] + cols + [gather('V', [slot[i] for i in run])]
            for p, c in enumerate(wanted):
                d = template.outputs[c]
                if isinstance(d, float):
                    term = "_g" if d == 1.0 else "-_g" if d == -1.0 else f"_g * {_lit(d)}"
                else:
                    term = _times_g(_Template.fill(d, names + ['_y']))
                # only the operands the slope reads, zipped with g
                used = [k for k, name in enumerate(["_g"] + names + ["_y"]) if k == 0 or _reads(term, name)]
                targets = ", ".join(["_g", *names, "_y"][k] for k in used)
                zipped = sources[0] if len(used) == 1 else f"zip({', '.join(sources[k] for k in used)})"
                lines.append(f"_L{p} = [{term} for {targets} in {zipped}]")
            lines.append("_L = " + " + ".join(f"_L{p}" for p in range(len(wanted))))

            def terms(xs: list[int]) -> str:
                return "_L" if xs == list(range(len(flat_t))) else gather("_L", xs)
        sole: list[tuple[int, int]] = []
        many: list[tuple[int, list[int]]] = []
        sliced: list[tuple[int, slice, slice]] = []  # G[t] = reduce(+, g·slope over two slices, G[t])
        summed: list[tuple[int, slice]] = []  # G[t] = reduce(+, g over a slice, G[t]) (slopes 1)
        added: set[int] = set()  # slots whose terms are added one by one
        fanout, node_at, one = self.fanout, self.node_at, self.one
        slopes = op in _SLOPE_IS_OPERAND

        def group(targets: list[int], g_at: list[int], d_at: list[int], x_of: Any) -> None:
            """Sort one part's contributions by slot (stably: each slot's terms stay in order)."""
            count = len(targets)
            perm = sorted(range(count), key=targets.__getitem__)
            pick = itemgetter(*perm) if count > 1 else (lambda seq: (seq[0],))
            by_t = pick(targets)
            by_g, by_d = (pick(g_at), pick(d_at)) if slopes else ((), ())
            start = 0
            for t, same in groupby(by_t):
                end = start + len(list(same))
                if end - start == 1:
                    if fanout[node_at[t]] == 1:
                        sole.append((t, x_of(perm[start])))
                    else:
                        added.add(t)
                elif end - start < SEGMENT:
                    added.add(t)
                elif slopes:
                    g_sl = _slice(list(by_g[start:end]))
                    d_run = list(by_d[start:end])
                    d_sl = _slice(d_run)
                    if g_sl is not None and d_run.count(one) == len(d_run):
                        summed.append((t, g_sl))
                    elif g_sl is not None and d_sl is not None:
                        sliced.append((t, g_sl, d_sl))
                    else:
                        many.append((t, list(map(x_of, perm[start:end]))))
                else:
                    many.append((t, list(map(x_of, perm[start:end]))))
                start = end

        # each slot's terms together, in the recorded order.  When no slot is an operand
        # in two positions, one position (column) at a time: less memory at once.
        columns = [list(map(get, reversed(parents[c]))) for c in wanted]
        distinct = [set(col) for col in columns]
        g_rev = gs[::-1]
        if sum(map(len, distinct)) == len(set().union(*distinct)):
            del distinct
            for p in range(wide):
                group(columns[p], g_rev, ds[p][::-1] if slopes else [],
                      lambda q, p=p: p * m + (m - 1 - q))
        else:
            del distinct
            group(flat_t, list(chain.from_iterable(zip(*[g_rev] * wide))) if slopes else [],
                  list(chain.from_iterable(zip(*[reversed(d) for d in ds]))) if slopes else [], x_at)
        del columns
        sole.sort()
        rest = [(t, x_at(q)) for q, t in enumerate(flat_t) if t in added] if added else []
        if sole and op in _SLOPE_IS_OPERAND:  # column by column, when targets, g and slopes are slices
            by_column: dict[int, list[tuple[int, int]]] = {}
            for t, x in sole:
                by_column.setdefault(x // m, []).append((t, x))
            left = []
            for p, pairs in by_column.items():
                t_sl = _slice([t for t, _ in pairs])
                g_sl = _slice([gs[x % m] for _, x in pairs])
                d_at = [ds[p][x % m] for _, x in pairs]
                d_sl = _slice(d_at)
                if t_sl is not None and units and d_sl is not None:
                    lines.append(f"G[{src_slice(t_sl)}] = V[{src_slice(d_sl)}]")
                elif t_sl is not None and units and all(d == self.one for d in d_at):
                    lines.append(f"G[{src_slice(t_sl)}] = [1.0] * {len(d_at)}")
                elif t_sl is not None and g_sl is not None and all(d == self.one for d in d_at):
                    lines.append(f"G[{src_slice(t_sl)}] = G[{src_slice(g_sl)}]")
                elif t_sl is not None and g_sl is not None and d_sl is not None:
                    lines.append(f"G[{src_slice(t_sl)}] = map(_mul, G[{src_slice(g_sl)}], V[{src_slice(d_sl)}])")
                else:
                    left += pairs
            sole = sorted(left)
        if sole:
            ts = [t for t, _ in sole]
            into = gather("G", ts)
            if into.startswith("G["):  # evenly spaced: one slice assignment
                lines.append(f"{into} = {terms([x for _, x in sole])}")
            else:
                lines += [f"for _j, _t in zip({self.code.const(tuple(ts), 'T')}, {terms([x for _, x in sole])}):",
                          "    G[_j] = _t"]
        if sliced:
            lines += [f"for _j, _sg, _sd in {self.code.const(tuple(sliced), 'S')}:",
                      "    G[_j] = _total(map(_mul, G[_sg], V[_sd]), G[_j])"]
        if summed:
            lines += [f"for _j, _sg in {self.code.const(tuple(summed), 'S')}:",
                      "    G[_j] = _total(G[_sg], G[_j])"]
        if many:
            segments = tuple((t, len(xs)) for t, xs in many)
            lines += [f"_it = iter({terms([x for _, xs in many for x in xs])})",
                      f"for _j, _k in {self.code.const(segments, 'S')}:",
                      "    G[_j] = _total(_islice(_it, _k), G[_j])"]
        # the rest by rank: every slot's first term, then every slot's second, …
        ranks: list[list[tuple[int, int]]] = []
        count: dict[int, int] = {}
        for t, x in rest:
            r = count.get(t, 0)
            count[t] = r + 1
            if r == len(ranks):
                ranks.append([])
            ranks[r].append((t, x))
        for pairs in ranks:
            pairs.sort()
            ts = [t for t, _ in pairs]
            sl = _slice(ts)
            if sl is not None and sl.step > 0:  # one slice of slots: G[t] + term for all at once
                lines.append(f"G[{src_slice(sl)}] = map(_add, G[{src_slice(sl)}], {terms([x for _, x in pairs])})")
            else:
                lines += [f"for _j, _t in zip({self.code.const(tuple(ts), 'T')}, {terms([x for _, x in pairs])}):",
                          "    G[_j] += _t"]
        return lines

    def columns(self, run: list[int]) -> tuple[list[str], int]:
        """How a loop over ``run`` reads each operand: 'const' (one slot for the whole run,
        held in a local), 'table', or at most one 'prev' (the node before, carried in a
        local); and the prev column (-1 for none)."""
        arity = len(self.args[run[0]])
        slot, args = self.slot, self.args
        at = slot.__getitem__
        out_slots = list(map(at, run))
        outs = set(out_slots)
        per = list(map(list, zip(*[map(at, args[i]) for i in run])))  # each operand's slots over the run
        kinds = []
        for c in range(arity):
            col = per[c]
            others = set(chain.from_iterable(per[d] for d in range(arity) if d != c))
            if col.count(col[0]) == len(col) and col[0] not in others and col[0] not in outs:
                kinds.append("const")
            else:
                kinds.append("table")
        prev = -1
        for c in range(arity):
            col = per[c]
            if kinds[c] == "table" and len(run) > 1 and col[1:] == out_slots[:-1] \
                    and set(map(self.fanout.__getitem__, run[:-1])) == {1} \
                    and outs.isdisjoint(chain.from_iterable(per[d] for d in range(arity) if d != c)):
                kinds[c] = "prev"  # operand c is the node before, used by this one alone
                prev = c
                break
        return kinds, prev

    def forward_loop(self, run: list[int], op: Op) -> list[str]:
        """A loop over the run in order: the operation's line written once."""
        arity = len(self.args[run[0]])
        kinds, prev = self.columns(run)
        slot = self.slot
        if prev >= 0 and len(_FORWARD[op]("_y", ["_a"] * arity)) > 1:
            kinds[prev], prev = "table", -1  # a long sum: the carried value would be overwritten
        lines = [f"_c{c} = V[{slot[self.args[run[0]][c]]}]" for c in range(arity) if kinds[c] == "const"]
        if prev >= 0:
            lines.append(f"_y = V[{slot[self.args[run[0]][prev]]}]")
        names = [f"_c{c}" if kinds[c] == "const" else "_y" if kinds[c] == "prev" else f"V[_p{c}]"
                 for c in range(arity)]
        body = _FORWARD[op]("_y" if prev >= 0 else "V[_o]", names)
        if prev >= 0:
            body = body + ["V[_o] = _y"]
        table_cols = [c for c in range(arity) if kinds[c] == "table"]
        outs = [slot[i] for i in run]
        if not table_cols and outs == list(range(outs[0], outs[0] + len(outs))):
            head = f"for _o in range({outs[0]}, {outs[-1] + 1}):"
        else:
            table = tuple(tuple([slot[i]] + [slot[self.args[i][c]] for c in table_cols]) for i in run)
            head = f"for _o, {', '.join(f'_p{c}' for c in table_cols)}, in {self.code.const(table, 'T')}:"
        return lines + [head] + ["    " + line for line in body]

    def backward_loop(self, run: list[int], op: Op, wanted: list[int]) -> list[str]:
        """A loop over the run in reverse order: g read from G (or carried from the next node)."""
        arity = len(self.args[run[0]])
        kinds, prev = self.columns(run)
        if prev >= 0 and prev not in wanted:
            kinds[prev], prev = "table", -1
        slot = self.slot
        first = self.args[run[0]]
        lines = [f"_c{c} = V[{slot[first[c]]}]" for c in range(arity) if kinds[c] == "const"]
        lines += [f"_h{c} = G[{slot[first[c]]}]" for c in wanted if kinds[c] == "const"]
        if prev >= 0:
            lines.append(f"_g = G[{slot[run[-1]]}]")
        table_cols = [c for c in range(arity) if kinds[c] in ("table", "prev")]
        outs = [slot[i] for i in run]
        targets = [f"_h{c}" if kinds[c] == "const" else "_n" if kinds[c] == "prev" else f"G[_p{c}]"
                   for c in range(arity)]

        def loop_body(names: list[str]) -> list[str]:
            body = [] if prev >= 0 else ["_g = G[_o]"]
            carry = []
            for line in self.backward_lines(op, arity, wanted, names, "V[_o]", "_g", targets):
                if line.startswith("_n += "):  # the node before has no other use: its g is this
                    carry.append("_g = " + line[6:])  # term, computed last, from this node's g
                elif line.startswith("_n -= "):
                    carry.append("_g = -" + line[6:])
                else:
                    body.append(line)
            return body + carry

        # a chain: the loop walks the values the nodes were computed from, newest first
        body = loop_body([f"_c{c}" if kinds[c] == "const" else "_x" if c == prev else f"V[_p{c}]"
                          for c in range(arity)])
        if (prev >= 0 and table_cols == [prev] and outs == list(range(outs[0], outs[0] + len(outs)))
                and not any("V[_o]" in line for line in body)):
            head = f"for _x in V[{outs[0]}:{outs[-1]}][::-1] + [V[{slot[first[prev]]}]]:"
        else:
            body = loop_body([f"_c{c}" if kinds[c] == "const" else f"V[_p{c}]" for c in range(arity)])
            table = tuple(tuple([slot[i]] + [slot[self.args[i][c]] for c in table_cols]) for i in reversed(run))
            head = f"for _o, {', '.join(f'_p{c}' for c in table_cols)}, in {self.code.const(table, 'T')}:"
        tail = [f"G[{slot[first[c]]}] = _h{c}" for c in wanted if kinds[c] == "const"]
        if prev >= 0:
            tail.append(f"G[{slot[first[prev]]}] += _g")
        return lines + [head] + ["    " + line for line in body] + tail

    def backward_lines(self, op: Op, arity: int, wanted: list[int], operands: list[str], out: str,
                       g: str, targets: list[str]) -> list[str]:
        """One node's contributions, from the rule's traced derivatives (or a call of the rule)."""
        template = self.template(op, arity)
        lines = []
        if template is None:
            called = self.called.setdefault(op.rule, f"_rule{len(self.called)}")
            lines.append(f"_d = {called}({out}, {', '.join(operands)})")
        for c in wanted:
            if template is None:
                lines.append(f"{targets[c]} += {g} * _d[{c}]")
                continue
            d = template.outputs[c]
            if isinstance(d, float):  # x·1 = x and x·(−1) = −x exactly
                if d == 1.0:
                    lines.append(f"{targets[c]} += {g}")
                elif d == -1.0:
                    lines.append(f"{targets[c]} -= {g}")
                else:
                    lines.append(f"{targets[c]} += {g} * {_lit(d)}")
            else:
                lines.append(f"{targets[c]} += {g} * {_Template.fill(d, operands + [out])}")
        return lines


def _reads(expr: str, name: str) -> bool:
    """Whether the expression reads the variable ``name``."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", expr) is not None


def _times_g(slope: str) -> str:
    """``_g`` times a traced slope; a slope ``(1.0 if c else e)`` as ``(_g if c else _g * e)``
    (g·1.0 is g exactly: one multiplication fewer where the branch is taken)."""
    head = "(1.0 if "
    if slope.startswith(head) and slope.endswith(")"):
        depth = 0
        for k in range(len(head), len(slope) - 1):
            ch = slope[k]
            depth += (ch == "(") - (ch == ")")
            if depth < 0:
                break
            if depth == 0 and slope.startswith(" else ", k):
                cond, other = slope[len(head):k], slope[k + 6:-1]
                if _balanced(cond) and _balanced(other):
                    return f"(_g if {cond} else _g * {other})"
                break
    return f"_g * {slope}"


def _balanced(expr: str) -> bool:
    depth = 0
    for ch in expr:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def _slice(idx: list[int]) -> slice | None:
    """The slice that picks ``idx`` (two or more slots) from a list, if they are evenly spaced."""
    return row_slice(idx) if len(idx) >= 2 else None


def _fused_sum(before: list[str], block: list[str], products: list[int], run: list[int], ops: list[Op | None],
               slot: list[int], fanout: list[int], shown: set[int]) -> str | None:
    """One line for a run of products summed by the next node and used nowhere else:
    ``V[s] = _total(map(_mul, A, B), -0.0)``, the products never stored (the
    backward of ``a·b`` reads a and b, that of a sum no term's value)."""
    if len(run) != 1 or ops[run[0]] is not SUM or ops[products[0]] is not MUL or len(before) != 1 \
            or len(block) != 1 or len(products) <= SHORT:
        return None
    lo, hi = slot[products[0]], slot[products[-1]] + 1
    head = f"V[{lo}:{hi}] = map(_mul, "
    out = f"V[{slot[run[0]]}] = "
    if not before[0].startswith(head) or block[0] != f"{out}_total(V[{lo}:{hi}], -0.0)":
        return None
    if any(fanout[i] != 1 or i in shown for i in products):
        return None
    return f"{out}_total({before[0][len(head) - len('map(_mul, '):]}, -0.0)"


def unit_gradients(ops: list[Op | None], args: list[tuple[int, ...]], req: list[bool],
                   fanout: list[int]) -> list[bool]:
    """Which gradients are exactly 1.0 whatever the values: the root's, and a node's
    whose one use is a slope-1 operand (a term of a sum, the first of a − b, a
    bias) of a node whose gradient is 1.0.  g · ∂ is then ∂ itself, exactly."""
    n = len(ops)
    unit = [False] * n
    unit[n - 1] = req[n - 1]
    for i in range(n - 1, -1, -1):
        if not unit[i] or not args[i]:
            continue
        op, a = ops[i], args[i]
        for c, j in enumerate(a):
            if fanout[j] == 1 and req[j] and args[j] and (
                    op in (ADD, SUM) or (op is SUB and c == 0) or (op is LINEAR and c == len(a) - 1)):
                unit[j] = True
    return unit


def runs(order: list[int], args: list[tuple[int, ...]], keys: list[int]) -> list[tuple[list[int], bool]]:
    """``order`` cut into runs of one kind: (nodes, parallel), parallel when none uses another."""
    out: list[tuple[list[int], bool]] = []
    k = 0
    while k < len(order):
        start = k
        key = keys[order[k]]
        while k < len(order) and keys[order[k]] == key:
            k += 1
        run = order[start:k]
        # split where a node uses one of its own run
        member = set(run)
        if all(member.isdisjoint(args[i]) for i in run):
            out.append((run, True))
            continue
        parts: list[list[int]] = [[]]
        members: set[int] = set()
        most = len(run) // SPLIT  # more parts than this: mostly a chain, one loop in order
        chain_like = False
        for i in run:
            if not members.isdisjoint(args[i]):
                if len(parts) >= most:
                    chain_like = True
                    break
                parts.append([])
                members = set()
            parts[-1].append(i)
            members.add(i)
        if chain_like:
            out.append((run, False))
        else:
            out.extend((part, True) for part in parts)
    return out


def generate(ops: list[Op | None], args: list[tuple[int, ...]], data: dict[int, float],
             slot_of: dict[int, tuple[str, int]], params_at: list[int], outputs_at: list[int],
             nx: int, np_: int, chunk: int) -> tuple[list[tuple[str, list[str]]], dict[str, Any],
                                                     dict[str, Any], dict[Any, str]]:
    """(functions as (name, lines), their constants, the driver's constants, rules called by name).

    The last function is the driver ``_replay(X, P) -> (root value, param
    grads, output values)``; the others take (V, G) and hold at most ``chunk``
    lines each (a run is never cut).
    """
    n = len(ops)
    pset = {i for i in params_at if i >= 0}
    req = [False] * n  # the node leads to a param: it needs a gradient
    for i, a in enumerate(args):
        if i in pset:
            req[i] = True
            continue
        for p in a:  # a loop that stops at the first parent needing one
            if req[p]:
                req[i] = True
                break
    # slots: X, P, frozen leaves, 1.0 and -1.0, then the computed nodes in the written order
    slot = [0] * n
    tail: list[float] = []
    for i in range(n):
        if not args[i]:
            if i in slot_of:
                src, k = slot_of[i]
                slot[i] = k if src == "X" else nx + k
            else:
                slot[i] = nx + np_ + len(tail)
                tail.append(data[i])
    one = nx + np_ + len(tail)
    minus = one + 1
    tail += [1.0, -1.0]
    # a node's kind: its operation, arity and which operands need a gradient (True: all of
    # them, found by one set test; the pattern is gathered only when some do not)
    all_need = {i for i, r in enumerate(req) if not r}.isdisjoint
    kinds: dict[Key, int] = {}
    keys = [kinds.setdefault((op, len(a), (True if all_need(a) else picked(req, a)) if req[i] else None),
                             len(kinds))
            if a else -1 for i, (op, a) in enumerate(zip(ops, args))]
    order, fanout = schedule(args, keys)
    base = nx + np_ + len(tail)
    for q, i in enumerate(order):
        slot[i] = base + q
    tail += [0.0] * len(order)
    total = base + len(order)

    w = _Writer(ops, args, req, slot, one, minus, fanout)
    w.unit = unit_gradients(ops, args, req, fanout)
    cut = runs(order, args, keys)
    blocks = [w.forward(run, parallel) for run, parallel in cut]
    shown = set(outputs_at)
    for k in range(1, len(cut)):
        fused = _fused_sum(blocks[k - 1], blocks[k], cut[k - 1][0], cut[k][0], ops, slot, fanout, shown)
        if fused is not None:
            blocks[k - 1], blocks[k] = [], [fused]
    root = n - 1
    if req[root]:
        blocks.append([f"G[{slot[root]}] = 1.0"])
    blocks += [w.backward(run, parallel) for run, parallel in reversed(cut)]

    functions: list[tuple[str, list[str]]] = []
    current: list[str] = []
    for block in blocks + [None]:
        if current and (block is None or len(current) + len(block) > chunk):
            name = f"_f{len(functions)}"
            functions.append((name, [f"def {name}(V, G):"] + ["    " + line for line in current] + [""]))
            current = []
        if block is not None:
            current += block
    ginit = [-0.0] * total
    for k, i in enumerate(params_at):
        if i < 0:
            ginit[nx + k] = 0.0  # a param the root does not use: gradient 0
    driver = ["def _replay(X, P):", "    V = X + P + _TAIL", "    G = _GINIT[:]"]
    driver += [f"    {name}(V, G)" for name, _ in functions]
    outs = ", ".join(f"V[{slot[i]}]" for i in outputs_at)
    driver.append(f"    return V[{slot[root]}], G[{nx}:{nx + np_}], [{outs}]")
    functions.append(("_replay", driver + [""]))
    return functions, w.code.consts, {"_TAIL": tail, "_GINIT": ginit}, w.called

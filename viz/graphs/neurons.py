"""The neuron view of a computation graph: one record per neuron (``draw(root, neurons=True)``).

For networks built by ``nn``, whose nodes are named ``layer<L>.neuron<N>.…``:
each neuron's parameters, z and a (and the unnamed nodes that join them)
become one record; inputs keep their own records; the loss part is one record.
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterable

from autograd import Value

from . import style
from .base import (
    ComputationGraph,
    _cluster_attrs,
    _clusters,
    _digraph,
    _edge_attrs,
    _highlighted,
    _kinds,
    _legend_node,
    _short_name,
    _value_node,
)

# --- the neuron view ------------------------------------------------------------
#
# One record per neuron instead of one per scalar operation.  Every node is
# drawn into exactly one record:
#   neuron  every node in a `layer<L>.neuron<N>` cluster (its parameters, z, a,
#           and the unnamed nodes that join it), all samples together;
#   leaf    a leaf outside any neuron: an input (x1), a shared bias (layer1.b);
#           leaves with the same name and cluster (x1 of every sample) merge;
#   rest    every other operation (the loss part), shown as the root it ends in.
# Constants get no record.  A record's id is n<topological index of its first
# value>, so the DOT is as deterministic as the operation view's.

_NEURON_CLUSTER = re.compile(r"(?:^|\.)layer\d+\.neuron\d+$")  # a cluster path entry
_NEURON_PREFIX = re.compile(r"(?:^|\.)layer\d+\.neuron\d+\.")  # inside a dotted name


class _Record:
    """One record of the neuron view and the values drawn into it."""

    __slots__ = ("kind", "first", "place", "name", "members")

    def __init__(self, kind: str, first: int, place: tuple[str, ...], name: str | None) -> None:
        self.kind = kind  # 'neuron', 'leaf' or 'rest'
        self.first = first  # topological index of its first value: the id n<first>
        self.place = place  # the cluster path it is drawn in
        self.name = name  # 'layer1.neuron2', the leaf's name, or None
        self.members: list[Value] = []

    @property
    def id(self) -> str:
        return f"n{self.first}"


def _neuron_names(order: list[Value]) -> list[str]:
    """The neurons named in a graph ('layer1.neuron1', …), in order of first appearance."""
    found: dict[str, None] = {}
    for v in order:
        if v.name is not None:
            m = _NEURON_PREFIX.search(v.name)
            if m:
                found.setdefault(v.name[: m.end() - 1], None)
    return list(found)


def _neuron_records(
    order: list[Value], cluster_of: dict[Value, tuple[str, ...]]
) -> tuple[list[_Record], dict[Value, _Record]]:
    """Every record of the neuron view, in order of first value, and each value's record."""
    records: dict[tuple, _Record] = {}
    record_of: dict[Value, _Record] = {}
    depth_of: dict[tuple[str, ...], int | None] = {}  # cluster path -> index of its neuron entry
    for i, v in enumerate(order):
        if v.is_constant:
            continue
        path = cluster_of[v]
        if path not in depth_of:
            depth_of[path] = next(
                (d for d, part in enumerate(path) if _NEURON_CLUSTER.search(part)), None
            )
        k = depth_of[path]
        if k is not None and (not v.is_leaf or v.name is not None):
            key: tuple = ("neuron", path[k])  # a named leaf here is the neuron's own parameter
            kind, place, name = "neuron", path[:k], path[k]
        elif v.is_leaf:  # an unnamed leaf that only one neuron reads is still its input
            place = path if k is None else ()
            key = ("leaf", place, v.name) if v.name is not None else ("leaf", i)
            kind, name = "leaf", v.name
        else:
            key, kind, place, name = ("rest",), "rest", (), None
        rec = records.get(key)
        if rec is None:
            rec = records[key] = _Record(kind, i, place, name)
        rec.members.append(v)
        record_of[v] = rec
    return list(records.values()), record_of


def _weight_of(v: Value, k: int, rec: _Record, record_of: dict[Value, _Record]) -> Value | None:
    """The weight that multiplies parent ``k`` of ``v`` inside neuron ``rec``, if any.

    z = linear(w1, x1, w2, x2, …, b): parent 2j+1 is scaled by parent 2j;
    the unfused w·x: the other operand, when it is one of the neuron's leaves.
    """
    parents = v.parents
    if v.op == "linear" and k % 2 == 1:
        w = parents[k - 1]
    elif v.op == "*" and len(parents) == 2:
        w = parents[1 - k]
    else:
        return None
    return w if w.is_leaf and record_of.get(w) is rec else None


class _Edge:
    """A drawn edge of the neuron view: the value edges it stands for, summed up."""

    __slots__ = ("source", "target", "weights", "bias", "on")

    def __init__(self, source: _Record, target: _Record) -> None:
        self.source = source
        self.target = target
        self.weights: list[Value] = []  # the weights on it, in order of first use
        self.bias = True  # every value edge in it brings a leaf straight into a neuron's z
        self.on = False  # on a highlighted path


def _neuron_edges(
    order: list[Value],
    record_of: dict[Value, _Record],
    on_path: set[Value] | None,
    targets: set[Value],
) -> list[_Edge]:
    """One edge per pair of records that some value edge joins, in order of first use."""
    found: dict[tuple[int, int], _Edge] = {}
    for v in order:
        rec = record_of.get(v)
        if rec is None or not v.parents:
            continue
        result_on = on_path is not None and v in on_path and v not in targets
        for k, p in enumerate(v.parents):
            src = record_of.get(p)
            if src is None or src is rec:  # a constant, or inside one record
                continue
            key = (src.first, rec.first)
            edge = found.get(key)
            if edge is None:
                edge = found[key] = _Edge(src, rec)
            w = _weight_of(v, k, rec, record_of) if rec.kind == "neuron" else None
            if w is not None:
                if w not in edge.weights:
                    edge.weights.append(w)
                if w in targets:
                    edge.on = True
            edge.bias = edge.bias and w is None and rec.kind == "neuron" and p.is_leaf
            if result_on and p in on_path:
                edge.on = True
    return list(found.values())


def _draw_neurons(
    root: Value,
    order: list[Value],
    operations: int,
    *,
    grads: bool,
    edge_labels: bool,
    digits: int,
    rankdir: str,
    highlight: Any,
    clusters: bool,
    legend: bool,
    title: str | None,
    params: Iterable[Value] | None,
    max_nodes: int | None,
) -> ComputationGraph:
    """``draw(root, neurons=True)``: one record per neuron (see ``draw``)."""
    cluster_of = _clusters(order, root)
    records, record_of = _neuron_records(order, cluster_of)
    neuron_count = sum(1 for r in records if r.kind == "neuron")
    if neuron_count == 0:
        raise ValueError(
            "neurons=True: no node in this graph is named like a neuron's "
            "(layer<L>.neuron<N>.z, as nn names them): draw it without neurons=True"
        )
    if max_nodes is not None and len(records) > max_nodes:
        raise ValueError(
            f"the neuron view has {len(records)} records ({neuron_count} neurons), more than "
            f"max_nodes={max_nodes}: draw a smaller part (draw() one neuron's a shows only "
            "what it depends on); or pass max_nodes=None to lift the limit "
            "(the layout may then take minutes)"
        )

    index = {v: i for i, v in enumerate(order)}
    kinds = _kinds(order, root, params)
    grads_known = root.grad != 0.0
    on_path, targets = _highlighted(order, index, highlight, every_named=True)
    edges = _neuron_edges(order, record_of, on_path, targets)
    samples = max(_samples(r) for r in records if r.kind == "neuron")

    def state(rec: _Record) -> str:
        if on_path is None:
            return "plain"
        if any(v in targets for v in rec.members):
            return "target"
        return "on" if any(v in on_path for v in rec.members) else "dim"

    states = {r.first: state(r) for r in records}
    place = {r.first: (r.place if clusters else ()) for r in records}
    # shared biases (parameters added straight into neurons' z) and how many neurons add each
    shared: dict[int, int] = {}
    fan_in: dict[int, int] = {}
    for edge in edges:
        fan_in[edge.target.first] = fan_in.get(edge.target.first, 0) + 1
        src = edge.source
        if edge.bias and src.kind == "leaf" and kinds[src.members[0]] == "parameter":
            shared[src.first] = shared.get(src.first, 0) + 1
    # … drawn in their layer's column, without edges, when the layers are clusters
    layers = {r.place for r in records if r.kind == "neuron"}
    in_column = {first for first in shared if place[first] in layers} if clusters else set()
    # wide layers join by many edges: more room between the columns
    ranksep = (0.9 if edge_labels else 0.55) + 0.05 * min(max(fan_in.values(), default=0), 16)
    dot = _digraph(rankdir, "0.3", f"{ranksep:.2f}", title)
    # keep each column in the order it is written (neuron1 first): the final
    # cross-cluster pass of dot would reorder neurons whose edges all cross alike
    dot.attr("graph", remincross="false")

    def emit(graph: Any, rec: _Record) -> None:
        st = states[rec.first]
        is_root = root in rec.members
        if rec.kind == "neuron":  # 'neuron2' inside its layer's cluster, else 'layer1.neuron2'
            shown = rec.name[len(rec.place[-1]) + 1:] if place[rec.first] else rec.name
            attrs = _neuron_node(rec, shown, is_root, st, grads, grads_known, digits)
        elif rec.kind == "rest":
            attrs = _rest_node(rec, root, st, grads, grads_known, digits)
        else:
            shown = _short_name(rec.name, place[rec.first])
            count = shared.get(rec.first, 0) if rec.first in in_column else 0
            kind = kinds[rec.members[0]]
            attrs = _leaf_node(rec, shown, kind, st, grads, grads_known, digits, count)
        graph.node(rec.id, **attrs)

    # records, cluster by cluster (layers), clusters in the order of their first record
    members: dict[tuple[str, ...], list[_Record]] = {(): []}
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {(): []}
    for rec in records:
        path = place[rec.first]
        for depth in range(1, len(path) + 1):
            if path[:depth] not in members:
                members[path[:depth]] = []
                children[path[:depth]] = []
                children[path[: depth - 1]].append(path[:depth])
        members[path].append(rec)
    lit = {
        place[r.first][:d]
        for r in records
        if states[r.first] in ("on", "target")
        for d in range(1, len(place[r.first]) + 1)
    }
    numbered = iter(range(len(members)))

    def emit_column(graph: Any, column: list[_Record], in_cluster: bool) -> None:
        """Records in one rank, in this order: top to bottom (LR, RL) or left to right (TB, BT)."""
        with graph.subgraph() as same:
            same.attr(rank="same")
            for rec in column:
                emit(same, rec)
            # invisible edges fix the order, as both backends lay them out: a
            # flat edge's tail comes first, except inside a cluster drawn LR or
            # RL, where it comes last
            chain = column[::-1] if in_cluster and rankdir in ("LR", "RL") else column
            for a, b in zip(chain, chain[1:]):
                same.edge(a.id, b.id, style="invis")

    def emit_cluster(graph: Any, path: tuple[str, ...]) -> None:
        here = members[path]
        columns: dict[Any, list[_Record]] = {}  # layer -> neuron1 … neuronN, then its leaves
        for rec in here:
            if rec.kind == "neuron":
                columns.setdefault(rec.place, []).append(rec)
        if path in columns:
            columns[path] += [r for r in here if r.kind != "neuron"]
        inputs = [r for r in here if r.kind == "leaf" and kinds[r.members[0]] == "input"]
        if not path and len(inputs) > 1:
            columns["inputs"] = inputs  # x1, x2, … in order
        in_columns = {r.first for column in columns.values() for r in column}
        for rec in here:
            if rec.first not in in_columns:
                emit(graph, rec)
        for column in columns.values():
            emit_column(graph, column, in_cluster=bool(path))
        for child in children[path]:
            with graph.subgraph(name=f"cluster_{next(numbered)}") as sub:
                _cluster_attrs(sub, child, dim=on_path is not None and child not in lit)
                emit_cluster(sub, child)

    emit_cluster(dot, ())

    for edge in edges:
        if edge.source.first in in_column:  # a shared bias in its layer's column says so itself
            continue
        attrs = _edge_attrs(on_path is not None, edge.on)
        if edge.source.first in shared and on_path is None:  # a shared bias (clusters off)
            attrs.update(color=style.BIAS_EDGE, style="dashed")
        if edge_labels and edge.weights:
            attrs["label"] = _weight_label(edge, grads, grads_known, digits, on_path is not None)
        dot.edge(edge.source.id, edge.target.id, **attrs)

    if legend:
        with dot.subgraph() as sink:
            sink.attr(rank="sink")
            sink.node("legend", **_neuron_legend(root, grads, grads_known, edge_labels,
                                                 on_path is not None, samples, bool(shared)))

    ids = {v: rec.id for v, rec in record_of.items()}
    return ComputationGraph(dot.source, ids, operations, neurons=neuron_count, values=len(order))


def _samples(rec: _Record) -> int:
    """How many times a neuron ran: its z nodes (one per sample), or its a nodes."""
    zs = sum(1 for v in rec.members if v.name == rec.name + ".z")
    return zs or sum(1 for v in rec.members if v.name == rec.name + ".a")


def _numbers(values: list[Value], digits: int, grads_known: bool) -> tuple[str, str]:
    """(data, grad) of one value, or 'lowest … highest' over several (one per sample)."""
    if len(values) == 1:
        data, grad = style.fmt(values[0].data, digits), style.fmt(values[0].grad, digits)
    else:
        ds, gs = [v.data for v in values], [v.grad for v in values]
        data = style.fmt_range(min(ds), max(ds), digits)
        grad = style.fmt_range(min(gs), max(gs), digits)
    return data, grad if grads_known else "?"


def _look(kind: str, state: str, is_root: bool) -> dict[str, str]:
    """Colours and border width of a record in a highlight state."""
    fill, border = style.KIND_COLOURS[kind]
    look = dict(fill=fill, border=border, text=style.TEXT, caption=style.MUTED_TEXT,
                grad=style.GRAD_TEXT, width="2" if is_root else "1")
    if is_root and kind == "neuron":
        look["border"] = style.KIND_COLOURS["output"][1]
    if state == "dim":
        look.update(fill=style.DIM_FILL, border=style.DIM_BORDER, text=style.DIM_TEXT,
                    caption=style.DIM_TEXT, grad=style.DIM_TEXT)
    elif state in ("on", "target"):
        look.update(border=style.HIGHLIGHT, width="3" if state == "target" else "2")
    return look


def _table(
    look: dict[str, str],
    header: str,
    note: str | None,
    rows: list[tuple[str, str, str]],
    grads: bool,
    rounded: bool = False,
) -> str:
    """A record: a coloured header (name, a muted note), then caption | data | grad rows.

    With several rows (z, a, b) a first row names the columns; a single row
    captioned 'data' reads as the operation view's records do (data, then grad).
    """

    def small(text: str, size: str = "9") -> str:
        return f'<font color="{look["caption"]}" point-size="{size}">{html.escape(text)}</font>'

    def number(text: str, colour: str) -> str:
        return f'<td align="right"><font color="{colour}">{html.escape(text)}</font></td>'

    def grad_cell(text: str) -> str:
        return number(text, look["caption"] if text == "?" else look["grad"])

    span = 3 if grads else 2
    out = [
        f'<tr><td colspan="{span}" bgcolor="{look["fill"]}" sides="b" border="1" '
        f'color="{look["border"]}"><font color="{look["text"]}"><b>{html.escape(header)}</b></font>'
        f'{" " + small(note) if note else ""}</td></tr>'
    ]
    columns = grads and len(rows) > 1
    if columns:
        out.append(f'<tr><td></td><td align="right">{small("data", "8")}</td>'
                   f'<td align="right">{small("grad", "8")}</td></tr>')
    for caption, data, grad in rows:
        first = f'<td align="left">{small(caption)}</td>{number(data, look["text"])}'
        if not grads:
            out.append(f"<tr>{first}</tr>")
        elif columns:
            out.append(f"<tr>{first}{grad_cell(grad)}</tr>")
        else:  # one value: data and grad on rows of their own
            out.append(f"<tr>{first}</tr>")
            out.append(f'<tr><td align="left">{small("grad")}</td>{grad_cell(grad)}</tr>')
    corners = ' style="rounded"' if rounded else ""
    return (
        f'<<table border="{look["width"]}" cellborder="0" cellspacing="0" cellpadding="3" '
        f'color="{look["border"]}" bgcolor="white"{corners}>{"".join(out)}</table>>'
    )


def _neuron_node(
    rec: _Record, shown: str, is_root: bool, state: str, grads: bool, grads_known: bool, digits: int
) -> dict[str, str]:
    """A neuron: its name and activation, z, a and its own bias b (data, grad)."""
    prefix = rec.name + "."
    named: dict[str, list[Value]] = {"z": [], "a": [], "b": []}
    for v in rec.members:
        if v.name is not None and v.name.startswith(prefix):
            part = v.name[len(prefix):]
            if part in named and (part != "b" or v.is_leaf):
                named[part].append(v)
    rows = [(part, *_numbers(vs, digits, grads_known)) for part, vs in named.items() if vs]
    act = style.activation_symbol(named["a"][0].op) if named["a"] else (
        "linear" if named["z"] else None)
    count = _samples(rec)
    note = " · ".join(
        [x for x in (act, f"{count} samples" if count > 1 else None) if x]
    ) or None
    look = _look("neuron", state, is_root)
    tooltip = f"{rec.name}: {len(rec.members)} values" + (f", {count} samples" if count > 1 else "")
    return {"label": _table(look, shown, note, rows, grads), "shape": "plain", "tooltip": tooltip}


def _leaf_node(
    rec: _Record, shown: str | None, kind: str, state: str, grads: bool, grads_known: bool,
    digits: int, shared_by: int,
) -> dict[str, str]:
    """An input or a parameter outside the neurons: as in the operation view, with a note.

    A leaf repeated once per sample (x1 of every sample) shows its range and
    how many; a shared bias in its layer's column says how many neurons add it.
    """
    if len(rec.members) == 1 and not shared_by:
        v = rec.members[0]
        return _value_node(v, shown, kind, state, grads, grads_known, digits)
    notes = []
    if shared_by:
        notes.append(f"shared by {shared_by} neurons" if shared_by > 1 else "layer bias")
    if len(rec.members) > 1:
        notes.append(f"{len(rec.members)} samples")
    data, grad = _numbers(rec.members, digits, grads_known)
    look = _look(kind, state, False)
    label = _table(look, shown or "", " · ".join(notes), [("data", data, grad)], grads,
                   rounded=kind == "parameter")
    tooltip = f"{rec.name or 'leaf'}: {' · '.join(notes)}"
    return {"label": label, "shape": "plain", "tooltip": tooltip}


def _rest_node(
    rec: _Record, root: Value, state: str, grads: bool, grads_known: bool, digits: int
) -> dict[str, str]:
    """The operations after the last neurons (the loss), drawn as the value they end in."""
    ops = sum(1 for v in rec.members if v.parents)
    note = f"{ops} operation{'s' if ops != 1 else ''}"
    look = _look("output", state, root in rec.members)
    if root in rec.members:
        data, grad = _numbers([root], digits, grads_known)
        label = _table(look, root.name or "output", note, [("data", data, grad)], grads)
    else:  # operations between neurons (not from nn): no single value to show
        label = _table(look, "operations", note, [], grads)
    return {"label": label, "shape": "plain", "tooltip": f"{root.name or 'output'}: {note}"}


def _weight_label(
    edge: _Edge, grads: bool, grads_known: bool, digits: int, highlighting: bool
) -> str:
    """'w1 = 0.15' (the factor ∂z/∂input) with its grad below, for each weight on the edge."""
    colour = style.HIGHLIGHT if highlighting and edge.on else (
        style.DIM_TEXT if highlighting else style.WEIGHT_TEXT)
    grad_colour = style.DIM_TEXT if highlighting and not edge.on else style.GRAD_TEXT
    lines = []
    for w in edge.weights:
        name = _short_name(w.name, (edge.target.name,)) if edge.target.name else w.name
        text = f"{name or 'w'} = {style.fmt(w.data, digits)}"
        line = f'<font color="{colour}">{html.escape(text)}</font>'
        if grads:
            g = style.fmt(w.grad, digits) if grads_known else "?"
            shade = grad_colour if grads_known else style.MUTED_TEXT
            line += f'<br/><font color="{shade}" point-size="8">grad {g}</font>'
        lines.append(line)
    return "<" + "<br/>".join(lines) + ">"


def _neuron_legend(
    root: Value, grads: bool, grads_known: bool, edge_labels: bool, highlighted: bool, samples: int,
    shared_bias: bool,
) -> dict[str, str]:
    rows = ['<tr><td colspan="2" align="left"><b>legend</b></td></tr>']
    for kind in ("neuron", "input", "parameter", "output"):
        fill, border = style.KIND_COLOURS[kind]
        title = {"parameter": "parameter, layer bias", "output": "loss / output"}.get(
            kind, style.KIND_TITLES[kind])
        rows.append(
            f'<tr><td bgcolor="{fill}" border="1" color="{border}" width="14" height="10"></td>'
            f'<td align="left">{title}</td></tr>'
        )
    rows.append('<tr><td></td><td align="left">neuron: z = Σ w·x + b, a = f(z)</td></tr>')
    if shared_bias and grads:  # ∂z/∂b = 1 in every neuron that adds b
        rows.append('<tr><td></td><td align="left">layer bias grad = Σ of its neurons\' z grads'
                    "</td></tr>")
    if samples > 1:
        rows.append(
            f'<tr><td></td><td align="left">lo{html.escape(style.RANGE)}hi: over {samples} '
            "samples; parameter grads are totals</td></tr>"
        )
    if grads:
        note = (f"grad: ∂{root.name or 'output'}/∂node" if grads_known
                else "grad ?: backward() not run yet")
        rows.append(f'<tr><td></td><td align="left">{html.escape(note)}</td></tr>')
    if edge_labels:
        rows.append(
            f'<tr><td></td><td align="left"><font color="{style.WEIGHT_TEXT}">'
            "edge: the weight w = ∂z/∂input</font></td></tr>"
        )
    return _legend_node(rows, highlighted)

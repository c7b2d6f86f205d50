"""The neuron view of a computation graph: one record per neuron (``draw(root, neurons=True)``).

For networks built by ``nn``, whose nodes are named ``layer<L>.neuron<N>.…``:
each neuron's parameters, z and a (and the unnamed nodes that join them)
become one record; inputs keep their own records; the loss part is one record.
"""

from __future__ import annotations

import html
import re
from typing import Any
from collections.abc import Iterable

from autograd import Value

from . import style
from .formula import loss_formula
from .layers import Layering, Neuron, find_layers, natural_key
from .base import (
    ComputationGraph,
    _cluster_attrs,
    _clusters,
    _digraph,
    _edge_attrs,
    _highlighted,
    _kinds,
    _legend_node,
    caption_node,
    cluster_caption,
    _short_name,
    _value_node,
    header_cell,
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

    __slots__ = ("kind", "first", "place", "name", "members", "neuron", "column")

    def __init__(self, kind: str, first: int, place: tuple[str, ...], name: str | None) -> None:
        self.kind = kind  # 'neuron', 'leaf' or 'rest'
        self.first = first  # topological index of its first value: the id n<first>
        self.place = place  # the cluster path it is drawn in
        self.name = name  # 'layer1.neuron2', the leaf's name, or None
        self.members: list[Value] = []
        self.neuron: Neuron | None = None  # the layered view: the neuron it draws
        self.column = 0  # the layered view: 0 inputs, L layer L, then the loss

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
    name: str | None
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


def _layered_records(
    order: list[Value], layering: Layering, kinds: dict[Value, str], clusters: bool
) -> tuple[list[_Record], dict[Value, _Record]]:
    """The records of a layered network: neurons, inputs, shared biases, the loss part.

    Inputs of the same name (x1 of every sample) are one record; a bias that
    several neurons add is a record of its own in the column before them; every
    other value (the loss, the target) is drawn in the loss record.
    """
    consumers: dict[Value, list[Value]] = {}
    for v in order:
        for p in v.parents:
            consumers.setdefault(p, []).append(v)
    inputs = set(layering.inputs)
    depth = len(layering.layers)
    records: dict[tuple, _Record] = {}
    record_of: dict[Value, _Record] = {}
    name: str | None
    for i, v in enumerate(order):
        if v.is_constant:
            continue
        n = layering.neuron_of.get(v)
        users = consumers.get(v, [])
        if n is not None:
            key: tuple = ("neuron", n.layer, n.index)
            kind, name, column = "neuron", n.name, n.layer
        elif v.is_leaf and v in inputs:
            key, kind, name, column = ("leaf", v.name if v.name else i), "leaf", v.name, 0
        elif (v.is_leaf and kinds[v] == "parameter" and users
              and all(u in layering.neuron_of for u in users)):
            column = min(layering.neuron_of[u].layer for u in users) - 1  # a shared bias
            key, kind, name = ("leaf", v.name if v.name else i), "leaf", v.name
        else:
            key, kind, name, column = ("rest",), "rest", None, depth + 1
        rec = records.get(key)
        if rec is None:
            place = (f"layer{n.layer}",) if n is not None and clusters else ()
            rec = records[key] = _Record(kind, i, place, name)
            rec.neuron, rec.column = n, column
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
            if result_on and on_path is not None and p in on_path:
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
    names: dict[Value, str] | None = None,
) -> ComputationGraph:
    """``draw(root, neurons=True)``: one record per neuron (see ``draw``)."""
    index = {v: i for i, v in enumerate(order)}
    kinds = _kinds(order, root, params)
    layering = find_layers(order, {v for v in order if kinds[v] == "parameter"})
    if layering is not None:
        records, record_of = _layered_records(order, layering, kinds, clusters)
    else:
        records, record_of = _neuron_records(order, _clusters(order, root))
    neuron_count = sum(1 for r in records if r.kind == "neuron")
    if neuron_count == 0:
        raise ValueError(
            "neurons=True: no neuron found in this graph (a named net input Σ w·x + b, "
            "as nn and worked-example files make, or nodes named layer<L>.neuron<N>.z): "
            "draw it without neurons=True"
        )
    if max_nodes is not None and len(records) > max_nodes:
        raise ValueError(
            f"the neuron view has {len(records)} records ({neuron_count} neurons), more than "
            f"max_nodes={max_nodes}: draw a smaller part (draw() one neuron's a shows only "
            "what it depends on); or pass max_nodes=None to lift the limit "
            "(the layout may then take minutes)"
        )

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
    # the old view (no layering found): shared biases sit in their layer's column, edgeless
    layers = {r.place for r in records if r.kind == "neuron"}
    in_column = ({first for first in shared if place[first] in layers}
                 if clusters and layering is None else set())
    # wide layers join by many edges: more room between the columns
    # (a labelled edge's label is a rank of its own in dot's layout: half the gap then)
    ranksep = (0.9 if edge_labels else 0.55) + 0.05 * min(max(fan_in.values(), default=0), 16)
    # the layered view draws each weight label as a small node on its edge, a rank of its
    # own between two columns: no other edge passes through it
    on_nodes = edge_labels and layering is not None
    if on_nodes:
        ranksep = 0.12 + 0.03 * min(max(fan_in.values(), default=0), 16)
    dot = _digraph(rankdir, "0.25", f"{ranksep:.2f}", title)
    # keep each column in the order it is written (neuron1 first): the final
    # cross-cluster pass of dot would reorder neurons whose edges all cross alike
    dot.attr("graph", remincross="false")
    prediction = _predictions(layering, root) if layering is not None else {}

    def emit(graph: Any, rec: _Record) -> None:
        st = states[rec.first]
        is_root = root in rec.members
        if rec.kind == "neuron":  # 'neuron2' inside its layer's cluster, else 'layer1.neuron2'
            assert rec.name is not None  # a neuron's record is named after it
            if rec.neuron is not None:
                shown = rec.name
                if place[rec.first] and shown.startswith(place[rec.first][-1] + "."):
                    shown = shown[len(place[rec.first][-1]) + 1:]
                attrs = _layered_neuron_node(rec, shown, is_root, st, grads, grads_known, digits,
                                             prediction.get(rec.neuron), names)
            else:
                shown = rec.name[len(rec.place[-1]) + 1:] if place[rec.first] else rec.name
                attrs = _neuron_node(rec, shown, is_root, st, grads, grads_known, digits)
        elif rec.kind == "rest":
            attrs = _rest_node(rec, root, st, grads, grads_known, digits, record_of, prediction)
        else:
            leaf_name = rec.name if rec.neuron is None and layering is not None else \
                _short_name(rec.name, place[rec.first])
            if names and rec.members[0] in names:  # the document's name (b1, θ4)
                leaf_name = names[rec.members[0]]
            count = shared.get(rec.first, 0)
            if layering is None and rec.first not in in_column:
                count = 0
            kind = kinds[rec.members[0]]
            attrs = _leaf_node(rec, leaf_name, kind, st, grads, grads_known, digits, count)
        graph.node(rec.id, **attrs)

    lit = {
        place[r.first][:d]
        for r in records
        if states[r.first] in ("on", "target")
        for d in range(1, len(place[r.first]) + 1)
    }
    position: dict[int, int] = {}  # the layered view: each record's place in its column
    if layering is not None:
        position = _emit_columns(dot, records, layering, place, lit, on_path is not None, emit,
                                 rankdir)
    else:
        _emit_clustered(dot, records, kinds, place, lit, on_path is not None, emit, rankdir)

    labels: dict[int, str] = {}  # id(edge) -> its weight label
    for edge in edges:
        if edge_labels and edge.weights and edge.source.first not in in_column:
            labels[id(edge)] = _weight_label(edge, grads, grads_known, digits, on_path is not None,
                                             layering, names or {})
    if on_nodes:  # each label a node, pinned in its edge's order: the file's term order counts not
        _emit_label_nodes(dot, [e for e in edges if id(e) in labels], labels, position)

    for edge in edges:
        if edge.source.first in in_column:  # a shared bias in its layer's column says so itself
            continue
        attrs = _edge_attrs(on_path is not None, edge.on)
        if edge.source.first in shared and on_path is None:  # a shared bias: dashed, amber
            attrs.update(color=style.BIAS_EDGE, style="dashed")
        if id(edge) in labels:
            label = labels[id(edge)]
            if on_nodes:  # source — label — target: the label sits on its own line
                middle = _label_id(edge)
                dot.edge(edge.source.id, middle, arrowhead="none", **attrs)
                dot.edge(middle, edge.target.id, **attrs)
                continue
            attrs["label"] = label
        dot.edge(edge.source.id, edge.target.id, **attrs)

    if legend:
        key = _neuron_legend(root, grads, grads_known, edge_labels, on_path is not None, samples,
                             bool(shared))
        last = max(records, key=lambda r: (r.column, r.first)) if layering is not None else None
        if last is not None:  # under the loss, in its column: no extra width
            legend_beside(dot, last.id, bool(place[last.first]), key)
        else:
            with dot.subgraph() as sink:
                sink.attr(rank="sink")
                sink.node("legend", **key)

    ids = {v: rec.id for v, rec in record_of.items()}
    return ComputationGraph(dot.source, ids, operations, neurons=neuron_count, values=len(order))


def legend_beside(dot: Any, last: str, clustered: bool, key: dict[str, str]) -> None:
    """The legend in the last column, after node ``last`` (the loss, or the output
    neuron of a network with no loss): below it (LR), right of it (TB).

    A node in a cluster is never declared again outside it (dot would take it out of its
    layer's box): the legend then follows it by an invisible edge of length 0, which
    puts it in the same rank without naming the node in a rank=same subgraph.
    """
    if not clustered:
        with dot.subgraph() as sink:
            sink.attr(rank="same")
            sink.node(last)
            sink.node("legend", **key)
            sink.edge(last, "legend", style="invis")
        return
    dot.node("legend", **key)
    dot.edge(last, "legend", style="invis", minlen="0")


def _emit_columns(
    dot: Any, records: list[_Record], layering: Layering, place: dict[int, tuple[str, ...]],
    lit: set, highlighting: bool, emit: Any, rankdir: str,
) -> dict[int, int]:
    """The layered view: one rank per column (inputs, layer 1, …, the loss), each in order;
    returns each record's place in its column (by its ``first``).

    A column reads top to bottom (LR) or left to right (TB): inputs and
    neurons in index order, then the shared biases the next layer adds.
    """
    input_rank = {v.name if v.name else i: k for k, v in enumerate(layering.inputs) for i in [0]}
    columns: dict[int, list[_Record]] = {}
    for rec in records:
        columns.setdefault(rec.column, []).append(rec)

    def key(rec: _Record) -> tuple:
        if rec.kind == "neuron":
            return (0, rec.neuron.index if rec.neuron is not None else 0, ())
        if rec.column == 0 and rec.name in input_rank:
            return (1, input_rank[rec.name], ())
        return (2, 0, natural_key(rec.name))

    numbered = iter(range(len(columns)))
    position: dict[int, int] = {}
    for column in sorted(columns):
        recs = sorted(columns[column], key=key)
        position.update((r.first, k) for k, r in enumerate(recs))
        neurons = [r for r in recs if r.kind == "neuron"]
        clustered = bool(neurons) and bool(place[neurons[0].first])
        if clustered:
            path = place[neurons[0].first]
            dim = highlighting and path not in lit
            with dot.subgraph(name=f"cluster_{next(numbered)}") as sub:
                # its caption a node before neuron1 (above it LR, left of it TB): no edge
                # runs through it, as one would through a cluster's label
                _cluster_attrs(sub, path, dim=dim, captioned=False)
                _rank(sub, neurons, emit, reverse=rankdir in ("LR", "RL"),
                      caption=(f"caption{column}", cluster_caption(path), dim))
            rest = [r for r in recs if r.kind != "neuron"]
            if rest:
                _rank(dot, rest, emit, reverse=False)
        else:
            _rank(dot, recs, emit, reverse=False)
    return position


def _emit_label_nodes(dot: Any, edges: list[_Edge], labels: dict[int, str],
                      position: dict[int, int]) -> None:
    """The weight labels between two columns in one rank, in their edges' order: source
    by source (its place in its column), then by the neuron it feeds, top to bottom (LR)
    or left to right (TB); chained by invisible edges, as ``_rank`` pins the records.

    With the order the straight drawing has, the edges cross only where the network
    does (C(s, 2)·C(n, 2) between s sources and n neurons), whatever order a file's
    terms come in.
    """
    between: dict[tuple[int, int], list[_Edge]] = {}
    for edge in edges:
        between.setdefault((edge.source.column, edge.target.column), []).append(edge)
    for key in sorted(between):
        group = sorted(between[key], key=lambda e: (
            position.get(e.source.first, 0),
            e.target.neuron.index if e.target.neuron is not None else 0, e.target.first))
        with dot.subgraph() as same:
            same.attr(rank="same")
            for edge in group:
                same.node(_label_id(edge), **_label_node(labels[id(edge)]))
            for a, b in zip(group, group[1:]):
                same.edge(_label_id(a), _label_id(b), style="invis")


def _rank(graph: Any, column: list[_Record], emit: Any, reverse: bool,
          caption: tuple[str, str, bool] | None = None) -> None:
    """Records in one rank, in this order: top to bottom (LR, RL) or left to right (TB, BT).

    Invisible edges fix the order, as both backends lay them out: a flat
    edge's tail comes first, except inside a cluster drawn LR or RL, where it
    comes last.
    """
    with graph.subgraph() as same:
        same.attr(rank="same")
        ids = []
        if caption is not None:  # (id, text, dim): the column's caption, first
            caption_node(same, caption[0], caption[1], caption[2])
            ids.append(caption[0])
        for rec in column:
            emit(same, rec)
            ids.append(rec.id)
        chain = ids[::-1] if reverse else ids
        for a, b in zip(chain, chain[1:]):
            same.edge(a, b, style="invis")


def _emit_clustered(
    dot: Any, records: list[_Record], kinds: dict[Value, str], place: dict[int, tuple[str, ...]],
    lit: set, highlighting: bool, emit: Any, rankdir: str,
) -> None:
    """No layering found: records cluster by cluster, as nn's names nest them."""
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
    numbered = iter(range(len(members)))

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
            _rank(graph, column, emit, reverse=bool(path) and rankdir in ("LR", "RL"))
        for child in children[path]:
            with graph.subgraph(name=f"cluster_{next(numbered)}") as sub:
                _cluster_attrs(sub, child, dim=highlighting and child not in lit)
                emit_cluster(sub, child)

    emit_cluster(dot, ())


def _samples(rec: _Record) -> int:
    """How many times a neuron ran: its z nodes (one per sample), or its a nodes."""
    if rec.neuron is not None:
        return len(rec.neuron.zs)
    zs = sum(1 for v in rec.members if v.name == f"{rec.name}.z")
    return zs or sum(1 for v in rec.members if v.name == f"{rec.name}.a")


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
        if not text:  # a plain number (a target given as a constant) has no gradient
            return "<td></td>"
        return number(text, look["caption"] if text == "?" else look["grad"])

    span = 3 if grads else 2
    out = [
        f'<tr><td colspan="{span}" bgcolor="{look["fill"]}" {header_cell(rounded, look["border"])}>'
        f'<font color="{look["text"]}"><b>{html.escape(header)}</b></font>'
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
    prefix = f"{rec.name}."
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
        notes.append(f"shared by {shared_by}" if shared_by > 1 else "layer bias")
    if len(rec.members) > 1:
        notes.append(f"{len(rec.members)} samples")
    data, grad = _numbers(rec.members, digits, grads_known)
    look = _look(kind, state, False)
    label = _table(look, shown or "", " · ".join(notes), [("data", data, grad)], grads,
                   rounded=kind == "parameter")
    tooltip = f"{rec.name or 'leaf'}: {' · '.join(notes)}"
    return {"label": label, "shape": "plain", "tooltip": tooltip}


def _predictions(layering: Layering, root: Value) -> dict[Neuron, str]:
    """The last layer's neurons as the documents call them: ŷ, or ŷ1, ŷ2, … in order."""
    last = layering.layers[-1]
    if any(root in n.members for n in last):
        return {}
    if len(last) == 1:
        return {last[0]: "ŷ"}
    return {n: f"ŷ{n.index}" for n in last}


def _rest_node(
    rec: _Record, root: Value, state: str, grads: bool, grads_known: bool, digits: int,
    record_of: dict[Value, _Record] | None = None, prediction: dict[Neuron, str] | None = None,
) -> dict[str, str]:
    """The operations after the last neurons (the loss), drawn as the value they end in.

    In a layered network it says what it computes (loss = ½(y − ŷ)²) and shows
    the targets; otherwise how many operations it stands for.
    """
    ops = sum(1 for v in rec.members if v.parents)
    note = f"{ops} operation{'s' if ops != 1 else ''}"
    look = _look("output", state, root in rec.members)
    rows: list[tuple[str, str, str]] = []
    header = root.name or "output"
    if prediction and record_of is not None and root in rec.members:
        outs = {}
        for n, symbol in prediction.items():
            for out in n.outs:
                outs[out] = symbol
                for v in n.members:  # its aliases (y_hat = a_out) read as ŷ too
                    if v.op == "sum" and len(v.parents) == 1 and v.parents[0] in outs:
                        outs[v] = symbol
        written = loss_formula(root, set(rec.members), outs, digits)
        if written is not None:
            formula, targets = written
            note = f"= {formula}"
            for symbol, v in targets:
                data, grad = _numbers([v], digits, grads_known)
                rows.append((symbol, data, "" if v.is_constant else grad))
    if root in rec.members:
        data, grad = _numbers([root], digits, grads_known)
        if rows:
            rows.append((header, data, grad))
        else:
            rows = [("data", data, grad)]
        label = _table(look, header, note, rows, grads)
    else:  # operations between neurons (not from nn): no single value to show
        label = _table(look, "operations", note, [], grads)
    return {"label": label, "shape": "plain", "tooltip": f"{root.name or 'output'}: {note}"}


def _weight_name(w: Value, layering: Layering | None, names: dict[Value, str]) -> str:
    """A weight as the documents name it.

    A name given (``draw(..., names=doc.doc_names)``) wins; a file's weights
    keep their own names (w13, W1_2_3); nn's ``layer<L>.neuron<j>.w<i>`` reads
    w<from><to>, numbering units through the network as the textbooks do
    (inputs 1…n, then layer 1's neurons, …): seed 003's w13, w14, w15.
    """
    if w in names:
        return names[w]
    if layering is None:
        return w.name or "w"
    n = layering.neuron_of.get(w)
    if n is None or n.nn_indexes is None:
        return w.name or "w"
    i = n.weights.index(w) + 1
    inputs = len({v.name if v.name is not None else v for v in layering.inputs})  # x1 of each sample: one
    before = [inputs] + [len(layer) for layer in layering.layers]
    source = sum(before[: n.layer - 1]) + i  # unit numbers: inputs first
    target = sum(before[: n.layer]) + n.index
    return f"w{source}{target}" if source < 10 and target < 10 else f"w{source},{target}"


def _bias_name(b: Value, layering: Layering | None, names: dict[Value, str]) -> str | None:
    """A bias as the documents name it: a name given (θ4) wins; nn's own bias of a
    neuron reads b<unit> (units numbered as for ``_weight_name``), a layer's
    ``layer<L>.b`` b<L>; None keeps the value's own name (a file's b1)."""
    if b in names:
        return names[b]
    if layering is None:
        return None
    m = re.match(r"^(?:.*\.)?layer(\d+)\.b$", b.name or "")
    if m:  # a layer's bias (shared_bias=True), even when one neuron adds it
        return f"b{m.group(1)}"
    n = layering.neuron_of.get(b)
    if n is not None and n.nn_indexes is not None:
        inputs = len({v.name if v.name is not None else v for v in layering.inputs})
        before = [inputs] + [len(layer) for layer in layering.layers]
        return f"b{sum(before[: n.layer]) + n.index}"
    return None


def _label_id(edge: _Edge) -> str:
    """The DOT id of an edge's label node: ``l<source first>_<target first>``."""
    return f"l{edge.source.first}_{edge.target.first}"


def _label_node(label: str) -> dict[str, str]:
    """An edge's weight label drawn as a node on the edge: its table, white behind the text."""
    return {"label": label, "shape": "plain", "fontsize": "9"}


def _weight_label(
    edge: _Edge, grads: bool, grads_known: bool, digits: int, highlighting: bool,
    layering: Layering | None = None, names: dict[Value, str] | None = None,
) -> str:
    """'w13 = 0.15' (the factor ∂z/∂input) with its grad below, for each weight on the edge."""
    colour = style.HIGHLIGHT if highlighting and edge.on else (
        style.DIM_TEXT if highlighting else style.WEIGHT_TEXT)
    grad_colour = style.DIM_TEXT if highlighting and not edge.on else style.GRAD_TEXT
    rows = []  # one table row a line: each line gets the height its font needs
    for w in edge.weights:
        name: str | None
        if layering is not None or names:
            name = _weight_name(w, layering, names or {})
        else:
            name = _short_name(w.name, (edge.target.name,)) if edge.target.name else w.name
        text = f"{name or 'w'} = {style.fmt(w.data, digits)}"
        rows.append(f'<tr><td><font color="{colour}">{html.escape(text)}</font></td></tr>')
        if grads:
            g = style.fmt(w.grad, digits) if grads_known else "?"
            shade = grad_colour if grads_known else style.MUTED_TEXT
            rows.append(f'<tr><td><font color="{shade}" point-size="7">grad {g}</font></td></tr>')
    return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="1" bgcolor="white">'
            + "".join(rows) + "</table>>")


def _layered_neuron_node(
    rec: _Record, shown: str, is_root: bool, state: str, grads: bool, grads_known: bool,
    digits: int, prediction: str | None, names: dict[Value, str] | None = None,
) -> dict[str, str]:
    """A neuron found by its layer: z, a and its own bias (data, grad), with the file's names.

    nn's rows read z, a, b; a file's read its own names (z_h1, a_h1, b2); the
    output of the last layer says it is ŷ.
    """
    n = rec.neuron
    assert n is not None  # the layered view: each neuron's record draws its Neuron
    nn_names = n.nn_indexes is not None

    def caption(v: Value, fallback: str) -> str:
        return fallback if nn_names or v.name is None else v.name

    own_bias = [b for b in n.biases if b in rec.members]
    rows = [(caption(n.z, "z"), *_numbers(n.zs, digits, grads_known))]
    if n.activation is not None:
        rows.append((caption(n.a, "a"), *_numbers(n.outs, digits, grads_known)))
    if own_bias:
        bias = (names or {}).get(own_bias[0]) or caption(own_bias[0], "b")  # θ4 when given
        rows.append((bias, *_numbers(own_bias, digits, grads_known)))
    count = len(n.zs)
    act = style.activation_symbol(n.activation)
    parts = [act] + ([prediction] if prediction else []) + (
        [f"{count} samples"] if count > 1 else [])
    look = _look("neuron", state, is_root)
    tooltip = f"{rec.name}: {len(rec.members)} values" + (f", {count} samples" if count > 1 else "")
    return {"label": _table(look, shown, " · ".join(parts), rows, grads), "shape": "plain",
            "tooltip": tooltip}


def _neuron_legend(
    root: Value, grads: bool, grads_known: bool, edge_labels: bool, highlighted: bool, samples: int,
    shared_bias: bool,
) -> dict[str, str]:
    rows = ['<tr><td colspan="2" align="left"><b>legend</b></td></tr>']
    for kind in ("neuron", "input", "parameter", "output"):
        fill, border = style.KIND_COLOURS[kind]
        title = {"parameter": "parameter, bias", "output": "loss"}.get(
            kind, style.KIND_TITLES[kind])
        rows.append(
            f'<tr><td bgcolor="{fill}" border="1" color="{border}" width="14" height="10"></td>'
            f'<td align="left">{title}</td></tr>'
        )
    rows.append('<tr><td></td><td align="left">z = Σ w·x + b</td></tr>')
    rows.append('<tr><td></td><td align="left">a = f(z)</td></tr>')
    if shared_bias and grads:  # ∂z/∂b = 1 in every neuron that adds b
        rows.append('<tr><td></td><td align="left">shared bias grad: Σ z grads</td></tr>')
    if samples > 1:
        rows.append(
            f'<tr><td></td><td align="left">lo{html.escape(style.RANGE)}hi: over {samples} samples'
            "</td></tr>"
            '<tr><td></td><td align="left">parameter grads: totals</td></tr>'
        )
    if grads:
        note = (f"grad: ∂{root.name or 'output'}/∂node" if grads_known
                else "grad ?: backward() not run yet")
        rows.append(f'<tr><td></td><td align="left">{html.escape(note)}</td></tr>')
    if edge_labels:
        rows.append(
            f'<tr><td></td><td align="left"><font color="{style.WEIGHT_TEXT}">'
            "edge: w = ∂z/∂x</font></td></tr>"
        )
    return _legend_node(rows, highlighted)

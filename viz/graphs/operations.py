"""``draw``: the computation graph of a ``Value`` as a Graphviz diagram.

Each ``Value`` is one record (its name when it has one, its data, its
gradient) and each operation its own small node between its operands and its
result, so the picture reads like a hand-drawn derivation: operands flow into
an operation, the operation produces the next value.  Node ids come from the
topological order (``n0``, ``n1``, … for values, ``o3`` for the operation that
made ``n3``), so the same graph always gives byte-identical DOT.  A layered
network is drawn compact (``compact=True``, the default): there each
operation is written in its result's record instead (``a_h1`` "= σ(z_h1)"),
its operands' edges run straight to that record, and ``op_id`` is the
record's id.  A layer of three or more neurons has its weights and biases in a
column of their own, neuron by neuron; an edge from a source every neuron
reads runs through a waypoint there, in two halves ``x -> via<x>_<z> -> z``
(the waypoint a node showing the edge's label, or an invisible point), so
the view crosses only where the network does (see ``_source_ranks``).

Node kinds (colour and shape):

* output: the root passed to ``draw`` (rose, thick border);
* parameter: a leaf in ``params``; without ``params``, a named leaf whose last
  dotted part is ``w``/``b`` with an optional index (``w1``, ``layer1.neuron2.w1``,
  ``layer1.b``, ``b2``), the names ``nn`` gives its weights and biases
  (amber, rounded);
* constant: a plain number mixed into an expression (``.is_constant``): drawn
  as its value alone, dashed;
* input: every other leaf (blue);
* intermediate: every other result (grey).

The neuron view (``draw(root, neurons=True)``) draws a network built by
``nn`` one record per neuron instead of one per scalar operation; see
``draw`` and the section "the neuron view" below.

Rendering (SVG, PNG, PDF) is in ``render``; the DOT text needs no backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterable

from autograd import Value, topological_order

from . import style
from .base import (
    FORMATS,
    RANKDIRS,
    ComputationGraph,
    _cluster_attrs,
    caption_node,
    cluster_caption,
    _clusters,
    _digraph,
    _edge_attrs,
    _edge_label_attrs,
    _highlighted,
    _kinds,
    _legend,
    _op_node,
    _op_text,
    _short_name,
    _value_node,
)
from .formula import loss_formula, target_rows
from .layers import Layering, Neuron, find_layers
from .neurons import _bias_name, _draw_neurons, _neuron_names, _weight_name, legend_beside

__all__ = ["draw", "ComputationGraph", "FORMATS", "RANKDIRS"]

#: a wide layer's edges into its net inputs pull them level with their neuron's part of
#: the weights' column (dot's edge weight: the layer after would squeeze them together).
#: Top to bottom the column is a row much wider than the net inputs' row, and dot pulls
#: each cluster's sides together (weight 128): there each z needs a pull stronger than
#: that to stand below its own weights (else its weights' edges cross its neighbours')
WIDE_WEIGHT = {"LR": "8", "RL": "8", "TB": "100", "BT": "100"}
#: ranks from the sources to the waypoints: room for the edges to fan out, so that none
#: goes round another source to reach its neuron.  Top to bottom one rank: the fan spans
#: the whole width of the row, and a chain of dot's virtual nodes there runs flat, the
#: edges on top of each other (a crossing hidden, or two where there is one)
FAN = {"LR": "2", "RL": "2", "TB": "1", "BT": "1"}
#: the space between nodes top to bottom when a layer has a row of its own weights
NARROW = "0.12"


def draw(
    root: Value,
    *,
    grads: bool = True,
    edge_labels: bool = False,
    digits: int = 4,
    rankdir: str = "LR",
    highlight: Value | str | Iterable[Value | str] | None = None,
    clusters: bool = True,
    legend: bool = False,
    title: str | None = None,
    params: Iterable[Value] | None = None,
    max_nodes: int | None = 2000,
    neurons: bool = False,
    compact: bool = True,
    names: dict[str, str] | None = None,
) -> ComputationGraph:
    """The computation graph that produced ``root``.

    grads: show each value's gradient; before ``backward()`` (``root.grad``
        is still 0) gradients show as ``?``, not computed.
    edge_labels: label each operand → operation edge with the local
        derivative ∂out/∂in (``Value.local_grads()``), the factor the chain
        rule multiplies there (constants' edges stay unlabelled).
    digits: significant digits of every number shown.
    rankdir: 'LR' (left to right, the default), 'TB', 'RL' or 'BT'.
    highlight: a Value, a name, or several; every path from ``root`` down
        to it is drawn in red, the rest of the graph dimmed.
    clusters: group nodes by their dotted names (``layer1`` ⊃
        ``layer1.neuron2``); an unnamed node joins its consumers' cluster
        when they all share one.
    legend: add a key of the node kinds and the notation.
    title: a caption above the graph, its text as written (``<``, ``&`` and
        quotes included); ``\n`` starts a new line.  None, empty or blank:
        no caption.  Any other control character (a tab, ``\r`` alone) is a
        ValueError.
    params: the Values to draw as parameters (e.g. a model's
        ``parameters()``); without it, named leaves ``w<i>``/``b<i>`` are.
    max_nodes: refuse graphs with more nodes (values + operations; in the
        neuron view, records) than this, which the layout engine would take
        minutes on; None lifts it.
    neurons: the neuron view, for graphs built by ``nn``: one record per
        neuron (every node named ``layer<L>.neuron<N>.…``, with the unnamed
        nodes that join it) showing its activation and its z, a and own bias
        b (data and grad), neuron1 first in its layer's column (cluster);
        inputs keep their own records; a shared bias (``layer1.b``) is drawn
        once, in its layer's column, saying how many neurons add it, with an
        edge to each of them; the last layer's outputs read ŷ (ŷ1, ŷ2, …);
        the rest of the graph (the loss) is one record showing the root and
        its formula, ``= ½(y − ŷ)²``, with each target under the name the
        file or model gives it (t, y_true) or y (y1, y2, …) for a plain
        number, its value in a row of its own (a graph that is no layered
        network: how many operations the record stands for).  Edges run
        input → neuron → neuron → loss; ``edge_labels`` puts the
        connecting weight on each (``w13 = 0.15``, its grad below): the
        factor ∂z/∂input, not the local derivatives of the operation view.
        A batch (the same network applied to many samples) draws each
        neuron once: its parameters are shared, so their grads are totals;
        z and a show the lowest … highest over the samples and the record
        says how many samples passed through it.  Inputs with the same name
        (x1 of every sample) merge the same way.
    compact: for a layered network (see ``layers``), the operation view
        leaves out what a reader does not need: each net input is one step
        Σ w·x + b (its ``*`` and ``+`` nodes merged, its edges labelled x, w
        and 1), an alias (``y_hat = a_out``) is named in the record it names,
        a plain number is written in its operation (``× ½``), and a chain of
        unnamed steps is one operation showing its formula (``½(y1 − ŷ1)²
        + …``: a target given as a plain number is named y, y1, y2, … as
        in the neuron view, its value in a row of the loss record); and each
        operation is written in its result's record (``= σ(z_h1)``, under the
        name), the edges running from operand to result.  The edge labels
        still multiply to each gradient.  False draws every node.
    names: the documents' names for some values, ``{label: name}`` as
        ``nn``'s documents give them (``doc.doc_names``: ``{"w14":
        "layer1.neuron1.w1", "θ4": "layer1.neuron1.b"}``), used in both views
        (edge labels, records, bias rows); other weights of ``nn`` read
        w<from><to>, its biases b<unit>.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw() needs a Value, got {type(root).__name__}: {root!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a whole number >= 1, got {digits!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise ValueError(f"max_nodes must be a whole number or None, got {max_nodes!r}")
    if not isinstance(neurons, bool):
        raise ValueError(f"neurons must be True or False, got {neurons!r}")
    if names is not None and not (isinstance(names, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in names.items())):
        raise ValueError(f"names must map labels to value names (str -> str), got {names!r}")

    order = topological_order(root)
    operations = sum(1 for v in order if v.parents)
    if neurons:
        return _draw_neurons(
            root, order, operations, grads=grads, edge_labels=edge_labels, digits=digits,
            rankdir=rankdir, highlight=highlight, clusters=clusters, legend=legend,
            title=title, params=params, max_nodes=max_nodes,
            names=_labels(order, names) if names else None,
        )
    total = len(order) + operations
    if max_nodes is not None and total > max_nodes:
        raise ValueError(_too_big(order, operations, max_nodes))

    index = {v: i for i, v in enumerate(order)}
    kinds = _kinds(order, root, params)
    grads_known = root.grad != 0.0
    on_path, targets = _highlighted(order, index, highlight)
    layering = find_layers(order, {v for v in order if kinds[v] == "parameter"})
    cluster_of: dict[Value, tuple[str, ...]] = (
        _clusters(order, root) if clusters else {v: () for v in order})
    if clusters and layering is not None:  # a file's neurons: clusters from the layers found
        for v, nv in layering.neuron_of.items():
            if v in cluster_of and nv.nn_indexes is None:
                cluster_of[v] = (f"layer{nv.layer}", f"layer{nv.layer}.{nv.name}")
    # a layered network's weights and biases stand in the column of what they multiply,
    # or a layer of three or more neurons' in a column of their own, outside the layers'
    # bands: see _source_ranks
    ranked = (_source_ranks(layering, wide=compact) if layering is not None else [])
    neuron_of: dict[Value, Neuron] = layering.neuron_of if layering is not None else {}
    for rank in ranked:
        for v in rank.values:
            if v not in neuron_of or v in set(neuron_of[v].weights) | set(neuron_of[v].biases):
                cluster_of[v] = ()

    # room for labels; a labelled edge's label is a rank of its own in dot's layout
    # (a wide layer's edges through waypoints have labels, blank without edge_labels)
    spaced = edge_labels or any(rank.wide for rank in ranked)
    ranksep = ("0.45" if edge_labels else "0.32") if layering is None else (
        "0.1" if spaced else "0.25")
    # top to bottom a wide layer's weights are one row, each with its waypoint beside it:
    # closer together there, that row sets the picture's width
    nodesep = NARROW if rankdir in ("TB", "BT") and any(rank.wide for rank in ranked) else "0.22"
    dot = _digraph(rankdir, nodesep, ranksep, title)
    if layering is not None:
        # the order the nodes are given in (inputs, then layer by layer, neuron1 first, its
        # w1 … wn) is the documents' order: crossing minimisation would only reshuffle it
        dot.attr("graph", mclimit="1")

    # a layered network is drawn compact: each net input one step Σ w·x + b, aliases
    # (y_hat = a_out) in the record they name, plain numbers inside their operation
    drawn_as, operands, formulas, targets_of = (
        _compact(order, layering) if layering is not None and compact else ({}, {}, {}, {}))
    aliases: dict[Value, list[Value]] = {}
    for v, shown_in in drawn_as.items():
        if v.op == "sum" and len(v.parents) == 1:
            aliases.setdefault(shown_in, []).append(v)
    hidden = set(drawn_as)
    predicted = nn_predictions(layering) if layering is not None and compact else {}
    # compact: each operation is written in its result's record (z_h1 "= Σ w·x + b",
    # a_h1 "= σ(z_h1)"), its operands' edges going straight to that record
    in_records = layering is not None and compact
    shown_names: dict[Value, str | None] = {v: _short_name(v.name, cluster_of[v]) for v in order}
    # the documents' names: given ones (names=, θ4), nn's weights w<from><to> and biases
    # b<unit> (drawn outside their neuron's cluster, w1 alone would not say whose)
    labels = _labels(order, names) if names else {}
    for rank in ranked:
        for v in rank.values:
            if v.is_leaf and kinds[v] == "parameter":
                if v in neuron_of and v in neuron_of[v].weights:
                    given = _weight_name(v, layering, labels)
                    if v in labels or neuron_of[v].nn_indexes is not None:
                        shown_names[v] = given
                else:
                    shown_names[v] = _bias_name(v, layering, labels) or shown_names[v]
    for v, label in labels.items():
        shown_names[v] = label

    layers = layering.layers if layering is not None else []
    layering_zs = {z for n in layering.neurons for z in n.zs} if layering is not None else set()
    two_ranks = {f"n{index[drawn_as.get(out, out)]}" for n in (layering.neurons if layering
                 else []) for out in n.outs if drawn_as.get(out, out) in index}

    def state(v: Value) -> str:
        if on_path is None:
            return "plain"
        if v in targets or any(a in targets for a in aliases.get(v, ())):
            return "target"
        return "on" if v in on_path else "dim"

    def emit(graph: Any, v: Value) -> None:
        if v in hidden:
            return
        i = index[v]
        shown = shown_names[v]
        if shown is not None and v in aliases:
            shown = " = ".join([shown] + [a.name for a in aliases[v] if a.name])
        if shown is not None and v in predicted:
            shown = f"{shown} = {predicted[v]}"
        operation = (_op_text(v, shown_names, merged=v in operands and v not in formulas,
                              formula=formulas.get(v))
                     if in_records and v.parents else None)
        graph.node(f"n{i}", **_value_node(v, shown, kinds[v], state(v), grads, grads_known, digits,
                                          operation=operation,
                                          rows=target_rows(targets_of.get(v, []), digits)))
        if v.parents and not in_records:
            op_state = "dim" if state(v) == "target" else state(v)  # below the chosen node
            graph.node(f"o{i}", **_op_node(v, op_state, merged=v in operands,
                                                  numbers=layering is not None and compact,
                                                  formula=formulas.get(v)))

    # nodes, cluster by cluster; clusters in the order of their first node
    members: dict[tuple[str, ...], list[Value]] = {(): []}
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {(): []}
    for v in order:
        path = cluster_of[v]
        for depth in range(1, len(path) + 1):
            if path[:depth] not in members:
                members[path[:depth]] = []
                children[path[:depth]] = []
                children[path[: depth - 1]].append(path[:depth])
        members[path].append(v)
    if layering is not None:  # neuron1's cluster above neuron2's, each its w1 … wn, b first
        _in_neuron_order(members, children, cluster_of, layering, index)
    lit = {cluster_of[v][:d] for v in on_path or () for d in range(1, len(cluster_of[v]) + 1)}
    numbered = iter(range(len(members)))

    input_order = ranked[0].values if ranked else []
    inputs = set(input_order)
    # a wide layer's waypoints: source -> via<source>_<z> -> z (see _source_ranks)
    via_of = {(w.source, w.z): f"via{index[drawn_as.get(w.source, w.source)]}_{index[w.z]}"
              for rank in ranked for w in rank.nodes if isinstance(w, _Via)}
    wide_zs = {w.z for rank in ranked for w in rank.nodes if isinstance(w, _Via)}

    def emit_cluster(graph: Any, path: tuple[str, ...]) -> None:
        for v in members[path]:
            if v not in inputs:
                emit(graph, v)
        if not path and inputs:  # the inputs: the first column, in order
            with graph.subgraph() as same:
                same.attr(rank="same")
                for v in input_order:
                    emit(same, v)
                for a, b in zip(input_order, input_order[1:]):
                    same.edge(f"n{index[a]}", f"n{index[b]}", style="invis")
        for child in children[path]:
            dim = on_path is not None and child not in lit
            with graph.subgraph(name=f"cluster_{next(numbered)}") as sub:
                _cluster_attrs(sub, child, dim=dim, captioned=child not in captions
                               and child not in layer_paths)
                emit_cluster(sub, child)
                if child in captions:  # above its z (LR), left of it (TB): edges go round it
                    z_id, text = captions[child]
                    cid = f"caption{next(numbered_captions)}"
                    with sub.subgraph() as same:
                        same.attr(rank="same")
                        caption_node(same, cid, text, dim)
                        same.node(z_id)
                        if rankdir in ("LR", "RL"):  # in a cluster drawn LR the tail comes last
                            same.edge(z_id, cid, style="invis")
                        else:
                            same.edge(cid, z_id, style="invis")

    # a layered network's captions: each neuron's above its z, the first one naming its
    # layer too ("layer1 · h1"); the layer's own cluster then has no caption of its own
    captions: dict[tuple[str, ...], tuple[str, str]] = {}
    layer_paths: set[tuple[str, ...]] = set()
    if layering is not None and clusters:
        for n in layering.neurons:
            path = cluster_of.get(n.z, ())
            if len(path) == 2:
                text = cluster_caption(path)
                if n.index == 1:
                    text = f"{cluster_caption(path[:1])} · {text}"
                captions[path] = (f"n{index[n.z]}", text)
                layer_paths.add(path[:1])
    numbered_captions = iter(range(len(captions)))
    emit_cluster(dot, ())

    # edges: operands -> operation -> result; a later layer's net input two ranks after
    # the outputs it reads, its weights in the rank between (their edges one rank long)
    for v in order:
        if not v.parents or v in hidden:
            continue
        i = index[v]
        result_on = on_path is not None and v in on_path and v not in targets
        if v in operands:
            pairs = operands[v]
        else:
            local = v.local_grads() if edge_labels else [0.0] * len(v.parents)
            pairs = list(zip(v.parents, local))
        for p, factor in pairs:
            shown_p = drawn_as.get(p, p)
            if shown_p not in index or shown_p in hidden:  # a constant, inside its operation
                continue
            tail = f"n{index[shown_p]}"
            p_on = result_on and on_path is not None and p in on_path
            attrs = _edge_attrs(on_path is not None, p_on)
            via = via_of.get((p, v))
            if via is not None:  # x -> via -> z: the waypoint in the weights' column, its label
                shown_factor = style.fmt(float(factor), digits) if edge_labels else None
                dot.node(via, **_via_node(shown_factor,
                                          _edge_label_attrs(on_path is not None, p_on)))
                dot.edge(tail, via, arrowhead="none", minlen=FAN[rankdir], **attrs)
                tail = via
                if not edge_labels:  # a blank label: the edge's own label rank, room to turn
                    attrs["label"] = " "
            elif edge_labels and not p.is_constant:
                attrs["label"] = style.fmt(float(factor), digits)
                attrs.update(_edge_label_attrs(on_path is not None, p_on))
            if via is None and tail in two_ranks and v in layering_zs:  # the weights' rank between
                attrs["minlen"] = "2"
            if v in wide_zs:  # level with its part of the weights' column
                attrs["weight"] = WIDE_WEIGHT[rankdir]
            dot.edge(tail, f"n{i}" if in_records else f"o{i}", **attrs)
        if not in_records:
            dot.edge(f"o{i}", f"n{i}", **_edge_attrs(on_path is not None, result_on))

    for rank in ranked[1:]:
        if rank.wide:
            # a wide layer's own column, neuron by neuron: each weight beside the waypoint
            # of the edge it multiplies, then the bias; kept in this order
            with dot.subgraph() as same:
                same.attr(rank="same")
                column = [via_of[(w.source, w.z)] if isinstance(w, _Via) else f"n{index[w]}"
                          for w in rank.nodes]
                for node_id in column:
                    same.node(node_id)
                for upper, lower in zip(column, column[1:]):
                    same.edge(upper, lower, style="invis")
            continue
        depth = rank.layer
        # a later layer's weights: one rank after the layer before's outputs, outside
        # both bands, in _source_ranks' order; the outputs' edges pass between the
        # weights above them and those below (the order mincross keeps)
        before = {m.a for m in layers[depth - 2]}
        weights = [v for v in rank.values if v in neuron_of and v not in before]
        with dot.subgraph() as same:
            same.attr(rank="same")
            for v in weights:
                same.node(f"n{index[v]}")
            for a, b in zip(weights, weights[1:]):
                if neuron_of[a] is neuron_of[b]:  # room between neurons
                    same.edge(f"n{index[a]}", f"n{index[b]}", style="invis")
        # the outputs' edges between the weights above and those below (mincross would
        # as soon send them round the outside): an invisible edge from the first output
        # to the last weight of each neuron above, from the last output to each one
        # below, which an edge going round would cross
        outs = [f"n{index[drawn_as.get(m.a, m.a)]}" for m in layers[depth - 2]]
        for m in layers[depth - 1]:
            mine = [v for v in weights if neuron_of[v] is m]
            if mine:
                tail, head = (outs[0] if _above(m.index, len(layers[depth - 1])) else outs[-1],
                              mine[-1])
                dot.edge(tail, f"n{index[head]}", style="invis")

    if legend:
        key = _legend(root, grads, grads_known, edge_labels, on_path is not None,
                      ops_in_records=in_records)
        if layering is not None:  # under the output, in its column: no extra width
            # (an output neuron stays in its cluster: legend_beside never re-declares it)
            legend_beside(dot, f"n{index[root]}", bool(cluster_of.get(root)), key)
        else:  # the key sits beside the output
            with dot.subgraph() as sink:
                sink.attr(rank="sink")
                sink.node("legend", **key)

    ids = {v: f"n{index[drawn_as.get(v, v)]}" for v in order
           if not (v.is_constant and v in hidden)}
    return ComputationGraph(dot.source, ids, operations, values=len(order),
                            ops_in_records=in_records)


@dataclass(frozen=True, eq=False)
class _Via:
    """A waypoint on the edge source -> z of a wide layer, in the weights' column among
    its neuron's weights: the edge's label (its factor ∂z/∂source) drawn as a node, or an
    invisible point.  dot keeps a node where the column's order puts it, the edge with it."""

    source: Value  # what z reads: an input, a shared bias, the layer before's output
    z: Value


@dataclass
class _Rank:
    """A column of what a layer's net inputs read, in the order drawn across it."""

    layer: int  # the layer (1 for the first) whose net inputs read it
    nodes: list[Value | _Via] = field(default_factory=list)
    #: its own column between the sources and the net inputs (a layer of n >= 3 neurons)
    wide: bool = False

    @property
    def values(self) -> list[Value]:
        return [v for v in self.nodes if isinstance(v, Value)]


def _source_ranks(layering: Layering, wide: bool = True) -> list[_Rank]:
    """What each layer's net inputs read, in the order drawn across their column.

    The first rank is the first column: the sources layer 1 reads (its inputs, then
    shared biases).  A layer of one or two neurons has its weights and biases in the
    column of its sources (layer 1) or one of their own (later layers): the own weights
    and bias of the first neurons (neuron1, and those ``_above`` says), the sources
    every neuron reads, the other neurons' own weights and biases.  Straight edges from
    this order into the neurons (in index order) cross where every source feeds every
    neuron (the network's own crossings) and, in a layer of n >= 3 neurons, where
    neuron j's own parameters pass the sources' edges to min(j − 1, n − j) neurons.
    So a layer of n >= 3 neurons (``wide``, when ``_wide`` allows) has a column of its
    own between its sources and its net inputs, neuron by neuron: each weight w_ij with,
    after it, a waypoint (``_Via``) on the edge from the source x_i it multiplies, then
    the neuron's bias.  From there each neuron's edges run to its z alone and cross
    nothing; between the sources and the waypoints, edges x_i -> z_j and x_k -> z_l
    cross when i < k and j > l: C(s, 2)·C(n, 2), the network's own crossings."""
    ranks: list[_Rank] = []
    for depth, layer in enumerate(layering.layers, start=1):
        shared: list[Value] = (list(layering.inputs) if depth == 1 else
                               [out for n in layering.layers[depth - 2] for out in n.outs[:1]])
        own: list[list[Value]] = []
        for n in layer:
            mine = [w for w in n.weights] + [b for b in n.biases if layering.neuron_of.get(b) is n]
            own.append(mine)
            for b in n.biases:
                if layering.neuron_of.get(b) is not n and b not in shared:
                    shared.append(b)
        if wide and _wide(layer, shared, layering, depth):
            if depth == 1:
                ranks.append(_Rank(1, [*shared]))
            ranks.append(_Rank(depth, _own_column(layer, shared, layering), wide=True))
            continue
        above = [v for k, mine in enumerate(own, start=1) if _above(k, len(own)) for v in mine]
        below = [v for k, mine in enumerate(own, start=1) if not _above(k, len(own)) for v in mine]
        ranks.append(_Rank(depth, [*above, *shared, *below]))
    return ranks


def _via_node(label: str | None, look: dict[str, str]) -> dict[str, str]:
    """A waypoint's node: the edge's label (its factor ∂z/∂x, in the edge labels' colour),
    the edge running into it and on out of it; without a label an invisible point."""
    if label is None:
        return {"shape": "point", "width": "0", "height": "0", "style": "invis"}
    return {"label": label, "shape": "plain", "fontsize": look.get("fontsize", "9"),
            "fontcolor": look["fontcolor"]}


def _wide(layer: list[Neuron], shared: list[Value], layering: Layering, depth: int) -> bool:
    """Whether a layer gets a column of its own with waypoints: three or more neurons,
    each drawn once (no batch), reading each of its sources once from the column before
    (a later layer: no shared bias, which would have no column there)."""
    if len(layer) < 3:
        return False
    known = set(shared)
    for n in layer:
        if len(n.zs) != 1 or len(n.biases) > 1:
            return False
        sources = [x for _, x in n.parts[n.z][0]]
        if len(set(sources)) != len(sources) or not known.issuperset(sources):
            return False
        if depth > 1 and any(layering.neuron_of.get(b) is not n for b in n.biases):
            return False
    return True


def _own_column(layer: list[Neuron], shared: list[Value], layering: Layering) -> list[Value | _Via]:
    """A wide layer's column, neuron1 first: its weights in the order of their sources'
    column, each followed by the waypoint of its source's edge, then its bias (its own,
    or the waypoint of a shared one's edge)."""
    place = {v: k for k, v in enumerate(shared)}
    nodes: list[Value | _Via] = []
    for n in layer:
        pairs, biases, _ = n.parts[n.z]
        for w, x in sorted(pairs, key=lambda pair: place[pair[1]]):
            nodes += [w, _Via(x, n.z)]
        for b in biases:
            nodes.append(b if layering.neuron_of.get(b) is n else _Via(b, n.z))
    return nodes


def _above(k: int, neurons: int) -> bool:
    """Whether neuron k of a layer of ``neurons`` has its own weights above the sources
    every neuron reads.  An own weight of neuron k above them crosses the edges from
    each source to the k − 1 neurons before it, below them the edges to the
    neurons − k after it: above when that is fewer (neuron1 always)."""
    return k == 1 or k - 1 < neurons - k


def _in_neuron_order(
    members: dict[tuple[str, ...], list[Value]], children: dict[tuple[str, ...], list[tuple[str, ...]]],
    cluster_of: dict[Value, tuple[str, ...]], layering: Layering, index: dict[Value, int],
) -> None:
    """Sort each layer's neuron clusters by neuron index and, in a neuron's cluster, its
    weights in the order of its terms and its biases before the rest (dot keeps the
    order it is given where the edges leave it free)."""
    place: dict[tuple[str, ...], tuple[int, int]] = {}
    at: dict[Value, tuple[int, int]] = {}
    for n in layering.neurons:
        for v in n.members:
            path = cluster_of.get(v, ())
            for depth in range(1, len(path) + 1):  # layer1 before layer2; its neurons in order
                place.setdefault(path[:depth], (n.layer, n.index if depth == len(path) else 0))
        for k, w in enumerate(n.weights):
            at.setdefault(w, (0, k))
        for b in n.biases:
            at.setdefault(b, (1, 0))
    last = (1 << 30, 0)
    for kids in children.values():
        kids.sort(key=lambda c: place.get(c, last))
    neuron_paths = {cluster_of[v] for n in layering.neurons for v in n.members if cluster_of.get(v)}
    for path, vs in members.items():
        if path in neuron_paths:
            vs.sort(key=lambda v: (*at.get(v, (2, 0)), index[v]))


def _labels(order: list[Value], names: dict[str, str]) -> dict[Value, str]:
    """{label: value name} as documents give them -> {Value: label}."""
    by_name: dict[str, list[Value]] = {}
    for v in order:
        if v.name is not None:
            by_name.setdefault(v.name, []).append(v)
    return {v: label for label, name in names.items() for v in by_name.get(name, ())}


def nn_predictions(layering: Any) -> dict[Value, str]:
    """nn's outputs as the documents write them: ŷ, or ŷ1, ŷ2, … (a file names its own)."""
    last = layering.layers[-1]
    if any(n.nn_indexes is None for n in last):
        return {}
    return {out: ("ŷ" if len(last) == 1 else f"ŷ{n.index}") for n in last for out in n.outs}


def _compact(
    order: list[Value], layering: Any
) -> tuple[dict[Value, Value], dict[Value, list[tuple[Value, float]]], dict[Value, str],
           dict[Value, list[tuple[str, Value]]]]:
    """What a layered network's operation view leaves out, and the merged net inputs.

    Returns (hidden value -> the value whose record shows it, net input z ->
    its drawn operands with their factors ∂z/∂operand, a chain's end -> its
    formula, and -> the targets the formula names: y1 for a plain 0.5, as the
    neuron view names them).  Hidden: the unnamed
    ``*`` and ``+`` nodes inside a net input (z = Σ w·x + b is one step, its
    edges carry x for w, w for x and 1 for b); an alias (y_hat = a_out), shown
    in the record of what it names; a plain number, written in its operation.
    """
    drawn_as: dict[Value, Value] = {}
    operands: dict[Value, list[tuple[Value, float]]] = {}
    formulas: dict[Value, str] = {}
    targets_of: dict[Value, list[tuple[str, Value]]] = {}
    predictions = nn_predictions(layering)
    for n in layering.neurons:
        for z, (pairs, biases, inner) in n.parts.items():
            if not inner:
                continue
            for v in inner:
                drawn_as[v] = z
            terms: list[tuple[Value, float]] = []
            for w, x in pairs:  # ∂z/∂w = x, ∂z/∂x = w
                terms += [(w, x.data), (x, w.data)]
            terms += [(b, 1.0) for b in biases]
            operands[z] = terms
    uses: dict[Value, int] = {}
    for v in order:
        for p in v.parents:
            uses[p] = uses.get(p, 0) + 1
    for v in order:
        if (v.name is None and v.parents and uses.get(v) == 1 and v not in drawn_as
                and v not in layering.neuron_of):
            drawn_as[v] = v  # an unnamed step of the loss: its operation feeds the next one
        elif v.op == "sum" and len(v.parents) == 1 and not v.parents[0].is_constant:
            drawn_as[v] = drawn_as.get(v.parents[0], v.parents[0])
        elif v.is_constant:
            drawn_as[v] = v
    # a chain of unnamed steps ends in one operation: ½(y_true − y_hat)², its operands'
    # factors the products of the local derivatives along the chain
    through = {v for v, shown_in in drawn_as.items() if shown_in is v and v.parents}
    for c in order:
        if c in drawn_as or c in operands or not any(p in through for p in c.parents):
            continue
        factors: dict[Value, float] = {}
        inside = {c}
        stack: list[tuple[Value, float]] = [(c, 1.0)]  # no recursion: chains can be long
        while stack:
            v, factor = stack.pop()
            for p, local in zip(v.parents, v.local_grads()):
                if p in through:
                    inside.add(p)
                    stack.append((p, factor * local))
                elif not p.is_constant:
                    factors[p] = factors.get(p, 0.0) + factor * local
        operands[c] = list(factors.items())
        written = loss_formula(c, inside, predictions, 4, distinct=True)
        if written is not None:
            formulas[c] = written[0]
            targets_of[c] = [(symbol, t) for symbol, t in written[1] if t.is_constant]
    return drawn_as, operands, formulas, targets_of


def _too_big(order: list[Value], operations: int, max_nodes: int) -> str:
    """The size-limit error: how big the graph is and the ways to draw it anyway."""
    total = len(order) + operations
    ways = []
    found = _neuron_names(order)
    if found:
        ways.append(
            f"draw(..., neurons=True) shows one node per neuron ({len(found)} "
            f"neuron{'s' if len(found) != 1 else ''} here)"
        )
    ways.append(
        "draw a smaller part (draw() a node inside the network, e.g. one neuron's z, "
        "shows only what that node depends on)"
    )
    ways.append("pass max_nodes=None to lift the limit (the layout may then take minutes)")
    return (
        f"the graph has {total} nodes ({len(order)} values, {operations} operations), "
        f"more than max_nodes={max_nodes}: " + "; or ".join(ways)
    )

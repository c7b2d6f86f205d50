"""``draw``: the computation graph of a ``Value`` as a Graphviz diagram.

Each ``Value`` is one record (its name when it has one, its data, its
gradient) and each operation its own small node between its operands and its
result, so the picture reads like a hand-drawn derivation: operands flow into
an operation, the operation produces the next value.  Node ids come from the
topological order (``n0``, ``n1``, … for values, ``o3`` for the operation that
made ``n3``), so the same graph always gives byte-identical DOT.

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

from typing import Any, Iterable

from autograd import Value, topological_order

from . import style
from .base import (
    FORMATS,
    RANKDIRS,
    ComputationGraph,
    _cluster_attrs,
    _clusters,
    _digraph,
    _edge_attrs,
    _edge_label_attrs,
    _highlighted,
    _kinds,
    _legend,
    _op_node,
    _short_name,
    _value_node,
)
from .neurons import _draw_neurons, _neuron_names

__all__ = ["draw", "ComputationGraph", "FORMATS", "RANKDIRS"]


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
    title: a caption above the graph.
    params: the Values to draw as parameters (e.g. a model's
        ``parameters()``); without it, named leaves ``w<i>``/``b<i>`` are.
    max_nodes: refuse graphs with more nodes (values + operations; in the
        neuron view, records) than this, which the layout engine would take
        minutes on; None lifts it.
    neurons: the neuron view, for graphs built by ``nn``: one record per
        neuron (every node named ``layer<L>.neuron<N>.…``, with the unnamed
        nodes that join it) showing its activation and its z, a and own bias
        b (data and grad), neuron1 first in its layer's column (cluster);
        inputs keep their own records; a shared bias (``layer1.b``) is a
        record at the foot of its layer's column saying how many neurons add
        it (drawn without edges; with ``clusters=False``, dashed edges to
        them); the rest of the graph (the loss) is one record showing the
        root and how many operations it stands for.  Edges run input →
        neuron → neuron → loss; ``edge_labels`` puts the connecting weight
        on each (``w1 = 0.15``, its grad below): the factor ∂z/∂input.
        A batch (the same network applied to many samples) draws each
        neuron once: its parameters are shared, so their grads are totals;
        z and a show the lowest … highest over the samples and the record
        says how many samples passed through it.  Inputs with the same name
        (x1 of every sample) merge the same way.
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

    order = topological_order(root)
    operations = sum(1 for v in order if v.parents)
    if neurons:
        return _draw_neurons(
            root, order, operations, grads=grads, edge_labels=edge_labels, digits=digits,
            rankdir=rankdir, highlight=highlight, clusters=clusters, legend=legend,
            title=title, params=params, max_nodes=max_nodes,
        )
    total = len(order) + operations
    if max_nodes is not None and total > max_nodes:
        raise ValueError(_too_big(order, operations, max_nodes))

    index = {v: i for i, v in enumerate(order)}
    kinds = _kinds(order, root, params)
    grads_known = root.grad != 0.0
    on_path, targets = _highlighted(order, index, highlight)
    cluster_of = _clusters(order, root) if clusters else {v: () for v in order}

    dot = _digraph(rankdir, "0.22", "0.45" if edge_labels else "0.32", title)  # room for labels

    def state(v: Value) -> str:
        if on_path is None:
            return "plain"
        if v in targets:
            return "target"
        return "on" if v in on_path else "dim"

    def emit(graph: Any, v: Value) -> None:
        i = index[v]
        shown = _short_name(v.name, cluster_of[v])
        graph.node(f"n{i}", **_value_node(v, shown, kinds[v], state(v), grads, grads_known, digits))
        if v.parents:
            op_state = "dim" if state(v) == "target" else state(v)  # below the chosen node
            graph.node(f"o{i}", **_op_node(v, op_state))

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
    lit = {cluster_of[v][:d] for v in on_path or () for d in range(1, len(cluster_of[v]) + 1)}
    numbered = iter(range(len(members)))

    def emit_cluster(graph: Any, path: tuple[str, ...]) -> None:
        for v in members[path]:
            emit(graph, v)
        for child in children[path]:
            with graph.subgraph(name=f"cluster_{next(numbered)}") as sub:
                _cluster_attrs(sub, child, dim=on_path is not None and child not in lit)
                emit_cluster(sub, child)

    emit_cluster(dot, ())

    # edges: operands -> operation -> result
    for v in order:
        if not v.parents:
            continue
        i = index[v]
        local = v.local_grads() if edge_labels else ()
        result_on = on_path is not None and v in on_path and v not in targets
        for k, p in enumerate(v.parents):
            attrs = _edge_attrs(on_path is not None, result_on and p in on_path)
            if edge_labels and not p.is_constant:
                attrs["label"] = style.fmt(float(local[k]), digits)
                attrs.update(_edge_label_attrs(on_path is not None, result_on and p in on_path))
            dot.edge(f"n{index[p]}", f"o{i}", **attrs)
        dot.edge(f"o{i}", f"n{i}", **_edge_attrs(on_path is not None, result_on))

    if legend:
        with dot.subgraph() as sink:  # the key sits beside the output
            sink.attr(rank="sink")
            sink.node("legend", **_legend(root, grads, grads_known, edge_labels, on_path is not None))

    ids = {v: f"n{i}" for i, v in enumerate(order)}
    return ComputationGraph(dot.source, ids, operations)


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

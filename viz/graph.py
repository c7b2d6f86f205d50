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

Rendering (SVG, PNG, PDF) is in ``viz.render``; the DOT text needs no backend.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Iterable

import graphviz

from autograd import Value, topological_order

from . import style
from .render import render

RANKDIRS = ("LR", "TB", "RL", "BT")
FORMATS = ("svg", "png", "pdf", "dot", "gv")
_PARAMETER_NAME = re.compile(r"[wb]_?\d*", re.IGNORECASE)


class ComputationGraph:
    """A drawn graph: DOT text in ``.source``; ``.save(path)``, ``.pipe(fmt)``, SVG in Jupyter."""

    def __init__(self, source: str, ids: dict[Value, str], operations: int) -> None:
        self.source = source
        self._ids = ids
        self.values = len(ids)
        self.operations = operations

    def node_id(self, value: Value) -> str:
        """The DOT id of ``value``'s record (``n<topological index>``)."""
        try:
            return self._ids[value]
        except KeyError:
            raise ValueError(f"{value!r} is not in this graph") from None

    def op_id(self, value: Value) -> str:
        """The DOT id of the operation node that produced ``value`` (``o<index>``)."""
        if value.is_leaf:
            raise ValueError(f"{value!r} is a leaf: no operation produced it")
        return "o" + self.node_id(value)[1:]

    def pipe(
        self, format: str = "svg", backend: str | None = None, timeout: float | None = None
    ) -> bytes:
        """The rendered graph as bytes: 'svg', 'png', 'pdf' (system Graphviz only) or 'dot'.

        ``backend`` picks 'dot' or 'graphviz-pure' by name (default: the first
        present); ``timeout`` bounds the layout time in seconds.
        """
        if format in ("dot", "gv"):
            return self.source.encode("utf-8")
        if format not in FORMATS:
            raise ValueError(f"unknown graph format {format!r}: choose one of svg, png, pdf, dot")
        return render(self.source, format, backend=backend, timeout=timeout)

    def save(
        self, path: str | Path, backend: str | None = None, timeout: float | None = None
    ) -> Path:
        """Write the graph to ``path``; the format comes from its extension.

        ``.dot``/``.gv`` write the DOT text (no backend needed); ``.svg``,
        ``.png`` and ``.pdf`` are rendered by the system ``dot`` or by
        ``graphviz-pure`` (``backend=`` picks one by name).
        """
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ValueError(
                f"cannot tell the format of {str(path)!r} from its extension: "
                "use .svg, .png, .pdf or .dot"
            )
        data = self.pipe(fmt, backend=backend, timeout=timeout)
        path.write_bytes(data)
        return path

    def _repr_svg_(self) -> str:
        return self.pipe("svg").decode("utf-8")

    def __repr__(self) -> str:
        return f"<ComputationGraph: {self.values} values, {self.operations} operations>"


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
    max_nodes: refuse graphs with more nodes (values + operations) than
        this, which the layout engine would take minutes on; None lifts it.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw() needs a Value, got {type(root).__name__}: {root!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a whole number >= 1, got {digits!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise ValueError(f"max_nodes must be a whole number or None, got {max_nodes!r}")

    order = topological_order(root)
    operations = sum(1 for v in order if v.parents)
    total = len(order) + operations
    if max_nodes is not None and total > max_nodes:
        raise ValueError(
            f"the graph has {total} nodes ({len(order)} values, {operations} operations), "
            f"more than max_nodes={max_nodes}: draw a smaller part (draw() a node inside "
            "the network, e.g. one neuron's z, shows only what that node depends on) "
            "or pass max_nodes=None to lift the limit (the layout may then take minutes)"
        )

    index = {v: i for i, v in enumerate(order)}
    kinds = _kinds(order, root, params)
    grads_known = root.grad != 0.0
    on_path, targets = _highlighted(order, index, highlight)
    cluster_of = _clusters(order, root) if clusters else {v: () for v in order}

    dot = graphviz.Digraph("chainrule")
    dot.attr(
        "graph",
        rankdir=rankdir,
        fontname=style.FONT,
        nodesep="0.22",
        ranksep="0.45" if edge_labels else "0.32",  # room for the labels
        bgcolor="white",
        pad="0.15",
        nslimit="3",  # bounds network-simplex passes: long chains lay out in seconds, not minutes
    )
    if title is not None:
        dot.attr("graph", label=f"<<b>{html.escape(title)}</b>>", labelloc="t", labeljust="l",
                 fontsize="14")
    dot.attr("node", fontname=style.FONT, fontsize="11", fontcolor=style.TEXT)
    dot.attr("edge", fontname=style.FONT, fontsize="9", color=style.EDGE, arrowsize="0.6")

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


# --- what each node is ---------------------------------------------------------


def _kinds(order: list[Value], root: Value, params: Iterable[Value] | None) -> dict[Value, str]:
    """output / constant / parameter / input / intermediate, for every node."""
    chosen: set[Value] | None = None
    if params is not None:
        chosen = set()
        for k, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{k}] is not a Value: {type(p).__name__} {p!r}")
            chosen.add(p)
    kinds = {}
    for v in order:
        if v is root:
            kind = "output"
        elif v.is_constant:
            kind = "constant"
        elif v.parents:
            kind = "intermediate"
        elif chosen is not None:
            kind = "parameter" if v in chosen else "input"
        elif v.name is not None and _PARAMETER_NAME.fullmatch(v.name.rsplit(".", 1)[-1]):
            kind = "parameter"
        else:
            kind = "input"
        kinds[v] = kind
    return kinds


def _highlighted(
    order: list[Value], index: dict[Value, int], highlight: Any
) -> tuple[set[Value] | None, set[Value]]:
    """The nodes on some path from the root down to a highlighted node, and those nodes."""
    if highlight is None:
        return None, set()
    if isinstance(highlight, (Value, str)):
        wanted = [highlight]
    else:
        try:
            wanted = list(highlight)
        except TypeError:
            raise TypeError(
                f"highlight takes a Value, a name, or a list of them, got "
                f"{type(highlight).__name__}: {highlight!r}"
            ) from None
    targets: set[Value] = set()
    for h in wanted:
        if isinstance(h, Value):
            if h not in index:
                raise ValueError(f"highlight: {h!r} is not in the graph being drawn")
            targets.add(h)
        elif isinstance(h, str):
            named = [v for v in order if v.name == h]
            if not named:
                raise ValueError(f"highlight: no node named {h!r} in the graph being drawn")
            if len(named) > 1:
                raise ValueError(
                    f"highlight: {len(named)} nodes are named {h!r}; pass the Value itself"
                )
            targets.add(named[0])
        else:
            raise TypeError(f"highlight takes Values or names, got {type(h).__name__}: {h!r}")
    # a node is on a path when a target is itself or below it (parents first)
    on_path: set[Value] = set()
    for v in order:
        if v in targets or any(p in on_path for p in v.parents):
            on_path.add(v)
    return on_path, targets


def _clusters(order: list[Value], root: Value) -> dict[Value, tuple[str, ...]]:
    """Each node's cluster path from its dotted name, e.g. ('layer1', 'layer1.neuron2').

    An unnamed node takes its consumers' cluster when they all share one;
    consumers come later in the order, so walk it backwards.
    """
    consumers: dict[Value, list[Value]] = {}
    for v in order:
        for p in v.parents:
            users = consumers.setdefault(p, [])
            if not users or users[-1] is not v:
                users.append(v)
    cluster: dict[Value, tuple[str, ...]] = {}
    for v in reversed(order):
        if v.name is not None:
            parts = [part for part in v.name.split(".")[:-1] if part]
            cluster[v] = tuple(".".join(parts[: d + 1]) for d in range(len(parts)))
        elif v is root:
            cluster[v] = ()
        else:
            found = {cluster[c] for c in consumers.get(v, ())}
            cluster[v] = found.pop() if len(found) == 1 else ()
    return cluster


# --- how each node looks ----------------------------------------------------


def _short_name(name: str | None, cluster: tuple[str, ...]) -> str | None:
    """The name inside its cluster: 'layer1.neuron2.w1' in cluster layer1.neuron2 is 'w1'."""
    if name is not None and cluster and name.startswith(cluster[-1] + "."):
        return name[len(cluster[-1]) + 1 :] or name
    return name


def _value_node(
    v: Value, shown: str | None, kind: str, state: str, grads: bool, grads_known: bool, digits: int
) -> dict[str, str]:
    fill, border = style.KIND_COLOURS[kind]
    text, caption, grad_colour = style.TEXT, style.MUTED_TEXT, style.GRAD_TEXT
    width = "2" if kind == "output" else "1"
    if state == "dim":
        fill, border = style.DIM_FILL, style.DIM_BORDER
        text = caption = grad_colour = style.DIM_TEXT
    elif state in ("on", "target"):
        border = style.HIGHLIGHT
        width = "3" if state == "target" else "2"
    data = style.fmt(v.data, digits)
    tooltip = f"{v.name + ': ' if v.name else ''}data={v.data!r}"
    if grads and grads_known and kind != "constant":
        tooltip += f" grad={v.grad!r}"

    if kind == "constant":
        return {
            "label": data,
            "shape": "box",
            "style": "dashed,rounded",
            "color": border,
            "fontcolor": text if state != "dim" else style.DIM_TEXT,
            "fontsize": "10",
            "height": "0.25",
            "width": "0.3",
            "margin": "0.05,0.02",
            "tooltip": tooltip,
        }

    rows = []
    if shown is not None:
        rows.append(
            f'<tr><td colspan="2" bgcolor="{fill}" sides="b" border="1" color="{border}">'
            f'<font color="{text}"><b>{html.escape(shown)}</b></font></td></tr>'
        )
    rows.append(
        f'<tr><td align="left"><font color="{caption}" point-size="9">data</font></td>'
        f'<td align="right"><font color="{text}">{data}</font></td></tr>'
    )
    if grads:
        if grads_known:
            grad_text = style.fmt(v.grad, digits)
        else:  # backward() has not run: unknown, not zero
            grad_text, grad_colour = "?", caption
        rows.append(
            f'<tr><td align="left"><font color="{caption}" point-size="9">grad</font></td>'
            f'<td align="right"><font color="{grad_colour}">{grad_text}</font></td></tr>'
        )
    corners = ' style="rounded"' if kind == "parameter" else ""
    bg = "white" if shown is not None or state == "dim" else fill
    label = (
        f'<<table border="{width}" cellborder="0" cellspacing="0" cellpadding="3" '
        f'color="{border}" bgcolor="{bg}"{corners}>{"".join(rows)}</table>>'
    )
    return {"label": label, "shape": "plain", "tooltip": tooltip}


def _op_node(v: Value, state: str) -> dict[str, str]:
    # a one-operand sum is an alias (y_hat = a_out): drawn '='
    symbol = "=" if v.op == "sum" and len(v.parents) == 1 else style.op_symbol(v.op or "")
    attrs = {
        "label": symbol,
        "shape": "circle" if len(symbol) <= 2 else "ellipse",
        "style": "filled",
        "fillcolor": style.OP_FILL,
        "color": style.OP_BORDER,
        "fontsize": "12" if len(symbol) <= 2 else "10",
        "width": "0.3",
        "height": "0.3",
        "margin": "0.02,0.02",
        "tooltip": f"{v.op}",
    }
    if state == "dim":
        attrs.update(color=style.DIM_BORDER, fontcolor=style.DIM_TEXT, fillcolor=style.DIM_FILL)
    elif state == "on":
        attrs.update(color=style.HIGHLIGHT, penwidth="2")
    return attrs


def _edge_attrs(highlighting: bool, on: bool) -> dict[str, str]:
    if not highlighting:
        return {}
    if on:
        return {"color": style.HIGHLIGHT, "penwidth": style.HIGHLIGHT_PENWIDTH}
    return {"color": style.DIM_BORDER}


def _edge_label_attrs(highlighting: bool, on: bool) -> dict[str, str]:
    if not highlighting:
        return {"fontcolor": style.EDGE_LABEL}
    if on:  # the factors of the chain-rule product along the path
        return {"fontcolor": style.HIGHLIGHT, "fontsize": "10"}
    return {"fontcolor": style.DIM_TEXT}


def _cluster_attrs(sub: Any, path: tuple[str, ...], dim: bool) -> None:
    sub.attr(
        label=path[-1].rsplit(".", 1)[-1],  # 'layer1.neuron2' inside 'layer1' reads 'neuron2'
        labeljust="l",
        style="rounded,filled",
        fillcolor=style.CLUSTER_FILLS[(len(path) - 1) % len(style.CLUSTER_FILLS)],
        color=style.DIM_BORDER if dim else style.CLUSTER_BORDER,
        fontcolor=style.DIM_TEXT if dim else style.CLUSTER_TEXT,
        fontsize="10",
        margin="6",
    )


def _legend(
    root: Value, grads: bool, grads_known: bool, edge_labels: bool, highlighted: bool
) -> dict[str, str]:
    rows = ['<tr><td colspan="2" align="left"><b>legend</b></td></tr>']
    for kind in ("parameter", "input", "constant", "intermediate", "output"):
        fill, border = style.KIND_COLOURS[kind]
        rows.append(
            f'<tr><td bgcolor="{fill}" border="1" color="{border}" width="14" height="10"></td>'
            f'<td align="left">{style.KIND_TITLES[kind]}</td></tr>'
        )
    rows.append('<tr><td>○</td><td align="left">operation</td></tr>')
    if grads:
        note = f"grad: ∂{root.name or 'output'}/∂node" if grads_known else "grad ?: backward() not run yet"
        rows.append(f'<tr><td></td><td align="left">{html.escape(note)}</td></tr>')
    if edge_labels:
        rows.append(
            f'<tr><td></td><td align="left"><font color="{style.EDGE_LABEL}">'
            "edge: ∂out/∂in</font></td></tr>"
        )
    if highlighted:
        rows.append(
            f'<tr><td></td><td align="left"><font color="{style.HIGHLIGHT}">'
            "red: paths to the chosen node</font></td></tr>"
        )
    label = (
        '<<table border="1" cellborder="0" cellspacing="2" cellpadding="2" color="#BBBBBB">'
        + "".join(rows)
        + "</table>>"
    )
    return {"label": label, "shape": "plain", "fontsize": "9"}

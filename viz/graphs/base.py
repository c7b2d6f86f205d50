"""The pieces both graph views share: the graph object, node kinds, highlighting,
clusters, and the look of records, edges and clusters.

``operations.py`` draws one node per value and per operation (in a layered
network, each operation inside its result's record); ``neurons.py`` one record
per neuron.  Both build their DOT from these.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path
from typing import Any
from collections.abc import Iterable

import graphviz

from autograd import Value

from . import style
from .render import render

RANKDIRS = ("LR", "TB", "RL", "BT")
FORMATS = ("svg", "png", "pdf", "dot", "gv")
_PARAMETER_NAME = re.compile(r"[wb]_?\d*", re.IGNORECASE)


class ComputationGraph:
    """A drawn graph: DOT text in ``.source``; ``.save(path)``, ``.pipe(fmt)``, SVG in Jupyter."""

    def __init__(
        self, source: str, ids: dict[Value, str], operations: int, neurons: int | None = None,
        values: int | None = None, ops_in_records: bool = False,
    ) -> None:
        self.source = source
        self._ids = ids
        #: the compact operation view: each operation is written in its result's record
        self.ops_in_records = ops_in_records
        self.values = len(ids) if values is None else values
        self.operations = operations
        #: the neuron view: how many neuron records it draws; None for the operation view
        self.neurons = neurons

    def node_id(self, value: Value) -> str:
        """The DOT id of ``value``'s record (``n<topological index>``).

        In the neuron view, the id of the record ``value`` is drawn in: its
        neuron's, its input's, or the loss record (``n<index of its first
        value>``); a constant has none.
        """
        try:
            return self._ids[value]
        except KeyError:
            if self.neurons is not None and value.is_constant:
                raise ValueError(
                    f"{value!r} is a constant: the neuron view draws no record for it"
                ) from None
            raise ValueError(f"{value!r} is not in this graph") from None

    def op_id(self, value: Value) -> str:
        """The DOT id of the operation node that produced ``value`` (``o<index>``).

        In the compact view of a layered network, where each operation is
        written in its result's record (``= σ(z_h1)``), that record's id.
        """
        if self.neurons is not None:
            raise ValueError("the neuron view draws no operation nodes: use node_id()")
        if value.is_leaf:
            raise ValueError(f"{value!r} is a leaf: no operation produced it")
        if self.ops_in_records:
            return self.node_id(value)
        return "o" + self.node_id(value)[1:]

    def pipe(
        self, format: str = "svg", backend: str | None = None, timeout: float | None = None,
        memory_limit: int | None = None,
    ) -> bytes:
        """The rendered graph as bytes: 'svg', 'png', 'pdf' (system Graphviz only) or 'dot'.

        ``backend`` picks 'dot' or 'graphviz-pure' by name (default: the first
        present); ``timeout`` bounds the layout time in seconds and
        ``memory_limit`` the backend's memory in bytes (see ``render``).
        """
        if format in ("dot", "gv"):
            return self.source.encode("utf-8")
        if format not in FORMATS:
            raise ValueError(f"unknown graph format {format!r}: choose one of svg, png, pdf, dot")
        return render(self.source, format, backend=backend, timeout=timeout,
                      memory_limit=memory_limit)

    def save(
        self, path: str | Path, backend: str | None = None, timeout: float | None = None,
        memory_limit: int | None = None,
    ) -> Path:
        """Write the graph to ``path``; the format comes from its extension.

        ``.dot``/``.gv`` write the DOT text (no backend needed); ``.svg``,
        ``.png`` and ``.pdf`` are rendered by the system ``dot`` or by
        ``graphviz-pure`` (``backend=`` picks one by name); ``timeout`` and
        ``memory_limit`` as for ``pipe``.
        """
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ValueError(
                f"cannot tell the format of {str(path)!r} from its extension: "
                "use .svg, .png, .pdf or .dot"
            )
        data = self.pipe(fmt, backend=backend, timeout=timeout, memory_limit=memory_limit)
        path.write_bytes(data)
        return path

    def _repr_svg_(self) -> str:
        return self.pipe("svg").decode("utf-8")

    def __repr__(self) -> str:
        if self.neurons is not None:
            return (f"<ComputationGraph (neuron view): {self.neurons} neurons drawn for "
                    f"{self.values} values, {self.operations} operations>")
        return f"<ComputationGraph: {self.values} values, {self.operations} operations>"


#: the line breaks a title may hold; every other control character is refused
_NEWLINE = re.compile(r"\r\n|\n")
#: a line break in an HTML-like label, the line before it left-justified (as the title is)
_BREAK = '<br align="left"/>'


def title_problem(title: str) -> str | None:
    """What is wrong with a title's text, or None: a control character other than a
    line break (``\n`` or ``\r\n``), e.g. a tab, ``\r`` alone or an escape, or a lone
    surrogate (no text can be written with it)."""
    for at, ch in enumerate(title):
        category = unicodedata.category(ch)
        if category not in ("Cc", "Cs") or ch == "\n" \
                or (ch == "\r" and title[at + 1 : at + 2] == "\n"):
            continue
        what = "a control character" if category == "Cc" else "a lone surrogate"
        return (f"character {at + 1} is U+{ord(ch):04X} ({what}): a title holds text and "
                "line breaks (\\n) only")
    return None


def title_lines(title: str | None) -> list[str]:
    """A graph title's lines, as written: ``"two\nlines"`` is two; none when ``title``
    is None, empty or blank (no caption, as without a title).

    A line break is ``\n`` (or ``\r\n``); blank lines before the first line and after
    the last are dropped.  Any other control character is a ValueError naming it and
    where it is (``title_problem``).
    """
    if title is None:
        return []
    if not isinstance(title, str):
        raise TypeError(f"title must be text (a str), got {type(title).__name__}: {title!r}")
    problem = title_problem(title)
    if problem is not None:
        raise ValueError(f"title {title!r}: {problem}")
    lines = _NEWLINE.split(title)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _title_label(lines: list[str]) -> str:
    """The title's text in an HTML-like label: escaped (``<``, ``&``, quotes read as
    written), its lines joined by left-justified breaks."""
    escaped = [html.escape(line) for line in lines]
    if len(escaped) == 1:
        return escaped[0]
    return "".join(line + _BREAK for line in escaped)  # the last line left-justified too


def _digraph(rankdir: str, nodesep: str, ranksep: str, title: str | None) -> graphviz.Digraph:
    """An empty graph with the shared look: fonts, edge colour, title."""
    dot = graphviz.Digraph("chainrule")
    dot.attr(
        "graph",
        rankdir=rankdir,
        fontname=style.FONT,
        nodesep=nodesep,
        ranksep=ranksep,
        bgcolor="white",
        pad="0.15",
        nslimit="3",  # bounds network-simplex passes: long chains lay out in seconds, not minutes
    )
    lines = title_lines(title)
    if lines:
        dot.attr("graph", label=f"<<b>{_title_label(lines)}</b>>", labelloc="t", labeljust="l",
                 fontsize="14")
    dot.attr("node", fontname=style.FONT, fontsize="10", fontcolor=style.TEXT)
    dot.attr("edge", fontname=style.FONT, fontsize="9", color=style.EDGE, arrowsize="0.6")
    return dot


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
    order: list[Value], index: dict[Value, int], highlight: Any, every_named: bool = False
) -> tuple[set[Value] | None, set[Value]]:
    """The nodes on some path from the root down to a highlighted node, and those nodes.

    A name must be unique, unless ``every_named`` (the neuron view, where a
    batch repeats ``layer1.neuron1.z`` once per sample): then it means them all.
    """
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
            if len(named) > 1 and not every_named:
                raise ValueError(
                    f"highlight: {len(named)} nodes are named {h!r}; pass the Value itself"
                )
            targets.update(named)
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


def header_cell(rounded: bool, border: str) -> str:
    """A record header's cell attributes: a rule below it, or, in a rounded record, a
    rounded fill of its own (a square fill would poke out past the rounded corners)."""
    return 'style="rounded"' if rounded else f'sides="b" border="1" color="{border}"'


def _value_node(
    v: Value, shown: str | None, kind: str, state: str, grads: bool, grads_known: bool, digits: int,
    operation: str | None = None, rows: list[tuple[str, str]] | None = None,
) -> dict[str, str]:
    """A value's record: its name, ``operation`` (the step that made it, ``= σ(z_h1)``,
    when it is written here rather than in a node of its own), ``rows`` (caption and
    text: the loss's targets, ``y1 | 0.5``), data and grad."""
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

    extra: list[tuple[str, str]] = rows or []
    rows_html: list[str] = []
    if shown is not None:
        rows_html.append(
            f'<tr><td colspan="2" bgcolor="{fill}" {header_cell(kind == "parameter", border)}>'
            f'<font color="{text}"><b>{html.escape(shown)}</b></font></td></tr>'
        )
    if operation is not None:
        rows_html.append(
            f'<tr><td colspan="2"><font color="{text}" point-size="9">'
            f'= {html.escape(operation)}</font></td></tr>'
        )
    for name, shown_value in extra:
        rows_html.append(
            f'<tr><td align="left"><font color="{caption}" point-size="9">'
            f'{html.escape(name)}</font></td>'
            f'<td align="right"><font color="{text}">{html.escape(shown_value)}</font></td></tr>'
        )
    rows_html.append(
        f'<tr><td align="left"><font color="{caption}" point-size="9">data</font></td>'
        f'<td align="right"><font color="{text}">{data}</font></td></tr>'
    )
    if grads:
        if grads_known:
            grad_text = style.fmt(v.grad, digits)
        else:  # backward() has not run: unknown, not zero
            grad_text, grad_colour = "?", caption
        rows_html.append(
            f'<tr><td align="left"><font color="{caption}" point-size="9">grad</font></td>'
            f'<td align="right"><font color="{grad_colour}">{grad_text}</font></td></tr>'
        )
    corners = ' style="rounded"' if kind == "parameter" else ""
    bg = "white" if shown is not None or state == "dim" else fill
    label = (
        f'<<table border="{width}" cellborder="0" cellspacing="0" cellpadding="3" '
        f'color="{border}" bgcolor="{bg}"{corners}>{"".join(rows_html)}</table>>'
    )
    return {"label": label, "shape": "plain", "tooltip": tooltip}


def _number(c: Value) -> str:
    """A plain number written in an operation: ½, or its value."""
    return "½" if c.data == 0.5 else style.fmt(c.data, 4)


def _op_symbol(
    v: Value, merged: bool = False, numbers: bool = False, formula: str | None = None
) -> str:
    """What an operation's node shows: its symbol; ``merged``: a net input drawn as one
    step Σ w·x + b; ``numbers``: its plain-number operands written in it (× ½, ^2, 0.01 −)."""
    # a one-operand sum is an alias (y_hat = a_out): drawn '='
    symbol = "=" if v.op == "sum" and len(v.parents) == 1 else style.op_symbol(v.op or "")
    if formula is not None:  # a chain of unnamed steps drawn as one
        symbol = formula
    elif merged:
        symbol = style.op_symbol("linear")
    elif numbers and any(p.is_constant for p in v.parents) and len(v.parents) == 2:
        a, b = v.parents
        if v.op == "**" and b.is_constant:
            symbol = {2.0: "( )²", 3.0: "( )³"}.get(b.data, f"^{_number(b)}")
        elif a.is_constant and not b.is_constant:
            symbol = f"{_number(a)} {symbol}"
        elif b.is_constant and not a.is_constant:
            symbol = f"{symbol} {_number(b)}"
    return symbol


#: the longest operation written in a record; a longer one shows its symbol only
MAX_OPERATION = 28


def _op_text(v: Value, names: dict[Value, str | None], merged: bool = False,
             formula: str | None = None) -> str:
    """An operation written in its result's record, by its operands' drawn names:
    ``σ(z_h1)``, ``Σ w·x + b``, ``t − o6``, ``err²``, or the chain's formula."""
    symbol = _op_symbol(v, merged=merged, numbers=True, formula=formula)
    if formula is not None or merged:
        return symbol
    shown: list[str] = []
    for p in v.parents:
        name = _number(p) if p.is_constant else names.get(p)
        if name is None:  # an unnamed operand: the symbol alone
            return symbol
        shown.append(name)
    op = style.op_symbol(v.op or "")
    if len(shown) == 1:
        text = shown[0] if v.op == "sum" else f"{op}({shown[0]})"
    elif v.op == "**" and len(shown) == 2 and v.parents[1].is_constant:
        power = {2.0: "²", 3.0: "³"}.get(v.parents[1].data, f"^{shown[1]}")
        text = f"{shown[0]}{power}"
    else:
        text = f" {op} ".join(shown)
    return text if len(text) <= MAX_OPERATION else symbol


def _op_node(
    v: Value, state: str, merged: bool = False, numbers: bool = False, formula: str | None = None
) -> dict[str, str]:
    """An operation's node, showing ``_op_symbol``."""
    symbol = _op_symbol(v, merged=merged, numbers=numbers, formula=formula)
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


def cluster_caption(path: tuple[str, ...]) -> str:
    """A cluster's caption: 'layer1.neuron2' inside 'layer1' reads 'neuron2'."""
    return path[-1].rsplit(".", 1)[-1]


def caption_node(graph: Any, node_id: str, text: str, dim: bool) -> None:
    """A cluster's caption drawn as a node of its own (a cluster's label is no obstacle
    to dot's edge routing; a node is: no edge runs through the caption)."""
    graph.node(node_id, label=text, shape="plaintext", fontsize="10", height="0.2",
               width="0.3", margin="0.03,0.01",
               fontcolor=style.DIM_TEXT if dim else style.CLUSTER_TEXT)


def _cluster_attrs(sub: Any, path: tuple[str, ...], dim: bool, captioned: bool = True) -> None:
    """A cluster's look; ``captioned=False``: no label (its caption is a node, caption_node)."""
    sub.attr(
        label=cluster_caption(path) if captioned else "",
        labeljust="l",
        style="rounded,filled",
        fillcolor=style.CLUSTER_FILLS[(len(path) - 1) % len(style.CLUSTER_FILLS)],
        color=style.DIM_BORDER if dim else style.CLUSTER_BORDER,
        fontcolor=style.DIM_TEXT if dim else style.CLUSTER_TEXT,
        fontsize="10",
        margin="6",
    )


def _legend(
    root: Value, grads: bool, grads_known: bool, edge_labels: bool, highlighted: bool,
    ops_in_records: bool = False,
) -> dict[str, str]:
    rows = ['<tr><td colspan="2" align="left"><b>legend</b></td></tr>']
    for kind in ("parameter", "input", "constant", "intermediate", "output"):
        fill, border = style.KIND_COLOURS[kind]
        rows.append(
            f'<tr><td bgcolor="{fill}" border="1" color="{border}" width="14" height="10"></td>'
            f'<td align="left">{style.KIND_TITLES[kind]}</td></tr>'
        )
    if ops_in_records:  # each record says how it was made: '= σ(z_h1)'
        rows.append('<tr><td>=</td><td align="left">its operation</td></tr>')
    else:
        rows.append('<tr><td>○</td><td align="left">operation</td></tr>')
    if grads:
        note = f"grad: ∂{root.name or 'output'}/∂node" if grads_known else "grad ?: backward() not run yet"
        rows.append(f'<tr><td></td><td align="left">{html.escape(note)}</td></tr>')
    if edge_labels:
        rows.append(
            f'<tr><td></td><td align="left"><font color="{style.EDGE_LABEL}">'
            "edge: ∂out/∂in</font></td></tr>"
        )
    return _legend_node(rows, highlighted)


def _legend_node(rows: list[str], highlighted: bool) -> dict[str, str]:
    """The legend's box around its rows, with the note on red paths when there are any."""
    if highlighted:
        for line in ("red: paths to the", "chosen node"):  # two short lines: no wider key
            rows.append(
                f'<tr><td></td><td align="left"><font color="{style.HIGHLIGHT}">'
                f"{line}</font></td></tr>"
            )
    label = (
        '<<table border="1" cellborder="0" cellspacing="2" cellpadding="2" color="#BBBBBB">'
        + "".join(rows)
        + "</table>>"
    )
    return {"label": label, "shape": "plain", "fontsize": "8"}

"""viz.draw: the DOT text of computation graphs (no rendering backend needed).

Numbers are checked against seed 001's printed values (2-2-1 sigmoid network,
x = (0.05, 0.10), target 0.01) and against closed-form derivatives written
out here in floats.
"""

from __future__ import annotations

import functools
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograd import Value, linear, sum_of, topological_order
from viz.graphs import style
from viz.graphs import draw as _draw

# this file checks every node of the full operation view; the compact view of a
# layered network (net inputs as one step, numbers in their operations) is checked
# in test_graphs_layout.py
draw = functools.partial(_draw, compact=False)
from viz.graphs.style import fmt

# --- seed 001, built with the document's names ---------------------------------


def seed001(backward: bool = True) -> dict[str, Value]:
    x1, x2 = Value(0.05, "x1"), Value(0.10, "x2")
    w1, w2, w3, w4, w5, w6 = (
        Value(d, f"w{i}") for i, d in enumerate([0.15, 0.20, 0.25, 0.30, 0.40, 0.45], 1)
    )
    b1, b2 = Value(0.35, "b1"), Value(0.60, "b2")  # b1 shared by both hidden neurons
    z_h1 = linear([w1, w2], [x1, x2], b1)
    z_h2 = linear([w3, w4], [x1, x2], b1)
    a_h1, a_h2 = z_h1.sigmoid(), z_h2.sigmoid()
    z_out = linear([w5, w6], [a_h1, a_h2], b2)
    y_hat = z_out.sigmoid()
    u = 0.01 - y_hat
    sq = u**2
    loss = 0.5 * sq
    for name, v in [("z_h1", z_h1), ("z_h2", z_h2), ("a_h1", a_h1), ("a_h2", a_h2),
                    ("z_out", z_out), ("y_hat", y_hat), ("loss", loss)]:
        v.name = name
    if backward:
        loss.backward()
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, w3=w3, w4=w4, w5=w5, w6=w6, b1=b1, b2=b2,
                z_h1=z_h1, z_h2=z_h2, a_h1=a_h1, a_h2=a_h2, z_out=z_out, y_hat=y_hat,
                u=u, sq=sq, loss=loss)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# closed-form forward pass of seed 001, in floats
Z_H1 = 0.15 * 0.05 + 0.20 * 0.10 + 0.35
Z_H2 = 0.25 * 0.05 + 0.30 * 0.10 + 0.35
A_H1, A_H2 = sigmoid(Z_H1), sigmoid(Z_H2)
Z_OUT = 0.40 * A_H1 + 0.45 * A_H2 + 0.60
Y_HAT = sigmoid(Z_OUT)
U = 0.01 - Y_HAT


# --- reading DOT back ---------------------------------------------------------------

_NODE = re.compile(r"^\t+(n\d+|o\d+|legend) \[(.*)\]$", re.M)
_EDGE = re.compile(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)
_HTML = re.compile(r"label=<(<table.*</table>)>")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ \]]+)')


def parse_attrs(text: str) -> dict[str, str]:
    attrs = {}
    html_label = _HTML.search(text)
    if html_label:
        attrs["html"] = html_label.group(1)
        text = text[: html_label.start()] + text[html_label.end():]
    for key, value in _ATTR.findall(text):
        attrs[key] = value[1:-1] if value.startswith('"') else value
    return attrs


def nodes(source: str) -> dict[str, dict[str, str]]:
    return {m.group(1): parse_attrs(m.group(2)) for m in _NODE.finditer(source)}


def edges(source: str) -> list[tuple[str, str, dict[str, str]]]:
    return [(m.group(1), m.group(2), parse_attrs(m.group(3) or "")) for m in _EDGE.finditer(source)]


def cells(node: dict[str, str]) -> list[str]:
    """The texts of a record's table cells, in order."""
    table = ET.fromstring(node["html"])
    return ["".join(td.itertext()) for td in table.iter("td")]


def record(source: str, graph, value: Value) -> dict[str, str]:
    """{'name': ..., 'data': ..., 'grad': ...} as drawn for ``value``."""
    texts = cells(nodes(source)[graph.node_id(value)])
    shown = {}
    if texts[0] not in ("data", "grad"):
        shown["name"] = texts.pop(0)
    for caption, number in zip(texts[::2], texts[1::2]):
        shown[caption] = number
    return shown


def cluster_paths(source: str) -> dict[str, tuple[str, ...]]:
    """Node id -> the captions of the clusters that enclose it, outermost first.

    A caption is the cluster's label, or, in a layered network, a caption node
    inside it (``caption<k>``, drawn as a node so that no edge runs through it);
    the first neuron's caption names its layer too, "layer1 · h1", the layer's
    cluster then having no label of its own.
    """
    found: list[dict] = []  # each cluster: label, caption, parent
    open_: list[int | None] = []  # the subgraphs open: a cluster's index, or None
    members: dict[str, list[int]] = {}
    for line in source.splitlines():
        s = line.strip()
        inside = [k for k in open_ if k is not None]
        if s.startswith("subgraph cluster_"):
            found.append({"label": None, "caption": None, "parent": inside[-1] if inside else None})
            open_.append(len(found) - 1)
        elif s.endswith("{") and not s.startswith("digraph"):
            open_.append(None)
        elif s == "}" and open_:
            open_.pop()
        elif inside and found[inside[-1]]["label"] is None and re.search(r"\blabel=", s) \
                and " [" not in s:
            found[inside[-1]]["label"] = re.search(r"\blabel=(\"[^\"]*\"|\S+)", s).group(1).strip('"')
        elif m := re.match(r"(caption\d+) \[label=(\"[^\"]*\"|\S+)", s):
            found[inside[-1]]["caption"] = m.group(2).strip('"')
        elif m := re.match(r"(n\d+|o\d+) \[", s):
            members[m.group(1)] = inside
    for c in found:
        if not c["label"] and c["caption"]:
            *layer, own = c["caption"].split(" · ")
            c["label"] = own
            if layer and c["parent"] is not None and not found[c["parent"]]["label"]:
                found[c["parent"]]["label"] = layer[0]
    return {node: tuple(found[k]["label"] for k in path if found[k]["label"])
            for node, path in members.items()}


# --- ids and determinism ------------------------------------------------------------


def test_ids_follow_topological_order_and_never_id():
    net = seed001()
    g = draw(net["loss"])
    order = topological_order(net["loss"])
    ids = nodes(g.source)
    for i, v in enumerate(order):
        assert g.node_id(v) == f"n{i}"
        assert f"n{i}" in ids
        if v.parents:
            assert f"o{i}" in ids and g.op_id(v) == f"o{i}"
        assert str(id(v)) not in g.source
    assert len(ids) == len(order) + sum(1 for v in order if v.parents)


def test_same_graph_gives_identical_dot():
    a, b = seed001(), seed001()
    options = dict(edge_labels=True, highlight="w1", legend=True)
    assert draw(a["loss"], **options).source == draw(a["loss"], **options).source
    assert draw(a["loss"], **options).source == draw(b["loss"], **options).source


def test_dot_is_identical_across_processes():
    here = draw(seed001()["loss"], edge_labels=True, highlight="b1").source
    script = (
        f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); from test_viz_graph import seed001;"
        "from viz.graphs import draw;"
        "sys.stdout.write(draw(seed001()['loss'], edge_labels=True, highlight='b1', compact=False).source)"
    )
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             env=env, check=True, encoding="utf-8")
        assert out.stdout == here


# --- records: names, data, grads -------------------------------------------------


def test_records_show_the_documents_numbers():
    net = seed001()
    g = draw(net["loss"], digits=4)
    show = lambda name: record(g.source, g, net[name])  # noqa: E731
    # forward pass as printed in seed 001 (4 significant digits)
    assert show("z_h1") == {"name": "z_h1", "data": "0.3775", "grad": show("z_h1")["grad"]}
    assert show("z_h2")["data"] == "0.3925"
    assert show("a_h1")["data"] == "0.5933"
    assert show("a_h2")["data"] == "0.5969"
    assert show("z_out")["data"] == "1.106"  # the document's 1.1059
    assert show("y_hat")["data"] == "0.7514"
    assert show("loss") == {"name": "loss", "data": "0.2748", "grad": "1"}
    assert show("w1") == {"name": "w1", "data": "0.15", "grad": "0.0006684"}
    # gradients as printed: dL/dy_hat = 0.7414, dL/db2 = 0.1385
    assert show("y_hat")["grad"] == "0.7414"
    assert show("b2")["grad"] == "0.1385"
    # the update table's gradients, at the document's precision
    g3 = draw(net["loss"], digits=3)
    assert record(g3.source, g3, net["w5"])["grad"] == "0.0822"
    assert record(g3.source, g3, net["w6"])["grad"] == "0.0827"
    assert record(g3.source, g3, net["b1"])["grad"] == "0.0284"  # two paths summed
    g2 = draw(net["loss"], digits=2)
    assert record(g2.source, g2, net["w1"])["grad"] == "0.00067"
    assert record(g2.source, g2, net["w3"])["grad"] == "0.00075"


def test_unnamed_values_show_data_and_grad_only():
    net = seed001()
    g = draw(net["loss"], digits=6)
    # u = 0.01 - y_hat; dL/du = u (from L = 0.5 u²)
    assert record(g.source, g, net["u"]) == {"data": fmt(U, 6), "grad": fmt(U, 6)}
    assert math.isclose(float(record(g.source, g, net["u"])["data"]), U, rel_tol=1e-5)


def test_grads_before_backward_are_not_shown_as_zeros():
    net = seed001(backward=False)
    g = draw(net["loss"])
    for v in topological_order(net["loss"]):
        if v.is_constant:
            continue
        shown = record(g.source, g, v)
        assert shown["grad"] == "?", shown
    net["loss"].backward()
    after = draw(net["loss"])
    assert record(after.source, after, net["loss"])["grad"] == "1"
    assert record(after.source, after, net["w5"])["grad"] != "?"


def test_grads_can_be_hidden():
    net = seed001()
    g = draw(net["loss"], grads=False)
    for v in topological_order(net["loss"]):
        if not v.is_constant:
            assert "grad" not in record(g.source, g, v)
    assert ">grad<" not in g.source


def test_number_format():
    assert fmt(0.37750000000000006, 4) == "0.3775"
    assert fmt(1.1059059, 4) == "1.106"
    assert fmt(0.000668396, 4) == "0.0006684"
    assert fmt(1.0, 4) == "1"
    assert fmt(-0.0, 4) == "0"
    assert fmt(1e-7, 3) == "1e-7"
    assert fmt(-123456.0, 3) == "-123456"  # whole numbers print whole, as in the derivations
    assert fmt(-123456.7, 3) == "-123457"
    assert fmt(0.014996, 4) == "0.01500"  # rounding's trailing zeros are kept: the digits meant
    assert fmt(3.5e12, 2) == "3500000000000"
    assert fmt(2.5e-9, 2) == "2.5e-9"
    assert fmt(float("nan"), 4) == "nan"
    assert fmt(float("-inf"), 4) == "-inf"
    assert fmt(2.0 / 3.0, 8) == "0.66666667"


# --- kinds -------------------------------------------------------------------------


def header_colour(g, v: Value) -> str:
    table = ET.fromstring(nodes(g.source)[g.node_id(v)]["html"])
    return table.find("tr/td").get("bgcolor")


def test_node_kinds_by_naming_convention():
    net = seed001()
    g = draw(net["loss"])
    drawn = nodes(g.source)
    parameter, _ = style.KIND_COLOURS["parameter"]
    inp, _ = style.KIND_COLOURS["input"]
    output, _ = style.KIND_COLOURS["output"]
    for name in ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2"):
        assert header_colour(g, net[name]) == parameter, name
        assert 'style="rounded"' in drawn[g.node_id(net[name])]["html"]
    for name in ("x1", "x2"):
        assert header_colour(g, net[name]) == inp, name
    assert header_colour(g, net["loss"]) == output
    assert 'border="2"' in drawn[g.node_id(net["loss"])]["html"]
    # constants: the number alone, dashed, no record
    consts = [v for v in topological_order(net["loss"]) if v.is_constant]
    assert sorted(float(drawn[g.node_id(c)]["label"]) for c in consts) == [0.01, 0.5, 2.0]
    for c in consts:
        assert "dashed" in drawn[g.node_id(c)]["style"] and "html" not in drawn[g.node_id(c)]
    # nn's dotted names count as parameters too
    w = Value(0.5, "layer1.neuron2.w12")
    b = Value(0.1, "layer1.b")
    x = Value(2.0, "layer1.x")
    out = w * x + b
    g2 = draw(out, clusters=False)
    assert header_colour(g2, w) == parameter and header_colour(g2, b) == parameter
    assert header_colour(g2, x) == inp


def test_params_argument_decides_parameters():
    net = seed001()
    g = draw(net["loss"], params=[net["x1"], net["w5"]])
    parameter, _ = style.KIND_COLOURS["parameter"]
    inp, _ = style.KIND_COLOURS["input"]
    assert header_colour(g, net["x1"]) == parameter
    assert header_colour(g, net["w5"]) == parameter
    assert header_colour(g, net["w1"]) == inp  # not listed: an input now
    with pytest.raises(TypeError, match=r"params\[1\] is not a Value"):
        draw(net["loss"], params=[net["w1"], 0.3])


def test_operation_nodes_show_their_symbol():
    a, b = Value(3.0, "a"), Value(4.0, "b")
    expr = ((a * b + a / b - a) ** 2).exp().log().tanh().relu() + (-a).sigmoid()
    g = draw(expr)
    labels = sorted(n["label"] for k, n in nodes(g.source).items() if k.startswith("o"))
    assert labels == sorted(["×", "+", "÷", "−", "^", "exp", "ln", "tanh", "ReLU", "+", "−x", "σ"])
    net = seed001()
    g = draw(net["loss"])
    assert nodes(g.source)[g.op_id(net["z_h1"])]["label"] == "Σ w·x + b"
    alias, total = sum_of([a]), sum_of([a, b, 2.0])
    g = draw(alias * total)
    assert nodes(g.source)[g.op_id(alias)]["label"] == "="
    assert nodes(g.source)[g.op_id(total)]["label"] == "Σ"


# --- edge labels: local derivatives --------------------------------------------------


def edge_label(g, parent: Value, child: Value) -> list[float]:
    pid, oid = g.node_id(parent), g.op_id(child)
    return [float(a["label"]) for s, t, a in edges(g.source) if s == pid and t == oid and "label" in a]


def test_edge_labels_are_local_derivatives():
    net = seed001()
    g = draw(net["loss"], edge_labels=True, digits=8)
    close = lambda got, want: len(got) == 1 and math.isclose(got[0], want, rel_tol=1e-7)  # noqa: E731
    # z_h1 = w1·x1 + w2·x2 + b1: ∂/∂w1 = x1, ∂/∂x1 = w1, ∂/∂b1 = 1
    assert close(edge_label(g, net["w1"], net["z_h1"]), 0.05)
    assert close(edge_label(g, net["x1"], net["z_h1"]), 0.15)
    assert close(edge_label(g, net["w2"], net["z_h1"]), 0.10)
    assert close(edge_label(g, net["b1"], net["z_h1"]), 1.0)
    assert close(edge_label(g, net["b1"], net["z_h2"]), 1.0)
    # σ' = a(1 - a); the document's 0.2413 and 0.1868
    assert close(edge_label(g, net["z_h1"], net["a_h1"]), A_H1 * (1 - A_H1))
    assert round(edge_label(g, net["z_h1"], net["a_h1"])[0], 4) == 0.2413
    assert close(edge_label(g, net["z_out"], net["y_hat"]), Y_HAT * (1 - Y_HAT))
    assert round(edge_label(g, net["z_out"], net["y_hat"])[0], 4) == 0.1868
    # z_out = w5·a_h1 + …: ∂/∂a_h1 = w5 = 0.40, ∂/∂w5 = a_h1
    assert close(edge_label(g, net["a_h1"], net["z_out"]), 0.40)
    assert close(edge_label(g, net["w5"], net["z_out"]), A_H1)
    # u = 0.01 - y_hat, sq = u², loss = 0.5·sq
    assert close(edge_label(g, net["y_hat"], net["u"]), -1.0)
    assert close(edge_label(g, net["u"], net["sq"]), 2 * U)
    assert close(edge_label(g, net["sq"], net["loss"]), 0.5)
    # constants' edges carry no label; operation -> result edges neither
    for s, t, a in edges(g.source):
        if t.startswith("n") or s in {g.node_id(c) for c in topological_order(net["loss"]) if c.is_constant}:
            assert "label" not in a
    assert "label" not in "".join(str(a) for _, _, a in edges(draw(net["loss"]).source))


def test_edge_labels_of_a_repeated_operand_and_division():
    x, y = Value(3.0, "x"), Value(-2.0, "y")
    sq = x * x  # two edges from x, each ∂(x·x)/∂slot = x
    q = x / y  # ∂/∂x = 1/y, ∂/∂y = -x/y²
    out = sq + q
    g = draw(out, edge_labels=True, digits=6)
    assert edge_label(g, x, sq) == [3.0, 3.0]
    assert edge_label(g, x, q) == [pytest.approx(-0.5)]
    assert edge_label(g, y, q) == [pytest.approx(-3.0 / 4.0)]
    assert edge_label(g, sq, out) == [1.0] and edge_label(g, q, out) == [1.0]


# --- highlighting ------------------------------------------------------------------


def border(g, v: Value) -> str:
    return ET.fromstring(nodes(g.source)[g.node_id(v)]["html"]).get("color")


def test_highlight_marks_every_path_to_the_node_and_dims_the_rest():
    net = seed001()
    g = draw(net["loss"], highlight=net["w1"])
    chain = ["w1", "z_h1", "a_h1", "z_out", "y_hat", "u", "sq", "loss"]
    for name in chain:
        assert border(g, net[name]) == style.HIGHLIGHT, name
    for name in ("w2", "w3", "w4", "w5", "w6", "x1", "x2", "b1", "b2", "z_h2", "a_h2"):
        assert border(g, net[name]) == style.DIM_BORDER, name
    on = {(g.node_id(net[a]), g.op_id(net[b])) for a, b in zip(chain, chain[1:])}
    on |= {(g.op_id(net[b]), g.node_id(net[b])) for b in chain[1:]}
    for s, t, a in edges(g.source):
        if a.get("style") == "invis":  # layout only: the column order
            continue
        expected = style.HIGHLIGHT if (s, t) in on else style.DIM_BORDER
        assert a.get("color") == expected, (s, t)
    assert sum(1 for s, t, a in edges(g.source) if a.get("color") == style.HIGHLIGHT) == len(on)
    # by name: the same drawing
    assert draw(net["loss"], highlight="w1").source == g.source


def test_highlight_a_shared_bias_shows_both_paths():
    net = seed001()
    g = draw(net["loss"], highlight="b1")
    for name in ("b1", "z_h1", "z_h2", "a_h1", "a_h2", "z_out", "loss"):
        assert border(g, net[name]) == style.HIGHLIGHT, name
    for name in ("w1", "x1", "w5", "b2"):
        assert border(g, net[name]) == style.DIM_BORDER, name
    # several targets: the union of their paths
    both = draw(net["loss"], highlight=["w5", net["x2"]])
    assert border(both, net["a_h2"]) == style.HIGHLIGHT  # on x2's path
    assert border(both, net["w1"]) == style.DIM_BORDER


def test_highlight_errors_name_the_problem():
    net = seed001()
    with pytest.raises(ValueError, match="no node named 'w9'"):
        draw(net["loss"], highlight="w9")
    with pytest.raises(ValueError, match="not in the graph"):
        draw(net["loss"], highlight=Value(1.0, "stranger"))
    twin = Value(1.0, "t") + Value(2.0, "t")
    with pytest.raises(ValueError, match="2 nodes are named 't'"):
        draw(twin, highlight="t")
    with pytest.raises(TypeError, match="highlight takes"):
        draw(net["loss"], highlight=3)


# --- clusters ----------------------------------------------------------------------


def nn_style_net() -> dict[str, Value]:
    """A 2-2-1 net with nn's dotted names, the neuron's sum written out in primitives."""
    x = [Value(0.05, "x1"), Value(0.10, "x2")]
    made: dict[str, Value] = {"x1": x[0], "x2": x[1]}
    inputs = x
    for layer, count in ((1, 2), (2, 1)):
        bias = Value(0.35 * layer, f"layer{layer}.b")  # a bias shared by the layer
        made[bias.name] = bias
        outs = []
        for j in range(1, count + 1):
            prefix = f"layer{layer}.neuron{j}"
            ws = [Value(0.1 * (i + j), f"{prefix}.w{i}") for i in (1, 2)]
            products = [w * xi for w, xi in zip(ws, inputs)]  # unnamed: join the neuron
            z = products[0] + products[1] + bias
            z.name = f"{prefix}.z"
            a = z.sigmoid()
            a.name = f"{prefix}.a"
            for w in ws:
                made[w.name] = w
            made[f"{prefix}.p1"] = products[0]
            made[z.name], made[a.name] = z, a
            outs.append(a)
        inputs = outs
    shared = made["layer1.neuron1.a"] * made["layer1.neuron2.a"]  # consumers in two clusters
    loss = (inputs[0] - 0.01) ** 2 + shared
    loss.name = "loss"
    made["shared"], made["loss"] = shared, loss
    return made


def test_clusters_follow_dotted_names():
    net = nn_style_net()
    g = draw(net["loss"])
    where = cluster_paths(g.source)
    n = lambda name: where[g.node_id(net[name])]  # noqa: E731
    # a layered network's weights and biases stand in the column of what they multiply,
    # outside the layer bands (the edges from the inputs then cross only as the network's)
    assert n("layer1.neuron1.w1") == () and n("layer1.b") == ()
    assert n("layer1.neuron2.z") == ("layer1", "neuron2")
    assert n("layer2.neuron1.a") == ("layer2", "neuron1")
    assert n("x1") == () and n("loss") == ()
    # an unnamed product consumed inside one neuron joins it, its operation too
    assert n("layer1.neuron1.p1") == ("layer1", "neuron1")
    assert where[g.op_id(net["layer1.neuron1.p1"])] == ("layer1", "neuron1")
    assert where[g.op_id(net["layer1.neuron1.a"])] == ("layer1", "neuron1")
    # consumers in two clusters: stays outside
    assert n("shared") == ()
    # outside its neuron a weight reads w<from><to> (units: x1 x2 = 1 2, layer 1 = 3 4),
    # the shared bias of layer 1 b1; inside its cluster a node shows its short name
    assert record(g.source, g, net["layer1.neuron2.w1"])["name"] == "w14"
    assert record(g.source, g, net["layer2.neuron1.w2"])["name"] == "w45"
    assert record(g.source, g, net["layer1.b"])["name"] == "b1"
    assert record(g.source, g, net["layer1.neuron2.z"])["name"] == "z"


def test_clusters_off_the_highlighted_path_are_dimmed():
    net = nn_style_net()
    g = draw(net["loss"], highlight="layer2.neuron1.w1")
    # each cluster's attribute line, in the order the clusters appear
    found = re.findall(r'^\t+color="([^"]+)" .*style="rounded,filled"', g.source, re.M)
    # layer 1 first, as the layered view draws it; only layer 2 is on the path
    assert found == [style.DIM_BORDER] * 3 + [style.CLUSTER_BORDER] * 2
    # the captions, nodes of their neurons' clusters: layer 1's dimmed
    captions = re.findall(r'^\t+caption\d+ \[label="?([^"]+?)"? fontcolor="([^"]+)"', g.source, re.M)
    assert captions == [("layer1 · neuron1", style.DIM_TEXT), ("neuron2", style.DIM_TEXT),
                        ("layer2 · neuron1", style.CLUSTER_TEXT)]


def test_clusters_can_be_turned_off():
    net = nn_style_net()
    g = draw(net["loss"], clusters=False)
    assert "subgraph" not in g.source
    assert record(g.source, g, net["layer1.neuron2.z"])["name"] == "layer1.neuron2.z"
    assert record(g.source, g, net["layer1.neuron2.w1"])["name"] == "w14"  # the documents' name


# --- options and limits --------------------------------------------------------------


def test_rankdir_and_legend():
    net = seed001()
    assert "rankdir=TB" in draw(net["loss"], rankdir="TB").source
    assert "rankdir=LR" in draw(net["loss"]).source
    assert "legend" not in nodes(draw(net["loss"]).source)
    g = draw(net["loss"], legend=True, edge_labels=True, highlight="w2")
    key = " ".join(c for c in cells(nodes(g.source)["legend"]) if c)  # a note may take two lines
    for word in ("parameter", "input", "constant", "intermediate", "output", "operation",
                 "∂loss/∂node", "∂out/∂in", "paths to the chosen node"):
        assert word in key, word
    before = draw(seed001(backward=False)["loss"], legend=True)
    assert "backward() not run yet" in " ".join(cells(nodes(before.source)["legend"]))


def chain(length: int) -> Value:
    """x, then ``length`` additions of the constant 1: 1 + 2·length values, length operations."""
    y = Value(0.0, "x")
    for _ in range(length):
        y = y + 1
    return y


def test_size_limit_names_the_count_and_how_to_lift_it():
    y = chain(100)  # 201 values + 100 operations = 301 nodes
    with pytest.raises(ValueError) as error:
        draw(y, max_nodes=300)
    message = str(error.value)
    assert "301 nodes" in message and "201 values" in message and "100 operations" in message
    assert "max_nodes=None" in message and "one neuron's z" in message
    # no node is named like a neuron's: the neuron view is not offered
    assert "neurons=True" not in message
    assert message.index("one neuron's z") < message.index("max_nodes=None")
    assert draw(y, max_nodes=301).values == 201
    assert draw(y, max_nodes=None).operations == 100
    with pytest.raises(ValueError, match="3001 nodes"):
        draw(chain(1000))  # the default limit is 2000


def test_bad_arguments_are_named():
    v = Value(1.0) * 2
    with pytest.raises(TypeError, match="draw\\(\\) needs a Value"):
        draw(1.0)
    with pytest.raises(ValueError, match="digits"):
        draw(v, digits=0)
    with pytest.raises(ValueError, match="rankdir"):
        draw(v, rankdir="up")
    with pytest.raises(ValueError, match="max_nodes"):
        draw(v, max_nodes="many")


def test_dot_files_need_no_backend(tmp_path, monkeypatch):
    import viz.graphs.render

    monkeypatch.setattr(viz.graphs.render.shutil, "which", lambda *a, **k: None)
    g = draw(seed001()["loss"])
    path = g.save(tmp_path / "graph.dot")
    assert path.read_text(encoding="utf-8") == g.source
    assert g.pipe("dot") == g.source.encode("utf-8")
    with pytest.raises(ValueError, match="extension"):
        g.save(tmp_path / "graph.jpeg2000")

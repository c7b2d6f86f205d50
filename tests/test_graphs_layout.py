"""Layered layout, read back from the system ``dot``'s own layout (``dot -Tjson``).

For each network the expected columns are written out here from the
documents (inputs, each layer's neurons in index order, the loss) by the
names the file or ``nn`` gives; the test lays the DOT out and checks that the
columns come left to right (top to bottom with rankdir TB), that a column's
neurons come in index order, and that the pictures fit the page.  The
chain-rule check of ``chainrule draw --wrt``: the labels on the red edges,
multiplied along each path and summed over the paths, give the document's
gradient (or a finite difference).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support.availability import require
from support.graph_paths import join_halves

import nn
import viz.worked as worked
from autograd import Value
from viz.cli.figures import _root
from viz.graphs import draw
from viz.graphs import style
from viz.worked.example import bundled_examples



@pytest.fixture(autouse=True)
def _system_dot() -> None:
    # a skip without dot, a failure under CHAINRULE_REQUIRE_TOOLS=1 (CI installs it)
    require("dot", "the system dot lays out")

EXAMPLES = {p.stem: p for p in bundled_examples()}

# the documents' networks by the names their files give: inputs, then each layer's net inputs
FILE_LAYERS = {
    "seed000_3-2-1_textbook": (["x1", "x2", "x3"], [["z4", "z5"], ["z6"]]),
    "seed001_2-2-1_shared_bias": (["x1", "x2"], [["z_h1", "z_h2"], ["z_out"]]),
    "seed002_1-1-1_training": (["x"], [["z_h"], ["z_o"]]),
    "seed003_2-3-1_forward": (["n1", "n2"], [["z3", "z4", "z5"], ["z6"]]),
    "seed003_3-4-2_linear_exercise": (["x0_1", "x0_2", "x0_3"],
                                      [["x1_1", "x1_2", "x1_3", "x1_4"], ["x2_1", "x2_2"]]),
}

NET_OUT = """
title = "2-2-1 with net/out names"
[inputs]
i1 = 0.05
i2 = 0.10
target = 0.01
[params]
w1 = 0.15
w2 = 0.20
w3 = 0.25
w4 = 0.30
w5 = 0.40
w6 = 0.45
b1 = 0.35
b2 = 0.60
[nodes]
net_h1 = "w1*i1 + w2*i2 + b1"
out_h1 = "sigmoid(net_h1)"
net_h2 = "w3*i1 + w4*i2 + b1"
out_h2 = "sigmoid(net_h2)"
net_o1 = "w5*out_h1 + w6*out_h2 + b2"
out_o1 = "sigmoid(net_o1)"
loss = "0.5*(target - out_o1)**2"
[train]
loss = "loss"
lr = 0.5
steps = 1
"""


def file_values(path: Path) -> tuple[dict[str, Value], Value, list[Value]]:
    example = worked.load(path)
    values = worked.build(example)
    if example.loss is not None:
        worked.backward(example, values)
    return values, _root(example, values), [values[k] for k in example.params]


def layout(source: str) -> dict:
    """``dot -Tjson``: {'bb': (w, h) in points, 'nodes': {id: (x, y, w, h)} in points, y up}."""
    out = subprocess.run(["dot", "-Tjson"], input=source, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    data = json.loads(out)
    nodes = {}
    for obj in data.get("objects", []):
        if "pos" in obj and "width" in obj:
            x, y = (float(t) for t in obj["pos"].split(","))
            nodes[obj["name"]] = (x, y, float(obj["width"]) * 72, float(obj["height"]) * 72)
    bb = [float(t) for t in data["bb"].split(",")]
    return {"bb": (bb[2] - bb[0], bb[3] - bb[1]), "nodes": nodes}


def px(points: float) -> float:
    return points * 96 / 72  # CSS pixels at 100 %


def page_px(source: str) -> float:
    """The width of the page a reader gets: the SVG's own width (the layout and its pad)."""
    svg = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    return px(float(re.search(r'<svg width="([0-9.]+)pt"', svg).group(1)))


def networks():
    """(label, root, params, inputs [Value], layers [[z Value]]) of every network checked."""
    found = []
    for stem, (ins, layers) in FILE_LAYERS.items():
        values, root, params = file_values(EXAMPLES[stem])
        found.append((stem, root, params, [values[k] for k in ins],
                      [[values[k] for k in layer] for layer in layers]))
    for label, sizes in (("MLP(2, [2, 2])", [2, 2]), ("MLP(3, [4, 2])", [4, 2])):
        nin = 2 if sizes == [2, 2] else 3
        model = nn.MLP(nin, sizes, seed=3)
        xs = [Value(0.1 * (k + 1), f"x{k + 1}") for k in range(nin)]
        loss = nn.squared_error(model(xs), [0.5] * sizes[-1])
        loss.backward()
        by_name = {v.name: v for v in _order(loss)}
        layers = [[by_name[f"layer{l}.neuron{j}.z"] for j in range(1, n + 1)]
                  for l, n in enumerate(sizes, start=1)]
        found.append((label, loss, None, xs, layers))
    return found


def _order(root: Value) -> list[Value]:
    from autograd import topological_order

    return topological_order(root)


NETWORKS = networks()
IDS = [n[0] for n in NETWORKS]


def write_net_out(tmp_path: Path) -> Path:
    path = tmp_path / "netout.toml"
    path.write_text(NET_OUT, encoding="utf-8")
    return path


# --- the neuron view ------------------------------------------------------------------


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("net", NETWORKS, ids=IDS)
def test_neuron_view_columns_and_order(net, rankdir):
    label, root, params, inputs, layers = net
    g = draw(root, neurons=True, params=params, edge_labels=True, legend=True, rankdir=rankdir)
    at = layout(g.source)["nodes"]
    loss = at[g.node_id(root)]
    columns = [[at[g.node_id(v)] for v in inputs]] + [[at[g.node_id(z)] for z in layer]
                                                      for layer in layers]
    # across: x grows (LR) or y falls (TB, y up) from column to column, the loss last
    across = (lambda n: n[0]) if rankdir == "LR" else (lambda n: -n[1])
    along = (lambda n: -n[1]) if rankdir == "LR" else (lambda n: n[0])  # top->bottom, left->right
    spans = [(min(map(across, c)), max(map(across, c))) for c in columns]
    if not any(root is z or z in root.parents for layer in layers for z in layer):
        spans.append((across(loss),) * 2)  # a loss after the network (seed 003's 2-3-1 has none)
    for (lo1, hi1), (lo2, hi2) in zip(spans, spans[1:]):
        assert hi1 < lo2, (label, spans)
    for column in columns:  # x1 above x2, neuron1 above neuron2, …
        keys = [along(n) for n in column]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), (label, keys)


@pytest.mark.parametrize("stem", sorted(FILE_LAYERS))
def test_neuron_view_of_each_example_fits_a_900px_column(stem):
    # with the legend, and with --wrt each parameter (its red path and the legend's note):
    # seed 001 --wrt b1 was 902 px
    example = worked.load(EXAMPLES[stem])
    values, root, params = file_values(EXAMPLES[stem])
    for wrt in [None, *example.params]:
        g = draw(root, neurons=True, params=params, edge_labels=True, legend=True, highlight=wrt)
        assert page_px(g.source) <= 900, (stem, wrt, page_px(g.source))


def test_operation_view_of_seed001_fits_1400px():
    # before this layout: 3231 px wide (Helvetica widths, every * and + node, constants);
    # then 1,824 px with an operation node between each record and the next; 1,409 px
    # with --wrt b1
    example = worked.load(EXAMPLES["seed001_2-2-1_shared_bias"])
    values, root, params = file_values(EXAMPLES["seed001_2-2-1_shared_bias"])
    for wrt in [None, *example.params]:
        g = draw(root, params=params, edge_labels=True, legend=True, highlight=wrt)
        assert page_px(g.source) <= 1400, (wrt, page_px(g.source))


@pytest.mark.parametrize("view,limit", [(["--neurons"], 900), ([], 1400)], ids=["neurons", "ops"])
def test_the_commands_wrt_figures_fit(tmp_path, view, limit):
    # the reviewer's commands: `chainrule draw seed001 [--neurons] --edge-labels --legend
    # --wrt b1` were 902 px (neuron view) and 1,409 px (operation view)
    out = run_cli("draw", "seed001", *view, "--edge-labels", "--legend", "--wrt", "b1",
                  "-o", "f.dot", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    source = (tmp_path / "f.dot").read_text(encoding="utf-8")
    assert page_px(source) <= limit, page_px(source)  # the PNG's width, 96 dpi


@pytest.mark.parametrize("stem", sorted(FILE_LAYERS))
def test_operation_view_shows_every_named_quantity(stem):
    # the hand check reads every name of the file off the picture: each is a record's
    # header (an alias inside the record it names, "a_out = y_hat")
    example = worked.load(EXAMPLES[stem])
    values, root, params = file_values(EXAMPLES[stem])
    g = draw(root, params=params, edge_labels=True, legend=True)
    headers = re.findall(r"<b>([^<]+)</b>", g.source)
    shown = {part for h in headers for part in h.split(" = ")}
    names = set(example.inputs) | set(example.params) | set(example.nodes)
    assert names <= shown, sorted(names - shown)
    assert px(layout(g.source)["bb"][0]) <= 1500, (stem, px(layout(g.source)["bb"][0]))


def test_seed003_3_4_2_is_no_longer_a_tower():
    # before: 1508 × 3508 px (nn's MLP(3, [4, 2]) operation view), neurons 1, 4, 2, 3
    doc = nn.linear_3_4_2_exercise()
    loss = nn.squared_error(doc.model(doc.inputs), doc.target)
    loss.backward()
    width, height = layout(draw(loss, neurons=True, edge_labels=True, legend=True).source)["bb"]
    assert px(width) <= 900 and px(height) <= 900, (px(width), px(height))


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("neurons", [True, False], ids=["neurons", "operations"])
def test_net_out_names_are_layered_too(tmp_path, neurons, rankdir):
    values, root, params = file_values(write_net_out(tmp_path))
    g = draw(root, neurons=neurons, params=params, edge_labels=True, legend=True, rankdir=rankdir)
    if neurons:
        assert g.neurons == 3
    at = layout(g.source)["nodes"]
    # across the columns: x grows (LR) or y falls (TB, y up); along one: h1 before h2
    across = (lambda v: at[g.node_id(values[v])][0]) if rankdir == "LR" else (
        lambda v: -at[g.node_id(values[v])][1])
    along = (lambda v: -at[g.node_id(values[v])][1]) if rankdir == "LR" else (
        lambda v: at[g.node_id(values[v])][0])
    x = {k: across(k) for k in ("i1", "i2", "net_h1", "net_h2", "net_o1", "loss")}
    assert x["i1"] == x["i2"] < x["net_h1"] == x["net_h2"] < x["net_o1"] < x["loss"], x
    assert along("i1") < along("i2") and along("net_h1") < along("net_h2")  # 1 before 2
    if neurons:
        assert ">h1<" in g.source and ">h2<" in g.source and ">o1<" in g.source  # net_h1: h1
    else:  # every name of the file is a record's header
        for name in ("i1", "w1", "b1", "net_h1", "out_h1", "net_o1", "out_o1", "target"):
            assert f"<b>{name}</b>" in g.source, name
        assert len(crossing_pairs(g.source)) == own_crossings([(3, 2), (2, 1)])  # i1 i2 b1


# --- the operation view ---------------------------------------------------------------


@pytest.mark.parametrize("net", NETWORKS, ids=IDS)
def test_operation_view_keeps_each_layer_in_its_column_band(net):
    label, root, params, inputs, layers = net
    g = draw(root, params=params, edge_labels=True)
    at = layout(g.source)["nodes"]
    order = _order(root)

    def band(zs: list[Value]) -> tuple[float, float]:
        # a neuron's operations: its net input z and the operation making it
        ids = set()
        for z in zs:
            ids |= {g.node_id(z), g.op_id(z)}
        xs = [at[i][0] - at[i][2] / 2 for i in ids] + [at[i][0] + at[i][2] / 2 for i in ids]
        return min(xs), max(xs)

    spans = [(min(at[g.node_id(v)][0] for v in inputs), max(at[g.node_id(v)][0] for v in inputs))]
    spans += [band(layer) for layer in layers]
    for (lo1, hi1), (lo2, hi2) in zip(spans, spans[1:]):
        assert hi1 < lo2, (label, spans)
    # the weights stand left of the layer they feed, beside what they multiply (the
    # inputs, or the layer before), never inside an earlier layer's band
    for k, layer in enumerate(layers):
        for z in layer:
            for w in _weights(z, order, params):
                x, _, width, _ = at[g.node_id(w)]
                assert x + width / 2 < spans[k + 1][0], (label, w.name)
                assert x >= spans[k][0] - 1, (label, w.name)  # not left of its sources
    for layer in layers:  # neuron1's z above neuron2's
        ys = [at[g.node_id(z)][1] for z in layer]
        assert ys == sorted(ys, reverse=True), (label, ys)


def _weights(z: Value, order: list[Value], params) -> list[Value]:
    """The weights of z = Σ w·x + b, read off the graph: linear(w1, x1, …, b), or the
    parameters among the operands of its unnamed * nodes."""
    if z.op == "linear":
        return list(z.parents[0:-1:2])
    chosen = set(params or ())
    found, stack = [], [z]
    while stack:
        v = stack.pop()
        if v.op == "+" and (v is z or v.name is None):
            stack += list(v.parents)
        elif v.op == "*" and v.name is None:
            found += [p for p in v.parents if p in chosen]
    return found


VIA = re.compile(r"via\d+_\d+")  # a waypoint on an edge: source -> via<s>_<z> -> z


def edge_paths(source: str) -> list[tuple[str, str, list[tuple[float, float]]]]:
    """Every drawn edge of ``dot -Tjson``'s layout: (tail, head, its path sampled along
    its cubic Bézier pieces); invisible edges left out.  An edge drawn in two halves
    through a waypoint (x -> via<x>_<z> -> z) is one edge x -> z, its path the two
    halves' paths one after the other."""
    return join_halves(_edge_pieces(source), VIA)


def _edge_pieces(source: str) -> list[tuple[str, str, list[tuple[float, float]]]]:
    """Every drawn edge of ``dot -Tjson``'s layout as the DOT writes it, sampled."""
    out = subprocess.run(["dot", "-Tjson"], input=source, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    data = json.loads(out)
    name = {o["_gvid"]: o["name"] for o in data.get("objects", [])}
    found = []
    for e in data.get("edges", []):
        if e.get("style") == "invis":
            continue
        points: list[tuple[float, float]] = []
        for op in e.get("_draw_", []):
            if op["op"] in ("b", "B"):
                ctrl = op["points"]
                for k in range(0, len(ctrl) - 3, 3):  # B(t) = Σ C(3,i) (1-t)^(3-i) t^i P_i
                    p0, p1, p2, p3 = ctrl[k:k + 4]
                    for i in range(21):
                        t = i / 20
                        points.append(tuple(
                            (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t * t * c
                            + t ** 3 * d for a, b, c, d in zip(p0, p1, p2, p3)))
        found.append((name[e["tail"]], name[e["head"]], points))
    return found


def _proper_cross(p, q, r, s) -> bool:
    def orient(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return orient(r, s, p) * orient(r, s, q) < 0 and orient(p, q, r) * orient(p, q, s) < 0


#: how far one path of a pair is moved before they are compared, in points: dot routes two
#: edges through the same corner of its routing boxes, and a crossing exactly at a sampled
#: vertex has orientation 0 on both sides (no proper crossing of any two segments, the
#: crossing missed).  A move far below what the eye sees decides it as the eye does.
NUDGE = (0.0137, 0.0071)


def crossing_pairs(source: str) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Pairs of drawn edges, sharing no end, whose paths intersect."""
    paths = edge_paths(source)
    found = []
    for k, (a, b, pa) in enumerate(paths):
        for c, d, pb in paths[k + 1:]:
            if {a, b} & {c, d}:
                continue
            pb = [(x + NUDGE[0], y + NUDGE[1]) for x, y in pb]
            if any(_proper_cross(pa[i], pa[i + 1], pb[j], pb[j + 1])
                   for i in range(len(pa) - 1) for j in range(len(pb) - 1)):
                found.append(((a, b), (c, d)))
    return found


def own_crossings(layers: list[tuple[int, int]]) -> int:
    """The crossings of the network itself, drawn in columns with straight edges: between
    two columns where each of s sources feeds each of n neurons, two edges cross when
    their sources and their neurons come in opposite orders, C(s, 2)·C(n, 2) pairs.
    ``layers``: (sources every neuron reads, neurons) for each layer; a neuron's own
    weights and bias feed it alone and cross nothing."""
    return sum(math.comb(s, 2) * math.comb(n, 2) for s, n in layers)


def own_parameter_edges(source: str) -> set[tuple[str, str]]:
    """The edges that leave a neuron's own weight or bias: a parameter record (drawn with
    rounded corners) with one edge out.  A shared bias feeds several neurons: a source
    of the layer like its inputs."""
    params = set(re.findall(r'^\t+(\w+) \[label=<<table [^>]*style="rounded"', source, re.M))
    assert params, "no parameter records found"
    edges = [(tail, head) for tail, head, _ in edge_paths(source)]
    outs = {p: [e for e in edges if e[0] == p] for p in params}
    return {mine[0] for mine in outs.values() if len(mine) == 1}


def crossings_of_own_parameters(source: str) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Crossing pairs in which one edge leaves a neuron's own weight or bias: the network
    has none (such a parameter feeds its neuron alone), so each is the picture's own."""
    own = own_parameter_edges(source)
    return [pair for pair in crossing_pairs(source) if pair[0] in own or pair[1] in own]


def _mlp_2_2_2() -> Value:
    model = nn.MLP(2, [2, 2], seed=3)
    loss = nn.squared_error(model([Value(0.1, "x1"), Value(0.2, "x2")]), [0.5, 0.5])
    loss.backward()
    return loss


def _mlp_3_4_2() -> Value:
    model = nn.MLP(3, [4, 2], seed=3)
    loss = nn.squared_error(model([Value(0.1, "x1"), Value(0.2, "x2"), Value(0.3, "x3")]),
                            [0.5, 0.5])
    loss.backward()
    return loss


def _mlp(inputs: int, sizes: list[int]) -> Value:
    model = nn.MLP(inputs, sizes, seed=3)
    xs = [Value(0.1 * (k + 1), f"x{k + 1}") for k in range(inputs)]
    loss = nn.squared_error(model(xs), [0.5] * sizes[-1])
    loss.backward()
    return loss


def _draw_file(stem: str, **kw):
    """A file drawn as ``chainrule draw`` draws it: its [params] are the parameters."""
    values, root, params = file_values(EXAMPLES[stem])
    return draw(root, params=params, **kw)


# (graph, the network's own crossings): seed 001's layer 1 reads x1, x2 and the shared b1;
# seed 003's 2-3-1 reads n1, n2 into three neurons, each with its own bias; the 3-4-2
# reads 3 inputs into 4 neurons, then 4 outputs into 2 (own weights and biases cross nothing)
CROSSING_CASES = {
    "seed001": (lambda **kw: draw(*_file_root("seed001_2-2-1_shared_bias"), **kw),
                own_crossings([(3, 2), (2, 1)])),
    "seed000": (lambda **kw: draw(*_file_root("seed000_3-2-1_textbook"), **kw),
                own_crossings([(3, 2), (2, 1)])),
    "seed002-chain": (lambda **kw: draw(*_file_root("seed002_1-1-1_training"), **kw),
                      own_crossings([(1, 1), (1, 1)])),
    "MLP(2, [2, 2])": (lambda **kw: draw(_mlp_2_2_2(), **kw), own_crossings([(2, 2), (2, 2)])),
    "seed003_2-3-1": (lambda **kw: _draw_file("seed003_2-3-1_forward", **kw),
                      own_crossings([(2, 3), (3, 1)])),
    "seed003_3-4-2": (lambda **kw: _draw_file("seed003_3-4-2_linear_exercise", **kw),
                      own_crossings([(3, 4), (4, 2)])),
    "MLP(3, [4, 2])": (lambda **kw: draw(_mlp_3_4_2(), **kw), own_crossings([(3, 4), (4, 2)])),
    # two wide layers one after the other; a wide layer before a layer of two
    "MLP(2, [3, 3, 1])": (lambda **kw: draw(_mlp(2, [3, 3, 1]), **kw),
                          own_crossings([(2, 3), (3, 3), (3, 1)])),
    "MLP(3, [3, 2])": (lambda **kw: draw(_mlp(3, [3, 2]), **kw), own_crossings([(3, 3), (3, 2)])),
}
OWN = {"seed001": 3, "seed000": 3, "seed002-chain": 0, "MLP(2, [2, 2])": 2,  # C(s,2)·C(n,2)
       "seed003_2-3-1": 1 * 3, "seed003_3-4-2": 3 * 6 + 6 * 1, "MLP(3, [4, 2])": 3 * 6 + 6 * 1,
       "MLP(2, [3, 3, 1])": 1 * 3 + 3 * 3 + 3 * 0, "MLP(3, [3, 2])": 3 * 3 + 3 * 1}


def _file_root(stem: str) -> tuple[Value]:
    values, root, params = file_values(EXAMPLES[stem])
    return (root,)


@pytest.mark.parametrize("case,rankdir,highlight", [
    (case, rankdir, highlight) for case in sorted(CROSSING_CASES) for rankdir in ("LR", "TB")
    for highlight in ([None, "b1"] if case == "seed001" else [None])])  # --wrt b1
def test_operation_view_crosses_only_where_the_network_does(case, rankdir, highlight):
    # before: seed 001 had 2 crossings LR (its input edges arcing round the layer band)
    # and 4 TB; MLP(2, [2, 2]) 3 LR and 6 TB, where the networks have 3 and 2.  A layer of
    # three or more neurons whose weights stood in their inputs' column crossed more: 9
    # for seed 003's 2-3-1 (3 its own), 48 for the 3-4-2 and MLP(3, [4, 2]) (24).  Top to
    # bottom, with the weights' own row, 26 for both, 2 of them an own weight's or bias's
    # edge (a net input pulled off its weights by its cluster's compaction)
    make, own = CROSSING_CASES[case]
    assert own == OWN[case]
    g = make(edge_labels=True, legend=True, rankdir=rankdir, highlight=highlight)
    assert len(crossing_pairs(g.source)) == own, crossing_pairs(g.source)
    assert crossings_of_own_parameters(g.source) == []  # the count is of the network's own edges


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("case", ["seed003_2-3-1", "seed003_3-4-2", "MLP(3, [4, 2])",
                                  "MLP(2, [3, 3, 1])", "MLP(3, [3, 2])"])
def test_a_wide_layer_without_edge_labels_crosses_only_where_the_network_does(case, rankdir):
    # `chainrule draw FILE` draws no edge labels: the waypoints are invisible points there;
    # before, 9 and 48 crossings as with labels (left to right); top to bottom the fan from
    # the inputs went round an input or crossed once or twice more (3-4-2: 23,
    # MLP(3, [4, 2]): 26 with 3 of an own weight's edge) until it was one rank long
    make, own = CROSSING_CASES[case]
    g = make(legend=True, rankdir=rankdir)
    edge_labels = re.findall(r"^\t+\w+ -> \w+ \[.*?label=(\"[^\"]*\"|\S+)", g.source, re.M)
    assert set(edge_labels) <= {'" "'}  # none shown (blank ones give the edges room to turn)
    assert re.search(r"^\tvia\d+_\d+ \[.*shape=point.*style=invis", g.source, re.M)
    assert len(crossing_pairs(g.source)) == own, crossing_pairs(g.source)
    assert crossings_of_own_parameters(g.source) == []


def edges_through_clusters(source: str) -> list[tuple[str, str, str]]:
    """(tail, head, cluster caption) for each drawn edge whose path runs inside a cluster
    that holds neither of its ends (an S-shaped edge through another neuron's box)."""
    out = subprocess.run(["dot", "-Tjson"], input=source, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    data = json.loads(out)
    objects = data.get("objects", [])
    boxes = [(set(o.get("nodes", [])), [float(t) for t in o["bb"].split(",")], o["name"])
             for o in objects if o["name"].startswith("cluster")]
    gvid = {o["name"]: o["_gvid"] for o in objects}
    hits = []
    for tail, head, points in edge_paths(source):
        for members, (x0, y0, x1, y1), name in boxes:
            if gvid[tail] in members or gvid[head] in members:
                continue
            if any(x0 + 1 < x < x1 - 1 and y0 + 1 < y < y1 - 1 for x, y in points):
                hits.append((tail, head, name))
    return hits


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("neurons", [False, True], ids=["operations", "neurons"])
@pytest.mark.parametrize("net", NETWORKS, ids=IDS)
def test_no_edge_runs_through_a_cluster_it_does_not_enter(net, neurons, rankdir):
    # before: the operation view's input edges ran through the other neuron's cluster
    # (seed 001: x1 -> z_h2 through h1), and MLP(2, [2, 2])'s layer 1 -> layer 2 edges
    # through layer 2's neuron2
    label, root, params, inputs, layers = net
    g = draw(root, params=params, neurons=neurons, edge_labels=True, legend=True,
             rankdir=rankdir)
    assert not edges_through_clusters(g.source), label


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("net", NETWORKS, ids=IDS)
def test_input_edges_stay_in_their_column_band(net, rankdir):
    # before: x1's edges ran over the top of everything, x2's under it (seed 000, 001,
    # 003, the MLPs); now the inputs stand among the first layer's weights (or, for three
    # or more neurons, left of them) and their edges run across, between the first and
    # the last of the nodes they join (an edge's waypoint among the weights too)
    label, root, params, inputs, layers = net
    g = draw(root, params=params, edge_labels=True, legend=True, rankdir=rankdir)
    at = layout(g.source)["nodes"]
    order = _order(root)
    ends = {g.node_id(v) for v in inputs} | {g.node_id(z) for z in layers[0]}
    ends |= {n for n in at if VIA.fullmatch(n) and n.endswith(
        tuple(f"_{g.node_id(z)[1:]}" for z in layers[0]))}
    ends |= {g.node_id(w) for z in layers[0] for w in _weights(z, order, params)}
    k = 1 if rankdir == "LR" else 0  # the coordinate along a column: y (LR) or x (TB)
    lo = min(at[n][k] - at[n][k + 2] / 2 for n in ends)
    hi = max(at[n][k] + at[n][k + 2] / 2 for n in ends)
    firsts = {g.node_id(z) for z in layers[0]}
    for tail, head, points in edge_paths(g.source):
        if tail in {g.node_id(v) for v in inputs} and head in firsts:
            assert all(lo - 1 <= p[k] <= hi + 1 for p in points), (label, tail, head)


def operation_in_record(source: str, node: str) -> str | None:
    """The operation a record says made it: its '= …' row (the DOT's HTML label, parsed)."""
    m = re.search(rf"^\t+{node} \[label=<(<table.*</table>)>", source, re.M)
    texts = ["".join(cell.itertext()) for cell in ET.fromstring(m.group(1)).iter("td")]
    rows = [t[2:] for t in texts if t.startswith("= ")]
    return rows[0] if rows else None


def test_compact_view_merges_the_net_input_and_folds_numbers():
    values, root, params = file_values(EXAMPLES["seed001_2-2-1_shared_bias"])
    g = draw(root, params=params, edge_labels=True, digits=10)
    assert not re.search(r"^\t+o\d+ \[", g.source, re.M)  # no operation nodes
    z = values["z_h1"]
    assert g.op_id(z) == g.node_id(z)  # the operation is written in its result's record
    assert operation_in_record(g.source, g.node_id(z)) == style.op_symbol("linear")  # Σ w·x + b
    # its edges: w1 carries x1 = 0.05 (∂z/∂w1), x1 carries w1 = 0.15, b1 carries 1
    into = {m.group(1): m.group(2) for m in re.finditer(
        rf"^\t+(n\d+) -> {g.node_id(z)} \[.*?label=\"?([^\" \]]+)", g.source, re.M)}
    assert into[g.node_id(values["w1"])] == "0.05" and into[g.node_id(values["x1"])] == "0.15"
    assert into[g.node_id(values["b1"])] == "1"
    # a_h1 = σ(z_h1), its edge from z_h1 carries σ'(z_h1) = a(1 − a), a = 0.5933 as printed
    a_h1 = g.node_id(values["a_h1"])
    assert operation_in_record(g.source, a_h1) == "σ(z_h1)"
    edge = re.search(rf"^\t+{g.node_id(z)} -> {a_h1} \[.*?label=\"?([-0-9.e]+)", g.source, re.M)
    assert float(edge.group(1)) == pytest.approx(0.5933 * (1 - 0.5933), rel=1e-4)
    # y_hat = a_out: one record; the loss chain is one operation showing its formula
    assert g.node_id(values["y_hat"]) == g.node_id(values["a_out"])
    assert "a_out = y_hat" in g.source
    assert operation_in_record(g.source, g.node_id(values["a_out"])) == "σ(z_out)"
    assert operation_in_record(g.source, g.node_id(values["loss"])) == "½(y_true − y_hat)²"
    assert operation_in_record(g.source, g.node_id(values["x1"])) is None  # a leaf
    assert 'label=0.5 ' not in g.source  # no constant boxes
    # compact=False draws every operation as a node of its own
    full = draw(root, params=params, compact=False)
    assert re.search(rf'^\t+{full.op_id(values["a_h1"])} \[label="σ" ', full.source, re.M)
    assert operation_in_record(full.source, full.node_id(values["a_h1"])) is None


# --- the command line -------------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-m", "viz", *args], capture_output=True, text=True,
                          cwd=cwd, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          timeout=120)


def test_draw_takes_the_readme_options(tmp_path):
    out = run_cli("draw", "seed003_3-4-2", "--neurons", "--edge-labels", "--legend",
                  "--title", "Exercise 1", "--rankdir", "TB", "-o", "net.dot", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    source = (tmp_path / "net.dot").read_text(encoding="utf-8")
    assert "rankdir=TB" in source and "<b>Exercise 1</b>" in source and "legend [" in source
    assert "W1_1_1 = 2" in source and "W2_2_4 = 2" in source  # the file's weight names
    assert "6 neurons" in out.stdout
    for bad in (["--rankdir", "XY"], ["--digits", "0"]):
        wrong = run_cli("draw", "seed001", *bad, "-o", "x.svg", cwd=tmp_path)
        assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
        assert len(wrong.stderr.strip().splitlines()) == 1


def red_paths(source: str, start: str, end: str) -> list[list[float]]:
    """The labels along every red path from node ``start`` to node ``end`` of a DOT text;
    an edge drawn through a waypoint (x -> via<x>_<z> -> z) has its label on the waypoint."""
    red: dict[str, list[tuple[str, float | None]]] = {}
    on_node = {m.group(1): float(m.group(2)) for m in re.finditer(
        r"^\t+(via\d+_\d+) \[.*?label=\"?([-0-9.e]+)", source, re.M)}
    for m in re.finditer(r"^\t+(\w+) -> (\w+) \[(.*)\]$", source, re.M):
        attrs = m.group(3)
        if style.HIGHLIGHT not in attrs:
            continue
        label = re.search(r"label=\"?([-0-9.e]+)", attrs)
        factor = float(label.group(1)) if label else on_node.get(m.group(2))
        red.setdefault(m.group(1), []).append((m.group(2), factor))
    paths: list[list[float]] = []

    def walk(node: str, factors: list[float]) -> None:
        if node == end:
            paths.append(factors)
        for target, factor in red.get(node, []):
            walk(target, factors + ([factor] if factor is not None else []))

    walk(start, [])
    return paths


def test_wrt_labels_multiply_to_the_documents_gradient(tmp_path):
    # seed 001: ∂L/∂b1 = 0.0284 over two paths, b1 -> h1 and b1 -> h2 ("0.0134 + 0.0150")
    out = run_cli("draw", "seed001", "--wrt", "b1", "--digits", "10", "-o", "b1.dot", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    source = (tmp_path / "b1.dot").read_text(encoding="utf-8")
    values, root, params = file_values(EXAMPLES["seed001_2-2-1_shared_bias"])
    g = draw(root, params=params)  # the same ids: the same topological order
    paths = red_paths(source, g.node_id(values["b1"]), g.node_id(root))
    assert len(paths) == 2
    shares = sorted(math.prod(p) for p in paths)
    assert shares[0] == pytest.approx(0.0134, rel=5e-3) and shares[1] == pytest.approx(0.0150, rel=5e-3)
    assert sum(shares) == pytest.approx(0.0284, rel=5e-3)


def test_wrt_labels_multiply_to_a_finite_difference(tmp_path):
    # seed 002's 1-1-1 chain: one path from w1 up to the loss
    out = run_cli("draw", "seed002", "--wrt", "w1", "--digits", "12", "-o", "w1.dot", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    source = (tmp_path / "w1.dot").read_text(encoding="utf-8")
    path = EXAMPLES["seed002_1-1-1_training"]
    values, root, params = file_values(path)
    g = draw(root, params=params)
    (factors,) = red_paths(source, g.node_id(values["w1"]), g.node_id(root))
    example = worked.load(path)
    h = 1e-6

    def loss_at(w1: float) -> float:
        return worked.build(example, {**example.params, "w1": w1})[example.loss].data

    w1 = example.params["w1"]
    slope = (loss_at(w1 + h) - loss_at(w1 - h)) / (2 * h)
    assert math.prod(factors) == pytest.approx(slope, rel=1e-6)


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_wrt_labels_through_a_wide_layers_waypoints_multiply_to_the_gradient(tmp_path, rankdir):
    # seed 003's 3-4-2: x0_1's edges into the four neurons run through waypoints, each
    # carrying its label W1_r_1 = ∂x1_r/∂x0_1; ∂E/∂x0_1 = Σ_r W1_r_1 · δ1_r, with the
    # file's W1 and its printed δ1 = dE/dx1_r (486, 679, 397, 397): 2·486 + 2·679 + 3·397
    # + 2·397 = 4315
    out = run_cli("draw", "seed003_3-4-2", "--wrt", "x0_1", "--rankdir", rankdir, "--digits",
                  "12", "-o", "x.dot", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    source = (tmp_path / "x.dot").read_text(encoding="utf-8")
    path = EXAMPLES["seed003_3-4-2_linear_exercise"]
    example = worked.load(path)
    values, root, params = file_values(path)
    g = draw(root, params=params)
    assert len(re.findall(r"^\t+via\d+_\d+ \[", source, re.M)) == 4 * 3  # every x0 -> x1 edge
    paths = red_paths(source, g.node_id(values["x0_1"]), g.node_id(root))
    assert len(paths) == 4 * 2  # through each of the four neurons to each of the two outputs
    firsts = sorted(p[0] for p in paths)  # the waypoints' labels: W1_r_1, each on two paths
    assert firsts == sorted(2 * [example.params[f"W1_{r}_1"] for r in range(1, 5)])
    deltas = [486, 679, 397, 397]  # the file's [expect.grads] x1_1 … x1_4, as printed
    expected = sum(example.params[f"W1_{r}_1"] * d for r, d in zip(range(1, 5), deltas))
    assert expected == 4315
    assert sum(math.prod(p) for p in paths) == pytest.approx(expected, rel=1e-9)


# --- determinism ----------------------------------------------------------------------------


@pytest.mark.parametrize("stem,neurons,wrt", [
    ("seed001_2-2-1_shared_bias", True, "b1"), ("seed001_2-2-1_shared_bias", False, "b1"),
    ("seed003_3-4-2_linear_exercise", False, "x0_1")],  # a wide layer's waypoints
    ids=["neurons", "operations", "operations-waypoints"])
def test_a_files_dot_is_byte_identical_across_processes(stem, neurons, wrt):
    script = (
        "import sys; import viz.worked as w; from viz.cli.figures import _root;"
        "from viz.graphs import draw;"
        f"e = w.load({str(EXAMPLES[stem])!r}); v = w.build(e);"
        "w.backward(e, v);"
        f"sys.stdout.write(draw(_root(e, v), params=[v[k] for k in e.params], neurons={neurons},"
        f" edge_labels=True, legend=True, highlight={wrt!r}).source)"
    )
    root = str(Path(__file__).resolve().parent.parent)
    outs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, encoding="utf-8",
                           env={"PYTHONPATH": root, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1 and "digraph" in outs.pop()


def test_names_must_map_labels_to_names():
    values, root, params = file_net_values()
    with pytest.raises(ValueError, match="names must map labels to value names"):
        draw(root, neurons=True, names={"w13": 5})


def file_net_values():
    return file_values(EXAMPLES["seed001_2-2-1_shared_bias"])


def test_draw_neurons_of_a_file_without_neurons_is_one_clear_line(tmp_path):
    (tmp_path / "plain.toml").write_text('[inputs]\nx = 1\n[params]\nw = 2\n[nodes]\nloss = "x*w*w"\n',
                                         encoding="utf-8")
    out = run_cli("draw", "plain.toml", "--neurons", "-o", "p.svg", cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert "--neurons: no neuron found" in line and "without --neurons" in line
    assert not (tmp_path / "p.svg").exists()

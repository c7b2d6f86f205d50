"""What the file's writing must not change in a picture, read back from ``dot -Tjson``.

* The neuron view's weight labels (each a small node ``l<a>_<b>`` on its edge)
  stand in the order of their edges, source by source (the source's place in
  its column), then by the neuron they feed: a file that writes a net input's
  terms in another order (``z6 = "w56*n5 + w46*n4 + w36*n3 + b6"``) draws the
  picture of the file written in index order.  Crossings are counted over the
  whole drawn path source → label → target, pairs sharing an end included
  (two edges of one source never cross in the documents' drawing), and must
  be the network's own: C(s, 2)·C(n, 2) for each layer where s sources feed n
  neurons.
* ``--legend`` keeps every node in the clusters it is in without the legend
  (the root neuron of a network with no loss stays in its layer's box).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path

import pytest
from support.availability import require
from support.graph_paths import join_halves

import nn
import viz.worked as worked
from autograd import Value
from viz.cli.figures import _root
from viz.graphs import draw
from viz.worked.example import bundled_examples


@pytest.fixture(autouse=True)
def _system_dot() -> None:
    require("dot", "the system dot lays out")


EXAMPLES = {p.stem: p for p in bundled_examples()}

# a 2-2-1 whose weights say what they join: w<source unit><target unit>
NET_221 = """
title = "2-2-1, terms {how}"
[inputs]
x1 = 0.5
x2 = -0.2
y = 1.0
[params]
w13 = 0.1
w14 = 0.3
w23 = 0.2
w24 = 0.4
w35 = 0.5
w45 = 0.6
b3 = 0.1
b4 = 0.2
b5 = 0.3
[nodes]
{nodes}
[train]
loss = "E"
lr = 0.1
steps = 1
"""
IN_ORDER = """
z3 = "w13*x1 + w23*x2 + b3"
h3 = "tanh(z3)"
z4 = "w14*x1 + w24*x2 + b4"
h4 = "tanh(z4)"
z5 = "w35*h3 + w45*h4 + b5"
o = "sigmoid(z5)"
E = "(y - o)**2"
"""
# the same network, each sum written backwards and the second neuron first
REVERSED = """
z4 = "b4 + x2*w24 + x1*w14"
z3 = "b3 + w23*x2 + w13*x1"
h3 = "tanh(z3)"
h4 = "tanh(z4)"
z5 = "h4*w45 + h3*w35 + b5"
o = "sigmoid(z5)"
E = "(y - o)**2"
"""


def _reverse_sums(text: str) -> str:
    """Every `name = "a + b + c"` line of [nodes] written `name = "c + b + a"`."""
    def backwards(m: re.Match) -> str:
        terms = m.group(2).split(" + ")
        return f'{m.group(1)} = "{" + ".join(reversed(terms))}"'
    out, section = [], ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip()
        if section == "[nodes]":
            line = re.sub(r'^(\w+) = "([^"]*\+[^"]*)"', backwards, line)
        out.append(line)
    return "\n".join(out) + "\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _draw(path: Path, **kw):
    """A file drawn as ``chainrule draw`` draws it: its [params] are the parameters."""
    example = worked.load(path)
    values = worked.build(example)
    if example.loss is not None:
        worked.backward(example, values)
    return draw(_root(example, values), params=[values[k] for k in example.params], **kw)


def _json(source: str) -> dict:
    out = subprocess.run(["dot", "-Tjson"], input=source, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    return json.loads(out)


LABEL = re.compile(r"l\d+_\d+")  # a weight's label node on its edge: source -> l<s>_<t> -> target


def _sampled(op: dict) -> list[tuple[float, float]]:
    """A cubic Bézier spline's points, 20 steps a piece: B(t) = Σ C(3,i) (1-t)^(3-i) t^i P_i."""
    ctrl, points = op["points"], []
    for k in range(0, len(ctrl) - 3, 3):
        p0, p1, p2, p3 = ctrl[k:k + 4]
        for i in range(21):
            t = i / 20
            points.append(tuple((1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b
                                + 3 * (1 - t) * t * t * c + t ** 3 * d
                                for a, b, c, d in zip(p0, p1, p2, p3)))
    return points


def full_paths(data: dict) -> tuple[list[tuple[str, str, list]], dict[str, tuple]]:
    """Every drawn edge as (source, target, its whole path): a label node's two halves
    joined; and each node's box (x0, y0, x1, y1) in points."""
    objects = data.get("objects", [])
    name = {o["_gvid"]: o["name"] for o in objects}
    boxes = {}
    for o in objects:
        if "pos" in o and "width" in o:
            x, y = (float(t) for t in o["pos"].split(","))
            w, h = float(o["width"]) * 36, float(o["height"]) * 36
            boxes[o["name"]] = (x - w, y - h, x + w, y + h)
    pieces = []
    for e in data.get("edges", []):
        if e.get("style") == "invis":
            continue
        points = [p for op in e.get("_draw_", []) if op["op"] in ("b", "B") for p in _sampled(op)]
        pieces.append((name[e["tail"]], name[e["head"]], points))
    return join_halves(pieces, LABEL), boxes


def _cross(p, q, r, s) -> bool:
    def orient(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return orient(r, s, p) * orient(r, s, q) < 0 and orient(p, q, r) * orient(p, q, s) < 0


def _outside(points: list, box: tuple, margin: float = 3.0) -> list:
    x0, y0, x1, y1 = box
    return [(x, y) for x, y in points
            if not (x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin)]


def path_crossings(source: str) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Pairs of whole drawn paths that cross.  Two paths with a common end are compared
    away from it (outside that node's box and 3 pt round it), where they have parted."""
    paths, boxes = full_paths(_json(source))
    found = []
    for k, (a, b, pa) in enumerate(paths):
        for c, d, pb in paths[k + 1:]:
            for shared in {a, b} & {c, d}:
                pa, pb = _outside(pa, boxes[shared]), _outside(pb, boxes[shared])
            pb = [(x + 0.0137, y + 0.0071) for x, y in pb]  # off any vertex the two share
            if any(_cross(pa[i], pa[i + 1], pb[j], pb[j + 1])
                   for i in range(len(pa) - 1) for j in range(len(pb) - 1)):
                found.append(((a, b), (c, d)))
    return found


def label_order(source: str, rankdir: str) -> list[str]:
    """The weight labels' names (w13, …) in the order they stand: top to bottom (LR),
    left to right (TB), column by column."""
    data = _json(source)
    found = []
    for o in data.get("objects", []):
        if LABEL.fullmatch(o["name"]):
            x, y = (float(t) for t in o["pos"].split(","))
            weight = re.search(r">(\w+) = ", o["label"]).group(1)
            found.append(((x, -y) if rankdir == "LR" else (-y, x), weight))
    return [w for _, w in sorted(found)]


def own(layers: list[tuple[int, int]]) -> int:
    """The network's own crossings: C(s, 2)·C(n, 2) for s sources feeding n neurons."""
    return sum(math.comb(s, 2) * math.comb(n, 2) for s, n in layers)


SEED003 = EXAMPLES["seed003_2-3-1_forward"]


def _cases(tmp_path: Path) -> dict[str, tuple[Path, Path, int]]:
    """name -> (written in index order, written backwards, the network's own crossings)."""
    return {
        "2-2-1": (_write(tmp_path, "in-order", NET_221.format(how="in order", nodes=IN_ORDER)),
                  _write(tmp_path, "reversed", NET_221.format(how="reversed", nodes=REVERSED)),
                  own([(2, 2), (2, 1)])),
        "seed003_2-3-1": (SEED003,
                          _write(tmp_path, "seed003-reversed",
                                 _reverse_sums(SEED003.read_text(encoding="utf-8"))),
                          own([(2, 3), (3, 1)])),
    }


def test_the_reversed_files_are_the_same_networks(tmp_path):
    # the test's own files: the same values whichever way the sums are written
    for in_order, backwards, _ in _cases(tmp_path).values():
        a, b = worked.load(in_order), worked.load(backwards)
        va, vb = worked.build(a), worked.build(b)
        for k in va:
            assert math.isclose(va[k].data, vb[k].data, rel_tol=1e-12), k
    assert 'z6 = "b6 + w56*n5 + w46*n4 + w36*n3"' in (tmp_path / "seed003-reversed.toml").read_text()


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("case", ["2-2-1", "seed003_2-3-1"])
def test_term_order_in_the_file_does_not_change_the_neuron_view(tmp_path, case, rankdir):
    # before: the labels stood in the order of the terms (first use), and the reversed
    # 2-2-1 drew w14, w13, w24, w23: x1 -> h4 crossed x1 -> h3; seed 003's reversed
    # 2-3-1 crossed 9 times left to right, where the network crosses 3 times
    in_order, backwards, crossings = _cases(tmp_path)[case]
    kw = dict(neurons=True, edge_labels=True, legend=True, rankdir=rankdir)
    reference, reversed_ = _draw(in_order, **kw), _draw(backwards, **kw)
    # source by source (x1's edges first), then by the neuron fed, layer by layer
    expected = {"2-2-1": ["w13", "w14", "w23", "w24", "w35", "w45"],
                "seed003_2-3-1": ["w13", "w14", "w15", "w23", "w24", "w25",
                                  "w36", "w46", "w56"]}[case]
    assert label_order(reference.source, rankdir) == expected
    assert label_order(reversed_.source, rankdir) == expected
    for g in (reference, reversed_):
        assert len(path_crossings(g.source)) == crossings, path_crossings(g.source)


def test_the_labels_are_pinned_in_the_dot(tmp_path):
    # the order is the DOT's own (a rank of labels chained by invisible edges), not a
    # choice dot may make: the label nodes of both files are written in the same order
    in_order, backwards, _ = _cases(tmp_path)["seed003_2-3-1"]
    orders = []
    for path in (in_order, backwards):
        source = _draw(path, neurons=True, edge_labels=True).source
        names = re.findall(r'^\t+l\d+_\d+ \[label=<.*?>(\w+) = ', source, re.M)
        orders.append(names)
        assert re.search(r"^\t\tl\d+_\d+ -> l\d+_\d+ \[style=invis\]", source, re.M)
    assert orders[0] == orders[1] == ["w13", "w14", "w15", "w23", "w24", "w25",
                                      "w36", "w46", "w56"]


# --- the legend keeps every node in its cluster ----------------------------------------------


def memberships(source: str) -> dict[str, set[str]]:
    """Each node's clusters, by cluster name, from ``dot -Tjson`` (the layout's own)."""
    data = _json(source)
    objects = data.get("objects", [])
    name = {o["_gvid"]: o["name"] for o in objects}
    found: dict[str, set[str]] = {}
    for o in objects:
        if "pos" in o and "width" in o:  # a node
            found.setdefault(o["name"], set())
    for o in objects:
        if o["name"].startswith("cluster"):
            for n in o.get("nodes", []):
                found.setdefault(name[n], set()).add(o["name"])
    return found


def _mlp_2_2() -> Value:
    model = nn.MLP(2, [2, 2], seed=3)
    loss = nn.squared_error(model([Value(0.1, "x1"), Value(0.2, "x2")]), [0.5, 0.5])
    loss.backward()
    return loss


GRAPHS = [*sorted(EXAMPLES), "MLP(2, [2, 2])"]


@pytest.mark.parametrize("neurons", [True, False], ids=["neurons", "operations"])
@pytest.mark.parametrize("graph", GRAPHS)
def test_the_legend_keeps_every_node_in_its_cluster(graph, neurons):
    # before: seed 003's 2-3-1 (no loss: its root is the output neuron) drew n6 outside
    # its layer's box, an empty "layer2" box beside it, in both views
    def make(legend: bool):
        if graph in EXAMPLES:
            return _draw(EXAMPLES[graph], neurons=neurons, edge_labels=True, legend=legend)
        return draw(_mlp_2_2(), neurons=neurons, edge_labels=True, legend=legend)

    plain, keyed = memberships(make(False).source), memberships(make(True).source)
    assert any(plain.values()), graph  # clusters there are
    assert "legend" in keyed and "legend" not in plain
    assert {n: c for n, c in keyed.items() if n != "legend"} == plain
    # and each node's box inside its clusters' boxes, with the legend
    data = _json(make(True).source)
    boxes = {o["name"]: [float(t) for t in o["bb"].split(",")]
             for o in data["objects"] if o["name"].startswith("cluster")}
    _, nodes = full_paths(data)
    for node, clusters in keyed.items():
        x0, y0, x1, y1 = nodes[node]
        for c in clusters:
            cx0, cy0, cx1, cy1 = boxes[c]
            assert cx0 - 0.5 <= x0 and x1 <= cx1 + 0.5 and cy0 - 0.5 <= y0 and y1 <= cy1 + 0.5, \
                (graph, node, c)

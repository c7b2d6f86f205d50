"""viz.draw(root, neurons=True): one record per neuron, for networks built by nn.

Every number is checked against a forward and backward pass written out here
in plain floats (sigmoid MLP, loss 1/2 Σ (t − y)²), and seed 001's network
against the document's printed values (z_h1 = 0.3775, ∂L/∂b1 = 0.0284, …).
"""

from __future__ import annotations

import math
import os
import random
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

import viz.graphs.render
from autograd import Value, topological_order
from nn import MLP, linear_3_4_2_exercise, shared_bias_2_2_1, squared_error
from viz.graphs import style
from viz.graphs import draw

RANGE = " … "

# --- the same network in plain floats ------------------------------------------------


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def float_mlp(weights, biases, shared, samples, targets, activation="sigmoid"):
    """Forward and backward pass of an MLP in floats, loss 1/2 Σ over samples and outputs of (t − y)².

    weights[l][j] = neuron j's input weights; biases[l] = one number (shared) or one per neuron.
    Returns per-sample z, a, ∂L/∂z, ∂L/∂a (as [sample][layer][neuron]), the weight and bias
    gradients summed over the samples, ∂L/∂x per sample, and the loss.
    """
    act = sigmoid if activation == "sigmoid" else (lambda z: z)
    slope = (lambda a: a * (1.0 - a)) if activation == "sigmoid" else (lambda a: 1.0)
    per = dict(z=[], a=[], dz=[], da=[], dx=[])
    dw = [[[0.0] * len(row) for row in layer] for layer in weights]
    db = [0.0 if s else [0.0] * len(layer) for layer, s in zip(weights, shared)]
    loss = 0.0
    for x, t in zip(samples, targets):
        zs, as_, inputs = [], [], [x]
        for l, layer in enumerate(weights):
            z = [sum(w * xi for w, xi in zip(row, inputs[-1])) + (biases[l] if shared[l] else biases[l][j])
                 for j, row in enumerate(layer)]
            a = [act(v) for v in z]
            zs.append(z), as_.append(a), inputs.append(a)
        loss += 0.5 * sum((ti - yi) ** 2 for ti, yi in zip(t, as_[-1]))
        da = [yi - ti for yi, ti in zip(as_[-1], t)]  # ∂L/∂y = y − t
        dzs, das = [None] * len(weights), [None] * len(weights)
        for l in range(len(weights) - 1, -1, -1):
            das[l] = da
            dz = [d * slope(a) for d, a in zip(da, as_[l])]  # σ'(z) = a(1 − a)
            dzs[l] = dz
            for j, row in enumerate(weights[l]):
                for k in range(len(row)):
                    dw[l][j][k] += dz[j] * inputs[l][k]
                if shared[l]:
                    db[l] += dz[j]  # ∂z_j/∂b = 1 for every neuron of the layer
                else:
                    db[l][j] += dz[j]
            da = [sum(dz[j] * weights[l][j][k] for j in range(len(dz))) for k in range(len(inputs[l]))]
        per["z"].append(zs), per["a"].append(as_), per["dz"].append(dzs), per["da"].append(das)
        per["dx"].append(da)
    return per, dw, db, loss


# seed 001: 2-2-1 sigmoid, the hidden neurons share b1
SEED001 = dict(weights=[[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45]]], biases=[0.35, 0.60],
               shared=[True, True], samples=[[0.05, 0.10]], targets=[[0.01]])


def seed001_loss(backward: bool = True, fused: bool = True) -> Value:
    doc = shared_bias_2_2_1(fused=fused)
    loss = squared_error(doc.model(doc.inputs), doc.target)
    if backward:
        loss.backward()
    return loss


# --- reading the DOT back --------------------------------------------------------------

_NODE = re.compile(r"^\t+(n\d+|legend) \[(.*)\]$", re.M)
_EDGE = re.compile(r"^\t+([nl][\d_]+) -> ([nl][\d_]+)(?: \[(.*)\])?$", re.M)
_LABEL_NODE = re.compile(r"^\t+(l\d+_\d+) \[label=(<.*>) fontsize=\S+ shape=plain\]$", re.M)


def records(source: str) -> dict[str, dict]:
    """id -> {'name', 'note', 'rows': {caption: (data, grad)}, 'border', 'width'} of each record.

    A record of one value (an input, the loss) has the caption 'value'.
    """
    out = {}
    for m in _NODE.finditer(source):
        if m.group(1) == "legend":
            continue
        table = ET.fromstring(re.search(r"label=<(<table.*</table>)>", m.group(2)).group(1))
        rows = [[("".join(td.itertext()), td) for td in tr.iter("td")] for tr in table.iter("tr")]
        header = rows.pop(0)[0][1]
        name = "".join(header.find(".//b").itertext())
        note = "".join(header.itertext())[len(name):].strip()
        texts = [[t for t, _ in row] for row in rows]
        shown: dict[str, tuple] = {}
        if texts and texts[0][0] in ("data",):  # one value: data and grad rows
            by_caption = {row[0]: row[1] for row in texts}
            shown["value"] = (by_caption["data"], by_caption.get("grad"))
        else:
            for row in texts:
                if row[0] == "":  # the column captions
                    assert row[1:] == ["data", "grad"]
                    continue
                shown[row[0]] = (row[1], row[2] if len(row) > 2 else None)
        out[m.group(1)] = dict(name=name, note=note, rows=shown, border=table.get("color"),
                               width=table.get("border"))
    return out


def by_name(source: str) -> dict[str, str]:
    """Drawn name (with its cluster, 'layer1/neuron2') -> record id."""
    where = clusters(source)
    found = {}
    for rid, rec in records(source).items():
        key = "/".join(where[rid] + (rec["name"],))
        assert key not in found, key
        found[key] = rid
    return found


def clusters(source: str) -> dict[str, tuple[str, ...]]:
    """Record id -> the captions of the clusters around it, outermost first (a caption
    drawn as a node of its cluster included: see test_viz_graph.cluster_paths)."""
    from test_viz_graph import cluster_paths

    return {k: v for k, v in cluster_paths(source).items() if k.startswith("n")}


def edges(source: str) -> dict[tuple[str, str], str]:
    """(source id, target id) -> the edge's attribute text (visible edges only).

    A weight label drawn as a node on its edge (source -> l<s>_<t> -> target) reads
    as one edge whose attributes start with label=<…>, the label node's."""
    labels = dict(_LABEL_NODE.findall(source))
    found, into = {}, {}
    for m in _EDGE.finditer(source):
        attrs = m.group(3) or ""
        if "invis" in attrs:
            continue
        tail, head = m.group(1), m.group(2)
        if head in labels:
            assert "arrowhead=none" in attrs  # the arrow is on the second half only
            into[head] = tail
            continue
        if tail in labels:
            tail, attrs = into.pop(tail), f"label={labels[tail]} {attrs}"
        assert (tail, head) not in found
        found[(tail, head)] = attrs
    assert not into  # every label node sits on one edge
    return found


def weight_label(attrs: str) -> list[tuple[str, float, str]]:
    """[(name, data, grad text)] of the weights on an edge label."""
    label = re.search(r"label=<(.*)>", attrs).group(1)
    return [(n, float(d), g) for n, d, g in re.findall(
        r">(w\d+) = ([^<]+)</font></td></tr>(?:<tr><td><font[^>]*>grad ([^<]+)</font>)?", label)]


def number(text: str) -> float:
    return float(text)


def span(text: str) -> tuple[float, float]:
    low, _, high = text.partition(RANGE)
    return float(low), float(high or low)


def close(a: float, b: float, rel: float = 1e-8) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


# --- seed 001: one record per neuron ---------------------------------------------------


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "unfused"])
def test_seed001_one_record_per_neuron_in_layer_clusters(fused):
    # unfused: z is built from '*' and '+' nodes, unnamed, which join their neuron
    g = draw(seed001_loss(fused=fused), neurons=True, edge_labels=True, digits=10)
    named = by_name(g.source)
    # the shared bias layer1.b has a record (and edges) of its own; layer2.b, which
    # only the output neuron adds, is drawn in it
    assert sorted(named) == ["layer1.b", "layer1/neuron1", "layer1/neuron2",
                             "layer2/neuron1", "loss", "x1", "x2"]
    assert g.neurons == 3
    assert "Σ w·x + b" not in g.source and "o1" not in g.source  # no operation nodes
    drawn = records(g.source)
    per, dw, db, loss = float_mlp(**SEED001)
    z, a, dz, da = per["z"][0], per["a"][0], per["dz"][0], per["da"][0]
    for layer, count in ((1, 2), (2, 1)):
        for j in range(count):
            rec = drawn[named[f"layer{layer}/neuron{j + 1}"]]
            # layer 1's bias is shared, drawn apart; layer 2's is its one neuron's
            assert set(rec["rows"]) == ({"z", "a"} if layer == 1 else {"z", "a", "b"})
            assert rec["note"] == ("σ" if layer == 1 else "σ · ŷ")
            (zd, zg), (ad, ag) = rec["rows"]["z"], rec["rows"]["a"]
            assert close(number(zd), z[layer - 1][j]) and close(number(zg), dz[layer - 1][j])
            assert close(number(ad), a[layer - 1][j]) and close(number(ag), da[layer - 1][j])
    for layer, (data, grad) in ((1, drawn[named["layer1.b"]]["rows"]["value"]),
                                (2, drawn[named["layer2/neuron1"]]["rows"]["b"])):
        # a shared bias: its grad sums its neurons' ∂L/∂z
        assert close(number(data), SEED001["biases"][layer - 1]) and close(number(grad), db[layer - 1])
    assert drawn[named["layer1.b"]]["note"] == "shared by 2"
    assert drawn[named["loss"]]["note"] == "= ½(y − ŷ)²"  # what the loss record computes
    assert drawn[named["loss"]]["rows"]["y"][0] == "0.01"  # the target
    assert close(number(drawn[named["loss"]]["rows"]["loss"][0]), loss)
    assert drawn[named["loss"]]["rows"]["loss"][1] == "1"
    assert close(number(drawn[named["x2"]]["rows"]["value"][1]), per["dx"][0][1])


def test_seed001_at_the_documents_precision():
    g = draw(seed001_loss(), neurons=True, edge_labels=True, digits=4)
    drawn, named = records(g.source), by_name(g.source)
    h1, h2, out = (drawn[named[k]]["rows"] for k in ("layer1/neuron1", "layer1/neuron2", "layer2/neuron1"))
    assert h1["z"][0] == "0.3775" and h1["a"][0] == "0.5933"
    assert h2["z"][0] == "0.3925" and h2["a"][0] == "0.5969"
    assert out["z"][0] == "1.106" and out["a"] == ("0.7514", "0.7414")  # ŷ and ∂L/∂ŷ
    assert out["b"] == ("0.6", "0.1385")
    assert drawn[named["loss"]]["rows"]["loss"][0] == "0.2748"
    # the document's names for the weights (w5, w6), as shared_bias_2_2_1 gives them
    g3 = draw(seed001_loss(), neurons=True, edge_labels=True, digits=3,
              names=shared_bias_2_2_1().doc_names)
    drawn3, named3 = records(g3.source), by_name(g3.source)
    # the shared bias under the document's name b1, its grad the two paths summed
    assert "layer1.b" not in named3
    assert drawn3[named3["b1"]]["rows"]["value"][1] == "0.0284"
    into_out = edges(g3.source)
    w5 = weight_label(into_out[(named3["layer1/neuron1"], named3["layer2/neuron1"])])
    w6 = weight_label(into_out[(named3["layer1/neuron2"], named3["layer2/neuron1"])])
    assert w5 == [("w5", 0.4, "0.0822")] and w6 == [("w6", 0.45, "0.0827")]


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "unfused"])
def test_edges_run_input_to_neuron_to_loss_with_the_weights(fused):
    g = draw(seed001_loss(fused=fused), neurons=True, edge_labels=True, digits=10)
    named = by_name(g.source)
    drawn_edges = edges(g.source)
    n = lambda key: named[key]  # noqa: E731
    # units numbered as the textbooks do: inputs 1, 2; hidden 3, 4; output 5 (wij: i -> j)
    expected = {
        (n("x1"), n("layer1/neuron1")): ("w13", 0, 0, 0), (n("x2"), n("layer1/neuron1")): ("w23", 0, 0, 1),
        (n("x1"), n("layer1/neuron2")): ("w14", 0, 1, 0), (n("x2"), n("layer1/neuron2")): ("w24", 0, 1, 1),
        (n("layer1/neuron1"), n("layer2/neuron1")): ("w35", 1, 0, 0),
        (n("layer1/neuron2"), n("layer2/neuron1")): ("w45", 1, 0, 1),
        (n("layer2/neuron1"), n("loss")): None,
        (n("layer1.b"), n("layer1/neuron1")): None,  # the shared bias: an edge to each neuron
        (n("layer1.b"), n("layer1/neuron2")): None,
    }
    assert set(drawn_edges) == set(expected)
    _, dw, _, _ = float_mlp(**SEED001)
    for key, want in expected.items():
        if want is None:
            assert "label" not in drawn_edges[key]
            continue
        name, layer, j, k = want
        ((shown, data, grad),) = weight_label(drawn_edges[key])
        assert shown == name and close(data, SEED001["weights"][layer][j][k])
        assert close(float(grad), dw[layer][j][k])
    # without edge labels the edges are bare
    assert "label" not in "".join(edges(draw(seed001_loss(), neurons=True).source).values())


# --- ids and determinism ------------------------------------------------------------------


def test_record_ids_come_from_the_topological_order():
    loss = seed001_loss()
    order = topological_order(loss)
    g = draw(loss, neurons=True)
    for prefix in ("layer1.neuron1.", "layer1.neuron2.", "layer2.neuron1."):
        first = min(i for i, v in enumerate(order) if v.name and v.name.startswith(prefix))
        for v in order:
            if v.name and v.name.startswith(prefix):
                assert g.node_id(v) == f"n{first}"
    # the loss record: the first operation after the neurons
    rest = [i for i, v in enumerate(order) if v.parents and not (v.name or "").startswith("layer")]
    assert g.node_id(loss) == f"n{min(rest)}"
    assert str(id(loss)) not in g.source
    constant = next(v for v in order if v.is_constant)
    with pytest.raises(ValueError, match="constant"):
        g.node_id(constant)
    with pytest.raises(ValueError, match="no operation nodes"):
        g.op_id(loss)


def test_neuron_view_dot_is_deterministic():
    options = dict(neurons=True, edge_labels=True, legend=True, highlight="layer1.b")
    a, b = seed001_loss(), seed001_loss()
    assert draw(a, **options).source == draw(a, **options).source == draw(b, **options).source
    script = (
        "import sys; from nn import shared_bias_2_2_1, squared_error; from viz import draw;"
        "d = shared_bias_2_2_1(); loss = squared_error(d.model(d.inputs), d.target); loss.backward();"
        "sys.stdout.write(draw(loss, neurons=True, edge_labels=True, legend=True, highlight='layer1.b').source)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONHASHSEED="7"), encoding="utf-8")
    assert out.stdout == draw(a, **options).source


# --- gradients before backward, options ---------------------------------------------------


def test_before_backward_grads_are_unknown_not_zero():
    g = draw(seed001_loss(backward=False), neurons=True, edge_labels=True)
    for rec in records(g.source).values():
        for caption, (data, grad) in rec["rows"].items():
            assert grad == ("" if caption == "y" else "?"), rec  # the target y: a plain number
    assert all(grad == "?" for a in edges(g.source).values() if "label" in a
               for _, _, grad in weight_label(a))
    hidden = draw(seed001_loss(), neurons=True, grads=False, edge_labels=True)
    assert ">grad<" not in hidden.source and "grad " not in hidden.source
    for rec in records(hidden.source).values():
        assert all(grad is None for _, grad in rec["rows"].values())


def test_own_biases_show_in_their_neuron():
    weights = [[[0.5, -0.25], [0.1, 0.2], [-0.3, 0.4]], [[0.7, -0.6, 0.2]]]
    biases = [[0.1, -0.2, 0.3], [0.05]]
    model = MLP(2, [3, 1], weights=weights, biases=biases)
    x, t = [0.3, -0.8], [0.25]
    loss = squared_error(model(x), t)
    loss.backward()
    g = draw(loss, neurons=True, digits=10)
    drawn, named = records(g.source), by_name(g.source)
    assert "layer1/b" not in named  # no shared bias
    per, _, db, _ = float_mlp(weights, biases, [False, False], [x], [t])
    for j in range(3):
        rec = drawn[named[f"layer1/neuron{j + 1}"]]
        assert list(rec["rows"]) == ["z", "a", "b"]
        data, grad = rec["rows"]["b"]
        assert close(number(data), biases[0][j]) and close(number(grad), db[0][j])
        assert close(number(grad), per["dz"][0][0][j])  # one sample: ∂L/∂b = ∂L/∂z


def test_linear_neurons_show_z_only():
    doc = linear_3_4_2_exercise()
    loss = squared_error(doc.model(doc.inputs), doc.target)
    loss.backward()
    g = draw(loss, neurons=True)
    drawn, named = records(g.source), by_name(g.source)
    h1 = drawn[named["layer1/neuron1"]]
    assert h1["note"] == "linear" and list(h1["rows"]) == ["z", "b"]
    # x = (2, 1, 3): hidden z = 23, 12, 15, 21; output 1 = 3·23 + 12 + 15 + 21 + 2
    hidden = [drawn[named[f"layer1/neuron{j}"]]["rows"]["z"][0] for j in (1, 2, 3, 4)]
    assert hidden == ["23", "12", "15", "21"]
    assert drawn[named["layer2/neuron1"]]["rows"]["z"][0] == "119"
    assert drawn[named["layer2/neuron1"]]["rows"]["z"][1] == "115"  # ∂E/∂z = z − t = 119 − 4


def test_root_inside_a_neuron_is_the_output():
    doc = shared_bias_2_2_1()
    (y,) = doc.model(doc.inputs)
    g = draw(y, neurons=True)
    drawn, named = records(g.source), by_name(g.source)
    assert "loss" not in named
    out = drawn[named["layer2/neuron1"]]
    assert out["border"] == style.KIND_COLOURS["output"][1] and out["width"] == "2"
    assert out["rows"]["a"][1] == "?"  # nothing ran backward from y yet


def test_without_clusters_names_are_full_and_biases_have_edges():
    g = draw(seed001_loss(), neurons=True, clusters=False)
    assert "cluster" not in g.source
    named = {rec["name"]: rid for rid, rec in records(g.source).items()}
    assert {"layer1.neuron1", "layer1.neuron2", "layer2.neuron1", "layer1.b"} <= set(named)
    drawn_edges = edges(g.source)
    for target in ("layer1.neuron1", "layer1.neuron2"):
        assert "dashed" in drawn_edges[(named["layer1.b"], named[target])]
    assert "b" in records(g.source)[named["layer2.neuron1"]]["rows"]  # its one neuron's


def test_highlight_in_the_neuron_view():
    g = draw(seed001_loss(), neurons=True, edge_labels=True, highlight="layer1.neuron1.w1")
    drawn, named = records(g.source), by_name(g.source)
    assert drawn[named["layer1/neuron1"]]["border"] == style.HIGHLIGHT
    assert drawn[named["layer1/neuron1"]]["width"] == "3"  # holds the chosen weight
    for key in ("layer2/neuron1", "loss"):
        assert drawn[named[key]]["border"] == style.HIGHLIGHT, key
    for key in ("layer1/neuron2", "x2", "layer1.b"):
        assert drawn[named[key]]["border"] == style.DIM_BORDER, key
    drawn_edges = edges(g.source)
    red = {k for k, a in drawn_edges.items() if style.HIGHLIGHT in a}  # (w1 is w13)
    assert red == {(named["x1"], named["layer1/neuron1"]),  # carries w1
                   (named["layer1/neuron1"], named["layer2/neuron1"]),
                   (named["layer2/neuron1"], named["loss"])}
    # a shared bias: both hidden neurons are on its paths
    both = draw(seed001_loss(), neurons=True, highlight="layer1.b")
    drawn, named = records(both.source), by_name(both.source)
    assert drawn[named["layer1/neuron1"]]["border"] == style.HIGHLIGHT
    assert drawn[named["layer1/neuron2"]]["border"] == style.HIGHLIGHT
    assert drawn[named["x1"]]["border"] == style.DIM_BORDER


def test_bad_uses_are_named():
    x, w = Value(1.0, "x"), Value(2.0, "w")
    with pytest.raises(ValueError, match="no neuron found in this graph"):
        draw(x * w, neurons=True)
    with pytest.raises(ValueError, match="neurons must be True or False"):
        draw(seed001_loss(), neurons="yes")
    with pytest.raises(ValueError, match=r"the neuron view has 7 records \(3 neurons\), more than max_nodes=5"):
        draw(seed001_loss(), neurons=True, max_nodes=5)
    assert draw(seed001_loss(), neurons=True, max_nodes=8).neurons == 3


# --- a batch: each neuron drawn once -----------------------------------------------------------


def batch(n: int, sizes: list[int], seed: int, fused: bool = True, shared=False):
    rng = random.Random(seed)
    model = MLP(sizes[0], sizes[1:], seed=seed, fused=fused, shared_bias=shared)
    xs = [[rng.uniform(-1, 1) for _ in range(sizes[0])] for _ in range(n)]
    ts = [[rng.uniform(0, 1) for _ in range(sizes[-1])] for _ in range(n)]
    loss = squared_error([model(x) for x in xs], ts)
    loss.backward()
    weights, biases = model.get_weights()
    shared_flags = [shared] * (len(sizes) - 1)
    return loss, float_mlp(weights, biases, shared_flags, xs, ts), weights, biases


def test_a_batch_draws_each_neuron_once_with_ranges_and_totals():
    loss, (per, dw, db, total), weights, biases = batch(4, [2, 3, 1], seed=11)
    g = draw(loss, neurons=True, edge_labels=True, digits=10, legend=True)
    drawn, named = records(g.source), by_name(g.source)
    assert g.neurons == 4
    assert sorted(named) == ["layer1/neuron1", "layer1/neuron2", "layer1/neuron3", "layer2/neuron1",
                             "loss", "x1", "x2"]
    for layer, count in ((1, 3), (2, 1)):
        for j in range(count):
            rec = drawn[named[f"layer{layer}/neuron{j + 1}"]]
            assert rec["note"] == ("σ · 4 samples" if layer == 1 else "σ · ŷ · 4 samples")
            for part, key in (("z", "z"), ("a", "a")):
                data, grad = rec["rows"][part]
                values = [per[key][s][layer - 1][j] for s in range(4)]
                grads = [per["d" + key][s][layer - 1][j] for s in range(4)]
                (lo, hi), (glo, ghi) = span(data), span(grad)
                assert close(lo, min(values)) and close(hi, max(values)), (layer, j, part)
                assert close(glo, min(grads)) and close(ghi, max(grads)), (layer, j, part)
            b_data, b_grad = rec["rows"]["b"]  # a parameter: one value, its grad the total
            assert close(number(b_data), biases[layer - 1][j]) and close(number(b_grad), db[layer - 1][j])
    x1 = drawn[named["x1"]]
    assert x1["note"] == "4 samples"
    glo, ghi = span(x1["rows"]["value"][1])  # ∂L/∂x1 of each sample
    assert close(glo, min(d[0] for d in per["dx"])) and close(ghi, max(d[0] for d in per["dx"]))
    assert close(number(drawn[named["loss"]]["rows"]["loss"][0]), total)
    # weights on the edges: their grads summed over the samples
    drawn_edges = edges(g.source)
    ((name, data, grad),) = weight_label(drawn_edges[(named["layer1/neuron3"], named["layer2/neuron1"])])
    assert name == "w56" and close(data, weights[1][0][2])  # unit 5 (neuron3) -> unit 6 and close(float(grad), dw[1][0][2])
    assert "over 4 samples" in g.source  # the legend says what a range means


def test_merged_inputs_show_their_range():
    rng = random.Random(4)
    model = MLP(2, [2, 1], seed=4)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(6)]
    loss = squared_error([model(x) for x in xs], [[0.5]] * 6)
    loss.backward()
    g = draw(loss, neurons=True, digits=10)
    drawn, named = records(g.source), by_name(g.source)
    for i in (0, 1):
        lo, hi = span(drawn[named[f"x{i + 1}"]]["rows"]["value"][0])
        assert close(lo, min(x[i] for x in xs)) and close(hi, max(x[i] for x in xs))


def test_a_65k_value_graph_suggests_and_draws_the_neuron_view_fast():
    loss, (per, dw, db, total), weights, biases = batch(100, [2, 16, 16, 1], seed=3, fused=False)
    order = topological_order(loss)
    assert len(order) > 60_000
    with pytest.raises(ValueError) as error:
        draw(loss)
    message = str(error.value)
    first, second, third = (message.index(s) for s in
                            ("draw(..., neurons=True) shows one node per neuron", "one neuron's z", "max_nodes=None"))
    assert first < second < third and "(33 neurons here)" in message
    start = time.perf_counter()
    g = draw(loss, neurons=True, edge_labels=True)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, elapsed
    assert g.values == len(order) and g.neurons == 33
    drawn, named = records(g.source), by_name(g.source)
    assert len(drawn) == 33 + 2 + 1  # neurons, x1 and x2, the loss
    where = clusters(g.source)
    for layer, count in ((1, 16), (2, 16), (3, 1)):
        ids = {named[f"layer{layer}/neuron{j}"] for j in range(1, count + 1)}
        assert {rid for rid, w in where.items() if w == (f"layer{layer}",)} == ids
    assert len(edges(g.source)) == 2 * 16 + 16 * 16 + 16 + 1
    out = drawn[named["layer3/neuron1"]]
    assert out["note"] == "σ · ŷ · 100 samples"
    g6 = draw(loss, neurons=True, digits=6)
    out6 = records(g6.source)[named["layer3/neuron1"]]
    assert math.isclose(number(out6["rows"]["b"][1]), db[2][0], rel_tol=1e-5)
    lo, hi = span(out6["rows"]["a"][0])
    ys = [p[2][0] for p in per["a"]]
    assert math.isclose(lo, min(ys), rel_tol=1e-5) and math.isclose(hi, max(ys), rel_tol=1e-5)


# --- rendered ------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"
BACKENDS = [
    pytest.param(name, marks=pytest.mark.skipif(viz.graphs.render._locate(name) is None,
                                                  reason=f"{name} is not installed"))
    for name in ("dot", "graphviz-pure")
]


def node_tops(svg: bytes) -> dict[str, float]:
    """Record id -> the y of its first text line in the SVG (y grows downwards)."""
    tops = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if group.get("class") == "node" and title is not None:
            tops[title.text] = min(float(t.get("y")) for t in group.iter(f"{SVG}text"))
    return tops


@pytest.mark.parametrize("backend", BACKENDS)
def test_columns_read_neuron1_first_and_bias_last(backend):
    model = MLP(3, [4, 2], seed=5, shared_bias=True)
    g = draw(squared_error(model([0.1, 0.2, 0.3]), [0.0, 1.0]), neurons=True)
    tops, named = node_tops(g.pipe("svg", backend=backend)), by_name(g.source)
    # a shared bias sits at the foot of the column before the neurons that add it
    for column in (["x1", "x2", "x3", "layer1.b"],
                   [f"layer1/neuron{j}" for j in (1, 2, 3, 4)] + ["layer2.b"],
                   ["layer2/neuron1", "layer2/neuron2"]):
        ys = [tops[named[key]] for key in column]
        assert ys == sorted(ys), (column, ys)


@pytest.mark.parametrize("backend", BACKENDS)
def test_seed001_neuron_view_renders_to_svg(backend):
    g = draw(seed001_loss(), neurons=True, edge_labels=True, legend=True)
    root = ET.fromstring(g.pipe("svg", backend=backend))
    texts = {}
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if group.get("class") == "node" and title is not None:
            texts[title.text] = " ".join(t.text for t in group.iter(f"{SVG}text") if t.text)
    named = by_name(g.source)
    hidden = texts[named["layer1/neuron1"]]
    for word in ("neuron1", "σ", "z", "0.3775", "0.5933", "grad"):
        assert word in hidden, (word, hidden)
    assert "shared by 2" in texts[named["layer1.b"]] and "0.02836" in texts[named["layer1.b"]]
    assert "0.2748" in texts[named["loss"]]
    labels = " ".join(t.text for t in root.iter(f"{SVG}text") if t.text)
    assert "w13 = 0.15" in labels and "w45 = 0.45" in labels


# --- the documents' names: names= in both views, the target's own name -----------------


def _textbook_loss():
    from nn import textbook_3_2_1

    doc = textbook_3_2_1()
    loss = squared_error(doc.model(doc.inputs), doc.target)
    loss.backward()
    return doc, loss


def _seed000_biases() -> dict[str, float]:
    """Units 4, 5, 6's biases as seed 000's file writes them (b4 = -0.4 is the textbook's θ4:
    the document's "a4 = sigmoid(inputs * weights + b4)")."""
    import tomllib
    from viz.worked.example import bundled_examples

    (path,) = [p for p in bundled_examples() if p.stem.startswith("seed000")]
    params = tomllib.loads(path.read_text(encoding="utf-8"))["params"]
    return {f"θ{unit}": params[f"b{unit}"] for unit in (4, 5, 6)}


def test_names_given_are_the_neuron_views_bias_rows():
    # before: the DOT with names=doc.doc_names was byte-identical to names=None, the bias
    # rows reading "b"
    doc, loss = _textbook_loss()
    g = draw(loss, neurons=True, names=doc.doc_names)
    assert g.source != draw(loss, neurons=True).source
    drawn, named = records(g.source), by_name(g.source)
    theta = _seed000_biases()
    for key, unit in (("layer1/neuron1", 4), ("layer1/neuron2", 5), ("layer2/neuron1", 6)):
        rows = drawn[named[key]]["rows"]
        assert "b" not in rows, key
        assert float(rows[f"θ{unit}"][0]) == pytest.approx(theta[f"θ{unit}"]), key


def test_names_given_are_the_operation_views_records():
    doc, loss = _textbook_loss()
    g = draw(loss, names=doc.doc_names, digits=6)
    assert g.source != draw(loss).source
    heads = {}
    for m in re.finditer(r"<b>([^<]+)</b></font></td></tr><tr><td align=\"left\"><font[^>]*>data"
                         r"</font></td><td align=\"right\"><font[^>]*>([-0-9.e]+)<", g.source):
        heads[m.group(1)] = float(m.group(2))
    for symbol, value in _seed000_biases().items():
        assert heads[symbol] == pytest.approx(value), symbol
    assert heads["w46"] == pytest.approx(-0.3) and heads["w14"] == pytest.approx(0.2)


def test_the_loss_says_the_files_target_name():
    # before: seed 000's loss box read ½(y − ŷ)² where the file says t = 1
    import viz.worked as worked
    from viz.cli.figures import _root
    from viz.worked.example import bundled_examples

    (path,) = [p for p in bundled_examples() if p.stem.startswith("seed000")]
    example = worked.load(path)
    values = worked.build(example)
    worked.backward(example, values)
    g = draw(_root(example, values), neurons=True, params=[values[k] for k in example.params])
    (loss,) = [r for r in records(g.source).values() if r["name"] == "loss"]
    assert loss["note"] == "= ½(t − ŷ)²"
    assert loss["rows"]["t"][0] == "1"  # "From the notes (target = 1)"
    assert "y" not in loss["rows"]

"""Rendering computation graphs through each backend present: system ``dot``, ``graphviz-pure``.

A backend that is not installed is skipped with the reason; the suite passes
with ``graphviz-pure`` alone (a dependency of the project).  The SVG is parsed
as XML and its text checked against seed 001's printed numbers.
"""

from __future__ import annotations

import math
import struct
import xml.etree.ElementTree as ET

import pytest

import viz.graphs.render
from autograd import Value, linear
from viz.graphs import style
from viz.graphs import draw
from viz.graphs.render import NoBackendError, RenderError, find_backend, render

SVG = "{http://www.w3.org/2000/svg}"


def installed(name: str) -> bool:
    return viz.graphs.render._locate(name) is not None


BACKENDS = [
    pytest.param(name, marks=pytest.mark.skipif(not installed(name), reason=f"{name} is not installed"))
    for name in ("dot", "graphviz-pure")
]


def seed001() -> dict[str, Value]:
    """Seed 001's 2-2-1 network after one backward pass, with the document's names."""
    x1, x2 = Value(0.05, "x1"), Value(0.10, "x2")
    w = [Value(d, f"w{i}") for i, d in enumerate([0.15, 0.20, 0.25, 0.30, 0.40, 0.45], 1)]
    b1, b2 = Value(0.35, "b1"), Value(0.60, "b2")
    z_h1, z_h2 = linear(w[0:2], [x1, x2], b1), linear(w[2:4], [x1, x2], b1)
    z_h1.name, z_h2.name = "z_h1", "z_h2"
    a_h1, a_h2 = z_h1.sigmoid(), z_h2.sigmoid()
    a_h1.name, a_h2.name = "a_h1", "a_h2"
    z_out = linear(w[4:6], [a_h1, a_h2], b2)
    z_out.name = "z_out"
    y_hat = z_out.sigmoid()
    y_hat.name = "y_hat"
    loss = 0.5 * (0.01 - y_hat) ** 2
    loss.name = "loss"
    loss.backward()
    net = {v.name: v for v in (x1, x2, *w, b1, b2, z_h1, z_h2, a_h1, a_h2, z_out, y_hat, loss)}
    return net


def svg_groups(svg: bytes, kind: str) -> dict[str, list[str]]:
    """<title> of each node (or edge) group -> the texts drawn in it."""
    root = ET.fromstring(svg)
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == kind:
            title = group.find(f"{SVG}title").text
            found[title] = [t.text or "" for t in group.iter(f"{SVG}text")]
    return found


def strokes(svg: bytes) -> dict[str, str]:
    """Edge title ('n0->o3') -> the stroke colour of its path."""
    root = ET.fromstring(svg)
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "edge":
            found[group.find(f"{SVG}title").text] = group.find(f"{SVG}path").get("stroke").upper()
    return found


@pytest.mark.parametrize("backend", BACKENDS)
def test_svg_shows_names_values_and_grads(backend):
    net = seed001()
    g = draw(net["loss"], digits=4, edge_labels=True)
    svg = g.pipe("svg", backend=backend)
    drawn = svg_groups(svg, "node")
    at = lambda name: drawn[g.node_id(net[name])]  # noqa: E731
    # the document's forward pass (4 significant digits) and gradients
    assert at("w1") == ["w1", "data", "0.15", "grad", "0.0006684"]
    # each result's record says the operation that made it, under its name
    assert at("z_h1")[:4] == ["z_h1", "= Σ w·x + b", "data", "0.3775"]
    assert at("a_h1")[:4] == ["a_h1", "= σ(z_h1)", "data", "0.5933"]
    assert at("a_h2")[:4] == ["a_h2", "= σ(z_h2)", "data", "0.5969"]
    assert at("y_hat") == ["y_hat", "= σ(z_out)", "data", "0.7514", "grad", "0.7414"]
    assert at("b2")[-1] == "0.1385"
    assert at("loss") == ["loss", "= ½(0.01 − y_hat)²", "data", "0.2748", "grad", "1"]
    assert g.op_id(net["a_h1"]) == g.node_id(net["a_h1"])  # no operation node of its own
    # the local derivative on the z_h1 -> a_h1 edge: a_h1·(1 - a_h1), the document's 0.2413
    labels = svg_groups(svg, "edge")
    on_edge = labels[f"{g.node_id(net['z_h1'])}->{g.op_id(net['a_h1'])}"]
    a = 1.0 / (1.0 + math.exp(-(0.15 * 0.05 + 0.20 * 0.10 + 0.35)))
    assert on_edge == [style.fmt(a * (1.0 - a), 4)] and on_edge == ["0.2413"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_svg_highlight_colours_the_path(backend):
    net = seed001()
    g = draw(net["loss"], highlight="w5")
    colours = strokes(g.pipe("svg", backend=backend))
    w5_edge = f"{g.node_id(net['w5'])}->{g.op_id(net['z_out'])}"
    w1_edge = f"{g.node_id(net['w1'])}->{g.op_id(net['z_h1'])}"
    assert colours[w5_edge] == style.HIGHLIGHT.upper()
    assert colours[w1_edge] == style.DIM_BORDER.upper()


@pytest.mark.parametrize("backend", BACKENDS)
def test_clusters_render(backend):
    w = Value(0.5, "layer1.neuron1.w1")
    b = Value(0.1, "layer1.neuron1.b")
    z = w * Value(2.0, "x1") + b
    z.name = "layer1.neuron1.z"
    svg = draw(z.sigmoid()).pipe("svg", backend=backend)
    root = ET.fromstring(svg)
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") in ("cluster", "node")]
    clusters = [g for g in groups if g.get("class") == "cluster"]
    assert len(clusters) == 2  # layer1 around neuron1
    # the caption is a node inside the neuron's cluster (edges route round nodes, not
    # round cluster labels), naming the layer too
    captions = [[t.text for t in g.iter(f"{SVG}text")] for g in groups
                if g.get("class") == "node" and g.find(f"{SVG}title").text.startswith("caption")]
    assert captions == [["layer1 · neuron1"]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_png_and_pdf(backend, tmp_path):
    g = draw(seed001()["loss"])
    png = g.save(tmp_path / "graph.png", backend=backend).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    assert width > 200 and height > 100
    if backend == "dot":
        assert g.save(tmp_path / "graph.pdf", backend=backend).read_bytes()[:5] == b"%PDF-"
    else:
        with pytest.raises(RenderError, match="cannot write PDF"):
            g.save(tmp_path / "graph.pdf", backend=backend)
        assert not (tmp_path / "graph.pdf").exists()


@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_errors_are_reported(backend):
    with pytest.raises(RenderError, match=f"{backend} failed .*syntax error"):
        render("digraph { a -> }", "svg", backend=backend)


def test_jupyter_display_is_svg():
    if not viz.graphs.render.available_backends():
        pytest.skip("no Graphviz backend installed")
    svg = draw(seed001()["loss"])._repr_svg_()
    assert ET.fromstring(svg).tag == f"{SVG}svg"


def test_system_dot_is_preferred_then_graphviz_pure(monkeypatch):
    fake = {"dot": "/usr/bin/dot", "graphviz-pure": "/venv/bin/graphviz-pure"}
    monkeypatch.setattr(viz.graphs.render, "_locate", lambda name: fake.get(name))
    assert find_backend("svg").name == "dot"
    assert find_backend("pdf").name == "dot"
    del fake["dot"]
    assert find_backend("png").name == "graphviz-pure"
    with pytest.raises(RenderError, match="cannot write PDF.*apt-get install graphviz"):
        find_backend("pdf")
    with pytest.raises(RenderError, match="backend 'dot' is not installed"):
        find_backend("svg", backend="dot")
    with pytest.raises(RenderError, match="unknown backend 'neato'"):
        find_backend("svg", backend="neato")


def test_graphviz_pure_is_found_beside_python_when_not_on_path(monkeypatch, tmp_path):
    script = tmp_path / "graphviz-pure"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(viz.graphs.render.sysconfig, "get_path", lambda name: str(tmp_path))
    assert [b.name for b in viz.graphs.render.available_backends()] == ["graphviz-pure"]
    assert find_backend("svg").executable == str(script)


def test_no_backend_error_names_both_ways_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setattr(viz.graphs.render.shutil, "which", lambda *args, **kwargs: None)
    g = draw(seed001()["loss"])
    for target in ("graph.svg", "graph.png", "graph.pdf"):
        with pytest.raises(NoBackendError) as error:
            g.save(tmp_path / target)
        message = str(error.value)
        assert "apt-get install graphviz" in message and "pip install graphviz-pure" in message
    with pytest.raises(NoBackendError):
        g._repr_svg_()
    assert g.save(tmp_path / "graph.dot").read_text(encoding="utf-8") == g.source

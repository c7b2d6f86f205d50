"""The tutorial notebook (examples/tutorial.ipynb) executed cell by cell, so it never
goes stale: seed 001's network built with nn, drawn, its hand numbers checked
and one gradient explained.  The numbers asserted are the document's
(shared/seeds/001: loss 0.2748, ∂loss/∂w5 0.0822, ∂loss/∂b1 0.0284)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support import overlapping_texts, rich_outputs, run_notebook

TUTORIAL = Path(__file__).resolve().parents[1] / "examples" / "tutorial.ipynb"


@pytest.fixture(scope="module")
def cells():
    notebook = run_notebook(TUTORIAL)
    return [c for c in notebook.cells if c.cell_type == "code"]


def printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def test_the_network_gives_the_documents_loss_and_gradients(cells):
    text = printed(cells[0])
    assert "loss = 0.2748" in text
    grads = dict(re.findall(r"dloss/d(\S+) = (\S+)", text))
    assert abs(float(grads["layer2.neuron1.w1"]) - 0.0822) < 5e-5  # the document's w5
    assert abs(float(grads["layer1.b"]) - 0.0284) < 5e-5  # b1: two paths summed
    assert len(grads) == 8  # w1..w6, b1, b2


def test_the_graph_is_drawn(cells):
    (bundle,) = rich_outputs(cells[1])
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith(("<?xml", "<svg", "<!--")) and "</svg>" in svg
    assert all(name in svg for name in ("layer1.b", "layer2.neuron1.w1", "loss"))


def test_the_graph_reads_in_a_browser(cells, svg_in_browser):
    """Chromium lays the notebook's SVG out: every name is on it, no two labels overlap."""
    (bundle,) = rich_outputs(cells[1])
    boxes = svg_in_browser(bundle["image/svg+xml"])
    words = {word for box in boxes for word in box.text.split()}
    # clusters (layer1 · neuron1), the documents' names of weights and the shared bias
    assert {"layer1", "layer2", "neuron1", "neuron2", "w13", "w35", "b1", "loss"} <= words
    assert {"0.2748", "0.5933", "0.7514"} <= words  # the document's loss, a_h1 and ŷ
    assert all(box.width > 0 and box.height > 0 for box in boxes)
    assert overlapping_texts(boxes) == []


def test_the_documents_numbers_are_judged(cells):
    (bundle,) = rich_outputs(cells[2])
    html = bundle["text/html"]
    rows = re.findall(r"<tr\b[^>]*>", html.split("<tbody>", 1)[1])
    assert len(rows) == 7  # four values, three gradients
    assert 'class="wrong"' not in html  # every number the document prints here is right
    assert bundle["text/plain"].startswith("<Comparison: 7 numbers")


def test_the_gradient_is_explained_as_two_paths(cells):
    (bundle,) = rich_outputs(cells[3])
    latex = bundle["text/latex"]
    assert "0.02836" in latex  # ∂loss/∂b1 = 0.01337 + 0.01500 at four digits
    assert "0.01337" in latex and "0.01500" in latex


def test_the_prose_describes_the_graph_drawn(cells):
    # before: "each circle the operation that made it", under a graph with no circles
    import json

    notebook = json.loads(TUTORIAL.read_text(encoding="utf-8"))
    prose = "".join(next(c["source"] for c in notebook["cells"] if c["cell_type"] == "markdown"
                         and "".join(c["source"]).startswith("## 2. The computation graph")))
    (bundle,) = rich_outputs(cells[1])
    svg = bundle["image/svg+xml"]
    assert "circle" not in prose and "<ellipse" not in svg  # no operation circles said or drawn
    for quoted in re.findall(r"`(= [^`]+)`", prose):  # each operation the prose quotes is drawn
        assert f">{quoted}<" in svg.replace("&#45;", "-"), quoted
    assert re.findall(r"`(= [^`]+)`", prose)

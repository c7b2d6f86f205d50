"""chainrule in a Jupyter notebook (issue 11): a comparison, a derivation, a graph and a training
history each display richly in an executed notebook (nbclient, this interpreter's ipykernel).

What a notebook shows is the mime bundle of each cell's result: the
comparison as an HTML table, the derivation as LaTeX and MathML, the graph
as SVG, and ``nn.fit``'s history as a short summary, not one loss per epoch.
"""

from __future__ import annotations

import re

import pytest

import viz
from support import katex_assert_renders, make_notebook, rich_outputs, run_notebook

SETUP = "import viz, nn\nprint(viz.__file__)"
COMPARISON = """L = viz.load("seed001")
viz.compare(L.root, values={"a_h1": "0.5933"}, grads={"w5": "0.0822", "b1": "0.0284", "w6": "0.0872"},
            rtol=0.01)"""
EXPLANATION = 'viz.explain(L.root, "b1")'
GRAPH = "viz.draw(L.root)"
HISTORY = """model = nn.MLP(2, [2, 1], activation="sigmoid", shared_bias=True,
               weights=[[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45]]], biases=[0.35, 0.60])
history = nn.fit(model, [((0.05, 0.10), [0.01])], lr=0.5, epochs=1000, progress=False)
history"""
EPOCHS = 1000


@pytest.fixture(scope="module")
def cells():
    """The executed notebook's code cells (one kernel for the module)."""
    notebook = run_notebook(make_notebook(SETUP, COMPARISON, EXPLANATION, GRAPH, HISTORY))
    return notebook.cells


def only_result(cell) -> dict:
    (bundle,) = rich_outputs(cell)
    return bundle


def test_the_kernel_imports_the_chainrule_under_test(cells):
    printed = "".join(o.get("text", "") for o in cells[0].outputs if o.get("output_type") == "stream")
    assert printed.strip() == viz.__file__


def test_a_comparison_shows_as_an_html_table(cells):
    bundle = only_result(cells[1])
    html = bundle["text/html"]
    assert "<table" in html and "</table>" in html
    rows = re.findall(r"<tr\b[^>]*>", html.split("<tbody>", 1)[1])
    assert len(rows) == 4  # a_h1, w5, b1, w6: one row per hand number
    assert html.count('<tr class="wrong">') == 1  # 0.0872 for ∂loss/∂w6 = 0.0827: 5 % off
    assert "0.0872" in html and "0.0827" in html  # the engine at the hand's 4 decimals
    assert "text/markdown" not in bundle or "| quantity |" in bundle["text/markdown"]
    assert bundle["text/plain"].startswith("<Comparison: 4 numbers")


def test_a_derivation_shows_as_math(cells):
    """text/latex (what Jupyter typesets with MathJax; KaTeX renders it here) and MathML in text/html."""
    bundle = only_result(cells[2])
    latex, html = bundle["text/latex"], bundle["text/html"]
    assert latex.startswith("$$") and latex.endswith("$$")
    assert "\\frac{\\partial \\mathrm{loss}}{\\partial b_{1}}" in latex and "0.02836" in latex
    katex_assert_renders([latex[2:-2]], display=True)
    assert "<math" in html and "0.02836" in html
    assert len(bundle["text/plain"]) < 200  # the repr, not 12,000 characters on one line


def test_a_graph_shows_as_svg(cells):
    bundle = only_result(cells[3])
    svg = bundle["image/svg+xml"]
    assert "<svg" in svg and "</svg>" in svg
    assert all(name in svg for name in ("a_h1", "b1", "loss"))


def test_a_training_history_shows_a_short_summary(cells):
    """1000 epochs: a notebook shows the first and last loss, not a list of 1000 floats."""
    bundle = only_result(cells[4])
    plain = bundle["text/plain"]
    assert len(plain) < 500, f"{len(plain)} characters of text/plain"
    assert "text/html" in bundle and "1000" in bundle["text/html"]

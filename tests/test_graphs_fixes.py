"""Review fixes of issue 13's graphs: titles, the operation view's targets, what the docs say.

- A title is drawn as written (``<``, ``&`` and quotes read back from the SVG by
  xml.etree), ``\\n`` starts a new line, an empty or blank title draws none (it
  broke the layout: ``dot`` failed on ``<b></b>``); any other control character is
  refused (ValueError; on the command line one line and exit 2).
- The operation view of an ``nn`` network names a target given as a number the way
  the neuron view does (y, or y1, y2, …) with its value in the loss record: it read
  ``½((½ − ŷ1)² + (½ − ŷ2)²)``, the target ½ looking like the loss's own factor.
- The ``--wrt`` help and the ``draw`` docstring say what each view's labels are.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import viz.graphs.render
from nn import MLP
from nn.documents import textbook_3_2_1
from nn.losses import squared_error
from support.commands import cli
from viz.graphs import draw

SVG = "{http://www.w3.org/2000/svg}"

needs_dot = pytest.mark.skipif(viz.graphs.render._locate("dot") is None,
                               reason="the system Graphviz `dot` is not installed")


def title_texts(svg: bytes) -> list[tuple[str, float, float]]:
    """The graph's own label (its title): (text, x, y) of each line, from the SVG."""
    root = ET.fromstring(svg)
    graph = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "graph")
    return [(t.text or "", float(t.get("x")), float(t.get("y")))
            for t in graph.findall(f"{SVG}text")]


def node_texts(svg: bytes) -> dict[str, list[str]]:
    """Each node's id (its <title>) -> the texts drawn in it, in order."""
    root = ET.fromstring(svg)
    return {g.find(f"{SVG}title").text: [t.text or "" for t in g.iter(f"{SVG}text")]
            for g in root.iter(f"{SVG}g") if g.get("class") == "node"}


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def mlp_222(targets: list[float]) -> tuple[object, list[float], float]:
    """MLP(2, [2, 2]) on x = (1, 2) with ``targets``; its outputs and loss by hand."""
    model = MLP(2, [2, 2])
    x = [1.0, 2.0]
    loss = squared_error(model(x), targets)
    loss.backward()
    weights, biases = model.get_weights()
    a = x
    for W, b in zip(weights, biases):  # a_j = σ(Σ_i w_ji·a_i + b_j), layer by layer
        a = [sigmoid(sum(w * ai for w, ai in zip(row, a)) + bj) for row, bj in zip(W, b)]
    by_hand = 0.5 * sum((t - y) ** 2 for t, y in zip(targets, a))  # ½ Σ (y − ŷ)²
    return loss, a, by_hand


def small_mlp() -> object:
    loss, _, _ = mlp_222([0.5, 0.25])
    return loss


# --- 1. titles ------------------------------------------------------------------


@needs_dot
@pytest.mark.parametrize("title", ["", "   ", "\n"])
def test_an_empty_or_blank_title_draws_none(title):
    # before: label=<<b></b>>, which dot refused ("in label of graph chainrule")
    for neurons in (False, True):
        svg = draw(small_mlp(), title=title, neurons=neurons).pipe("svg", backend="dot")
        assert title_texts(svg) == []


@needs_dot
@pytest.mark.parametrize("title", ['x < y & "q" \'r\'', "a &amp; b", "<b>bold?</b>"])
def test_a_title_reads_as_written(title):
    for neurons in (False, True):
        svg = draw(small_mlp(), title=title, neurons=neurons).pipe("svg", backend="dot")
        assert [text for text, _, _ in title_texts(svg)] == [title]


@needs_dot
@pytest.mark.parametrize("title", ["first line, the longer\nab", "first line, the longer\r\nab"])
def test_a_line_break_in_a_title_starts_a_new_line(title):
    # before: "two\nlines" was drawn "twolines"
    svg = draw(small_mlp(), title=title).pipe("svg", backend="dot")
    lines = title_texts(svg)
    assert [text for text, _, _ in lines] == ["first line, the longer", "ab"]
    (_, x1, y1), (_, x2, y2) = lines
    assert y2 > y1 and x1 == x2  # below it, both left-justified as the title is


@pytest.mark.parametrize("title, code", [("a\tb", "U+0009"), ("a\rb", "U+000D"),
                                         ("a\x1b[31mb", "U+001B"), ("a\x7f", "U+007F")])
def test_other_control_characters_in_a_title_are_refused(title, code):
    for neurons in (False, True):
        with pytest.raises(ValueError, match=re.escape(code)):
            draw(small_mlp(), title=title, neurons=neurons)


def test_a_title_must_be_text():
    with pytest.raises(TypeError, match="title must be text"):
        draw(small_mlp(), title=3)  # type: ignore[arg-type]


@needs_dot
def test_cli_empty_title_writes_the_graph_without_one(capsys, tmp_path):
    out = tmp_path / "a.svg"
    # before: exit 2, "cannot write the graph (-o a.svg): dot failed (exit 1): in label ..."
    status, stdout, err = cli(capsys, "draw", "seed001", "--title", "", "-o", str(out))
    assert status == 0, err
    assert title_texts(out.read_bytes()) == []


@needs_dot
def test_cli_title_with_a_line_break(capsys, tmp_path):
    out = tmp_path / "a.svg"
    status, _, err = cli(capsys, "draw", "seed001", "--title", "two\nlines & <more>",
                         "-o", str(out))
    assert status == 0, err
    assert [t for t, _, _ in title_texts(out.read_bytes())] == ["two", "lines & <more>"]


def test_cli_control_character_in_title_is_one_line_exit_2(capsys, tmp_path):
    out = tmp_path / "a.svg"
    status, stdout, err = cli(capsys, "draw", "seed001", "--title", "a\tb", "-o", str(out))
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "--title" in err and "U+0009" in err
    assert not out.exists()


# --- 2. the operation view names number targets ----------------------------------


def loss_record(graph: object, loss: object) -> list[str]:
    svg = graph.pipe("svg", backend="dot")  # type: ignore[attr-defined]
    return node_texts(svg)[graph.node_id(loss)]  # type: ignore[attr-defined]


@needs_dot
def test_operation_view_names_number_targets_y1_y2_with_their_values():
    loss, outputs, by_hand = mlp_222([0.5, 0.25])
    g = draw(loss)
    texts = loss_record(g, loss)
    # before: "= ½((½ − ŷ1)² + (0.25 − ŷ2)²)", the target ½ read as the loss's own factor
    assert texts[:2] == ["loss", "= ½((y1 − ŷ1)² + (y2 − ŷ2)²)"]
    assert texts[2:6] == ["y1", "0.5", "y2", "0.25"]
    assert texts[6] == "data" and math.isclose(float(texts[7]), by_hand, rel_tol=5e-4)
    assert texts[8:] == ["grad", "1"]
    # the outputs' records are the ŷ the formula names
    for j, y in enumerate(outputs, start=1):
        record = next(t for t in node_texts(g.pipe("svg", backend="dot")).values()
                      if t and t[0].endswith(f"= ŷ{j}"))
        assert math.isclose(float(record[record.index("data") + 1]), y, rel_tol=5e-4)


@needs_dot
def test_operation_view_of_the_textbook_network_reads_y():
    doc = textbook_3_2_1()
    loss = squared_error(doc.model(doc.inputs), doc.target)
    loss.backward()
    texts = loss_record(draw(loss), loss)
    # before: "= ½(1 − ŷ)²"; the document's target is 1
    assert texts[:4] == ["loss", "= ½(y − ŷ)²", "y", "1"]


def test_both_views_name_the_targets_alike():
    loss, _, _ = mlp_222([0.5, 0.25])
    ops = draw(loss).source
    neurons = draw(loss, neurons=True).source
    formula = "½((y1 − ŷ1)² + (y2 − ŷ2)²)"
    assert f"= {formula}" in ops and f"= {formula}" in neurons


def test_a_batchs_targets_stay_numbers_in_the_operation_view():
    # one y for the targets of every sample would say nothing: their numbers, 0.5 not ½
    model = MLP(2, [1])
    loss = squared_error([model([1.0, 2.0]), model([0.5, -1.0])], [[1.0], [0.5]])
    src = draw(loss).source
    assert "= ½((1 − ŷ)² + (0.5 − ŷ)²)" in src
    assert '<font color="#6B6B6B" point-size="9">y</font>' not in src


def test_a_files_named_target_keeps_its_name(capsys, tmp_path):
    out = tmp_path / "g.dot"
    status, _, err = cli(capsys, "draw", "seed001", "-o", str(out))
    assert status == 0, err
    text = out.read_text()
    assert "= ½(y_true − y_hat)²" in text  # seed 001 names its target y_true


# --- 3. what the docs say each view shows ----------------------------------------


def test_wrt_help_says_what_each_view_labels(capsys):
    status, out, _ = cli(capsys, "draw", "--help")
    assert status == 0
    helptext = " ".join(out.split())
    wrt = helptext[helptext.index("--wrt NAME highlight"):helptext.index("--neurons the")]
    assert "operation view" in wrt and "dloss/dNAME" in wrt
    assert "neuron view" in wrt and "weight" in wrt


@needs_dot
def test_neuron_view_wrt_labels_are_the_weights(capsys, tmp_path):
    # what the help now says: with --neurons the labels are the weights (seed 001: w1 = 0.15)
    out = tmp_path / "n.svg"
    status, _, err = cli(capsys, "draw", "seed001", "--neurons", "--wrt", "w1", "-o", str(out))
    assert status == 0, err
    texts = [t for ts in node_texts(out.read_bytes()).values() for t in ts]
    assert "w1 = 0.15" in texts and "w2 = 0.2" in texts


def test_draw_docstring_is_current():
    doc = " ".join((draw.__doc__ or "").split())
    assert "drawn without edges" not in doc  # a shared bias has an edge to each neuron
    assert "with an edge to each of them" in doc
    assert "how many operations it stands for" not in doc
    assert "½(y − ŷ)²" in doc
    readme = " ".join(Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
                      .split())
    assert "in the neuron view the weights" in readme


# --- in the browser ----------------------------------------------------------------

_LOSS_BOXES = """(id) => {
  const node = Array.from(document.querySelectorAll('g.node'))
    .find(g => g.querySelector('title').textContent === id);
  const box = r => ({x: r.x, y: r.y, right: r.right, bottom: r.bottom});
  const shapes = Array.from(node.querySelectorAll('polygon, path')).map(s => s.getBoundingClientRect());
  const outer = shapes.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  return {outer: box(outer),
          texts: Array.from(node.querySelectorAll('text'))
            .map(t => ({text: t.textContent, ...box(t.getBoundingClientRect())}))};
}"""


@needs_dot
def test_loss_record_rows_and_title_lines_fit_in_chromium(chromium_page, tmp_path):
    from support.browser import overlapping_texts, text_boxes

    loss, _, _ = mlp_222([0.5, 0.25])
    g = draw(loss, title="MLP(2, [2, 2])\ntargets 0.5 & 0.25")
    svg = tmp_path / "mlp.svg"
    svg.write_bytes(g.pipe("svg", backend="dot"))
    shots = Path("/tmp/title-shots")
    shots.mkdir(parents=True, exist_ok=True)
    with chromium_page(svg) as visit:
        page = visit.page
        size = page.evaluate("() => { const s = document.querySelector('svg');"
                             " return [s.width.baseVal.value, s.height.baseVal.value]; }")
        page.set_viewport_size({"width": int(size[0]) + 20, "height": int(size[1]) + 20})
        page.screenshot(path=str(shots / "mlp222-operations-titled.png"))
        found = page.evaluate(_LOSS_BOXES, g.node_id(loss))
        boxes = text_boxes(page)
    outer = found["outer"]
    assert [t["text"] for t in found["texts"]][:6] == [
        "loss", "= ½((y1 − ŷ1)² + (y2 − ŷ2)²)", "y1", "0.5", "y2", "0.25"]
    for t in found["texts"]:  # every row inside the record's border
        assert outer["x"] <= t["x"] and t["right"] <= outer["right"], t
        assert outer["y"] <= t["y"] and t["bottom"] <= outer["bottom"], t
    lines = [b for b in boxes if b.text in ("MLP(2, [2, 2])", "targets 0.5 & 0.25")]
    # one below the other, a line of the 14 pt title font apart (14 pt = 18.67 px; a text's
    # box is the font's whole ascent and descent, taller than that, so the boxes touch)
    assert len(lines) == 2 and lines[1].y - lines[0].y >= 14 * 96 / 72 - 0.5
    assert lines[0].x == lines[1].x  # both left-justified
    assert all(0 <= b.x and b.x + b.width <= size[0] for b in lines)
    assert [pair for pair in overlapping_texts(boxes, margin=1.0)
            if not (pair[0] in lines and pair[1] in lines)] == []

"""The interactive page in headless Chromium, opened from disk with the network blocked
(issue 14): the shared verdict cases through the page's own judge, every bundled
example stepped to the end and back with the highlighted node and the shown numbers
checked against the engine's (and, for seed 001, against floats worked out here),
typed numbers judged, a node's derivation on click, the copy buttons, the keys, the
neuron view of an nn network.  ``chromium_page`` fails a test on any request that
leaves the page, console error or page error.  Screenshots go to /tmp/page-shots/.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

import viz
from support import screenshot
from viz.handcheck import verdicts as checker
from viz.worked import bundled_examples

from test_page import CASES, page_json, seed001_floats

EXAMPLES = [p.stem for p in bundled_examples()]
SHOTS = Path("/tmp/page-shots")
MINUS = "\u2212"

JUDGE_JS = """cases => cases.map(c => {
  const J = window.chainruleJudge;
  const h = J.readHand(c.hand);
  const engine = ({inf: Infinity, '-inf': -Infinity, nan: NaN})[c.engine] ?? Number(c.engine);
  return {with_exact: J.judge(h, c.exact, engine, c.rtol), alone: J.judge(h, null, engine, c.rtol),
          binary: isFinite(engine) ? J.exactOfDouble(engine) : null};
})"""
STATE_JS = """() => {
  const step = document.querySelector('[data-step]');
  const cur = Array.from(document.querySelectorAll('[data-view-panel="operations"] g.current'));
  const result = step.querySelector('.result .value');
  return {step: Number(step.getAttribute('data-step')), phase: step.getAttribute('data-phase'),
          name: step.getAttribute('data-node'), shown: result ? result.textContent : null,
          current: cur.map(g => g.getAttribute('data-node')),
          texts: cur.map(g => g.textContent)};
}"""
VERDICTS_JS = """() => Object.fromEntries(Array.from(document.querySelectorAll('[data-verdict]'))
  .map(x => [x.getAttribute('data-verdict'), x.textContent]))"""


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshot(page, SHOTS / f"{name}.png")


def number(text: str) -> float:
    return float(text.replace(MINUS, "-"))


def write_page(tmp_path: Path, name: str, source) -> tuple[Path, str]:
    html = viz.page(source).html
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    return path, html


def test_verdict_cases_in_the_page(chromium_page, tmp_path):
    path, _ = write_page(tmp_path, "seed001", "seed001")
    cases = [dict(c, exact=None if not math.isfinite(float(c["engine"]))
                  else str(Decimal(float(c["engine"])))) for c in CASES]
    with chromium_page(path) as visit:
        got = visit.page.evaluate(JUDGE_JS, cases)
    for c, g in zip(cases, got):
        assert g["with_exact"] == c["verdict"], c["note"]
        assert g["alone"] == c["verdict"], c["note"]
        if g["binary"] is not None:  # the script's exact binary value is Python's Decimal(x)
            assert Decimal(g["binary"]) == Decimal(float(c["engine"])), c["note"]
    assert not visit.external and all(u.startswith("file:") for u in visit.requests)


def engine_number(loaded, example, phase: str, name: str) -> float:
    v = loaded.nodes[name]
    if phase in ("forward", "loss"):
        return v.data
    if phase == "backward":
        return v.grad
    return v.data - example.lr * v.grad  # update


@pytest.mark.parametrize("name", EXAMPLES)
def test_step_through_every_example(name, chromium_page, tmp_path):
    loaded = viz.load(name)
    ex = loaded.example
    path, html = write_page(tmp_path, name, loaded)
    data = page_json(html)
    n = len(data["steps"])
    # drawn as the page draws it: the file's params are its parameters
    graph = viz.draw(loaded.root, params=[loaded.nodes[k] for k in ex.params])
    with chromium_page(path) as visit:
        page = visit.page
        seen = []
        for k in range(n):
            state = page.evaluate(STATE_JS)
            assert state["step"] == k
            step_name = state["name"]
            v = loaded.nodes[step_name]
            # the highlighted records are this node's (its value and the operation making it)
            want = {graph.node_id(v)} | ({graph.op_id(v)} if v.parents else set())
            assert set(state["current"]) == want
            assert any(step_name in t for t in state["texts"])
            want_value = engine_number(loaded, ex, state["phase"], step_name)
            assert number(state["shown"]) == pytest.approx(want_value, rel=5e-6, abs=1e-12)
            seen.append((state["phase"], step_name))
            if k == n // 2:
                shot(page, f"{name}-middle")
            if k < n - 1:
                page.click('[data-action="next"]')
        assert page.is_disabled('[data-action="next"]')
        # every leaf and node of the file is stepped: forward for nodes, backward for all
        assert {s for p, s in seen if p in ("forward", "loss")} == set(ex.nodes)
        assert {s for p, s in seen if p == "backward"} == \
            (set(ex.names) - {ex.loss} if ex.loss is not None else set())
        if ex.lr is not None and ex.loss is not None:
            assert {s for p, s in seen if p == "update"} == set(ex.params)
        for k in range(n - 1, 0, -1):
            page.click('[data-action="prev"]')
        assert page.evaluate(STATE_JS)["step"] == 0
        assert page.is_disabled('[data-action="prev"]')
        # the file's own numbers, judged on open, as `chainrule check` judges them
        verdicts = page.evaluate(VERDICTS_JS)
        for v in checker.check(ex):
            key = (f"epochs.{v.epoch}.{v.name}" if v.kind == "epoch"
                   else f"{dict(value='values', grad='grads', delta='deltas', updated='updated', local='local', step='steps', arithmetic='arithmetic')[v.kind]}.{v.name}")
            assert v.verdict in verdicts[key], key
        shot(page, f"{name}-open")


def test_seed001_by_hand(chromium_page, tmp_path):
    """Seed 001's steps show the floats worked out here; typed numbers get their verdicts."""
    f = seed001_floats()
    path, html = write_page(tmp_path, "seed001", "seed001")
    data = page_json(html)
    index = {(s["phase"], s["name"]): k for k, s in enumerate(data["steps"])}
    with chromium_page(path) as visit:
        page = visit.page
        for (phase, name), key in [(("forward", "a_h1"), "a_h1"), (("forward", "z_out"), "z_out"),
                                   (("loss", "loss"), "loss"), (("backward", "z_out"), "grad z_out"),
                                   (("backward", "w5"), "grad w5"), (("backward", "b1"), "grad b1"),
                                   (("backward", "w1"), "grad w1"), (("update", "w5"), "updated w5")]:
            page.click('[data-action="reset"]')
            for _ in range(index[phase, name]):
                page.keyboard.press("ArrowRight")
            state = page.evaluate(STATE_JS)
            assert (state["phase"], state["name"]) == (phase, name)
            assert number(state["shown"]) == pytest.approx(f[key], rel=5e-6)
            if name == "b1":  # the shared bias: gradient above × local derivative, two paths
                text = page.inner_text("#step")
                assert "∂loss/∂z_h1 · ∂z_h1/∂b1 + ∂loss/∂z_h2 · ∂z_h2/∂b1" in text
                shot(page, "seed001-backward-b1")
        page.keyboard.press("Home")
        assert page.evaluate(STATE_JS)["step"] == 0

        def typed(key: str, text: str) -> str:
            page.fill(f'[data-hand="{key}"]', text)
            return page.inner_text(f'[data-verdict="{key}"]')

        # the arithmetic hint: the document's w2 = 0.00135 from its own 0.0134 × 0.10
        w2 = page.inner_text('[data-verdict="grads.w2"]')
        assert "close" in w2 and "0.0134 × 0.1 = 0.00134" in w2 and "arithmetic slip" in w2
        assert "arithmetic" not in page.inner_text('[data-verdict="grads.w1"]')  # exact
        typed("grads.z_h1", "0.0135")  # now w2 follows from the hand z_h1: the slip is above
        assert "further up" in page.inner_text('[data-verdict="grads.w2"]')
        typed("grads.z_h1", "0.0134")

        a_h1 = f"{f['a_h1']:.4f}"  # 0.5933
        assert "exact" in typed("values.a_h1", a_h1)
        assert "close" in typed("values.a_h1", "0.5934")
        wrong = typed("values.a_h1", "0.61")
        assert "wrong" in wrong and "sign" not in wrong
        flipped = typed("values.a_h1", "-" + a_h1)
        assert "wrong" in flipped and "sign is flipped" in flipped
        assert "not a number" in typed("values.a_h1", "abc")
        assert "exact" in typed("grads.w5", f"{f['grad w5']:.4f}")
        assert "exact" in typed("grads.w2", "0.00134")  # the document's slip, put right
        assert page.get_attribute('[data-verdict="grads.w2"]', "data-result") == "exact"
        shot(page, "seed001-typed")

        # click w5 in the drawing: its derivation, as math, with its numbers
        loaded = viz.load("seed001")
        drawing = viz.draw(loaded.root)
        w5 = drawing.node_id(loaded.nodes["w5"])
        page.click(f'[data-view-panel="operations"] [data-node="{w5}"]')
        box = page.locator("#derivation")
        assert box.get_attribute("data-derivation") == "w5"
        text = box.inner_text()
        assert "The engine's backward pass gives" in text and "1 path" in text
        assert page.locator("#derivation math").count() > 3
        assert f"{f['grad w5']:.4f}" in text  # 0.0822

        # copy buttons: the derivation's LaTeX and Markdown, the drawing's SVG
        page.click('[data-copy="latex"]')
        latex = page.input_value("#copy-out")
        assert "\\partial" in latex and "w_{5}" in latex
        page.click('[data-copy="markdown"]')
        md = page.input_value("#copy-out")
        assert "$" in md and "w_{5}" in md
        page.click('[data-copy="svg"]')
        svg = page.input_value("#copy-out")
        assert "data-node" not in svg and "current" not in svg  # the drawing, not the page's state
        root = ET.fromstring(svg)  # a well-formed SVG document
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert any((t.text or "") == "w5" for t in root.iter("{http://www.w3.org/2000/svg}text"))
        assert page.inner_text("#copy-status")

        # keyboard only: Tab to a node of the drawing, Enter shows its derivation
        b1 = drawing.node_id(loaded.nodes["b1"])
        page.focus(f'[data-view-panel="operations"] [data-node="{b1}"]')
        page.keyboard.press("Enter")
        assert box.get_attribute("data-derivation") == "b1"
        assert "2 paths" in box.inner_text()
        shot(page, "seed001-derivation-b1")
    assert all(u.startswith(("file:", "data:", "about:")) for u in visit.requests)


def test_play_runs_and_pauses(chromium_page, tmp_path):
    path, _ = write_page(tmp_path, "seed002", "seed002")
    with chromium_page(path) as visit:
        page = visit.page
        page.keyboard.press("p")
        page.wait_for_function("document.querySelector('[data-step]').getAttribute('data-step') >= '2'",
                               timeout=10000)
        page.click('[data-action="play"]')
        assert page.get_attribute('[data-action="play"]', "aria-pressed") == "false"
        k = page.get_attribute("[data-step]", "data-step")
        page.wait_for_timeout(1500)
        assert page.get_attribute("[data-step]", "data-step") == k


def test_neuron_view_of_an_nn_network(chromium_page, tmp_path):
    from nn import shared_bias_2_2_1, squared_error

    doc = shared_bias_2_2_1()
    loss = squared_error(doc.model(doc.inputs), doc.target)
    html = viz.page(loss, lr=0.5, params=doc.model.parameters()).html
    path = tmp_path / "nn.html"
    path.write_text(html, encoding="utf-8")
    data = page_json(html)
    k = next(i for i, s in enumerate(data["steps"]) if s["name"] == "layer1.neuron2.a")
    with chromium_page(path) as visit:
        page = visit.page
        page.click('[data-view="neurons"]')
        assert page.is_hidden('[data-view-panel="operations"]')
        assert page.is_visible('[data-view-panel="neurons"]')
        for _ in range(k):
            page.click('[data-action="next"]')
        cur = page.evaluate("""() => Array.from(document.querySelectorAll(
            '[data-view-panel="neurons"] g.current')).map(g => g.textContent)""")
        assert len(cur) == 1 and "neuron2" in cur[0]
        shown = page.inner_text("#step .result .value")
        z = 0.05 * 0.25 + 0.10 * 0.30 + 0.35
        assert number(shown) == pytest.approx(1 / (1 + math.exp(-z)), rel=5e-6)
        page.fill('[data-hand="values.layer1.neuron2.a"]', f"{1 / (1 + math.exp(-z)):.4f}")
        assert "exact" in page.inner_text('[data-verdict="values.layer1.neuron2.a"]')
        shot(page, "nn-neuron-view")

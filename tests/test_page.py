"""The interactive page without a browser (issue 14): the shared verdict cases through
Python's judge, the page's data (steps, checks, derivations) against numbers worked out
here in floats, the HTML's hooks, and the command.

The same cases run through the page's script in tests/test_page_browser.py.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

import viz
from support import external_urls
from viz.cli import main
from viz.handcheck.verdicts import judge
from viz.page.data import exact
from viz.worked import HandNumber, bundled_examples

CASES = json.loads((Path(__file__).parent / "verdict_cases.json").read_text(encoding="utf-8"))
EXAMPLES = [p.stem for p in bundled_examples()]
KINDS = ("values", "grads", "deltas", "updated", "local", "steps", "arithmetic")


def hand(text: str) -> HandNumber:
    """A typed number as the page reads it: trimmed, U+2212 as '-', its value by Decimal."""
    t = text.strip().replace("\u2212", "-")
    try:
        value = float(Decimal(t.replace("_", "")))
    except ArithmeticError:
        value = float(int(t, 0))  # 0x10
    return HandNumber(value, t)


def page_json(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="chainrule-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def seed001_floats() -> dict[str, float]:
    """Seed 001 by hand, in floats: forward, backward, one update with lr 0.5."""
    x1, x2, y = 0.05, 0.10, 0.01
    w1, w2, w3, w4, w5, w6, b1, b2 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.35, 0.60
    z_h1 = x1 * w1 + x2 * w2 + b1
    z_h2 = x1 * w3 + x2 * w4 + b1
    a_h1, a_h2 = sigmoid(z_h1), sigmoid(z_h2)
    z_out = a_h1 * w5 + a_h2 * w6 + b2
    a_out = sigmoid(z_out)
    g_out = (a_out - y) * a_out * (1 - a_out)  # dL/dz_out
    g_h1 = g_out * w5 * a_h1 * (1 - a_h1)
    g_h2 = g_out * w6 * a_h2 * (1 - a_h2)
    return {"z_h1": z_h1, "a_h1": a_h1, "a_h2": a_h2, "z_out": z_out, "a_out": a_out,
            "loss": 0.5 * (y - a_out) ** 2, "grad z_out": g_out, "grad w5": g_out * a_h1,
            "grad w1": g_h1 * x1, "grad b1": g_h1 + g_h2, "grad x1": g_h1 * w1 + g_h2 * w3,
            "updated w5": w5 - 0.5 * g_out * a_h1}


# --- the shared verdict cases, through Python's judge ---------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_verdict_cases_python(case):
    assert judge(hand(case["hand"]), float(case["engine"]), case["rtol"]) == case["verdict"]


def test_verdict_cases_cover_the_edges():
    notes = " ".join(c["note"] for c in CASES)
    for word in ("tie", "negative zero", "huge", "subnormal", "engine 0", "infinite", "NaN",
                 "340 decimals", "100 characters"):
        assert word in notes
    assert {c["verdict"] for c in CASES} == {"exact", "close", "wrong"}


def test_exact_is_the_binary_value():
    assert exact(0.1) == "0.1000000000000000055511151231257827021181583404541015625"
    assert exact(-0.0) == "-0" and exact(math.inf) == "inf" and exact(math.nan) == "nan"
    assert Decimal(exact(5e-324)) == Decimal(5e-324)


# --- the page's data ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed001():
    p = viz.page("seed001")
    return p, page_json(p.html)


def test_seed001_steps_against_floats(seed001):
    _, data = seed001
    f = seed001_floats()
    steps = data["steps"]
    phases = [s["phase"] for s in steps]
    # forward over the file's 8 nodes (loss last), backward over 7 nodes + 11 leaves, 8 updates
    assert phases == ["forward"] * 7 + ["loss"] + ["backward"] * 18 + ["update"] * 8
    by = {(s["phase"], s["name"]): s for s in steps}
    for name in ("z_h1", "a_h1", "a_h2", "z_out", "a_out"):
        assert float(by["forward", name]["result"]) == pytest.approx(f[name], rel=1e-5)
    assert by["forward", "z_h1"]["formula"] == "z_h1 = x1*w1 + x2*w2 + b1"
    assert {o["name"] for o in by["forward", "z_h1"]["operands"]} == {"x1", "w1", "x2", "w2", "b1"}
    assert float(by["loss", "loss"]["result"]) == pytest.approx(f["loss"], rel=1e-5)
    for name in ("z_out", "w5", "w1", "b1", "x1"):
        assert float(by["backward", name]["result"]) == pytest.approx(f["grad " + name], rel=1e-5)
    # b1: two terms, ∂L/∂z_h1·1 + ∂L/∂z_h2·1 (the shared bias)
    b1 = by["backward", "b1"]
    assert [t["name"] for t in b1["terms"]] == ["z_h1", "z_h2"]
    assert [float(t["local"]) for t in b1["terms"]] == [1.0, 1.0]
    w5 = by["backward", "w5"]["terms"]
    assert len(w5) == 1 and float(w5[0]["local"]) == pytest.approx(f["a_h1"], rel=1e-5)
    assert float(by["update", "w5"]["result"]) == pytest.approx(f["updated w5"], rel=1e-5)


def test_seed001_ids_are_the_drawings():
    loaded = viz.load("seed001")
    data = page_json(viz.page(loaded).html)
    g = viz.draw(loaded.root)
    for n in data["nodes"]:
        v = loaded.nodes[n["name"]]
        want = [g.node_id(v)] + ([g.op_id(v)] if v.parents else [])
        assert n["ids"]["operations"] == want
        assert float(n["data"]) == v.data


@pytest.mark.parametrize("name", EXAMPLES)
def test_checks_are_the_files_numbers(name):
    """One input per expected number, keyed KIND.NAME, with the file's own text."""
    path = next(p for p in bundled_examples() if p.stem == name)
    expect = tomllib.loads(path.read_text(encoding="utf-8")).get("expect", {})
    want = {f"{k}.{n}" for k in KINDS for n in expect.get(k, {})}
    want |= {f"epochs.{e['epoch']}.{n}" for e in expect.get("epochs", []) for n in e if n != "epoch"}
    html = viz.page(name).html
    data = page_json(html)
    assert {c["key"] for c in data["checks"]} == want
    assert len(data["checks"]) == len(want)
    for key in want:
        assert f'data-hand="{key}"' in html and f'data-verdict="{key}"' in html
    for c in data["checks"]:
        assert Decimal(c["exact"]) == Decimal(float(c["engine"]))


@pytest.mark.parametrize("name", EXAMPLES)
def test_page_is_self_contained_and_deterministic(name):
    a, b = viz.page(name).html, viz.page(name).html
    assert a == b
    assert external_urls(a) == []
    assert "http://" not in a and "https://" not in a
    for action in ("next", "prev", "reset", "play"):
        assert f'data-action="{action}"' in a
    for kind in ("latex", "markdown", "svg"):
        assert f'data-copy="{kind}"' in a
    assert 'data-step="0"' in a and "<math" in a and "<svg" in a
    assert "<script src" not in a and "<link" not in a


def test_derivations_are_mathml_latex_markdown(seed001):
    _, data = seed001
    k = next(i for i, n in enumerate(data["nodes"]) if n["name"] == "b1")
    d = data["derivations"][str(k)]
    assert d["title"] == "∂loss/∂b1"
    assert "<math" in d["html"] and "2 paths" in d["html"]
    assert "\\partial" in d["latex"] and "$" in d["markdown"]
    grad_b1 = seed001_floats()["grad b1"]
    assert f"{grad_b1:.4f}" in d["markdown"]  # 0.0284, the sum of the two paths


def test_page_of_a_python_graph():
    from nn import shared_bias_2_2_1, squared_error

    doc = shared_bias_2_2_1()
    loss = squared_error(doc.model(doc.inputs), doc.target)
    p = viz.page(loss, lr=0.5, params=doc.model.parameters())
    data = page_json(p.html)
    named = [n["name"] for n in data["nodes"]]
    keys = {c["key"] for c in data["checks"]}
    assert keys == {f"{k}.{n}" for n in named for k in ("values", "grads")}
    assert all(c["hand"] == "" for c in data["checks"])
    assert 'data-view="neurons" aria-pressed="false">' in p.html  # both views drawn
    assert loss.grad == 0.0  # the page left .grad alone
    f = seed001_floats()
    grads = {c["key"]: float(c["engine"]) for c in data["checks"]}
    assert grads["grads.layer2.neuron1.w1"] == pytest.approx(f["grad w5"], rel=1e-12)
    assert [s["phase"] for s in data["steps"]].count("update") == 8


def test_repr_html_is_an_iframe(seed001):
    p, _ = seed001
    r = p._repr_html_()
    assert r.startswith("<iframe") and "srcdoc=" in r and "<script" not in r


def test_page_rejects_other_things():
    with pytest.raises(TypeError):
        viz.page(3.0)


# --- the command ----------------------------------------------------------------------------


def test_cli_writes_the_page(tmp_path, capsys):
    out = tmp_path / "page.html"
    assert main(["page", "seed001", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert page_json(out.read_text(encoding="utf-8"))["title"].startswith("2-2-1")


@pytest.mark.parametrize("argv, words", [
    (["page", "seed001", "-o", ""], "the file name is empty"),
    (["page", "nosuch"], "nosuch"),
    (["page", "seed000", "--max-nodes", "10", "-o", "x.html"], "--max-nodes"),
    (["page", "seed001", "-o", "missing/dir/p.html"], "does not exist"),
])
def test_cli_bad_input_is_one_line(argv, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x.html").exists()

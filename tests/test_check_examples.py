"""check() on a small file with float-computed truths, on the bundled examples, and its output."""

import json
import math

import pytest

from viz.handcheck.verdicts import check, summary
from viz.report import Report
from viz.views.check import check_blocks, verdict_records


def render_table(verdicts, color=False, width=80, ascii=False):
    """The verdict table and its summary line, as the command prints them."""
    r = Report("check", "", header="none").add(*check_blocks(verdicts, width))
    return r.to_text(color=color, ascii=ascii, width=width).rstrip("\n")


def to_json(verdicts):
    """The verdicts as the JSON report's ``data.verdicts``."""
    return json.dumps(verdict_records(verdicts))
from viz.worked import bundled_examples, load, loads


def sigmoid(t):
    return 1.0 / (1.0 + math.exp(-t))


# the truths, with floats: z = w*x + b, a = sigmoid(z), loss = 0.5*(a - y)^2
X, Y, W, B, LR = 0.8, 0.2, 0.6, -0.1, 0.25
Z = W * X + B
A = sigmoid(Z)
LOSS = 0.5 * (A - Y) ** 2
D_Z = (A - Y) * A * (1 - A)
D_W = D_Z * X
W_NEW = W - LR * D_W
A_1 = sigmoid((W - LR * D_W) * X + (B - LR * D_Z))  # the forward pass that starts epoch 1


def fixture_text():
    return f"""\
title = "fixture"
[inputs]
x = {X}
y = {Y}
[params]
w = {W}
b = {B}
[nodes]
z = "w*x + b"
a = "sigmoid(z)"
loss = "0.5*(a - y)**2"
[train]
lr = {LR}
steps = 3
[expect.values]
z = {Z:.4f}
a = {A * 1.004:.6f}
loss = {LOSS * 1.3:.5f}
[expect.grads]
w = {D_W:.5f}
[expect.deltas]
z = {-D_Z:.4f}
[expect.updated]
w = {W_NEW:.6f}
[[expect.epochs]]
epoch = 1
a = {A_1:.6f}
"""


def test_check_on_float_truths():
    verdicts = check(loads(fixture_text(), "fixture.toml"))
    got = [(v.quantity, v.verdict) for v in verdicts]
    assert got == [
        ("value z", "exact"),
        ("value a", "close"),  # 0.4% high
        ("value loss", "wrong"),  # 30% high
        ("grad w", "exact"),
        ("delta z", "exact"),
        ("updated w", "exact"),
        ("epoch 1 a", "exact"),
    ]
    engine = {v.quantity: v.engine for v in verdicts}
    assert engine["value z"] == pytest.approx(Z, rel=1e-14)
    assert engine["value a"] == pytest.approx(A, rel=1e-14)
    assert engine["grad w"] == pytest.approx(D_W, rel=1e-12)
    assert engine["delta z"] == pytest.approx(-D_Z, rel=1e-12)
    assert engine["updated w"] == pytest.approx(W_NEW, rel=1e-14)
    assert engine["epoch 1 a"] == pytest.approx(A_1, rel=1e-12)
    for v in verdicts:
        assert v.difference == pytest.approx(v.engine - v.hand.value, abs=1e-15)
    assert summary(verdicts) == {"total": 7, "exact": 5, "close": 1, "wrong": 1}


def test_rtol_from_the_file():
    text = fixture_text() + "[check]\nrtol = 0.001\n"
    verdicts = {v.quantity: v.verdict for v in check(loads(text, "f.toml"))}
    assert verdicts["value a"] == "wrong"  # 0.4% is more than 0.1%


# --- output ------------------------------------------------------------------------------------


def test_table_marks_wrong_rows_and_summarises():
    verdicts = check(loads(fixture_text(), "fixture.toml"))
    table = render_table(verdicts)
    lines = table.splitlines()
    assert lines[0].split() == ["quantity", "hand", "engine", "engine-hand", "rel", "verdict"]
    wrong = [line for line in lines[:-1] if "value loss" in line]
    assert len(wrong) == 1 and wrong[0].startswith("\u2717 ") and wrong[0].endswith("WRONG")
    assert lines[-1] == "7 numbers: 5 exact, 1 close, 1 wrong (WRONG: value loss)"
    assert "\033[" not in table
    assert all(len(line) <= 80 for line in lines)


def test_table_colour_and_ascii():
    verdicts = check(loads(fixture_text(), "fixture.toml"))
    coloured = render_table(verdicts, color=True)
    assert "\033[1;31m" in coloured and "\033[32mexact\033[0m" in coloured
    plain = render_table(verdicts, ascii=True)
    assert plain.isascii() and "X value loss" in plain


def test_table_shortens_long_names_to_fit():
    name = "layer1_neuron2_activation_with_a_very_long_name_indeed"
    text = f'[inputs]\nx = 2\n[nodes]\n{name} = "x*x"\n[expect.values]\n{name} = 4.001\n'
    table = render_table(check(loads(text, "f.toml")), width=70)
    assert all(len(line) <= 70 for line in table.splitlines())
    assert "value \u2026" in table and "long_name_indeed" in table  # the end of a name tells most


def test_json_one_record_per_number():
    verdicts = check(loads(fixture_text(), "fixture.toml"))
    records = json.loads(to_json(verdicts))
    assert len(records) == 7
    first = records[0]
    assert first["quantity"] == "value z" and first["hand"] == f"{Z:.4f}" and first["verdict"] == "exact"
    assert first["engine"] == pytest.approx(Z) and first["difference"] == pytest.approx(Z - float(f"{Z:.4f}"))
    assert records[-1]["epoch"] == 1 and records[0]["epoch"] is None
    assert {r["verdict"] for r in records} == {"exact", "close", "wrong"}


def test_json_keeps_the_hand_literal_and_has_no_nan():
    text = '[inputs]\nx = 2\n[nodes]\nd = "x*x"\n[expect.values]\nd = 4.000\n'
    (record,) = json.loads(to_json(check(loads(text, "f.toml"))))
    assert record["hand"] == "4.000" and record["hand_value"] == 4.0


# --- the bundled examples ------------------------------------------------------------------------


def bundled(prefix):
    paths = [p for p in bundled_examples() if p.name.startswith(prefix)]
    if not paths:
        pytest.skip(f"no bundled example {prefix}*")
    return paths[0]


def verdicts_of(prefix):
    return {v.quantity: v for v in check(load(bundled(prefix)))}


def test_every_bundled_example_loads_checks_and_fits_80_columns():
    paths = bundled_examples()
    if not paths:
        pytest.skip("no bundled examples yet")
    for path in paths:
        verdicts = check(load(path))
        assert verdicts, path
        assert all(len(line) <= 80 for line in render_table(verdicts).splitlines()), path
        assert len(json.loads(to_json(verdicts))) == len(verdicts)


def test_seed001_verdicts():
    v = verdicts_of("seed001")
    # independent truths for a few, from the network written out with floats
    x1, x2, y = 0.05, 0.10, 0.01
    w1, w2, w3, w4, w5, w6, b1, b2 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.35, 0.60
    h1, h2 = sigmoid(x1 * w1 + x2 * w2 + b1), sigmoid(x1 * w3 + x2 * w4 + b1)
    o = sigmoid(h1 * w5 + h2 * w6 + b2)
    d_out = (o - y) * o * (1 - o)
    d_h1, d_h2 = d_out * w5 * h1 * (1 - h1), d_out * w6 * h2 * (1 - h2)
    assert v["value a_h1"].engine == pytest.approx(h1, rel=1e-14)
    assert v["grad w5"].engine == pytest.approx(d_out * h1, rel=1e-12)
    assert v["grad w2"].engine == pytest.approx(d_h1 * x2, rel=1e-12)
    assert v["grad b1"].engine == pytest.approx(d_h1 + d_h2, rel=1e-12)
    assert v["updated w5"].engine == pytest.approx(w5 - 0.5 * d_out * h1, rel=1e-14)
    # the document's graph quantities are right; its rounded intermediates make a few
    # "close", and only its own arithmetic lines are wrong
    assert all(x.verdict != "wrong" for x in v.values() if x.kind != "arithmetic")
    assert all(x.verdict == "exact" for q, x in v.items() if q.startswith("value "))
    assert v["grad w2"].verdict == "close"  # 0.0134*0.10 printed 0.00135; true 0.0013368
    assert v["grad w5"].verdict == "exact"  # 0.0822
    assert v["grad b1"].verdict == "exact"  # 0.0284, the sum of two paths
    assert v["updated w5"].verdict == "close"  # 0.35890 = 0.40 - 0.5*0.0822 (rounded grad); true 0.358917
    counts = {k: sum(x.verdict == k for x in v.values()) for k in ("exact", "close")}
    assert counts["exact"] > 3 * counts["close"]


def test_seed000_confirms_and_flags():
    v = verdicts_of("seed000")
    assert v["value a4"].verdict == "exact"  # 0.332
    assert v["delta z6"].verdict == "exact"  # 0.131
    assert v["updated b6"].verdict == "exact"  # theta6: 0.218
    # garbled: a5 printed 0.325 (sigmoid(0.1) = 0.525); net input of unit 6 printed -0.206 (-0.105)
    assert v["value a5"].verdict == "wrong" and v["value a5"].engine == pytest.approx(sigmoid(0.1), rel=1e-14)
    a4, a5 = sigmoid(-0.7), sigmoid(0.1)
    assert v["value z6"].verdict == "wrong" and v["value z6"].engine == pytest.approx(-0.3 * a4 - 0.2 * a5 + 0.1)


def test_seed002_log_is_reproduced_digit_for_digit():
    v = verdicts_of("seed002")
    epochs = [x for x in v.values() if x.kind == "epoch"]
    assert len(epochs) >= 10
    assert all(x.verdict == "exact" for x in epochs)
    assert v["epoch 200 loss"].hand.text == "0.001997"


def test_seed003_forward_pass():
    v = verdicts_of("seed003_2-3-1")
    assert v["value z6"].verdict == "close"  # 30.313 from rounded activations; true 30.3138
    assert all(x.verdict == "exact" for q, x in v.items() if q != "value z6")


def test_no_relative_difference_when_the_engine_value_is_zero_or_noise():
    # 0.1 + 0.2 - 0.3 is 5.55e-17 in floats: zero up to rounding, so |engine - hand|/|engine|
    # would be 100% for a hand 0 and 1.8e14 times for a hand 0.01: no ratio is shown
    noise = 0.1 + 0.2 - 0.3
    assert 0 < noise < 1e-16
    text = ('[inputs]\na = 0.1\nb = 0.2\nc = 0.3\n[nodes]\nz = "a + b - c"\nw = "a + b - c"\n'
            'e = "a - a"\nv = "a + a"\n[expect.values]\nz = 0\nw = 0.01\ne = 0.5\nv = 0.201\n')
    v = {x.quantity: x for x in check(loads(text, "f.toml"))}
    assert v["value z"].engine == noise and v["value w"].engine == noise
    assert v["value e"].engine == 0.0
    assert v["value z"].relative is None and v["value w"].relative is None
    assert v["value e"].relative is None
    assert v["value v"].relative == pytest.approx(0.001 / 0.2)  # a real ratio is still given
    table = render_table(list(v.values()))
    rel = {}
    for line in table.splitlines()[1:-1]:
        cells = line.replace("\u2717", " ").split()
        rel[cells[1]] = cells[-2]
    assert rel == {"z": "\u2014", "w": "\u2014", "e": "\u2014", "v": "0.5%"}
    plain = render_table(list(v.values()), ascii=True)
    assert plain.isascii() and "%" in plain and "x " not in plain  # no "180143985094819x"

"""Chain-rule derivations against float computations written out in the tests."""

import math
import re

import pytest

from autograd import Value, linear
from viz import worked
from viz.handcheck.derive import derive, first_disagreement, fmt, hand_points
from viz.views.explain import explain_report


def render(d, digits=4, points=(), engine_grad=None):
    """The derivation as the command prints it (the text writer of its report)."""
    return explain_report(d, None, digits, points, engine_grad).to_text()

SEED001 = worked.EXAMPLES_DIR / "seed001_2-2-1_shared_bias.toml"
SEED000 = worked.EXAMPLES_DIR / "seed000_3-2-1_textbook.toml"


def close(a, b, tol=1e-12):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def flat(text):
    """The text with every run of spaces and line breaks made one space."""
    return " ".join(text.split())


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


# --- seed 001 by hand, in plain floats --------------------------------------------

X1, X2, Y = 0.05, 0.10, 0.01
W = dict(w1=0.15, w2=0.20, w3=0.25, w4=0.30, w5=0.40, w6=0.45, b1=0.35, b2=0.60)
Z_H1 = X1 * W["w1"] + X2 * W["w2"] + W["b1"]
Z_H2 = X1 * W["w3"] + X2 * W["w4"] + W["b1"]
A_H1, A_H2 = sig(Z_H1), sig(Z_H2)
Z_OUT = A_H1 * W["w5"] + A_H2 * W["w6"] + W["b2"]
Y_HAT = sig(Z_OUT)

# the factor between consecutive stations, as the document writes each one
F = {
    ("loss", "y_hat"): Y_HAT - Y,  # ∂L/∂ŷ = ŷ − y
    # the file's alias y_hat = a_out adds no factor: ∂ŷ/∂z_out = ŷ(1 − ŷ) is one
    ("y_hat", "z_out"): Y_HAT * (1 - Y_HAT),  # σ'
    ("z_out", "w5"): A_H1,
    ("z_out", "w6"): A_H2,
    ("z_out", "b2"): 1.0,
    ("z_out", "a_h1"): W["w5"],
    ("z_out", "a_h2"): W["w6"],
    ("a_h1", "z_h1"): A_H1 * (1 - A_H1),
    ("a_h2", "z_h2"): A_H2 * (1 - A_H2),
    ("z_h1", "w1"): X1,
    ("z_h1", "w2"): X2,
    ("z_h2", "w3"): X1,
    ("z_h2", "w4"): X2,
    ("z_h1", "b1"): 1.0,
    ("z_h2", "b1"): 1.0,
}
TOP = ["loss", "y_hat", "z_out"]
VIA_H1 = TOP + ["a_h1", "z_h1"]
VIA_H2 = TOP + ["a_h2", "z_h2"]
PATHS = {
    "w5": [TOP + ["w5"]],
    "w6": [TOP + ["w6"]],
    "b2": [TOP + ["b2"]],
    "w1": [VIA_H1 + ["w1"]],
    "w2": [VIA_H1 + ["w2"]],
    "w3": [VIA_H2 + ["w3"]],
    "w4": [VIA_H2 + ["w4"]],
    "b1": [VIA_H1 + ["b1"], VIA_H2 + ["b1"]],
}


def path_product(stations):
    p = 1.0
    for upper, lower in zip(stations, stations[1:]):
        p *= F[(upper, lower)]
    return p


@pytest.fixture(scope="module")
def seed001():
    ex = worked.load(SEED001)
    values = worked.build(ex)
    worked.backward(ex, values)
    return ex, values


@pytest.mark.parametrize("param", sorted(PATHS))
def test_seed001_paths_factors_products_and_sum(seed001, param):
    ex, values = seed001
    d = derive(values["loss"], values[param])
    expected = PATHS[param]
    assert d.n_paths == len(expected)
    assert [[s.name for s in p.stations] for p in d.paths] == expected
    total = 0.0
    for path, names in zip(d.paths, expected):
        for f, (upper, lower) in zip(path.factors, zip(names, names[1:])):
            assert (f.upper.name, f.lower.name) == (upper, lower)
            assert close(f.value, F[(upper, lower)])
        assert close(path.product, path_product(names))
        total += path_product(names)
    assert close(d.gradient, total)
    assert close(d.gradient, values[param].grad)  # the engine's backward pass agrees


def test_seed001_numbers_as_the_document_prints_them(seed001):
    ex, values = seed001
    g = {p: derive(values["loss"], values[p]).gradient for p in PATHS}
    # the document's printed gradients, rounded as it rounds them
    assert round(g["w5"], 4) == 0.0822 and round(g["w6"], 4) == 0.0827
    assert round(g["w1"], 5) == 0.00067 and round(g["w3"], 5) == 0.00075
    assert round(g["w4"], 5) == 0.00150 and round(g["b2"], 4) == 0.1385
    assert round(g["w2"], 5) == 0.00134  # the document's 0.00135 is a slip
    b1 = derive(values["loss"], values["b1"])
    h1, h2 = (p.product for p in b1.paths)
    assert round(h1, 4) == 0.0134 and round(h2, 4) == 0.0150 and round(g["b1"], 4) == 0.0284


def test_seed001_b1_text_shows_both_paths_and_their_sum(seed001):
    ex, values = seed001
    d = derive(values["loss"], values["b1"])
    text = render(d)
    assert "2 paths" in text
    assert "Path 1: loss → y_hat → z_out → a_h1 → z_h1 → b1" in text
    assert "Path 2: loss → y_hat → z_out → a_h2 → z_h2 → b1" in text
    assert "∂loss/∂b1 = 0.01337 + 0.01500 ≈ 0.02836" in text  # 4 significant digits
    assert "∂loss/∂b1 = 0.0134 + 0.0150 ≈ 0.0284" in render(d, digits=3)  # the document's
    assert all(len(line) <= 80 for line in text.splitlines())


def test_seed001_symbolic_factors_read_like_the_document(seed001):
    ex, values = seed001
    w1 = render(derive(values["loss"], values["w1"]))
    assert "∂loss/∂y_hat  = y_hat − y_true = 0.7514 − 0.01 ≈ 0.7414" in w1
    assert "∂y_hat/∂z_out = y_hat·(1 − y_hat) = 0.7514·(1 − 0.7514) ≈ 0.1868" in w1
    assert "∂z_out/∂a_h1  = w5 = 0.4" in w1
    assert "∂a_h1/∂z_h1   = a_h1·(1 − a_h1) = 0.5933·(1 − 0.5933) ≈ 0.2413" in w1
    assert "∂z_h1/∂w1     = x1 = 0.05" in w1
    w5 = render(derive(values["loss"], values["w5"]))
    assert "∂z_out/∂w5    = a_h1 ≈ 0.5933" in w5
    assert "∂loss/∂w5 = 0.7414 · 0.1868 · 0.5933 ≈ 0.08217" in w5


def test_fused_linear_nodes_and_unnamed_steps_collapse_the_same_way():
    # seed 001 again, built directly: one fused 'linear' node per net input,
    # and an unnamed (ŷ − y) inside the loss
    v = {k: Value(x, name=k) for k, x in W.items()}
    x1, x2, y = Value(X1, name="x1"), Value(X2, name="x2"), Value(Y, name="y")
    z1 = linear([v["w1"], v["w2"]], [x1, x2], v["b1"])
    z2 = linear([v["w3"], v["w4"]], [x1, x2], v["b1"])
    z1.name, z2.name = "z_h1", "z_h2"
    a1, a2 = z1.sigmoid(), z2.sigmoid()
    a1.name, a2.name = "a_h1", "a_h2"
    zo = linear([v["w5"], v["w6"]], [a1, a2], v["b2"])
    zo.name = "z_out"
    yh = zo.sigmoid()
    yh.name = "y_hat"
    loss = 0.5 * (yh - y) ** 2
    loss.name = "L"
    d = derive(loss, v["b1"])
    assert [[s.name for s in p.stations] for p in d.paths] == [
        ["L", "y_hat", "z_out", "a_h1", "z_h1", "b1"],
        ["L", "y_hat", "z_out", "a_h2", "z_h2", "b1"],
    ]
    dl = Y_HAT - Y
    dz = dl * Y_HAT * (1 - Y_HAT)
    expect = dz * W["w5"] * A_H1 * (1 - A_H1) + dz * W["w6"] * A_H2 * (1 - A_H2)
    assert close(d.gradient, expect)
    text = flat(render(derive(loss, v["w5"])))
    assert "∂z_out/∂w5 = a_h1 ≈ 0.5933" in text
    assert "∂L/∂y_hat = y_hat − y = 0.7514 − 0.01 ≈ 0.7414" in text


# --- the path limit ------------------------------------------------------------------


def diamonds(k):
    """u0 = x; each diamond u → (a = 2u, b = 3u) → u' = a + b doubles the paths."""
    x = Value(0.5, name="x")
    u = x
    for i in range(k):
        a = u * 2.0
        b = u * 3.0
        a.name, b.name = f"a{i}", f"b{i}"
        u = a + b
        u.name = f"u{i + 1}"
    loss = u * u
    loss.name = "loss"
    return x, loss


def test_past_the_path_limit_the_deltas_are_shown_instead():
    x, loss = diamonds(5)  # 2**5 = 32 paths
    d = derive(loss, x, max_paths=16)
    assert d.n_paths == 32 and d.paths is None
    # loss = (5**5 x)**2: dloss/dx = 2·5**10·x
    assert close(d.gradient, 2 * 5**10 * 0.5)
    u5 = 5**5 * 0.5
    by_name = {s.name: g for s, g in d.deltas.items()}
    assert close(by_name["u5"], 2 * u5)
    assert close(by_name["u4"], 2 * u5 * 5)
    assert close(by_name["a4"], 2 * u5) and close(by_name["b4"], 2 * u5)
    text = render(d)
    assert "32 paths lead from loss down to x, more than the limit of 16" in text
    assert "backpropagated δ" in text
    assert "∂loss/∂u4 = ∂loss/∂a4 · ∂a4/∂u4 + ∂loss/∂b4 · ∂b4/∂u4" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    assert derive(loss, x, max_paths=32).paths is not None  # at the limit: every path


def test_the_path_limit_on_seed001_b1(seed001):
    ex, values = seed001
    d = derive(values["loss"], values["b1"], max_paths=1)
    assert d.paths is None and d.n_paths == 2
    dz_out = (Y_HAT - Y) * Y_HAT * (1 - Y_HAT)
    names = {s.name: g for s, g in d.deltas.items()}
    assert close(names["z_out"], dz_out)
    assert close(names["z_h1"], dz_out * W["w5"] * A_H1 * (1 - A_H1))
    assert close(names["z_h2"], dz_out * W["w6"] * A_H2 * (1 - A_H2))
    text = render(d)
    assert "∂loss/∂b1 = ∂loss/∂z_h1 · ∂z_h1/∂b1 + ∂loss/∂z_h2 · ∂z_h2/∂b1" in text
    assert "= 0.01337 · 1 + 0.01500 · 1 ≈ 0.02836" in text


# --- hand values along the chain ----------------------------------------------------


def test_first_disagreeing_station_from_the_loss_down():
    text = SEED001.read_text(encoding="utf-8")
    # two slips: dL/dz_h1 (0.0134 → 0.0150) and, below it, dL/db1
    text = text.replace("z_h1 = 0.0134 ", "z_h1 = 0.0150 ").replace("b1 = 0.0284 ", "b1 = 0.0300 ")
    ex = worked.loads(text, "slips.toml")
    values = worked.build(ex)
    worked.backward(ex, values)
    d = derive(values["loss"], values["b1"])
    points = hand_points(d, ex.expect_grads, ex.expect_deltas, ex.rtol)
    assert [p.station.name for p in points] == ["y_hat", "z_out", "a_h1", "a_h2", "z_h1", "z_h2", "b1"]
    verdicts = {p.station.name: p.verdict for p in points}
    assert verdicts["z_h1"] == verdicts["b1"] == "wrong"
    assert verdicts["a_h1"] != "wrong" and verdicts["z_h2"] != "wrong"
    first = first_disagreement(points)
    assert first.station.name == "z_h1"
    out = flat(render(d, points=points))
    assert "The first hand value that disagrees, from the loss down, is ∂loss/∂z_h1" in out
    assert "∂loss/∂a_h1, agrees" in out
    assert "∂a_h1/∂z_h1 = a_h1·(1 − a_h1)" in out  # the step where the slip is
    assert "(∂loss/∂b1) may only carry this slip down" in out


def test_seed000_points_at_delta4_and_the_steps_above_it():
    ex = worked.load(SEED000)
    values = worked.build(ex)
    worked.backward(ex, values)
    d = derive(values["loss"], values["w14"])
    points = hand_points(d, ex.expect_grads, ex.expect_deltas, ex.rtol)
    # δ = −∂L/∂z, the document's convention: δ6 = 0.131 is right, δ4 = 0.095 is not
    a4, a5 = sig(-0.7), sig(0.1)
    a6 = sig(-0.3 * a4 - 0.2 * a5 + 0.1)
    delta6 = (1 - a6) * a6 * (1 - a6)
    delta4 = delta6 * -0.3 * a4 * (1 - a4)
    by = {(p.kind, p.station.name): p for p in points}
    assert close(by[("delta", "z6")].engine, delta6) and by[("delta", "z6")].verdict == "exact"
    assert close(by[("delta", "z4")].engine, delta4) and by[("delta", "z4")].verdict == "wrong"
    assert first_disagreement(points).station.name == "z4"
    out = flat(render(d, points=points))
    assert "is δ z4 (hand 0.095, engine −0.008725)" in out
    assert "δ z6, agrees, so the slip is in the steps between them" in out
    assert "∂z6/∂a4 = w46 = −0.3" in out


def test_no_pointer_when_every_hand_value_agrees(seed001):
    ex, values = seed001
    d = derive(values["loss"], values["w1"])
    points = hand_points(d, ex.expect_grads, ex.expect_deltas, ex.rtol)
    assert points and first_disagreement(points) is None
    assert "disagrees" not in render(d, points=points)


# --- the engine's local derivatives, in symbols --------------------------------------


@pytest.mark.parametrize(
    "make, symbol, value",
    [
        (lambda x: x.tanh(), "= 1 − t² = 1 − 0.6044² ≈ 0.6347", 1 - math.tanh(0.7) ** 2),
        (lambda x: x.exp(), "= t", math.exp(0.7)),
        (lambda x: x.log(), "1/x", 1 / 0.7),
        (lambda x: x**3, "3·x^2", 3 * 0.7**2),
        (lambda x: 2.0 / x, "= −2/x² = −2/0.7² ≈ −4.082", -2 / 0.7**2),
        (lambda x: x.relu(), "= 1", 1.0),
        (lambda x: -x, "= −1", -1.0),
    ],
)
def test_local_derivative_forms(make, symbol, value):
    x = Value(0.7, name="x")
    t = make(x)
    t.name = "t"
    loss = t * 1.0
    loss.name = "L"
    d = derive(loss, x)
    (f,) = [f for f in d.paths[0].factors if f.upper is t]
    assert close(f.value, value)
    assert symbol in render(d)


def test_a_root_that_does_not_depend_on_the_target():
    x, y = Value(1.0, name="x"), Value(2.0, name="y")
    loss = x * 3.0
    loss.name = "loss"
    d = derive(loss, y)
    assert d.n_paths == 0 and d.gradient == 0.0
    assert "loss does not depend on y" in render(d)
    assert derive(loss, loss).gradient == 1.0


def test_deep_graphs_need_no_recursion():
    # an unnamed sum 3000 terms deep, then a named chain 3000 stations long
    a = Value(0.001, name="a")
    s = a
    for _ in range(2999):
        s = s + a
    s.name = "s"
    d = derive(s, a)
    assert d.n_paths == 1 and close(d.gradient, 3000.0)
    assert "∂s/∂a = 3000" in render(d)
    u = a
    for i in range(3000):
        u = u * 1.0001
        u.name = f"u{i}"
    d = derive(u, a)
    assert len(d.paths[0].factors) == 3000 and close(d.gradient, 1.0001**3000, 1e-9)


def test_fmt_keeps_the_digits_it_means():
    assert fmt(0.014996075488896856) == "0.01500"  # rounded: trailing zeros kept
    assert fmt(0.05) == "0.05" and fmt(1.0) == "1" and fmt(-0.3) == "-0.3"
    assert fmt(-201.70000000000002) == "-201.7"  # float noise is not rounding
    assert fmt(16553.0) == "16553"
    assert fmt(0.0006683960211443732) == "0.0006684"
    assert fmt(6.684e-05) == "0.00006684"
    assert fmt(0.0134, 3) == "0.0134" and fmt(0.028363995911784318, 3) == "0.0284"


def test_render_is_deterministic(seed001):
    ex, values = seed001
    a = render(derive(values["loss"], values["b1"]))
    values2 = worked.build(ex)
    worked.backward(ex, values2)
    assert render(derive(values2["loss"], values2["b1"])) == a


def test_a_factor_sums_the_unnamed_routes_between_two_stations():
    # t = x·x + 3·x: three unnamed routes from t down to x, ∂t/∂x = 2x + 3
    x = Value(0.7, name="x")
    t = x * x + 3.0 * x
    t.name = "t"
    loss = t.sigmoid()
    loss.name = "L"
    d = derive(loss, x)
    assert d.n_paths == 1
    (f,) = [f for f in d.paths[0].factors if f.upper is t]
    assert close(f.value, 2 * 0.7 + 3)
    assert "∂t/∂x = 2·x + 3 = 2·0.7 + 3 = 4.4" in flat(render(d))
    s = sig(0.7 * 0.7 + 2.1)
    assert close(d.gradient, s * (1 - s) * 4.4)


def test_negative_numbers_use_the_minus_sign_of_the_formulas():
    # seed 000: w46 = -0.3 and ∂err/∂o6 = -1 (err = y - o6); the derivation writes
    # both with U+2212, like "1 − a6", and no number with an ASCII hyphen-minus
    ex = worked.load(SEED000)
    values = worked.build(ex)
    worked.backward(ex, values)
    d = derive(values["loss"], values["w14"])
    points = hand_points(d, ex.expect_grads, ex.expect_deltas, ex.rtol)
    out = render(d, points=points)
    a4 = sig(-0.7)
    assert "∂z6/∂a4    = w46 = \u22120.3" in out
    assert "∂err/∂o6   = \u22121" in out
    assert f"· (\u22120.3) · {a4 * (1 - a4):.4f} ·" in out  # a negative factor in a product
    assert re.search(r"-[0-9.]", out) is None, out  # no ASCII minus before a number
    assert fmt(-0.3) == "-0.3"  # the tables' numbers stay ASCII

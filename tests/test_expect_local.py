"""[expect.local]: ∂OUT/∂IN along one edge of the graph, after aliases collapse.

Every local derivative of every bundled example against the textbook formula of
that edge written here in plain floats (σ' = a(1 − a), ∂(w·x + b)/∂w = x, ...),
and the errors: a key that is no edge, a key that is no "OUT/IN"."""

import math

import pytest

from viz.cli import main
from viz.handcheck.verdicts import check
from viz.worked import WorkedExampleError, bundled_examples, load, loads
from viz.worked.local import local_derivative


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def bundled(prefix):
    (path,) = [p for p in bundled_examples() if p.name.startswith(prefix)]
    return load(path)


def locals_of(example):
    return {v.name: v for v in check(example) if v.kind == "local"}


# --- seed 001, in floats -------------------------------------------------------------------

X1, X2, Y = 0.05, 0.10, 0.01
W1, W2, W3, W4, W5, W6, B1, B2 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.35, 0.60
H1 = sig(X1 * W1 + X2 * W2 + B1)
H2 = sig(X1 * W3 + X2 * W4 + B1)
YH = sig(H1 * W5 + H2 * W6 + B2)
SEED001 = {
    "loss/y_hat": YH - Y,  # ∂(½(y − ŷ)²)/∂ŷ = ŷ − y
    "y_hat/z_out": YH * (1 - YH),  # the alias y_hat collapses into a_out = σ(z_out)
    "z_out/w5": H1, "z_out/w6": H2, "z_out/a_h1": W5, "z_out/a_h2": W6,
    "a_h1/z_h1": H1 * (1 - H1), "a_h2/z_h2": H2 * (1 - H2),
    "z_h1/w1": X1, "z_h1/w2": X2, "z_h2/w3": X1, "z_h2/w4": X2,
    "z_out/b2": 1.0, "z_h1/b1": 1.0, "z_h2/b1": 1.0,
}


def test_seed001_every_printed_local_derivative_against_floats():
    got = locals_of(bundled("seed001"))
    assert set(got) == set(SEED001)
    for key, true in SEED001.items():
        assert got[key].engine == pytest.approx(true, rel=1e-13, abs=1e-15), key
    # the document's 0.2407 for 0.5969 * 0.4031 = 0.24061: close, and its arithmetic slipped
    assert round(SEED001["a_h2/z_h2"], 4) == 0.2406
    assert got["a_h2/z_h2"].verdict == "close" and got["a_h2/z_h2"].hint == "arithmetic"
    assert {k for k, v in got.items() if v.verdict != "exact"} == {"a_h2/z_h2"}


def test_seed002_every_printed_local_derivative_against_floats():
    x, w1, b1, w2, b2 = 0.5, 0.3, 0.1, 0.7, 0.2
    a_h = sig(w1 * x + b1)
    a_o = sig(w2 * a_h + b2)
    truth = {"a_o/z_o": a_o * (1 - a_o), "z_o/w2": a_h, "z_o/a_h": w2,
             "a_h/z_h": a_h * (1 - a_h), "z_h/w1": x}
    got = locals_of(bundled("seed002"))
    assert set(got) == set(truth)
    for key, true in truth.items():
        assert got[key].engine == pytest.approx(true, rel=1e-13), key
        assert got[key].verdict == "exact", key  # 0.2292, 0.5622, 0.7, 0.2461, 0.5


def test_the_other_bundled_examples_print_no_local_derivatives():
    for prefix in ("seed000", "seed003"):
        for path in bundled_examples():
            if path.name.startswith(prefix):
                assert not load(path).expect_local, path


# --- the edge: inside one expression, aliases collapse --------------------------------------

NET = """\
[inputs]
x = 0.7
[params]
w = -1.3
b = 0.4
[nodes]
z = "w*x + b + w*w*x"
net = "z"
a = "tanh(net)"
out = "a"
y = "out*out + a"
"""


def test_a_name_used_twice_in_one_expression_adds_both_uses():
    ex = loads(NET + '[expect.local]\n"z/w" = 1\n"z/x" = 1\n', "net.toml")
    got = locals_of(ex)
    x, w = 0.7, -1.3
    assert got["z/w"].engine == pytest.approx(x + 2 * w * x, rel=1e-14)  # ∂(wx + b + w²x)/∂w
    assert got["z/x"].engine == pytest.approx(w + w * w, rel=1e-14)


def test_aliases_collapse_at_both_ends():
    ex = loads(NET + '[expect.local]\n"a/z" = 1\n"out/net" = 1\n"y/out" = 1\n"y/a" = 1\n',
               "net.toml")
    got = locals_of(ex)
    x, w, b = 0.7, -1.3, 0.4
    a = math.tanh(w * x + b + w * w * x)
    assert got["a/z"].engine == pytest.approx(1 - a * a, rel=1e-13)  # through the alias net
    assert got["out/net"].engine == pytest.approx(1 - a * a, rel=1e-13)  # out is a
    assert got["y/out"].engine == pytest.approx(2 * a, rel=1e-13)
    # y = out*out + a uses a twice: once through the alias out (2a), once itself (1)
    assert got["y/a"].engine == pytest.approx(2 * a + 1, rel=1e-13)


def test_local_derivative_is_none_off_the_edges():
    from viz.worked import build
    ex = loads(NET, "net.toml")
    values = build(ex)
    assert local_derivative(values["a"], values["w"]) is None  # two steps away
    assert local_derivative(values["out"], values["a"]) is None  # the same node, two names
    assert local_derivative(values["x"], values["w"]) is None  # a leaf uses nothing


@pytest.mark.parametrize("key, message", [
    ('"a/w"', "expect.local.\"a/w\": 'w' -> 'a' is not an edge of the graph: a = \"tanh(net)\" "
              "does not use 'w' (after aliases collapse)"),
    ('"x/w"', "expect.local.\"x/w\": 'w' -> 'x' is not an edge of the graph: 'x' is a leaf "
              "(it uses no other name)"),
    ('"a/q"', "expect.local.\"a/q\": no leaf or node named 'q'"),
    ('"a"', "expect.local.a: expected \"OUT/IN\" (the derivative of OUT by IN along one edge, "
            "e.g. \"a_h2/z_h2\")"),
    ('"a/z/w"', "expect.local.\"a/z/w\": expected \"OUT/IN\" (the derivative of OUT by IN along "
                "one edge, e.g. \"a_h2/z_h2\")"),
])
def test_a_key_that_is_no_edge_is_one_line_naming_both(key, message):
    with pytest.raises(WorkedExampleError) as e:
        loads(NET + f"[expect.local]\n{key} = 1\n", "net.toml")
    assert str(e.value) == f"net.toml: {message}"


def test_the_command_says_it_in_one_line_and_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(NET + '[expect.local]\n"y/z" = 1\n', encoding="utf-8")
    code = main(["check", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "'z' -> 'y' is not an edge" in err and "Traceback" not in err


def test_many_edges_of_one_wide_node_walk_it_once(monkeypatch):
    # 1000 terms in one node and an expectation for each edge: one walk, not 1000
    import viz.worked.local as local
    walks = []
    real = local.local_derivatives
    monkeypatch.setattr(local, "local_derivatives", lambda out: walks.append(out) or real(out))
    n = 1000
    leaves = "".join(f"w{k} = {k % 7 - 3}\n" for k in range(n))
    body = " + ".join(f"w{k}*w{k}" for k in range(n))
    keys = "".join(f'"s/w{k}" = {2 * (k % 7 - 3)}\n' for k in range(n))
    ex = loads(f'[params]\n{leaves}[nodes]\ns = "{body}"\n[expect.local]\n{keys}', "wide.toml")
    assert len(walks) == 1  # the load's check of the edges
    got = [v for v in check(ex) if v.kind == "local"]
    assert len(walks) == 2  # and the check's values
    assert len(got) == n and all(v.verdict == "exact" for v in got)  # ∂(w²)/∂w = 2w


# --- a published 2-2-2 network, named net/out: Matt Mazur, "A Step by Step Backpropagation
# Example" (2015); its printed numbers, nine decimals --------------------------------------

MAZUR = """\
title = "Mazur's 2-2-2 network"
[inputs]
i1 = 0.05
i2 = 0.10
t1 = 0.01
t2 = 0.99
[params]
w1 = 0.15
w2 = 0.20
w3 = 0.25
w4 = 0.30
w5 = 0.40
w6 = 0.45
w7 = 0.50
w8 = 0.55
b1 = 0.35
b2 = 0.60
[nodes]
net_h1 = "w1*i1 + w2*i2 + b1*1"
out_h1 = "sigmoid(net_h1)"
net_h2 = "w3*i1 + w4*i2 + b1*1"
out_h2 = "sigmoid(net_h2)"
net_o1 = "w5*out_h1 + w6*out_h2 + b2*1"
out_o1 = "sigmoid(net_o1)"
net_o2 = "w7*out_h1 + w8*out_h2 + b2*1"
out_o2 = "sigmoid(net_o2)"
E_total = "0.5*(t1 - out_o1)**2 + 0.5*(t2 - out_o2)**2"
[train]
loss = "E_total"
lr = 0.5
[expect.values]
out_o1 = 0.75136507
out_o2 = 0.772928465
E_total = 0.298371109
[expect.local]
"E_total/out_o1" = 0.74136507
"out_o1/net_o1" = 0.186815602
"net_o1/w5" = 0.593269992
"out_h1/net_h1" = 0.241300709
"net_h1/w1" = 0.05
[expect.grads]
w5 = 0.082167041
out_h1 = 0.036350306
w1 = 0.000438568
[expect.steps]
w5 = -0.04108352
w1 = -0.000219284
[expect.updated]
w5 = 0.35891648
w6 = 0.408666186
w7 = 0.511301270
w8 = 0.561370121
w1 = 0.149780716
w2 = 0.19956143
w3 = 0.24975114
w4 = 0.29950229
[expect.arithmetic]
"0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1" = 0.3775
"0.74136507 * 0.186815602 * 0.593269992" = 0.082167041
"0.4 - 0.5 * 0.082167041" = 0.35891648
"""


def test_mazur_2_2_2_named_net_out():
    i1, i2, t1, t2 = 0.05, 0.10, 0.01, 0.99
    w = dict(w1=0.15, w2=0.20, w3=0.25, w4=0.30, w5=0.40, w6=0.45, w7=0.50, w8=0.55)
    h1 = sig(w["w1"] * i1 + w["w2"] * i2 + 0.35)
    h2 = sig(w["w3"] * i1 + w["w4"] * i2 + 0.35)
    o1 = sig(w["w5"] * h1 + w["w6"] * h2 + 0.60)
    o2 = sig(w["w7"] * h1 + w["w8"] * h2 + 0.60)
    d1, d2 = (o1 - t1) * o1 * (1 - o1), (o2 - t2) * o2 * (1 - o2)
    dh1 = (d1 * w["w5"] + d2 * w["w7"]) * h1 * (1 - h1)
    truth = {"local E_total/out_o1": o1 - t1, "local out_o1/net_o1": o1 * (1 - o1),
             "local net_o1/w5": h1, "local out_h1/net_h1": h1 * (1 - h1), "local net_h1/w1": i1,
             "step w5": -0.5 * d1 * h1, "step w1": -0.5 * dh1 * i1,
             "grad w1": dh1 * i1, "updated w8": w["w8"] - 0.5 * d2 * h2}
    got = {v.quantity: v for v in check(loads(MAZUR, "mazur.toml"))}
    for q, true in truth.items():
        assert got[q].engine == pytest.approx(true, rel=1e-12), q
    # the post carries nine digits through: every number it prints is exact
    assert {q: v.verdict for q, v in got.items() if v.verdict != "exact"} == {}

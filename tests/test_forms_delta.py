"""The δ form (``explain --form delta``) against textbook numbers and float arithmetic
written out here: seed 000's network (Han & Kamber's example), Mazur's 2-2-2 network
with its net/out names (from a file, from ``nn`` fused and unfused, from plain Values),
a 1-2-1 network named n1…n4, and graphs that are not layered networks."""

import json
import math
import re

import pytest

import viz
from autograd import Value
from nn import MLP
from nn.losses import squared_error
from pathlib import Path

from support import katex_render, markdown_math, markdown_tables
from support.browser import screenshot
from viz import worked
from viz.cli import main
from viz.handcheck.forms import delta_form
from viz.handcheck.layers import NotLayered, find_layers

SEED000 = worked.EXAMPLES_DIR / "seed000_3-2-1_textbook.toml"


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def close(a, b, tol=1e-12):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def form_of(path, sign="-dloss/dz"):
    ex = worked.load(path)
    v = worked.build(ex)
    return ex, v, delta_form(v[ex.loss], sign, ex.lr, [v[n] for n in ex.inputs])


def by_label(form):
    return {nd.neuron.label: nd.delta for row in form.deltas for nd in row}


def steps(form):
    return {st.param.name: st for st in form.steps}


def latex_math(latex: str) -> list[str]:
    """Every display block and inline formula of the LaTeX writer's output."""
    blocks = re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", latex, re.S)
    inline = re.findall(r"\$([^$]+)\$", latex)
    return ["\\begin{aligned}" + b.replace("&", "", 0) + "\\end{aligned}" for b in blocks], inline


def assert_katex(report):
    """The report's LaTeX (for pdflatex: ASCII only) and its Markdown math render in KaTeX."""
    blocks, inline = latex_math(report.to_latex())
    assert blocks
    assert katex_render(blocks, display=True, ascii_only=True) == [None] * len(blocks)
    assert katex_render(inline, display=False, ascii_only=True) == [None] * len(inline)
    md = markdown_math(report.to_markdown())
    assert md and katex_render(md) == [None] * len(md)


# --- seed 000: Han & Kamber's 3-2-1 example, by hand ---------------------------------

X1, X2, X3, T, ETA = 1.0, 0.0, 1.0, 1.0, 0.9
W0 = dict(w14=0.2, w15=-0.3, w24=0.4, w25=0.1, w34=-0.5, w35=0.2, w46=-0.3, w56=-0.2,
          b4=-0.4, b5=0.2, b6=0.1)
O4 = sig(W0["w14"] * X1 + W0["w24"] * X2 + W0["w34"] * X3 + W0["b4"])
O5 = sig(W0["w15"] * X1 + W0["w25"] * X2 + W0["w35"] * X3 + W0["b5"])
O6 = sig(W0["w46"] * O4 + W0["w56"] * O5 + W0["b6"])
ERR6 = O6 * (1 - O6) * (T - O6)
ERR5 = O5 * (1 - O5) * ERR6 * W0["w56"]
ERR4 = O4 * (1 - O4) * ERR6 * W0["w46"]
INPUT_OF = dict(w14=X1, w24=X2, w34=X3, w15=X1, w25=X2, w35=X3, w46=O4, w56=O5,
                b4=1.0, b5=1.0, b6=1.0)
ERR_OF = dict(w14=ERR4, w24=ERR4, w34=ERR4, b4=ERR4, w15=ERR5, w25=ERR5, w35=ERR5, b5=ERR5,
              w46=ERR6, w56=ERR6, b6=ERR6)
NEW0 = {p: W0[p] + ETA * ERR_OF[p] * INPUT_OF[p] for p in W0}  # w += η·Err·O
# the textbook's table of updated weights and biases (Han & Kamber, Table 9.3)
TEXTBOOK = dict(w46=-0.261, w56=-0.138, w14=0.192, w15=-0.306, w24=0.4, w25=0.1,
                w34=-0.508, w35=0.194, b6=0.218, b5=0.194, b4=-0.408)


def test_seed000_error_terms_are_the_textbooks():
    _, _, form = form_of(SEED000)
    d = by_label(form)
    assert set(d) == {"4", "5", "6"}
    assert close(d["6"], ERR6) and close(d["5"], ERR5) and close(d["4"], ERR4)
    # Err6 = 0.1311 (the textbook's, from O6 rounded to 0.474), Err5 = −0.0065, Err4 = −0.0087
    assert abs(d["6"] - 0.1311) < 1e-4
    assert round(d["5"], 4) == -0.0065 and round(d["4"], 4) == -0.0087
    # the output first, then the hidden layer
    assert [nd.neuron.label for nd in form.deltas[0]] == ["6"]


def test_seed000_all_eleven_updates_in_the_add_eta_delta_a_convention():
    _, _, form = form_of(SEED000)
    st = steps(form)
    assert set(st) == set(W0)
    for p, s in st.items():
        assert close(s.new, NEW0[p]), p
        assert round(s.new, 3) == TEXTBOOK[p], p
        assert close(s.change, ETA * ERR_OF[p] * INPUT_OF[p]), p  # Δw = η·Err·O
        assert close(s.grad, -ERR_OF[p] * INPUT_OF[p]), p  # ∂E/∂w = −Err·O


def test_seed000_delta_text_reads_like_the_textbook(capsys):
    code, out, err = run_cli(capsys, "explain", "seed000", "--form", "delta")
    assert code == 0 and err == ""
    flat = " ".join(out.split())
    a6, a4 = f"{O6:.4f}", f"{O4:.4f}"
    assert (f"δ6 = a6·(1 − a6)·(t − a6) = {a6}·(1 − {a6})·(1 − {a6}) ≈ {ERR6:.4f}"
            in flat)
    assert f"δ4 = a4·(1 − a4)·(w46·δ6) = {a4}·(1 − {a4})·(−0.3·{ERR6:.4f})" in flat
    assert "Δw = η·δ·a, w ← w + Δw (η = 0.9)" in flat
    assert f"∂loss/∂w46 = −δ6·a4 = −{ERR6:.4f}·{a4}" in flat
    assert all(len(line) <= 80 for line in out.splitlines())


def test_seed000_delta_json_has_every_number(capsys):
    code, out, _ = run_cli(capsys, "explain", "seed000", "--form", "delta", "--format", "json")
    assert code == 0
    data = json.loads(out)["data"]
    assert data["form"] == "delta" and data["delta"] == "-dloss/dz"
    assert close(data["deltas"]["6"], ERR6) and close(data["deltas"]["4"], ERR4)
    assert {p["name"]: p["new"] for p in data["params"]} == pytest.approx(NEW0, abs=1e-12)


def test_plus_sign_convention_flips_delta_not_the_update():
    _, _, minus = form_of(SEED000)
    _, _, plus = form_of(SEED000, "+dloss/dz")
    for k, v in by_label(minus).items():
        assert close(by_label(plus)[k], -v)
    for p, s in steps(plus).items():
        assert close(s.new, NEW0[p])
    text = viz.explain(worked.build(worked.load(SEED000))["loss"], form="delta",
                       delta="+dloss/dz", lr=0.9).to_text()
    assert "w ← w − η·δ·a (η = 0.9)" in text
    assert "δ = f′(z)·(a − t) at the output" in " ".join(text.split())


def test_paths_form_alias_adds_no_factor(capsys):
    code, out, _ = run_cli(capsys, "explain", "seed000", "--wrt", "w46")
    assert code == 0
    assert "∂o6/∂z6 = o6·(1 − o6)" in " ".join(out.split())  # o6 = "a6": one station
    assert "∂o6/∂a6" not in out and "a6 →" not in out


def test_every_delta_format_renders():
    ex, v, form = form_of(SEED000)
    from viz.views.explain import form_report

    r = form_report("delta", form, None, 4, ex.title)
    assert_katex(r)
    json.loads(r.to_json())
    assert "<math" in r.to_html()
    (table,) = markdown_tables(r.to_markdown())  # the updates: a header and 11 rows
    assert len(table) == 12 and [row[0] for row in table[1:]].count("$w_{46}$") == 1
    news = {row[0]: float(row[-1]) for row in table[1:]}
    assert news["$b_{6}$"] == round(NEW0["b6"], 4)


def test_mazur_delta_page_in_chromium(mazur_file, chromium_page):
    ex, v, form = form_of(mazur_file)
    from viz.views.explain import form_report

    r = form_report("delta", form, None, 4, ex.title)
    assert_katex(r)
    Path("/tmp/forms-shots").mkdir(exist_ok=True)
    with chromium_page(r.to_html()) as visit:
        assert visit.page.locator("math").count() >= 20
        assert "Layer 2 (output)" in visit.page.inner_text("body")
        screenshot(visit.page, Path("/tmp/forms-shots") / "delta_mazur.png")


# --- Mazur's 2-2-2 network, nodes named net/out ----------------------------------------

MAZUR = """\
title = "Mazur's 2-2-2 step-by-step example"
source = "Matt Mazur, 'A Step by Step Backpropagation Example' (2015)"
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
net_h1 = "w1*i1 + w2*i2 + b1"
out_h1 = "sigmoid(net_h1)"
net_h2 = "w3*i1 + w4*i2 + b1"
out_h2 = "sigmoid(net_h2)"
net_o1 = "w5*out_h1 + w6*out_h2 + b2"
out_o1 = "sigmoid(net_o1)"
net_o2 = "w7*out_h1 + w8*out_h2 + b2"
out_o2 = "sigmoid(net_o2)"
E_total = "0.5*(t1 - out_o1)**2 + 0.5*(t2 - out_o2)**2"
[train]
loss = "E_total"
lr = 0.5
steps = 1
"""
# the numbers Mazur prints (δ = ∂E/∂net, his sign)
MAZUR_PRINTED = dict(delta_o1=0.138498562, dw5=0.082167041, dw1=0.000438568,
                     w5=0.35891648, w6=0.408666186, w7=0.511301270, w8=0.561370121,
                     w1=0.149780716, w2=0.19956143, w3=0.24975114, w4=0.29950229)

# the same network in plain floats
MI1, MI2, MT1, MT2 = 0.05, 0.10, 0.01, 0.99
MH1 = sig(0.15 * MI1 + 0.20 * MI2 + 0.35)
MH2 = sig(0.25 * MI1 + 0.30 * MI2 + 0.35)
MO1 = sig(0.40 * MH1 + 0.45 * MH2 + 0.60)
MO2 = sig(0.50 * MH1 + 0.55 * MH2 + 0.60)
D_O1 = (MO1 - MT1) * MO1 * (1 - MO1)
D_O2 = (MO2 - MT2) * MO2 * (1 - MO2)
D_H1 = (0.40 * D_O1 + 0.50 * D_O2) * MH1 * (1 - MH1)
D_H2 = (0.45 * D_O1 + 0.55 * D_O2) * MH2 * (1 - MH2)


@pytest.fixture
def mazur_file(tmp_path):
    p = tmp_path / "mazur.toml"
    p.write_text(MAZUR, encoding="utf-8")
    return p


def check_mazur(form, names):
    """``names``: w1..w8 in the graph's naming."""
    st = {k: steps_of(form)[n] for k, n in names.items()}
    assert close(st["w5"].grad, D_O1 * MH1) and close(st["w1"].grad, D_H1 * MI1)
    assert round(st["w5"].grad, 9) == MAZUR_PRINTED["dw5"]
    assert round(st["w1"].grad, 9) == MAZUR_PRINTED["dw1"]
    for w in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"):
        digits = len(repr(MAZUR_PRINTED[w]).split(".")[1])
        assert round(st[w].new, digits) == MAZUR_PRINTED[w], w


def steps_of(form):
    return {form.network.name(st.param): st for st in form.steps}


def test_mazur_file_with_net_out_names(mazur_file):
    ex, v, form = form_of(mazur_file, "+dloss/dz")
    net = form.network
    assert [[n.z.name for n in layer] for layer in net.layers] == \
        [["net_h1", "net_h2"], ["net_o1", "net_o2"]]
    assert [[n.a.name for n in layer] for layer in net.layers] == \
        [["out_h1", "out_h2"], ["out_o1", "out_o2"]]
    d = by_label(form)
    assert close(d["o1"], D_O1) and close(d["o2"], D_O2)
    assert close(d["h1"], D_H1) and close(d["h2"], D_H2)
    assert round(d["o1"], 9) == MAZUR_PRINTED["delta_o1"]
    check_mazur(form, {f"w{k}": f"w{k}" for k in range(1, 9)})
    # the shared biases: each is the sum of its neurons' δ
    assert close(steps_of(form)["b2"].grad, D_O1 + D_O2)
    assert close(steps_of(form)["b1"].grad, D_H1 + D_H2)


def test_mazur_file_delta_text(mazur_file, capsys):
    code, out, _ = run_cli(capsys, "explain", str(mazur_file), "--form", "delta")
    assert code == 0
    flat = " ".join(out.split())
    assert "δo1 = out_o1·(1 − out_o1)·(t1 − out_o1)" in flat
    assert "δh1 = out_h1·(1 − out_h1)·(w5·δo1 + w7·δo2)" in flat
    assert "∂E_total/∂b1 = −(δh1 + δh2)" in flat


def mazur_nn(fused):
    m = MLP(2, [2, 2], weights=[[[.15, .20], [.25, .30]], [[.40, .45], [.50, .55]]],
            biases=[.35, .60], shared_bias=True, fused=fused)
    return squared_error(m([MI1, MI2]), [MT1, MT2])


@pytest.mark.parametrize("fused", [True, False])
def test_mazur_from_nn(fused):
    e = viz.explain(mazur_nn(fused), form="delta", delta="+dloss/dz", lr=0.5)
    names = {f"w{2 * j + i - 2}": f"layer1.neuron{j}.w{i}" for j in (1, 2) for i in (1, 2)}
    names.update({f"w{2 * j + i + 2}": f"layer2.neuron{j}.w{i}" for j in (1, 2) for i in (1, 2)})
    check_mazur(e.form, names)
    assert "δ2,1 = layer2.neuron1.a" in " ".join(e.to_text().split())


def test_mazur_from_plain_values():
    i1, i2 = Value(MI1), Value(MI2)
    w = [Value(x) for x in (.15, .20, .25, .30, .40, .45, .50, .55)]
    b1, b2 = Value(.35), Value(.60)
    h1 = (w[0] * i1 + w[1] * i2 + b1).sigmoid()
    h2 = (w[2] * i1 + w[3] * i2 + b1).sigmoid()
    o1 = (w[4] * h1 + w[5] * h2 + b2).sigmoid()
    o2 = (w[6] * h1 + w[7] * h2 + b2).sigmoid()
    E = 0.5 * (MT1 - o1) ** 2 + 0.5 * (MT2 - o2) ** 2
    form = viz.explain(E, form="delta", delta="+dloss/dz", lr=0.5).form
    st = {s.param: s for s in form.steps}
    assert close(st[w[4]].grad, D_O1 * MH1) and close(st[w[0]].grad, D_H1 * MI1)
    assert round(st[w[4]].new, 8) == MAZUR_PRINTED["w5"]
    assert round(st[w[0]].new, 9) == MAZUR_PRINTED["w1"]
    assert [n.label for n in form.network.layers[1]] == ["2,1", "2,2"]  # by their place


# --- a 1-2-1 network, units n1…n4, in the δ = Err convention ---------------------------

NET121 = """\
title = "1-2-1 sigmoid network, units n1..n4"
[inputs]
n1 = 0.8
t = 0.2
[params]
w12 = 0.5
w13 = -0.4
w24 = 0.9
w34 = 0.6
b2 = 0.1
b3 = -0.2
b4 = 0.3
[nodes]
s2 = "w12*n1 + b2"
n2 = "sigmoid(s2)"
s3 = "w13*n1 + b3"
n3 = "sigmoid(s3)"
s4 = "w24*n2 + w34*n3 + b4"
n4 = "sigmoid(s4)"
E = "0.5*(t - n4)**2"
[train]
loss = "E"
lr = 0.25
steps = 1
"""


def test_121_network_in_the_err_convention(tmp_path):
    p = tmp_path / "net121.toml"
    p.write_text(NET121, encoding="utf-8")
    _, _, form = form_of(p)
    n2, n3 = sig(0.5 * 0.8 + 0.1), sig(-0.4 * 0.8 - 0.2)
    n4 = sig(0.9 * n2 + 0.6 * n3 + 0.3)
    e4 = n4 * (1 - n4) * (0.2 - n4)
    e2, e3 = n2 * (1 - n2) * 0.9 * e4, n3 * (1 - n3) * 0.6 * e4
    d = by_label(form)
    assert close(d["4"], e4) and close(d["2"], e2) and close(d["3"], e3)
    new = steps(form)
    expect = dict(w24=0.9 + 0.25 * e4 * n2, w34=0.6 + 0.25 * e4 * n3, b4=0.3 + 0.25 * e4,
                  w12=0.5 + 0.25 * e2 * 0.8, w13=-0.4 + 0.25 * e3 * 0.8, b2=0.1 + 0.25 * e2,
                  b3=-0.2 + 0.25 * e3)
    assert {k: s.new for k, s in new.items()} == pytest.approx(expect, abs=1e-15)


# --- graphs that are not layered networks ---------------------------------------------

NOT_LAYERED = """\
[inputs]
x = 2
[params]
w = 0.5
[nodes]
y = "x*x + w"
loss = "y**2"
[train]
loss = "loss"
"""


def test_unlayered_file_is_one_line_and_exit_2(tmp_path, capsys):
    p = tmp_path / "plain.toml"
    p.write_text(NOT_LAYERED, encoding="utf-8")
    for form in ("delta", "matrix"):
        code, out, err = run_cli(capsys, "explain", str(p), "--form", form)
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1
        assert "not a layered network" in err and "only --form paths applies" in err
    code, out, _ = run_cli(capsys, "explain", str(p), "--wrt", "w")
    assert code == 0  # the paths form still works


def test_a_weight_penalty_is_not_a_plain_layered_loss():
    x, w, b, t = Value(1.0), Value(0.5), Value(0.1), Value(0.3)
    a = (w * x + b).sigmoid()
    loss = 0.5 * (t - a) ** 2 + 0.01 * w ** 2  # the loss also depends on w directly
    with pytest.raises(ValueError, match="only the paths form applies"):
        viz.explain(loss, form="delta")
    assert find_layers(loss).layers  # the neuron itself is found


def test_no_neuron_at_all():
    x, w = Value(2.0), Value(0.5)
    with pytest.raises(NotLayered, match="no neuron"):
        find_layers((x * x + w) ** 2)


def test_explain_api_checks_its_arguments():
    loss = mazur_nn(True)
    with pytest.raises(ValueError, match="form must be one of"):
        viz.explain(loss, form="vectors")
    with pytest.raises(ValueError, match="delta must be one of"):
        viz.explain(loss, form="delta", delta="dloss/dz")
    with pytest.raises(TypeError, match="wrt"):
        viz.explain(loss)


def test_a_long_sum_that_is_no_neuron_is_walked_once():
    # w·x + w·x + … over 60,000 terms on top of x0 + x1: two leaves that are no product,
    # so no sum in it is a net input. Each sum node is looked at once: linear work (each
    # partial sum walked anew would be 1.8·10⁹ steps).
    xs = [Value(0.001 * k) for k in range(60_002)]
    total = xs[0] + xs[1]
    for k in range(2, 60_002, 2):
        total = total + xs[k] * xs[k + 1]
    with pytest.raises(NotLayered, match="no neuron"):
        find_layers(total ** 2)


def test_delta_latex_compiles_with_pdflatex(tmp_path):
    from support import pdflatex_compile
    from viz.views.explain import form_report

    ex, v, form = form_of(SEED000)
    tex = form_report("delta", form, None, 4, ex.title).to_latex(standalone=True)
    assert pdflatex_compile(tex, tmp_path, "delta").stat().st_size > 1000

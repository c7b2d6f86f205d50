"""The matrix form (``explain --form matrix``): seed 003's exercise and Mazur's 2-2-2
network in vectors and matrices, against float arithmetic written out here; its
LaTeX in KaTeX and pdflatex, its page in headless Chromium."""

import json
import math
import re
from pathlib import Path

import pytest

import viz
from autograd import grad
from support import katex_render, markdown_math, pdflatex_compile
from support.browser import screenshot
from viz import worked
from viz.cli import main
from viz.handcheck.forms import matrix_form
from viz.views.explain import form_report

SEED003 = worked.EXAMPLES_DIR / "seed003_3-4-2_linear_exercise.toml"
SHOTS = Path("/tmp/forms-shots")


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def close(a, b, tol=1e-12):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def matmul(A, x):
    return [sum(a * b for a, b in zip(row, x)) for row in A]


def transpose(A):
    return [list(col) for col in zip(*A)]


def outer(d, x):
    return [[di * xj for xj in x] for di in d]


# seed 003's exercise (Alan Zheng, Exercise 1), by hand
W1 = [[2, 3, 4], [2, 1, 2], [3, 5, 1], [2, 3, 4]]
B1 = [4, 1, 1, 2]
W2 = [[3, 1, 1, 1], [1, 4, 2, 2]]
B2 = [2, 3]
X0 = [2, 1, 3]
T = [4, 5]
X1 = [z + b for z, b in zip(matmul(W1, X0), B1)]  # linear: x = z
X2 = [z + b for z, b in zip(matmul(W2, X1), B2)]
D2 = [x - t for x, t in zip(X2, T)]  # δ2 = (x2 − t) ⊙ 1
D1 = matmul(transpose(W2), D2)  # δ1 = W2ᵀ δ2 ⊙ 1


def seed003():
    ex = worked.load(SEED003)
    v = worked.build(ex)
    return ex, v, matrix_form(v[ex.loss], ex.lr, [v[n] for n in ex.inputs])


def test_seed003_deltas_and_gradients():
    ex, v, form = seed003()
    l1, l2 = form.layers
    assert l1.shape == (4, 3) and l2.shape == (2, 4)
    assert l1.W == W1 and l2.W == W2 and l1.b == B1 and l2.b == B2
    assert l1.x_in == X0 and l2.x_in == X1 == [23, 12, 15, 21]
    assert l2.delta == D2 == [115, 141]
    assert l1.upstream == D1 and l1.delta == D1 == [486, 679, 397, 397]
    assert l2.dW == outer(D2, X1) and l1.dW == outer(D1, X0)


def test_seed003_entries_equal_the_scalar_gradients():
    ex, v, form = seed003()
    root = v[ex.loss]
    for lm in form.layers:
        names = [[w.name for w in row] for row in lm.W_params]
        flat = [v[n] for row in names for n in row]
        g = dict(zip((n for row in names for n in row), grad(root, flat)))
        for r, row in enumerate(names):
            for c, n in enumerate(row):
                assert n == f"W{lm.index}_{r + 1}_{c + 1}"
                assert close(lm.dW[r][c], g[n])
                assert close(lm.dW[r][c], ex.expect_grads[n].value)  # the file's exact solution


def test_seed003_matrix_text_and_updates(capsys):
    code = main(["explain", "seed003_3-4", "--form", "matrix"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    flat = " ".join(out.split())
    assert "W2 (2×4) = [[3, 1, 1, 1], [1, 4, 2, 2]]" in flat
    assert "δ2 (2×1) = ∂E/∂x2 = [115, 141]ᵀ" in flat
    assert "W2ᵀδ2 (4×1) = [486, 679, 397, 397]ᵀ" in flat
    assert "∂E/∂W2 (2×4) = δ2 x1ᵀ = [[2645, 1380, 1725, 2415], [3243, 1692, 2115, 2961]]" in flat
    new_W1 = [[w - 0.1 * g for w, g in zip(wr, gr)] for wr, gr in zip(W1, outer(D1, X0))]
    row = "[" + ", ".join(f"{x:g}".replace("-", "−") for x in new_W1[0]) + "]"
    assert row == "[−95.2, −45.6, −141.8]" and f"W1 ← W1 − 0.1·∂E/∂W1 = [{row}" in flat
    assert all(len(line) <= 80 for line in out.splitlines())


def test_seed003_matrix_json(capsys):
    assert main(["explain", "seed003_3-4", "--form", "matrix", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["data"]
    assert data["form"] == "matrix"
    assert [lm["delta"] for lm in data["layers"]] == [D1, D2]
    assert [lm["shape"] for lm in data["layers"]] == [[4, 3], [2, 4]]


# Mazur's 2-2-2 network, from nn (the printed ∂E/∂w5 = 0.082167041, ∂E/∂w1 = 0.000438568)

def mazur():
    from nn import MLP
    from nn.losses import squared_error

    m = MLP(2, [2, 2], weights=[[[.15, .20], [.25, .30]], [[.40, .45], [.50, .55]]],
            biases=[.35, .60], shared_bias=True)
    return squared_error(m([0.05, 0.10]), [0.01, 0.99])


def test_mazur_matrices():
    form = viz.explain(mazur(), form="matrix", lr=0.5).form
    l1, l2 = form.layers
    h = [sig(z) for z in (0.15 * .05 + .2 * .1 + .35, .25 * .05 + .3 * .1 + .35)]
    o = [sig(z + .6) for z in matmul([[.4, .45], [.5, .55]], h)]
    d2 = [(oi - t) * oi * (1 - oi) for oi, t in zip(o, (0.01, 0.99))]
    d1 = [u * hi * (1 - hi) for u, hi in zip(matmul(transpose([[.4, .45], [.5, .55]]), d2), h)]
    assert l2.delta == pytest.approx(d2, abs=1e-15) and l1.delta == pytest.approx(d1, abs=1e-15)
    assert l2.fprime == pytest.approx([oi * (1 - oi) for oi in o], abs=1e-15)
    assert round(l2.dW[0][0], 9) == 0.082167041  # ∂E/∂w5
    assert round(l1.dW[0][0], 9) == 0.000438568  # ∂E/∂w1
    for got, want in zip(l2.dW, outer(d2, h)):
        assert got == pytest.approx(want, abs=1e-15)
    text = " ".join(viz.explain(mazur(), form="matrix").to_text().split())
    assert "δ2 (2×1) = ∂loss/∂x2 ⊙ f′(z2) = [0.1385, −0.03810]ᵀ" in text
    assert "x1 (2×1) = σ(z1) = [0.5933, 0.5969]ᵀ" in text


def reports():
    ex, v, form = seed003()
    yield form_report("matrix", form, None, 4, ex.title)
    yield viz.explain(mazur(), form="matrix", lr=0.5).report()


@pytest.mark.parametrize("k", [0, 1])
def test_matrix_latex_renders_in_katex_and_markdown_parses(k):
    r = list(reports())[k]
    latex = r.to_latex()
    blocks = re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", latex, re.S)
    assert blocks and all("\\begin{bmatrix}" in b for b in blocks)
    exprs = ["\\begin{aligned}" + b + "\\end{aligned}" for b in blocks]
    exprs += re.findall(r"\$([^$]+)\$", latex)
    assert katex_render(exprs, ascii_only=True) == [None] * len(exprs)
    md = markdown_math(r.to_markdown())
    assert any("bmatrix" in m for m in md)
    assert katex_render(md) == [None] * len(md)


def test_matrix_latex_compiles_with_pdflatex(tmp_path):
    r = next(reports())
    pdf = pdflatex_compile(r.to_latex(standalone=True), tmp_path, "matrix")
    assert pdf.stat().st_size > 1000


def test_matrix_page_in_chromium(chromium_page):
    r = list(reports())[1]
    SHOTS.mkdir(exist_ok=True)
    with chromium_page(r.to_html()) as visit:
        page = visit.page
        assert page.locator("math mtable").count() >= 10  # the matrices and vectors
        text = page.inner_text("body")
        assert "Backward" in text and "Forward" in text
        screenshot(page, SHOTS / "matrix_mazur.png")

"""``chainrule explain --rule NAME``: each local derivative derived step by step.

Every form of every step is also written in the expression language: here each is
parsed by the file parser and evaluated at points, and the equalities a line states
must hold there, and the derivative lines must equal a central finite difference of
the function (computed here)."""

import json
import re
from pathlib import Path

import pytest

from support import katex_render, markdown_math
from support.browser import screenshot
from viz.cli import main
from viz.handcheck.rules_explained import NAMES, RULES, rule
from viz.views.explain import rule_report
from viz.worked import expr

POINTS = {"any z": (-1.3, -0.2, 0.4, 2.1), "z > 0": (0.3, 1.0, 2.7), "z ≠ 0": (-1.5, 0.8),
          "any ŷ": (-0.4, 0.25, 0.9)}
SHOTS = Path("/tmp/forms-shots")


def value(text: str, env: dict) -> float:
    return float(expr.evaluate(expr.parse(text), env))


def central(f: str, var: str, x: float, env: dict) -> float:
    h = 1e-6 * max(1.0, abs(x))
    up = value(f, {**env, var: x + h})
    down = value(f, {**env, var: x - h})
    return (up - down) / (2 * h)


@pytest.mark.parametrize("name", NAMES)
def test_every_step_holds_and_the_derivative_is_the_slope(name):
    r = rule(name)
    env0 = dict(r.params)
    checked = 0
    for x in POINTS[r.domain]:
        env = {**env0, r.variable: x}
        slope = central(r.function.expr, r.variable, x, env0)
        for st in r.steps:
            for ln in st.lines:
                forms = [ln.lhs] + [f for _, f in ln.steps]
                vals = [value(f.expr, env) for f in forms if f.expr is not None]
                for v in vals[1:]:
                    assert v == pytest.approx(vals[0], rel=1e-12, abs=1e-12), (name, ln)
                if ln.derivative and vals:
                    assert vals[-1] == pytest.approx(slope, rel=1e-6, abs=1e-8), (name, ln)
                    checked += 1
        if r.result.expr is not None:
            assert value(r.result.expr, env) == pytest.approx(slope, rel=1e-6, abs=1e-8)
    if name == "relu":  # a case split: the slope is 1 for z > 0, 0 for z < 0
        assert central("relu(z)", "z", 0.8, {}) == pytest.approx(1.0)
        assert central("relu(z)", "z", -1.5, {}) == pytest.approx(0.0)
    else:
        assert checked >= len(POINTS[r.domain])


def test_sigmoid_reads_like_seed_002(capsys):
    assert main(["explain", "--rule", "sigmoid"]) == 0
    out = capsys.readouterr().out
    flat = " ".join(out.split())
    # seed 002: da_o/dz_o = -1 * (1 + e^(-z_o))^(-2) * (-e^(-z_o)) = e^(-z_o) / (1 + e^(-z_o))^2
    assert "σ′(z) = −1·(1 + e^(−z))^(−2)·(−e^(−z)) = e^(−z)/(1 + e^(−z))²" in flat
    assert "1 − σ(z) = 1 − 1/(1 + e^(−z)) = e^(−z)/(1 + e^(−z))" in flat
    assert "= σ(z)·(1 − σ(z))" in flat and "∂a/∂z = a·(1 − a)" in flat
    assert all(len(line) <= 80 for line in out.splitlines())


@pytest.mark.parametrize("alias,name", [("ln", "log"), ("pow", "power"), ("mse", "squared_error"),
                                        ("SIGMOID", "sigmoid")])
def test_aliases(alias, name):
    assert rule(alias) is RULES[name]


def test_unknown_rule_and_a_file_with_a_rule_are_one_line_exit_2(capsys):
    assert main(["explain", "--rule", "softmax"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "sigmoid, tanh, exp, log, relu" in err
    assert main(["explain", "seed001", "--rule", "tanh"]) == 2
    assert "takes no FILE" in capsys.readouterr().err
    assert main(["explain"]) == 2
    assert "needs a FILE" in capsys.readouterr().err


@pytest.mark.parametrize("name", NAMES)
def test_every_format(name):
    r = rule_report(rule(name))
    latex = r.to_latex()
    blocks = re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", latex, re.S)
    exprs = ["\\begin{aligned}" + b + "\\end{aligned}" for b in blocks]
    exprs += re.findall(r"\$([^$]+)\$", latex)
    assert exprs and katex_render(exprs, ascii_only=True) == [None] * len(exprs)
    md = markdown_math(r.to_markdown())
    assert md and katex_render(md) == [None] * len(md)
    assert all(len(line) <= 80 for line in r.to_text().splitlines())
    data = json.loads(r.to_json())["data"]
    assert data["rule"] == rule(name).name and data["steps"]
    assert "<math" in r.to_html()


def test_sigmoid_page_in_chromium(chromium_page):
    SHOTS.mkdir(exist_ok=True)
    with chromium_page(rule_report(rule("sigmoid")).to_html()) as visit:
        assert visit.page.locator("math").count() >= 8
        screenshot(visit.page, SHOTS / "rule_sigmoid.png")


@pytest.mark.parametrize("name", ["sigmoid", "squared_error", "relu"])
def test_rule_latex_compiles_with_pdflatex(name, tmp_path):
    from support import pdflatex_compile

    pdf = pdflatex_compile(rule_report(rule(name)).to_latex(standalone=True), tmp_path, name)
    assert pdf.stat().st_size > 1000

"""Names and formulas as math: the documents' symbols, and KaTeX renders every one."""

import pytest

from support import katex_render
from viz.report.mathtext import ascii_text, formula, latex_name, math_name, number, partial

# (name in a file, its LaTeX as the documents typeset it)
NAMES = [
    ("y_hat", r"\hat{y}"),
    ("a_h1", r"a_{h1}"),
    ("w13", r"w_{13}"),
    ("x1", r"x_{1}"),
    ("delta", r"\delta"),
    ("theta", r"\theta"),
    ("eta", r"\eta"),
    ("sigma", r"\sigma"),
    ("omega", r"\omega"),
    ("θ6", r"\theta_{6}"),
    ("δ_o1", r"\delta_{o1}"),
    ("ω46", r"\omega_{46}"),
    ("delta_o1", r"\delta_{o1}"),
    ("loss", r"\mathrm{loss}"),
    ("z_out", r"z_{\mathrm{out}}"),
    ("y_true", r"y_{\mathrm{true}}"),
    ("err", r"\mathrm{err}"),
]


@pytest.mark.parametrize("name,latex", NAMES)
def test_names_become_the_documents_symbols(name, latex):
    assert latex_name(name) == latex
    assert math_name(name).text == name  # the text form is the name as typed


def test_dotted_nn_names_are_indexed_by_layer_and_neuron():
    assert latex_name("layer1.neuron2.w1") == r"{w_{1}}^{(1,2)}"
    assert latex_name("layer2.b") == r"{b}^{(2)}"


def test_partial_and_numbers():
    d = partial(math_name("loss"), math_name("w5"))
    assert d.text == "∂loss/∂w5"
    assert d.latex == r"\frac{\partial \mathrm{loss}}{\partial w_{5}}"
    assert number("-0.3").text == "\u22120.3" and number("-0.3").latex == "-0.3"
    assert number("2.5e-4").latex == r"2.5 \times 10^{-4}"


def test_formulas_of_the_derivations():
    assert formula("a_out·(1 − a_out)").latex == r"a_{\mathrm{out}}\cdot (1-a_{\mathrm{out}})"
    assert formula("b·a^(b − 1)").latex == r"b\cdot a^{b-1}"
    assert formula("(1 − t²)").latex == "(1-t^{2})"


def test_ascii_fallback_spells_every_symbol():
    text = "∂loss/∂y_hat = y_hat − y_true ≈ 0.7414 · δ → ✗"
    out = ascii_text(text)
    assert out.isascii()
    assert out == "dloss/dy_hat = y_hat - y_true ~ 0.7414 * delta -> X"


def test_katex_renders_every_name_and_formula():
    exprs = [latex for _, latex in NAMES] + [latex_name("layer1.neuron2.w1")]
    exprs += [formula(t).latex for t in ("a_out·(1 − a_out)", "b·a^(b − 1)", "y·ln x",
                                         "exp(z)", "(−0.3)·w46", "1/z")]
    errors = katex_render(exprs, display=False, ascii_only=True)
    assert [(e, err) for e, err in zip(exprs, errors) if err] == []

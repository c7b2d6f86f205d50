"""Worked-example files may name leaves and nodes as the documents do: θ6, δ_o1, ω46."""

import math

from viz.cli import main
from viz.worked import WorkedExampleError, loads

import pytest

GREEK = '''
title = "Greek names"
[inputs]
x = 0.5
[params]
"θ6" = 0.1
"ω46" = -0.3
[nodes]
z = "ω46*x + θ6"
"δ_o1" = "sigmoid(z)"
loss = "0.5*(1 - δ_o1)**2"
[expect.values]
z = -0.05
[expect.grads]
"θ6" = -0.1280
'''


def test_greek_names_load_compute_and_check(tmp_path, capsys):
    ex = loads(GREEK, "g.toml")
    assert list(ex.params) == ["θ6", "ω46"] and "δ_o1" in ex.nodes
    # ∂loss/∂θ6 = −(1 − σ(z))·σ(z)(1 − σ(z)) at z = −0.3·0.5 + 0.1, in floats here
    z = -0.3 * 0.5 + 0.1
    s = 1 / (1 + math.exp(-z))
    grad = -(1 - s) * s * (1 - s)
    assert f"{grad:.4f}" == "-0.1280"
    f = tmp_path / "g.toml"
    f.write_text(GREEK, encoding="utf-8")
    assert main(["check", str(f)]) == 0
    out = capsys.readouterr().out
    assert "grad θ6" in out and "2 numbers: 2 exact" in out
    assert main(["check", str(f), "--format", "latex"]) == 0
    assert r"\text{grad }\theta_{6}" in capsys.readouterr().out


def test_an_unquoted_greek_key_gets_a_hint_not_a_syntax_error():
    with pytest.raises(WorkedExampleError) as e:
        loads('[params]\nθ6 = 0.1\n', "g.toml")
    assert str(e.value) == ('g.toml: line 2: the key θ6 has letters beyond ASCII, which TOML '
                            'takes only in quotes: write "θ6" = …')


@pytest.mark.parametrize("name, bad", [("x²", "²"), ("a·b", "·"), ("x₁", "₁")])
def test_a_name_is_letters_ascii_digits_and_underscore(name, bad):
    with pytest.raises(WorkedExampleError) as e:
        loads(f'[inputs]\n"{name}" = 1\n', "g.toml")
    assert f"'{bad}'" in str(e.value) and "is not a letter, an ASCII digit or '_'" in str(e.value)

"""Every bundled worked example against a forward and backward pass written here in plain floats.

For each file in ``viz/examples`` this module holds the network written out
by hand (the chain rule applied on paper, one line per derivative, with
``math.exp`` and nothing from chainrule), with the weights copied from the
source documents.  The engine's numbers, as the command shows them (through
``viz.worked.build``/``backward``/``step``/``train`` and ``viz.check.check``),
must equal these floats, and every verdict must be the one that rounding the
float to the document's printed digits gives.  A new bundled file without a
hand-written network here fails ``test_every_bundled_example_has_a_float_reference``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from collections.abc import Callable

import pytest

from viz import worked
from viz.handcheck import verdicts as check

EXAMPLES = Path(worked.__file__).resolve().parent / "examples"


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


class Floats:
    """The hand computation of one example: leaves, values, dL/dname, updated params, epochs."""

    def __init__(self, inputs: dict[str, float], params: dict[str, float]) -> None:
        self.inputs, self.params = inputs, params
        self.values: dict[str, float] = {}
        self.grads: dict[str, float] = {}
        self.updated: dict[str, float] = {}
        self.epochs: dict[int, dict[str, float]] = {}


# --- seed 000: 3-2-1 sigmoid network, textbook weights, L = ½(t − o6)² ------------------------


def textbook_3_2_1(p: dict[str, float], x1=1.0, x2=0.0, x3=1.0, t=1.0) -> tuple[dict, dict]:
    v = {}
    v["z4"] = p["w14"] * x1 + p["w24"] * x2 + p["w34"] * x3 + p["b4"]
    v["a4"] = sigmoid(v["z4"])
    v["z5"] = v["i5"] = p["w15"] * x1 + p["w25"] * x2 + p["w35"] * x3 + p["b5"]
    v["a5"] = sigmoid(v["i5"])
    v["z6"] = p["w46"] * v["a4"] + p["w56"] * v["a5"] + p["b6"]
    v["a6"] = v["o6"] = sigmoid(v["z6"])
    v["err"] = t - v["o6"]
    v["loss"] = 0.5 * v["err"] ** 2
    g = {"loss": 1.0}
    g["err"] = v["err"]  # dL/derr = err
    g["t"] = g["err"]
    g["o6"] = g["a6"] = -g["err"]  # derr/do6 = −1; o6 is a6
    g["z6"] = g["a6"] * v["a6"] * (1 - v["a6"])  # σ' = σ(1 − σ)
    g["w46"], g["w56"], g["b6"] = g["z6"] * v["a4"], g["z6"] * v["a5"], g["z6"]
    g["a4"], g["a5"] = g["z6"] * p["w46"], g["z6"] * p["w56"]
    g["i5"] = g["z5"] = g["a5"] * v["a5"] * (1 - v["a5"])
    g["z4"] = g["a4"] * v["a4"] * (1 - v["a4"])
    for unit in ("4", "5"):
        dz = g["z" + unit]
        g["w1" + unit], g["w2" + unit], g["w3" + unit], g["b" + unit] = dz * x1, dz * x2, dz * x3, dz
    g["x1"] = g["z4"] * p["w14"] + g["z5"] * p["w15"]
    g["x2"] = g["z4"] * p["w24"] + g["z5"] * p["w25"]
    g["x3"] = g["z4"] * p["w34"] + g["z5"] * p["w35"]
    return v, g


def seed000() -> Floats:
    params = {"w14": 0.2, "w15": -0.3, "w24": 0.4, "w25": 0.1, "w34": -0.5, "w35": 0.2,
              "w46": -0.3, "w56": -0.2, "b4": -0.4, "b5": 0.2, "b6": 0.1}
    f = Floats({"x1": 1.0, "x2": 0.0, "x3": 1.0, "t": 1.0}, params)
    f.values, f.grads = textbook_3_2_1(params)
    f.updated = {k: w - 0.9 * f.grads[k] for k, w in params.items()}
    return f


# --- seed 001: 2-2-1 sigmoid network with a shared hidden bias -----------------------------------


def shared_bias_2_2_1(p: dict[str, float], x1=0.05, x2=0.10, y=0.01) -> tuple[dict, dict]:
    v = {}
    v["z_h1"] = x1 * p["w1"] + x2 * p["w2"] + p["b1"]
    v["z_h2"] = x1 * p["w3"] + x2 * p["w4"] + p["b1"]
    v["a_h1"], v["a_h2"] = sigmoid(v["z_h1"]), sigmoid(v["z_h2"])
    v["z_out"] = v["a_h1"] * p["w5"] + v["a_h2"] * p["w6"] + p["b2"]
    v["a_out"] = v["y_hat"] = sigmoid(v["z_out"])
    v["loss"] = 0.5 * (y - v["y_hat"]) ** 2
    g = {"loss": 1.0}
    g["y_hat"] = g["a_out"] = v["y_hat"] - y  # d/dŷ ½(y − ŷ)² = ŷ − y
    g["y_true"] = y - v["y_hat"]
    g["z_out"] = g["a_out"] * v["a_out"] * (1 - v["a_out"])
    g["w5"], g["w6"], g["b2"] = g["z_out"] * v["a_h1"], g["z_out"] * v["a_h2"], g["z_out"]
    g["a_h1"], g["a_h2"] = g["z_out"] * p["w5"], g["z_out"] * p["w6"]
    g["z_h1"] = g["a_h1"] * v["a_h1"] * (1 - v["a_h1"])
    g["z_h2"] = g["a_h2"] * v["a_h2"] * (1 - v["a_h2"])
    g["w1"], g["w2"] = g["z_h1"] * x1, g["z_h1"] * x2
    g["w3"], g["w4"] = g["z_h2"] * x1, g["z_h2"] * x2
    g["b1"] = g["z_h1"] + g["z_h2"]  # the shared bias: the sum over its two paths
    g["x1"] = g["z_h1"] * p["w1"] + g["z_h2"] * p["w3"]
    g["x2"] = g["z_h1"] * p["w2"] + g["z_h2"] * p["w4"]
    return v, g


def seed001() -> Floats:
    params = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "b1": 0.35, "b2": 0.60}
    f = Floats({"x1": 0.05, "x2": 0.10, "y_true": 0.01}, params)
    f.values, f.grads = shared_bias_2_2_1(params)
    f.updated = {k: w - 0.5 * f.grads[k] for k, w in params.items()}
    return f


# --- seed 002: 1-1-1 sigmoid chain, one step and 1000 epochs of SGD -------------------------------


def chain_1_1_1(p: dict[str, float], x=0.5, y=1.0) -> tuple[dict, dict]:
    v = {}
    v["z_h"] = p["w1"] * x + p["b1"]
    v["a_h"] = sigmoid(v["z_h"])
    v["z_o"] = p["w2"] * v["a_h"] + p["b2"]
    v["a_o"] = sigmoid(v["z_o"])
    v["err"] = y - v["a_o"]
    v["loss"] = 0.5 * v["err"] ** 2
    g = {"loss": 1.0, "err": v["err"]}
    g["y"] = g["err"]
    g["a_o"] = -g["err"]
    g["z_o"] = g["a_o"] * v["a_o"] * (1 - v["a_o"])
    g["w2"], g["b2"], g["a_h"] = g["z_o"] * v["a_h"], g["z_o"], g["z_o"] * p["w2"]
    g["z_h"] = g["a_h"] * v["a_h"] * (1 - v["a_h"])
    g["w1"], g["b1"], g["x"] = g["z_h"] * x, g["z_h"], g["z_h"] * p["w1"]
    return v, g


def seed002() -> Floats:
    params = {"w1": 0.3, "b1": 0.1, "w2": 0.7, "b2": 0.2}
    f = Floats({"x": 0.5, "y": 1.0}, params)
    f.values, f.grads = chain_1_1_1(params)
    f.updated = {k: w - 0.5 * f.grads[k] for k, w in params.items()}
    p = dict(params)
    for epoch in range(1000):  # the document's loop: forward, backward, simultaneous update
        v, g = chain_1_1_1(p)
        f.epochs[epoch] = v
        p = {k: w - 0.5 * g[k] for k, w in p.items()}
    return f


# --- seed 003: 2-3-1 sigmoid network, forward only ----------------------------------------------------


def seed003_forward() -> Floats:
    w = {"w13": 4.0, "w14": 5.0, "w15": 6.0, "w23": 5.0, "w24": 6.0, "w25": 7.0, "w36": 9.0, "w46": 10.0, "w56": 11.0}
    b = {"b3": 1.0, "b4": 1.0, "b5": 1.0, "b6": 1.0}
    f = Floats({"n1": 0.2, "n2": 0.3}, {**w, **b})
    n1, n2, v = 0.2, 0.3, f.values
    for j in ("3", "4", "5"):
        v["z" + j] = w["w1" + j] * n1 + w["w2" + j] * n2 + b["b" + j]
        v["n" + j] = sigmoid(v["z" + j])
    v["z6"] = w["w36"] * v["n3"] + w["w46"] * v["n4"] + w["w56"] * v["n5"] + b["b6"]
    v["n6"] = sigmoid(v["z6"])
    return f


# --- seed 003 exercise: 3-4-2 linear network, E = ½‖x2 − t‖² ----------------------------------------------


def seed003_linear() -> Floats:
    W1 = [[2, 3, 4], [2, 1, 2], [3, 5, 1], [2, 3, 4]]
    b1 = [4, 1, 1, 2]
    W2 = [[3, 1, 1, 1], [1, 4, 2, 2]]
    b2 = [2, 3]
    x0, t = [2.0, 1.0, 3.0], [4.0, 5.0]
    params = {f"W1_{r + 1}_{c + 1}": float(W1[r][c]) for r in range(4) for c in range(3)}
    params |= {f"b1_{r + 1}": float(b1[r]) for r in range(4)}
    params |= {f"W2_{r + 1}_{c + 1}": float(W2[r][c]) for r in range(2) for c in range(4)}
    params |= {f"b2_{r + 1}": float(b2[r]) for r in range(2)}
    f = Floats({"x0_1": 2.0, "x0_2": 1.0, "x0_3": 3.0, "t_1": 4.0, "t_2": 5.0}, params)
    x1 = [sum(W1[r][c] * x0[c] for c in range(3)) + b1[r] for r in range(4)]
    x2 = [sum(W2[r][c] * x1[c] for c in range(4)) + b2[r] for r in range(2)]
    v, g = f.values, f.grads
    for r in range(4):
        v[f"x1_{r + 1}"] = x1[r]
    for r in range(2):
        v[f"x2_{r + 1}"] = x2[r]
    v["E"] = 0.5 * ((x2[0] - t[0]) ** 2 + (x2[1] - t[1]) ** 2)
    delta2 = [x2[r] - t[r] for r in range(2)]  # dE/dx2 (linear activation: also dE/dnet)
    delta1 = [sum(W2[k][r] * delta2[k] for k in range(2)) for r in range(4)]  # W2ᵀ δ2
    g["E"] = 1.0
    for r in range(2):
        g[f"x2_{r + 1}"] = g[f"b2_{r + 1}"] = delta2[r]
        g[f"t_{r + 1}"] = -delta2[r]
        for c in range(4):
            g[f"W2_{r + 1}_{c + 1}"] = delta2[r] * x1[c]
    for r in range(4):
        g[f"x1_{r + 1}"] = g[f"b1_{r + 1}"] = delta1[r]
        for c in range(3):
            g[f"W1_{r + 1}_{c + 1}"] = delta1[r] * x0[c]
    for c in range(3):
        g[f"x0_{c + 1}"] = sum(W1[r][c] * delta1[r] for r in range(4))
    f.updated = {k: w - 0.1 * g[k] for k, w in params.items()}
    return f


REFERENCES: dict[str, Callable[[], Floats]] = {
    "seed000_3-2-1_textbook.toml": seed000,
    "seed001_2-2-1_shared_bias.toml": seed001,
    "seed002_1-1-1_training.toml": seed002,
    "seed003_2-3-1_forward.toml": seed003_forward,
    "seed003_3-4-2_linear_exercise.toml": seed003_linear,
}


def bundled() -> list[str]:
    return sorted(p.name for p in EXAMPLES.glob("*.toml"))


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def verdict_by_rounding(hand_text: str, hand_value: float, true: float, rtol: float) -> str:
    """Independent of viz.check: exact when ``true`` rounds to the printed digits."""
    text = hand_text.strip().replace("_", "").lower()
    mantissa, _, exponent = text.partition("e")
    shown = len(mantissa.partition(".")[2]) - int(exponent or 0)
    gap = abs(Fraction(true) - Fraction(text))
    if gap <= Fraction(1, 2) * Fraction(10) ** -shown * (1 + Fraction(1, 10**12)):
        return "exact"
    if true != 0 and abs(true - hand_value) <= rtol * abs(true):
        return "close"
    return "wrong"


def test_every_bundled_example_has_a_float_reference() -> None:
    assert bundled(), "no bundled examples in viz/examples"
    assert set(bundled()) == set(REFERENCES), set(bundled()) ^ set(REFERENCES)


@pytest.mark.parametrize("filename", sorted(REFERENCES))
def test_engine_numbers_equal_the_hand_floats(filename: str) -> None:
    path = EXAMPLES / filename
    if not path.exists():
        pytest.fail(f"{filename} is no longer bundled: remove its reference")
    ref = REFERENCES[filename]()
    example = worked.load(path)
    # the file holds the documents' numbers
    assert example.inputs == ref.inputs and example.params == ref.params
    values = worked.build(example)
    for name, expected in ref.values.items():
        assert close(values[name].data, expected), (name, values[name].data, expected)
    assert set(ref.values) | set(ref.inputs) | set(ref.params) == set(values)
    if example.loss is None:
        return
    worked.backward(example, values)
    for name, expected in ref.grads.items():
        assert close(values[name].grad, expected), (f"dL/d{name}", values[name].grad, expected)
    assert set(ref.grads) == set(values)  # a gradient for every leaf and node
    new = worked.step(example, worked.build(example))
    for name, expected in ref.updated.items():
        assert close(new[name], expected), (f"updated {name}", new[name], expected)
    if ref.epochs:
        records = worked.train(example, steps=len(ref.epochs))
        for n in (0, 1, 200, 400, 600, 800, 999):
            for name, expected in ref.epochs[n].items():
                assert close(records[n][name], expected), (f"epoch {n} {name}", records[n][name], expected)


@pytest.mark.parametrize("filename", sorted(REFERENCES))
def test_every_verdict_is_the_one_the_hand_floats_give(filename: str) -> None:
    path = EXAMPLES / filename
    if not path.exists():
        pytest.fail(f"{filename} is no longer bundled: remove its reference")
    ref = REFERENCES[filename]()
    example = worked.load(path)
    # the kinds this reference computes (local, step and arithmetic: tests/test_expect_*.py)
    verdicts = [v for v in check.check(example) if v.kind in ("value", "grad", "delta", "updated", "epoch")]
    expected_count = (
        len(example.expect_values) + len(example.expect_grads) + len(example.expect_deltas)
        + len(example.expect_updated) + sum(len(e) for _, e in example.expect_epochs)
    )
    assert len(verdicts) == expected_count
    for v in verdicts:
        true = {
            "value": lambda: ref.values[v.name],
            "grad": lambda: ref.grads[v.name],
            "delta": lambda: -ref.grads[v.name],  # δ = Err = −dL/dnet
            "updated": lambda: ref.updated[v.name],
            "epoch": lambda: ref.epochs[v.epoch][v.name],
        }[v.kind]()
        assert close(v.engine, true), (v.quantity, v.engine, true)
        assert v.verdict == verdict_by_rounding(v.hand.text, v.hand.value, true, example.rtol), (
            v.quantity, v.hand.text, true, v.verdict)

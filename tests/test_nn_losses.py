"""Losses against hand-computed values and derivatives, for one sample and for batches."""

import math

import pytest

from autograd import Value, gradcheck
from nn import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    get_loss,
    hinge,
    mse,
    squared_error,
)


def values(*xs):
    return [Value(x) for x in xs]


def test_squared_error_one_output_is_the_documents_loss():
    p = Value(0.7513650695523157)
    loss = squared_error(p, 0.01)
    loss.backward()
    assert loss.name == "loss"
    assert loss.data == pytest.approx(0.5 * (0.01 - 0.7513650695523157) ** 2, rel=1e-15)
    assert round(loss.data, 4) == 0.2748  # seed 001's printed loss
    assert p.grad == pytest.approx(0.7513650695523157 - 0.01, rel=1e-15)  # ∂L/∂ŷ = ŷ − y


def test_squared_error_sums_outputs_and_samples():
    ps = values(1.0, 2.0, 0.5, -1.0)
    loss = squared_error([ps[:2], ps[2:]], [[0.0, 4.0], [1.0, 1.0]])
    loss.backward()
    assert loss.data == 0.5 * (1.0 + 4.0 + 0.25 + 4.0)
    assert [p.grad for p in ps] == [1.0, -2.0, -0.5, -2.0]
    # one sample given as a list, with the same numbers
    one = squared_error(values(1.0, 2.0), [0.0, 4.0])
    assert one.data == 2.5
    assert squared_error([Value(3.0)], 1.0).data == 2.0


def test_mse_is_the_mean_of_squares():
    ps = values(1.0, 2.0, 0.5, -1.0)
    loss = mse([ps[:2], ps[2:]], [[0.0, 4.0], [1.0, 1.0]])
    loss.backward()
    assert loss.data == (1.0 + 4.0 + 0.25 + 4.0) / 4
    assert [p.grad for p in ps] == [2 * 1.0 / 4, 2 * -2.0 / 4, 2 * -0.5 / 4, 2 * -2.0 / 4]
    assert mse(Value(3.0), 1.0).data == 4.0


def test_binary_cross_entropy_from_probabilities():
    p = values(0.8, 0.3, 0.6)
    y = [1.0, 0.0, 0.25]
    loss = binary_cross_entropy(p, y)
    loss.backward()
    terms = [-(yi * math.log(pi) + (1 - yi) * math.log(1 - pi)) for pi, yi in zip([0.8, 0.3, 0.6], y)]
    assert loss.data == pytest.approx(sum(terms) / 3, rel=1e-14)
    for v, pi, yi in zip(p, [0.8, 0.3, 0.6], y):  # ∂/∂p = (p − y) / (p(1 − p)) / n
        assert v.grad == pytest.approx((pi - yi) / (pi * (1 - pi)) / 3, rel=1e-12)


def test_binary_cross_entropy_at_certain_probabilities_that_are_right():
    assert binary_cross_entropy(Value(1.0), 1.0).data == 0.0
    assert binary_cross_entropy(Value(0.0), 0.0).data == 0.0
    with pytest.raises(ValueError, match=r"probability at sample 1, output 1 is 1.0.*with_logits"):
        binary_cross_entropy(Value(1.0), 0.0)
    with pytest.raises(ValueError, match="probability at sample 2, output 1 is 1.5"):
        binary_cross_entropy([[Value(0.5)], [Value(1.5)]], [[1.0], [1.0]])
    with pytest.raises(ValueError, match=r"target at sample 1, output 1 must be in \[0, 1\], got 2.0"):
        binary_cross_entropy(Value(0.5), 2.0)


@pytest.mark.parametrize("z,y", [(-3.0, 0.0), (-0.4, 1.0), (0.0, 0.3), (0.7, 1.0), (2.5, 0.0), (4.0, 0.6)])
def test_bce_with_logits_matches_the_formula_and_sigmoid_minus_target(z, y):
    v = Value(z)
    loss = binary_cross_entropy_with_logits(v, y)
    loss.backward()
    p = 1.0 / (1.0 + math.exp(-z))
    assert loss.data == pytest.approx(-(y * math.log(p) + (1 - y) * math.log(1 - p)), rel=1e-12)
    assert v.grad == pytest.approx(p - y, rel=1e-12, abs=1e-15)  # ∂L/∂z = σ(z) − y
    gradcheck(lambda t: binary_cross_entropy_with_logits(t, y), [z])


@pytest.mark.parametrize("z,y,loss,grad", [
    (1000.0, 0.0, 1000.0, 1.0),
    (1000.0, 1.0, 0.0, 0.0),
    (-1000.0, 1.0, 1000.0, -1.0),
    (-1000.0, 0.0, 0.0, 0.0),
])
def test_bce_with_logits_is_stable_for_huge_logits(z, y, loss, grad):
    v = Value(z)
    out = binary_cross_entropy_with_logits(v, y)
    out.backward()
    assert (out.data, v.grad) == (loss, grad)


def test_bce_with_logits_batch_is_a_mean():
    zs = values(0.0, 0.0)
    out = binary_cross_entropy_with_logits([[zs[0]], [zs[1]]], [[1.0], [0.0]])
    out.backward()
    assert out.data == pytest.approx(math.log(2.0), rel=1e-15)
    assert [z.grad for z in zs] == [pytest.approx(-0.25), pytest.approx(0.25)]


def test_hinge_is_micrograds_margin_loss():
    s = values(0.3, 2.0, -0.5, 0.5)
    y = [1.0, 1.0, -1.0, -1.0]
    loss = hinge(s, y)
    loss.backward()
    assert loss.data == pytest.approx((0.7 + 0.0 + 0.5 + 1.5) / 4, rel=1e-15)
    assert [v.grad for v in s] == [-0.25, 0.0, 0.25, 0.25]  # −y/n where the margin is violated
    with pytest.raises(ValueError, match="hinge: label at sample 1, output 1 must be -1 or 1, got 0.0"):
        hinge(Value(0.2), 0)


def test_numbers_are_accepted_as_predictions():
    assert squared_error([0.5, 1.5], [1.0, 1.0]).data == 0.25
    assert squared_error(3.0, [1.0]).data == 2.0


def test_mismatched_shapes_are_value_errors():
    with pytest.raises(ValueError, match="squared_error: 2 predictions but 3 targets at sample 1"):
        squared_error(values(1.0, 2.0), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="mse: 2 samples of predictions but 1 of targets"):
        mse([values(1.0), values(2.0)], [[1.0]])
    with pytest.raises(ValueError, match="mse: 1 prediction but 2 targets at sample 2"):
        mse([values(1.0), values(2.0)], [[1.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match="target at sample 1, output 2: expected a number, got str"):
        squared_error(values(1.0, 2.0), [1.0, "2"])
    with pytest.raises(ValueError, match="no predictions at sample 1"):
        squared_error([], [])
    with pytest.raises(ValueError, match="a batch of 1 samples needs a list of targets"):
        squared_error([values(1.0)], 1.0)
    with pytest.raises(ValueError, match="predictions at sample 1 must be a list"):
        squared_error("ab", [1.0, 2.0])


def test_losses_by_name():
    assert get_loss("mse") is mse
    assert get_loss(hinge) is hinge
    assert set(LOSSES) == {"squared_error", "mse", "binary_cross_entropy",
                           "binary_cross_entropy_with_logits", "hinge"}
    with pytest.raises(ValueError, match="unknown loss 'l2'; valid losses are squared_error, mse"):
        get_loss("l2")

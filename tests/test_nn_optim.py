"""SGD, SGD with momentum and Adam against steps computed by hand."""

import math

import pytest

from autograd import Value
from nn import SGD, Adam


def param(data, grad):
    p = Value(data)
    p.grad = grad
    return p


def test_sgd_is_w_minus_lr_times_grad():
    w, b = param(0.7, -0.0459), param(0.2, 0.08)
    SGD([w, b], lr=0.5).step()
    assert w.data == 0.7 - 0.5 * -0.0459
    assert b.data == 0.2 - 0.5 * 0.08
    assert round(w.data, 4) == 0.7229  # seed 002's w2_new


def test_sgd_with_momentum_keeps_a_velocity():
    w = param(1.0, 0.5)
    opt = SGD([w], lr=0.1, momentum=0.9)
    opt.step()  # v1 = 0.5, w1 = 1 − 0.1·0.5 = 0.95
    assert w.data == pytest.approx(0.95, abs=1e-15)
    w.grad = -0.2
    opt.step()  # v2 = 0.9·0.5 − 0.2 = 0.25, w2 = 0.95 − 0.025 = 0.925
    assert opt.velocity == [pytest.approx(0.25, abs=1e-15)]
    assert w.data == pytest.approx(0.925, abs=1e-15)


def test_adam_two_steps_by_hand():
    w = param(1.0, 0.2)
    opt = Adam([w], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    # m = 0.02, v = 0.00004, m̂ = 0.2, v̂ = 0.04: w = 1 − 0.01·0.2/(0.2 + 1e-8)
    assert w.data == pytest.approx(1.0 - 0.01 * 0.2 / (0.2 + 1e-8), abs=1e-15)
    w1 = w.data
    w.grad = -0.1
    opt.step()
    m = 0.9 * 0.02 + 0.1 * -0.1  # 0.008
    v = 0.999 * 0.00004 + 0.001 * 0.01  # 0.00004996
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert opt.t == 2
    assert w.data == pytest.approx(w1 - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8), abs=1e-15)
    # m̂ = 0.008/0.19 = 0.0421053, v̂ = 0.00004996/0.001999 = 0.0249925, √v̂ = 0.1580901
    assert w.data == pytest.approx(0.99 - 0.0026634, abs=1e-6)  # 0.01·0.0421053/0.1580901 = 0.0026634


def test_zero_grad_clears_the_optimizers_params():
    ps = [param(1.0, 3.0), param(2.0, -1.0)]
    opt = SGD(ps, lr=0.1)
    opt.zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, float("nan"), float("inf"), "0.1", None, True])
@pytest.mark.parametrize("cls", [SGD, Adam])
def test_learning_rate_must_be_positive_and_finite(cls, lr):
    with pytest.raises(ValueError, match=f"{cls.__name__}: learning rate lr must be"):
        cls([Value(1.0)], lr=lr)


def test_bad_optimizer_settings():
    with pytest.raises(ValueError, match=r"SGD: momentum must be >= 0 and < 1, got 1.0"):
        SGD([Value(1.0)], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="Adam: beta2 must be >= 0 and < 1"):
        Adam([Value(1.0)], betas=(0.9, 1.5))
    with pytest.raises(ValueError, match="Adam: betas must be a pair"):
        Adam([Value(1.0)], betas=0.9)
    with pytest.raises(ValueError, match="Adam: eps must be > 0"):
        Adam([Value(1.0)], eps=0.0)
    with pytest.raises(ValueError, match="SGD: params is empty"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match=r"SGD: params\[1\] is not a Value: float 2.0"):
        SGD([Value(1.0), 2.0], lr=0.1)
    with pytest.raises(ValueError, match="SGD: params must be a list of Values"):
        SGD(3, lr=0.1)

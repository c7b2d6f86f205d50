"""The forward pass, gradients, one SGD step and training, against plain-float arithmetic."""

import math
import time

import pytest

from viz.worked import WorkedExampleError, backward, build, bundled_examples, load, loads, step, train

NET = """\
[inputs]
x = 0.8
y = 0.2
[params]
w = 0.6
b = -0.1
v = 1.5
[nodes]
z = "w*x + b"
a = "sigmoid(z)"
o = "v*a"
y_hat = "o"
half = "1/2"
loss = "half*(y_hat - y)**2"
[train]
lr = 0.25
steps = 50
"""


def sigmoid(t):
    return 1.0 / (1.0 + math.exp(-t))


def by_hand(w, b, v, x=0.8, y=0.2):
    """Forward and backward pass written out with floats."""
    z = w * x + b
    a = sigmoid(z)
    o = v * a
    loss = 0.5 * (o - y) ** 2
    d_o = o - y
    d_a = d_o * v
    d_z = d_a * a * (1 - a)
    return {
        "z": z, "a": a, "o": o, "loss": loss,
        "grad": {"o": d_o, "y_hat": d_o, "v": d_o * a, "a": d_a, "z": d_z, "w": d_z * x, "b": d_z, "x": d_z * w},
    }


@pytest.fixture
def example():
    return loads(NET, "net.toml")


def test_build_names_every_value(example):
    values = build(example)
    assert list(values) == ["x", "y", "w", "b", "v", "z", "a", "o", "y_hat", "half", "loss"]
    assert all(val.name == name for name, val in values.items())
    truth = by_hand(0.6, -0.1, 1.5)
    for name in ("z", "a", "o", "loss"):
        assert values[name].data == pytest.approx(truth[name], rel=1e-14)
    assert values["half"].data == 0.5 and values["half"].is_leaf


def test_alias_is_its_own_node(example):
    values = build(example)
    assert values["y_hat"] is not values["o"]
    assert values["y_hat"].parents == (values["o"],)
    assert values["o"].name == "o"


def test_backward_gives_dloss_dname(example):
    values = build(example)
    backward(example, values)
    truth = by_hand(0.6, -0.1, 1.5)["grad"]
    for name, g in truth.items():
        assert values[name].grad == pytest.approx(g, rel=1e-12), name
    backward(example, values)  # zeroes first: a second call gives the same numbers
    assert values["w"].grad == pytest.approx(truth["w"], rel=1e-12)


def test_step_is_sgd(example):
    new = step(example, build(example))
    g = by_hand(0.6, -0.1, 1.5)["grad"]
    assert new == pytest.approx({"w": 0.6 - 0.25 * g["w"], "b": -0.1 - 0.25 * g["b"], "v": 1.5 - 0.25 * g["v"]}, rel=1e-13)


def test_train_records_the_start_of_each_epoch(example):
    seen = []
    records = train(example, on_epoch=lambda n, r: seen.append((n, r["loss"])))
    assert len(records) == 50
    w, b, v = 0.6, -0.1, 1.5
    for n in range(50):  # the same run, with floats
        t = by_hand(w, b, v)
        assert records[n]["loss"] == pytest.approx(t["loss"], rel=1e-12)
        assert records[n]["a"] == pytest.approx(t["a"], rel=1e-12)
        assert records[n]["w"] == pytest.approx(w, rel=1e-12)
        g = t["grad"]
        w, b, v = w - 0.25 * g["w"], b - 0.25 * g["b"], v - 0.25 * g["v"]
    assert seen == [(n, r["loss"]) for n, r in enumerate(records)]
    assert len(train(example, steps=3)) == 3


def test_training_that_diverges_names_node_and_epoch():
    ex = loads('[params]\nw = 1\n[nodes]\nloss = "w**2"\n[train]\nlr = 10\nsteps = 1000\n', "div.toml")
    with pytest.raises(WorkedExampleError) as e:
        train(ex)
    # w -> w - 10*2w = -19w: w**2 overflows once |w| passes 1.3e154, after 121 updates
    assert str(e.value).startswith("div.toml: nodes.loss: ** overflows")
    assert str(e.value).endswith("at epoch 121 of training")


def test_backward_without_a_loss_is_an_error():
    ex = loads('[inputs]\nx = 2\n[nodes]\nd = "x*x"\n', "f.toml")
    with pytest.raises(WorkedExampleError, match="^f.toml: train.loss: no loss node"):
        backward(ex, build(ex))
    with pytest.raises(WorkedExampleError, match="^f.toml: train.loss: no loss node"):
        train(ex)


def test_build_with_other_parameters(example):
    values = build(example, {"w": 0.0, "b": 0.0, "v": 1.0})
    assert values["a"].data == 0.5 and values["loss"].data == pytest.approx(0.5 * 0.3**2)


def _seed002():
    paths = [p for p in bundled_examples() if p.name.startswith("seed002")]
    if not paths:
        pytest.skip("seed 002 example not bundled")
    return load(paths[0])


def test_seed002_thousand_epochs_match_floats_and_are_fast():
    ex = _seed002()
    start = time.perf_counter()
    records = train(ex)
    elapsed = time.perf_counter() - start
    assert len(records) == 1000
    assert elapsed < 2.0
    # the document's loop with floats: 1-1-1 sigmoid net, lr 0.5, x = 0.5, y = 1
    w1, b1, w2, b2, x, y = 0.3, 0.1, 0.7, 0.2, 0.5, 1.0
    for n in range(1000):
        a_h = sigmoid(w1 * x + b1)
        a_o = sigmoid(w2 * a_h + b2)
        loss = 0.5 * (y - a_o) ** 2
        assert records[n]["a_o"] == pytest.approx(a_o, rel=1e-12)
        assert records[n]["loss"] == pytest.approx(loss, rel=1e-11)
        d_zo = -(y - a_o) * a_o * (1 - a_o)
        d_zh = d_zo * w2 * a_h * (1 - a_h)
        w2, b2 = w2 - 0.5 * d_zo * a_h, b2 - 0.5 * d_zo
        w1, b1 = w1 - 0.5 * d_zh * x, b1 - 0.5 * d_zh
    # and the document's printed log
    assert round(records[200]["loss"], 6) == 0.001997
    assert round(records[200]["a_o"], 6) == 0.936796
    assert round(records[999]["a_o"], 6) == 0.974146

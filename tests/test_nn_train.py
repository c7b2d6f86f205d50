"""fit: seed 002's training log digit for digit, batches, determinism, progress, bad input."""

import io
import math
import sys

import pytest

from nn import MLP, SGD, Adam, Neuron, fit, format_epoch, format_final, mse, one_neuron_chain_1_1_1

# Seed 002 ("Math Behind Backpropagation"), as the document prints it.
SEED_002_LOG = [
    "Epoch 0, Loss: 0.063306, Prediction: 0.644173",
    "Epoch 200, Loss: 0.001997, Prediction: 0.936796",
    "Epoch 400, Loss: 0.000917, Prediction: 0.957166",
    "Epoch 600, Loss: 0.000585, Prediction: 0.965799",
    "Epoch 800, Loss: 0.000426, Prediction: 0.970806",
    "Final prediction: 0.974146",
]


def seed_002_floats(epochs=1000):
    """The document's own training loop, in plain floats."""
    x, y = 0.5, 1.0
    w1, b1, w2, b2 = 0.3, 0.1, 0.7, 0.2
    lr = 0.5
    losses = []
    for _ in range(epochs):
        a_h = 1 / (1 + math.exp(-(w1 * x + b1)))
        a_o = 1 / (1 + math.exp(-(w2 * a_h + b2)))
        losses.append(0.5 * (y - a_o) ** 2)
        d_o = -(y - a_o) * a_o * (1 - a_o)
        d_h = d_o * w2 * a_h * (1 - a_h)
        w2, b2 = w2 - lr * d_o * a_h, b2 - lr * d_o
        w1, b1 = w1 - lr * d_h * x, b1 - lr * d_h
    return losses, a_o, (w1, b1, w2, b2)


def test_seed_002_log_digit_for_digit():
    doc = one_neuron_chain_1_1_1()
    lines = []
    history = fit(doc.model, doc.data, loss=doc.loss, lr=doc.lr, epochs=doc.epochs,
                  log_every=doc.log_every, log=lines.append)
    assert lines == SEED_002_LOG
    assert len(history.losses) == 1000


def test_seed_002_unfused_and_with_an_sgd_object_gives_the_same_log():
    doc = one_neuron_chain_1_1_1(fused=False)
    lines = []
    fit(doc.model, doc.data, optimizer=SGD(doc.model.parameters(), lr=0.5), epochs=1000,
        log_every=200, log=lines.append)
    assert lines == SEED_002_LOG


def test_seed_002_history_matches_the_documents_float_loop():
    losses, final_prediction, params = seed_002_floats()
    doc = one_neuron_chain_1_1_1()
    history = fit(doc.model, doc.data, lr=0.5, epochs=1000)
    assert history.losses[0] == losses[0]  # epoch 0: the same arithmetic, before any update
    assert history.losses == pytest.approx(losses, rel=1e-9)
    assert history.final_loss == pytest.approx(losses[-1], rel=1e-9)
    assert history.predictions == [[pytest.approx(final_prediction, rel=1e-12)]]
    assert [p.data for p in doc.model.parameters()] == pytest.approx(list(params), rel=1e-12)


def test_default_log_prints_to_stdout(capsys):
    doc = one_neuron_chain_1_1_1()
    fit(doc.model, doc.data, lr=0.5, epochs=1000, log_every=200)
    assert capsys.readouterr().out.splitlines() == SEED_002_LOG


def test_silent_without_log_every_and_off_a_terminal(capsys):
    doc = one_neuron_chain_1_1_1()
    fit(doc.model, doc.data, lr=0.5, epochs=300)
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_short_run_on_a_terminal_shows_no_bar(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    doc = one_neuron_chain_1_1_1()
    fit(doc.model, doc.data, lr=0.5, epochs=100)  # well under the bar's one-second delay
    assert terminal.getvalue() == ""


def test_forced_progress_bar_writes_to_stderr(capsys):
    doc = one_neuron_chain_1_1_1()
    fit(doc.model, doc.data, lr=0.5, epochs=50, progress=True)
    captured = capsys.readouterr()
    assert "epoch" in captured.err and captured.out == ""


def test_mini_batches_step_per_batch_and_average_the_epoch_loss():
    # a linear neuron y = w·x + b trained one sample at a time, by hand
    data = [([1.0], [2.0]), ([2.0], [3.0]), ([-1.0], [0.5])]
    w, b, lr = 0.5, -0.25, 0.1
    model = Neuron(1, activation="linear")
    model.load_state_dict({"neuron1.w1": w, "neuron1.b": b})
    expected_losses = []
    for _ in range(2):
        batch = []
        for (x,), (y,) in data:
            p = w * x + b
            batch.append(0.5 * (y - p) ** 2)
            w, b = w - lr * (p - y) * x, b - lr * (p - y)
        expected_losses.append(sum(batch) / 3)
    history = fit(model, data, lr=lr, epochs=2, batch_size=1)
    assert history.losses == pytest.approx(expected_losses, rel=1e-14)
    assert model.state_dict() == {"neuron1.w1": pytest.approx(w, rel=1e-14), "neuron1.b": pytest.approx(b, rel=1e-14)}


def test_full_batch_mse_step_by_hand():
    data = [([1.0], [2.0]), ([3.0], [1.0])]
    model = MLP(1, [1], activation="linear", weights=[[[1.0]]], biases=[[0.0]])
    history = fit(model, data, loss=mse, lr=0.1, epochs=1)
    # predictions 1 and 3: errors −1 and 2; L = (1 + 4)/2; ∂L/∂w = (2·−1·1 + 2·2·3)/2 = 5, ∂L/∂b = 1
    assert history.losses == [2.5]
    assert model.state_dict() == {"layer1.neuron1.w1": 0.5, "layer1.neuron1.b": pytest.approx(-0.1, abs=1e-16)}
    assert history.predictions == [[1.0], [3.0]]


def test_training_is_deterministic_with_adam():
    data = [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])]
    runs = []
    for _ in range(2):
        model = MLP(2, [4, 1], activation=["tanh", "sigmoid"], seed=3)
        history = fit(model, data, optimizer=Adam(model.parameters(), lr=0.05), epochs=40, batch_size=2)
        runs.append((history.losses, model.state_dict()))
    assert runs[0] == runs[1]


def test_log_format_for_several_outputs_and_samples():
    assert format_epoch(3, 0.5, [[0.25, 0.75]]) == "Epoch 3, Loss: 0.500000, Prediction: [0.250000, 0.750000]"
    assert format_final([[0.1], [0.2]]) == "Final prediction: [[0.100000], [0.200000]]"


def test_bad_training_input_is_a_value_error():
    model = MLP(2, [1])
    good = [([1.0, 2.0], [1.0])]
    cases = [
        (dict(data=[], lr=0.1), "data must be a non-empty list"),
        (dict(data=[([1.0, 2.0],)], lr=0.1), r"data\[0\] must be an \(inputs, target\) pair"),
        (dict(data=good + [([1.0], [1.0])], lr=0.1), r"data\[1\] has 1 inputs, the model takes 2"),
        (dict(data=[([1.0, "b"], [1.0])], lr=0.1), r"data\[0\] input x2: expected a number"),
        (dict(data=[([1.0, 2.0], [1.0, 0.0])], lr=0.1), r"data\[0\] has 2 targets, the model gives 1 outputs"),
        (dict(data=[([1.0, 2.0], "1")], lr=0.1), r"data\[0\] target must be a number or a list"),
        (dict(data=good), "give an optimizer or a learning rate lr"),
        (dict(data=good, lr=0.0), "learning rate lr must be > 0"),
        (dict(data=good, lr=float("nan")), "learning rate lr must be a finite number"),
        (dict(data=good, lr=0.1, epochs=0), "epochs: expected a whole number >= 1"),
        (dict(data=good, lr=0.1, batch_size=0), "batch_size: expected a whole number >= 1"),
        (dict(data=good, lr=0.1, log_every=0), "log_every: expected a whole number >= 1"),
        (dict(data=good, lr=0.1, loss="l1"), "unknown loss 'l1'"),
        (dict(data=good, lr=0.1, optimizer=SGD(model.parameters(), lr=0.1)), "not both"),
        (dict(data=good, optimizer="adam"), "optimizer must be an nn.optim optimizer"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            fit(model, **kwargs)


@pytest.mark.parametrize("fused", [True, False])
def test_compiled_fit_reproduces_seed_002_and_its_float_loop(fused):
    doc = one_neuron_chain_1_1_1(fused=fused)
    lines = []
    history = fit(doc.model, doc.data, lr=doc.lr, epochs=doc.epochs, log_every=doc.log_every,
                  log=lines.append, compiled=True)
    assert lines == SEED_002_LOG
    losses, final_prediction, params = seed_002_floats()
    assert history.losses == pytest.approx(losses, rel=1e-9)
    assert history.predictions == [[pytest.approx(final_prediction, rel=1e-12)]]
    assert [p.data for p in doc.model.parameters()] == pytest.approx(list(params), rel=1e-12)


def test_compiled_fit_with_batches_matches_eager_step_for_step():
    data = [([0.1 * i, 1.0 - 0.05 * i], [0.5 + 0.02 * i]) for i in range(10)]
    runs = []
    for compiled in (False, True):
        model = MLP(2, [3, 1], activation=["tanh", "sigmoid"], seed=7)
        history = fit(model, data, loss=mse, optimizer=Adam(model.parameters(), lr=0.05),
                      epochs=30, batch_size=4, compiled=compiled)
        runs.append((history.losses, history.predictions, [p.data for p in model.parameters()]))
    eager, replayed = runs
    assert replayed[0] == pytest.approx(eager[0], rel=1e-12)
    assert replayed[1] == [[pytest.approx(v, rel=1e-12) for v in row] for row in eager[1]]
    assert replayed[2] == pytest.approx(eager[2], rel=1e-12)

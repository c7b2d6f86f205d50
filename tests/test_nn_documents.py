"""The documents' networks against their printed numbers and independent float computations.

Each printed number is checked at its rounding: |value − printed| ≤ half a
unit of its last digit, or, where the document computed it from rounded
intermediates, the error those intermediates allow (stated at each check).
The float references below are written out by hand, without nn or autograd.
"""

import math

import pytest

from autograd import topological_order
from nn import (
    DOCUMENT_NETWORKS,
    fit,
    linear_3_4_2_exercise,
    one_neuron_chain_1_1_1,
    shared_bias_2_2_1,
    sigmoid_2_3_1,
    squared_error,
    textbook_3_2_1,
)


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def half_unit(printed: str) -> float:
    """Half a unit of the last printed digit: '0.5933' -> 0.00005."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0**-decimals


def assert_printed(value, printed: str, tol=None):
    tol = half_unit(printed) if tol is None else tol
    assert abs(value - float(printed)) <= tol + 1e-15, f"{value!r} is not {printed} (±{tol:g})"


def forward_backward(doc):
    """Run the document's forward and backward pass; nodes by name."""
    loss = squared_error(doc.model(doc.inputs), doc.target)
    loss.backward()
    return {v.name: v for v in topological_order(loss) if v.name}


def param(doc, symbol):
    return dict(doc.model.named_parameters())[doc.doc_names[symbol]]


# --- seed 000: 3-2-1 sigmoid, textbook weights -------------------------------------------


def seed_000_floats():
    """Forward, error terms δ = −∂L/∂net and the η = 0.9 update, in floats."""
    x1, x2, x3, t, eta = 1.0, 0.0, 1.0, 1.0, 0.9
    w = dict(w14=0.2, w15=-0.3, w24=0.4, w25=0.1, w34=-0.5, w35=0.2, w46=-0.3, w56=-0.2,
             θ4=-0.4, θ5=0.2, θ6=0.1)
    z4 = w["w14"] * x1 + w["w24"] * x2 + w["w34"] * x3 + w["θ4"]
    z5 = w["w15"] * x1 + w["w25"] * x2 + w["w35"] * x3 + w["θ5"]
    o4, o5 = sigmoid(z4), sigmoid(z5)
    z6 = w["w46"] * o4 + w["w56"] * o5 + w["θ6"]
    o6 = sigmoid(z6)
    d6 = o6 * (1 - o6) * (t - o6)
    d5 = o5 * (1 - o5) * d6 * w["w56"]
    d4 = o4 * (1 - o4) * d6 * w["w46"]
    new = dict(w)
    for i, xi in ((1, x1), (2, x2), (3, x3)):
        new[f"w{i}4"] += eta * d4 * xi
        new[f"w{i}5"] += eta * d5 * xi
    new["w46"] += eta * d6 * o4
    new["w56"] += eta * d6 * o5
    new["θ4"] += eta * d4
    new["θ5"] += eta * d5
    new["θ6"] += eta * d6
    return dict(z4=z4, z5=z5, o4=o4, o5=o5, z6=z6, o6=o6, d4=d4, d5=d5, d6=d6), new


def test_seed_000_forward_and_error_terms():
    doc = textbook_3_2_1()
    n = forward_backward(doc)
    ref, _ = seed_000_floats()
    z4, a4 = n["layer1.neuron1.z"], n["layer1.neuron1.a"]
    z5, a5 = n["layer1.neuron2.z"], n["layer1.neuron2.a"]
    z6, o6 = n["layer2.neuron1.z"], n["layer2.neuron1.a"]
    # printed in the document and right
    assert_printed(z4.data, "-0.7")  # "exp(-(-0.7))"
    assert_printed(z5.data, "0.1")  # "exp(-0.1)"
    assert_printed(a4.data, "0.332")
    assert_printed(1 - o6.data, "0.526")  # "Error = ... = 0.526"
    assert_printed(-z6.grad, "0.131")  # δ6 = −∂L/∂z6
    # the right values where the document's print is garbled (it prints a5 = 0.325, o6 = 0.414)
    assert_printed(a5.data, "0.525")
    assert_printed(o6.data, "0.474")
    assert round(a5.data, 3) != 0.325 and round(o6.data, 3) != 0.414
    # the textbook's error terms
    # the textbook's δ6 = 0.474·0.526·0.526 = 0.1311 uses o6 rounded to 3 decimals:
    # |d/do o(1 − o)²| = 0.222 there, so ±0.222·0.0005 more
    assert_printed(-z6.grad, "0.1311", tol=half_unit("0.1311") + 0.222 * 0.0005)
    assert_printed(-z5.grad, "-0.0065")
    assert_printed(-z4.grad, "-0.0087")
    for node, key in ((z4, "z4"), (z5, "z5"), (a4, "o4"), (a5, "o5"), (z6, "z6"), (o6, "o6")):
        assert node.data == pytest.approx(ref[key], rel=1e-14), key
    for node, key in ((z4, "d4"), (z5, "d5"), (z6, "d6")):
        assert -node.grad == pytest.approx(ref[key], rel=1e-12), key


def test_seed_000_one_step_of_updates():
    doc = textbook_3_2_1()
    fit(doc.model, doc.data, loss=doc.loss, lr=doc.lr, epochs=doc.epochs)
    _, new = seed_000_floats()
    # the textbook's table of updated weights and biases (3 decimals)
    table = dict(w46="-0.261", w56="-0.138", w14="0.192", w15="-0.306", w24="0.400", w25="0.100",
                 w34="-0.508", w35="0.194", θ6="0.218", θ5="0.194", θ4="-0.408")
    for symbol, printed in table.items():
        assert_printed(param(doc, symbol).data, printed)
    assert_printed(param(doc, "θ6").data, "0.218")  # the document's "b6_new = 0.1 + (0.9 × 0.131) = 0.218"
    assert_printed(param(doc, "w35").data, "0.19411")  # the document prints 0.19143 (garbled)
    for symbol, value in new.items():
        assert param(doc, symbol).data == pytest.approx(value, rel=1e-12, abs=1e-15), symbol


# --- seed 001: 2-2-1 sigmoid with a shared hidden bias --------------------------------------


def seed_001_floats():
    x1, x2, y, lr = 0.05, 0.10, 0.01, 0.5
    w1, w2, w3, w4, w5, w6, b1, b2 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.35, 0.60
    z_h1, z_h2 = w1 * x1 + w2 * x2 + b1, w3 * x1 + w4 * x2 + b1
    a_h1, a_h2 = sigmoid(z_h1), sigmoid(z_h2)
    z_out = w5 * a_h1 + w6 * a_h2 + b2
    a_out = sigmoid(z_out)
    loss = 0.5 * (y - a_out) ** 2
    d_out = (a_out - y) * a_out * (1 - a_out)  # ∂L/∂z_out
    d_h1 = d_out * w5 * a_h1 * (1 - a_h1)
    d_h2 = d_out * w6 * a_h2 * (1 - a_h2)
    grads = dict(w1=d_h1 * x1, w2=d_h1 * x2, w3=d_h2 * x1, w4=d_h2 * x2, w5=d_out * a_h1, w6=d_out * a_h2,
                 b1=d_h1 + d_h2, b2=d_out)
    old = dict(w1=w1, w2=w2, w3=w3, w4=w4, w5=w5, w6=w6, b1=b1, b2=b2)
    new = {k: old[k] - lr * g for k, g in grads.items()}
    values = dict(z_h1=z_h1, z_h2=z_h2, a_h1=a_h1, a_h2=a_h2, z_out=z_out, a_out=a_out, loss=loss)
    return values, grads, new


def test_seed_001_forward_pass_and_loss():
    doc = shared_bias_2_2_1()
    n = forward_backward(doc)
    ref, _, _ = seed_001_floats()
    nodes = dict(z_h1="layer1.neuron1.z", z_h2="layer1.neuron2.z", a_h1="layer1.neuron1.a",
                 a_h2="layer1.neuron2.a", z_out="layer2.neuron1.z", a_out="layer2.neuron1.a", loss="loss")
    printed = dict(z_h1="0.3775", z_h2="0.3925", a_h1="0.5933", a_h2="0.5969", a_out="0.7514", loss="0.2748")
    for key, text in printed.items():
        assert_printed(n[nodes[key]].data, text)
    # z_out ≈ 1.1059 is computed from a_h1, a_h2 rounded to 4 decimals: ±(0.40 + 0.45)·0.00005 more
    assert_printed(n["layer2.neuron1.z"].data, "1.1059", tol=half_unit("1.1059") + 0.85 * 0.00005)
    for key, name in nodes.items():
        assert n[name].data == pytest.approx(ref[key], rel=1e-14), key
    # the chain-rule factors the document prints
    a_out, a_h1, a_h2 = n["layer2.neuron1.a"].data, n["layer1.neuron1.a"].data, n["layer1.neuron2.a"].data
    assert_printed(n["layer2.neuron1.a"].grad, "0.7414")  # ∂L/∂ŷ = ŷ − y
    assert_printed(a_out * (1 - a_out), "0.1868")
    assert_printed(a_h1 * (1 - a_h1), "0.2413")
    # the document prints 0.5969·0.4031 ≈ 0.2407; the product is 0.24061
    assert_printed(a_h2 * (1 - a_h2), "0.2406")


def test_seed_001_gradients_and_the_shared_bias():
    doc = shared_bias_2_2_1()
    forward_backward(doc)
    _, grads, _ = seed_001_floats()
    printed = dict(w1="0.00067", w3="0.00075", w4="0.00150", w5="0.0822", w6="0.0827", b2="0.1385", b1="0.0284")
    for symbol, text in printed.items():
        assert_printed(param(doc, symbol).grad, text)
    # w2: the document's own chain 0.7414·0.1868·0.40·0.2413·0.10 is 0.001337; it prints 0.00135
    assert_printed(param(doc, "w2").grad, "0.00134")
    # b1 is one parameter whose gradient sums the paths through h1 and h2 (0.0134 + 0.0150)
    h1, h2 = doc.model.layers[0].neurons
    assert h1.b is h2.b is param(doc, "b1")
    for symbol, value in grads.items():
        assert param(doc, symbol).grad == pytest.approx(value, rel=1e-12), symbol


def test_seed_001_update_table():
    doc = shared_bias_2_2_1()
    fit(doc.model, doc.data, loss=doc.loss, lr=doc.lr, epochs=1)
    _, grads, new = seed_001_floats()
    # The table's new values are old − 0.5·(printed gradient): allow half a unit of the new value
    # plus 0.5 × half a unit of the gradient it was computed from.
    table = dict(w6=("0.40865", "0.0827"), w5=("0.35890", "0.0822"), w4=("0.29925", "0.00150"),
                 w3=("0.249625", "0.00075"), w1=("0.149665", "0.00067"), b2=("0.5307", "0.1385"),
                 b1=("0.3358", "0.0284"))
    for symbol, (text, grad_text) in table.items():
        assert_printed(param(doc, symbol).data, text, tol=half_unit(text) + 0.5 * half_unit(grad_text))
    assert_printed(param(doc, "w2").data, "0.19933")  # the table's 0.199325 carries its w2 gradient slip
    for symbol, value in new.items():
        assert param(doc, symbol).data == pytest.approx(value, rel=1e-13), symbol


# --- seed 002: 1-1-1 sigmoid, the numeric step (the training log is in test_nn_train.py) ---------


def test_seed_002_numeric_step():
    doc = one_neuron_chain_1_1_1()
    n = forward_backward(doc)
    x, y, w1, b1, w2, b2 = 0.5, 1.0, 0.3, 0.1, 0.7, 0.2
    a_h = sigmoid(w1 * x + b1)
    a_o = sigmoid(w2 * a_h + b2)
    dL_dw2 = -(y - a_o) * a_o * (1 - a_o) * a_h
    dL_dw1 = -(y - a_o) * a_o * (1 - a_o) * w2 * a_h * (1 - a_h) * x
    for name, text in (("layer1.neuron1.z", "0.25"), ("layer1.neuron1.a", "0.5622"),
                       ("layer2.neuron1.a", "0.6442"), ("loss", "0.0633")):
        assert_printed(n[name].data, text)
    # z_o = 0.7·0.5622 + 0.2 from a_h rounded: ±0.7·0.00005 more
    assert_printed(n["layer2.neuron1.z"].data, "0.5935", tol=half_unit("0.5935") + 0.7 * 0.00005)
    assert_printed(param(doc, "w2").grad, "-0.0459")
    assert_printed(param(doc, "w1").grad, "-0.0070")
    assert param(doc, "w2").grad == pytest.approx(dL_dw2, rel=1e-13)
    assert param(doc, "w1").grad == pytest.approx(dL_dw1, rel=1e-13)
    doc2 = one_neuron_chain_1_1_1()
    fit(doc2.model, doc2.data, lr=0.5, epochs=1)
    assert_printed(param(doc2, "w2").data, "0.7229")
    assert_printed(param(doc2, "w1").data, "0.3035")
    assert param(doc2, "w2").data == pytest.approx(w2 - 0.5 * dL_dw2, rel=1e-15)


# --- seed 003: the 2-3-1 forward pass and the 3-4-2 linear exercise ---------------------------


def test_seed_003_sigmoid_2_3_1_forward_pass():
    doc = sigmoid_2_3_1()
    (out,) = doc.model(doc.inputs)
    n1, n2 = 0.2, 0.3
    n3, n4, n5 = sigmoid(4 * n1 + 5 * n2 + 1), sigmoid(5 * n1 + 6 * n2 + 1), sigmoid(6 * n1 + 7 * n2 + 1)
    z6 = 9 * n3 + 10 * n4 + 11 * n5 + 1
    hidden = {v.name: v for v in topological_order(out) if v.name}
    for j, (text, ref) in enumerate((("0.964", n3), ("0.978", n4), ("0.987", n5)), start=1):
        a = hidden[f"layer1.neuron{j}.a"]
        assert_printed(a.data, text)
        assert a.data == pytest.approx(ref, rel=1e-14)
    # σ(30.313): the sum is of n3..n5 rounded to 3 decimals, ±(9 + 10 + 11)·0.0005 more
    z = hidden["layer2.neuron1.z"]
    assert_printed(z.data, "30.313", tol=half_unit("30.313") + 30 * 0.0005)
    assert z.data == pytest.approx(z6, rel=1e-14)
    assert round(out.data, 3) == 1.0  # printed "= 1": the sigmoid saturates
    assert out.data == pytest.approx(sigmoid(z6), rel=1e-15) and out.data < 1.0
    with pytest.raises(ValueError, match="no target"):
        doc.data


def matvec(M, v):
    return [sum(m * x for m, x in zip(row, v)) for row in M]


def test_seed_003_linear_exercise_solution():
    W1 = [[2, 3, 4], [2, 1, 2], [3, 5, 1], [2, 3, 4]]
    W2 = [[3, 1, 1, 1], [1, 4, 2, 2]]
    b1, b2, x0, t, alpha = [4, 1, 1, 2], [2, 3], [2, 1, 3], [4, 5], 0.1
    # forward with y = x: x1 = W1·x0 + b1, x2 = W2·x1 + b2
    x1 = [s + b for s, b in zip(matvec(W1, x0), b1)]
    x2 = [s + b for s, b in zip(matvec(W2, x1), b2)]
    E = 0.5 * sum((a - b) ** 2 for a, b in zip(x2, t))
    # backward: δ2 = x2 − t, δ1 = W2ᵀ·δ2 (activation derivative 1), ∂E/∂W = δ·xᵀ, ∂E/∂b = δ
    d2 = [a - b for a, b in zip(x2, t)]
    d1 = matvec([list(col) for col in zip(*W2)], d2)
    gW2 = [[d * x for x in x1] for d in d2]
    gW1 = [[d * x for x in x0] for d in d1]
    newW2 = [[w - alpha * g for w, g in zip(wr, gr)] for wr, gr in zip(W2, gW2)]
    newW1 = [[w - alpha * g for w, g in zip(wr, gr)] for wr, gr in zip(W1, gW1)]
    newb2 = [b - alpha * d for b, d in zip(b2, d2)]
    newb1 = [b - alpha * d for b, d in zip(b1, d1)]
    assert (x1, x2, E) == ([23, 12, 15, 21], [119, 146], 16553.0)  # the solution the document leaves out

    doc = linear_3_4_2_exercise()
    out = doc.model(doc.inputs)
    loss = squared_error(out, doc.target)
    loss.backward()
    nodes = {v.name: v for v in topological_order(loss) if v.name}
    assert [nodes[f"layer1.neuron{r}.z"].data for r in range(1, 5)] == x1
    assert [o.data for o in out] == x2 and loss.data == E
    assert [o.grad for o in out] == d2
    assert [nodes[f"layer1.neuron{r}.z"].grad for r in range(1, 5)] == d1
    weights_grad = [[[p.grad for p in n.w] for n in layer.neurons] for layer in doc.model.layers]
    assert weights_grad == [gW1, gW2]
    assert [[n.b.grad for n in layer.neurons] for layer in doc.model.layers] == [d1, d2]

    fit(doc.model, doc.data, loss=doc.loss, lr=doc.lr, epochs=doc.epochs)
    weights, biases = doc.model.get_weights()
    assert weights == [newW1, newW2] and biases == [newb1, newb2]
    assert newW2[0][0] == pytest.approx(-261.5) and newb1[0] == pytest.approx(-44.6)


# --- all document networks -----------------------------------------------------------------


@pytest.mark.parametrize("name", list(DOCUMENT_NETWORKS))
def test_document_names_map_to_parameters_and_unfused_form_agrees(name):
    doc = DOCUMENT_NETWORKS[name]()
    params = dict(doc.model.named_parameters())
    assert set(doc.doc_names.values()) == set(params)  # every parameter has exactly one document symbol
    assert len(doc.doc_names) == len(params)
    unfused = DOCUMENT_NETWORKS[name](fused=False)
    assert [o.data for o in doc.model(doc.inputs)] == [o.data for o in unfused.model(unfused.inputs)]
    if doc.target is not None:
        forward_backward(doc)
        forward_backward(unfused)
        assert [p.grad for p in doc.model.parameters()] == [p.grad for p in unfused.model.parameters()]


def test_document_symbols_hold_the_documents_values():
    assert param(textbook_3_2_1(), "w34").data == -0.5
    assert param(textbook_3_2_1(), "θ6").data == 0.1
    assert param(shared_bias_2_2_1(), "b1").data == 0.35
    assert param(shared_bias_2_2_1(), "w4").data == 0.30
    assert param(one_neuron_chain_1_1_1(), "b2").data == 0.2
    assert param(sigmoid_2_3_1(), "w46").data == 10.0
    assert param(sigmoid_2_3_1(), "w25").data == 7.0
    assert param(linear_3_4_2_exercise(), "W2_2_2").data == 4.0
    assert param(linear_3_4_2_exercise(), "b1_4").data == 2.0

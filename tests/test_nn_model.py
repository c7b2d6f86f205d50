"""Neuron, Layer, MLP: parameter order and names, node names, init, state, repr, bad input."""

import ast
import json
import math
import pathlib
import random

import pytest

import autograd
from autograd import Value, topological_order
from nn import ACTIVATIONS, MLP, Layer, Neuron, squared_error


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


# --- parameter order and names ------------------------------------------------


def test_mlp_parameter_order_is_layer_neuron_weights_then_bias():
    model = MLP(3, [2, 1])
    assert [name for name, _ in model.named_parameters()] == [
        "layer1.neuron1.w1", "layer1.neuron1.w2", "layer1.neuron1.w3", "layer1.neuron1.b",
        "layer1.neuron2.w1", "layer1.neuron2.w2", "layer1.neuron2.w3", "layer1.neuron2.b",
        "layer2.neuron1.w1", "layer2.neuron1.w2", "layer2.neuron1.b",
    ]
    assert [p.name for p in model.parameters()] == [n for n, _ in model.named_parameters()]
    assert list(model.state_dict()) == [n for n, _ in model.named_parameters()]


def test_shared_bias_order_puts_the_layer_bias_after_its_neurons_weights():
    model = MLP(2, [2, 1], activation="sigmoid", shared_bias=True)
    assert [name for name, _ in model.named_parameters()] == [
        "layer1.neuron1.w1", "layer1.neuron1.w2", "layer1.neuron2.w1", "layer1.neuron2.w2", "layer1.b",
        "layer2.neuron1.w1", "layer2.neuron1.w2", "layer2.b",
    ]
    layer = model.layers[0]
    assert layer.neurons[0].b is layer.neurons[1].b is layer.bias


def test_shared_bias_gradient_sums_both_paths():
    # z1 = w1·x1 + w2·x2 + b, z2 = w3·x1 + w4·x2 + b, y = v1·σ(z1) + v2·σ(z2) + c (linear output)
    w, b, v, c = [[0.3, -0.2], [0.5, 0.1]], 0.25, [0.7, -0.4], 0.05
    model = MLP(2, [2, 1], activation=["sigmoid", "linear"], shared_bias=True, weights=[w, [v]], biases=[b, c])
    x = [0.6, -1.2]
    loss = squared_error(model(x), [0.0])
    loss.backward()
    a = [sigmoid(w[j][0] * x[0] + w[j][1] * x[1] + b) for j in range(2)]
    y = v[0] * a[0] + v[1] * a[1] + c
    dy = y - 0.0  # ∂(1/2 y²)/∂y
    expected = dy * v[0] * a[0] * (1 - a[0]) + dy * v[1] * a[1] * (1 - a[1])
    assert model.layers[0].bias.grad == pytest.approx(expected, rel=1e-12)
    assert model.layers[1].bias.grad == pytest.approx(dy, rel=1e-12)


def test_layer_and_neuron_parameter_names():
    layer = Layer(2, 2, name="layer3")
    assert [n for n, _ in layer.named_parameters()] == [
        "layer3.neuron1.w1", "layer3.neuron1.w2", "layer3.neuron1.b",
        "layer3.neuron2.w1", "layer3.neuron2.w2", "layer3.neuron2.b",
    ]
    shared = Layer(2, 2, shared_bias=True)
    assert [n for n, _ in shared.named_parameters()] == [
        "layer1.neuron1.w1", "layer1.neuron1.w2", "layer1.neuron2.w1", "layer1.neuron2.w2", "layer1.b",
    ]
    assert [n for n, _ in Neuron(2).named_parameters()] == ["neuron1.w1", "neuron1.w2", "neuron1.b"]


# --- calling, node names, fused and unfused ---------------------------------------


def test_calls_return_lists_even_for_one_output():
    out = MLP(2, [1, 1])([0.5, -0.5])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    assert len(Layer(2, 3)([1.0, 2.0])) == 3
    assert isinstance(Neuron(2)([1.0, 2.0]), Value)


def test_nodes_are_named_by_dotted_path():
    model = MLP(2, [2, 1], activation=["tanh", "sigmoid"])
    loss = squared_error(model([0.1, 0.2]), [1.0])
    names = {v.name for v in topological_order(loss)} - {None}
    assert names == {
        "x1", "x2", "loss",
        "layer1.neuron1.w1", "layer1.neuron1.w2", "layer1.neuron1.b", "layer1.neuron1.z", "layer1.neuron1.a",
        "layer1.neuron2.w1", "layer1.neuron2.w2", "layer1.neuron2.b", "layer1.neuron2.z", "layer1.neuron2.a",
        "layer2.neuron1.w1", "layer2.neuron1.w2", "layer2.neuron1.b", "layer2.neuron1.z", "layer2.neuron1.a",
    }
    a = model([0.1, 0.2])[0]
    assert (a.name, a.op) == ("layer2.neuron1.a", "sigmoid")
    assert (a.parents[0].name, a.parents[0].op) == ("layer2.neuron1.z", "linear")


def test_linear_activation_adds_no_node_and_output_is_z():
    model = MLP(2, [1], activation="linear", weights=[[[2.0, 3.0]]], biases=[[1.0]])
    (z,) = model([1.0, 1.0])
    assert (z.name, z.op, z.data) == ("layer1.neuron1.z", "linear", 6.0)


def test_inputs_are_one_shared_leaf_per_input():
    model = MLP(3, [2, 1])
    loss = squared_error(model([1.0, 0.0, 1.0]), [1.0])
    xs = [v for v in topological_order(loss) if v.name in ("x1", "x2", "x3")]
    assert sorted(v.name for v in xs) == ["x1", "x2", "x3"] and all(v.is_leaf for v in xs)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_unfused_teaching_form_gives_identical_values_and_gradients(activation):
    fused = MLP(3, [4, 2], activation=activation, seed=7)
    unfused = MLP(3, [4, 2], activation=activation, seed=7, fused=False)
    x, t = [0.3, -1.1, 0.8], [0.2, -0.4]
    lf, lu = squared_error(fused(x), t), squared_error(unfused(x), t)
    lf.backward()
    lu.backward()
    assert lf.data == lu.data
    assert [p.grad for p in fused.parameters()] == [p.grad for p in unfused.parameters()]
    ops_f = {v.op for v in topological_order(lf)}
    ops_u = {v.op for v in topological_order(lu)}
    assert "linear" in ops_f and "linear" not in ops_u and {"*", "+"} <= ops_u
    z = [v for v in topological_order(lu) if v.name == "layer1.neuron1.z"][0]
    assert z.op == "+" and z.parents[1].name == "layer1.neuron1.b"


def test_forward_matches_a_float_computation_for_each_activation():
    f = {"sigmoid": sigmoid, "tanh": math.tanh, "relu": lambda z: max(0.0, z), "linear": lambda z: z}
    W1, b1 = [[0.5, -1.0], [0.25, 0.75], [-0.6, 0.2]], [0.1, -0.2, 0.3]
    W2, b2 = [[1.0, -0.5, 0.8]], [-0.1]
    x = [0.9, -0.4]
    for act in ACTIVATIONS:
        for act_out in ("sigmoid", "linear"):
            model = MLP(2, [3, 1], activation=[act, act_out], weights=[W1, W2], biases=[b1, b2])
            h = [f[act](W1[j][0] * x[0] + W1[j][1] * x[1] + b1[j]) for j in range(3)]
            y = f[act_out](sum(W2[0][j] * h[j] for j in range(3)) + b2[0])
            assert model(x)[0].data == pytest.approx(y, rel=1e-14), (act, act_out)


# --- initialization ------------------------------------------------------------------


def test_seeded_init_draws_uniform_in_parameter_order():
    model = MLP(3, [4, 2], seed=42)
    rng = random.Random(42)
    expected = [rng.uniform(-1.0, 1.0) for _ in range(26)]
    assert [p.data for p in model.parameters()] == expected
    assert all(-1.0 <= v <= 1.0 for v in expected)
    assert [p.data for p in MLP(3, [4, 2], seed=43).parameters()] != expected
    layer = Layer(2, 3, shared_bias=True, seed=5)
    rng = random.Random(5)
    assert [p.data for p in layer.parameters()] == [rng.uniform(-1.0, 1.0) for _ in range(7)]
    rng = random.Random(9)
    assert [p.data for p in Neuron(3, seed=9).parameters()] == [rng.uniform(-1.0, 1.0) for _ in range(4)]


def test_init_never_touches_the_global_random_state():
    random.seed(1)
    state = random.getstate()
    first = MLP(2, [3, 1]).state_dict()
    assert random.getstate() == state
    random.seed(2)
    assert MLP(2, [3, 1]).state_dict() == first


def test_explicit_weights_and_get_weights_round_trip():
    weights = [[[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]], [[-0.3, -0.2]]]
    biases = [[-0.4, 0.2], [0.1]]
    model = MLP(3, [2, 1], weights=weights, biases=biases)
    assert [p.data for p in model.parameters()] == [0.2, 0.4, -0.5, -0.4, -0.3, 0.1, 0.2, 0.2, -0.3, -0.2, 0.1]
    assert model.get_weights() == (weights, biases)
    shared = MLP(2, [2, 1], shared_bias=True, weights=[[[1, 2], [3, 4]], [[5, 6]]], biases=[7, 8])
    assert [p.data for p in shared.parameters()] == [1.0, 2.0, 3.0, 4.0, 7.0, 5.0, 6.0, 8.0]
    assert shared.get_weights() == ([[[1, 2], [3, 4]], [[5, 6]]], [7, 8])


def test_assigning_data_in_parameter_order_sets_the_network():
    model = MLP(1, [1])
    for p, v in zip(model.parameters(), [2.0, -1.0]):
        p.data = v
    assert model([3.0])[0].data == sigmoid(2.0 * 3.0 - 1.0)


# --- state ---------------------------------------------------------------------------


def test_state_dict_json_round_trip_is_bit_for_bit():
    model = MLP(3, [5, 4, 2], activation=["tanh", "relu", "sigmoid"], seed=11)
    # values that do not survive a short decimal: thirds, tiny and huge numbers
    for p, v in zip(model.parameters()[:3], [1 / 3, 5e-324, 1.7976931348623157e308]):
        p.data = v
    text = json.dumps(model.state_dict())
    other = MLP(3, [5, 4, 2], activation=["tanh", "relu", "sigmoid"], seed=12)
    other.load_state_dict(json.loads(text))
    assert [p.data.hex() for p in other.parameters()] == [p.data.hex() for p in model.parameters()]


def test_load_state_dict_rejects_unknown_missing_and_bad_values_without_changing_anything():
    model = MLP(2, [2, 1], seed=3)
    before = model.state_dict()
    state = dict(before)
    state["layer9.neuron1.w1"] = 0.0
    with pytest.raises(ValueError, match="unknown parameter 'layer9.neuron1.w1'"):
        model.load_state_dict(state)
    state = dict(before)
    del state["layer2.neuron1.b"]
    with pytest.raises(ValueError, match="missing parameter 'layer2.neuron1.b'"):
        model.load_state_dict(state)
    for bad in ("0.5", None, True, b"1", 10**400):  # nan and inf load: state_dict writes them
        state = dict(before)
        state["layer1.neuron2.w1"] = 0.25
        state["layer2.neuron1.w2"] = bad
        with pytest.raises(ValueError, match=r"state\['layer2.neuron1.w2'\]"):
            model.load_state_dict(state)
    with pytest.raises(ValueError, match="dict"):
        model.load_state_dict([1.0, 2.0])
    assert model.state_dict() == before


def test_load_state_dict_from_a_network_of_another_shape_fails():
    small = MLP(3, [2, 1]).state_dict()
    with pytest.raises(ValueError, match="missing parameter 'layer1.neuron3.w1'"):
        MLP(3, [3, 1]).load_state_dict(small)
    with pytest.raises(ValueError, match="unknown parameter 'layer1.neuron1.w3'"):
        MLP(2, [2, 1]).load_state_dict(small)


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [2, 1], seed=1)
    squared_error(model([1.0, 2.0]), [0.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_reprs_are_readable():
    assert repr(MLP(3, [2, 1])) == "MLP(3, [2, 1], activation='sigmoid', shared_bias=False)"
    assert repr(MLP(2, [2, 1], activation=["tanh", "linear"], shared_bias=[True, False], fused=False)) == (
        "MLP(2, [2, 1], activation=['tanh', 'linear'], shared_bias=[True, False], fused=False)"
    )
    assert repr(Layer(3, 2, "relu")) == "Layer(3, 2, activation='relu', shared_bias=False, name='layer1')"
    assert repr(Neuron(2, "tanh")) == "Neuron(2, activation='tanh', name='neuron1')"


# --- bad input ------------------------------------------------------------------------


def test_wrong_input_length_is_a_value_error():
    with pytest.raises(ValueError, match="MLP: expected 3 inputs, got 2"):
        MLP(3, [2, 1])([1.0, 0.0])
    with pytest.raises(ValueError, match="layer1: expected 2 inputs, got 3"):
        Layer(2, 2)([1, 2, 3])
    with pytest.raises(ValueError, match="neuron1: expected 1 input, got 2"):
        Neuron(1)([1, 2])


def test_non_number_input_names_the_input():
    with pytest.raises(ValueError, match="MLP: input x2: expected a number, got str 'a'"):
        MLP(2, [1])([1.0, "a"])
    with pytest.raises(ValueError, match="input x1: expected a finite number, got nan"):
        MLP(2, [1])([float("nan"), 1.0])
    with pytest.raises(ValueError, match="inputs must be a list"):
        MLP(2, [1])("12")


def test_unknown_activation_lists_the_valid_ones():
    valid = "'sigmoid', 'tanh', 'relu', 'linear'"
    with pytest.raises(ValueError, match=f"layer1: unknown activation 'softmax'; valid activations are {valid}"):
        MLP(2, [1], activation="softmax")
    with pytest.raises(ValueError, match=f"layer2: unknown activation 'Tanh'; valid activations are {valid}"):
        MLP(2, [2, 1], activation=["tanh", "Tanh"])
    with pytest.raises(ValueError, match="neuron1: unknown activation"):
        Neuron(2, activation="step")
    with pytest.raises(ValueError, match="activation lists 1 entries for 2 layers"):
        MLP(2, [2, 1], activation=["tanh"])


def test_weights_of_the_wrong_shape_name_the_layer():
    ok_w = [[[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]], [[-0.3, -0.2]]]
    ok_b = [[-0.4, 0.2], [0.1]]
    cases = [
        ([ok_w[0]], ok_b, "weights list 1 layers, the network has 2"),
        (ok_w, [ok_b[0]], "biases list 1 layers, the network has 2"),
        ([ok_w[0], [[-0.3, -0.2], [0.1, 0.1]]], ok_b, r"layer2: expected weights for 1 neuron \(a 1x2 nested"),
        ([[[0.2, 0.4], [-0.3, 0.1, 0.2]], ok_w[1]], ok_b, r"layer1.neuron1: expected 3 weights \(one per input\), got 2"),
        (ok_w, [[-0.4], [0.1]], r"layer1: expected 2 biases \(one per neuron\), got 1"),
        (ok_w, [[-0.4, 0.2], 0.1], "layer2: biases: expected a list"),
        ([[[0.2, "x", -0.5], [-0.3, 0.1, 0.2]], ok_w[1]], ok_b, "layer1.neuron1.w2: expected a number"),
        (ok_w, [[-0.4, float("inf")], [0.1]], "layer1.neuron2.b: expected a finite number"),
    ]
    for weights, biases, message in cases:
        with pytest.raises(ValueError, match=message):
            MLP(3, [2, 1], weights=weights, biases=biases)
    with pytest.raises(ValueError, match="layer1: a shared bias is one number"):
        MLP(2, [2, 1], shared_bias=True, weights=[[[1, 2], [3, 4]], [[5, 6]]], biases=[[7, 7], 8])
    with pytest.raises(ValueError, match="give weights and biases together"):
        MLP(3, [2, 1], weights=ok_w)


def test_failed_set_weights_changes_nothing():
    model = MLP(2, [2, 1], seed=4)
    before = model.state_dict()
    with pytest.raises(ValueError, match="layer2"):
        model.set_weights([[[1, 2], [3, 4]], [[5]]], [[1, 2], [3]])
    assert model.state_dict() == before


def test_bad_sizes_and_settings():
    with pytest.raises(ValueError, match="MLP: nin: expected a whole number >= 1, got 0"):
        MLP(0, [1])
    with pytest.raises(ValueError, match="nouts must list at least one layer"):
        MLP(2, [])
    with pytest.raises(ValueError, match=r"nouts\[1\] \(layer2\): expected a whole number >= 1, got 1.5"):
        MLP(2, [2, 1.5])
    with pytest.raises(ValueError, match="seed must be an int"):
        MLP(2, [1], seed="7")
    with pytest.raises(ValueError, match="shared_bias must be True or False"):
        MLP(2, [1], shared_bias="yes")
    with pytest.raises(ValueError, match="layer1: nout"):
        Layer(2, 0)


def test_nn_uses_only_the_engines_public_api():
    private = {name for name in dir(Value) if name.startswith("_") and not name.startswith("__")}
    private |= {name for name in Value.__slots__ if name.startswith("_")}
    for path in sorted(pathlib.Path(__file__).resolve().parents[1].joinpath("nn").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("autograd"):
                assert node.module == "autograd", f"{path.name} imports {node.module}"
                assert {a.name for a in node.names} <= set(autograd.__all__), path.name
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("autograd") for a in node.names), path.name
            if isinstance(node, ast.Attribute):
                assert node.attr not in private, f"{path.name}: .{node.attr}"

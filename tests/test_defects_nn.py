"""Regression tests for the nn items of issue 10: state round trips, optimizer params, number types, copies.

Item 13: ``load_state_dict`` refused the nan and inf that ``state_dict`` wrote.
Item 18: optimizers stepped a parameter listed twice twice; ``load_state_dict``
took a Fraction but not a Decimal.  Item 12 (nn's part): an int too large
for a float raised a raw OverflowError.  Item 9 (nn's part): a deep copy of
a model must train on its own.
"""

import copy
import json
import math
import re
from decimal import Decimal
from fractions import Fraction

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, fit

NAN_W = "layer1.neuron1.w1"
INF_W = "layer1.neuron2.w2"
NEG_INF_B = "layer2.neuron1.b"


def diverged_model():
    model = MLP(2, [2, 1], seed=4)
    state = model.state_dict()
    state.update({NAN_W: math.nan, INF_W: math.inf, NEG_INF_B: -math.inf})
    for p in model.parameters():
        p.data = state[p.name]
    return model


def same_bits(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


# --- item 13: what state_dict writes, load_state_dict reads -------------------------------


def test_state_dict_with_nan_and_inf_loads_back():
    model = diverged_model()
    other = MLP(2, [2, 1], seed=9)
    other.load_state_dict(model.state_dict())
    loaded = other.state_dict()
    assert math.isnan(loaded[NAN_W]) and loaded[INF_W] == math.inf and loaded[NEG_INF_B] == -math.inf
    assert all(same_bits(loaded[k], v) for k, v in model.state_dict().items())


def test_state_dict_with_nan_and_inf_survives_json():
    model = diverged_model()
    text = json.dumps(model.state_dict())  # Python's json writes NaN, Infinity, -Infinity
    assert "NaN" in text and "-Infinity" in text
    other = MLP(2, [2, 1], seed=9)
    other.load_state_dict(json.loads(text))
    assert all(same_bits(other.state_dict()[k], v) for k, v in model.state_dict().items())


# --- item 18: each parameter once -------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: Adam(ps, lr=0.01),
], ids=["sgd", "momentum", "adam"])
def test_optimizers_refuse_a_parameter_listed_twice(make):
    model = MLP(2, [2, 1], seed=1)
    params = model.parameters()
    twice = params + [params[2]]
    with pytest.raises(ValueError, match=rf"params\[{len(params)}\] \(layer1.neuron1.b\) is the same Value "
                                         r"as params\[2\]; list each parameter once"):
        make(twice)
    w = Value(1.0)  # unnamed
    with pytest.raises(ValueError, match=r"params\[1\] is the same Value as params\[0\]"):
        make([w, w])
    make(params)  # each once: fine


def test_sgd_steps_each_parameter_once():
    w = Value(1.0, "w")
    opt = SGD([w, Value(2.0, "v")], lr=0.5)
    w.grad = 0.25
    opt.step()
    assert w.data == 1.0 - 0.5 * 0.25


# --- item 18: every real number type, one rule ---------------------------------------------------


REAL = [3, Fraction(1, 3), Decimal("0.1"), 2.5, -0.0]


@pytest.mark.parametrize("number", REAL, ids=lambda v: type(v).__name__)
def test_load_state_dict_takes_every_real_number_type_as_value_does(number):
    model = MLP(2, [2, 1], seed=2)
    state = model.state_dict()
    state[NAN_W] = number
    model.load_state_dict(state)
    got = model.state_dict()[NAN_W]
    assert type(got) is float and same_bits(got, Value(number).data)
    assert got == float(number) and math.copysign(1.0, got) == math.copysign(1.0, float(number))


def test_load_state_dict_takes_numpy_scalars():
    np = pytest.importorskip("numpy")
    model = MLP(2, [2, 1], seed=2)
    state = model.state_dict()
    state[NAN_W], state[INF_W] = np.float32(0.1), np.int64(-7)
    model.load_state_dict(state)
    assert model.state_dict()[NAN_W] == float(np.float32(0.1)) == 0.10000000149011612
    assert model.state_dict()[INF_W] == -7.0


@pytest.mark.parametrize("bad, message", [
    (True, "expected a number, got bool True"),
    ("0.5", "expected a number, got str '0.5'"),
    (None, "expected a number, got NoneType None"),
    (10**400, "the int is too large for a float"),
    (Decimal("1e400"), "the Decimal is too large for a float"),
    (Decimal("-1e400"), "the Decimal is too large for a float"),
    (Decimal("sNaN"), "expected a number, got Decimal"),
    (1j, "expected a number, got complex"),
], ids=["bool", "str", "None", "int 10**400", "Decimal 1e400", "Decimal -1e400", "Decimal sNaN", "complex"])
def test_load_state_dict_refuses_what_is_not_a_float_and_changes_nothing(bad, message):
    model = MLP(2, [2, 1], seed=2)
    before = model.state_dict()
    state = dict(before)
    state[NAN_W] = 0.75
    state[INF_W] = bad
    with pytest.raises(ValueError, match=re.escape(f"state['{INF_W}']: {message}")):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_decimal_and_fraction_inputs_and_rates_are_numbers_everywhere():
    model = MLP(2, [2, 1], seed=3)
    a = [v.data for v in model([Decimal("0.5"), Fraction(1, 4)])]
    b = [v.data for v in model([0.5, 0.25])]
    assert a == b
    assert SGD(model.parameters(), lr=Decimal("0.1")).lr == 0.1
    assert Adam(model.parameters(), lr=Fraction(1, 8)).lr == 0.125


def test_an_input_too_large_for_a_float_is_a_clear_error():
    model = MLP(2, [2, 1], seed=3)
    with pytest.raises(ValueError, match=r"MLP: input x1: the int is too large for a float"):
        model([10**400, 0.0])
    with pytest.raises(ValueError, match=r"learning rate lr: the Decimal is too large for a float"):
        SGD(model.parameters(), lr=Decimal("1e400"))


# --- a copied model trains on its own -----------------------------------------------------------


DATA = [([0.5, -1.0], [1.0]), ([1.0, 0.3], [0.0]), ([-0.2, 0.8], [1.0])]


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "replay"])
def test_a_deep_copy_of_a_model_trains_independently_of_the_original(compiled):
    original = MLP(2, [3, 1], activation=["tanh", "sigmoid"], seed=5)
    start = original.state_dict()
    twin = copy.deepcopy(original)
    assert twin.state_dict() == start
    assert not {id(p) for p in twin.parameters()} & {id(p) for p in original.parameters()}
    assert [p.name for p in twin.parameters()] == [p.name for p in original.parameters()]

    history = fit(twin, DATA, lr=0.5, epochs=20, compiled=compiled)
    assert original.state_dict() == start  # the original did not move
    assert all(p.grad == 0.0 for p in original.parameters())

    fresh = MLP(2, [3, 1], activation=["tanh", "sigmoid"], seed=5)  # built the same way, never copied
    expected = fit(fresh, DATA, lr=0.5, epochs=20, compiled=compiled)
    assert history.losses == expected.losses
    assert history.losses[-1] < history.losses[0]
    assert twin.state_dict() == fresh.state_dict()

    again = fit(original, DATA, lr=0.5, epochs=20, compiled=compiled)  # and the original still trains
    assert again.losses == expected.losses

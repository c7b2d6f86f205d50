"""The hand check from Python (issue 11): ``viz.compare`` gives the CLI's verdicts, on a loaded
worked example and on an ``nn.MLP`` with seed 001's weights.

The MLP's numbers are the document's printed ones (seed 001: 'Forward &
Backpropagation' notes); the engine's values they are judged against are
computed here again in plain floats, and each expected verdict follows from
the written rule: exact when the engine's value rounds to the hand value at
the hand value's decimals, close when within rtol of it, else wrong.
"""

from __future__ import annotations

import json
import math

import pytest

import nn
import viz
from autograd import Value
from viz.cli import main

EXAMPLES = ["seed000", "seed001", "seed002", "seed003_2", "seed003_3"]


def cli_verdicts(capsys, example: str) -> list[dict]:
    capsys.readouterr()
    status = main(["check", example, "--format", "json"])
    out, err = capsys.readouterr()
    assert status in (0, 1) and err == ""
    return json.loads(out)["data"]["verdicts"]


def texts(hands: dict) -> dict[str, str]:
    """The hand numbers as the file writes them (strings keep their digits)."""
    return {name: hand.text for name, hand in hands.items()}


@pytest.mark.parametrize("example", EXAMPLES)
def test_compare_reproduces_the_cli_verdicts_of_every_bundled_example(capsys, example):
    loaded = viz.load(example)
    expect = loaded.expect
    result = viz.compare(loaded.root, values=texts(expect["values"]), grads=texts(expect["grads"]),
                         deltas=texts(expect["deltas"]), updated=texts(expect["updated"]),
                         lr=loaded.example.lr, rtol=loaded.example.rtol)
    # compare() takes the graph quantities (values, grads, deltas, updated), kind by kind;
    # the file's epochs, local derivatives, steps and arithmetic lines are loaded.compare()'s
    kinds = ("value", "grad", "delta", "updated")
    cli = sorted((v for v in cli_verdicts(capsys, example) if v["kind"] in kinds),
                 key=lambda v: kinds.index(v["kind"]))
    assert cli, "the file expects numbers"
    assert [(v.kind, v.name, v.verdict) for v in result.verdicts] == \
        [(v["kind"], v["name"], v["verdict"]) for v in cli]
    assert [v.hand.text for v in result.verdicts] == [v["hand"] for v in cli]
    for mine, theirs in zip(result.verdicts, cli):
        assert mine.engine == pytest.approx(theirs["engine"], rel=1e-12, abs=1e-300), mine.quantity
    assert result.ok == all(v["verdict"] != "wrong" for v in cli)
    # the loaded file's own comparison is the CLI's check, epochs included
    assert [(v.kind, v.name, v.epoch, v.verdict) for v in loaded.compare().verdicts] == \
        [(v["kind"], v["name"], v["epoch"], v["verdict"]) for v in cli_verdicts(capsys, example)]


def test_the_loaded_example_knows_seed000s_slips(capsys):
    result = viz.load("seed000").compare()
    assert not result.ok
    # the graph quantities the document gets wrong (its arithmetic lines and steps aside)
    assert {v.quantity for v in result.verdicts if v.verdict == "wrong"
            and v.kind in ("value", "grad", "delta", "updated")} == {
        "value a5", "value z6", "value a6", "value o6", "delta z5", "delta z4", "delta i5",
        "updated w35", "updated w46"}


# --- an nn.MLP with seed 001's weights --------------------------------------------------------------

def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def seed001_floats() -> dict[str, float]:
    """Seed 001 worked in floats: x = (0.05, 0.10), target 0.01, loss ½(ŷ − y)²."""
    a_h1 = sigmoid(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    a_h2 = sigmoid(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    y_hat = sigmoid(0.40 * a_h1 + 0.45 * a_h2 + 0.60)
    d_z_out = (y_hat - 0.01) * y_hat * (1 - y_hat)  # ∂loss/∂z_out
    d_z_h1 = d_z_out * 0.40 * a_h1 * (1 - a_h1)
    d_z_h2 = d_z_out * 0.45 * a_h2 * (1 - a_h2)
    return {"a_h1": a_h1, "y_hat": y_hat, "loss": 0.5 * (y_hat - 0.01) ** 2,
            "w5": d_z_out * a_h1, "w6": d_z_out * a_h2, "w1": d_z_h1 * 0.05, "b2": d_z_out,
            "b1": d_z_h1 + d_z_h2, "z_h1": d_z_h1, "z_out": d_z_out}


def seed001_mlp() -> Value:
    model = nn.MLP(2, [2, 1], activation="sigmoid", shared_bias=True,
                   weights=[[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45]]], biases=[0.35, 0.60])
    return nn.squared_error(model((0.05, 0.10)), [0.01])


def by_name(result, kind: str) -> dict[str, object]:
    return {v.name: v for v in result.verdicts if v.kind == kind}


def test_compare_on_an_mlp_with_the_documents_numbers():
    f = seed001_floats()
    loss = seed001_mlp()
    result = viz.compare(
        loss,
        values={"layer1.neuron1.a": "0.5933", "layer2.neuron1.a": "0.7514", "loss": "0.2748"},
        grads={"layer2.neuron1.w1": "0.0822", "layer2.neuron1.w2": "0.0827",
               "layer1.neuron1.w1": "0.00067", "layer1.b": "0.0284", "layer2.b": "0.1385"},
        deltas={"layer2.neuron1.z": "-0.1385", "layer1.neuron1.z": "-0.0134"},
        updated={"layer2.neuron1.w1": "0.35890", "layer1.b": "0.3358"}, lr=0.5, rtol=0.01)
    values, grads = by_name(result, "value"), by_name(result, "grad")
    # every printed number rounds the engine's at its decimals (half a unit of the last place) ...
    for v, name, hand, engine in [
            (values, "layer1.neuron1.a", 0.5933, f["a_h1"]), (values, "layer2.neuron1.a", 0.7514, f["y_hat"]),
            (values, "loss", 0.2748, f["loss"]), (grads, "layer1.b", 0.0284, f["b1"]),
            (grads, "layer2.b", 0.1385, f["b2"])]:
        assert abs(engine - hand) <= 0.00005
        assert v[name].verdict == "exact", name
        assert v[name].engine == pytest.approx(engine, rel=1e-12)
    assert abs(f["w5"] - 0.0822) <= 0.00005 and abs(f["w6"] - 0.0827) <= 0.00005
    assert abs(f["w1"] - 0.00067) <= 0.000005
    grads = [v for v in result.verdicts if v.kind == "grad"]
    assert [g.verdict for g in grads] == ["exact"] * 5
    assert [g.engine for g in grads] == pytest.approx([f["w5"], f["w6"], f["w1"], f["b1"], f["b2"]], rel=1e-12)
    # δ = −∂loss/∂z, the documents' error terms
    deltas = [v for v in result.verdicts if v.kind == "delta"]
    assert [d.engine for d in deltas] == pytest.approx([-f["z_out"], -f["z_h1"]], rel=1e-12)
    assert [d.verdict for d in deltas] == ["exact", "exact"]
    # the update table: 0.40 − 0.5·0.082167 = 0.358916, 0.0000165 from 0.35890 (5 decimals: not
    # exact) but within 1 %: close; b1: 0.35 − 0.5·0.028364 = 0.335818 rounds to 0.3358: exact
    updated = [v for v in result.verdicts if v.kind == "updated"]
    new_w5, new_b1 = 0.40 - 0.5 * f["w5"], 0.35 - 0.5 * f["b1"]
    assert 0.000005 < abs(new_w5 - 0.35890) <= 0.01 * new_w5 and abs(new_b1 - 0.3358) <= 0.00005
    assert [(u.verdict, u.engine) for u in updated] == [("close", pytest.approx(new_w5, rel=1e-12)),
                                                        ("exact", pytest.approx(new_b1, rel=1e-12))]
    assert result.ok and len(result.verdicts) == 12
    assert "layer2.neuron1.w1" in result.to_text()


def test_a_wrong_hand_number_on_the_mlp_is_wrong():
    f = seed001_floats()
    result = viz.compare(seed001_mlp(), grads={"layer2.neuron1.w1": "0.0872", "layer1.b": "0.0284"})
    assert abs(f["w5"] - 0.0872) > 0.01 * f["w5"]  # 6 % off: beyond rtol
    assert result.ok is False
    assert [(v.name, v.verdict) for v in result.verdicts] == [("layer2.neuron1.w1", "wrong"),
                                                               ("layer1.b", "exact")]
    assert result.summary["wrong"] == 1


def test_a_string_keeps_its_written_decimals():
    """"0.0820" has four decimals, the float 0.082 three: ∂loss/∂w5 = 0.082167 rounds to
    0.082 (exact) but not to 0.0820 (0.000167 > 0.00005), within 1 % of it (close)."""
    f = seed001_floats()
    assert abs(f["w5"] - 0.082) <= 0.0005 and 0.00005 < abs(f["w5"] - 0.0820) <= 0.01 * f["w5"]
    loss = seed001_mlp()
    (four,) = viz.compare(loss, grads={"layer2.neuron1.w1": "0.0820"}).verdicts
    (three,) = viz.compare(loss, grads={"layer2.neuron1.w1": 0.082}).verdicts
    assert (four.hand.text, four.verdict) == ("0.0820", "close")
    assert (three.hand.text, three.verdict) == ("0.082", "exact")
    (whole,) = viz.compare(loss, values={"loss": 0.2748110831761550}).verdicts
    assert whole.hand.text == repr(0.274811083176155)  # a float at its shortest repr


def test_an_unknown_name_is_a_key_error_naming_it():
    loss = seed001_mlp()
    with pytest.raises(KeyError, match="layer3.neuron1.w1"):
        viz.compare(loss, grads={"layer3.neuron1.w1": "0.1"})
    with pytest.raises(KeyError, match="a_h1"):
        viz.compare(loss, values={"a_h1": "0.5933"})  # the file's name; the MLP's is layer1.neuron1.a
    with pytest.raises(KeyError, match="w99"):
        viz.compare(viz.load("seed001").root, updated={"w99": "0.1"}, lr=0.5)


def test_a_bool_hand_value_is_a_type_error():
    with pytest.raises(TypeError, match="bool"):
        viz.compare(seed001_mlp(), values={"loss": True})
    with pytest.raises(TypeError, match="layer1.b"):
        viz.compare(seed001_mlp(), grads={"layer1.b": False})

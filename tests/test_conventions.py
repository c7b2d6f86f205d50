"""The documents' conventions: [check] delta, [train] convention and log, [expect.steps],
epoch = steps, the engine at the hand's decimals, --decimals / --digits, train --columns.

Every expected number is computed here in plain floats from the network written out."""

import csv
import json
import math

import pytest
from support import markdown_tables

from viz.cli import main
from viz.handcheck.verdicts import check
from viz.worked import WorkedExampleError, bundled_examples, load, loads


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def flat(text):
    return " ".join(text.split())


# a 1-2-1 network in the δ convention (Mitchell's "Machine Learning", Table 4.2: the output
# unit's δ = o(1 − o)(t − o), a hidden unit's δ = h(1 − h) Σ w δ, Δw = η δ x, w ← w + Δw)
X, T, LR = 0.6, 0.9, 0.5
W = {"wa": 0.3, "wb": -0.2, "va": 0.5, "vb": 0.4, "ba": 0.1, "bb": -0.1, "bo": 0.05}


def net121(extra="", check_section=""):
    params = "\n".join(f"{k} = {v}" for k, v in W.items())
    return f"""\
[inputs]
x = {X}
t = {T}
[params]
{params}
[nodes]
net_a = "wa*x + ba"
out_a = "sigmoid(net_a)"
net_b = "wb*x + bb"
out_b = "sigmoid(net_b)"
net_o = "va*out_a + vb*out_b + bo"
out_o = "sigmoid(net_o)"
loss = "0.5*(t - out_o)**2"
[train]
lr = {LR}
steps = 2
convention = "delta"
{check_section}{extra}"""


def floats121(w):
    ha, hb = sig(w["wa"] * X + w["ba"]), sig(w["wb"] * X + w["bb"])
    o = sig(w["va"] * ha + w["vb"] * hb + w["bo"])
    d_o = o * (1 - o) * (T - o)  # δ = Err = −∂E/∂net
    d_a, d_b = ha * (1 - ha) * w["va"] * d_o, hb * (1 - hb) * w["vb"] * d_o
    dw = {"wa": LR * d_a * X, "wb": LR * d_b * X, "ba": LR * d_a, "bb": LR * d_b,
          "va": LR * d_o * ha, "vb": LR * d_o * hb, "bo": LR * d_o}
    return {"o": o, "d_o": d_o, "d_a": d_a, "d_b": d_b, "dw": dw,
            "new": {k: w[k] + dw[k] for k in w}, "loss": 0.5 * (T - o) ** 2}


F0 = floats121(W)
F1 = floats121(F0["new"])
F2 = floats121(F1["new"])


def test_delta_sign_is_the_files_and_the_deltas_follow_it():
    minus = loads(net121(f"[expect.deltas]\nnet_o = {F0['d_o']:.5f}\nnet_a = {F0['d_a']:.5f}\n"),
                  "n.toml")
    assert minus.delta_sign == "-dloss/dz"  # the default: δ = Err
    v = {x.name: x for x in check(minus)}
    assert v["net_o"].engine == pytest.approx(F0["d_o"], rel=1e-13)
    assert v["net_a"].engine == pytest.approx(F0["d_a"], rel=1e-13)
    assert v["net_o"].verdict == v["net_a"].verdict == "exact"
    plus = loads(net121(f"[expect.deltas]\nnet_o = {-F0['d_o']:.5f}\nnet_b = {F0['d_b']:.5f}\n",
                        '[check]\ndelta = "+dloss/dz"\n'), "n.toml")
    assert plus.delta_sign == "+dloss/dz"  # δ = ∂E/∂net
    v = {x.name: x for x in check(plus)}
    assert v["net_o"].engine == pytest.approx(-F0["d_o"], rel=1e-13)
    assert v["net_o"].verdict == "exact"
    # the textbook's +δ written in a "+dloss/dz" file: wrong, and the hint says sign
    assert v["net_b"].verdict == "wrong" and v["net_b"].hint == "sign"


def test_a_bad_delta_or_convention_is_one_line():
    with pytest.raises(WorkedExampleError) as e:
        loads(net121("", '[check]\ndelta = "dloss/dz"\n'), "n.toml")
    assert str(e.value).startswith('n.toml: check.delta: expected "-dloss/dz"')
    with pytest.raises(WorkedExampleError) as e:
        loads(net121().replace('convention = "delta"', 'convention = "textbook"'), "n.toml")
    assert str(e.value).startswith('n.toml: train.convention: expected "gradient"')


def test_steps_are_new_minus_old():
    text = net121("[expect.steps]\n" + "".join(f"{k} = {F0['dw'][k]:.6f}\n" for k in W))
    v = {x.name: x for x in check(loads(text, "n.toml")) if x.kind == "step"}
    for k in W:
        assert v[k].engine == pytest.approx(F0["dw"][k], rel=1e-12, abs=1e-16), k
        assert v[k].verdict == "exact", k
    with pytest.raises(WorkedExampleError) as e:
        loads(net121("[expect.steps]\nout_o = 1\n"), "n.toml")
    assert str(e.value) == ("n.toml: expect.steps.out_o: 'out_o' is not a parameter: "
                            "only [params] are updated")


def test_an_epoch_equal_to_steps_is_after_the_last_update():
    text = net121(f"[[expect.epochs]]\nepoch = 2\nloss = {F2['loss']:.8f}\nout_o = {F2['o']:.8f}\n"
                  f"[[expect.epochs]]\nepoch = 1\nout_o = {F1['o']:.8f}\n")
    v = {(x.epoch, x.name): x for x in check(loads(text, "n.toml"))}
    assert v[(2, "loss")].engine == pytest.approx(F2["loss"], rel=1e-12)
    assert v[(2, "out_o")].engine == pytest.approx(F2["o"], rel=1e-13)
    assert v[(1, "out_o")].engine == pytest.approx(F1["o"], rel=1e-13)
    assert all(x.verdict == "exact" for x in v.values())


def test_the_update_table_in_the_delta_convention(tmp_path, capsys):
    path = tmp_path / "n.toml"
    path.write_text(net121(), encoding="utf-8")
    code, out, _ = run_cli(capsys, "run", str(path), "--no-graphs", "--format", "markdown")
    assert code == 0
    assert "Δw = η δ a, w ← w + Δw" in out
    (table,) = [t for t in markdown_tables(out) if t[0][0] == "parameter"]
    assert table[0] == ["parameter", "old value", "δ·a", "Δ", "new value"]
    assert len(table) == 1 + len(W)
    code, out, _ = run_cli(capsys, "run", str(path), "--no-graphs", "--format", "json")
    (block,) = [b for b in json.loads(out)["blocks"]
                if b["type"] == "table" and b["columns"][0]["title"] == "parameter"]
    for row in block["rows"]:
        name = row[0]["text"]
        da = F0["dw"][name] / LR  # δ·a, the input a of the weight (1 for a bias)
        assert row[2]["value"] == pytest.approx(da, rel=1e-12), name
        assert row[3]["value"] == pytest.approx(F0["dw"][name], rel=1e-12), name
        assert row[4]["value"] == pytest.approx(F0["new"][name], rel=1e-13), name
        assert float(row[3]["text"]) == pytest.approx(F0["dw"][name], rel=1e-5), name
    code, out, _ = run_cli(capsys, "run", "seed001", "--no-graphs")
    assert "Update with η = 0.5: w ← w − η ∂L/∂w" in out


def test_the_convention_and_delta_of_seed000():
    (path,) = [p for p in bundled_examples() if p.stem.startswith("seed000")]
    ex = load(path)
    assert ex.convention == "delta" and ex.delta_sign == "-dloss/dz"


# --- rounding ---------------------------------------------------------------------------------


def test_the_engine_is_shown_at_the_hands_decimals(capsys):
    code, out, _ = run_cli(capsys, "check", "seed001", "--format", "markdown")
    (table,) = [t for t in markdown_tables(out) if t[0][0] == "quantity"]
    by = {row[0]: row for row in table[1:]}
    h1 = sig(0.05 * 0.15 + 0.10 * 0.20 + 0.35)
    assert by[r"$\text{value }a_{h1}$"][2] == f"{h1:.4f}"  # 0.5933, as the document rounds
    yh = sig(h1 * 0.40 + sig(0.05 * 0.25 + 0.10 * 0.30 + 0.35) * 0.45 + 0.60)
    d1 = (yh - 0.01) * yh * (1 - yh) * 0.40 * h1 * (1 - h1)
    w2 = by[r"$\text{grad }w_{2}$"]
    assert w2[1] == "0.00135" and w2[2] == f"{d1 * 0.10:.5f}" == "0.00134"


@pytest.mark.parametrize("flag, n, form", [("--decimals", "3", "{:.3f}"), ("--digits", "3", "{:.3g}")])
def test_decimals_and_digits_choose_explicitly(capsys, flag, n, form):
    code, out, _ = run_cli(capsys, "check", "seed001", flag, n, "--format", "json")
    obj = json.loads(out)
    (table,) = [b for b in obj["blocks"] if b["type"] == "table" and b["columns"][0]["title"] == "quantity"]
    for row in table["rows"]:
        if row[2]["value"] not in (0, 1) and abs(row[2]["value"]) > 0.01:
            # the same number; --digits keeps a rounded number's trailing zeros (0.0150)
            assert float(row[2]["text"]) == float(form.format(row[2]["value"])), row[0]["text"]
            if flag == "--decimals":
                assert row[2]["text"] == form.format(row[2]["value"])
    code, _, err = run_cli(capsys, "check", "seed001", "--decimals", "2", "--digits", "2")
    assert code == 2 and "not allowed with" in err and err.count("\n") == 1


def test_run_decimals(capsys):
    code, out, _ = run_cli(capsys, "run", "seed002", "--no-graphs", "--decimals", "3")
    assert code == 0
    a_h = sig(0.3 * 0.5 + 0.1)
    assert f"a_h = {a_h:.3f}" in flat(out)


# --- train's log ------------------------------------------------------------------------------


def seed002_log(epochs):
    x, y, lr = 0.5, 1.0, 0.5
    w1, b1, w2, b2 = 0.3, 0.1, 0.7, 0.2
    log = []
    for _ in range(epochs):
        a_h = sig(w1 * x + b1)
        a_o = sig(w2 * a_h + b2)
        d_zo = -(y - a_o) * a_o * (1 - a_o)
        d_zh = d_zo * w2 * a_h * (1 - a_h)
        log.append({"loss": 0.5 * (y - a_o) ** 2, "a_o": a_o, "grad:w1": d_zh * x,
                    "grad:w2": d_zo * a_h, "grad:a_h": d_zo * w2})
        w2, b2, w1, b1 = w2 - lr * d_zo * a_h, b2 - lr * d_zo, w1 - lr * d_zh * x, b1 - lr * d_zh
    return log


def test_train_prints_the_documents_log(capsys):
    code, out, _ = run_cli(capsys, "train", "seed002", "--log-every", "200", "-q",
                           "--format", "markdown")
    assert code == 0
    log = seed002_log(1000)
    table = markdown_tables(out)[0]
    assert table[0] == ["Epoch", "Loss", "Prediction"]  # the file's [train] log names
    for row in table[1:]:
        e = int(row[0])
        # "Epoch 0, Loss: 0.063306, Prediction: 0.644173": six decimals, as the file's epochs
        assert row[1] == f"{log[e]['loss']:.6f}" and row[2] == f"{log[e]['a_o']:.6f}"
    assert table[1] == ["0", "0.063306", "0.644173"]
    code, out, _ = run_cli(capsys, "train", "seed002", "--log-every", "500", "-q",
                           "--digits", "3", "--format", "markdown")
    assert markdown_tables(out)[0][1] == ["0", f"{log[0]['loss']:.3g}", f"{log[0]['a_o']:.3g}"]


def test_train_log_names_must_be_the_files():
    with pytest.raises(WorkedExampleError) as e:
        loads(net121().replace('convention = "delta"', 'log = { nope = "Loss" }'), "n.toml")
    assert str(e.value) == "n.toml: train.log.nope: no leaf or node named 'nope'"
    with pytest.raises(WorkedExampleError) as e:
        loads(net121().replace('convention = "delta"', 'log = { loss = 3 }'), "n.toml")
    assert str(e.value).startswith("n.toml: train.log.loss: expected the column's name in quotes")


def test_train_columns_choose_the_csv_with_gradients(tmp_path, capsys):
    log_path = tmp_path / "log.csv"
    code, out, err = run_cli(capsys, "train", "seed002", "--steps", "30", "-q", "--log",
                             str(log_path), "--columns", "loss,grad:w1,a_o,grad:a_h")
    assert code == 0, err
    rows = list(csv.reader(log_path.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["epoch", "loss", "grad:w1", "a_o", "grad:a_h"]
    log = seed002_log(30)
    assert len(rows) == 31
    for r in rows[1:]:
        e = int(r[0])
        for k, text in zip(rows[0][1:], r[1:]):
            assert float(text) == pytest.approx(log[e][k], rel=1e-12), (e, k)
    code, _, err = run_cli(capsys, "train", "seed002", "--steps", "3", "-q", "--log",
                           str(log_path), "--columns", "loss,grad:nope")
    assert code == 2 and err.count("\n") == 1 and "no leaf or node named 'nope'" in err

"""The `chainrule` command: every bundled example through it, exit codes, JSON,
and one-line errors for bad input.  Expected numbers are computed here in
plain floats."""

import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys

import pytest

from viz import worked
from viz.cli import main

EXAMPLES = worked.bundled_examples()
STEMS = [p.stem for p in EXAMPLES]


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def close(a, b, tol=1e-12):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def flat(text):
    return " ".join(text.split())


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- every bundled example -------------------------------------------------------------


def test_the_bundled_examples_are_there():
    assert len(EXAMPLES) >= 5
    assert {"seed000_3-2-1_textbook", "seed001_2-2-1_shared_bias", "seed002_1-1-1_training"} <= set(STEMS)


def test_run_with_no_file_reports_every_bundled_example_and_draws_each(capsys, tmp_path):
    code, out, err = run_cli(capsys, "run", "-o", str(tmp_path / "figs"))
    assert code == 0, err  # a report: 0 even though seed 000 has wrong numbers
    assert err == ""
    for path in EXAMPLES:
        title = worked.load(path).title
        assert title in out
        svg = tmp_path / "figs" / f"{path.stem}.svg"
        assert svg.is_file() and b"<svg" in svg.read_bytes()[:2000]
        assert f"Graph: {svg}" in out
    assert f"━━ {len(EXAMPLES)} worked examples" in out
    assert "seed000_3-2-1_textbook" in out and "17 wrong" in out
    # 80 columns, but for the file names of the graphs (tmp_path is long)
    assert all(len(line) <= 80 for line in out.splitlines() if not line.startswith("Graph: "))
    assert "\033[" not in out  # no colour off a terminal


def test_run_prints_the_documents_tables_for_seed001(capsys):
    code, out, _ = run_cli(capsys, "run", "seed001", "--no-graphs")
    assert code == 0
    text = flat(out)
    a_h1 = sig(0.05 * 0.15 + 0.10 * 0.20 + 0.35)
    assert f"a_h1 = {a_h1:.4f} (sigmoid(z_h1))" in text
    assert "Loss: loss = 0.2748" in text
    # update table: old value, gradient, new = old − 0.5·gradient
    a_h2 = sig(0.05 * 0.25 + 0.10 * 0.30 + 0.35)
    y_hat = sig(a_h1 * 0.40 + a_h2 * 0.45 + 0.60)
    g_w5 = (y_hat - 0.01) * y_hat * (1 - y_hat) * a_h1
    assert f"w5 0.4 {g_w5:.4g} {0.40 - 0.5 * g_w5:.6f}" in text
    assert "91 numbers: 79 exact, 8 close, 4 wrong" in text


def test_run_of_seed002_shows_the_training_log_epochs(capsys):
    code, out, _ = run_cli(capsys, "run", "seed002", "--no-graphs")
    assert code == 0
    text = flat(out)
    assert "Training log (1000 steps" in text
    # the document's own log lines, at the six decimals it prints
    for line in ["0 0.063306 0.644173", "200 0.001997 0.936796", "400 0.000917 0.957166",
                 "600 0.000585 0.965799", "800 0.000426 0.970806"]:
        assert line in text
    # the last epoch: its prediction is the document's "Final prediction"; its loss, which the
    # document does not print, from the document's loop in plain floats
    assert f"999 {seed002_log()[999][0]:.6f} 0.974146" in text


def seed002_log(epochs=1000):
    """The document's loop in plain floats: loss and a_o at the start of each epoch."""
    x, y, lr = 0.5, 1.0, 0.5
    w1, b1, w2, b2 = 0.3, 0.1, 0.7, 0.2
    log = []
    for _ in range(epochs):
        a_h = sig(w1 * x + b1)
        a_o = sig(w2 * a_h + b2)
        log.append((0.5 * (y - a_o) ** 2, a_o))
        d_zo = -(y - a_o) * a_o * (1 - a_o)
        d_zh = d_zo * w2 * a_h * (1 - a_h)
        w2, b2, w1, b1 = w2 - lr * d_zo * a_h, b2 - lr * d_zo, w1 - lr * d_zh * x, b1 - lr * d_zh
    return log


def check_json(capsys, name):
    code, out, err = run_cli(capsys, "check", name, "--json")
    obj = json.loads(out)
    assert obj["schema"] == "chainrule.report/1" and obj["command"] == "check"
    return code, obj["data"]["verdicts"], obj["subtitle"]


def test_check_seed000_flags_the_garbled_numbers(capsys):
    code, records, err = check_json(capsys, "seed000")
    assert code == 1 and err == ["bundled: seed000_3-2-1_textbook.toml"]
    by = {r["quantity"]: r for r in records}
    a4, a5 = sig(-0.7), sig(0.1)
    z6 = -0.3 * a4 - 0.2 * a5 + 0.1
    a6 = sig(z6)
    d6 = (1 - a6) * a6 * (1 - a6)  # δ = −dL/dz, the document's convention
    d5 = d6 * -0.2 * a5 * (1 - a5)
    d4 = d6 * -0.3 * a4 * (1 - a4)
    engine = {
        "value a4": a4, "value a5": a5, "value z6": z6, "value a6": a6, "value o6": a6,
        "value err": 1 - a6, "delta z6": d6, "delta z5": d5, "delta z4": d4, "delta i5": d5,
        "updated b6": 0.1 + 0.9 * d6, "updated w35": 0.2 + 0.9 * d5, "updated w46": -0.3 + 0.9 * d6 * a4,
    }
    for q, value in engine.items():
        assert close(by[q]["engine"], value), q
    right = {"value z4", "value a4", "value z5", "value err", "delta z6", "updated b6"}
    wrong = {"value a5", "value z6", "value a6", "value o6", "delta z5", "delta z4", "delta i5",
             "updated w35", "updated w46"}
    old = {q: r for q, r in by.items() if r["kind"] in ("value", "delta", "updated")}
    assert {q for q, r in old.items() if r["verdict"] == "wrong"} == wrong
    assert {q for q, r in old.items() if r["verdict"] == "exact"} == right
    assert set(records[0]) >= {"quantity", "hand", "engine", "verdict"}


def test_check_seed001_gradients_against_floats(capsys):
    code, records, _ = check_json(capsys, "seed001")
    assert code == 1  # its own arithmetic slips (0.0134 * 0.10 = 0.00135), nothing else
    x1, x2, y = 0.05, 0.10, 0.01
    a1 = sig(x1 * 0.15 + x2 * 0.20 + 0.35)
    a2 = sig(x1 * 0.25 + x2 * 0.30 + 0.35)
    yh = sig(a1 * 0.40 + a2 * 0.45 + 0.60)
    dz = (yh - y) * yh * (1 - yh)
    dz1, dz2 = dz * 0.40 * a1 * (1 - a1), dz * 0.45 * a2 * (1 - a2)
    grads = {"w5": dz * a1, "w6": dz * a2, "b2": dz, "w1": dz1 * x1, "w2": dz1 * x2,
             "w3": dz2 * x1, "w4": dz2 * x2, "b1": dz1 + dz2}
    by = {r["quantity"]: r for r in records}
    for name, g in grads.items():
        assert close(by[f"grad {name}"]["engine"], g), name
        assert close(by[f"updated {name}"]["engine"], {"w5": .4, "w6": .45, "b2": .6, "w1": .15, "w2": .2,
                                                      "w3": .25, "w4": .3, "b1": .35}[name] - 0.5 * g)
    assert by["grad w2"]["verdict"] == "close"  # the document's 0.00135 for 0.0013368
    assert by["grad w2"]["hint"] == "arithmetic"  # ... printed only by wrong arithmetic lines
    assert all(r["verdict"] != "wrong" for r in records if r["kind"] != "arithmetic")


def test_check_seed002_reproduces_the_training_log(capsys):
    code, records, _ = check_json(capsys, "seed002")
    assert code == 1  # one arithmetic line: 0.3558 * 0.2292 * 0.5622 is 0.04585, printed 0.0459
    log = seed002_log()
    epochs = [r for r in records if r["kind"] == "epoch"]
    assert {r["epoch"] for r in epochs} == {0, 200, 400, 600, 800, 999}
    for r in epochs:
        loss, a_o = log[r["epoch"]]
        assert close(r["engine"], loss if r["name"] == "loss" else a_o, 1e-10)
        assert r["verdict"] == "exact"


@pytest.mark.parametrize("stem", STEMS)
def test_check_every_bundled_file(capsys, stem):
    code, out, err = run_cli(capsys, "check", stem)
    # seed 000's garbled numbers; seeds 001 and 002's own arithmetic slips
    wrong = stem.startswith(("seed000", "seed001", "seed002"))
    assert code == (1 if wrong else 0), out
    assert err == ""
    assert all(len(line) <= 80 for line in out.splitlines())
    code, records, _ = check_json(capsys, stem)
    assert code == (1 if wrong else 0)
    assert records and all(r["verdict"] in ("exact", "close", "wrong") for r in records)


# --- explain, draw, train, examples ------------------------------------------------------


def test_explain_seed001_b1(capsys):
    code, out, _ = run_cli(capsys, "explain", "seed001", "--wrt", "b1")
    assert code == 0
    assert "∂loss/∂b1 = 0.01337 + 0.01500 ≈ 0.02836" in out
    assert "(the same)" in out  # the engine's backward pass agrees with the sum
    code, out, _ = run_cli(capsys, "explain", "seed001", "--wrt", "b1", "--digits", "3")
    assert "∂loss/∂b1 = 0.0134 + 0.0150 ≈ 0.0284" in out
    code, out, _ = run_cli(capsys, "explain", "seed001", "--wrt", "b1", "--max-paths", "1")
    assert "more than the limit of 1" in flat(out)


def test_explain_seed000_points_at_the_first_wrong_delta(capsys):
    code, out, _ = run_cli(capsys, "explain", "seed000", "--wrt", "w14")
    assert code == 0
    assert "The first hand value that disagrees, from the loss down, is δ z4" in flat(out)


def test_explain_every_parameter_of_every_bundled_example(capsys):
    for path in EXAMPLES:
        ex = worked.load(path)
        if ex.loss is None:
            continue
        values = worked.build(ex)
        worked.backward(ex, values)
        for name in ex.params:
            code, out, err = run_cli(capsys, "explain", str(path), "--wrt", name)
            assert code == 0 and err == ""
            assert "(the same)" in out, (path.stem, name)


def test_draw_writes_the_highlighted_chain(capsys, tmp_path):
    dot = tmp_path / "b1.dot"
    code, out, _ = run_cli(capsys, "draw", "seed001", "-o", str(dot), "--wrt", "b1")
    assert code == 0 and f"wrote {dot}" in out
    text = dot.read_text(encoding="utf-8")
    assert text.startswith("digraph") and "b1" in text
    plain = tmp_path / "plain.dot"
    run_cli(capsys, "draw", "seed001", "-o", str(plain))
    assert plain.read_text(encoding="utf-8") != text  # the highlight changed the drawing
    again = tmp_path / "again.dot"
    run_cli(capsys, "draw", "seed001", "-o", str(again), "--wrt", "b1")
    assert again.read_bytes() == dot.read_bytes()  # deterministic
    svg = tmp_path / "g.svg"
    assert run_cli(capsys, "draw", "seed003_2", "-o", str(svg))[0] == 0  # no loss: the last node
    assert b"<svg" in svg.read_bytes()[:2000]


def test_train_logs_and_writes_a_csv(capsys, tmp_path):
    log = tmp_path / "log.csv"
    code, out, err = run_cli(capsys, "train", "seed002", "--log-every", "200", "--log", str(log))
    assert code == 0 and err == ""
    expect = seed002_log()
    log_part = out.split("Check of the document's training log")[0]
    lines = {line.split()[0]: line.split() for line in log_part.splitlines() if line.strip()[:1].isdigit()}
    assert set(lines) >= {"0", "200", "400", "600", "800", "999"}
    assert close(float(lines["200"][1]), expect[200][0], 1e-5)
    with open(log, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1000
    assert close(float(rows[600]["loss"]), expect[600][0], 1e-10)
    assert close(float(rows[999]["a_o"]), expect[999][1], 1e-10)
    assert "Check of the document's training log ([[expect.epochs]])" in out
    assert "wrong" not in out


def test_train_steps_option(capsys):
    code, out, _ = run_cli(capsys, "train", "seed001", "--steps", "3")
    assert code == 0
    assert "3 steps of gradient descent" in out


def test_examples_lists_and_copies(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "examples")
    assert code == 0
    for path in EXAMPLES:
        assert path.stem in out
    dest = tmp_path / "mine.toml"
    code, out, _ = run_cli(capsys, "examples", "--copy", "seed001", str(dest))
    assert code == 0 and dest.read_bytes() == EXAMPLES[STEMS.index("seed001_2-2-1_shared_bias")].read_bytes()
    code, _, err = run_cli(capsys, "examples", "--copy", "seed001", str(dest))
    assert code == 2 and err.count("\n") == 1 and "already exists" in err
    code, _, err = run_cli(capsys, "examples", "--copy", "seed001", str(tmp_path))  # into a folder
    assert code == 0 and (tmp_path / "seed001_2-2-1_shared_bias.toml").is_file()
    code, _, err = run_cli(capsys, "examples", "--copy", "nosuch")
    assert code == 2 and "nosuch" in err
    assert run_cli(capsys, "check", str(dest))[0] == 1  # a working file (its arithmetic slips)


# --- bad input: one line on stderr, exit 2 -------------------------------------------------

HEAD = 'title = "t"\n[inputs]\nx = 1.5\n'
BAD = {
    "toml_syntax": ('title = "t"\n[inputs\nx = 1\n', "line 2"),
    "expression_syntax": (HEAD + '[nodes]\nloss = "x +* 2"\n', "column 4"),
    "unknown_name": (HEAD + '[nodes]\nloss = "x * q"\n', "'q'"),
    "cycle": (HEAD + '[nodes]\na = "b + x"\nb = "a"\nloss = "a"\n', "cycle"),
    "defined_twice": (HEAD + '[params]\nx = 2\n[nodes]\nloss = "x*x"\n', "defined twice"),
    "not_a_number": ('title = "t"\n[inputs]\nx = "abc"\n[nodes]\nloss = "x*x"\n', "inputs.x"),
    "non_finite": ('title = "t"\n[inputs]\nx = 1e300\n[nodes]\nloss = "x*x"\n', "not finite"),
    "log_domain": ('title = "t"\n[inputs]\nx = -1\n[nodes]\nloss = "log(x)"\n', "log"),
    "unknown_expectation": (HEAD + '[nodes]\nloss = "x*x"\n[expect.grads]\nq = 1\n', "expect.grads.q"),
    "attribute": (HEAD + '[nodes]\nloss = "x.real"\n', "column 2"),
    "subscript": (HEAD + '[nodes]\nloss = "x[0]"\n', "column 2"),
    "other_function": (HEAD + '[nodes]\nloss = "abs(x)"\n', "abs"),
    "import": (HEAD + '[nodes]\nloss = "__import__(\'os\')"\n', "__import__"),
}


def assert_one_line_error(code, out, err, where):
    assert code == 2
    assert "Traceback" not in err and "Traceback" not in out
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert where in err


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_files_give_one_line_and_exit_2(capsys, tmp_path, kind):
    text, fragment = BAD[kind]
    path = tmp_path / f"{kind}.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli(capsys, "check", str(path))
    assert_one_line_error(code, out, err, fragment)
    assert err.startswith(str(path))  # the file, then the key and what is wrong
    assert out == ""


@pytest.mark.parametrize("argv", [
    ["run", "--no-graphs"], ["check"], ["check", "--json"], ["explain", "--wrt", "x"],
    ["draw", "-o", "unused.dot"], ["train"],
])
def test_every_command_reports_a_bad_file_in_one_line(capsys, tmp_path, argv):
    path = tmp_path / "bad.toml"
    path.write_text(BAD["cycle"][0], encoding="utf-8")
    code, out, err = run_cli(capsys, argv[0], str(path), *argv[1:])
    assert_one_line_error(code, out, err, "cycle")


@pytest.mark.parametrize("argv, fragment", [
    (["check", "no/such/file.toml"], "no such file"),
    (["check", "."], "not a file"),
    (["explain", "seed001", "--wrt", "nope"], "--wrt nope"),
    (["explain", "seed003_2"  , "--wrt", "n1"], "no loss"),
    (["train", "seed003_2"], "no loss"),
    (["draw", "seed001", "-o", "graph.jpg"], "graph.jpg"),
    (["explain", "seed001", "--wrt", "b1", "--digits", "0"], "--digits"),
    (["train", "seed002", "--steps", "-3"], "--steps"),
    (["check", "seed0"], "more than one bundled example"),
    (["examples", "somewhere"], "--copy"),
    (["nosuchcommand"], "invalid choice"),
    ([], "COMMAND"),
])
def test_bad_arguments_give_one_line_and_exit_2(capsys, monkeypatch, tmp_path, argv, fragment):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *argv)
    assert_one_line_error(code, out, err, fragment)


def test_run_checks_its_folder_before_the_report(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, out, err = run_cli(capsys, "run", "seed001", "-o", str(blocker))
    assert_one_line_error(code, out, err, f"cannot write the graphs (-o {blocker}): ")
    assert "is a file, not a folder" in err
    assert out == ""  # failed before the report, not after it
    assert blocker.read_text() == "not a folder"


# --- help, colour, determinism, the installed command ----------------------------------------


def test_help_gives_an_example_for_each_command(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    for command in ("run", "check", "explain", "draw", "train", "examples"):
        assert f"chainrule {command}" in out
        code, sub, _ = run_cli(capsys, command, "--help")
        assert code == 0
        assert "examples:" in sub and f"chainrule {command}" in sub
    assert "exit status" in out


def test_colour_only_when_asked_or_on_a_terminal(capsys, monkeypatch):
    _, out, _ = run_cli(capsys, "check", "seed000")
    assert "\033[" not in out
    _, out, _ = run_cli(capsys, "--color", "always", "check", "seed000")
    assert "\033[1;31m" in out


def test_output_is_deterministic(capsys):
    first = run_cli(capsys, "run", "--no-graphs")[1]
    assert run_cli(capsys, "run", "--no-graphs")[1] == first


def test_the_command_as_a_process(tmp_path):
    env = dict(os.environ, NO_COLOR="1")
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD["import"][0], encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "viz", "check", str(bad)], capture_output=True,
                       text=True, env=env, timeout=60)
    assert p.returncode == 2 and p.stdout == "" and p.stderr.count("\n") == 1
    exe = shutil.which("chainrule")
    if exe is None:
        pytest.skip("the chainrule script is not installed")
    p = subprocess.run([exe, "check", "seed000"], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 1 and "WRONG" in p.stdout


def test_a_file_without_a_learning_rate(capsys, tmp_path):
    path = tmp_path / "nolr.toml"
    path.write_text('title = "t"\n[params]\nx = 1.5\n[nodes]\nloss = "x*x"\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "run", str(path), "--no-graphs")
    assert code == 0 and "no update step" in out
    code, out, err = run_cli(capsys, "train", str(path))
    assert_one_line_error(code, out, err, "train.lr")
    code, out, _ = run_cli(capsys, "explain", str(path), "--wrt", "x")
    assert code == 0 and "∂loss/∂x = 2·x = 2·1.5 = 3" in out  # d(x·x)/dx = 2x


# --- which file: a path, NAME.toml here, then a bundled example ------------------------------

SEED001_NAME = "seed001_2-2-1_shared_bias.toml"


def z_out(w5):
    """seed 001's z_out = a_h1·w5 + a_h2·0.45 + 0.60, in floats."""
    a1 = sig(0.05 * 0.15 + 0.10 * 0.20 + 0.35)
    a2 = sig(0.05 * 0.25 + 0.10 * 0.30 + 0.35)
    return a1 * w5 + a2 * 0.45 + 0.60


def engine_of(capsys, name, quantity):
    code, records, err = check_json(capsys, name)
    assert code in (0, 1), err
    return {r["quantity"]: r["engine"] for r in records}[quantity], err


def test_a_local_copy_wins_over_the_bundled_example(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "examples", "--copy", "seed001")[0] == 0
    copy = tmp_path / SEED001_NAME
    text = copy.read_text(encoding="utf-8")
    assert "w5 = 0.40" in text
    copy.write_text(text.replace("w5 = 0.40", "w5 = 0.90"), encoding="utf-8")
    # the copy (w5 = 0.9), by its path, by its name without .toml, by the bundled prefix
    for name in (SEED001_NAME, SEED001_NAME[:-5], "seed001"):
        engine, err = engine_of(capsys, name, "value z_out")
        assert close(engine, z_out(0.90)), name
        assert "bundled:" not in err
    # NAME.toml here comes before any bundled example
    (tmp_path / "seed002.toml").write_text(text.replace("w5 = 0.40", "w5 = 0.70"),
                                           encoding="utf-8")
    engine, _ = engine_of(capsys, "seed002", "value z_out")
    assert close(engine, z_out(0.70))
    # elsewhere the bundled file (w5 = 0.4), and a note on stderr says so
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    engine, err = engine_of(capsys, "seed001", "value z_out")
    assert close(engine, z_out(0.40))
    assert err == [f"bundled: {SEED001_NAME}"]


@pytest.mark.parametrize("argv", [
    ["run", "seed001", "--no-graphs"], ["check", "seed001"], ["check", "seed001", "--json"],
    ["explain", "seed001", "--wrt", "w5"], ["draw", "seed001", "-o", "g.dot"],
    ["train", "seed001", "--steps", "2", "-q"],
])
def test_every_command_says_once_that_it_used_a_bundled_example(capsys, monkeypatch,
                                                                   tmp_path, argv):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *argv)
    assert code == (1 if argv[0] == "check" else 0), err  # seed 001's arithmetic slips
    assert (out + err).count(SEED001_NAME) == 1
    assert "bundled" in (out + err)
    if "--json" in argv:
        obj = json.loads(out)  # stdout stays pure JSON; the note is in its subtitle
        assert obj["subtitle"] == [f"bundled: {SEED001_NAME}"] and err == ""


# --- writing files: one line naming what and where, before the work -------------------------


def test_write_failures_name_what_and_where(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ro").mkdir()
    mine = tmp_path / "mine.toml"
    shutil.copyfile(EXAMPLES[STEMS.index("seed002_1-1-1_training")], mine)
    before = mine.read_bytes()
    cases = [
        (["train", "seed002", "--log", "ro"], "cannot write the log (--log ro): ", "folder"),
        (["train", "seed002", "--log", "nodir/log.csv"],
         "cannot write the log (--log nodir/log.csv): ", "nodir does not exist"),
        (["train", "mine.toml", "--log", "mine.toml"], "cannot write the log (--log mine.toml): ",
         "the worked example itself"),
        (["examples", "--copy", "seed001", "nodir/x.toml"],
         f"cannot write the copy of {SEED001_NAME} (DEST nodir/x.toml): ", "does not exist"),
        (["run", "mine.toml", "-o", "mine.toml"], "cannot write the graphs (-o mine.toml): ",
         "mine.toml is a file, not a folder"),
        (["draw", "mine.toml", "-o", "ro"], "cannot write the graph (-o ro): ",
         "ro is a folder, not a file"),
        (["draw", "mine.toml", "-o", "mine.toml"], "cannot write the graph (-o mine.toml): ",
         ".toml"),
    ]
    for argv, start, reason in cases:
        code, out, err = run_cli(capsys, *argv)
        assert_one_line_error(code, out, err, reason)
        assert err.startswith(start), err
        assert out == "", argv  # checked before the work
    assert mine.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml", "ro"]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_writes_into_proc_fail_in_one_line(capsys, tmp_path):
    for argv, start in [
        (["train", "seed002", "--steps", "2", "--log", "/proc/self/log.csv"],
         "cannot write the log (--log /proc/self/log.csv): "),
        (["examples", "--copy", "seed001", "/proc/self/x.toml"],
         f"cannot write the copy of {SEED001_NAME} (DEST /proc/self/x.toml): "),
    ]:
        code, out, err = run_cli(capsys, *argv)
        assert code == 2 and err.count("\n") == 1 and err.startswith(start), err
        assert "Traceback" not in err


def test_draw_refuses_an_empty_file_name(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "draw", "seed001", "-o", "")
    assert_one_line_error(code, out, err, "the file name is empty")
    assert err.startswith("cannot write the graph (-o ''): ")
    code, out, err = run_cli(capsys, "draw", "seed001", "-o", ".svg")
    assert_one_line_error(code, out, err, "the file name is empty before the extension .svg")
    assert list(tmp_path.iterdir()) == []  # neither seed001...svg nor .svg


# --- explain --wrt, train's final loss and its log -------------------------------------------


def test_the_wrt_error_lists_every_name_that_can_be_explained(capsys):
    names = ["x1", "x2", "y_true", "w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2",
             "z_h1", "z_h2", "a_h1", "a_h2", "z_out", "a_out", "y_hat", "loss"]
    code, out, err = run_cli(capsys, "explain", "seed001", "--wrt", "nope")
    assert_one_line_error(code, out, err, "--wrt nope")
    listed = err.split("try one of: ")[1].rstrip(")\n").split(", ")
    assert listed == names
    # an input is explained like any other name: ∂loss/∂x1 = δ_h1·w1 + δ_h2·w3
    code, out, _ = run_cli(capsys, "explain", "seed001", "--wrt", "x1")
    assert code == 0 and "(the same)" in out


def test_train_reports_the_loss_before_and_after_the_final_update(capsys):
    code, out, _ = run_cli(capsys, "train", "seed002", "--steps", "3", "-q")
    assert code == 0
    log = seed002_log(4)  # log[3]: the loss at the start of epoch 3, after the 3rd update
    text = flat(out)
    m = re.search(r"loss: (\S+) at the start of epoch 0, (\S+) at the start of epoch 2 "
                  r"\(before its update\), (\S+) after the final update", text)
    assert m, text
    assert close(float(m.group(1)), log[0][0], 1e-5)
    assert close(float(m.group(2)), log[2][0], 1e-5)
    assert close(float(m.group(3)), log[3][0], 1e-5)
    code, out, _ = run_cli(capsys, "train", "seed002", "--steps", "1", "-q")
    m = re.search(r"loss: (\S+) before the update, (\S+) after the final update", flat(out))
    assert m and close(float(m.group(2)), log[1][0], 1e-5)


def test_train_says_when_the_final_update_leaves_no_finite_loss(capsys, tmp_path):
    # loss = w², w = 1, lr = 1e200: w becomes 1 - 2e200 and w² overflows to inf
    path = tmp_path / "diverge.toml"
    path.write_text('title = "t"\n[params]\nw = 1.0\n[nodes]\nloss = "w*w"\n'
                    '[train]\nlr = 1e200\nsteps = 1\n', encoding="utf-8")
    w = 1 - 1e200 * 2.0
    assert math.isinf(w * w)
    code, out, err = run_cli(capsys, "train", str(path), "-q")
    assert code == 0 and err == ""
    assert "loss: 1 before the update, no finite value after the final update" in flat(out)


def test_train_log_honours_log_every(capsys):
    code, out, _ = run_cli(capsys, "train", "seed002", "--log-every", "5000", "-q")
    assert code == 0
    log_part, check_part = out.split("Check of the document's training log")
    epochs = [line.split()[0] for line in log_part.splitlines()
              if line.startswith("  ") and line.strip()[:1].isdigit()]
    assert epochs == ["0", "999"]  # epoch 0, then the last; not 200..800
    rows = [line.split()[0] for line in check_part.splitlines() if line.strip()[:1].isdigit()]
    assert {"200", "400", "600", "800", "999"} <= set(rows)  # the check still judges them


def test_explain_writes_negative_numbers_with_the_minus_sign(capsys):
    code, out, _ = run_cli(capsys, "explain", "seed000", "--wrt", "w14")
    assert code == 0
    assert "∂z6/∂a4    = w46 = −0.3" in out  # seed 000's w46 = -0.3
    assert re.search(r"(?<![\w])-[0-9.]", out) is None
    code, out, _ = run_cli(capsys, "check", "seed000")
    assert "−" not in out  # the check table stays ASCII
    assert re.search(r"value z4 +-0\.7 +-0\.7 ", out)  # seed 000's z4 = -0.7, at its decimals

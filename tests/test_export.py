"""`chainrule export` and viz.export: every exported program is run in a subprocess
and what it prints is compared with the engine's values computed here (and with
the documents' printed numbers for seeds 001 and 002, and closed forms for seed
002); the programs are parsed with ``ast``; exports are byte-identical across runs
and processes.  Also nn.to_torch / nn.from_torch against the engine's gradients."""

from __future__ import annotations

import ast
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nn
import viz.export as export
from autograd import Value
from viz import numbers, worked
from viz.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = worked.bundled_examples()
STEMS = [p.stem for p in EXAMPLES]
TOL = 1e-12

try:
    import torch
except ImportError:  # pragma: no cover - installed here and in CI
    torch = None
try:
    import numpy
except ImportError:  # pragma: no cover
    numpy = None

needs = {
    "python": None,
    "pytorch": pytest.mark.skipif(torch is None, reason="PyTorch is not installed "
                                  "(pip install torch==2.13.0)"),
    "numpy": pytest.mark.skipif(numpy is None, reason="NumPy is not installed (pip install numpy)"),
}


def targets(*names):
    return [pytest.param(t, marks=needs[t]) if needs[t] else t for t in names]


# --- running a program and reading what it prints ---------------------------------------


_RAN: dict[tuple[str, tuple[str, ...]], str] = {}  # (program, args) -> stdout: each runs once


def run_program(path: Path, *args: str) -> str:
    key = (path.read_text(encoding="utf-8"), args)
    if key in _RAN:
        return _RAN[key]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # standalone: no chainrule
    done = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True,
                          env=env, cwd=path.parent, timeout=300)
    assert done.returncode == 0, done.stderr
    _RAN[key] = done.stdout
    return done.stdout


def parse(text: str) -> dict:
    """{'Forward pass': {name: text}, ..., 'log': {epoch: {name: text}}} of a printout."""
    out: dict = {"log": {}}
    section = None
    for line in text.splitlines():
        if not line.startswith(" "):
            m = re.match(r"Loss: (\S+) = (\S+)$", line)
            if m:
                out["Loss"] = {m.group(1): m.group(2)}
                continue
            section = line.split(" (")[0].split(" with")[0]
            out.setdefault(section, {})
            continue
        m = re.match(r"  epoch (\d+): (.*)$", line)
        if m:
            out["log"][int(m.group(1))] = dict(
                re.match(r"(\S+) = (\S+)", part.strip()).groups() for part in m.group(2).split(","))
            continue
        name, value = re.match(r"  (\S+) = (\S+)$", line).groups()
        out[section][name] = value
    return out


def close(a: float, b: float, tol: float = TOL) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=1e-15)


def engine(example):
    """The engine's numbers, computed here: values, parameter gradients, the update,
    the training records."""
    values = worked.build(example)
    data = {k: v.data for k, v in values.items()}
    grads, new, records = {}, {}, []
    if example.loss is not None:
        worked.backward(example, values)
        grads = {k: values[k].grad for k in example.params}
        if example.lr is not None:
            new = worked.step(example, worked.build(example))
            if example.steps > 1:
                records = worked.train(example)
    return data, grads, new, records


def write(tmp_path: Path, source, target: str, name: str = "prog.py", **options) -> Path:
    text = export.export(source, target, **options)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def check_against_engine(example, printed: dict) -> None:
    data, grads, new, records = engine(example)
    assert set(printed["Forward pass"]) == set(example.nodes) if example.nodes else True
    for section, expected in (("Inputs", example.inputs), ("Parameters", example.params),
                              ("Forward pass", {k: data[k] for k in example.nodes}),
                              ("Gradients", grads), ("Update", new)):
        if not expected:
            continue
        got = printed[section]
        assert list(got) == list(expected), section
        for k, v in expected.items():
            assert close(float(got[k]), v), (section, k, got[k], v)
    if example.loss is not None:
        assert close(float(printed["Loss"][example.loss]), data[example.loss])
    if records:
        assert printed["log"], "no training log"
        for epoch, row in printed["log"].items():
            for k, v in row.items():
                assert close(float(v), records[epoch][k], 1e-11), (epoch, k, v, records[epoch][k])


# --- every bundled example, every target ------------------------------------------------


@pytest.mark.parametrize("target", targets("python", "pytorch", "numpy"))
@pytest.mark.parametrize("stem", STEMS)
def test_every_export_prints_the_engines_numbers(tmp_path, stem, target):
    example = worked.load(worked.EXAMPLES_DIR / f"{stem}.toml")
    path = write(tmp_path, example, target)
    printed = parse(run_program(path, "--full"))
    check_against_engine(example, printed)


@pytest.mark.parametrize("target", targets("python", "pytorch", "numpy"))
@pytest.mark.parametrize("stem", STEMS)
def test_every_export_rounds_as_chainrule_run(tmp_path, stem, target):
    """Without --full: 4 significant digits (6 for the new values), as `run` prints."""
    example = worked.load(worked.EXAMPLES_DIR / f"{stem}.toml")
    printed = parse(run_program(write(tmp_path, example, target)))
    data, grads, new, _ = engine(example)
    for k in example.nodes:
        assert printed["Forward pass"][k] == numbers.fmt(data[k], 4), k
    for k, g in grads.items():
        assert printed["Gradients"][k] == numbers.fmt(g, 4), k
    for k, v in new.items():
        assert printed["Update"][k] == numbers.fmt(v, 6), k


def test_seed002_programs_print_the_documents_training_log(tmp_path):
    """Seed 002's printed log, digit for digit, from every target."""
    doc = {0: ("0.063306", "0.644173"), 200: ("0.001997", "0.936796"),
           400: ("0.000917", "0.957166"), 600: ("0.000585", "0.965799"),
           800: ("0.000426", "0.970806")}
    example = worked.load(worked.EXAMPLES_DIR / "seed002_1-1-1_training.toml")
    for target in ("python", "pytorch", "numpy"):
        if needs[target] is not None and (torch is None if target == "pytorch" else numpy is None):
            continue
        log = parse(run_program(write(tmp_path, example, target, f"prog_{target}.py")))["log"]
        for epoch, (loss, a_o) in doc.items():
            assert log[epoch] == {"loss": loss, "a_o": a_o}, (target, epoch)
        assert log[999]["a_o"] == "0.974146"  # "Final prediction: 0.974146"


def test_seed002_python_program_against_closed_forms(tmp_path):
    """The first step of seed 002 in floats written here (sigmoid by hand)."""
    def sig(z):
        return 1.0 / (1.0 + math.exp(-z))

    x, y, w1, b1, w2, b2 = 0.5, 1.0, 0.3, 0.1, 0.7, 0.2
    z_h = w1 * x + b1
    a_h = sig(z_h)
    z_o = w2 * a_h + b2
    a_o = sig(z_o)
    d_o = -(y - a_o) * a_o * (1 - a_o)
    d_h = d_o * w2 * a_h * (1 - a_h)
    expect = {"w1": d_h * x, "b1": d_h, "w2": d_o * a_h, "b2": d_o}
    example = worked.load(worked.EXAMPLES_DIR / "seed002_1-1-1_training.toml")
    printed = parse(run_program(write(tmp_path, example, "python"), "--full"))
    assert close(float(printed["Forward pass"]["a_o"]), a_o)
    for k, v in expect.items():
        assert close(float(printed["Gradients"][k]), v), k
        assert close(float(printed["Update"][k]), {"w1": w1, "b1": b1, "w2": w2, "b2": b2}[k] - 0.5 * v)
    # the document's hand step, at its 4 decimals: dL/dw2 = -0.0459, dL/dw1 = -0.0070,
    # w2 -> 0.7229, w1 -> 0.3035
    assert round(float(printed["Gradients"]["w2"]), 4) == -0.0459
    assert round(float(printed["Gradients"]["w1"]), 4) == -0.0070
    assert round(float(printed["Update"]["w2"]), 4) == 0.7229
    assert round(float(printed["Update"]["w1"]), 4) == 0.3035


@pytest.mark.parametrize("target", targets("python", "pytorch", "numpy"))
def test_seed001_programs_against_the_documents_numbers(tmp_path, target):
    """Seed 001's printed forward pass, gradients and update table, within the
    file's tolerance (the document rounds every intermediate to 4 decimals)."""
    example = worked.load(worked.EXAMPLES_DIR / "seed001_2-2-1_shared_bias.toml")
    printed = parse(run_program(write(tmp_path, example, target), "--full"))
    doc_values = {"z_h1": 0.3775, "z_h2": 0.3925, "a_h1": 0.5933, "a_h2": 0.5969,
                  "z_out": 1.1059, "a_out": 0.7514, "loss": 0.2748}
    doc_grads = {"w5": 0.0822, "w6": 0.0827, "w1": 0.00067, "w4": 0.00150, "w3": 0.00075,
                 "b2": 0.1385, "b1": 0.0284}  # w2's 0.00135 is the document's slip
    doc_new = {"w6": 0.40865, "w5": 0.35890, "w4": 0.29925, "w3": 0.249625, "w1": 0.149665,
               "b2": 0.5307, "b1": 0.3358}
    for k, v in doc_values.items():
        assert float(printed["Forward pass"][k]) == pytest.approx(v, rel=0.01), k
    for k, v in doc_grads.items():
        assert float(printed["Gradients"][k]) == pytest.approx(v, rel=0.01), k
    for k, v in doc_new.items():
        assert float(printed["Update"][k]) == pytest.approx(v, rel=0.01), k
    # the shared bias: its gradient is the sum of the two paths
    assert float(printed["Gradients"]["b1"]) == pytest.approx(0.0134 + 0.0150, rel=0.01)


# --- the programs themselves ---------------------------------------------------------


FORBIDDEN = {"eval", "exec", "compile", "__import__", "open", "input"}


@pytest.mark.parametrize("target", ["python", "pytorch", "numpy"])
@pytest.mark.parametrize("stem", STEMS)
def test_programs_parse_and_call_no_eval(stem, target):
    example = worked.load(worked.EXAMPLES_DIR / f"{stem}.toml")
    text = export.export(example, target, origin=f"{stem}.toml (bundled)")
    tree = ast.parse(text)
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)
              and isinstance(n.func, ast.Name)}
    assert not called & FORBIDDEN
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    expected = {"python": set(), "pytorch": {"torch"}, "numpy": {"numpy"}}[target]
    assert imported - set(sys.stdlib_module_names) == expected
    head = text.split("\n")[:6]
    assert head[0].startswith("# ")
    assert any(f"chainrule {export.common.version()}" in line for line in head)
    assert any(f"{stem}.toml (bundled)" in line for line in head)


def test_python_program_reads_like_seed_002():
    example = worked.load(worked.EXAMPLES_DIR / "seed002_1-1-1_training.toml")
    text = export.to_python(example)
    for line in ("z_h = w1 * x + b1", "a_o = sigmoid(z_o)", "loss = 0.5 * err**2",
                 "da_o_dz_o = a_o * (1 - a_o)", "dz_o_dw2 = a_h", "dL_dw2 = dL_dz_o * dz_o_dw2",
                 "w2_new = w2 - learning_rate * dL_dw2", "for epoch in range(steps):"):
        assert line in text, line
    assert "# chain rule: ∂loss/∂z_o = ∂loss/∂a_o · ∂a_o/∂z_o" in text


def test_pytorch_program_states_the_correspondence():
    example = worked.load(worked.EXAMPLES_DIR / "seed003_2-3-1_forward.toml")
    text = export.to_pytorch(example)
    # n1 -> n3 is input 0 -> neuron 0; n2 -> n5 is input 1 -> neuron 2
    assert "#   w13 = layer1.weight[0, 0]  (n1 -> z3)" in text
    assert "#   w25 = layer1.weight[2, 1]  (n2 -> z5)" in text
    assert "#   w56 = layer2.weight[0, 2]  (n5 -> z6)" in text
    assert "torch.nn.Linear(2, 3, bias=True, dtype=torch.float64)" in text
    shared = export.to_pytorch(worked.load(worked.EXAMPLES_DIR / "seed001_2-2-1_shared_bias.toml"))
    assert "torch.nn.Linear(2, 2, bias=False, dtype=torch.float64)" in shared
    assert "b1 = shared_bias1, one number added to every neuron of layer 1" in shared


def test_numpy_program_is_the_delta_recursion():
    example = worked.load(worked.EXAMPLES_DIR / "seed003_3-4-2_linear_exercise.toml")
    text = export.to_numpy(example)
    for line in ("z1 = W1 @ a0 + b1", "delta1 = (W2.T @ delta2)", "dW2 = delta2 @ a1.T",
                 "dW1 = delta1 @ a0.T", "db1 = delta1"):
        assert line in text, line


def test_export_is_byte_identical_across_runs_and_processes(tmp_path):
    outs = []
    for seed in ("0", "1", "12345"):
        for target in ("python", "pytorch", "numpy"):
            env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
            done = subprocess.run([sys.executable, "-m", "viz", "export", "seed002", "--to", target],
                                  capture_output=True, env=env, cwd=tmp_path, timeout=120)
            assert done.returncode == 0, done.stderr
            outs.append(done.stdout)
    assert outs[0:3] == outs[3:6] == outs[6:9]
    example = worked.load(EXAMPLES[0])
    assert export.to_python(example) == export.to_python(worked.load(EXAMPLES[0]))


# --- every primitive, and names that collide --------------------------------------------

ODD = """
title = "every primitive"
[inputs]
x = 0.7
k = 1.5
[params]
a = 0.3
b = -1.2
c = 2.0
[nodes]
u = "a*x - b/c + exp(a)*log(c) - -a"
v = "tanh(u)**2 + relu(b + 2) * sigmoid(-u) + c**k + c**a + 2**-1 + relu(-a)"
w = "v / (1 + a**2) - relu(-3*b) + (a*c)**3 / x"
loss = "(w - 1)**2 / 2"
[train]
lr = 0.01
steps = 3
"""

COLLIDING = """
title = "names a program uses for itself"
[inputs]
math = 0.5
epoch = 1.0
[params]
L = 0.3
show = 0.1
layer1 = 0.7
W1 = 0.2
[nodes]
z1 = "L*math + show"
a1 = "sigmoid(z1)"
inputs = "layer1*a1 + W1"
steps = "sigmoid(inputs)"
loss = "0.5*(epoch - steps)**2"
[train]
lr = 0.5
steps = 2
"""


@pytest.mark.parametrize("target", targets("python", "pytorch", "numpy"))
@pytest.mark.parametrize("text", [ODD, COLLIDING], ids=["every-primitive", "colliding-names"])
def test_odd_files_export_correctly(tmp_path, text, target):
    example = worked.loads(text, "odd.toml")
    if target == "numpy" and text is ODD:
        with pytest.raises(export.ExportError, match="layered network"):
            export.to_numpy(example)
        return
    printed = parse(run_program(write(tmp_path, example, target), "--full"))
    check_against_engine(example, printed)


def test_every_primitive_gradients_against_finite_differences(tmp_path):
    """The Python program's gradients against central differences of the loss."""
    example = worked.loads(ODD, "odd.toml")
    printed = parse(run_program(write(tmp_path, example, "python"), "--full"))
    for name, value in example.params.items():
        h = 1e-6
        up = worked.build(example, {**example.params, name: value + h})["loss"].data
        down = worked.build(example, {**example.params, name: value - h})["loss"].data
        assert float(printed["Gradients"][name]) == pytest.approx((up - down) / (2 * h), rel=1e-6)


def test_a_title_cannot_break_out_of_the_header_comment():
    text = 'title = "two\\nlines\\rand \\u2028 more"\nsource = "x = 1\\nimport os"\n' + \
           "[inputs]\nx = 1.0\n[nodes]\ny = \"2*x\"\n"
    program = export.to_python(worked.loads(text, "t.toml"))
    tree = ast.parse(program)
    assert not any(isinstance(n, ast.Import) and n.names[0].name == "os" for n in ast.walk(tree))
    assert program.split("\n")[0] == "# two lines and more"


# --- the command ---------------------------------------------------------------------


def test_cli_writes_the_program_with_o(tmp_path, capsys):
    target = tmp_path / "seed002.py"
    assert main(["export", "seed002", "--to", "python", "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {target}")
    assert target.read_text(encoding="utf-8") == export.to_python(
        worked.load(worked.EXAMPLES_DIR / "seed002_1-1-1_training.toml"),
        origin="seed002_1-1-1_training.toml (bundled)")


def test_cli_refuses_bad_targets_in_one_line(tmp_path, capsys):
    link = tmp_path / "link.py"
    link.symlink_to(tmp_path / "nowhere.py")
    assert main(["export", "seed001", "-o", str(link)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "symbolic link" in err
    assert not (tmp_path / "nowhere.py").exists()
    source = tmp_path / "mine.toml"
    source.write_text(ODD, encoding="utf-8")
    assert main(["export", str(source), "-o", str(source)]) == 2
    assert "the worked example itself" in capsys.readouterr().err
    assert main(["export", str(source), "--to", "numpy"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs a layered network" in err
    assert main(["export", "seed001", "--to", "fortran"]) == 2
    assert "invalid choice" in capsys.readouterr().err


# --- graphs from nn, and nn.to_torch / from_torch --------------------------------------


@pytest.mark.parametrize("target", targets("python", "pytorch", "numpy"))
@pytest.mark.parametrize("name", [n for n, f in nn.DOCUMENT_NETWORKS.items()
                                  if f().target is not None])
def test_nn_graphs_export_like_files(tmp_path, name, target):
    doc = nn.DOCUMENT_NETWORKS[name]()
    loss = nn.squared_error(doc.model(doc.inputs), doc.target)
    path = write(tmp_path, loss, target, params=doc.model.parameters(), lr=doc.lr)
    printed = parse(run_program(path, "--full"))
    loss.backward()
    expected = {p.name: p.grad for p in doc.model.parameters()}
    assert list(printed["Gradients"]) == list(expected)
    for k, g in expected.items():
        assert close(float(printed["Gradients"][k]), g), k
        value = [p for p in doc.model.parameters() if p.name == k][0].data
        assert close(float(printed["Update"][k]), value - doc.lr * g), k
    assert close(float(printed["Loss"]["loss"]), loss.data)


torch_only = pytest.mark.skipif(torch is None, reason="PyTorch is not installed "
                                "(pip install torch==2.13.0)")


@torch_only
@pytest.mark.parametrize("name", list(nn.DOCUMENT_NETWORKS))
def test_to_torch_round_trips_and_matches_gradients(name):
    doc = nn.DOCUMENT_NETWORKS[name]()
    module = nn.to_torch(doc.model)
    assert all(p.dtype == torch.float64 for p in module.parameters())
    x = torch.tensor(doc.inputs, dtype=torch.float64)
    y = module(x)
    ours = doc.model(doc.inputs)
    for a, b in zip(y.tolist(), ours):
        assert close(a, b.data)
    back = nn.from_torch(module)
    assert back.state_dict() == doc.model.state_dict()
    assert back.activations == doc.model.activations
    assert back.shared_biases == doc.model.shared_biases
    if doc.target is None:
        return
    loss = 0.5 * ((torch.tensor(doc.target, dtype=torch.float64) - y) ** 2).sum()
    loss.backward()
    ours_loss = nn.squared_error(ours, doc.target)
    ours_loss.backward()
    assert close(loss.item(), ours_loss.data)
    grads = []  # torch's gradients in chainrule's parameter order
    for k, layer in enumerate(doc.model.layers, start=1):
        linear = getattr(module, f"layer{k}")
        for j in range(layer.nout):
            grads += linear.weight.grad[j].tolist()
            if not layer.shared_bias:
                grads.append(linear.bias.grad[j].item())
        if layer.shared_bias:
            grads.append(getattr(module, f"shared_bias{k}").bias.grad.item())
    for g, p in zip(grads, doc.model.parameters(), strict=True):
        assert close(g, p.grad), p.name


@torch_only
def test_from_torch_reads_a_plain_sequential_and_refuses_others():
    seq = torch.nn.Sequential(torch.nn.Linear(3, 2, dtype=torch.float64), torch.nn.Tanh(),
                              torch.nn.Linear(2, 1, dtype=torch.float64))
    model = nn.from_torch(seq)
    assert model.activations == ["tanh", "linear"]
    x = [0.1, -0.4, 2.0]
    assert close(model(x)[0].data, seq(torch.tensor(x, dtype=torch.float64)).item())
    with pytest.raises(ValueError, match="only Linear layers"):
        nn.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softmax(dim=0)))


def test_to_torch_without_torch_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    with pytest.raises(ImportError, match=re.escape("pip install torch==2.13.0")):
        nn.to_torch(nn.shared_bias_2_2_1().model)


def test_a_value_graph_of_plain_values_exports(tmp_path):
    a, b = Value(2.0, "a"), Value(-0.5, "b")
    out = (a * b).tanh() + a ** 2 / (b - 1.0)
    out.name = "f"
    printed = parse(run_program(write(tmp_path, out, "python", lr=0.1), "--full"))
    out.backward()
    assert close(float(printed["Gradients"]["a"]), a.grad)
    assert close(float(printed["Gradients"]["b"]), b.grad)
    assert close(float(printed["Loss"]["f"]), out.data)


def test_the_readme_shows_a_real_export():
    """Every line of the README's export excerpts is a line of today's export."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## When you outgrow scalars", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2
    example = worked.load(worked.EXAMPLES_DIR / "seed002_1-1-1_training.toml")
    for block, target in zip(blocks, ("python", "pytorch")):
        program = export.export(example, target).split("\n")
        for line in block.rstrip("\n").split("\n"):
            assert line in program, (target, line)


def test_the_work_of_an_export_is_bounded(tmp_path, capsys):
    """A node of 1,500 terms would need 3,001 derivatives of a 6,000-part
    expression: refused in one line, before any of that work."""
    n = 1500
    leaves = "\n".join(f"x{i} = 0.5" for i in range(n))
    params = "\n".join(f"w{i} = 0.1" for i in range(n)) + "\nb = 0.0"
    wide = "+".join(f"w{i}*x{i}" for i in range(n)) + "+b"
    path = tmp_path / "wide.toml"
    path.write_text(f"[inputs]\n{leaves}\n[params]\n{params}\n[nodes]\nloss = \"{wide}\"\n"
                    "[train]\nlr = 0.1\n", encoding="utf-8")
    assert main(["export", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "too large to export" in err
    # just under the limit, a wide node exports and its program runs
    small = worked.loads(path.read_text().replace(wide, "+".join(
        f"w{i}*x{i}" for i in range(300)) + "+b"), "small.toml")
    printed = parse(run_program(write(tmp_path, small, "python"), "--full"))
    assert float(printed["Gradients"]["w7"]) == 0.5 and float(printed["Gradients"]["b"]) == 1.0

"""``--to pytorch``: the computation as a PyTorch program in float64.

A layered network (``layers.detect``) becomes ``torch.nn.Linear`` layers
holding the document's weights (a bias shared by a layer is one scalar
``torch.nn.Parameter`` added to every neuron), the same activations, the
file's own loss on the output entries, ``loss.backward()`` and one
``torch.optim.SGD`` step per epoch.  Any other graph becomes scalar tensors,
the parameters with ``requires_grad=True``.  A comment block says which tensor
entry is which document weight.
"""

from __future__ import annotations

from . import common, layers, symbolic
from .program import Program

FUNCTIONS = {"exp": "torch.exp", "log": "torch.log", "tanh": "torch.tanh",
             "sigmoid": "torch.sigmoid", "relu": "torch.relu"}
ACTIVATION = {"sigmoid": "torch.sigmoid", "tanh": "torch.tanh", "relu": "torch.relu"}
F64 = "dtype=torch.float64"


def _num(x: float) -> str:
    return symbolic.number_text(x)


def _indent(lines: list[str], n: int = 4) -> list[str]:
    return [" " * n + line if line else line for line in lines]


def _matrix(rows: list[list[str]], values: dict[str, float], shown, pad: str) -> list[str]:
    out = []
    for row in rows:
        nums = ", ".join(_num(values[w]) for w in row)
        out.append(f"{pad}[{nums}],  # {', '.join(shown(w) for w in row)}")
    return out


def _rest(prog: Program, net: layers.Network, entry) -> list[str]:
    """The nodes after the network, on the output entries (``entry(name)`` gives the
    code of a network node's value)."""
    lines = []
    referenced = []
    for n in net.rest:
        for m in prog.uses(n):
            if net.where(m) is not None and m not in referenced:
                referenced.append(m)
    for m in referenced:
        lines.append(f"{m} = {entry(m)}  # {prog.show(m)}, an output of the network")
    for n in net.rest:
        tree = symbolic.fold_calls(prog.trees[n])
        text = symbolic.render(tree, FUNCTIONS)
        if not symbolic.has_names(tree):
            text = f"torch.tensor({text}, {F64})"
        lines.append(f"{n} = {text}")
    return lines


def own_names(prog: Program, wanted: list[str]) -> dict[str, str]:
    """The program's own variables (layer1, z1, ...), none equal to a file's name."""
    taken = set(prog.inputs) | set(prog.params) | set(prog.trees)
    out = {}
    for w in wanted:
        name = w
        while name in taken:
            name += "_"
        taken.add(name)
        out[w] = name
    return out


def _layered(prog: Program, net: layers.Network) -> tuple[list[str], list[str], dict, dict, dict, list[str]]:
    """setup lines, forward lines, value/grad/new code maps, parameter list."""
    s = prog.show
    K = range(1, len(net.layers) + 1)
    v = own_names(prog, ["inputs"] + [f"{w}{k}" for k in K
                                      for w in ("layer", "shared_bias", "z", "a")])
    values = {**prog.params}
    setup = ["# The inputs"] + [f"{k} = {_num(x)}" for k, x in prog.inputs.items()] + [""]
    setup += ["# The network: one torch.nn.Linear per layer, the document's weights in float64.",
             "# layerK.weight[j, i] is the weight from input i to neuron j of layer K:"]
    grad: dict[str, str] = {}
    new: dict[str, str] = {}
    params: list[str] = []
    for k, layer in enumerate(net.layers, start=1):
        for j, row in enumerate(layer.weights):
            for i, w in enumerate(row):
                setup.append(f"#   {s(w)} = {v[f'layer{k}']}.weight[{j}, {i}]  "
                             f"({s(layer.sources[i])} -> {s(layer.nets[j])})")
                grad[w] = f"{v[f'layer{k}']}.weight.grad[{j}, {i}]"
                new[w] = f"{v[f'layer{k}']}.weight[{j}, {i}]"
            if layer.biases:
                setup.append(f"#   {s(layer.biases[j])} = {v[f'layer{k}']}.bias[{j}]")
                grad[layer.biases[j]] = f"{v[f'layer{k}']}.bias.grad[{j}]"
                new[layer.biases[j]] = f"{v[f'layer{k}']}.bias[{j}]"
        if layer.shared_bias:
            b = layer.shared_bias
            setup.append(f"#   {s(b)} = {v[f'shared_bias{k}']}, one number added to every neuron of layer {k}")
            grad[b] = f"{v[f'shared_bias{k}']}.grad"
            new[b] = f"{v[f'shared_bias{k}']}"
    setup.append("")
    for k, layer in enumerate(net.layers, start=1):
        nin, nout = len(layer.sources), len(layer.nets)
        has_bias = "True" if layer.biases else "False"
        setup.append(f"{v[f'layer{k}']} = torch.nn.Linear({nin}, {nout}, bias={has_bias}, {F64})")
        params.append(f"{v[f'layer{k}']}.weight")
        if layer.biases:
            params.append(f"{v[f'layer{k}']}.bias")
        if layer.shared_bias:
            setup.append(f"{v[f'shared_bias{k}']} = torch.nn.Parameter(torch.tensor("
                         f"{_num(values[layer.shared_bias])}, {F64}))  # {s(layer.shared_bias)}")
            params.append(f"{v[f'shared_bias{k}']}")
    setup.append("with torch.no_grad():")
    for k, layer in enumerate(net.layers, start=1):
        setup.append(f"    {v[f'layer{k}']}.weight.copy_(torch.tensor([")
        setup += _matrix(layer.weights, values, s, "        ")
        setup.append(f"    ], {F64}))")
        if layer.biases:
            nums = ", ".join(_num(values[b]) for b in layer.biases)
            setup.append(f"    {v[f'layer{k}']}.bias.copy_(torch.tensor([{nums}], {F64}))  "
                         f"# {', '.join(s(b) for b in layer.biases)}")
    first = net.layers[0].sources
    forward = [f"{v['inputs']} = torch.tensor([{', '.join(first)}], {F64})  # the input vector"]
    below = v["inputs"]
    for k, layer in enumerate(net.layers, start=1):
        shared = f" + {v[f'shared_bias{k}']}" if layer.shared_bias else ""
        plural = "s" if len(layer.nets) > 1 else ""
        forward.append(f"{v[f'z{k}']} = {v[f'layer{k}']}({below}){shared}  # net input{plural} "
                       f"{', '.join(s(z) for z in layer.nets)}")
        if layer.activation == "linear":
            forward.append(f"{v[f'a{k}']} = {v[f'z{k}']}  # linear activation: a = z")
        else:
            forward.append(f"{v[f'a{k}']} = {ACTIVATION[layer.activation]}({v[f'z{k}']})  # "
                           f"{', '.join(s(a) for a in layer.outputs)}")
        below = v[f"a{k}"]

    def entry(name: str) -> str:
        k, kind, j = net.where(name)  # type: ignore[misc]
        return f"{v[('z' if kind == 'net' else 'a') + str(k + 1)]}[{j}]"

    forward += _rest(prog, net, entry)
    value = {k: k for k in prog.inputs}
    value.update(new)
    for n in prog.trees:
        value[n] = entry(n) if net.where(n) is not None else n
    return setup, forward, value, grad, new, params


def _scalar(prog: Program) -> tuple[list[str], list[str], dict, dict, dict, list[str]]:
    setup = ["# Every number a scalar tensor in float64; the parameters record their gradients."]
    for k, v in prog.inputs.items():
        setup.append(f"{k} = torch.tensor({_num(v)}, {F64})  # input {prog.show(k)}")
    for k, v in prog.params.items():
        setup.append(f"{k} = torch.tensor({_num(v)}, {F64}, requires_grad=True)"
                     f"  # parameter {prog.show(k)}")
    forward = []
    for n, t in prog.trees.items():
        tree = symbolic.fold_calls(t)
        text = symbolic.render(tree, FUNCTIONS)
        if not symbolic.has_names(tree):
            text = f"torch.tensor({text}, {F64})"
        forward.append(f"{n} = {text}")
    value = {k: k for k in [*prog.inputs, *prog.params, *prog.trees]}
    grad = {p: f"grad_of({p})" for p in prog.params}
    new = {p: p for p in prog.params}
    return setup, forward, value, grad, new, list(prog.params)


GRAD_OF = [
    "def grad_of(p):",
    '    """p.grad, or 0 when the loss does not depend on p."""',
    "    return 0.0 if p.grad is None else p.grad",
]


def to_pytorch(prog: Program) -> str:
    """The program's text."""
    net, why = layers.detect(prog)
    kind = "a layered network: torch.nn.Linear layers" if net else \
        "not a layered network (" + why + "): scalar tensors"
    lines = common.header(prog, "pytorch", "Needs PyTorch (pip install torch==2.13.0).")
    lines.insert(-5, f"# The graph is {kind}.")
    lines += ["import math", "import sys", "", "import torch", "", ""]
    lines += common.helpers(prog, "pytorch") + ["", ""]
    if net is None:
        lines += GRAD_OF + ["", ""]
        setup, forward, value, grad, new, params = _scalar(prog)
    else:
        setup, forward, value, grad, new, params = _layered(prog, net)
    lines += setup + [""]
    trains = prog.trains
    lr = prog.lr if trains else None  # a program that trains has its lr
    if prog.loss is not None:
        lines.append(f"params = [{', '.join(params)}]")
    if lr is not None:
        lines.append(f"optimizer = torch.optim.SGD(params, lr={_num(lr)})"
                     "  # new = old - lr * gradient")
    if prog.steps > 1 and trains:
        epochs = "{" + ", ".join(str(e) for e in sorted(prog.log_epochs)) + "}"
        lines += [f"steps = {prog.steps}",
                  f"LOG_EPOCHS = {epochs if prog.log_epochs else 'set()'}"
                  "  # the epochs the training log prints"]
    lines.append("")
    shown_forward, shown_back = common.report_lines(prog, value, grad if prog.loss else {},
                                                    new if trains else {})
    step: list[str] = []
    if prog.loss is not None and params:
        step = ["", "# Backward pass: every gradient, by the chain rule",
                f"{value[prog.loss]}.backward()"]
        if trains:
            step += ["# One step of gradient descent", "optimizer.step()"]
    if prog.steps > 1 and trains:
        body = ["optimizer.zero_grad()", "# Forward pass"] + forward
        body += ["if epoch == 0:  # the first step, as `chainrule run` shows it"]
        body += _indent(shown_forward)
        body += ["if epoch in LOG_EPOCHS:  # the values at the start of the epoch, before its update",
                 "    log = " + _log_values(prog, value)]
        body += step
        body += ["if epoch == 0:"] + _indent(shown_back + [common.log_header(prog)])
        body += ["if epoch in LOG_EPOCHS:", "    " + _log_print(prog)]
        lines += ["for epoch in range(steps):"] + _indent(body)
    else:
        lines += ["# Forward pass"] + forward + [""] + shown_forward
        if step:
            lines += step + [""] + shown_back
    return "\n".join(lines).rstrip("\n") + "\n"


def _log_values(prog: Program, value: dict[str, str]) -> str:
    return "[" + ", ".join(f"as_float({value[n]})" for n, _ in prog.log_columns) + "]"


def _log_print(prog: Program) -> str:
    value = {n: f"log[{i}]" for i, (n, _) in enumerate(prog.log_columns)}
    return common.log_line(prog, value)

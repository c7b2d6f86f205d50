"""``--to numpy``: a layered network in matrix form, as seed 003 derives it.

Each layer is z_k = W_k a_(k−1) + b_k, a_k = f(z_k) on column vectors; the
backward pass is the δ recursion: δ_L = ∂L/∂a_L ⊙ f'(z_L), δ_k = (W_(k+1)ᵀ
δ_(k+1)) ⊙ f'(z_k), with ∂L/∂W_k = δ_k a_(k−1)ᵀ (an outer product) and
∂L/∂b_k = δ_k (summed over the neurons for a bias the layer shares).  ∂L/∂a_L
comes from the file's own nodes after the network, written as scalar
chain-rule lines.  Graphs that are not layered are refused (``ExportError``).
"""

from __future__ import annotations

from . import backward, common, layers, symbolic
from .program import ExportError, Program
from .python import POW_SLOPE, RELU_SLOPE

FUNCTIONS = {"exp": "np.exp", "log": "np.log", "tanh": "np.tanh", "sigmoid": "sigmoid",
             "relu": "relu", "relu_slope": "relu_slope", "pow_slope": "pow_slope"}

SIGMOID = [
    "def sigmoid(z):",
    '    """1 / (1 + e^-z) for every entry, written so that e^-z never overflows."""',
    "    e = np.exp(-np.abs(z))",
    "    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))",
]
RELU = [
    "def relu(z):",
    '    """max(0, z) for every entry."""',
    "    return np.where(z > 0, z, 0.0)",
]
SLOPE = {  # f'(z) from a = f(z), entry by entry
    "sigmoid": ("{a} * (1 - {a})", "σ'(z) = a ⊙ (1 − a)"),
    "tanh": ("(1 - {a}**2)", "tanh'(z) = 1 − a²"),
    "relu": ("np.where({z} > 0, 1.0, 0.0)", "relu'(z) = 1 where z > 0, else 0"),
}


def _n(x: float) -> str:
    return symbolic.number_text(x)


def _indent(lines: list[str], n: int = 4) -> list[str]:
    return [" " * n + line if line else line for line in lines]


def to_numpy(prog: Program) -> str:
    """The program's text; ``ExportError`` for a graph that is not a layered network."""
    net, why = layers.detect(prog)
    if net is None:
        raise ExportError(f"--to numpy needs a layered network: {why} "
                          "(--to python and --to pytorch export any graph)")
    if prog.loss is not None and net.where(prog.loss) is not None:
        raise ExportError(f"the loss {prog.show(prog.loss)} is a node of the network itself; "
                          "--to numpy needs it computed after the network (--to python "
                          "exports it)")
    s = prog.show
    L = len(net.layers)
    taken = set(prog.inputs) | set(prog.trees)
    own: dict[str, str] = {}
    for key in ["a0"] + [f"{w}{k}" for k in range(1, L + 1)
                         for w in ("W", "b", "z", "a", "delta", "dW", "db", "W_new", "b_new")] \
            + [f"dL_da{L}"]:
        name = key if "_new" not in key else key.replace("_new", "") + "_new"  # W1_new
        while name in taken:
            name += "_"
        taken.add(name)
        own[key] = name

    def o(w: str, k: int | str = "") -> str:
        return own[f"{w}{k}"]

    trains = prog.trains
    lr = prog.lr if trains else None  # a program that trains has its lr
    lines = common.header(prog, "numpy", "Needs NumPy (pip install numpy).")
    lines += ["import math", "import sys", "", "import numpy as np", "", ""]
    used = {t.func for t in (n for tree in prog.trees.values() for n in symbolic.expr.walk(tree))
            if isinstance(t, symbolic.Call)}
    used |= {layer.activation for layer in net.layers}
    for name, source in (("sigmoid", SIGMOID), ("relu", RELU)):
        if name in used:
            lines += source + ["", ""]
    names = backward.Names(set(taken) | set(prog.params),
                           "dloss_d" if "L" in taken else "dL_d")
    helpers = backward.helpers_used(prog, names, FUNCTIONS) if prog.loss else set()
    for name, source in (("relu_slope", RELU_SLOPE), ("pow_slope", POW_SLOPE)):
        if name in helpers:
            lines += source + ["", ""]
    lines += common.helpers(prog, "numpy") + ["", ""]

    lines += ["# The inputs"] + [f"{k} = {_n(x)}" for k, x in prog.inputs.items()] + [""]
    lines += ["# The network in matrix form: column vectors, and W_k[j, i] the weight from",
              "# input i to neuron j of layer k (row j holds neuron j's weights):"]
    value: dict[str, str] = {k: k for k in prog.inputs}
    grad: dict[str, str] = {}
    new: dict[str, str] = {}
    for k, layer in enumerate(net.layers, start=1):
        for j, row in enumerate(layer.weights):
            for i, w in enumerate(row):
                lines.append(f"#   {s(w)} = {o('W', k)}[{j}, {i}]  ({s(layer.sources[i])} -> "
                             f"{s(layer.nets[j])})")
                value[w], grad[w], new[w] = (f"{o('W', k)}[{j}, {i}]", f"{o('dW', k)}[{j}, {i}]",
                                             f"{o('W_new', k)}[{j}, {i}]")
            if layer.biases:
                b = layer.biases[j]
                lines.append(f"#   {s(b)} = {o('b', k)}[{j}, 0]")
                value[b], grad[b], new[b] = (f"{o('b', k)}[{j}, 0]", f"{o('db', k)}[{j}, 0]",
                                             f"{o('b_new', k)}[{j}, 0]")
        if layer.shared_bias:
            b = layer.shared_bias
            lines.append(f"#   {s(b)} = {o('b', k)}, one number added to every neuron of layer {k}")
            value[b], grad[b], new[b] = o("b", k), o("db", k), o("b_new", k)
    for k, layer in enumerate(net.layers, start=1):
        lines.append(f"{o('W', k)} = np.array([")
        for row, z in zip(layer.weights, layer.nets):
            lines.append(f"    [{', '.join(_n(prog.params[w]) for w in row)}],  # {s(z)}: "
                         f"{', '.join(s(w) for w in row)}")
        lines.append("], dtype=float)")
        if layer.shared_bias:
            lines.append(f"{o('b', k)} = {_n(prog.params[layer.shared_bias])}  "
                         f"# {s(layer.shared_bias)}, shared")
        else:
            assert layer.biases is not None  # None only when the layer's bias is shared
            column = ", ".join(f"[{_n(prog.params[b])}]" for b in layer.biases)
            lines.append(f"{o('b', k)} = np.array([{column}], dtype=float)"
                         f"  # {', '.join(s(b) for b in layer.biases)}")
    if lr is not None:
        lines.append(f"learning_rate = {_n(lr)}")
    looping = prog.steps > 1 and trains
    if looping:
        epochs = "{" + ", ".join(str(e) for e in sorted(prog.log_epochs)) + "}"
        lines += [f"steps = {prog.steps}",
                  f"LOG_EPOCHS = {epochs if prog.log_epochs else 'set()'}"
                  "  # the epochs the training log prints"]
    lines.append("")

    body = ["# Forward pass, layer by layer: z_k = W_k a_(k-1) + b_k, a_k = f(z_k)"]
    body.append(f"{o('a0')} = np.array([{', '.join(f'[{x}]' for x in net.layers[0].sources)}], dtype=float)"
                "  # the input vector")
    for k, layer in enumerate(net.layers, start=1):
        body.append(f"{o('z', k)} = {o('W', k)} @ {o('a', k - 1) if k > 1 else o('a0')} + "
                    f"{o('b', k)}  # {', '.join(s(z) for z in layer.nets)}")
        if layer.activation == "linear":
            body.append(f"{o('a', k)} = {o('z', k)}  # linear activation: a = z")
        else:
            body.append(f"{o('a', k)} = {layer.activation}({o('z', k)})  "
                        f"# {', '.join(s(a) for a in layer.outputs)}")

    def entry(name: str) -> str:
        k, kind, j = net.where(name)  # type: ignore[misc]
        return f"{o('z' if kind == 'net' else 'a', k + 1)}[{j}, 0]"

    referenced: list[str] = []
    for n in net.rest:
        for m in prog.uses(n):
            if net.where(m) is not None and m not in referenced:
                referenced.append(m)
    if net.rest:
        body.append("# After the network: the file's own nodes, on the output entries")
    for m in referenced:
        body.append(f"{m} = {entry(m)}  # {s(m)}")
    for n in net.rest:
        body.append(f"{n} = {symbolic.render(symbolic.fold_calls(prog.trees[n]), FUNCTIONS)}")
    for n in prog.trees:
        if net.where(n) is not None:
            value[n] = entry(n)
        else:
            value[n] = n

    back: list[str] = []
    last = net.layers[-1]
    if prog.loss is not None and net.where(prog.loss) is None:
        back += ["", "# Backward pass.  First ∂L/∂(the outputs), from the nodes after the "
                 "network:"]
        back += backward.backward_lines(prog, names, FUNCTIONS, nodes=net.rest, leaves=referenced)
        entries = []
        for out in last.outputs:
            terms = [names.grad(m) for m in referenced if net.where(m) == net.where(out)]
            entries.append(f"[{' + '.join(terms) if terms else '0.0'}]")
        back.append(f"{o('dL_da', L)} = np.array([{', '.join(entries)}], dtype=float)  # ∂L/∂a{L}, "
                    f"the gradient of each output")
        for k in range(L, 0, -1):
            layer = net.layers[k - 1]
            upstream = o("dL_da", L) if k == L else f"({o('W', k + 1)}.T @ {o('delta', k + 1)})"
            what = "∂L/∂a" + str(L) if k == L else f"W{k + 1}ᵀ δ{k + 1}"
            if layer.activation == "linear":
                back.append(f"{o('delta', k)} = {upstream}  # δ{k} = ∂L/∂z{k} = {what} "
                            "(linear: f' = 1)")
            else:
                code, rule = SLOPE[layer.activation]
                slope = code.format(a=o("a", k), z=o("z", k))
                back.append(f"{o('delta', k)} = {upstream} * {slope}  # δ{k} = ∂L/∂z{k} = "
                            f"{what} ⊙ f'(z{k}), {rule}")
        back.append("# The gradients: ∂L/∂W_k = δ_k a_(k-1)ᵀ (an outer product), ∂L/∂b_k = δ_k")
        for k, layer in enumerate(net.layers, start=1):
            below = o("a", k - 1) if k > 1 else o("a0")
            back.append(f"{o('dW', k)} = {o('delta', k)} @ {below}.T")
            if layer.shared_bias:
                back.append(f"{o('db', k)} = {o('delta', k)}.sum()  # a shared bias: the sum "
                            "over the layer's neurons")
            else:
                back.append(f"{o('db', k)} = {o('delta', k)}")
        if trains:
            back += ["", "# Gradient descent: new = old - learning_rate * gradient"]
            for k in range(1, L + 1):
                back.append(f"{o('W_new', k)} = {o('W', k)} - learning_rate * {o('dW', k)}")
                back.append(f"{o('b_new', k)} = {o('b', k)} - learning_rate * {o('db', k)}")
    else:
        grad = {}
    shown_forward, shown_back = common.report_lines(prog, value, grad if back else {},
                                                    new if trains and back else {})
    if looping:
        loop = body + back + ["", "if epoch == 0:  # the first step, as `chainrule run` shows it"]
        loop += _indent(shown_forward + shown_back + [common.log_header(prog)])
        loop += ["if epoch in LOG_EPOCHS:  # the values at the start of the epoch, "
                 "before its update", "    " + common.log_line(prog, value), "",
                 "# The next epoch starts from the new parameters"]
        for k in range(1, L + 1):
            loop += [f"{o('W', k)} = {o('W_new', k)}", f"{o('b', k)} = {o('b_new', k)}"]
        lines += ["for epoch in range(steps):"] + _indent(loop)
    else:
        lines += body + [""] + shown_forward + back + [""] + shown_back
    return "\n".join(lines).rstrip("\n") + "\n"

"""``--to python``: the computation as a plain Python program, standard library only.

It reads as seed 002's program does: the document's numbers as named
variables, one statement per quantity of the forward pass, the backward pass
one chain-rule factor per line (``da_o_dz_o = a_o * (1 - a_o)``, ``dL_dw2 =
dL_dz_o * dz_o_dw2``), the gradient-descent update, and the training loop when
the example trains for more than one step.
"""

from __future__ import annotations

from . import backward, common, symbolic
from .program import Program

FUNCTIONS = {"exp": "math.exp", "log": "math.log", "tanh": "math.tanh", "sigmoid": "sigmoid",
             "relu": "relu", "relu_slope": "relu_slope", "pow_slope": "pow_slope"}

SIGMOID = [
    "def sigmoid(z):",
    '    """1 / (1 + e^-z), written so that e^-z never overflows."""',
    "    if z >= 0:",
    "        return 1 / (1 + math.exp(-z))",
    "    e = math.exp(z)",
    "    return e / (1 + e)",
]
RELU = [
    "def relu(z):",
    '    """max(0, z)."""',
    "    return 0.0 if z <= 0 else z",
]
RELU_SLOPE = [
    "def relu_slope(z):",
    '    """relu\'(z): 1 for z > 0, else 0 (0 at the kink, by convention)."""',
    "    return 1.0 if z > 0 else 0.0",
]
POW_SLOPE = [
    "def pow_slope(out, a):",
    '    """∂(a**b)/∂b = a**b · ln a (0 at a = 0, where a**b is 0 for every b > 0)."""',
    "    if a > 0:",
    "        return out * math.log(a)",
    "    if a == 0 and out == 0:",
    "        return 0.0",
    "    if a == 0:",
    '        return -math.inf  # a**0 = 1 for every a; ln a -> -inf',
    '    return math.nan  # a < 0: a**b is not real-valued near b',
]


def function_helpers(prog: Program, backward_helpers: set[str]) -> list[str]:
    """The definitions of sigmoid, relu and the slopes the program calls."""
    used = {t.func for tree in prog.trees.values() for t in symbolic.expr.walk(tree)
            if isinstance(t, symbolic.Call)}
    out: list[str] = []
    for name, lines in (("sigmoid", SIGMOID), ("relu", RELU)):
        if name in used:
            out += lines + ["", ""]
    for name, lines in (("relu_slope", RELU_SLOPE), ("pow_slope", POW_SLOPE)):
        if name in backward_helpers:
            out += lines + ["", ""]
    return out


def _indent(lines: list[str], n: int) -> list[str]:
    pad = " " * n
    return [pad + line if line else line for line in lines]


def to_python(prog: Program) -> str:
    """The program's text."""
    names = backward.names_for(prog, {f"{p}_new" for p in prog.params})
    trains = prog.trains
    lr = prog.lr if trains else None  # a program that trains has its lr
    lines = common.header(prog, "python", "Standard library only: python FILE.py")
    lines += ["import math", "import sys", "", ""]
    used_helpers = backward.helpers_used(prog, names, FUNCTIONS) if prog.loss else set()
    lines += function_helpers(prog, used_helpers)
    lines += common.helpers(prog) + ["", ""]

    lines.append("# The inputs")
    lines += [f"{k} = {symbolic.number_text(v)}" for k, v in prog.inputs.items()]
    if prog.params:
        lines.append("# The parameters (what training changes)")
        lines += [f"{k} = {symbolic.number_text(v)}" for k, v in prog.params.items()]
    if lr is not None:
        lines.append(f"learning_rate = {symbolic.number_text(lr)}")
    if prog.steps > 1 and trains:
        lines.append(f"steps = {prog.steps}")
        epochs = "{" + ", ".join(str(e) for e in sorted(prog.log_epochs)) + "}"
        lines.append(f"LOG_EPOCHS = {epochs if prog.log_epochs else 'set()'}  "
                     "# the epochs the training log prints")
    lines.append("")

    body: list[str] = ["# Forward pass"]
    body += [f"{n} = {symbolic.render(symbolic.fold_calls(t), FUNCTIONS)}"
             for n, t in prog.trees.items()]
    value = {k: k for k in [*prog.inputs, *prog.params, *prog.trees]}
    grads: dict[str, str] = {}
    new: dict[str, str] = {}
    back: list[str] = []
    if prog.loss is not None and prog.params:
        back += ["", f"# Backward pass: {names.grad_prefix}q is ∂{prog.show(prog.loss)}/∂q, "
                 "each from the gradients above it"]
        back += backward.backward_lines(prog, names, FUNCTIONS)
        grads = {p: names.grad(p) for p in prog.params}
        if trains:
            back += ["", "# Gradient descent: new = old - learning_rate * gradient"]
            for p in prog.params:
                new[p] = f"{p}_new"
                back.append(f"{p}_new = {p} - learning_rate * {grads[p]}")
    shown_forward, shown_back = common.report_lines(prog, value, grads, new)

    if prog.steps > 1 and trains:
        loop = body + back + ["", "if epoch == 0:  # the first step, as `chainrule run` shows it"]
        loop += _indent(shown_forward + shown_back + [common.log_header(prog)], 4)
        loop += ["if epoch in LOG_EPOCHS:  # the values at the start of the epoch, "
                 "before its update", "    " + common.log_line(prog, value), "",
                 "# The next epoch starts from the new parameters"]
        loop += [f"{p} = {p}_new" for p in prog.params]
        lines += ["for epoch in range(steps):"] + _indent(loop, 4)
    else:
        lines += body + [""] + shown_forward + back + [""] + shown_back
    return "\n".join(lines).rstrip("\n") + "\n"

"""The backward pass as statements: one line per chain-rule factor, as seed 002 writes it.

From the loss down, each node's gradient ``dL_d<name>`` is the sum, over the
nodes that use it, of the user's gradient times the local derivative
``d<user>_d<name>`` (∂user/∂name, from ``symbolic.derivative``); every line
says in a comment which product of the chain rule it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterable

import autograd

from ..worked import expr
from ..worked.expr import Call, Name, Node
from . import symbolic
from .program import Program


@dataclass
class Names:
    """The identifiers a program's backward pass introduces, none used twice."""

    taken: set[str]
    grad_prefix: str = "dL_d"
    made: dict[tuple, str] = field(default_factory=dict)

    def _fresh(self, key: tuple, wanted: str) -> str:
        if key not in self.made:
            while wanted in self.taken:
                wanted += "_"
            self.taken.add(wanted)
            self.made[key] = wanted
        return self.made[key]

    def grad(self, name: str) -> str:
        """dL_d<name>: ∂loss/∂name."""
        return self._fresh(("grad", name), f"{self.grad_prefix}{name}")

    def local(self, node: str, name: str) -> str:
        """d<node>_d<name>: ∂node/∂name, one factor of the chain rule."""
        return self._fresh(("local", node, name), f"d{node}_d{name}")


def names_for(prog: Program, extra: Iterable[str] = ()) -> Names:
    taken = set(prog.inputs) | set(prog.params) | set(prog.trees) | set(extra)
    prefix = "dL_d"
    if "L" in taken:  # a name L of the file's own: the gradients say dloss_d instead
        prefix = "dloss_d"
    return Names(taken, prefix)


def _rule_note(tree: Node, node: str, shown: str) -> str:
    """'sigmoid' = a_h·(1 − a_h)' for a node that is one function of a name."""
    if isinstance(tree, Call) and isinstance(tree.arg, Name):
        d = autograd.display(autograd.FUNCTIONS[tree.func].name)
        if d is not None and d.local and d.local[0]:
            formula = d.local[0].replace("{out}", shown).replace("{a}", tree.arg.id)
            return f"{tree.func}' = {formula}"
    return ""


def backward_lines(prog: Program, names: Names, functions: dict[str, str],
                   nodes: list[str] | None = None, leaves: Iterable[str] | None = None,
                   seed: str = "1.0") -> list[str]:
    """The statements of the backward pass through ``nodes`` (default: every node the
    loss is computed from), ending with the gradient of each of ``leaves`` (default:
    the parameters).  ``seed`` is the loss's own gradient."""
    loss = prog.loss
    assert loss is not None
    needed = prog.ancestors(loss)
    order = [n for n in (prog.trees if nodes is None else nodes) if n in needed]
    in_graph = set(order)
    wanted = list(prog.params if leaves is None else leaves)
    users: dict[str, list[str]] = {}
    for n in order:
        for m in prog.uses(n):
            users.setdefault(m, []).append(n)
    L = f"∂{prog.show(loss)}"
    lines: list[str] = []

    def gradient(name: str) -> None:
        g = names.grad(name)
        if name == loss:
            lines.append(f"{g} = {seed}  # the loss itself: ∂{prog.show(loss)}/∂{prog.show(loss)} = 1")
            return
        us = users.get(name, [])
        if not us:
            lines.append(f"{g} = 0.0  # {prog.show(loss)} does not depend on {prog.show(name)}")
            return
        terms = [f"{names.grad(u)} * {names.local(u, name)}" for u in us]
        factors = [f"{L}/∂{prog.show(u)} · ∂{prog.show(u)}/∂{prog.show(name)}" for u in us]
        if len(us) == 1:
            note = f"chain rule: {L}/∂{prog.show(name)} = {factors[0]}"
        elif len(us) <= 3:
            note = (f"chain rule, {len(us)} paths (through {', '.join(prog.show(u) for u in us)}): "
                    f"{L}/∂{prog.show(name)} = " + " + ".join(factors))
        else:
            note = f"chain rule: the sum over the {len(us)} nodes that use {prog.show(name)}"
        lines.append(f"{g} = {' + '.join(terms)}  # {note}")

    for node in reversed(order):
        gradient(node)
        tree = prog.trees[node]
        note = _rule_note(tree, node, node)
        for m in prog.uses(node):
            if m not in in_graph and m not in wanted:
                continue  # an input: nothing to update
            d = symbolic.derivative(tree, m, node)
            text = symbolic.render(d, functions)
            comment = f"∂{prog.show(node)}/∂{prog.show(m)}" + (f": {note}" if note else "")
            lines.append(f"{names.local(node, m)} = {text}  # {comment}")
    for leaf in wanted:
        if leaf not in in_graph:
            gradient(leaf)
    return lines


def helpers_used(prog: Program, names: Names, functions: dict[str, str]) -> set[str]:
    """Which of relu_slope and pow_slope the backward pass calls."""
    used: set[str] = set()
    if prog.loss is None:
        return used
    for node in prog.trees:
        for t in expr.walk(prog.trees[node]):
            if isinstance(t, Call) and t.func == "relu":
                used.add("relu_slope")
            if isinstance(t, expr.Binary) and t.op == "**" and symbolic.has_names(t.right):
                used.add("pow_slope")
    return used

"""Worked-example files: loading and validating them, the forward pass, training.

A worked example is a TOML file (read with ``tomllib``) that rebuilds a
hand-worked network: ``[inputs]`` and ``[params]`` (leaves), ``[nodes]``
(expressions over names), ``[train]`` (loss node, lr, steps) and the
document's own numbers under ``[expect.*]``.  ``load`` validates everything
and reports the first problem as one ``WorkedExampleError`` line,
``"<file>: <key>: <what is wrong>"``.  ``build`` runs the forward pass as
named ``Value`` nodes; ``backward``, ``step`` and ``train`` give gradients,
one SGD update (p - lr·dloss/dp) and a training run.

The sections a file may have besides those:

* ``[expect.values]``, ``[expect.grads]`` (dloss/dname), ``[expect.deltas]``
  (the file's δ: ``[check] delta = "-dloss/dz"``, the default, δ = Err =
  −dloss/dz as textbooks write it; or ``"+dloss/dz"``, δ = dloss/dz as most
  blog posts do; ``Example.delta_sign`` holds that string);
* ``[expect.local]``: ``"OUT/IN" = number``, the local derivative ∂OUT/∂IN
  along one edge of the graph: OUT's expression uses IN, after aliases (a
  node that only renames another, ``y_hat = "a_out"``) collapse; any other
  pair is a one-line error naming both nodes (``viz.worked.local``);
* ``[expect.steps]``: ``param = number``, new − old in the first update;
* ``[expect.updated]``: a parameter after the first update;
* ``[expect.arithmetic]``: ``"numbers-only expression" = printed result``,
  the document's own arithmetic lines in the expression language (the same
  line printed with two results is spelled twice, e.g. with other spacing:
  TOML keys are unique);
* ``[[expect.epochs]]``: ``epoch = N`` (0 to ``steps``; ``steps`` is the values
  after the last update) and the values of the forward pass that starts it;
* ``[train] convention``: ``"gradient"`` (w ← w − η ∂L/∂w, the default) or
  ``"delta"`` (Δw = η δ a, w ← w + Δw: the update table shows δ·a and Δ);
* ``[train] log = { name = "Label", ... }``: the columns of ``train``'s log, in
  that order, under the document's own names (``{ loss = "Loss", a_o =
  "Prediction" }``), at the decimals of the file's epoch hand values.

The hand numbers keep their literal text ("0.35890", not 0.3589) so the
checker can count the digits the document shows: ``literals`` has
tomllib hand over each float's text, whatever the spelling, and caps what a
literal may be.  A file's work is bounded: its graph has at most
``MAX_NODES`` nodes and training steps × graph size is at most ``MAX_WORK``
(``steps_problem`` says why a number of steps is too many).
"""

from __future__ import annotations

import difflib
import json
import keyword
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable

from autograd import Value, sum_of

from . import expr
from .local import local_derivative
from .literals import Written, literal_problem, scan_literals, shorten, toml_loads
from ..safe import visible

#: Where the bundled examples live.
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"

TOP_KEYS = ("title", "source", "inputs", "params", "nodes", "train", "expect", "check")
TRAIN_KEYS = ("loss", "lr", "steps", "convention", "log")
#: How a file writes its update: "gradient" (w ← w − η ∂L/∂w, the default) or
#: "delta" (the textbook's Δw = η δ a, w ← w + Δw).
CONVENTIONS = ("gradient", "delta")
#: What a file's δ is: "-dloss/dz" (δ = Err = −∂L/∂z, the textbook's; the default)
#: or "+dloss/dz" (δ = ∂L/∂z, as most blog posts write it).
DELTA_SIGNS = ("-dloss/dz", "+dloss/dz")
#: The most work a file may ask for, in node-steps: training steps × the
#: graph's size (``graph_size``).  The engine does some 0.5-1 million
#: node-steps a second, so the longest allowed training is 5-10 s; the
#: bundled seed002 (1000 epochs of a 28-node graph) is 28,000.
MAX_WORK = 5_000_000
#: The largest graph a file may build (one forward pass and its loading, some
#: 10 s and under 1 GB at this size; a 100,000-node chain is 300,000).
MAX_NODES = 1_000_000
CHECK_KEYS = ("rtol", "delta")
EXPECT_KEYS = ("values", "grads", "deltas", "local", "steps", "updated", "arithmetic", "epochs")
DEFAULT_LOSS = "loss"
DEFAULT_RTOL = 0.01


class WorkedExampleError(Exception):
    """A bad worked-example file: one line, ``"<file>: <key>: <what is wrong>"``."""

    def __init__(self, path: str, key: str, reason: str) -> None:
        self.path = str(path)
        self.key = key
        # always one line, and whatever it quotes from the file cannot drive the terminal
        self.reason = visible(" ".join(str(reason).split()))
        super().__init__(f"{visible(self.path)}: {visible(key)}: {self.reason}")


@dataclass(frozen=True)
class HandNumber:
    """A number as the document prints it: its value and its literal text."""

    value: float
    text: str  # exactly as written in the file, e.g. "0.35890"
    line: int = field(default=0, compare=False)  # 1-based line in the file, 0 if unknown


@dataclass
class Example:
    """A loaded, validated worked example."""

    path: str
    title: str
    source: str
    inputs: dict[str, float]  # file order, here and below
    params: dict[str, float]
    nodes: dict[str, str]  # name -> expression text
    loss: str | None  # the node to differentiate; None when the file has none
    lr: float | None
    steps: int
    expect_values: dict[str, HandNumber]
    expect_grads: dict[str, HandNumber]
    expect_deltas: dict[str, HandNumber]
    expect_updated: dict[str, HandNumber]
    expect_epochs: list[tuple[int, dict[str, HandNumber]]]
    rtol: float = DEFAULT_RTOL
    trees: dict[str, expr.Node] = field(default_factory=dict, repr=False)  # parsed nodes
    order: list[str] = field(default_factory=list)  # nodes in dependency order
    # "OUT/IN" -> the document's ∂OUT/∂IN along that edge
    expect_local: dict[str, HandNumber] = field(default_factory=dict)
    local_edges: dict[str, tuple[str, str]] = field(default_factory=dict)  # "OUT/IN" -> (OUT, IN)
    expect_steps: dict[str, HandNumber] = field(default_factory=dict)  # param -> new − old
    # the document's own arithmetic: expression text (numbers only) -> its printed result
    expect_arithmetic: dict[str, HandNumber] = field(default_factory=dict)
    arithmetic_trees: dict[str, expr.Node] = field(default_factory=dict, repr=False)
    delta_sign: str = "-dloss/dz"  # [check] delta: one of DELTA_SIGNS
    convention: str = "gradient"  # [train] convention: one of CONVENTIONS
    log_columns: dict[str, str] = field(default_factory=dict)  # [train] log: name -> label

    def kind_of(self, name: str) -> str | None:
        """'input', 'param' or 'node' (None for an unknown name)."""
        if name in self.inputs:
            return "input"
        if name in self.params:
            return "param"
        if name in self.nodes:
            return "node"
        return None

    @property
    def names(self) -> list[str]:
        """Every leaf and node: inputs, params, then nodes, each in file order."""
        return [*self.inputs, *self.params, *self.nodes]


def bundled_examples() -> list[Path]:
    """The example files shipped with chainrule, sorted by name."""
    return sorted(EXAMPLES_DIR.glob("*.toml"))


# --- validation helpers ---------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_NUMBER = re.compile(r"[+-]?(?:[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?|inf|nan)\Z")


def _describe(v: Any) -> str:
    if isinstance(v, bool):
        return f"a boolean ({'true' if v else 'false'})"
    if isinstance(v, str):
        shown = v if len(v) <= 40 else v[:37] + "..."
        return f"a string ({json.dumps(shown)})"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, (int, float)):
        return "a number"
    return f"a {type(v).__name__}"


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _listing(names: Any) -> str:
    names = list(names)
    return f" (the names are {', '.join(names)})" if len(names) <= 12 else ""


def _shown_key(k: str) -> str:
    return k if _BARE_KEY.fullmatch(k) else json.dumps(k)


class _Loader:
    """One file's validation, with its error helper and raw literals."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.literals, self.twice = scan_literals(text)

    def fail(self, key: str, reason: str) -> WorkedExampleError:
        return WorkedExampleError(self.path, key, reason)

    def literal(self, path: tuple) -> tuple[str | None, int]:
        return self.literals.get(path, (None, 0))

    def number(self, key: str, path: tuple, v: Any) -> HandNumber:
        """A number as written at ``path``, checked by ``literal_problem``: else
        an error naming ``key``."""
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            hint = ""
            if isinstance(v, str) and _TOML_NUMBER.match(v.strip()):
                hint = " (write it without quotes)"
            raise self.fail(key, f"expected a number, got {_describe(v)}{hint}")
        scanned, line = self.literal(path)
        if isinstance(v, Written):  # tomllib's own text of the float: always right
            text = v.text
        elif scanned is not None and _int_literal(scanned) == v:
            text = scanned  # an integer as written (1_000, 0x10)
        else:
            text = str(v)
        if scanned != text:
            line = 0  # the scanner lost its way: no line rather than a wrong one
        try:
            value = float(v)
        except OverflowError:
            value = math.inf
        problem = literal_problem(text, value)
        if problem is not None:
            raise self.fail(key, problem)
        return HandNumber(value, text, line)

    def table(self, key: str, v: Any, how: str) -> dict:
        if not isinstance(v, dict):
            raise self.fail(key, f"expected a table ({how}), got {_describe(v)}")
        return v

    def unknown_keys(self, prefix: str, given: dict, allowed: tuple[str, ...]) -> None:
        for k in given:
            if k not in allowed:
                raise self.fail(
                    f"{prefix}{_shown_key(k)}",
                    f"unknown key{_suggest(k, allowed)}; the keys here are {', '.join(allowed)}",
                )


def _int_literal(text: str) -> int | None:
    """The integer a TOML integer literal stands for (None for another literal)."""
    if len(text) > 4000:
        return None
    try:
        return int(text, 0)
    except ValueError:
        return None


def _snippet(text: str, col: int) -> str:
    """The expression (or the part of it around ``col``) for a one-line message."""
    flat = " ".join(text.split("\n"))
    if len(flat) <= 60:
        return json.dumps(flat, ensure_ascii=False)
    lo = max(0, col - 30)
    part = flat[lo : lo + 60]
    return ("..." if lo else "") + json.dumps(part, ensure_ascii=False) + ("..." if lo + 60 < len(flat) else "")


# --- load ---------------------------------------------------------------------------


def load(path: str | Path) -> Example:
    """Read, validate and run once the worked example at ``path``.

    Every problem (TOML syntax, a bad expression, an unknown or twice-defined
    name, a cycle, a non-number, a non-finite result, an expectation about a
    missing name, an unknown key, a missing loss node) raises
    ``WorkedExampleError`` with the file, the key and what is wrong.
    """
    shown = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise WorkedExampleError(shown, "file", f"cannot read it: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise WorkedExampleError(shown, "file", f"not UTF-8 text (byte {e.start})") from None
    return loads(text, shown)


def loads(text: str, path: str = "<string>") -> Example:
    """``load`` for TOML text already in memory; ``path`` names it in errors."""
    ld = _Loader(path, text)
    try:
        data = toml_loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _toml_error(ld, e) from None
    except RecursionError:  # tomllib reads nested arrays and inline tables recursively
        raise ld.fail("file", "arrays or inline tables nested too deeply") from None
    except ValueError as e:  # Python's cap on integer digits (4300)
        raise _long_integer_error(ld, e) from None
    ld.unknown_keys("", data, TOP_KEYS)

    title = data.get("title", Path(path).stem)
    if not isinstance(title, str):
        raise ld.fail("title", f"expected a string, got {_describe(title)}")
    source = data.get("source", "")
    if not isinstance(source, str):
        raise ld.fail("source", f"expected a string, got {_describe(source)}")

    # --- leaves and nodes -------------------------------------------------------------
    defined: dict[str, str] = {}  # name -> the table that defines it

    def define(section: str, name: str) -> None:
        key = f"{section}.{_shown_key(name)}"
        problem = expr.name_problem(name)
        if problem is not None:
            raise ld.fail(key, f"not a valid name: {problem} (a name is letters, such as "
                               "θ6 or w13, ASCII digits and _, not starting with a digit)")
        if name in expr.FUNCTIONS:
            raise ld.fail(key, f"'{name}' is a function name; choose another name")
        if keyword.iskeyword(name):
            raise ld.fail(key, f"'{name}' is a Python keyword; choose another name")
        if name in defined:
            raise ld.fail(key, f"'{name}' is defined twice (already in [{defined[name]}])")
        defined[name] = section

    leaves: dict[str, dict[str, float]] = {}
    for section in ("inputs", "params"):
        table = ld.table(section, data.get(section, {}), f"[{section}]")
        leaves[section] = {}
        for name, v in table.items():
            define(section, name)
            leaves[section][name] = ld.number(f"{section}.{name}", (section, name), v).value

    nodes_table = ld.table("nodes", data.get("nodes", {}), "[nodes]")
    nodes: dict[str, str] = {}
    trees: dict[str, expr.Node] = {}
    for name, v in nodes_table.items():
        define("nodes", name)
        key = f"nodes.{name}"
        if not isinstance(v, str):
            raise ld.fail(
                key,
                f"expected an expression in quotes, got {_describe(v)}"
                + (" (numbers go in [inputs] or [params])"
                   if isinstance(v, (int, float)) and not isinstance(v, bool) else ""),
            )
        try:
            trees[name] = expr.parse(v)
        except expr.ExprError as e:
            raise ld.fail(key, f"expression {_snippet(v, e.column)}, column {e.column}: {e.reason}") from None
        nodes[name] = v
    if not defined:
        raise ld.fail("inputs", "the file defines no leaves or nodes")

    for name, tree in trees.items():
        for n in expr.name_nodes(tree):
            if n.id not in defined:
                raise ld.fail(
                    f"nodes.{name}",
                    f"expression {_snippet(nodes[name], n.col)}, column {n.col}: unknown name '{n.id}'"
                    f"{_suggest(n.id, defined) or _listing(defined)}",
                )
    order = _dependency_order(ld, trees)

    # --- [train] and [check] -----------------------------------------------------------
    train = ld.table("train", data.get("train", {}), "[train]")
    ld.unknown_keys("train.", train, TRAIN_KEYS)
    loss_given = "loss" in train
    loss = train.get("loss", DEFAULT_LOSS)
    if not isinstance(loss, str):
        raise ld.fail("train.loss", f"expected the name of a node in quotes, got {_describe(loss)}")
    if loss not in defined:
        if loss_given:
            raise ld.fail("train.loss", f"no leaf or node named '{loss}'{_suggest(loss, defined)}")
        loss = None
    lr = None
    if "lr" in train:
        lr = ld.number("train.lr", ("train", "lr"), train["lr"]).value
    steps = train.get("steps", 1)
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise ld.fail("train.steps", f"expected a whole number, got {_describe(steps)}")
    size = _graph_size(len(defined) - len(trees), trees.values())
    if size > MAX_NODES:
        raise ld.fail("nodes", f"the graph has {size:,} nodes (leaves and expression parts), "
                               f"over the limit of {MAX_NODES:,}")
    problem = _steps_problem(steps, size)
    if problem is not None:
        raise ld.fail("train.steps", problem)
    convention = train.get("convention", "gradient")
    if convention not in CONVENTIONS:
        raise ld.fail("train.convention", f"expected \"gradient\" (w <- w - lr*dL/dw) or "
                                          f"\"delta\" (dw = lr*delta*a, w <- w + dw), got {_describe(convention)}")
    log_columns: dict[str, str] = {}
    raw_log = ld.table("train.log", train.get("log", {}), "log = { NAME = \"Label\", ... }")
    for name, label in raw_log.items():
        key = f"train.log.{_shown_key(name)}"
        if name not in defined:
            raise ld.fail(key, f"no leaf or node named '{name}'{_suggest(name, defined)}")
        if not isinstance(label, str) or not label.strip() or len(label) > 40:
            raise ld.fail(key, f"expected the column's name in quotes (1 to 40 characters), "
                               f"got {_describe(label)}")
        log_columns[name] = " ".join(label.split())

    check = ld.table("check", data.get("check", {}), "[check]")
    ld.unknown_keys("check.", check, CHECK_KEYS)
    rtol = DEFAULT_RTOL
    if "rtol" in check:
        rtol = ld.number("check.rtol", ("check", "rtol"), check["rtol"]).value
        if rtol < 0:
            raise ld.fail("check.rtol", f"must be 0 or more, got {rtol}")
    delta_sign = check.get("delta", DELTA_SIGNS[0])
    if delta_sign not in DELTA_SIGNS:
        raise ld.fail("check.delta", f"expected \"-dloss/dz\" (delta = Err = -dL/dz, the default) "
                                     f"or \"+dloss/dz\" (delta = dL/dz), got {_describe(delta_sign)}")

    # --- [expect.*] ---------------------------------------------------------------------
    expect = ld.table("expect", data.get("expect", {}), "[expect.values] and the like")
    ld.unknown_keys("expect.", expect, EXPECT_KEYS)
    sections: dict[str, dict[str, HandNumber]] = {}
    local_edges: dict[str, tuple[str, str]] = {}
    arithmetic_trees: dict[str, expr.Node] = {}
    for kind in ("values", "grads", "deltas", "local", "steps", "updated", "arithmetic"):
        raw = expect.get(kind, {})
        if isinstance(raw, list):
            raise ld.fail(f"expect.{kind}", f"expected a table [expect.{kind}], got an array ([[expect.{kind}]])")
        raw = ld.table(f"expect.{kind}", raw, f"[expect.{kind}]")
        sections[kind] = {}
        for name, v in raw.items():
            key = f"expect.{kind}.{_shown_key(name)}"
            if kind == "local":
                local_edges[name] = _edge_names(ld, key, name, defined)
                sections[kind][name] = ld.number(key, ("expect", kind, name), v)
                continue
            if kind == "arithmetic":
                arithmetic_trees[name] = _arithmetic_tree(ld, key, name)
                sections[kind][name] = ld.number(key, ("expect", kind, name), v)
                continue
            if name not in defined:
                raise ld.fail(key, f"no leaf or node named '{name}'{_suggest(name, defined)}")
            if kind in ("updated", "steps") and name not in leaves["params"]:
                raise ld.fail(key, f"'{name}' is not a parameter: only [params] are updated")
            sections[kind][name] = ld.number(key, ("expect", kind, name), v)

    epochs: list[tuple[int, dict[str, HandNumber]]] = []
    raw_epochs = expect.get("epochs", [])
    if isinstance(raw_epochs, dict):
        raise ld.fail("expect.epochs", "expected [[expect.epochs]] entries (an array of tables), got a table")
    if not isinstance(raw_epochs, list):
        raise ld.fail("expect.epochs", f"expected [[expect.epochs]] entries, got {_describe(raw_epochs)}")
    seen_epochs: set[int] = set()
    for i, entry in enumerate(raw_epochs):
        where = f"expect.epochs #{i + 1}"
        if not isinstance(entry, dict):
            raise ld.fail(where, f"expected a table, got {_describe(entry)}")
        if "epoch" not in entry:
            raise ld.fail(where, "missing 'epoch = N' (the epoch, counted from 0)")
        n = entry["epoch"]
        if isinstance(n, bool) or not isinstance(n, int):
            raise ld.fail(f"{where}.epoch", f"expected a whole number, got {_describe(n)}")
        if not 0 <= n <= steps:  # epoch = steps: the values after the last update
            raise ld.fail(f"{where}.epoch",
                          f"epoch {_short_int(n)} is outside 0..{steps} (train.steps = {steps}; "
                          f"epoch {steps} is the values after the last update)")
        if n in seen_epochs:
            raise ld.fail(f"{where}.epoch", f"epoch {n} is listed twice")
        seen_epochs.add(n)
        record: dict[str, HandNumber] = {}
        for name, v in entry.items():
            if name == "epoch":
                continue
            key = f"{where}.{_shown_key(name)}"
            if name not in defined:
                raise ld.fail(key, f"no leaf or node named '{name}'{_suggest(name, defined)}")
            record[name] = ld.number(key, ("expect", "epochs", i, name), v)
        if not record:
            raise ld.fail(where, f"epoch {n} lists no values (add e.g. loss = ...)")
        epochs.append((n, record))

    # --- what the expectations need ------------------------------------------------------
    needs_loss = [f"expect.{k}" for k in ("grads", "deltas", "steps", "updated") if sections[k]]
    if epochs:
        needs_loss.append("expect.epochs")
    if needs_loss and loss is None:
        raise ld.fail(
            "train.loss",
            f"no loss node: {needs_loss[0]} needs one; define a node named '{DEFAULT_LOSS}' "
            f"in [nodes] or set [train] loss = \"<node>\"",
        )
    needs_lr = [k for k, present in (("expect.steps", sections["steps"]),
                                     ("expect.updated", sections["updated"]),
                                     ("expect.epochs", epochs)) if present]
    if needs_lr and lr is None:
        raise ld.fail("train.lr", f"missing: {needs_lr[0]} needs the learning rate")

    example = Example(
        path=path,
        title=title,
        source=source,
        inputs=leaves["inputs"],
        params=leaves["params"],
        nodes=nodes,
        loss=loss,
        lr=lr,
        steps=steps,
        expect_values=sections["values"],
        expect_grads=sections["grads"],
        expect_deltas=sections["deltas"],
        expect_updated=sections["updated"],
        expect_epochs=epochs,
        rtol=rtol,
        trees=trees,
        order=order,
        expect_local=sections["local"],
        local_edges=local_edges,
        expect_steps=sections["steps"],
        expect_arithmetic=sections["arithmetic"],
        arithmetic_trees=arithmetic_trees,
        delta_sign=delta_sign,
        convention=convention,
        log_columns=log_columns,
    )
    values = build(example)  # a first forward pass: non-finite results and domain errors surface here
    walked: dict = {}  # each OUT's expression walked once
    for key, (out, inn) in local_edges.items():
        if local_derivative(values[out], values[inn], walked) is None:
            raise ld.fail(f"expect.local.{_shown_key(key)}",
                          f"'{inn}' -> '{out}' is not an edge of the graph: {_edge_reason(example, out, inn)}")
    return example


def _edge_names(ld: _Loader, key: str, text: str, defined: dict[str, str]) -> tuple[str, str]:
    """("OUT", "IN") of a local derivative's key "OUT/IN", both names of the file."""
    parts = [p.strip() for p in text.split("/")]
    if len(parts) != 2 or not all(parts):
        raise ld.fail(key, "expected \"OUT/IN\" (the derivative of OUT by IN along one edge, "
                           "e.g. \"a_h2/z_h2\")")
    for p in parts:
        if p not in defined:
            raise ld.fail(key, f"no leaf or node named '{p}'{_suggest(p, defined)}")
    return parts[0], parts[1]


def _edge_reason(example: Example, out: str, inn: str) -> str:
    if out not in example.nodes:
        return f"'{out}' is a leaf (it uses no other name)"
    return f"{out} = {_snippet(example.nodes[out], 0)} does not use '{inn}' (after aliases collapse)"


def _arithmetic_tree(ld: _Loader, key: str, text: str) -> expr.Node:
    """The tree of an arithmetic line: an expression of numbers only, computable."""
    try:
        tree = expr.parse(text)
    except expr.ExprError as e:
        raise ld.fail(key, f"expression column {e.column}: {e.reason}") from None
    names = expr.name_nodes(tree)
    if names:
        raise ld.fail(key, f"an arithmetic line uses numbers only, but column {names[0].col} "
                           f"names '{names[0].id}' (put a graph quantity in [expect.values] or "
                           f"[expect.local])")
    try:
        value = expr.evaluate(tree, {})
    except expr.ExprError as e:
        raise ld.fail(key, f"cannot be computed (column {e.column}): {e.reason}") from None
    if not math.isfinite(value):
        raise ld.fail(key, f"the result is not finite ({value})")
    return tree


def _long_integer_error(ld: _Loader, e: ValueError) -> WorkedExampleError:
    """The key of the integer too long for Python to read, if the scanner finds it."""
    for path, (literal, _) in ld.literals.items():
        if literal is not None and len(literal) > 4000:
            key = ".".join(_shown_key(str(p)) for p in path)
            return ld.fail(key, f"{shorten(literal)} is too long for a number")
    return ld.fail("file", f"a number too long to read ({e})")


def _short_int(n: int) -> str:
    """A whole number for a message, cut short past 30 digits."""
    text = str(n)
    return text if len(text) <= 30 else shorten(text)


def _toml_error(ld: _Loader, e: tomllib.TOMLDecodeError) -> WorkedExampleError:
    message = str(e)
    m = re.search(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$", message)
    what = message[: m.start()] if m else message
    if ld.twice and "overwrite" in message:  # name the key written twice, and both lines
        path, first, second = ld.twice[0]
        key = ".".join(_shown_key(str(p)) for p in path)
        return ld.fail(key, f"written twice (lines {first} and {second}): TOML syntax error: {what}")
    if m and m.group(1):
        line = ld.text.splitlines()[int(m.group(1)) - 1] if ld.text else ""
        bare = _UNQUOTED_KEY.match(line)
        if bare and not bare.group(1).isascii():  # θ6 = 0.1: TOML's bare keys are ASCII
            key = bare.group(1)
            return ld.fail(f"line {m.group(1)}", f"the key {key} has letters beyond ASCII, "
                           f'which TOML takes only in quotes: write "{key}" = …')
        return ld.fail(f"line {m.group(1)}, column {m.group(2)}", f"TOML syntax error: {what}")
    return ld.fail("TOML", f"syntax error: {message}")


# a key at the start of a line, up to its '=' (to name an unquoted Greek key)
_UNQUOTED_KEY = re.compile(r"\s*([^\s=\"'\[\]#.]+)\s*=")


def _dependency_order(ld: _Loader, trees: dict[str, expr.Node]) -> list[str]:
    """The nodes in an order where every node follows the nodes it uses."""
    deps = {name: [d for d in expr.names(tree) if d in trees] for name, tree in trees.items()}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = placed
    order: list[str] = []
    position = {name: i for i, name in enumerate(trees)}
    for start in trees:
        if state.get(start):
            continue
        state[start] = 1
        path = [start]
        stack = [iter(deps[start])]
        while stack:
            for d in stack[-1]:
                s = state.get(d, 0)
                if s == 0:
                    state[d] = 1
                    path.append(d)
                    stack.append(iter(deps[d]))
                    break
                if s == 1:
                    cycle = path[path.index(d) :]
                    first = min(range(len(cycle)), key=lambda i: position[cycle[i]])
                    cycle = cycle[first:] + cycle[:first]
                    raise ld.fail(
                        f"nodes.{cycle[0]}",
                        "cycle between nodes: " + " -> ".join(cycle + [cycle[0]]) + " (each uses the next)",
                    )
            else:
                stack.pop()
                done = path.pop()
                state[done] = 2
                order.append(done)
    return order


# --- the work a file may ask for ---------------------------------------------------------


def _graph_size(leaves: int, trees: Any) -> int:
    return leaves + sum(len(expr.postorder(tree)) for tree in trees)


def graph_size(example: Example) -> int:
    """The size of one forward pass: leaves plus the parts (operations, numbers,
    names) of every node's expression, a bound on the ``Value``s it builds."""
    trees = [example.trees.get(name) or expr.parse(text) for name, text in example.nodes.items()]
    return _graph_size(len(example.inputs) + len(example.params), trees)


def _steps_problem(steps: int, size: int) -> str | None:
    most = MAX_WORK // max(1, size)
    if 1 <= steps <= most:
        return None
    return (f"must be from 1 to {most:,} for this graph of {size:,} nodes (steps × nodes "
            f"may be at most {MAX_WORK:,}), got {_short_int(steps)}")


def max_steps(example: Example) -> int:
    """The most training steps ``example`` may take: ``MAX_WORK // graph_size``."""
    return MAX_WORK // max(1, graph_size(example))


def steps_problem(example: Example, steps: int) -> str | None:
    """Why ``steps`` training steps of ``example`` are too many (steps × graph
    size over ``MAX_WORK``), or None when they are allowed."""
    return _steps_problem(steps, graph_size(example))


# --- the forward pass, gradients, training ----------------------------------------------


def build(example: Example, params: dict[str, float] | None = None) -> dict[str, Value]:
    """The forward pass: every leaf and node as a ``Value`` named as in the file.

    ``params`` overrides parameter values (training).  A node that is just
    another name (``y_hat = "a_out"``) becomes a one-parent sum node, so each
    name has its own node and its own gradient.
    """
    values: dict[str, Value] = {}
    for name, x in example.inputs.items():
        values[name] = Value(x, name)
    given = example.params if params is None else params
    for name, x in example.params.items():
        values[name] = Value(given.get(name, x), name)
    for name in example.order:
        tree = example.trees.get(name)
        if tree is None:
            tree = example.trees[name] = expr.parse(example.nodes[name])
        try:
            out = expr.evaluate(tree, values)
        except expr.ExprError as e:
            text = example.nodes[name]
            raise WorkedExampleError(
                example.path, f"nodes.{name}", f"{e.reason} (at column {e.column} in {_snippet(text, e.column)})"
            ) from None
        if not isinstance(out, Value):
            out = Value(out)  # a constant expression: a leaf holding its value
        elif out.name is not None:
            out = sum_of([out])  # an alias: its own node, d(out)/d(alias) = 1
        out.name = name
        if not math.isfinite(out.data):
            raise WorkedExampleError(example.path, f"nodes.{name}", f"the result is not finite ({out.data})")
        values[name] = out
    return values


def _need_loss(example: Example) -> str:
    if example.loss is None:
        raise WorkedExampleError(
            example.path, "train.loss", f"no loss node (define a node named '{DEFAULT_LOSS}' or set [train] loss)"
        )
    return example.loss


def _need_lr(example: Example) -> float:
    if example.lr is None:
        raise WorkedExampleError(example.path, "train.lr", "missing: a training step needs the learning rate")
    return example.lr


def backward(example: Example, values: dict[str, Value]) -> None:
    """Fill ``grad`` of every named value with dloss/dname (zeroing first)."""
    loss = _need_loss(example)
    for v in values.values():
        v.grad = 0.0
    values[loss].backward()


def step(example: Example, values: dict[str, Value]) -> dict[str, float]:
    """The parameters after one SGD step from ``values``: p - lr·dloss/dp."""
    lr = _need_lr(example)
    backward(example, values)
    return {name: values[name].data - lr * values[name].grad for name in example.params}


def train(
    example: Example,
    steps: int | None = None,
    on_epoch: Callable[[int, dict[str, float]], Any] | None = None,
    grads: bool = False,
    after: bool = False,
) -> list[dict[str, float]]:
    """Run ``steps`` (default the file's) SGD epochs from the file's parameters.

    More steps than ``max_steps(example)`` are a ``WorkedExampleError``.

    Returns one record per epoch: the forward value of every leaf and node at
    the start of epoch N (before its update), N counted from 0.
    ``on_epoch(N, record)`` is called as each record is made.  With ``grads``
    each record also holds ``"grad:NAME"`` = dloss/dNAME of that epoch's
    backward pass; with ``after`` one more record follows, epoch ``steps``: the
    forward pass after the last update (no update of its own).
    """
    loss = _need_loss(example)
    lr = _need_lr(example)
    n_steps = example.steps if steps is None else steps
    problem = steps_problem(example, n_steps)
    if problem is not None:
        raise WorkedExampleError(example.path, "train.steps", problem)
    params = dict(example.params)
    records: list[dict[str, float]] = []
    for epoch in range(n_steps):
        try:
            values = build(example, params)
        except WorkedExampleError as e:
            raise WorkedExampleError(e.path, e.key, f"{e.reason} at epoch {epoch} of training") from None
        record = {name: v.data for name, v in values.items()}
        records.append(record)
        if on_epoch is not None:
            on_epoch(epoch, record)
        for v in values.values():
            v.grad = 0.0
        values[loss].backward()
        if grads:
            record.update({f"grad:{name}": v.grad for name, v in values.items()})
        for name in params:
            params[name] = values[name].data - lr * values[name].grad
    if after:
        try:
            values = build(example, params)
        except WorkedExampleError as e:
            raise WorkedExampleError(e.path, e.key, f"{e.reason} after the last update") from None
        records.append({name: v.data for name, v in values.items()})
    return records

"""Worked-example files: loading and validating them, the forward pass, training.

A worked example is a TOML file (read with ``tomllib``) that rebuilds a
hand-worked network: ``[inputs]`` and ``[params]`` (leaves), ``[nodes]``
(expressions over names), ``[train]`` (loss node, lr, steps) and the
document's own numbers under ``[expect.*]``.  ``load`` validates everything
and reports the first problem as one ``WorkedExampleError`` line,
``"<file>: <key>: <what is wrong>"``.  ``build`` runs the forward pass as
named ``Value`` nodes; ``backward``, ``step`` and ``train`` give gradients,
one SGD update (p - lr·dloss/dp) and a training run.

The hand numbers keep their literal text ("0.35890", not 0.3589) so the
checker can count the digits the document shows: ``tomllib`` gives only
floats, so the literals are recovered from the raw lines of the file.
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
from typing import Any, Callable

from autograd import Value, sum_of

from . import expr

#: Where the bundled examples live.
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"

TOP_KEYS = ("title", "source", "inputs", "params", "nodes", "train", "expect", "check")
TRAIN_KEYS = ("loss", "lr", "steps")
MAX_STEPS = 1_000_000  # a check must end: a million steps of a small network is minutes
CHECK_KEYS = ("rtol",)
EXPECT_KEYS = ("values", "grads", "deltas", "updated", "epochs")
DEFAULT_LOSS = "loss"
DEFAULT_RTOL = 0.01


class WorkedExampleError(Exception):
    """A bad worked-example file: one line, ``"<file>: <key>: <what is wrong>"``."""

    def __init__(self, path: str, key: str, reason: str) -> None:
        self.path = str(path)
        self.key = key
        self.reason = " ".join(str(reason).split())  # always one line
        super().__init__(f"{self.path}: {key}: {self.reason}")


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


# --- the raw literals ----------------------------------------------------------------

_NUMBER = re.compile(
    r"[+-]?(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|inf|nan"
    r"|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d[\d_]*)?)"
    r"(?=[ \t]*(?:#|$))"
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _read_key(line: str, pos: int) -> tuple[tuple[str, ...], int] | None:
    """A dotted TOML key starting at ``pos``: (parts, position after it), or None."""
    parts: list[str] = []
    n = len(line)
    while True:
        while pos < n and line[pos] in " \t":
            pos += 1
        if pos >= n:
            return None
        ch = line[pos]
        if ch == '"':
            end = pos + 1
            while end < n and line[end] != '"':
                end += 2 if line[end] == "\\" else 1
            if end >= n:
                return None
            try:
                parts.append(json.loads(line[pos : end + 1]))
            except ValueError:
                parts.append(line[pos + 1 : end])
            pos = end + 1
        elif ch == "'":
            end = line.find("'", pos + 1)
            if end < 0:
                return None
            parts.append(line[pos + 1 : end])
            pos = end + 1
        else:
            m = _BARE_KEY.match(line, pos)
            if m is None:
                return None
            parts.append(m.group())
            pos = m.end()
        while pos < n and line[pos] in " \t":
            pos += 1
        if pos < n and line[pos] == ".":
            pos += 1
            continue
        return tuple(parts), pos


def _skip_value(line: str, pos: int, depth: int) -> tuple[int, str | None]:
    """Skip a (part of a) value: returns the bracket depth and an open ``\"\"\"``/``'''``."""
    n = len(line)
    while pos < n:
        ch = line[pos]
        if ch in "\"'":
            delim = ch * 3
            if line.startswith(delim, pos):
                end = line.find(delim, pos + 3)
                if end < 0:
                    return depth, delim
                pos = end + 3
                continue
            end = pos + 1
            while end < n and line[end] != ch:
                end += 2 if (ch == '"' and line[end] == "\\") else 1
            pos = end + 1
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "#":
            break
        pos += 1
    return depth, None


def scan_literals(text: str) -> tuple[dict[tuple, tuple[str | None, int]], list[tuple[tuple, int, int]]]:
    """The literal text and line of every ``key = number`` in a TOML document.

    Keys are full paths: ``("expect", "values", "a_h1")``; an array of tables
    adds the entry's index: ``("expect", "epochs", 0, "loss")``.  Non-number
    values are recorded with literal None.  Also returns the keys written
    twice, as (path, first line, second line).
    """
    found: dict[tuple, tuple[str | None, int]] = {}
    twice: list[tuple[tuple, int, int]] = []
    table: tuple = ()
    array_counts: dict[tuple, int] = {}
    depth, open_string = 0, None
    for lineno, line in enumerate(text.splitlines(), 1):
        pos = 0
        if open_string is not None:  # inside a multi-line string
            end = line.find(open_string)
            if end < 0:
                continue
            pos, open_string = end + 3, None
            depth, open_string = _skip_value(line, pos, depth)
            continue
        if depth > 0:  # inside a multi-line array or inline table
            depth, open_string = _skip_value(line, pos, depth)
            continue
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        start = len(line) - len(stripped)
        if stripped.startswith("[["):
            key = _read_key(line, start + 2)
            if key is not None:
                path = key[0]
                index = array_counts.get(path, 0)
                array_counts[path] = index + 1
                table = path + (index,)
            continue
        if stripped.startswith("["):
            key = _read_key(line, start + 1)
            if key is not None:
                table = key[0]
            continue
        key = _read_key(line, start)
        if key is None:
            continue
        parts, pos = key
        if pos >= len(line) or line[pos] != "=":
            continue
        pos += 1
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        path = table + parts
        m = _NUMBER.match(line, pos)
        literal = m.group() if m else None
        if path in found:
            twice.append((path, found[path][1], lineno))
        else:
            found[path] = (literal, lineno)
        if m is None:
            depth, open_string = _skip_value(line, pos, 0)
    return found, twice


def _literal_value(text: str) -> float | None:
    """The float a TOML number literal stands for (None if it is not one)."""
    t = text.replace("_", "")
    try:
        if t.lstrip("+-")[:2] in ("0x", "0o", "0b"):
            return float(int(t, 0))
        return float(t)
    except (ValueError, OverflowError):
        return None


# --- validation helpers ---------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


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
        """A finite number, with its literal text: else an error naming ``key``."""
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            hint = ""
            if isinstance(v, str) and _literal_value(v.strip()) is not None:
                hint = " (write it without quotes)"
            raise self.fail(key, f"expected a number, got {_describe(v)}{hint}")
        text, line = self.literal(path)
        try:
            value = float(v)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise self.fail(key, f"{text or v} is not a finite number")
        if text is None or _literal_value(text) != value:
            text = str(v) if isinstance(v, int) else repr(value)
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
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _toml_error(ld, e) from None
    except RecursionError:  # tomllib reads nested arrays and inline tables recursively
        raise ld.fail("file", "arrays or inline tables nested too deeply") from None
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
        if not _NAME.match(name):
            raise ld.fail(key, "not a valid name (letters, digits and _, not starting with a digit)")
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
                + (" (numbers go in [inputs] or [params])" if isinstance(v, (int, float)) and not isinstance(v, bool) else ""),
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
    if not 1 <= steps <= MAX_STEPS:
        raise ld.fail("train.steps", f"must be from 1 to {MAX_STEPS:,}, got {steps}")

    check = ld.table("check", data.get("check", {}), "[check]")
    ld.unknown_keys("check.", check, CHECK_KEYS)
    rtol = DEFAULT_RTOL
    if "rtol" in check:
        rtol = ld.number("check.rtol", ("check", "rtol"), check["rtol"]).value
        if rtol < 0:
            raise ld.fail("check.rtol", f"must be 0 or more, got {rtol}")

    # --- [expect.*] ---------------------------------------------------------------------
    expect = ld.table("expect", data.get("expect", {}), "[expect.values] and the like")
    ld.unknown_keys("expect.", expect, EXPECT_KEYS)
    sections: dict[str, dict[str, HandNumber]] = {}
    for kind in ("values", "grads", "deltas", "updated"):
        raw = expect.get(kind, {})
        if isinstance(raw, list):
            raise ld.fail(f"expect.{kind}", f"expected a table [expect.{kind}], got an array ([[expect.{kind}]])")
        raw = ld.table(f"expect.{kind}", raw, f"[expect.{kind}]")
        sections[kind] = {}
        for name, v in raw.items():
            key = f"expect.{kind}.{_shown_key(name)}"
            if name not in defined:
                raise ld.fail(key, f"no leaf or node named '{name}'{_suggest(name, defined)}")
            if kind == "updated" and name not in leaves["params"]:
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
        if not 0 <= n < steps:
            raise ld.fail(f"{where}.epoch", f"epoch {n} is outside 0..{steps - 1} (train.steps = {steps})")
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
    needs_loss = [f"expect.{k}" for k in ("grads", "deltas", "updated") if sections[k]]
    if epochs:
        needs_loss.append("expect.epochs")
    if needs_loss and loss is None:
        raise ld.fail(
            "train.loss",
            f"no loss node: {needs_loss[0]} needs one; define a node named '{DEFAULT_LOSS}' "
            f"in [nodes] or set [train] loss = \"<node>\"",
        )
    needs_lr = [k for k, present in (("expect.updated", sections["updated"]), ("expect.epochs", epochs)) if present]
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
    )
    build(example)  # a first forward pass: non-finite results and domain errors surface here
    return example


def _toml_error(ld: _Loader, e: tomllib.TOMLDecodeError) -> WorkedExampleError:
    message = str(e)
    m = re.search(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$", message)
    what = message[: m.start()] if m else message
    if ld.twice and "overwrite" in message:  # name the key written twice, and both lines
        path, first, second = ld.twice[0]
        key = ".".join(_shown_key(str(p)) for p in path)
        return ld.fail(key, f"written twice (lines {first} and {second}): TOML syntax error: {what}")
    if m and m.group(1):
        return ld.fail(f"line {m.group(1)}, column {m.group(2)}", f"TOML syntax error: {what}")
    return ld.fail("TOML", f"syntax error: {message}")


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
) -> list[dict[str, float]]:
    """Run ``steps`` (default the file's) SGD epochs from the file's parameters.

    Returns one record per epoch: the forward value of every leaf and node at
    the start of epoch N (before its update), N counted from 0.
    ``on_epoch(N, record)`` is called as each record is made.
    """
    loss = _need_loss(example)
    lr = _need_lr(example)
    n_steps = example.steps if steps is None else steps
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
        for name in params:
            params[name] = values[name].data - lr * values[name].grad
    return records

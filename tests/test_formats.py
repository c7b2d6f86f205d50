"""Every bundled example in every format (issue 11): Markdown, LaTeX, JSON, and text on a non-UTF-8 stdout.

Each output is read back by a real tool (tests/support): Markdown by
markdown-it-py, every equation by KaTeX, the ``--standalone`` document by
pdflatex and pdftotext, JSON by jsonschema against the documented
``SCHEMA``. The expectations come from outside the writers: the worked-example
files themselves (read with tomllib: how many hand numbers, their values),
the documents' known slips (the files' comments), and float arithmetic
written out here. The HTML page in a browser is tests/test_formats_browser.py.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from support import (
    json_validate, katex_assert_renders, markdown_math_spans, markdown_tables, pdf_text,
    pdflatex_compile,
)
from viz.cli import main
from viz.report.json_writer import SCHEMA

ROOT = Path(__file__).resolve().parent.parent

# The bundled examples by the shortest prefix that names one (``seed003`` names two).
EXAMPLES = ["seed000", "seed001", "seed002", "seed003_2", "seed003_3"]
# Two parameters per example for ``explain`` (seed003_2 has no loss: nothing to differentiate).
EXPLAIN = {"seed000": ["w14", "b6"], "seed001": ["b1", "w5"], "seed002": ["w1", "b2"],
           "seed003_3": ["W1_1_1", "b2_2"]}
# The numbers each document prints wrong, from the files' comments (GARBLED, sign dropped).
WRONG = {"seed000": {"value a5", "value z6", "value a6", "value o6", "delta z5", "delta z4",
                     "delta i5", "updated w35", "updated w46"}}
CHECK_COLUMNS = ["quantity", "hand", "engine", "engine-hand", "rel", "verdict"]
VERDICTS = ("exact", "close", "wrong")
NUMBER = re.compile(r"[+-]?\d*\.?\d+(?:[eE][+-]?\d+)?")
EXPECT_KINDS = [("values", "value"), ("grads", "grad"), ("deltas", "delta"), ("updated", "updated")]

COMMANDS = ([["run", ex, "--no-graphs"] for ex in EXAMPLES]
            + [["check", ex] for ex in EXAMPLES]
            + [["explain", ex, "--wrt", name] for ex, names in EXPLAIN.items() for name in names]
            + [["train", "seed002", "--steps", "50"]])
TABLE_COMMANDS = [c for c in COMMANDS if c[0] in ("run", "check")]


def ids(command: list[str]) -> str:
    return " ".join(command)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """``chainrule ARGS`` in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def output(capsys, command: list[str], *options: str) -> str:
    status, out, err = cli(capsys, *command, *options)
    example = command[1]
    wrong = command[0] == "check" and bool(WRONG.get(example))
    assert status == (1 if wrong else 0), f"{ids(command)} {' '.join(options)}: exit {status}: {err}"
    assert "Traceback" not in err and out
    return out


# --- what the files say, read without chainrule ----------------------------------------------

def bundled_files(capsys) -> dict[str, Path]:
    """Each bundled example's file, from ``chainrule examples`` (its folder, then one name a line)."""
    status, out, _ = cli(capsys, "examples")
    assert status == 0
    folder = Path(re.search(r"\((/[^)]+)\)", out.splitlines()[0]).group(1))
    stems = re.findall(r"^  (seed\S+)", out, flags=re.M)
    return {stem: folder / f"{stem}.toml" for stem in stems}


def file_of(capsys, example: str) -> Path:
    (path,) = [p for stem, p in bundled_files(capsys).items() if stem.startswith(example)]
    return path


def hand_numbers(path: Path) -> list[tuple[str, float]]:
    """Every number a file expects, as (quantity, value), in the check's order: values, grads,
    deltas, updated, then each epoch's."""
    expect = tomllib.loads(path.read_text(encoding="utf-8")).get("expect", {})
    out = [(f"{kind} {name}", float(value)) for key, kind in EXPECT_KINDS
           for name, value in expect.get(key, {}).items()]
    for entry in expect.get("epochs", []):
        out += [(f"epoch {entry['epoch']} {name}", float(value))
                for name, value in entry.items() if name != "epoch"]
    return out


def text_check_rows(text: str) -> list[dict[str, str]]:
    """The check table of the text output: quantity, hand, engine, engine-hand, rel, verdict."""
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.split() == CHECK_COLUMNS)
    rows = []
    for line in lines[start + 1:]:
        tokens = line.split()
        if len(tokens) < 7 or tokens[-1].lower() not in VERDICTS or not NUMBER.fullmatch(tokens[-5]):
            break  # the summary line under the table ("8 numbers: 7 exact, 1 close, 0 wrong")
        if tokens[0] in ("✗", "X"):  # the mark of a wrong row
            tokens = tokens[1:]
        row = dict(zip(CHECK_COLUMNS, [" ".join(tokens[:-5]), *tokens[-5:]]))
        rows.append({**row, "verdict": row["verdict"].lower()})
    return rows


def canonical_number(text: str) -> str:
    """A number cell as one spelling: U+2212 as '-', $ and \\% dropped, 2.8\\times 10^{-17} and
    2.8e-17 alike."""
    s = text.strip().strip("$").replace("\u2212", "-").replace("\\%", "%").replace(" ", "")
    m = re.fullmatch(r"([+-]?[\d.]+)(?:\\times10\^\{([+-]?\d+)\}|[eE]([+-]?\d+))", s)
    return f"{m.group(1)}e{int(m.group(2) or m.group(3))}" if m else s


# --- the bundled examples themselves ---------------------------------------------------------

def test_every_bundled_example_is_covered_and_each_prefix_names_one(capsys):
    files = bundled_files(capsys)
    assert len(files) == len(EXAMPLES) == 5
    for example in EXAMPLES:
        assert sum(stem.startswith(example) for stem in files) == 1, example
    status, _, err = cli(capsys, "check", "seed003")  # two files start with it
    assert status == 2 and "seed003_2-3-1_forward" in err and "seed003_3-4-2_linear_exercise" in err


# --- Markdown ----------------------------------------------------------------------------------

def check_table_of(tables: list[list[list[str]]]) -> list[list[str]]:
    (table,) = [t for t in tables if t[0] == CHECK_COLUMNS]
    return table


@pytest.mark.parametrize("command", TABLE_COMMANDS, ids=ids)
def test_markdown_check_table_has_a_row_per_hand_number(capsys, command):
    expected = hand_numbers(file_of(capsys, command[1]))
    table = check_table_of(markdown_tables(output(capsys, command, "--format", "markdown")))
    rows = table[1:]
    assert len(rows) == len(expected)
    assert all(len(row) == len(CHECK_COLUMNS) for row in rows)
    # the hand column is the file's numbers, in order
    assert [float(row[1]) for row in rows] == [value for _, value in expected]
    assert all(row[5].lower() in VERDICTS for row in rows)
    assert sum(row[5].lower() == "wrong" for row in rows) == len(WRONG.get(command[1], ()))


@pytest.mark.parametrize("command", COMMANDS, ids=ids)
def test_every_markdown_math_span_renders_in_katex(capsys, command):
    spans = markdown_math_spans(output(capsys, command, "--format", "markdown"))
    assert spans or command[0] == "check", "no math at all"  # check: names are text today
    for display in (False, True):
        sources = [source for source, is_display in spans if is_display == display]
        if sources:
            katex_assert_renders(sources, display=display)


def test_markdown_check_table_names_are_the_documents_math(capsys):
    """Issue 11: names become math the way the documents write them (a_h1 as a_{h1}, y_hat as
    \\hat{y}), as run's forward table already does, in the check table too."""
    table = check_table_of(markdown_tables(output(capsys, ["check", "seed001"], "--format", "markdown")))
    quantities = [row[0] for row in table[1:]]
    assert all(q.startswith("$") and q.endswith("$") for q in quantities), quantities[:3]
    assert any("a_{h1}" in q for q in quantities) and any("\\hat{y}" in q for q in quantities)


# --- LaTeX ---------------------------------------------------------------------------------------

ALIGN = re.compile(r"\\begin\{align\*\}.*?\\end\{align\*\}", re.S)
INLINE_MATH = re.compile(r"(?<!\\)\$((?:\\.|[^$\\])+)\$")
UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


def latex_equations(tex: str) -> tuple[list[str], list[str]]:
    """(every align* environment, every $…$ span outside them); AssertionError on a stray $."""
    displays = ALIGN.findall(tex)
    rest = ALIGN.sub(" ", tex)
    inline = INLINE_MATH.findall(rest)
    assert not UNESCAPED_DOLLAR.search(INLINE_MATH.sub(" ", rest)), "an unbalanced $"
    return displays, inline


TABULAR = re.compile(r"\\begin\{(tabular|longtable)\}\{[lrc]*\}(.*?)\\end\{\1\}", re.S)
RULES = ("\\toprule", "\\midrule", "\\bottomrule", "\\endhead", "\\endfirsthead", "\\endfoot",
         "\\endlastfoot")


def latex_tables(tex: str) -> list[list[list[str]]]:
    """Every tabular's (or longtable's) rows, header first, of cells; booktabs rules dropped and a
    header a longtable repeats on each page kept once."""
    tables = []
    for _, body in TABULAR.findall(tex):
        rows: list[list[str]] = []
        for line in body.strip().splitlines():
            line = line.strip()
            if line in RULES or not line:
                continue
            assert line.endswith("\\\\"), f"a table row without its \\\\: {line!r}"
            row = [cell.strip() for cell in re.split(r"(?<!\\)&", line[:-2])]
            if not rows or row != rows[0]:
                rows.append(row)
        tables.append(rows)
    return tables


def latex_text(cell: str) -> str:
    return re.sub(r"\\textbf\{(.*)\}", r"\1", cell).replace("\\_", "_")


def test_latex_fragment_is_written(capsys):
    """--format latex prints a fragment (the writer must not fail on any report)."""
    status, out, err = cli(capsys, "check", "seed001", "--format", "latex")
    assert (status, err) == (0, "")
    assert latex_tables(out) and "\\documentclass" not in out


@pytest.mark.parametrize("command", COMMANDS, ids=ids)
def test_every_latex_equation_renders_in_katex_as_ascii(capsys, command):
    displays, inline = latex_equations(output(capsys, command, "--format", "latex"))
    assert displays or inline
    if displays:
        katex_assert_renders(displays, display=True, ascii_only=True)
    if inline:
        katex_assert_renders(inline, display=False, ascii_only=True)


@pytest.mark.parametrize("command", TABLE_COMMANDS, ids=ids)
def test_latex_check_table_has_a_row_per_hand_number(capsys, command):
    expected = hand_numbers(file_of(capsys, command[1]))
    tex = output(capsys, command, "--format", "latex")
    (table,) = [t for t in latex_tables(tex) if t[0] == CHECK_COLUMNS]
    rows = table[1:]
    assert len(rows) == len(expected) and all(len(row) == 6 for row in rows)
    assert [float(canonical_number(row[1])) for row in rows] == [v for _, v in expected]
    wrong = sum(latex_text(row[5]).lower() == "wrong" for row in rows)
    assert wrong == len(WRONG.get(command[1], ()))


def standalone(capsys, command: list[str]) -> str:
    tex = output(capsys, command, "--format", "latex", "--standalone")
    assert tex.lstrip().startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    return tex


@pytest.mark.parametrize("example", EXAMPLES)
def test_latex_standalone_run_compiles_and_shows_the_check_numbers(capsys, tmp_path, example):
    command = ["run", example, "--no-graphs"]
    rows = text_check_rows(output(capsys, command))
    assert len(rows) == len(hand_numbers(file_of(capsys, example)))
    pdf = pdflatex_compile(standalone(capsys, command), tmp_path, name=example)
    words = set(pdf_text(pdf).replace("\u2212", "-").split())
    missing = [(row["quantity"], number) for row in rows for number in (row["hand"], row["engine"])
               if number not in words]
    assert missing == []


@pytest.mark.parametrize("example", list(EXPLAIN))
def test_latex_standalone_explain_compiles_and_shows_the_gradient(capsys, tmp_path, example):
    name = EXPLAIN[example][0]
    command = ["explain", example, "--wrt", name]
    # the text output's closing line names the engine's gradient at 4 significant digits
    gradient = re.search(r"The engine's backward pass gives \S+ = (\S+)", output(capsys, command))
    pdf = pdflatex_compile(standalone(capsys, command), tmp_path, name=f"{example}-{name}")
    text = pdf_text(pdf).replace("\u2212", "-")
    assert gradient.group(1).replace("\u2212", "-") in text.split()
    assert "chain rule" in text


def test_seed001_explain_pdf_has_the_gradient_worked_by_hand(capsys, tmp_path):
    """∂loss/∂b1 of seed 001 is the sum of its two paths, here in floats: 0.02836 in the PDF."""
    pdf = pdflatex_compile(standalone(capsys, ["explain", "seed001", "--wrt", "b1"]), tmp_path)
    assert f"{seed001()['grad b1']:.4g}" == "0.02836"
    assert "0.02836" in pdf_text(pdf).split()


# --- JSON ------------------------------------------------------------------------------------------

def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def seed001() -> dict[str, float]:
    """Seed 001's forward pass and two gradients in plain floats (its weights, x = 0.05, 0.10)."""
    z_h1 = 0.15 * 0.05 + 0.20 * 0.10 + 0.35
    z_h2 = 0.25 * 0.05 + 0.30 * 0.10 + 0.35
    a_h1, a_h2 = sigmoid(z_h1), sigmoid(z_h2)
    y_hat = sigmoid(a_h1 * 0.40 + a_h2 * 0.45 + 0.60)
    d_z_out = (y_hat - 0.01) * y_hat * (1 - y_hat)  # ∂loss/∂z_out for loss = ½(y − ŷ)²
    return {"value z_h1": z_h1, "value a_h1": a_h1, "value a_h2": a_h2, "value y_hat": y_hat,
            "value loss": 0.5 * (0.01 - y_hat) ** 2, "grad w5": d_z_out * a_h1,
            "grad b1": d_z_out * 0.40 * a_h1 * (1 - a_h1) + d_z_out * 0.45 * a_h2 * (1 - a_h2)}


@pytest.mark.parametrize("command", COMMANDS, ids=ids)
def test_json_validates_against_its_schema(capsys, command):
    report = json.loads(output(capsys, command, "--format", "json"))
    json_validate(report, SCHEMA)
    assert report["schema"] == SCHEMA["properties"]["schema"]["const"]
    assert report["command"] == command[0]


@pytest.mark.parametrize("example", EXAMPLES)
def test_json_check_verdicts_are_the_files_numbers(capsys, example):
    expected = hand_numbers(file_of(capsys, example))
    data = json.loads(output(capsys, ["check", example], "--format", "json"))["data"]
    verdicts = data["verdicts"]
    assert [(v["quantity"], v["hand_value"]) for v in verdicts] == expected
    assert {v["quantity"] for v in verdicts if v["verdict"] == "wrong"} == WRONG.get(example, set())
    assert data["summary"]["wrong"] == len(WRONG.get(example, ())) and data["ok"] == (example not in WRONG)
    assert json.loads(output(capsys, ["check", example], "--json")) == \
        json.loads(output(capsys, ["check", example], "--format", "json"))  # the alias


def test_json_numbers_are_at_full_precision(capsys):
    data = json.loads(output(capsys, ["check", "seed001"], "--format", "json"))["data"]
    engine = {v["quantity"]: v["engine"] for v in data["verdicts"]}
    worked = seed001()
    # the forward values: the same float operations as the file's expressions, so the same floats
    assert engine["value z_h1"] == worked["value z_h1"] == 0.3775
    assert engine["value a_h1"] == worked["value a_h1"] == 1 / (1 + math.exp(-(0.15 * 0.05 + 0.20 * 0.10 + 0.35)))
    for quantity in ("value a_h2", "value y_hat", "value loss", "grad w5", "grad b1"):
        assert engine[quantity] == pytest.approx(worked[quantity], rel=1e-14, abs=0), quantity
    # the text shows 6 digits; the number behind it keeps all 17
    assert repr(engine["value a_h1"]) == "0.5932699921071872"
    explain = json.loads(output(capsys, ["explain", "seed001", "--wrt", "b1"], "--format", "json"))
    assert explain["data"]["gradient"] == pytest.approx(worked["grad b1"], rel=1e-14, abs=0)


# --- a stdout that is not UTF-8 ----------------------------------------------------------------

def chainrule_cp1252(*args: str, tmp_path: Path) -> tuple[int, bytes, str]:
    """``PYTHONIOENCODING=cp1252 python -m viz ARGS > file``: (status, the file's bytes, stderr)."""
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    target = tmp_path / "out.txt"
    with target.open("wb") as stdout:
        done = subprocess.run([sys.executable, "-m", "viz", *args], stdout=stdout,
                              stderr=subprocess.PIPE, env=env, cwd=tmp_path, timeout=60)
    return done.returncode, target.read_bytes(), done.stderr.decode("utf-8", "replace")


def test_check_on_a_cp1252_stdout_reports_wrong_numbers_not_a_crash(capsys, tmp_path):
    status, raw, err = chainrule_cp1252("check", "seed000", tmp_path=tmp_path)
    assert err == ""
    assert status == 1  # seed 000's garbled numbers, not a crash
    text = raw.decode("cp1252")
    rows = text_check_rows(text)
    assert {row["quantity"] for row in rows if row["verdict"] == "wrong"} == WRONG["seed000"]
    assert [row["engine"] for row in rows] == [row["engine"] for row in
                                               text_check_rows(output(capsys, ["check", "seed000"]))]


def test_explain_on_a_cp1252_stdout_spells_its_symbols(tmp_path):
    status, raw, err = chainrule_cp1252("explain", "seed001", "--wrt", "b1", tmp_path=tmp_path)
    assert (status, err) == (0, "")
    text = raw.decode("cp1252")
    assert "0.02836" in text and "\ufffd" not in text

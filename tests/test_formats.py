"""Every bundled example in every format (issue 11): Markdown, LaTeX, JSON, and text on a non-UTF-8 stdout.

Each output is read back by a real tool (tests/support): Markdown by
markdown-it-py, every equation by KaTeX, the ``--standalone`` document by
pdflatex and pdftotext, JSON by jsonschema against the documented
``SCHEMA``. The expectations come from outside the writers: the worked-example
files themselves (read with tomllib: how many hand numbers, their values),
the documents' known slips (seed 000's graph slips and seed 001's
arithmetic slips, read from the documents), and float arithmetic written out
here. Which rows are wrong is otherwise read from ``--format json``'s
data.verdicts: another writer of the same report, so every other format is
compared with it. The HTML page in a browser is tests/test_formats_browser.py.
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
from viz.report.json_writer import SCHEMA
from support.commands import cli, ids, json_verdicts
from support.expected import (ARITHMETIC_HEADERS, CHECK_HEADERS, EXAMPLES, EXPLAIN, FIRST_COLUMNS,
                              GRAPH_KINDS, NUMBER, SEED000_SLIPS, VERDICTS)

ROOT = Path(__file__).resolve().parent.parent

EXPECT_KINDS = {"values": "value", "local": "local", "grads": "grad", "deltas": "delta",
                "steps": "step", "updated": "updated", "arithmetic": "arithmetic"}

COMMANDS = ([["run", ex, "--no-graphs"] for ex in EXAMPLES]
            + [["check", ex] for ex in EXAMPLES]
            + [["explain", ex, "--wrt", name] for ex, names in EXPLAIN.items() for name in names]
            + [["train", "seed002", "--steps", "50"]])
TABLE_COMMANDS = [c for c in COMMANDS if c[0] in ("run", "check")]


def graph_verdicts(verdicts: list[dict]) -> list[dict]:
    """The main check table's verdicts: all but the document's own arithmetic lines."""
    return [v for v in verdicts if v["kind"] != "arithmetic"]


def arithmetic_verdicts(verdicts: list[dict]) -> list[dict]:
    return [v for v in verdicts if v["kind"] == "arithmetic"]


def wrong_rows(verdicts: list[dict]) -> list[int]:
    return [k for k, v in enumerate(verdicts) if v["verdict"] == "wrong"]


def expected_status(capsys, command: list[str]) -> int:
    if command[0] != "check":
        return 0
    return 1 if wrong_rows(json_verdicts(capsys, command)) else 0


def output(capsys, command: list[str], *options: str) -> str:
    expected = expected_status(capsys, command)
    status, out, err = cli(capsys, *command, *options)
    assert status == expected, f"{ids(command)} {' '.join(options)}: exit {status}: {err}"
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


def all_hand_numbers(path: Path) -> list[tuple[str, float]]:
    """Every number a file expects, as (quantity, value), in the check's order, which is the
    file's line order: tomllib keeps the tables (and each table's keys) in the order they are
    written, and each [expect.*] table is one block of lines. Local derivatives are "local
    OUT/IN", parameter steps "step NAME", the document's arithmetic lines "arithmetic LINE",
    each [[expect.epochs]] entry's numbers "epoch N NAME"."""
    expect = tomllib.loads(path.read_text(encoding="utf-8")).get("expect", {})
    out = []
    for key, table in expect.items():
        if key == "epochs":
            for entry in table:
                out += [(f"epoch {entry['epoch']} {name}", float(value))
                        for name, value in entry.items() if name != "epoch"]
        else:
            out += [(f"{EXPECT_KINDS[key]} {name}", float(value)) for name, value in table.items()]
    return out


def hand_numbers(path: Path) -> list[tuple[str, float]]:
    """The main check table's numbers: every hand number but the arithmetic lines."""
    return [(q, v) for q, v in all_hand_numbers(path) if not q.startswith("arithmetic ")]


def arithmetic_numbers(path: Path) -> list[tuple[str, float]]:
    """[expect.arithmetic]: (line as written, printed result), in the file's order."""
    return [(q.removeprefix("arithmetic "), v) for q, v in all_hand_numbers(path)
            if q.startswith("arithmetic ")]


def text_table(text: str, headers: tuple[list[str], ...]) -> tuple[list[str], list[dict[str, str]]]:
    """The text table whose title line is one of HEADERS: (its titles, its rows). A number column
    is right-aligned under its title, hint/verdict/arithmetic left-aligned from theirs; a wrong
    row starts with a mark (✗, or X where the stdout cannot spell it)."""
    lines = text.splitlines()
    (start,) = [k for k, line in enumerate(lines) if line.split() in headers]
    titles = lines[start].split()
    starts = {t: lines[start].index(f" {t}") + 1 for t in titles if t in ("hint", "verdict", "arithmetic")}
    left = min(starts.values())  # where the left-aligned columns begin
    numbers = [t for t in titles if t not in starts and t != "quantity"]
    rows = []
    for line in lines[start + 1:]:
        tokens = line[:left].split()
        if tokens and tokens[0] in ("✗", "X"):
            tokens = tokens[1:]
        verdict_end = starts.get("arithmetic", len(line))
        verdict = line[starts["verdict"]:verdict_end].strip().lower()
        if verdict not in VERDICTS or len(tokens) < len(numbers) or \
                not all(NUMBER.match(t) for t in tokens[-len(numbers):]):
            break  # the line under the table (a title, "8 numbers: 7 exact, 1 close, 0 wrong")
        row = dict(zip(numbers, tokens[-len(numbers):]), verdict=verdict)
        if "quantity" in titles:
            row["quantity"] = " ".join(tokens[:-len(numbers)])
        if "hint" in starts:
            row["hint"] = line[starts["hint"]:starts["verdict"]].strip()
        if "arithmetic" in starts:
            row["arithmetic"] = line[starts["arithmetic"]:].strip()
        rows.append(row)
    return titles, rows


def text_check_rows(text: str) -> list[dict[str, str]]:
    """The check table of the text output: quantity, hand, engine, engine-hand, rel, [hint,] verdict."""
    return text_table(text, CHECK_HEADERS)[1]


def text_arithmetic_rows(text: str) -> list[dict[str, str]]:
    """The document's own arithmetic in the text output: printed, result, [hint,] verdict, arithmetic."""
    return text_table(text, ARITHMETIC_HEADERS)[1]


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
    """The table whose first five titles are the check's (quantity … rel)."""
    (table,) = [t for t in tables if t[0][:5] == FIRST_COLUMNS]
    assert table[0] in CHECK_HEADERS, table[0]
    return table


def arithmetic_table_of(tables: list[list[list[str]]]) -> list[list[str]] | None:
    found = [t for t in tables if t[0][:2] == ["printed", "result"]]
    assert len(found) <= 1
    if found:
        assert found[0][0] in ARITHMETIC_HEADERS, found[0][0]
    return found[0] if found else None


def assert_tables_match(capsys, command: list[str], tables: list[list[list[str]]],
                        verdict_of=lambda cell: cell.lower(), number=float) -> None:
    """The main check table and the arithmetic table (header first, cells as text) against the
    file's hand numbers (tomllib) and the JSON's verdicts (which rows are wrong, where a hint is)."""
    path = file_of(capsys, command[1])
    verdicts = json_verdicts(capsys, command)
    table = check_table_of(tables)
    rows = table[1:]
    expected = hand_numbers(path)
    assert len(rows) == len(expected) and all(len(row) == len(table[0]) for row in rows)
    # the hand column is the file's numbers, in the file's order
    assert [number(row[1]) for row in rows] == [value for _, value in expected]
    verdict = [verdict_of(row[-1]) for row in rows]  # the verdict is the last column
    assert all(v in VERDICTS for v in verdict), verdict
    graph = graph_verdicts(verdicts)
    assert verdict == [v["verdict"] for v in graph]
    assert [k for k, v in enumerate(verdict) if v == "wrong"] == wrong_rows(graph)
    # the hint column is there exactly when one of the table's verdicts has a hint
    assert ("hint" in table[0]) == any(v["hint"] for v in graph)
    arithmetic = arithmetic_numbers(path)
    lines = arithmetic_table_of(tables)
    if not arithmetic:
        assert lines is None
        return
    assert lines is not None and len(lines) - 1 == len(arithmetic)
    assert all(len(row) == len(lines[0]) for row in lines[1:])
    assert sorted(number(row[0]) for row in lines[1:]) == sorted(v for _, v in arithmetic)
    assert [number(row[0]) for row in lines[1:]] == [v for _, v in arithmetic]  # file order
    column = lines[0].index("verdict")
    verdict = [verdict_of(row[column]) for row in lines[1:]]
    assert verdict == [v["verdict"] for v in arithmetic_verdicts(verdicts)]


@pytest.mark.parametrize("command", TABLE_COMMANDS, ids=ids)
def test_markdown_check_table_has_a_row_per_hand_number(capsys, command):
    tables = markdown_tables(output(capsys, command, "--format", "markdown"))
    assert_tables_match(capsys, command, tables)


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
    assert (status, err) == (1, "")  # seed 001's arithmetic slips
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
    tables = [[[latex_text(cell) for cell in row] for row in table] for table in latex_tables(tex)]
    assert_tables_match(capsys, command, tables, number=lambda cell: float(canonical_number(cell)))
    assert len(check_table_of(tables)) - 1 == len(expected)


def standalone(capsys, command: list[str]) -> str:
    tex = output(capsys, command, "--format", "latex", "--standalone")
    assert tex.lstrip().startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    return tex


@pytest.mark.parametrize("example", EXAMPLES)
def test_latex_standalone_run_compiles_and_shows_the_check_numbers(capsys, tmp_path, example):
    command = ["run", example, "--no-graphs"]
    text = output(capsys, command)
    rows = text_check_rows(text)
    assert len(rows) == len(hand_numbers(file_of(capsys, example)))
    lines = text_arithmetic_rows(text) if arithmetic_numbers(file_of(capsys, example)) else []
    assert len(lines) == len(arithmetic_numbers(file_of(capsys, example)))
    pdf = pdflatex_compile(standalone(capsys, command), tmp_path, name=example)
    words = set(pdf_text(pdf).replace("\u2212", "-").split())
    missing = [(row["quantity"], number) for row in rows for number in (row["hand"], row["engine"])
               if number not in words]
    missing += [(row["arithmetic"], number) for row in lines for number in (row["printed"], row["result"])
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


# --- the documents' slips, read from the documents -------------------------------------------

def test_seed000_wrong_graph_numbers_are_the_documents_slips(capsys):
    verdicts = json_verdicts(capsys, ["check", "seed000"])
    wrong = {v["quantity"] for v in verdicts if v["verdict"] == "wrong" and v["kind"] in GRAPH_KINDS}
    assert wrong == SEED000_SLIPS
    # Δw35 = 0.9 × 0.00653 × 1 = 0.00588 is printed with the sign dropped (δ5 < 0), Δw46 = 0.046
    # from the garbled a4: 0.9 · 0.131 · 0.332 = 0.0391
    assert {v["quantity"] for v in verdicts if v["verdict"] == "wrong" and v["kind"] == "step"} == \
        {"step w35", "step w46"}
    assert f"{0.9 * 0.131 * 0.332:.3f}" == "0.039"


def test_seed001_wrong_arithmetic_is_the_documents_own(capsys):
    """Seed 001's slips are its arithmetic: 0.0134 × 0.10 = 0.00134 (printed 0.00135), the copied
    0.0555 · 0.2413 · 0.10 = 0.00134, and 0.5969 × 0.4031 = 0.2406 (printed 0.2407)."""
    assert f"{0.0134 * 0.10:.5f}" == "0.00134" and f"{0.0555 * 0.2413 * 0.10:.5f}" == "0.00134"
    assert f"{0.5969 * 0.4031:.4f}" == f"{0.5969 * (1 - 0.5969):.4f}" == "0.2406"
    verdicts = json_verdicts(capsys, ["check", "seed001"])
    assert {v["name"] for v in verdicts if v["verdict"] == "wrong"} == {
        "0.0134 * 0.10", "0.0555 * 0.2413 * 0.10", "0.5969 * 0.4031", "0.5969 * (1 - 0.5969)"}
    assert all(v["hint"] == "arithmetic" for v in verdicts if v["verdict"] == "wrong")


def test_seed003_3_has_no_wrong_number(capsys):
    status, _, err = cli(capsys, "check", "seed003_3")
    assert (status, err) == (0, "")
    assert all(v["verdict"] != "wrong" for v in json_verdicts(capsys, ["check", "seed003_3"]))


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
    expected = all_hand_numbers(file_of(capsys, example))
    data = json.loads(output(capsys, ["check", example], "--format", "json"))["data"]
    verdicts = data["verdicts"]
    assert [(v["quantity"], v["hand_value"]) for v in verdicts] == expected
    assert all(v["quantity"] == f"{v['kind']} {v['name']}" for v in verdicts if v["kind"] != "epoch")
    wrong = [v for v in verdicts if v["verdict"] == "wrong"]
    assert data["summary"] == {"total": len(verdicts), "wrong": len(wrong),
                               **{k: sum(v["verdict"] == k for v in verdicts) for k in ("exact", "close")}}
    assert data["ok"] == (not wrong)
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
    wrong = {row["quantity"] for row in rows if row["verdict"] == "wrong"}
    assert {q for q in wrong if q.split()[0] in GRAPH_KINDS} == SEED000_SLIPS
    graph = graph_verdicts(json_verdicts(capsys, ["check", "seed000"]))
    assert wrong == {v["quantity"] for v in graph if v["verdict"] == "wrong"}
    assert [row["engine"] for row in rows] == [row["engine"] for row in
                                               text_check_rows(output(capsys, ["check", "seed000"]))]
    lines = text_arithmetic_rows(text)
    assert [row["verdict"] for row in lines] == [row["verdict"] for row in
                                                 text_arithmetic_rows(output(capsys, ["check", "seed000"]))]
    assert len(lines) == len(arithmetic_numbers(file_of(capsys, "seed000")))


def test_explain_on_a_cp1252_stdout_spells_its_symbols(tmp_path):
    status, raw, err = chainrule_cp1252("explain", "seed001", "--wrt", "b1", tmp_path=tmp_path)
    assert (status, err) == (0, "")
    text = raw.decode("cp1252")
    assert "0.02836" in text and "\ufffd" not in text

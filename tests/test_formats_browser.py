"""The HTML page of every command, opened offline in headless Chromium (issue 11), and the one
test that every format shows the text output's numbers.

A page must name no external URL, make no network request and log no error
when opened from a file; its check table has one row per hand number of the
file (tomllib counts them) and its arithmetic table one per printed
arithmetic line, its wrong rows (those ``--format json`` calls wrong, and
seed 000's slips read from the document) have class "wrong", and its math is
MathML that the browser lays out. Screenshots of seed 001's pages go to
``tmp_path``, and also to ``$CHAINRULE_SCREENSHOTS`` when that is set (to
look at them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from support import external_urls, markdown_tables, screenshot
from support.commands import cli, ids, json_verdicts
from support.expected import (ARITHMETIC_HEADERS, CHECK_HEADERS, EXAMPLES, EXPLAIN, FIRST_COLUMNS,
                              GRAPH_KINDS, NUMBER, SEED000_SLIPS, VERDICTS)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

COMMANDS = ([["run", ex, "--no-graphs"] for ex in EXAMPLES]
            + [["check", ex] for ex in EXAMPLES]
            + [["explain", ex, "--wrt", name] for ex, names in EXPLAIN.items() for name in names]
            + [["train", "seed002", "--steps", "50"]])
TABLE_COMMANDS = [c for c in COMMANDS if c[0] in ("run", "check")]

# Every table of the page as the browser built it: header cells, and each body row's class and cells.
TABLES_JS = """() => Array.from(document.querySelectorAll('table')).map(t => ({
  head: Array.from(t.querySelectorAll('thead th')).map(th => th.textContent.trim()),
  rows: Array.from(t.querySelectorAll('tbody tr')).map(tr => ({
    wrong: tr.classList.contains('wrong'),
    cells: Array.from(tr.cells).map(td => td.textContent.trim())}))}))"""
# Every <math> element: is it MathML (its namespace) and does the browser give it a box?
MATH_JS = """() => Array.from(document.getElementsByTagName('math')).map(m => {
  const r = m.getBoundingClientRect();
  return {mathml: m.namespaceURI === 'http://www.w3.org/1998/Math/MathML', width: r.width, height: r.height};
})"""


def output(capsys, command: list[str], *options: str) -> str:
    expected = 0
    if command[0] == "check":
        expected = int(any(v["verdict"] == "wrong" for v in json_verdicts(capsys, command)))
    status, out, err = cli(capsys, *command, *options)
    assert status == expected, f"{ids(command)} {' '.join(options)}: exit {status}: {err}"
    return out


def expected_numbers(capsys, example: str) -> tuple[int, list[float]]:
    """(how many graph numbers the file expects, the printed results of its arithmetic lines):
    every key under [expect.*] but [expect.arithmetic] (values, local, grads, deltas, steps,
    updated) and each epoch's, then [expect.arithmetic]'s values in the file's order (tomllib)."""
    status, out, _ = cli(capsys, "examples")
    folder = Path(re.search(r"\((/[^)]+)\)", out.splitlines()[0]).group(1))
    (path,) = [p for p in folder.glob("*.toml") if p.stem.startswith(example)]
    expect = tomllib.loads(path.read_text(encoding="utf-8")).get("expect", {})
    assert set(expect) <= {"values", "local", "grads", "deltas", "steps", "updated", "arithmetic",
                           "epochs"}, sorted(expect)
    count = sum(len(expect.get(key, {})) for key in ("values", "local", "grads", "deltas", "steps",
                                                      "updated"))
    count += sum(len(entry) - 1 for entry in expect.get("epochs", []))
    return count, [float(v) for v in expect.get("arithmetic", {}).values()]


def hand_count(capsys, example: str) -> int:
    return expected_numbers(capsys, example)[0]


def dom_tables(page) -> tuple[dict, dict | None]:
    """(the check table, the arithmetic table or None) as the browser built them."""
    tables = page.evaluate(TABLES_JS)
    (check,) = [t for t in tables if t["head"][:5] == FIRST_COLUMNS]
    assert check["head"] in CHECK_HEADERS, check["head"]
    arithmetic = [t for t in tables if t["head"][:2] == ["printed", "result"]]
    assert len(arithmetic) <= 1 and all(t["head"] in ARITHMETIC_HEADERS for t in arithmetic)
    return check, (arithmetic[0] if arithmetic else None)


def dom_check_table(page) -> list[dict]:
    return dom_tables(page)[0]["rows"]


def keep(path: Path) -> None:
    """Copy a screenshot to $CHAINRULE_SCREENSHOTS, when set."""
    folder = os.environ.get("CHAINRULE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


# --- the page opens offline ------------------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS, ids=ids)
def test_html_page_opens_offline_with_its_math_laid_out(capsys, chromium_page, command):
    html = output(capsys, command, "--format", "html")
    assert html.startswith("<!DOCTYPE html>")
    assert external_urls(html) == []
    with chromium_page(html) as visit:  # fails on any network request, console or page error
        maths = visit.page.evaluate(MATH_JS)
        title = visit.page.title()
    assert visit.requests == [visit.url]
    assert title
    if command[0] != "check":  # the check table's names are plain text today (see test_formats)
        assert maths, "no MathML on the page"
    assert all(m["mathml"] and m["width"] > 0 and m["height"] > 0 for m in maths)


@pytest.mark.parametrize("command", TABLE_COMMANDS, ids=ids)
def test_html_check_table_marks_the_wrong_rows(capsys, chromium_page, command):
    example = command[1]
    verdicts = json_verdicts(capsys, command)
    graph = [v for v in verdicts if v["kind"] != "arithmetic"]
    lines = [v for v in verdicts if v["kind"] == "arithmetic"]
    count, printed = expected_numbers(capsys, example)
    with chromium_page(output(capsys, command, "--format", "html")) as visit:
        check, arithmetic = dom_tables(visit.page)
    rows = check["rows"]
    assert len(rows) == count == len(graph)
    assert all(len(row["cells"]) == len(check["head"]) for row in rows)
    assert ("hint" in check["head"]) == any(v["hint"] for v in graph)
    # the verdict is the last column; a row has class "wrong" exactly when the JSON calls it wrong
    assert [row["cells"][-1].lower() for row in rows] == [v["verdict"] for v in graph]
    assert [row["wrong"] for row in rows] == [v["verdict"] == "wrong" for v in graph]
    if example == "seed000":  # the document's slips, by name
        names = {" ".join(row["cells"][0].split()) for row in rows if row["wrong"]}
        assert {n for n in names if n.split()[0] in GRAPH_KINDS} == SEED000_SLIPS
    if not printed:
        assert arithmetic is None and lines == []
        return
    column = arithmetic["head"].index("verdict")
    assert [float(row["cells"][0].replace("\u2212", "-")) for row in arithmetic["rows"]] == printed
    assert [row["cells"][column].lower() for row in arithmetic["rows"]] == [v["verdict"] for v in lines]
    assert [row["wrong"] for row in arithmetic["rows"]] == [v["verdict"] == "wrong" for v in lines]


ALIGN_JS = """() => Array.from(document.querySelectorAll('table')).filter(t => t.tHead).map(t =>
  Array.from(t.tHead.rows[0].cells).map((th, k) => [th.textContent.trim(), getComputedStyle(th).textAlign,
                                                     getComputedStyle(t.tBodies[0].rows[0].cells[k]).textAlign]))"""


def test_html_column_titles_align_with_their_numbers(capsys, chromium_page):
    """A number column is right-aligned, its title too (as in the Markdown and LaTeX tables)."""
    with chromium_page(output(capsys, ["run", "seed001", "--no-graphs"], "--format", "html")) as visit:
        tables = visit.page.evaluate(ALIGN_JS)
    assert len(tables) == 5  # forward pass, gradients, update, check, the document's arithmetic
    misaligned = [(title, head, cell) for table in tables for title, head, cell in table
                  if cell == "right" and head != cell]
    assert misaligned == []


# The left edge of the first relation (=, ≈) of each line of each multi-line equation block.
RELATIONS_JS = """() => Array.from(document.querySelectorAll('table.eq')).filter(t => t.rows.length > 1)
  .map(t => Array.from(t.rows).map(tr => tr.cells[tr.cells.length - 1].querySelector('mo').getBoundingClientRect().left))"""


def test_html_derivation_lines_align_at_their_relation(capsys, chromium_page):
    """Like LaTeX's align*, the factor lines of a path line up at their = signs."""
    with chromium_page(output(capsys, ["explain", "seed001", "--wrt", "b1"], "--format", "html")) as visit:
        blocks = visit.page.evaluate(RELATIONS_JS)
    assert len(blocks) == 2  # the six factors of each of the two paths
    spread = [max(lefts) - min(lefts) for lefts in blocks]  # CSS pixels
    assert all(s <= 0.5 for s in spread), spread


def test_html_run_page_has_the_graph_inline(capsys, chromium_page, tmp_path):
    html = output(capsys, ["run", "seed001", "-o", str(tmp_path / "graphs")], "--format", "html")
    assert external_urls(html) == []
    with chromium_page(html) as visit:
        labels = visit.page.evaluate(
            "() => Array.from(document.querySelectorAll('figure svg text')).map(t => t.textContent)")
    assert any("b1" in label for label in labels) and any("loss" in label for label in labels)


# --- screenshots of seed 001 ------------------------------------------------------------------------

SHOTS = {
    "seed001-check": ["check", "seed001"],
    "seed001-explain-b1": ["explain", "seed001", "--wrt", "b1"],
    "seed001-run": ["run", "seed001", "-o", "{graphs}"],
}


@pytest.mark.parametrize("name", list(SHOTS))
def test_html_screenshot_of_seed001(capsys, chromium_page, tmp_path, name):
    command = [part.format(graphs=tmp_path / "graphs") for part in SHOTS[name]]
    with chromium_page(output(capsys, command, "--format", "html")) as visit:
        shot = screenshot(visit.page, tmp_path / f"{name}.png")
        height = visit.page.evaluate("() => document.body.scrollHeight")
    assert shot.read_bytes().startswith(PNG_SIGNATURE) and height > 300
    keep(shot)


# --- the numbers are the same in every format --------------------------------------------------------

def canonical_number(text: str) -> str:
    """A number cell as one spelling: U+2212 as '-', $ and \\% dropped, 2.8\\times 10^{-17} and
    2.8e-17 alike, 16\\times (LaTeX's "16 times") and 16x alike."""
    s = text.strip().strip("$").replace("\u2212", "-").replace("\\%", "%").replace(" ", "")
    if s.endswith("\\times"):
        s = s[: -len("\\times")] + "x"
    m = re.fullmatch(r"([+-]?[\d.]+)(?:\\times10\^\{([+-]?\d+)\}|[eE]([+-]?\d+))", s)
    return f"{m.group(1)}e{int(m.group(2) or m.group(3))}" if m else s


def text_rows(text: str, headers: tuple[list[str], ...], count: int) -> list[list[str]]:
    """The number columns of the text table titled by one of HEADERS: the COUNT numbers before
    the first left-aligned column (hint, verdict), one list a row; a wrong row's mark dropped."""
    lines = text.splitlines()
    (start,) = [k for k, line in enumerate(lines) if line.split() in headers]
    header = lines[start]
    left = min(header.index(f" {t}") + 1 for t in ("hint", "verdict") if f" {t}" in header)
    verdict = header.index(" verdict") + 1
    rows = []
    for line in lines[start + 1:]:
        tokens = line[:left].split()
        if line[verdict:].lower().split()[:1] not in [[v] for v in VERDICTS] \
                or len(tokens) < count or not all(NUMBER.match(t) for t in tokens[-count:]):
            break  # the line under the table
        rows.append(tokens[-count:])
    return rows


LATEX_TABULAR = re.compile(r"\\begin\{(tabular|longtable)\}\{[lrc]*\}(.*?)\\end\{\1\}", re.S)


def latex_rows(tex: str, first: list[str], columns: slice) -> list[list[str]]:
    """The cells in COLUMNS of each body row of the LaTeX table (a tabular or a longtable) whose
    header starts with the titles FIRST."""
    found = []
    for _, body in LATEX_TABULAR.findall(tex):
        rows = [[c.strip() for c in re.split(r"(?<!\\)&", line.strip().removesuffix("\\\\"))]
                for line in body.splitlines()
                if line.strip() and not line.strip().startswith("\\") and "&" in line]
        if rows and rows[0][:len(first)] == first:
            found.append([row[columns] for row in rows[1:] if row != rows[0]])  # a repeated header
    (rows,) = found
    return rows


def json_rows(report: dict, first: list[str], columns: slice) -> list[list[str]]:
    (table,) = [b for b in report["blocks"] if b["type"] == "table"
                and [c["title"] for c in b["columns"]][:len(first)] == first]
    return [[cell["text"] for cell in row[columns]] for row in table["rows"]]


@pytest.mark.parametrize("example", ["seed000", "seed001"])
def test_numbers_in_every_format_equal_the_text_outputs(capsys, chromium_page, example):
    """The check table's hand, engine, engine-hand and rel, and the arithmetic table's printed
    and result, are the text output's in Markdown, LaTeX, the HTML DOM and JSON."""
    command = ["check", example]
    text = output(capsys, command)
    count, printed = expected_numbers(capsys, example)
    assert printed, "the example has no arithmetic lines"
    tables = {"check": (CHECK_HEADERS, FIRST_COLUMNS, slice(1, 5)),
              "arithmetic": (ARITHMETIC_HEADERS, ["printed", "result"], slice(0, 2))}
    expected = {name: [[canonical_number(c) for c in row] for row in text_rows(text, headers, 4 if
                                                                               name == "check" else 2)]
                for name, (headers, _, _) in tables.items()}
    assert len(expected["check"]) == count
    assert [float(row[0]) for row in expected["arithmetic"]] == printed
    with chromium_page(output(capsys, command, "--format", "html")) as visit:
        check, arithmetic = dom_tables(visit.page)
    html = {"check": [row["cells"][1:5] for row in check["rows"]],
            "arithmetic": [row["cells"][0:2] for row in arithmetic["rows"]]}
    markdown = markdown_tables(output(capsys, command, "--format", "markdown"))
    latex = output(capsys, command, "--format", "latex")
    report = json.loads(output(capsys, command, "--format", "json"))
    for table, (_, first, columns) in tables.items():
        (md_table,) = [t for t in markdown if t[0][:len(first)] == first]
        formats = {
            "markdown": [row[columns] for row in md_table[1:]],
            "latex": latex_rows(latex, first, columns),
            "html": html[table],
            "json": json_rows(report, first, columns),
        }
        for name, rows in formats.items():
            got = [[canonical_number(c) for c in row] for row in rows]
            assert got == expected[table], f"{name}, {table} table: the numbers differ from the text's"
    # and the engine's numbers are those of the text, digit for digit (not only the same value)
    engine = [row[1] for row in expected["check"]] + [row[1] for row in expected["arithmetic"]]
    assert all(NUMBER.fullmatch(e) for e in engine)

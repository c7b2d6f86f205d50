"""The HTML page of every command, opened offline in headless Chromium (issue 11), and the one
test that every format shows the text output's numbers.

A page must name no external URL, make no network request and log no error
when opened from a file; its check table has one row per hand number of the
file (tomllib counts them), its wrong rows have class "wrong", and its math
is MathML that the browser lays out. Screenshots of seed 001's pages go to
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
from viz.cli import main

EXAMPLES = ["seed000", "seed001", "seed002", "seed003_2", "seed003_3"]
EXPLAIN = {"seed000": ["w14", "b6"], "seed001": ["b1", "w5"], "seed002": ["w1", "b2"],
           "seed003_3": ["W1_1_1", "b2_2"]}
# The numbers each document prints wrong, from the files' comments (GARBLED, sign dropped).
WRONG = {"seed000": {"value a5", "value z6", "value a6", "value o6", "delta z5", "delta z4",
                     "delta i5", "updated w35", "updated w46"}}
CHECK_COLUMNS = ["quantity", "hand", "engine", "engine-hand", "rel", "verdict"]
NUMBER_COLUMNS = ["hand", "engine", "engine-hand", "rel"]
VERDICTS = ("exact", "close", "wrong")
NUMBER = re.compile(r"[+-]?\d*\.?\d+(?:[eE][+-]?\d+)?")
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


def ids(command: list[str]) -> str:
    return " ".join(command)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def output(capsys, command: list[str], *options: str) -> str:
    status, out, err = cli(capsys, *command, *options)
    wrong = command[0] == "check" and bool(WRONG.get(command[1]))
    assert status == (1 if wrong else 0), f"{ids(command)} {' '.join(options)}: exit {status}: {err}"
    return out


def hand_count(capsys, example: str) -> int:
    """How many numbers the file expects: every key under [expect.*], and each epoch's (tomllib)."""
    status, out, _ = cli(capsys, "examples")
    folder = Path(re.search(r"\((/[^)]+)\)", out.splitlines()[0]).group(1))
    (path,) = [p for p in folder.glob("*.toml") if p.stem.startswith(example)]
    expect = tomllib.loads(path.read_text(encoding="utf-8")).get("expect", {})
    count = sum(len(expect.get(key, {})) for key in ("values", "grads", "deltas", "updated"))
    return count + sum(len(entry) - 1 for entry in expect.get("epochs", []))


def dom_check_table(page) -> list[dict]:
    (table,) = [t for t in page.evaluate(TABLES_JS) if t["head"] == CHECK_COLUMNS]
    return table["rows"]


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
    report = json.loads(output(capsys, command, "--format", "json"))
    with chromium_page(output(capsys, command, "--format", "html")) as visit:
        rows = dom_check_table(visit.page)
    assert len(rows) == hand_count(capsys, example)
    assert all(len(row["cells"]) == len(CHECK_COLUMNS) for row in rows)
    wrong = [row for row in rows if row["wrong"]]
    assert len(wrong) == report["data"]["summary"]["wrong"] == len(WRONG.get(example, ()))
    assert {" ".join(row["cells"][0].split()) for row in wrong} == WRONG.get(example, set())
    assert all((row["cells"][5].lower() == "wrong") == row["wrong"] for row in rows)


ALIGN_JS = """() => Array.from(document.querySelectorAll('table')).filter(t => t.tHead).map(t =>
  Array.from(t.tHead.rows[0].cells).map((th, k) => [th.textContent.trim(), getComputedStyle(th).textAlign,
                                                     getComputedStyle(t.tBodies[0].rows[0].cells[k]).textAlign]))"""


def test_html_column_titles_align_with_their_numbers(capsys, chromium_page):
    """A number column is right-aligned, its title too (as in the Markdown and LaTeX tables)."""
    with chromium_page(output(capsys, ["run", "seed001", "--no-graphs"], "--format", "html")) as visit:
        tables = visit.page.evaluate(ALIGN_JS)
    assert len(tables) == 4  # forward pass, gradients, update, check
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


def text_rows(text: str) -> list[list[str]]:
    """The text check table's number columns (hand, engine, engine-hand, rel), one list a row."""
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.split() == CHECK_COLUMNS)
    rows = []
    for line in lines[start + 1:]:
        tokens = line.split()
        if len(tokens) < 7 or tokens[-1].lower() not in VERDICTS or not NUMBER.fullmatch(tokens[-5]):
            break
        rows.append(tokens[-5:-1])
    return rows


def latex_rows(tex: str) -> list[list[str]]:
    """The LaTeX check table's number columns (a tabular or a longtable)."""
    (body,) = [body for _, body in
               re.findall(r"\\begin\{(tabular|longtable)\}\{[lrc]*\}(.*?)\\end\{\1\}", tex, re.S)
               if "quantity & hand & engine" in body]
    rows = []
    for line in body.split("\\midrule", 1)[1].split("\\bottomrule")[0].splitlines():
        line = line.strip()
        if line and not line.startswith("\\end") and "quantity & hand" not in line:
            rows.append([c.strip() for c in re.split(r"(?<!\\)&", line.removesuffix("\\\\"))][1:5])
    return rows


def json_rows(report: dict) -> list[list[str]]:
    (table,) = [b for b in report["blocks"] if b["type"] == "table"
                and [c["title"] for c in b["columns"]] == CHECK_COLUMNS]
    return [[cell["text"] for cell in row[1:5]] for row in table["rows"]]


@pytest.mark.parametrize("example", ["seed000", "seed001"])
def test_numbers_in_every_format_equal_the_text_outputs(capsys, chromium_page, example):
    command = ["check", example]
    expected = [[canonical_number(c) for c in row] for row in text_rows(output(capsys, command))]
    assert len(expected) == hand_count(capsys, example)
    with chromium_page(output(capsys, command, "--format", "html")) as visit:
        html = [row["cells"][1:5] for row in dom_check_table(visit.page)]
    (md_table,) = [t for t in markdown_tables(output(capsys, command, "--format", "markdown"))
                   if t[0] == CHECK_COLUMNS]
    formats = {
        "markdown": [row[1:5] for row in md_table[1:]],
        "latex": latex_rows(output(capsys, command, "--format", "latex")),
        "html": html,
        "json": json_rows(json.loads(output(capsys, command, "--format", "json"))),
    }
    for name, rows in formats.items():
        got = [[canonical_number(c) for c in row] for row in rows]
        assert got == expected, f"{name}: the numbers differ from the text output's"
    # and the engine's numbers are those of the text, digit for digit (not only the same value)
    engine = [row[1] for row in expected]
    assert all(NUMBER.fullmatch(e) for e in engine)

"""``chainrule check`` over several files (issue 15, item 8): each file its own section
headed by its path, a closing table of every file, and the exit status 0 (all right),
1 (a number wrong) or 2 (a bad file: one line on stderr naming it; the others are still
checked, and 2 wins over 1).  ``-`` (standard input) at most once.

The expectations come from the files themselves: the seed 003 exercise with its
solution (every hand number exact; how many there are is counted here with tomllib),
the same file with one hand number changed to a value the document does not print
(so exactly one wrong), and a file whose expression does not parse.  Each format is
read back by a real parser: Markdown by markdown-it-py, JSON by jsonschema against the
documented SCHEMA, HTML by the standard library's HTMLParser, LaTeX by pdflatex.
"""

from __future__ import annotations

import json
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from support import json_validate, markdown_tables, pdf_text, pdflatex_compile
from support.commands import cli
from viz.cli import main
from viz.report.json_writer import SCHEMA

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = next((ROOT / "viz" / "worked" / "examples").glob("seed003_3*.toml"))
SECTIONS = ("values", "grads", "deltas", "updated", "steps", "local")


def hand_numbers(text: str) -> int:
    """How many hand numbers a file expects, counted from its TOML."""
    expect = tomllib.loads(text)["expect"]
    return sum(len(expect.get(k, {})) for k in SECTIONS) + len(expect.get("arithmetic", []))


RIGHT_TEXT = EXERCISE.read_text(encoding="utf-8")
N = hand_numbers(RIGHT_TEXT)  # 65: 7 values, 32 gradients, 26 updated parameters
# the document prints x1_1 = 23.0 (W1·x0 + b1); 24.0 is a slip of one in its first number
WRONG_TEXT = RIGHT_TEXT.replace("[expect.values]  # forward pass\nx1_1 = 23.0",
                                "[expect.values]  # forward pass\nx1_1 = 24.0", 1)
BAD_TEXT = '[nodes]\nz = "x +"\n'  # an expression that ends in an operator


@pytest.fixture
def work(tmp_path, monkeypatch):
    """right.toml, right2.toml, wrong.toml and bad.toml in a fresh current folder."""
    monkeypatch.chdir(tmp_path)
    for name, text in (("right.toml", RIGHT_TEXT), ("right2.toml", RIGHT_TEXT),
                       ("wrong.toml", WRONG_TEXT), ("bad.toml", BAD_TEXT)):
        Path(name).write_text(text, encoding="utf-8")
    return tmp_path



def test_the_files_differ_as_meant():
    assert N == 65
    assert WRONG_TEXT != RIGHT_TEXT and hand_numbers(WRONG_TEXT) == N


def closing_table(markdown: str) -> list[list[str]]:
    """The table of every file (the last one whose header ends in "file")."""
    tables = [t for t in markdown_tables(markdown) if t[0][-1] == "file"]
    assert len(tables) == 1, tables
    return tables[0]


@pytest.mark.parametrize("names, status", [
    (["right.toml", "right2.toml"], 0),
    (["right.toml", "wrong.toml", "right2.toml"], 1),
    (["wrong.toml", "wrong.toml"], 1),
    (["right.toml", "bad.toml"], 2),
    (["wrong.toml", "bad.toml", "right.toml"], 2),  # bad input wins over a wrong number
    (["right.toml", "missing.toml"], 2),
])
def test_exit_status(capsys, work, names, status):
    code, out, err = cli(capsys, "check", *names)
    assert code == status, err
    bad = [n for n in names if n in ("bad.toml", "missing.toml")]
    assert err.count("\n") == len(bad)  # one line for each bad file, none for the others
    for line, name in zip(err.splitlines(), bad):
        assert line.startswith(f"{name}: ")


def test_a_wrong_file_among_right_ones_in_markdown(capsys, work):
    code, out, err = cli(capsys, "check", "right.toml", "wrong.toml", "right2.toml",
                         "--format", "markdown")
    assert (code, err) == (1, "")
    table = closing_table(out)
    assert table[0] == ["numbers", "exact", "close", "wrong", "verdict", "file"]
    assert table[1:] == [
        [str(N), str(N), "0", "0", "exact", "right.toml"],
        [str(N), str(N - 1), "0", "1", "wrong", "wrong.toml"],
        [str(N), str(N), "0", "0", "exact", "right2.toml"],
    ]
    # each file's own section, headed by its path, with its verdict table
    for name in ("right.toml", "wrong.toml", "right2.toml"):
        assert out.count(f"\n## {name}\n") + out.startswith(f"## {name}\n") == 1
    checks = [t for t in markdown_tables(out) if t[0][0] == "quantity"]
    assert len(checks) == 3 and all(len(t) == 1 + N for t in checks)
    wrong_rows = [row for row in checks[1] if row[-1] == "wrong"]
    assert len(wrong_rows) == 1 and wrong_rows[0][1:3] == ["24.0", "23.0"]  # hand, engine


def test_text_names_each_file_and_says_which_was_not_checked(capsys, work):
    code, out, err = cli(capsys, "check", "right.toml", "bad.toml", "wrong.toml")
    assert code == 2
    assert err.startswith("bad.toml: nodes.z") and err.count("\n") == 1
    lines = out.splitlines()
    headings = [line for line in lines if line.startswith("━━ ")]
    assert headings == ["━━ right.toml", "━━ wrong.toml", "━━ 3 files: 2 checked, 1 not (bad input)"]
    rows = lines[lines.index(headings[-1]) + 2:]
    assert rows[0].split() == [str(N), str(N), "0", "0", "exact", "right.toml"]
    assert rows[1].split() == ["—", "—", "—", "—", "not", "checked", "bad.toml"]
    assert rows[2].split() == ["✗", str(N), str(N - 1), "0", "1", "WRONG", "wrong.toml"]
    assert " ".join(rows[3:]).startswith("not checked: bad.toml: nodes.z")


def test_json(capsys, work):
    code, out, err = cli(capsys, "check", "right.toml", "bad.toml", "wrong.toml", "--json")
    assert code == 2
    report = json.loads(out)
    json_validate(report, SCHEMA)
    data = report["data"]
    assert [f["file"] for f in data["files"]] == ["right.toml", "bad.toml", "wrong.toml"]
    right, bad, wrong = data["files"]
    assert bad == {"file": "bad.toml", "error": err.strip()}
    assert right["ok"] and not wrong["ok"]
    assert right["summary"] == {"total": N, "exact": N, "close": 0, "wrong": 0}
    assert wrong["summary"] == {"total": N, "exact": N - 1, "close": 0, "wrong": 1}
    assert [v for v in wrong["verdicts"] if v["verdict"] == "wrong"][0]["engine"] == 23.0
    assert data["summary"] == {"total": 2 * N, "exact": 2 * N - 1, "close": 0, "wrong": 1}
    assert data["not_checked"] == 1 and data["ok"] is False
    parts = [b for b in report["blocks"] if b["type"] == "report"]
    assert [p["title"] for p in parts] == ["right.toml", "wrong.toml",
                                           "3 files: 2 checked, 1 not (bad input)"]


def test_json_of_right_files_is_ok(capsys, work):
    code, out, _ = cli(capsys, "check", "right.toml", "right2.toml", "--format", "json")
    data = json.loads(out)["data"]
    assert code == 0 and data["ok"] is True and data["not_checked"] == 0


class Sections(HTMLParser):
    """Each <section>'s <h1> text."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self._depth = 0
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self._depth += 1
        elif tag == "h1" and self._depth:
            self._in_h1 = True
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag == "section":
            self._depth -= 1
        elif tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.headings[-1] += data


def test_html_has_a_section_per_file(capsys, work):
    code, out, _ = cli(capsys, "check", "right.toml", "wrong.toml", "--format", "html")
    assert code == 1
    parser = Sections()
    parser.feed(out)
    assert parser.headings == ["right.toml", "wrong.toml", "2 files: 2 checked"]


def test_latex_standalone_compiles_with_a_section_per_file(capsys, work, tmp_path):
    code, out, _ = cli(capsys, "check", "right.toml", "wrong.toml", "--format", "latex",
                       "--standalone")
    assert code == 1
    text = pdf_text(pdflatex_compile(out, tmp_path, name="check-files"))
    for heading in ("right.toml", "wrong.toml", "2 files: 2 checked"):
        assert heading in text


def test_standard_input_once_among_files(capsys, work, stdin):
    stdin(WRONG_TEXT.encode("utf-8"))
    code, out, err = cli(capsys, "check", "right.toml", "-", "--format", "markdown")
    assert (code, err) == (1, "")
    assert [row[-2:] for row in closing_table(out)[1:]] == [["exact", "right.toml"],
                                                            ["wrong", "<stdin>"]]


def test_standard_input_twice_is_refused_before_any_work(capsys, work, stdin):
    stdin(RIGHT_TEXT.encode("utf-8"))
    code, out, err = cli(capsys, "check", "-", "right.toml", "-")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("-: standard input is given more than once")


def test_one_file_is_reported_as_before(capsys, work):
    """A single file keeps its report: the example's title first, no closing table."""
    code, out, _ = cli(capsys, "check", "right.toml")
    assert code == 0
    title = tomllib.loads(RIGHT_TEXT)["title"]
    assert out.splitlines()[0] == title
    assert out.rstrip().splitlines()[-1] == f"{N} numbers: {N} exact, 0 close, 0 wrong"
    assert "━━" not in out


def test_help_says_several_files(capsys):
    assert main(["check", "--help"]) == 0
    text = capsys.readouterr().out
    assert "FILE [FILE ...]" in text
    assert "`-` at most once" in text and "still checked" in text


SECTIONS_JS = """() => Array.from(document.querySelectorAll('section')).map(s => ({
  heading: s.querySelector('h1').textContent,
  height: s.getBoundingClientRect().height,
  rows: Array.from(s.querySelectorAll('tr.wrong')).map(r => getComputedStyle(r.cells[0]).color)}))"""


def test_html_page_in_the_browser(capsys, work, chromium_page, tmp_path):
    """Offline, without errors: one visible section per file and the closing one, the wrong
    row of wrong.toml and of the closing table marked (class "wrong")."""
    code, out, _ = cli(capsys, "check", "right.toml", "wrong.toml", "--format", "html")
    assert code == 1
    with chromium_page(out) as visit:
        sections = visit.page.evaluate(SECTIONS_JS)
        shot = Path(tmp_path) / "check-files.png"
        visit.page.screenshot(path=str(shot), full_page=True)
    assert [s["heading"] for s in sections] == ["right.toml", "wrong.toml", "2 files: 2 checked"]
    assert all(s["height"] > 0 for s in sections)
    assert [len(s["rows"]) for s in sections] == [0, 1, 1]
    assert shot.stat().st_size > 0

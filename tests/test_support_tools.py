"""The test tools themselves (tests/support): each accepts what is valid and rejects what is broken.

Each test skips with a reason when its tool is missing, and fails instead
under CHAINRULE_REQUIRE_TOOLS=1 (CI).
"""

import json
from pathlib import Path

import pytest

from support import (
    external_urls,
    json_validate,
    katex_assert_renders,
    katex_html,
    katex_render,
    make_notebook,
    markdown_math,
    markdown_math_spans,
    markdown_tables,
    overlapping_texts,
    pdf_pages_png,
    pdf_text,
    pdflatex_compile,
    require,
    rich_outputs,
    run_notebook,
    screenshot,
)
from support.availability import JS_DIR

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- require ------------------------------------------------------------------

def test_require_skips_with_the_reason_when_a_tool_is_missing(monkeypatch):
    monkeypatch.delenv("CHAINRULE_REQUIRE_TOOLS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="the widget test needs it: no `chainrule-no-such-tool`"):
        require("chainrule-no-such-tool", "the widget test needs it")


def test_require_fails_instead_under_chainrule_require_tools(monkeypatch):
    monkeypatch.setenv("CHAINRULE_REQUIRE_TOOLS", "1")
    try:
        require("chainrule-no-such-tool", "the widget test needs it")
    except pytest.skip.Exception:
        pytest.fail("require() skipped under CHAINRULE_REQUIRE_TOOLS=1")
    except pytest.fail.Exception as failure:
        assert "the widget test needs it: no `chainrule-no-such-tool`" in str(failure)
    else:
        pytest.fail("require() let a missing tool through")


def test_require_lets_a_present_tool_through(monkeypatch):
    monkeypatch.setenv("CHAINRULE_REQUIRE_TOOLS", "1")
    assert require("sh", "a shell is always there") is None


# --- KaTeX --------------------------------------------------------------------

def test_katex_accepts_a_gradient_and_rejects_broken_latex():
    errors = katex_render([r"\frac{\partial L}{\partial w_{1}} = 0.0822", r"\frac{a", r"\foo"])
    assert errors[0] is None
    assert "expected '}'" in errors[1]
    assert r"Undefined control sequence: \foo" in errors[2]


def test_katex_inline_mode_and_align_in_display_mode():
    align = r"\begin{align*} \delta_{o1} &= -(y - \hat{y}) \\ &= -0.1385 \end{align*}"
    assert katex_render([r"w_{13} \leftarrow w_{13} - \eta \cdot 0.5"], display=False) == [None]
    assert katex_render([align], display=True) == [None]
    assert katex_render([align], display=False)[0] is not None  # align* is display math only


def test_katex_strict_mode_rejects_what_latex_would_refuse():
    # a % comment that swallows the closing $ is fine for KaTeX's parser, fatal for LaTeX
    (error,) = katex_render([r"x % the rest"])
    assert "commentAtEnd" in error


def test_katex_ascii_only_rejects_unicode_math_that_pdflatex_refuses():
    assert katex_render(["θ_6 = 0.5"]) == [None]
    (error,) = katex_render(["θ_6 = 0.5"], ascii_only=True)
    assert "U+03B8" in error
    assert katex_render([r"\theta_{6} = 0.5"], ascii_only=True) == [None]


def test_katex_assert_renders_names_each_bad_expression():
    with pytest.raises(AssertionError, match=r"(?s)1 of 2 .*'\\\\foo'"):
        katex_assert_renders([r"a_{h1}", r"\foo"])


def test_katex_html_gives_mathml():
    markup = katex_html(r"\hat{y}", output="mathml")
    assert markup.startswith('<span class="katex"><math')
    assert "<mover" in markup and "^" in markup  # \hat is an accent over y
    with pytest.raises(AssertionError, match="Undefined control sequence"):
        katex_html(r"\foo")


def test_the_npm_lock_pins_katex_and_downloads_from_the_registry_only():
    package = json.loads((JS_DIR / "package.json").read_text())
    lock = json.loads((JS_DIR / "package-lock.json").read_text())
    pinned = package["dependencies"]["katex"]
    assert lock["packages"]["node_modules/katex"]["version"] == pinned
    for name, entry in lock["packages"].items():
        if name:
            assert entry.get("integrity", "").startswith("sha512-"), name
            assert entry.get("resolved", "https://registry.npmjs.org/").startswith(
                "https://registry.npmjs.org/"), name


# --- Markdown -----------------------------------------------------------------

TABLE = r"""Gradients of the output layer:

| name | hand | engine | verdict |
|:-----|-----:|-------:|:-------:|
| $w_{5}$ | 0.0822 | **0.082167** | close |
| `b2` | 0.1385 | 0.138499 | a \| b |

Then $\delta_{o1} = -0.1385$, but $5 and $6 are dollars.

$$
\frac{\partial L}{\partial w_{5}} = \delta_{o1} \cdot a_{h1}
$$
"""


def test_markdown_tables_give_rows_of_cell_texts():
    assert markdown_tables(TABLE) == [[
        ["name", "hand", "engine", "verdict"],
        ["$w_{5}$", "0.0822", "0.082167", "close"],
        ["b2", "0.1385", "0.138499", "a | b"],
    ]]


def test_markdown_tables_reject_a_row_with_a_stray_pipe():
    broken = "| name | value |\n|---|---|\n| $|x|$ | 1 |\n"
    with pytest.raises(AssertionError, match="line 3 has 4 cells, its header 2"):
        markdown_tables(broken)
    assert markdown_tables(broken, check_columns=False)[0][1] == ["$", "x"]  # what a parser quietly does


def test_markdown_text_without_a_table_has_none():
    assert markdown_tables("| not a table\n\njust text\n") == []


def test_markdown_math_finds_inline_and_display_math_only():
    assert markdown_math_spans(TABLE) == [
        ("w_{5}", False),
        (r"\delta_{o1} = -0.1385", False),
        (r"\frac{\partial L}{\partial w_{5}} = \delta_{o1} \cdot a_{h1}", True),
    ]
    # not math: spaces inside the dollars, digits next to them (pandoc's rule)
    assert markdown_math("no math: $ 5 $ and a$b, from $5 to$6") == []


# --- pdflatex -----------------------------------------------------------------

DOCUMENT = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{booktabs}
\begin{document}
\begin{tabular}{lr}
\toprule
name & gradient \\
\midrule
$w_{5}$ & 0.0822 \\
\bottomrule
\end{tabular}
\begin{align*}
\frac{\partial L}{\partial w_{5}} &= \delta_{o1} \cdot a_{h1} = 0.0822
\end{align*}
\end{document}
"""


def test_pdflatex_compiles_a_booktabs_and_amsmath_document(tmp_path):
    pdf = pdflatex_compile(DOCUMENT, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdf)
    assert text.count("0.0822") == 2
    assert "gradient" in text
    (page,) = pdf_pages_png(pdf, tmp_path)
    assert page.read_bytes().startswith(PNG_SIGNATURE)


def test_pdflatex_failure_gives_the_logs_error(tmp_path):
    broken = DOCUMENT.replace(r"\midrule", r"\midrul")
    with pytest.raises(AssertionError, match=r"(?s)Undefined control sequence.*l\.\d+.*\\midrul"):
        pdflatex_compile(broken, tmp_path)


def test_pdflatex_does_not_wait_for_input_on_a_missing_end(tmp_path):
    with pytest.raises(AssertionError, match="pdflatex failed"):
        pdflatex_compile(DOCUMENT.replace(r"\end{document}", ""), tmp_path)


# --- Chromium -----------------------------------------------------------------

BUTTON_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>
<button id="go" onclick="document.getElementById('out').textContent = (0.5 * 0.1644).toFixed(4)">go</button>
<p id="out">not yet</p></body></html>"""


def test_chromium_clicks_a_button_and_reads_the_dom(chromium_page, tmp_path):
    with chromium_page(BUTTON_PAGE) as visit:
        page = visit.page
        assert page.text_content("#out") == "not yet"
        page.click("#go")
        assert page.text_content("#out") == "0.0822"
        shot = screenshot(page, tmp_path / "button.png")
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    assert visit.requests == [visit.url] and visit.problems() == []


def test_chromium_reports_an_external_request(chromium_page):
    html = '<!doctype html><html><body><img src="http://example.com/x.png"></body></html>'
    with chromium_page(html, check=False) as visit:
        pass
    assert visit.external == ["http://example.com/x.png"]
    with pytest.raises(AssertionError, match=r"network request to http://example\.com/x\.png"):
        with chromium_page(html):
            pass


def test_chromium_reports_console_and_page_errors(chromium_page):
    html = "<!doctype html><html><body><script>console.error('bad'); undefinedFunction();</script></body></html>"
    with pytest.raises(AssertionError, match=r"console error: bad; page error: .*undefinedFunction"):
        with chromium_page(html):
            pass


def test_chromium_opens_a_file_and_a_data_url_is_local(chromium_page, tmp_path):
    path = tmp_path / "report.html"
    path.write_text('<!doctype html><html><body><img src="data:image/gif;base64,'
                    'R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="><p>ok</p></body></html>')
    with chromium_page(path) as visit:
        assert visit.page.text_content("p") == "ok"
    assert visit.external == []


def test_external_urls_finds_every_kind_of_reference():
    page = """<!doctype html><html><head>
<link rel="stylesheet" href="https://cdn.example/katex.css">
<style>@import "//fonts.example/f.css"; .a { background: url('http://img.example/a.png') }</style>
<script src="app.js"></script></head><body>
<a href="https://github.com/x">repo</a> <a href="#top">top</a>
<img srcset="local.png 1x, https://img.example/b.png 2x" src="data:image/png;base64,AAAA">
<div style="background-image: url(HTTP://img.example/c.png)"></div>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<image xlink:href="file:///tmp/d.png"/></svg></body></html>"""
    assert external_urls(page) == [
        "https://cdn.example/katex.css", "//fonts.example/f.css", "http://img.example/a.png",
        "https://github.com/x", "https://img.example/b.png", "HTTP://img.example/c.png",
    ]
    assert external_urls(BUTTON_PAGE) == []


SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100">
<text x="10" y="30" font-size="20">w1</text><text x="15" y="35" font-size="20">w2</text>
<text x="200" y="80" font-size="20">loss</text></svg>"""


def test_svg_text_boxes_find_the_overlapping_labels(svg_in_browser):
    boxes = svg_in_browser(SVG)
    assert [box.text for box in boxes] == ["w1", "w2", "loss"]
    assert all(box.width > 0 and box.height > 0 for box in boxes)
    assert [(a.text, b.text) for a, b in overlapping_texts(boxes)] == [("w1", "w2")]


# --- JSON Schema --------------------------------------------------------------

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["schema", "verdicts"],
    "properties": {
        "schema": {"const": 1},
        "verdicts": {"type": "array", "items": {
            "type": "object", "required": ["name", "engine"],
            "properties": {"name": {"type": "string"}, "engine": {"type": "number"},
                           "verdict": {"enum": ["exact", "close", "wrong"]}}}},
    },
}


def test_json_validate_accepts_a_valid_instance():
    json_validate({"schema": 1, "verdicts": [{"name": "w5", "engine": 0.0821, "verdict": "close"}]}, SCHEMA)


def test_json_validate_names_every_wrong_place():
    wrong = {"schema": 2, "verdicts": [{"name": "w5", "engine": "0.0821", "verdict": "maybe"}]}
    with pytest.raises(AssertionError, match="3 place") as caught:
        json_validate(wrong, SCHEMA)
    message = str(caught.value)
    assert "$.schema" in message and "$.verdicts[0].engine" in message and "$.verdicts[0].verdict" in message


def test_json_validate_rejects_an_invalid_schema():
    with pytest.raises(AssertionError, match="schema itself is invalid"):
        json_validate({}, {"type": "no-such-type"})


# --- Jupyter ------------------------------------------------------------------

def test_a_notebook_runs_and_shows_rich_output():
    notebook = run_notebook(make_notebook(
        'from IPython.display import HTML, Math\nHTML("<b>x</b>")',
        "display(Math(r'\\hat{y}')); 6 * 7",
    ))
    first, second = notebook.cells
    assert [bundle.get("text/html") for bundle in rich_outputs(first)] == ["<b>x</b>"]
    latex, answer = rich_outputs(second)
    assert latex["text/latex"] == r"$\displaystyle \hat{y}$"
    assert answer["text/plain"] == "42"


def test_a_failing_notebook_cell_fails_the_run():
    from nbclient.exceptions import CellExecutionError

    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        run_notebook(make_notebook("1 / 0"))


def test_the_kernel_is_gone_when_the_run_ends():
    notebook = run_notebook(make_notebook("import os; print(os.getpid())"))
    pid = int(notebook.cells[0].outputs[0]["text"])
    assert not Path(f"/proc/{pid}").exists(), f"kernel {pid} still running"


def test_a_notebook_file_runs_in_its_folder(tmp_path):
    import nbformat

    (tmp_path / "data.txt").write_text("0.0822")
    path = tmp_path / "check.ipynb"
    nbformat.write(make_notebook("print(open('data.txt').read())"), str(path))
    (cell,) = run_notebook(path).cells
    assert cell.outputs[0]["text"] == "0.0822\n"

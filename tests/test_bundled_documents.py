"""The four documents in their bundled files: the counts from my reading of them,
the steps against floats, and every new thing (local, step, arithmetic, hints) in
every output format (JSON against its schema, Markdown tables parsed, LaTeX
compiled, KaTeX rendering the formulas, HTML in headless Chromium)."""

import json
import math
from pathlib import Path

import pytest
from support import (
    json_validate,
    katex_assert_renders,
    markdown_tables,
    pdf_text,
    pdflatex_compile,
    screenshot,
)

from viz.cli import main
from viz.handcheck.verdicts import check, summary
from viz.report.json_writer import SCHEMA
from viz.worked import bundled_examples, load

SHOTS = Path("/tmp/expect-shots")


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def bundled(prefix):
    (path,) = [p for p in bundled_examples() if p.stem.startswith(prefix)]
    return load(path)


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# (kind -> (exact, close, wrong)) per file, counted from the documents by hand:
COUNTS = {
    # 8 values (a5, z6, a6, o6 garbled), 4 deltas (δ5, δ4 = 0.095, δ5 = 0.00653 garbled),
    # 2 steps (Δω16 = 0.046 read as Δw46; Δω35 with its sign dropped), 3 updates (w35,
    # "w16" wrong), 12 arithmetic lines (σ(0.1) = 0.325, σ(−0.206) = 0.194, 1 − 0.414 = 0.526,
    # δ6, δ5 and δ4's lines wrong; Δω16, ω16_new, Δω35, ω35_new, b6_new and a4 right)
    "seed000": {"value": (4, 0, 4), "delta": (1, 0, 3), "step": (0, 0, 2),
                "updated": (1, 0, 2), "arithmetic": (6, 0, 6)},
    # 8 values right; 15 local derivatives (0.2407 close); 14 grads (0.00135 close);
    # 8 updates from rounded gradients (five close); 2 steps (0.0693 close); 44 lines
    # (0.0555 · 0.2413 · 0.10, 0.0134 · 0.10 and both lines of 0.2407 wrong)
    "seed001": {"value": (8, 0, 0), "local": (14, 1, 0), "grad": (13, 1, 0),
                "updated": (3, 5, 0), "step": (1, 1, 0), "arithmetic": (40, 0, 4)},
    # the hand step and the log: all right but 0.3558 · 0.2292 · 0.5622 = −0.0459 (−0.04585)
    "seed002": {"value": (6, 0, 0), "local": (5, 0, 0), "grad": (3, 0, 0), "updated": (2, 0, 0),
                "step": (2, 0, 0), "arithmetic": (17, 0, 1), "epoch": (11, 0, 0)},
    # z6 = 30.313 from the rounded activations: close; its own line exact
    "seed003_2": {"value": (7, 1, 0), "arithmetic": (8, 0, 0)},
    "seed003_3": {"value": (7, 0, 0), "grad": (32, 0, 0), "updated": (26, 0, 0)},
}


@pytest.mark.parametrize("prefix", sorted(COUNTS))
def test_the_counts_from_reading_the_documents(prefix):
    verdicts = check(bundled(prefix))
    got: dict[str, list[int]] = {}
    for v in verdicts:
        got.setdefault(v.kind, [0, 0, 0])[("exact", "close", "wrong").index(v.verdict)] += 1
    assert {k: tuple(c) for k, c in got.items()} == COUNTS[prefix]
    totals = summary(verdicts)
    assert totals["exact"] == sum(c[0] for c in COUNTS[prefix].values())
    assert totals["wrong"] == sum(c[2] for c in COUNTS[prefix].values())


def test_the_steps_against_floats():
    # seed 000, δ convention: Δw46 = η δ6 a4, Δw35 = η δ5 x3
    a4, a5 = sig(-0.7), sig(0.1)
    o = sig(-0.3 * a4 - 0.2 * a5 + 0.1)
    d6 = o * (1 - o) * (1 - o)
    d5 = a5 * (1 - a5) * -0.2 * d6
    v = {x.name: x for x in check(bundled("seed000")) if x.kind == "step"}
    assert v["w46"].engine == pytest.approx(0.9 * d6 * a4, rel=1e-12)
    assert v["w35"].engine == pytest.approx(0.9 * d5 * 1, rel=1e-12)
    assert round(0.9 * d6 * a4, 4) == 0.0392  # the document's 0.046 is not it
    assert v["w46"].hint is None and v["w35"].hint == "sign"  # −0.00589: its sign dropped
    # seed 001: the bias steps
    h1, h2 = sig(0.05 * 0.15 + 0.10 * 0.20 + 0.35), sig(0.05 * 0.25 + 0.10 * 0.30 + 0.35)
    y = sig(h1 * 0.40 + h2 * 0.45 + 0.60)
    dz = (y - 0.01) * y * (1 - y)
    db1 = dz * 0.40 * h1 * (1 - h1) + dz * 0.45 * h2 * (1 - h2)
    v = {x.name: x for x in check(bundled("seed001")) if x.kind == "step"}
    assert v["b1"].engine == pytest.approx(-0.5 * db1, rel=1e-12)
    assert v["b2"].engine == pytest.approx(-0.5 * dz, rel=1e-12)
    assert v["b2"].verdict == "close" and v["b2"].hint == "rounded operands"  # 0.5·0.1385
    # seed 002: the steps of w2 and w1
    a_h = sig(0.3 * 0.5 + 0.1)
    a_o = sig(0.7 * a_h + 0.2)
    d_zo = -(1.0 - a_o) * a_o * (1 - a_o)
    v = {x.name: x for x in check(bundled("seed002")) if x.kind == "step"}
    assert v["w2"].engine == pytest.approx(-0.5 * d_zo * a_h, rel=1e-12)
    assert v["w1"].engine == pytest.approx(-0.5 * d_zo * 0.7 * a_h * (1 - a_h) * 0.5, rel=1e-12)


def test_the_issue_findings():
    """seed 001's 0.2407, 0.00135 and copied 0.0555; seed 000's δ6 operands and Δω16."""
    s1 = {v.quantity: v for v in check(bundled("seed001"))}
    assert (s1["local a_h2/z_h2"].verdict, s1["local a_h2/z_h2"].hint) == ("close", "arithmetic")
    assert (s1["grad w2"].verdict, s1["grad w2"].hint) == ("close", "arithmetic")
    assert s1["arithmetic 0.0134 * 0.10"].verdict == "wrong"
    assert s1["arithmetic 0.0555 * 0.2413 * 0.10"].verdict == "wrong"
    s0 = {v.quantity: v for v in check(bundled("seed000"))}
    d6 = s0["arithmetic 0.414 * (1 - 0.414) * (1 - 0.414)"]
    assert (d6.verdict, d6.hint) == ("wrong", "rounded operands")
    assert s0["step w46"].verdict == "wrong" and s0["arithmetic 0.9 * 0.131 * 0.392"].verdict == "exact"


# --- every format -------------------------------------------------------------------------------


def test_json_has_the_hints_and_fits_the_schema(capsys):
    for prefix in ("seed000", "seed001", "seed002"):
        code, out, _ = run_cli(capsys, "check", prefix, "--format", "json")
        obj = json.loads(out)
        json_validate(obj, SCHEMA)
        records = obj["data"]["verdicts"]
        assert all("hint" in r for r in records)
        truth = {v.quantity: v.hint for v in check(bundled(prefix))}
        assert {r["quantity"]: r["hint"] for r in records} == truth
    code, out, _ = run_cli(capsys, "check", "seed000", "--format", "json")
    by = {r["quantity"]: r for r in json.loads(out)["data"]["verdicts"]}
    assert by["delta i5"]["hint"] == "sign"
    assert by["arithmetic 1 - 0.414"]["engine_operands"] == pytest.approx(1 - sig(
        -0.3 * sig(-0.7) - 0.2 * sig(0.1) + 0.1), rel=1e-12)


def test_markdown_tables_parse_with_the_hint_column(capsys):
    code, out, _ = run_cli(capsys, "check", "seed001", "--format", "markdown")
    tables = markdown_tables(out)  # every row has its header's number of cells
    main_table, lines = tables
    assert main_table[0] == ["quantity", "hand", "engine", "engine-hand", "rel", "hint", "verdict"]
    hints = {row[0]: row[5] for row in main_table[1:]}
    assert hints[r"$\text{grad }w_{2}$"] == "arithmetic"
    assert hints[r"$\partial a_{h2}/\partial z_{h2}$"] == "arithmetic"
    assert lines[0] == ["printed", "result", "hint", "verdict", "arithmetic"]
    assert len(lines) == 1 + 44
    assert ["0.00135", "0.00134", "arithmetic", "wrong", r"$0.0134\cdot 0.10$"] in lines
    assert "> arithmetic: the printed result does not follow" in out
    # no hint anywhere, no hint column
    code, out, _ = run_cli(capsys, "check", "seed003_3", "--format", "markdown")
    assert "hint" not in markdown_tables(out)[0][0]


def test_the_formulas_render_in_katex(capsys):
    code, out, _ = run_cli(capsys, "check", "seed000", "--format", "json")
    obj = json.loads(out)
    latex = [c["math"]["latex"] for b in obj["blocks"] if b["type"] == "table"
             for row in b["rows"] for c in row if "math" in c]
    assert any(r"\exp(-(-0.206))" in x for x in latex)
    katex_assert_renders(latex, display=False)
    code, out, _ = run_cli(capsys, "check", "seed001", "--format", "json")
    obj = json.loads(out)
    latex = [c["math"]["latex"] for b in obj["blocks"] if b["type"] == "table"
             for row in b["rows"] for c in row if "math" in c]
    assert r"\partial a_{h2}/\partial z_{h2}" in latex
    katex_assert_renders(latex, display=False)


def test_latex_compiles_with_the_hints(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "check", "seed000", "--format", "latex", "--standalone")
    pdf = pdflatex_compile(out, tmp_path)
    text = " ".join(pdf_text(pdf).split())
    assert "rounded operands" in text and "sign" in text and "arithmetic" in text
    code, out, _ = run_cli(capsys, "run", "seed000", "--no-graphs", "--format", "latex",
                           "--standalone")
    text = " ".join(pdf_text(pdflatex_compile(out, tmp_path, name="run")).split())
    # the update in the document's convention (pdftotext writes Δ as U+2206)
    assert "Update with η = 0.9: ∆w = η δ a, w ← w + ∆w" in text.replace("Δ", "∆")


def test_html_shows_the_hint_column(capsys, chromium_page):
    code, out, _ = run_cli(capsys, "check", "seed001", "--format", "html")
    with chromium_page(out) as visit:
        page = visit.page
        heads = page.eval_on_selector_all("table:first-of-type th", "els => els.map(e => e.textContent)")
        assert "hint" in heads
        cells = page.eval_on_selector_all("table td", "els => els.map(e => e.textContent)")
        assert "arithmetic" in cells and "rounded" in cells
        SHOTS.mkdir(parents=True, exist_ok=True)
        screenshot(page, SHOTS / "check-seed001.png")
    code, out, _ = run_cli(capsys, "run", "seed000", "--no-graphs", "--format", "html")
    with chromium_page(out, name="run.html") as visit:
        heads = visit.page.eval_on_selector_all("th", "els => els.map(e => e.textContent)")
        assert "Δ" in heads and "δ·a" in heads
        screenshot(visit.page, SHOTS / "run-seed000.png")

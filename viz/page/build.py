"""The interactive page as one HTML file: its parts, the drawings, the data, the script.

Nothing is fetched: the style sheet (``page.css``), the scripts (``judge.js``,
``page.js``) and both drawings (inline SVG) are written into the page, the
derivations are MathML, and the data is JSON in a ``<script
type="application/json">`` element.  Stable hooks for tests and embedding:
``data-action`` (next, prev, reset, play), ``data-step``, ``data-hand`` and
``data-verdict`` (KIND.NAME), ``data-copy`` (latex, markdown, svg),
``data-node`` on each drawn node (its DOT id).
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from typing import Any

from ..report import html as html_writer
from ..safe import visible

VIEW_TITLES = {"operations": "operation view", "neurons": "neuron view"}
_NODE_GROUP = re.compile(r'<g id="([^"]+)" class="node">(\s*<title>)([^<]*)(</title>)')
_ID = re.compile(r'\b(id="|href="#|url\(#)')


def asset(name: str) -> str:
    """A file of this package (the page's script and style), as text."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def e(text: str) -> str:
    return html.escape(visible(text), quote=True)


def svg_for_page(svg: str, prefix: str, names: dict[str, str]) -> str:
    """An SVG drawing ready to sit in the page beside another: its ids prefixed
    (two drawings share Graphviz's ``node1``, ``edge1``), each node group
    marked ``data-node`` with its DOT id and made focusable, named for readers."""
    body = html_writer.svg_inline(svg)
    body = _ID.sub(lambda m: m.group(1) + prefix + "-", body)

    def mark(m: re.Match) -> str:
        dot_id = html.unescape(m.group(3))
        label = names.get(dot_id)
        extra = f' tabindex="0" role="button" aria-label="{e(label)}"' if label else ""
        return (f'<g id="{m.group(1)}" class="node" data-node="{e(dot_id)}"{extra}>'
                f"{m.group(2)}{m.group(3)}{m.group(4)}")

    return _NODE_GROUP.sub(mark, body)


def _json_script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return text.replace("</", "<\\/")  # nothing in the data can close the element


def hand_rows(checks: list[dict]) -> str:
    rows = []
    for k, c in enumerate(checks):
        key = e(c["key"])
        rows.append(
            f'<tr data-row="{key}"><th scope="row"><label for="hand-{k}">{e(c["quantity"])}'
            f'</label></th><td><input id="hand-{k}" type="text" inputmode="decimal" '
            f'autocomplete="off" spellcheck="false" data-hand="{key}" value="{e(c["hand"])}" '
            f'aria-describedby="verdict-{k}"></td>'
            f'<td id="verdict-{k}" class="verdict" data-verdict="{key}" aria-live="polite"></td>'
            f'<td class="engine"><span hidden data-engine="{key}">{e(c["engine_shown"])}</span>'
            f"</td></tr>")
    return "\n".join(rows)


def page_html(data: dict, svgs: dict[str, str | None], notes: dict[str, str]) -> str:
    """The complete page: ``svgs`` maps a view to its drawing (None: not drawn, and
    ``notes`` says why)."""
    title = data["title"] or "chainrule"
    views = []
    switches = []
    first = next((v for v in VIEW_TITLES if svgs.get(v)), "operations")
    for view, name in VIEW_TITLES.items():
        svg = svgs.get(view)
        pressed = "true" if view == first else "false"
        disabled = "" if svg else " disabled"
        why = f' title="{e(notes.get(view, ""))}"' if not svg else ""
        switches.append(f'<button type="button" data-view="{view}" aria-pressed="{pressed}"'
                        f"{disabled}{why}>{name}</button>")
        hidden = "" if view == first else " hidden"
        inner = svg if svg else f'<p class="note">{e(notes.get(view, "not drawn"))}</p>'
        views.append(f'<div class="drawing" data-view-panel="{view}"{hidden}>{inner}</div>')
    missing = "".join(f'<p class="note">{name}: not drawn ({e(notes.get(view, ""))})</p>'
                      for view, name in VIEW_TITLES.items() if not svgs.get(view))
    hand = hand_rows(data["checks"])
    checks_part = (
        '<table class="hand"><thead><tr><th scope="col">quantity</th>'
        '<th scope="col">your number</th><th scope="col">verdict</th>'
        '<th scope="col">engine</th></tr></thead>'
        f"<tbody>\n{hand}\n</tbody></table>"
        if data["checks"] else '<p class="note">The file expects no numbers.</p>')
    source = f'<p class="sub">{e(data["source"])}</p>' if data["source"] else ""
    options = "".join(f'<option value="{k}">{e(n["name"])}</option>'
                      for k, n in enumerate(data["nodes"]))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{html_writer.STYLE}</style>
<style>{asset("page.css")}</style>
</head>
<body>
<main class="chainrule-page">
<header><h1>{e(title)}</h1>{source}</header>
<div class="columns">
<section class="graph" aria-label="the network">
<div class="switch" role="group" aria-label="drawing">{"".join(switches)}</div>
{missing}{"".join(views)}
<p class="keys">Click a node (or Tab to it and press Enter) for its derivation.</p>
</section>
<section class="stepper" aria-label="step through the computation">
<h2>Step by step</h2>
<div class="buttons" role="toolbar" aria-label="steps">
<button type="button" data-action="reset" title="first step (Home)">reset</button>
<button type="button" data-action="prev" title="previous step (←)">◀ prev</button>
<button type="button" data-action="next" title="next step (→)">next ▶</button>
<button type="button" data-action="play" aria-pressed="false" title="play or pause (P)">▶ play</button>
</div>
<div class="progress"><span id="step-count"></span></div>
<div id="step" class="step" data-step="0" aria-live="polite"></div>
<p class="keys">Keys: → next, ← previous, Home reset, P play/pause.</p>
</section>
</div>
<section class="explain" aria-label="derivation">
<h2>Derivation <span id="derivation-title"></span></h2>
<label>node <select id="node-select">{options}</select></label>
<div id="derivation" class="chainrule-report"></div>
<div class="buttons copy">
<button type="button" data-copy="latex">copy LaTeX</button>
<button type="button" data-copy="markdown">copy Markdown</button>
<button type="button" data-copy="svg">copy SVG</button>
<span id="copy-status" aria-live="polite"></span>
</div>
<textarea id="copy-out" readonly rows="4" aria-label="copied text" hidden></textarea>
</section>
<section class="yours" aria-label="your numbers">
<h2>Your numbers</h2>
<p class="keys">Type a number: exact (✓), close (≈, within {e(data["rtol"])} relative) or
wrong (✗), with the rules of <code>chainrule check</code>. The file's own numbers are filled in.
<label><input type="checkbox" id="show-engine"> show the engine's values</label></p>
{checks_part}
</section>
</main>
<script type="application/json" id="chainrule-data">{_json_script(data)}</script>
<script>{asset("judge.js")}</script>
<script>{asset("page.js")}</script>
</body>
</html>
"""

"""A chain-rule derivation as a report: every path, factor, product and sum.

The same derivation ``viz.handcheck.derive`` computes, written as report blocks: the
text writer prints it as the terminal always has; Markdown and LaTeX get
``aligned`` equations with the documents' symbols.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..handcheck import derive as dm
from ..handcheck.derive import Derivation, Factor, HandPoint, label, num
from ..report import (
    Blank, Cell, Column, Equations, Heading, Line, Note, Paragraph, Report, Table,
)
from ..report.model import Inline
from ..report.mathtext import (
    MINUS, Math, formula, join, math_name, number, partial, raw, words,
)

WIDTH = 80


def _name(v, fallback: str) -> Math:
    return math_name(label(v, fallback))


def d(root, v) -> Math:
    """∂root/∂v."""
    return partial(_name(root, "L"), _name(v, "x"))


def _value(x: float, digits: int) -> Math:
    return number(dm.fmt(x, digits))


def _operand(x: float, digits: int) -> Math:
    m = _value(x, digits)
    return Math(f"({m.text})", f"({m.latex})") if m.text.startswith(MINUS) else m


def _approx(x: float, digits: int) -> tuple[str, Math]:
    return ("=" if dm.is_exact(x, digits) else "≈"), _value(x, digits)


def factor_line(f: Factor, digits: int) -> Line:
    """∂a_out/∂z_out = a_out·(1 − a_out) = 0.7514·(1 − 0.7514) ≈ 0.1868."""
    lhs = partial(_name(f.upper, "L"), _name(f.lower, "x"))
    value = num(f.value, digits)
    steps: list[tuple[str, Math]] = []
    optional: tuple[int, ...] = ()
    forms = f.symbolic(digits)
    if forms is not None:
        names, numbers = forms
        if names != value:
            steps.append(("=", formula(names)))
            if numbers not in (names, value):
                steps.append(("=", formula(numbers)))
                optional = (1,)
    steps.append(_approx(f.value, digits))
    return Line(lhs, steps, optional=optional)


def _path_title(p: dm.Path) -> str:
    return " → ".join(label(s, "L") for s in p.stations)


def _hand_text(p: HandPoint, digits: int) -> str:
    return dm.minus(getattr(p.hand, "text", None) or dm.fmt(p.hand.value, digits))


def _point_name(dv: Derivation, p: HandPoint) -> Math:
    return d(dv.root, p.named) if p.kind == "grad" else \
        raw("δ ", "\\delta ") + _name(p.named, "?")


def _pointer(dv: Derivation, points: Sequence[HandPoint], first: HandPoint,
             digits: int) -> list:
    """Where the first wrong hand value comes from: the steps between it and the
    nearest hand value above it that agrees (or the loss)."""
    blocks: list = [Blank()]
    pieces: list = ["The first hand value that disagrees, from the loss down, is ",
                    _point_name(dv, first),
                    f" (hand {_hand_text(first, digits)}, engine {num(first.engine, digits)})."]
    order = {s: k for k, s in enumerate(dv.stations)}
    good = [p for p in points if p.verdict != "wrong" and p.station is not first.station
            and dv.chain(p.station, first.station) is not None]
    good.sort(key=lambda p: order[p.station])
    upper = good[-1].station if good else dv.root
    steps = dv.chain(upper, first.station) or []
    if good:
        pieces += [" The hand value above it, ", _point_name(dv, good[-1]),
                   ", agrees, so the slip is in the step"
                   + ("s" if len(steps) != 1 else "") + " between them:"]
    else:
        pieces += [" No hand value above it agrees or is given, so check every step from "
                   f"{label(dv.root, 'L')} down to it:"]
    blocks.append(Note(pieces, kind="hint"))
    if steps:
        blocks.append(Equations([factor_line(f, digits) for f in steps], indent=4))
    below = [p for p in points if order[p.station] > order[first.station]
             and dv.chain(first.station, p.station) is not None]
    if below:
        wrong = [_point_name(dv, p) for p in below if p.verdict == "wrong"]
        if wrong:
            pieces = [f"The wrong hand value{'s' if len(wrong) > 1 else ''} below it ("]
            for k, w in enumerate(wrong):
                pieces += ([", "] if k else []) + [w]
            pieces.append(") may only carry this slip down.")
            blocks.append(Note(pieces))
        else:
            blocks.append(Note(["The hand values below it agree again."]))
    return blocks


def derivation_blocks(dv: Derivation, digits: int = dm.DEFAULT_DIGITS,
                      points: Sequence[HandPoint] = (),
                      engine_grad: float | None = None) -> list:
    """The derivation of ∂root/∂target as report blocks."""
    root, target = dv.root, dv.target
    name_r, name_t = label(root, "L"), label(target, "x")
    whole = d(root, target)
    out: list = []
    if target is root:
        return [Paragraph([whole, " = 1: the loss itself, where the backward pass starts."])]
    if dv.n_paths == 0:
        return [Paragraph([f"{name_r} does not depend on {name_t}: no path leads from "
                           f"{name_r} down to {name_t}, so ", whole, " = 0."])]
    n = dv.n_paths
    if dv.paths is not None:
        if n == 1:
            out.append(Paragraph([whole, f" by the chain rule: 1 path from {name_r} down to "
                                         f"{name_t}."]))
        else:
            out.append(Paragraph([whole, f" by the chain rule: {n} paths lead from {name_r} "
                                         f"down to {name_t}, so the gradient is the sum of "
                                         f"the {n} path products."]))
        for k, p in enumerate(dv.paths, 1):
            out.append(Blank())
            title = f"Path {k}: " if n > 1 else ""
            out.append(Paragraph([title + _path_title(p)], hang=4))
            chain = [partial(_name(f.upper, "L"), _name(f.lower, "x")) for f in p.factors]
            lhs = whole if n == 1 else whole + words(f" (path {k})")
            if len(chain) > 1:
                from ..report.mathtext import join

                out.append(Equations([Line(lhs, [("=", join(chain, " · "))], terms=chain)],
                                     align=False))
            out.append(Equations([factor_line(f, digits) for f in p.factors], indent=4))
            if len(p.factors) > 1:
                from ..report.mathtext import join

                nums = [_operand(f.value, digits) for f in p.factors]
                word = words("product") if n > 1 else whole
                out.append(Equations([Line(word, [("=", join(nums, " · ")),
                                                  _approx(p.product, digits)], terms=nums)],
                                     align=False))
        if n > 1:
            from ..report.mathtext import join

            out.append(Blank())
            out.append(Paragraph([f"Sum over the {n} paths:"]))
            nums = [_operand(p.product, digits) for p in dv.paths]
            out.append(Equations([Line(whole, [("=", join(nums, " + ")),
                                               _approx(dv.gradient, digits)],
                                       terms=nums, op=" + ")], align=False))
    else:
        out.append(Paragraph([
            whole, f": {n} paths lead from {name_r} down to {name_t}, more than the limit "
            f"of {dv.max_paths}, so instead of every path here is the backpropagated δ = ",
            partial(_name(root, "L"), raw("node", "\\mathrm{node}")),
            " of each node on the way, from the loss down; each is the sum, over the nodes "
            "just above it, of their δ times the local derivative."]))
        out.append(Blank())
        out += _delta_lines(dv, digits)

    if engine_grad is not None:
        diff = abs(dv.gradient - engine_grad)
        agree = diff <= 1e-9 * max(1.0, abs(engine_grad))
        out.append(Blank())
        tail = " (the same)." if agree else \
            f", not the same (difference {dm.minus(f'{diff:.3g}')})."
        out.append(Note(["The engine's backward pass gives ", whole, " = ",
                         _value(engine_grad, digits), tail],
                        kind="ok" if agree else "wrong"))
    if points:
        out.append(Blank())
        out.append(Paragraph(["Hand values along the chain, from the loss down:"]))
        rows = []
        for point in points:
            what = d(root, point.named) if point.kind == "grad" else \
                raw("δ ", "\\delta ") + _name(point.named, "?") + raw(" = −", " = -") \
                + d(root, point.named)
            rows.append([Cell(what.text, math=what),
                         Cell(_hand_text(point, digits), point.hand.value),
                         Cell(num(point.engine, digits), point.engine), Cell(point.verdict)])
        out.append(Table([Column("", "math"), Column("hand", "number"),
                          Column("engine", "number"), Column("verdict", "verdict")], rows))
        first = dm.first_disagreement(points)
        if first is not None:
            out += _pointer(dv, points, first, digits)
    return out


def _delta_lines(dv: Derivation, digits: int) -> list:
    """δ = ∂root/∂station for each station, from the loss down."""
    from ..report.mathtext import join

    root = dv.root
    blocks: list = []
    for s in dv.stations:
        if s is root:
            blocks.append(Equations([Line(d(root, s), [("=", raw("1"))])], align=False))
            continue
        fs = dv.above[s]
        if len(fs) == 1 and fs[0].upper is root:  # δ is the local derivative itself
            blocks.append(Equations([factor_line(fs[0], digits)], indent=2))
        elif len(fs) <= 4:
            terms = [d(root, f.upper) + raw(" · ", " \\cdot ")
                     + partial(_name(f.upper, "L"), _name(s, "x")) for f in fs]
            nums = [_operand(dv.deltas[f.upper], digits) + raw(" · ", " \\cdot ")
                    + _operand(f.value, digits) for f in fs]
            one = Line(d(root, s), [("=", join(terms, " + ")), ("=", join(nums, " + ")),
                                    _approx(dv.deltas[s], digits)])
            text = "  " + one.lhs.text + "".join(f" {r} {m.text}" for r, m in one.steps)
            if len(text) <= WIDTH:
                blocks.append(Equations([one], align=False))
            else:
                blocks.append(Equations([
                    Line(d(root, s), [("=", join(terms, " + "))], terms=terms, op=" + "),
                ], align=False))
                blocks.append(Equations([
                    Line(raw("   ", ""), [("=", join(nums, " + ")),
                                       _approx(dv.deltas[s], digits)], terms=nums, op=" + "),
                ], align=False))
        else:
            blocks.append(Equations([Line(d(root, s), [
                ("=", words(f"the sum of {len(fs)} terms δ·(local derivative)")),
                _approx(dv.deltas[s], digits)])], align=False))
    return blocks


def explain_report(dv: Derivation, note: str | None, digits: int = dm.DEFAULT_DIGITS,
                   points: Sequence[HandPoint] = (), engine_grad: float | None = None,
                   title: str = "") -> Report:
    """What ``chainrule explain`` prints."""
    wrt = label(dv.target, "x")
    r = Report("explain", title or f"∂{label(dv.root, 'L')}/∂{wrt}",
               [note] if note else [], header="none")
    r.add(*derivation_blocks(dv, digits, points, engine_grad))
    r.data = {
        "root": label(dv.root, "L"), "wrt": wrt, "gradient": dv.gradient,
        "engine_gradient": engine_grad, "paths": None if dv.paths is None else [
            {"stations": [label(s, "L") for s in p.stations], "product": p.product,
             "factors": [{"upper": label(f.upper, "L"), "lower": label(f.lower, "x"),
                          "value": f.value} for f in p.factors]} for p in dv.paths],
        "n_paths": dv.n_paths,
        "deltas": {label(s, "?"): dv.deltas[s] for s in dv.stations if s in dv.deltas},
        "hand": [{"kind": p.kind, "name": label(p.named, "?"),
                  "hand": getattr(p.hand, "text", None), "engine": p.engine,
                  "verdict": p.verdict} for p in points],
    }
    return r


# --- the δ form ---------------------------------------------------------------------

_LATEX_PIECES = ((" · ", " \\cdot "), ("·", " \\cdot "), (" − ", " - "), ("−", " - "), ("²", "^{2}"),
                 ("′", "'"), ("⊙", " \\odot "),
                 ("ᵀ", "^{\\top}"), ("η", "\\eta "), ("×", " \\times "),
                 ("Δ", "\\Delta "), ("δ", "\\delta "), ("σ", "\\sigma "), ("←", "\\leftarrow "))


def _m(*parts: Math | str) -> Math:
    """Math from pieces: a str is an operator or bracket, spelled for LaTeX here."""
    text, latex = [], []
    for p in parts:
        if isinstance(p, Math):
            text.append(p.text)
            latex.append(p.latex)
        else:
            text.append(p)
            t = p
            for a, b in _LATEX_PIECES:
                t = t.replace(a, b)
            latex.append(t)
    return Math("".join(text), "".join(latex))


def _delta_name(n) -> Math:
    from ..report.mathtext import latex_name

    return Math(f"δ{n.label}", latex_name(f"delta_{n.label}"))


def _node_name(v, fallback: str, net=None) -> Math:
    """A node's name; an unnamed one by its place in the network (z2,1, w2,1_1)."""
    return math_name(net.name(v, fallback) if net is not None else label(v, fallback))


def _fprime(n, a: Math, numeric: bool, digits: int, net=None) -> Math | None:
    """f′(z) over a's name (or its number); None for a linear neuron (f′ = 1)."""
    if n.act is None:
        return None
    if n.act == "sigmoid":
        return _m(a, "·(1 − ", a, ")")
    if n.act == "tanh":
        return _m("(1 − ", a, "²)")
    if n.act == "exp":
        return a
    # relu: 1 for z > 0, else 0
    if numeric:
        return _value(1.0 if n.z.data > 0 else 0.0, digits)
    return _m(Math("relu′", "\\operatorname{relu}'"), "(", _node_name(n.z, "z", net), ")")


def _delta_line(nd, form, digits: int) -> list[Line]:
    n, net = nd.neuron, form.network
    a_name = _node_name(n.a, "a", net)
    a_num = _operand(n.a.data, digits)
    f_name, f_num = _fprime(n, a_name, False, digits, net), _fprime(n, a_num, True, digits, net)
    if nd.target is not None:  # ½(t − a)²: (t − a), or (a − t) for δ = +∂E/∂z
        t_name, t_num = _node_name(nd.target, "t", net), _operand(nd.target.data, digits)
        if form.sign == "-dloss/dz":
            up_name, up_num = _m("(", t_name, " − ", a_name, ")"), _m("(", t_num, " − ", a_num, ")")
        else:
            up_name, up_num = _m("(", a_name, " − ", t_name, ")"), _m("(", a_num, " − ", t_num, ")")
    elif not nd.next_terms:  # another loss: the engine's ∂E/∂a
        sign = "−" if form.sign == "-dloss/dz" else ""
        up_name = _m("(", sign, partial(_name(form.network.root, "L"), a_name), ")")
        up_num = _m("(", _value(nd.upstream, digits), ")")
    else:  # Σ_k w_jk δ_k over the next layer
        names, nums = [], []
        for k, (w, nk) in enumerate(nd.next_terms):
            names.append(_m(_node_name(w, "w", net), "·", _delta_name(nk)))
            w_num = _value(w.data, digits) if k == 0 else _operand(w.data, digits)
            nums.append(_m(w_num, "·", _operand(form.delta_of(nk), digits)))
        up_name = _m("(", join(names, " + "), ")")
        up_num = _m("(", join(nums, " + "), ")")
    if f_name is None or f_num is None:  # a linear neuron: δ is the upstream term itself
        name_form, num_form = up_name, up_num
    else:
        name_form, num_form = _m(f_name, "·", up_name), _m(f_num, "·", up_num)
    return _fit(_delta_name(n), [("=", name_form), ("=", num_form), _approx(nd.delta, digits)])


def _fit(lhs: Math, steps: list, indent: int = 2, pad_to: int = 0) -> list[Line]:
    """One line, or (too wide for the terminal) the first form on one line and the
    rest under it, the relation under the first: nothing is dropped."""
    width = indent + max(pad_to, len(lhs.text)) + sum(len(m.text) + 3 for _, m in steps)
    if width <= WIDTH or len(steps) < 2:
        return [Line(lhs, steps)]
    # the text writer puts the steps after the first on the next line; the other
    # formats keep the one line
    return [Line(lhs, steps, terms=[steps[0][1]], terms_at=0, op=" ")]


def _uses_form(st, form, digits: int, numeric: bool) -> Math:
    """Σ over the uses of a parameter of δ·a (δ alone for a bias)."""
    net = form.network
    parts: list[Math] = []
    for n, x in st.uses:
        first_in_sum = len(st.uses) > 1 and not parts  # −(−0.14 + 0.04), −(−0.14)·0.59
        dl = (_value if first_in_sum else _operand)(form.delta_of(n), digits) if numeric \
            else _delta_name(n)
        if x is None:
            parts.append(dl)
        else:
            xa = _operand(x.data, digits) if numeric else _node_name(x, "x", net)
            parts.append(_m(dl, "·", xa))
    body = join(parts, " + ")
    return _m("(", body, ")") if len(parts) > 1 else body


def delta_blocks(form, digits: int = dm.DEFAULT_DIGITS) -> list:
    """The δ form: each neuron's error term from the output back, each parameter's
    gradient as δ·a and its update in the file's convention."""
    root, net = form.network.root, form.network
    E = _name(root, "L")
    minus = form.sign == "-dloss/dz"
    z = raw("z")
    hidden = Math("δ_j = f′(z_j)·Σ_k w_jk·δ_k",
                  "\\delta_{j} = f'(z_{j}) \\sum_{k} w_{jk} \\delta_{k}")
    conv: list[Inline] = (["Error terms ", Math("δ = −", "\\delta = -"), partial(E, z),
             " (the textbook's Err), from the output layer back: ",
             Math("δ = f′(z)·(t − a)", "\\delta = f'(z) \\cdot (t - a)"),
             " at the output, ", hidden, " below it."]
            if minus else
            ["Error terms ", Math("δ = ", "\\delta = "), partial(E, z),
             ", from the output layer back: ",
             Math("δ = f′(z)·(a − t)", "\\delta = f'(z) \\cdot (a - t)"),
             " at the output, ", hidden, " below it."])
    out: list = [Paragraph(conv)]
    n_layers = len(form.network.layers)
    for row in form.deltas:
        l = row[0].neuron.layer
        out.append(Heading(f"Layer {l}" + (" (output)" if l == n_layers else ""), level=3))
        lines = [ln for nd in row for ln in _delta_line(nd, form, digits)]
        out.append(Equations(lines, align=False,  # a broken line's "=" under the first
                             wrap_indent=3 + max(len(ln.lhs.text) for ln in lines)))
    out.append(Heading("Gradients", level=3))
    w = raw("w")
    sg, sl = ("−", "-") if minus else ("", "")
    out.append(Paragraph([partial(E, w), Math(f" = {sg}δ·a", f" = {sl}\\delta \\cdot a"),
                          " for a weight (a: the input it multiplies), ",
                          Math(f"{sg}δ", f"{sl}\\delta"), " for a bias."]))
    grads: list[tuple[Math, list[tuple[str, Math]]]] = []  # (∂E/∂param, its steps)
    for st in form.steps:
        p = _node_name(st.param, "w", net)
        sign = "−" if minus else ""
        steps = [("=", _m(sign, _uses_form(st, form, digits, False))),
                 ("=", _m(sign, _uses_form(st, form, digits, True))), _approx(st.grad, digits)]
        if steps[1][1].text == steps[2][1].text:  # −δ6 = −0.1312: no third form
            steps = [steps[0], ("=" if steps[2][0] == "=" else "≈", steps[2][1])]
        grads.append((partial(E, p), steps))
    pad = max(len(lhs.text) for lhs, _ in grads) if grads else 0
    out.append(Equations([ln for lhs, st in grads for ln in _fit(lhs, st, 2, pad)],
                         align=True, wrap_indent=3 + pad))
    if form.lr is not None:
        eta = _value(form.lr, digits)
        out.append(Heading("Updates", level=3))
        if minus:
            rule: list[Inline] = ["Δw = η·δ·a, w ← w + Δw (η = ", eta, "): the same as w ← w − η·",
                    partial(E, w), "."]
            head = _m("Δ = η·δ·a")
        else:
            rule = ["w ← w − η·δ·a (η = ", eta, "), that is w ← w − η·", partial(E, w), "."]
            head = _m("Δ = −η·δ·a")
        out.append(Paragraph(rule))
        rows = []
        for st in form.steps:
            p = _node_name(st.param, "w", net)
            rows.append([Cell(p.text, math=p), Cell(dm.fmt(st.grad, digits), st.grad),
                         Cell(dm.fmt(st.change, digits), st.change),
                         Cell(dm.fmt(st.param.data, digits), st.param.data),
                         Cell(dm.fmt(st.new, digits), st.new)])
        grad_head = partial(E, raw("param", "\\mathrm{param}"))
        out.append(Table([Column("", "math"), Column(grad_head.text, "number", math=grad_head),
                          Column(head.text, "number", math=head), Column("old", "number"),
                          Column("new", "number")], rows))
    return out


def delta_data(form) -> dict:
    return {
        "form": "delta", "delta": form.sign, "lr": form.lr,
        "layers": [[{"neuron": n.label, "z": form.network.name(n.z), "a": form.network.name(n.a),
                     "activation": n.act} for n in layer] for layer in form.network.layers],
        "deltas": {nd.neuron.label: nd.delta for row in form.deltas for nd in row},
        "params": [{"name": form.network.name(st.param), "grad": st.grad, "change": st.change,
                    "old": st.param.data, "new": st.new} for st in form.steps],
    }


# --- the matrix form ---------------------------------------------------------------


def _matrix(rows: Sequence[Sequence[float]], digits: int) -> tuple[Math, list[Math]]:
    """A matrix as LaTeX bmatrix, and its text rows in brackets (the terms to wrap at)."""
    cells = [[_value(x, digits) for x in row] for row in rows]
    latex = "\\begin{bmatrix} " + " \\\\ ".join(" & ".join(c.latex for c in row)
                                                for row in cells) + " \\end{bmatrix}"
    texts = ["[" + ", ".join(c.text for c in row) + "]" for row in cells]
    if len(texts) == 1:
        return Math(texts[0], latex), [raw(texts[0])]
    texts[0], texts[-1] = "[" + texts[0], texts[-1] + "]"
    return Math("[" + ", ".join(t.strip("[]").join("[]") for t in texts) + "]", latex), \
        [raw(t) for t in texts]


def _column(xs: Sequence[float], digits: int) -> tuple[Math, list[Math]]:
    """A column vector: bmatrix in LaTeX, [x1, x2, …]ᵀ in text."""
    cells = [_value(x, digits) for x in xs]
    latex = "\\begin{bmatrix} " + " \\\\ ".join(c.latex for c in cells) + " \\end{bmatrix}"
    texts = [c.text for c in cells]
    texts[0], texts[-1] = "[" + texts[0], texts[-1] + "]ᵀ"
    if len(cells) == 1:
        texts = ["[" + cells[0].text + "]ᵀ"]
    return Math("".join(t if k == 0 else ", " + t for k, t in enumerate(texts)), latex), \
        [raw(t) for t in texts]


def _vec(base: str, l: int, tail: str = "") -> Math:
    """x1, W2ᵀ, δ1: a layer's vector or matrix by its index."""
    letter = {"δ": "\\delta", "∂": "\\partial"}.get(base, base)
    sup = {"ᵀ": "^{\\top}"}.get(tail, tail)
    return Math(f"{base}{l}{tail}", f"{letter}_{{{l}}}{sup}")


def _shape(m: Math, r: int, c: int) -> Math:
    return Math(f"{m.text} ({r}×{c})", f"\\underset{{{r}\\times {c}}}{{{m.latex}}}")


def _mline(lhs: Math, forms: list[tuple[str, Math]], value: tuple[Math, list[Math]]) -> Line:
    """lhs = form … = the matrix, the text breaking between rows."""
    mat, terms = value
    steps = forms + [("=", mat)]
    return Line(lhs, steps, terms=terms, terms_at=len(forms), op=", ")


def matrix_blocks(form, digits: int = dm.DEFAULT_DIGITS) -> list:
    """Seed 003's vectorized derivation: W, x, z, δ, Wᵀδ and ∂E/∂W = δ xᵀ with shapes."""
    root = form.network.root
    E = _name(root, "L")
    L = len(form.layers)
    xl = Math("x_l", "x_{l}")
    out: list = [Paragraph([
        "The network in vectors and matrices: ", Math("W_l", "W_{l}"), " has a row per "
        "neuron of layer l and a column per input, an entry of ", Math("x_(l−1)", "x_{l-1}"),
        "; ", Math("x0", "x_{0}"), " is the input vector, ", xl, " the outputs of layer l; ",
        Math("δ_l = ", "\\delta_{l} = "), partial(E, Math("z_l", "z_{l}")),
        " (a gradient: the sign of the vectorized recursion, whatever the file's δ)."])]
    names = []
    for lm in form.layers:
        layer = form.network.layers[lm.index - 1]
        zs = ", ".join(form.network.name(n.z) for n in layer)
        xs = ", ".join(form.network.name(n.a) for n in layer)
        names.append(f"layer {lm.index}: " + (f"z{lm.index} = ({zs}), " if zs != xs else "")
                     + f"x{lm.index} = ({xs})")
    names.insert(0, "x0 = (" + ", ".join(form.network.name(x) for x in form.network.inputs) + ")")
    out.append(Paragraph(["; ".join(names) + "."], style="dim"))
    out.append(Heading("Forward", level=3))
    lines = []
    for lm in form.layers:
        l, (r, c) = lm.index, lm.shape
        lines.append(_mline(_shape(_vec("W", l), r, c), [], _matrix(lm.W, digits)))
        lines.append(_mline(_shape(_vec("b", l), r, 1), [], _column(lm.b, digits)))
        z_form = _m(_vec("W", l), " ", _vec("x", l - 1), " + ", _vec("b", l))
        lines.append(_mline(_shape(_vec("z", l), r, 1), [("=", z_form)],
                            _column(lm.z, digits)))
        f = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "exp": "exp"}.get(lm.act or "")
        x_form = _m(Math(f, "\\sigma" if f == "σ" else f"\\operatorname{{{f}}}"), "(",
                    _vec("z", l), ")") if f else _vec("z", l)
        lines.append(_mline(_shape(_vec("x", l), r, 1), [("=", x_form)],
                            _column(lm.a, digits)))
    out.append(Equations(lines, align=False))
    out.append(Heading("Backward", level=3))
    lines = []
    for lm in reversed(form.layers):
        l, (r, c) = lm.index, lm.shape
        fp = _m(Math("f′", "f'"), "(", _vec("z", l), ")") if lm.act is not None else None
        if l == L:
            up_name = partial(E, _vec("x", l))
            lines.append(_mline(_shape(up_name, r, 1), [], _column(lm.upstream, digits)))
        else:
            up_name = _m(_vec("W", l + 1, "ᵀ"), _vec("δ", l + 1))
            lines.append(_mline(_shape(up_name, r, 1), [], _column(lm.upstream, digits)))
        if fp is not None:
            lines.append(_mline(_shape(fp, r, 1), [], _column(lm.fprime, digits)))
            d_form = _m(up_name, " ⊙ ", fp)
        else:
            d_form = up_name
        lines.append(_mline(_shape(_vec("δ", l), r, 1), [("=", d_form)],
                            _column(lm.delta, digits)))
        dW = _m(_vec("δ", l), " ", _vec("x", l - 1, "ᵀ"))
        lines.append(_mline(_shape(partial(E, _vec("W", l)), r, c), [("=", dW)],
                            _matrix(lm.dW, digits)))
        lines.append(_mline(_shape(partial(E, _vec("b", l)), r, 1), [("=", _vec("δ", l))],
                            _column(lm.delta, digits)))
    out.append(Equations(lines, align=False))
    if form.lr is not None:
        eta = form.lr
        out.append(Heading("Updates", level=3))
        lines = []
        for lm in reversed(form.layers):
            l, (r, c) = lm.index, lm.shape
            newW = [[w - eta * g for w, g in zip(wr, gr)] for wr, gr in zip(lm.W, lm.dW)]
            newb = [b - eta * g for b, g in zip(lm.b, lm.delta)]
            upd = _m(_vec("W", l), " − ", _value(eta, digits), "·", partial(E, _vec("W", l)))
            lines.append(Line(_vec("W", l), [("←", upd), ("=", _matrix(newW, digits)[0])],
                              terms=_matrix(newW, digits)[1], terms_at=1, op=", "))
            updb = _m(_vec("b", l), " − ", _value(eta, digits), "·", _vec("δ", l))
            lines.append(Line(_vec("b", l), [("←", updb), ("=", _column(newb, digits)[0])],
                              terms=_column(newb, digits)[1], terms_at=1, op=", "))
        out.append(Equations(lines, align=False))
    return out


def matrix_data(form) -> dict:
    return {"form": "matrix", "lr": form.lr, "layers": [
        {"index": lm.index, "shape": list(lm.shape), "W": lm.W, "b": lm.b, "x_in": lm.x_in,
         "z": lm.z, "x": lm.a, "fprime": lm.fprime, "upstream": lm.upstream,
         "delta": lm.delta, "dW": lm.dW, "db": lm.delta} for lm in form.layers]}


def form_report(kind: str, form, note: str | None, digits: int = dm.DEFAULT_DIGITS,
                title: str = "") -> Report:
    """``chainrule explain --form delta|matrix``."""
    what = "error terms δ" if kind == "delta" else "matrices"
    r = Report("explain", title or f"Backpropagation in {what}",
               [note] if note else [], header="none")
    if kind == "delta":
        r.add(*delta_blocks(form, digits))
        r.data = delta_data(form)
    else:
        r.add(*matrix_blocks(form, digits))
        r.data = matrix_data(form)
    return r


# --- where a local derivative comes from (--rule) --------------------------------------


_INLINE = re.compile(r"\$([^$|]*)\|([^$]*)\$")


def _words(text: str) -> list:
    """Words with formulas written $text|latex$: plain pieces and Math."""
    out: list = []
    at = 0
    for m in _INLINE.finditer(text):
        if m.start() > at:
            out.append(text[at:m.start()])
        out.append(Math(m.group(1), m.group(2)))
        at = m.end()
    if at < len(text):
        out.append(text[at:])
    return out


def rule_report(r) -> Report:
    """``chainrule explain --rule NAME``: the derivation of one local derivative."""
    def m(f) -> Math:
        return Math(f.text, f.latex)

    rep = Report("explain", r.title, [], header="rule")
    var_text, var_latex = ("ŷ", "\\hat{y}") if r.variable == "y_hat" else (r.variable,) * 2
    rep.add(Paragraph([Math(f"f({var_text})", f"f({var_latex})"), " = ", m(r.function), "."]))
    for k, st in enumerate(r.steps, 1):
        rep.add(Blank(), Paragraph([f"{k}. ", *_words(st.words)], hang=3))
        lines = []
        for ln in st.lines:
            steps = [(rel, m(f)) for rel, f in ln.steps]
            wide = 5 + len(ln.lhs.text) + sum(len(f.text) + 3 for _, f in steps) > WIDTH
            if not wide:
                lines.append(Line(m(ln.lhs), steps))
                continue
            # its own block: the text breaks after the first form, the "=" under the
            # first one (nothing is dropped)
            if lines:
                rep.add(Equations(lines, indent=5, align=False))
                lines = []
            rep.add(Equations([Line(m(ln.lhs), steps, terms=[steps[0][1]], terms_at=0,
                                    op=" ")], indent=5, align=False,
                              wrap_indent=6 + len(ln.lhs.text)))
        if lines:
            rep.add(Equations(lines, indent=5, align=False))
    rep.add(Blank(), Note(["So ", Math("f′", "f'"), " = ", m(r.result), "."], kind="summary"))
    rep.data = {"rule": r.name, "function": r.function.text, "derivative": r.result.text,
                "steps": [{"words": _INLINE.sub(r"\1", st.words), "lines": [
                    {"lhs": ln.lhs.text, "steps": [[rel, f.text] for rel, f in ln.steps]}
                    for ln in st.lines]} for st in r.steps]}
    return rep

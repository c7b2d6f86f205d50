"""A chain-rule derivation as a report: every path, factor, product and sum.

The same derivation ``viz.handcheck.derive`` computes, written as report blocks: the
text writer prints it as the terminal always has; Markdown and LaTeX get
``aligned`` equations with the documents' symbols.
"""

from __future__ import annotations

from typing import Sequence

from ..handcheck import derive as dm
from ..handcheck.derive import Derivation, Factor, HandPoint, label, num
from ..report import Blank, Cell, Column, Equations, Line, Note, Paragraph, Report, Table
from ..report.mathtext import MINUS, Math, formula, math_name, number, partial, raw, words

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
        for p in points:
            what = d(root, p.named) if p.kind == "grad" else \
                raw("δ ", "\\delta ") + _name(p.named, "?") + raw(" = −", " = -") \
                + d(root, p.named)
            rows.append([Cell(what.text, math=what),
                         Cell(_hand_text(p, digits), p.hand.value),
                         Cell(num(p.engine, digits), p.engine), Cell(p.verdict)])
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

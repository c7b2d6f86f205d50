"""Math in a report: one formula, written for a terminal and for LaTeX.

A ``Math`` holds the same formula twice: ``text`` as the terminal shows it
(Unicode: ∂loss/∂b1, a_out·(1 − a_out), ≈) and ``latex`` for math mode
(``\\frac{\\partial L}{\\partial b_{1}}``).  The writers pick one: text and
the ASCII fallback read ``text``; Markdown, LaTeX and HTML (through MathML)
read ``latex``.  Formulas are built with the helpers below, so the two forms
always say the same thing.

Names become math the way the documents write them (``math_name``):
``y_hat`` → \\hat{y}, ``a_h1`` → a_{h1}, ``w13`` → w_{13}, ``delta`` → \\delta,
``θ6`` → \\theta_{6}, a word such as ``loss`` → \\mathrm{loss}.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterable, Sequence

import autograd

from ..safe import ASCII_ERRORS, visible

MINUS = "\u2212"

#: Greek letters by their English names, and the Unicode letters themselves.
GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "upsilon": "υ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_LATEX_OF_GREEK = {letter: "\\" + word for word, letter in GREEK.items()}
_LATEX_OF_GREEK["ε"] = "\\varepsilon"
#: Accents written as a name's suffix: y_hat → ŷ, x_bar → x̄.
ACCENTS = {"hat": ("\u0302", "\\hat"), "bar": ("\u0304", "\\bar"), "tilde": ("\u0303", "\\tilde"),
           "dot": ("\u0307", "\\dot")}

# in text mode: \textbackslash and friends (\backslash, \hat and \sim are math-only)
_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_",
                  "^": r"\textasciicircum{}", "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&",
                  "~": r"\textasciitilde{}"}
# in math mode (a name's letters)
_LATEX_MATH_SPECIAL = {"\\": r"\backslash ", "{": r"\{", "}": r"\}", "_": r"\_",
                       "^": r"\hat{}", "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&",
                       "~": r"\sim "}


def ascii_text(text: str) -> str:
    """``text`` with every character a plain ASCII terminal can show (``safe.ASCII_FORMS``)."""
    if text.isascii():
        return text
    return text.encode("ascii", errors=ASCII_ERRORS).decode("ascii")


def latex_escape_text(text: str) -> str:
    """Plain words for ``\\text{}`` or a LaTeX paragraph: specials escaped, Unicode kept
    where LaTeX has a command for it."""
    out = []
    for ch in text:
        if ch in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[ch])
        elif ch in _LATEX_OF_GREEK:
            out.append(f"\\ensuremath{{{_LATEX_OF_GREEK[ch]}}}")
        elif ch == MINUS:
            out.append("\\ensuremath{-}")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(" ")
        elif ch in _TEXT_SYMBOLS:
            out.append(_TEXT_SYMBOLS[ch])
        elif ch.isascii() or ("\u00c0" <= ch <= "\u00ff" and ch.isalpha()):
            out.append(ch)  # T1 fonts have the Latin-1 letters
        else:
            out.append("?")
    return "".join(out)


_TEXT_SYMBOLS = {
    "∂": r"\ensuremath{\partial}", "·": r"\ensuremath{\cdot}", "≈": r"\ensuremath{\approx}",
    "→": r"\ensuremath{\to}", "←": r"\ensuremath{\leftarrow}", "…": r"\ldots{}",
    "\u2014": "---", "\u2013": "--", "×": r"\ensuremath{\times}", "⊙": r"\ensuremath{\odot}",
    "²": r"\ensuremath{^2}", "ᵀ": r"\ensuremath{^\top}", "\u2717": r"\ensuremath{\times}",
    "━": "", "ŷ": r"\ensuremath{\hat{y}}", "′": "'",
}


@dataclass(frozen=True)
class Math:
    """One formula in two spellings: ``text`` (Unicode) and ``latex`` (math mode)."""

    text: str
    latex: str

    @property
    def ascii(self) -> str:
        return ascii_text(self.text)

    def __add__(self, other: Math | str) -> Math:
        other = other if isinstance(other, Math) else raw(other)
        return Math(self.text + other.text, self.latex + other.latex)

    def __radd__(self, other: str) -> Math:
        return raw(other) + self


def raw(text: str, latex: str | None = None) -> Math:
    """A piece written as it is in both forms (operators, digits)."""
    return Math(text, text if latex is None else latex)


def words(text: str) -> Math:
    """Words inside a formula (``(path 1)``): upright in LaTeX."""
    return Math(text, latex_words(text))


def latex_words(text: str) -> str:
    """Plain words for math mode: ASCII runs in ``\\text{}``, symbols as math."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append("\\text{" + "".join(run) + "}")
            run.clear()

    for ch in text:
        if ch.isascii() and ch.isprintable():
            run.append(_LATEX_TEXT_SPECIAL.get(ch, ch))
        else:
            flush()
            out.append(_MATH_SYMBOLS.get(ch) or _LATEX_OF_GREEK.get(ch) or "?")
    flush()
    return "".join(out)


_LATEX_TEXT_SPECIAL = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "_": "\\_",
                       "^": "\\textasciicircum{}", "#": "\\#", "$": "\\$", "%": "\\%",
                       "&": "\\&", "~": "\\textasciitilde{}"}
_MATH_SYMBOLS = {"∂": "\\partial ", "·": "\\cdot ", "≈": "\\approx ", "→": "\\to ",
                 "←": "\\leftarrow ", "…": "\\ldots ", MINUS: "-", "×": "\\times ",
                 "⊙": "\\odot ", "²": "^{2}", "ᵀ": "^{\\top}", "ŷ": "\\hat{y}", "′": "'",
                 "\u2014": "\\text{---}", "\u2013": "\\text{--}"}


_INDEXED = re.compile(r"^([^\W\d_]+?)(\d+)$")
_WORD = re.compile(r"^[A-Za-z]{2,}$")


def _latex_base(base: str) -> str:
    if base in GREEK:
        return _LATEX_OF_GREEK[GREEK[base]]
    if base in _LATEX_OF_GREEK:
        return _LATEX_OF_GREEK[base]
    if len(base) == 1:
        return base if base.isascii() else _latex_letter(base)
    if _WORD.match(base):
        return "\\mathrm{" + base + "}"
    return "\\mathrm{" + "".join(_latex_letter(c) for c in base) + "}"


def _latex_letter(c: str) -> str:
    if c in _LATEX_OF_GREEK:
        return _LATEX_OF_GREEK[c]
    if c in _LATEX_MATH_SPECIAL:
        return _LATEX_MATH_SPECIAL[c]
    return c if c.isascii() else f"\\text{{{c}}}"


def _latex_sub(sub: str) -> str:
    parts = []
    for piece in re.findall(r"[^\W\d_]+|\d+|.", sub):
        if piece in GREEK:
            parts.append(_LATEX_OF_GREEK[GREEK[piece]] + " ")
        elif piece.isalpha() and len(piece) > 1 and piece.isascii():
            parts.append("\\mathrm{" + piece + "}")
        else:
            parts.append("".join(_latex_letter(c) for c in piece))
    return "".join(parts).strip()


def _unicode_base(base: str) -> str:
    return GREEK.get(base, base)


def math_name(name: str) -> Math:
    """A node's name as the documents write it; the text form keeps the name as the
    file spells it (so it can be typed back), the LaTeX form typesets it."""
    name = visible(name)
    return Math(name, latex_name(name))


def latex_name(name: str) -> str:
    """``y_hat`` → ``\\hat{y}``, ``a_h1`` → ``a_{h1}``, ``w13`` → ``w_{13}``,
    ``delta_o1`` → ``\\delta_{o1}``, ``layer1.neuron2.w1`` → its last part indexed by the rest."""
    if "." in name:  # nn's dotted names: the parameter, indexed by layer and neuron
        *path, last = name.split(".")
        where = ",".join(re.sub(r"^[A-Za-z]+", "", p) or p for p in path)
        inner = latex_name(last)
        return "{" + inner + "}^{(" + _latex_sub(where) + ")}" if where else inner
    accent = None
    for suffix, (_, command) in ACCENTS.items():
        if name.endswith("_" + suffix) and len(name) > len(suffix) + 1:
            accent, name = command, name[: -len(suffix) - 1]
            break
    base, _, sub = name.partition("_")
    if not sub:
        m = _INDEXED.match(name)
        if m and m.group(1) not in ("loss", "err", "error"):
            base, sub = m.group(1), m.group(2)
    if not base:  # a name starting with "_"
        base, sub = sub, ""
    tex = _latex_base(base)
    if accent:
        tex = f"{accent}{{{tex}}}"
    if sub:
        tex += "_{" + _latex_sub(sub) + "}"
    return tex


def number(text: str) -> Math:
    """A number as written (``-0.3``, ``2.5e-4``): the minus sign U+2212 in text."""
    t = text.replace("-", MINUS) if not text.startswith("e") else text
    if "e" in text and "inf" not in text and "nan" not in text:
        mant, _, exp = text.partition("e")
        latex = f"{mant} \\times 10^{{{int(exp)}}}"
    elif text in ("inf", "-inf", "nan"):
        latex = {"inf": "\\infty", "-inf": "-\\infty", "nan": "\\mathrm{NaN}"}[text]
    else:
        latex = text
    return Math(t, latex)


def partial(top: Math, bottom: Math) -> Math:
    """∂top/∂bottom."""
    return Math(f"∂{top.text}/∂{bottom.text}",
                f"\\frac{{\\partial {top.latex}}}{{\\partial {bottom.latex}}}")


def join(items: Iterable[Math], op: str) -> Math:
    """items with ``op`` between them: ' · ', ' + ', '·'."""
    items = list(items)
    latex_op = LATEX_OPS.get(op.strip(), op.strip())
    text = op.join(m.text for m in items)
    latex = f" {latex_op} ".join(m.latex for m in items) if op.strip() else "".join(
        m.latex for m in items)
    return Math(text, latex)


def paren(m: Math) -> Math:
    return Math(f"({m.text})", f"\\left({m.latex}\\right)")


def relation(*pieces: Math | str) -> Math:
    """lhs = rhs ≈ value: strings are operators, spaced in both forms."""
    text, latex = [], []
    for p in pieces:
        if isinstance(p, Math):
            text.append(p.text)
            latex.append(p.latex)
        else:
            text.append(p)
            latex.append(LATEX_OPS.get(p, p))
    return Math(" ".join(text), " ".join(latex))


#: How an operator of the text form is written in LaTeX.
LATEX_OPS = {"=": "=", "≈": "\\approx", "·": "\\cdot", "+": "+", MINUS: "-", "-": "-",
             "→": "\\to", "←": "\\leftarrow", "×": "\\times", "⊙": "\\odot", "/": "/",
             "+=": "\\mathrel{+}=", "−=": "\\mathrel{-}="}


def fn(name: str, arg: Math) -> Math:
    """σ(z), exp(z), ln(z)…: the function's own LaTeX name."""
    latex = _FUNCTIONS.get(name)
    if latex is None:
        latex = "\\operatorname{" + name + "}"
    return Math(f"{name}({arg.text})", f"{latex}\\left({arg.latex}\\right)")


def template(text_tpl: str, latex_tpl: str, args: Sequence[Math]) -> Math:
    """A formula from two templates with ``{0}``, ``{1}``… for the arguments."""
    return Math(text_tpl.format(*[a.text for a in args]),
                latex_tpl.format(*[a.latex for a in args]))


_FORMULA_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:e[+\-−]?\d+)?)|(?P<name>[^\W\d²³](?:(?![²³ᵀ])[\w.])*)|(?P<op>.))")
#: The LaTeX names of the engine's functions, from their display forms (σ for sigmoid).
_FUNCTIONS = {name: op.display.latex for name, op in autograd.FUNCTIONS.items()}
_FUNCTIONS.update({"ln": "\\ln", "σ": "\\sigma"})


def formula(text: str) -> Math:
    """A formula written as the derivations write it (``a_out·(1 − a_out)``,
    ``w2·x2 + b1``, ``y^2``, ``1/z``), with its LaTeX spelling worked out."""
    return Math(text, formula_latex(text))


def formula_latex(text: str) -> str:
    tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in _FORMULA_TOKEN.finditer(text)
              if m.lastgroup]
    out: list[str] = []
    k = 0

    def atom(i: int) -> tuple[str, int]:
        """One operand after ^: a parenthesised group, a signed number, a name."""
        kind, tok = tokens[i]
        if tok == "(":
            depth, j = 0, i
            while j < len(tokens):
                depth += {"(": 1, ")": -1}.get(tokens[j][1], 0)
                if depth == 0:
                    break
                j += 1
            inner = "".join(t for _, t in tokens[i + 1:j])
            return formula_latex(inner), j + 1
        if tok in (MINUS, "-") and i + 1 < len(tokens):
            body, j = atom(i + 1)
            return "-" + body, j
        return (latex_name(tok) if kind == "name" else tok), i + 1

    while k < len(tokens):
        kind, tok = tokens[k]
        if kind == "name" and tok in _FUNCTIONS and k + 1 < len(tokens) and tokens[k + 1][1] == "(":
            out.append(_FUNCTIONS[tok])
        elif kind == "name" and tok == "ln":
            out.append("\\ln ")
        elif kind == "name":
            out.append(latex_name(tok))
        elif kind == "num":
            out.append(number(tok.replace(MINUS, "-")).latex)
        elif tok == "^" and k + 1 < len(tokens):
            body, k = atom(k + 1)
            out.append("^{" + body + "}")
            continue
        elif tok == "²":
            out.append("^{2}")
        elif tok in _MATH_SYMBOLS:
            out.append(_MATH_SYMBOLS[tok])
        elif tok in "+=/()[],":
            out.append(f" {tok} " if tok in "+=" else tok)
        elif tok == "−" or tok == "-":
            out.append(" - ")
        else:
            out.append(latex_words(tok))
        k += 1
    return "".join(out).strip()

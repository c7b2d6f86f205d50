"""Where a local derivative comes from: each rule derived step by step, as data.

``chainrule explain --rule NAME`` writes one of these (seed 002 derives σ′ =
σ(1 − σ) this way).  A derivation is a list of steps, each a sentence and
equation lines ``lhs = form = form …``; every form is written three times:
as the terminal shows it, in LaTeX, and in the worked-example expression
language (``expr``, or None for a form with a limit or a case split), so a
test can evaluate each form at a point and see that the equalities hold and
that the derivative lines equal a finite difference.  The views turn a
derivation into a report (``viz.views.explain.rule_report``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Form:
    text: str
    latex: str
    expr: str | None  # the same form in the expression language (None: not a formula of z)


@dataclass(frozen=True)
class EqLine:
    lhs: Form
    steps: tuple[tuple[str, Form], ...]
    derivative: bool = False  # the line's value is f′ at the point (not f, or another quantity)


@dataclass(frozen=True)
class Step:
    words: str  # a formula inside is written $text|latex$
    lines: tuple[EqLine, ...]


@dataclass(frozen=True)
class RuleDerivation:
    name: str
    title: str
    function: Form  # f, of the variable
    variable: str  # the expression-language name of the variable
    result: Form  # f′ as the derivations write it
    steps: tuple[Step, ...]
    domain: str  # where the test's points may lie, in words
    params: tuple[tuple[str, float], ...] = ()  # other names in the exprs (n, y) at a test point


F = Form
S = Step


def L(lhs: Form, *steps: Form, rel: str = "=", derivative: bool = False) -> EqLine:
    return EqLine(lhs, tuple((rel, s) for s in steps), derivative)


SIG = F("σ(z)", "\\sigma(z)", "sigmoid(z)")
D_SIG = F("σ′(z)", "\\sigma'(z)", None)
EXP_NEG = "e^(−z)"

RULES: dict[str, RuleDerivation] = {}


def _add(r: RuleDerivation, *aliases: str) -> None:
    for key in (r.name, *aliases):
        RULES[key] = r


_add(RuleDerivation(
    "sigmoid", "The derivative of the sigmoid: σ′ = σ·(1 − σ)", SIG, "z",
    F("σ(z)·(1 − σ(z))", "\\sigma(z)\\,(1 - \\sigma(z))", "sigmoid(z)*(1 - sigmoid(z))"),
    (
        S("Write the sigmoid as a power of its denominator:", (
            L(SIG, F("1/(1 + e^(−z))", "\\frac{1}{1 + e^{-z}}", "1/(1 + exp(-z))"),
              F("(1 + e^(−z))^(−1)", "(1 + e^{-z})^{-1}", "(1 + exp(-z))**-1")),)),
        S("The chain rule: the power rule on the outside, times the derivative of the "
          "inside, $1 + e^(−z)|1 + e^{-z}$, which is $−e^(−z)|-e^{-z}$:", (
              L(D_SIG, F("−1·(1 + e^(−z))^(−2)·(−e^(−z))",
                         "-1 \\cdot (1 + e^{-z})^{-2} \\cdot (-e^{-z})",
                         "-1*(1 + exp(-z))**-2*(-exp(-z))"),
                F("e^(−z)/(1 + e^(−z))²", "\\frac{e^{-z}}{(1 + e^{-z})^{2}}",
                  "exp(-z)/(1 + exp(-z))**2"), derivative=True),)),
        S("Notice what 1 − σ(z) is:", (
            L(F("1 − σ(z)", "1 - \\sigma(z)", "1 - sigmoid(z)"),
              F("1 − 1/(1 + e^(−z))", "1 - \\frac{1}{1 + e^{-z}}", "1 - 1/(1 + exp(-z))"),
              F("e^(−z)/(1 + e^(−z))", "\\frac{e^{-z}}{1 + e^{-z}}", "exp(-z)/(1 + exp(-z))")),)),
        S("So the derivative splits into σ(z) times 1 − σ(z):", (
            L(F("e^(−z)/(1 + e^(−z))²", "\\frac{e^{-z}}{(1 + e^{-z})^{2}}",
                "exp(-z)/(1 + exp(-z))**2"),
              F("[1/(1 + e^(−z))]·[e^(−z)/(1 + e^(−z))]",
                "\\frac{1}{1 + e^{-z}} \\cdot \\frac{e^{-z}}{1 + e^{-z}}",
                "(1/(1 + exp(-z)))*(exp(-z)/(1 + exp(-z)))"),
              F("σ(z)·(1 − σ(z))", "\\sigma(z)\\,(1 - \\sigma(z))",
                "sigmoid(z)*(1 - sigmoid(z))"), derivative=True),)),
        S("The derivative is written with the sigmoid's own output a = σ(z), which the "
          "forward pass has already computed:", (
              L(F("∂a/∂z", "\\frac{\\partial a}{\\partial z}", "sigmoid(z)*(1 - sigmoid(z))"),
                F("a·(1 − a)", "a\\,(1 - a)", "sigmoid(z)*(1 - sigmoid(z))"),
                derivative=True),)),
    ), "any z"), "sigma", "σ")

_TANH = F("tanh(z)", "\\tanh(z)", "tanh(z)")
_add(RuleDerivation(
    "tanh", "The derivative of tanh: tanh′ = 1 − tanh²", _TANH, "z",
    F("1 − tanh²(z)", "1 - \\tanh^{2}(z)", "1 - tanh(z)**2"),
    (
        S("Write tanh with exponentials, a quotient u/v with $u = e^z − e^(−z)|u = e^{z} - e^{-z}$"
          " and $v = e^z + e^(−z)|v = e^{z} + e^{-z}$:", (
              L(_TANH, F("(e^z − e^(−z))/(e^z + e^(−z))",
                         "\\frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
                         "(exp(z) - exp(-z))/(exp(z) + exp(-z))")),)),
        S("The quotient rule (u/v)′ = (u′·v − u·v′)/v², where "
          "$u′ = e^z + e^(−z) = v|u' = e^{z} + e^{-z} = v$ "
          "and $v′ = e^z − e^(−z) = u|v' = e^{z} - e^{-z} = u$:", (
              L(F("tanh′(z)", "\\tanh'(z)", None),
                F("(v·v − u·u)/v²", "\\frac{v \\cdot v - u \\cdot u}{v^{2}}",
                  "((exp(z) + exp(-z))**2 - (exp(z) - exp(-z))**2)/(exp(z) + exp(-z))**2"),
                F("1 − u²/v²", "1 - \\frac{u^{2}}{v^{2}}",
                  "1 - (exp(z) - exp(-z))**2/(exp(z) + exp(-z))**2"),
                F("1 − tanh²(z)", "1 - \\tanh^{2}(z)", "1 - tanh(z)**2"), derivative=True),)),
        S("With the output a = tanh(z) of the forward pass:", (
            L(F("∂a/∂z", "\\frac{\\partial a}{\\partial z}", "1 - tanh(z)**2"),
              F("1 − a²", "1 - a^{2}", "1 - tanh(z)**2"), derivative=True),)),
    ), "any z"), "th")

_EXP = F("e^z", "e^{z}", "exp(z)")
_add(RuleDerivation(
    "exp", "The derivative of the exponential: exp′ = exp", _EXP, "z", _EXP,
    (
        S("From the definition of the derivative, $e^(z+h) = e^z·e^h|e^{z+h} = e^{z} e^{h}$:", (
            L(F("(e^z)′", "(e^{z})'", None),
              F("lim_(h→0) (e^(z+h) − e^z)/h", "\\lim_{h \\to 0} \\frac{e^{z+h} - e^{z}}{h}",
                None),
              F("e^z · lim_(h→0) (e^h − 1)/h", "e^{z} \\cdot \\lim_{h \\to 0} \\frac{e^{h} - 1}{h}",
                None)),)),
        S("The limit $(e^h − 1)/h → 1|(e^{h} - 1)/h \\to 1$ is what makes e the base of the "
          "natural exponential, so:", (
            L(F("(e^z)′", "(e^{z})'", None), _EXP, derivative=True),)),
        S("With the output $a = e^z|a = e^{z}$ of the forward pass:", (
            L(F("∂a/∂z", "\\frac{\\partial a}{\\partial z}", "exp(z)"), F("a", "a", "exp(z)"),
              derivative=True),)),
    ), "any z"), "e")

_LOG = F("ln z", "\\ln z", "log(z)")
_add(RuleDerivation(
    "log", "The derivative of the natural logarithm: (ln z)′ = 1/z", _LOG, "z",
    F("1/z", "\\frac{1}{z}", "1/z"),
    (
        S("y = ln z is the inverse of the exponential: $e^y = z|e^{y} = z$.", (
            L(F("e^(ln z)", "e^{\\ln z}", "exp(log(z))"), F("z", "z", "z")),)),
        S("Differentiate both sides of $e^y = z|e^{y} = z$ by z, the left side by the chain rule:", (
            L(F("e^y · y′", "e^{y} \\cdot y'", None), F("1", "1", "1")),)),
        S("So, with $e^y = z|e^{y} = z$:", (
            L(F("(ln z)′", "(\\ln z)'", None), F("1/e^y", "\\frac{1}{e^{y}}", "1/exp(log(z))"),
              F("1/z", "\\frac{1}{z}", "1/z"), derivative=True),)),
    ), "z > 0"), "ln")

_add(RuleDerivation(
    "relu", "The derivative of ReLU: 1 for z > 0, 0 for z < 0",
    F("relu(z)", "\\operatorname{relu}(z)", "relu(z)"), "z",
    F("1 (z > 0), 0 (z < 0)", "[z > 0]", None),
    (
        S("ReLU is the identity for a positive input and zero for a negative one:", (
            L(F("relu(z)", "\\operatorname{relu}(z)", "relu(z)"),
              F("max(0, z)", "\\max(0, z)", None)),
            L(F("relu(z)", "\\operatorname{relu}(z)", None),
              F("z for z > 0, 0 for z < 0", "z \\text{ for } z > 0,\\; 0 \\text{ for } z < 0",
                None)),)),
        S("Each piece has its own slope: the identity 1, the constant 0:", (
            L(F("relu′(z)", "\\operatorname{relu}'(z)", None),
              F("1 for z > 0, 0 for z < 0", "1 \\text{ for } z > 0,\\; 0 \\text{ for } z < 0",
                None)),)),
        S("At z = 0 the two slopes differ and there is no derivative; the engine takes 0 "
          "there, as most libraries do. With the output a = relu(z), the slope is 1 exactly "
          "when a > 0.", ()),
    ), "z ≠ 0"), "ReLU")

_POW = F("z^n", "z^{n}", "z**n")
_add(RuleDerivation(
    "power", "The power rule: the derivative of a power", _POW, "z",
    F("n·z^(n−1)", "n\\, z^{n-1}", "n*z**(n - 1)"),
    (
        S("For z > 0 write the power with the exponential, $z = e^(ln z)|z = e^{\\ln z}$:", (
            L(_POW, F("e^(n·ln z)", "e^{n \\ln z}", "exp(n*log(z))")),)),
        S("The chain rule: the exponential's derivative is itself, times the derivative of "
          "n·ln z, which is n/z:", (
              L(F("(z^n)′", "(z^{n})'", None), F("e^(n·ln z)·(n/z)",
                                                   "e^{n \\ln z} \\cdot \\frac{n}{z}",
                                                   "exp(n*log(z))*(n/z)"),
                F("z^n·n/z", "z^{n} \\cdot \\frac{n}{z}", "z**n*n/z"),
                F("n·z^(n−1)", "n\\, z^{n-1}", "n*z**(n - 1)"), derivative=True),)),
        S("For a whole number n the same rule holds for every z (expand "
          "$(z + h)^n = z^n + n·z^(n−1)·h + …|(z + h)^{n} = z^{n} + n z^{n-1} h + \\dots$, "
          "terms in h² and beyond). The square is the case n = 2, the one every "
          "squared error uses:", (
              L(F("(z²)′", "(z^{2})'", None), F("2·z", "2z", None)),)),
        S("The exponent can vary too: by the same rewriting, the slope in the exponent is", (
            L(F("∂(a^b)/∂b", "\\frac{\\partial a^{b}}{\\partial b}", None),
              F("a^b·ln a", "a^{b} \\ln a", None)),)),
    ), "z > 0", (("n", 3.0),)), "pow", "**")

_SE = F("½(y − ŷ)²", "\\tfrac{1}{2}(y - \\hat{y})^{2}", "0.5*(y - y_hat)**2")
_add(RuleDerivation(
    "squared_error", "The derivative of the squared error (y − ŷ)²/2 by the prediction ŷ",
    _SE, "y_hat", F("ŷ − y", "\\hat{y} - y", "y_hat - y"),
    (
        S("$E = ½(y − ŷ)²|E = \\tfrac{1}{2}(y - \\hat{y})^{2}$ is a square of u = y − ŷ. "
          "The power rule on the square, then the chain rule, with ∂u/∂ŷ = −1:", (
              L(F("∂E/∂ŷ", "\\frac{\\partial E}{\\partial \\hat{y}}", None),
                F("½·2·(y − ŷ)·∂(y − ŷ)/∂ŷ",
                  "\\tfrac{1}{2} \\cdot 2 (y - \\hat{y}) \\cdot \\frac{\\partial (y - \\hat{y})}"
                  "{\\partial \\hat{y}}", None),
                F("(y − ŷ)·(−1)", "(y - \\hat{y}) \\cdot (-1)", "(y - y_hat)*(-1)"),
                F("ŷ − y", "\\hat{y} - y", "y_hat - y"), derivative=True),)),
        S("The $½|\\tfrac{1}{2}$ is there to cancel the 2 of the square. The sign matters: the gradient "
          "is ŷ − y, and the textbook's error term is its negative:", (
              L(F("−∂E/∂ŷ", "-\\frac{\\partial E}{\\partial \\hat{y}}", "y - y_hat"),
                F("y − ŷ", "y - \\hat{y}", "y - y_hat")),)),
    ), "any ŷ", (("y", 0.3),)), "se", "mse", "half_squared_error", "squared-error")

NAMES = ("sigmoid", "tanh", "exp", "log", "relu", "power", "squared_error")


def rule(name: str) -> RuleDerivation:
    """The derivation of one rule, by name (or an alias: ln, pow, mse…)."""
    key = name.strip()
    found = RULES.get(key) or RULES.get(key.lower())
    if found is None:
        raise KeyError(f"--rule {name}: no such rule; the rules are {', '.join(NAMES)}")
    return found

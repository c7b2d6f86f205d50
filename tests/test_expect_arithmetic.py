"""[expect.arithmetic]: the documents' own arithmetic lines, and the hints.

The truth of each bundled line comes from an evaluator written here (Python's
``ast`` to read the numbers-only line, never eval; ``fractions.Fraction`` of
the literals as written for + − × / and whole powers, floats for the
functions), and the rounding rule from ``decimal``: a line is exact when its
exact result rounds to the printed result at the printed decimals, a tie
either way (half up, half even or half down: seed 002 writes 0.72295 as 0.7229)."""

import ast
import math
from decimal import ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from viz.handcheck.verdicts import check
from viz.worked import WorkedExampleError, bundled_examples, load, loads


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


FUNCS = {"sigmoid": sig, "exp": math.exp, "log": math.log, "tanh": math.tanh}


def exact(text):
    """(value, is_exact) of a numbers-only line: a Fraction where the operations allow."""
    def walk(n):
        if isinstance(n, ast.Expression):
            return walk(n.body)
        if isinstance(n, ast.Constant):
            src = ast.get_source_segment(text, n)
            return Fraction(src), True
        if isinstance(n, ast.UnaryOp):
            v, ok = walk(n.operand)
            return (-v if isinstance(n.op, ast.USub) else v), ok
        if isinstance(n, ast.BinOp):
            (a, oka), (b, okb) = walk(n.left), walk(n.right)
            ok = oka and okb
            if isinstance(n.op, ast.Pow):
                if ok and isinstance(b, Fraction) and b.denominator == 1:
                    return a ** int(b), True
                return float(a) ** float(b), False
            op = {ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y,
                  ast.Mult: lambda x, y: x * y, ast.Div: lambda x, y: x / y}[type(n.op)]
            if ok:
                return op(a, b), True
            return op(float(a), float(b)), False
        if isinstance(n, ast.Call):
            v, _ = walk(n.args[0])
            return FUNCS[n.func.id](float(v)), False
        raise AssertionError(ast.dump(n))
    return walk(ast.parse(text, mode="eval"))


def rounds_to(value, printed):
    """Does ``value`` round to the literal ``printed`` at its decimals (a tie either way)?"""
    p = Decimal(printed)
    q = Decimal(1).scaleb(p.as_tuple().exponent)
    v = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) \
        else Decimal(value)
    return any(v.quantize(q, rounding=r) == p
               for r in (ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_HALF_DOWN))


EXAMPLES = bundled_examples()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_bundled_line_against_fractions(path):
    example = load(path)
    lines = [v for v in check(example) if v.kind == "arithmetic"]
    assert len(lines) == len(example.expect_arithmetic)
    for v in lines:
        value, _ = exact(v.name)
        assert v.engine == pytest.approx(float(value), rel=1e-15), v.name
        want = "exact" if rounds_to(value, v.hand.text) else "wrong"
        assert v.verdict == want, (v.name, v.hand.text, float(value))
        assert v.hint is None if want == "exact" else v.hint in ("arithmetic", "rounded operands")


# the slips, from my reading of the four documents: (file, line, printed)
SLIPS = {
    "seed000": {"1 / (1 + exp(-0.1))", "1 / (1 + exp(-(-0.206)))", "1 - 0.414",
                "0.414 * (1 - 0.414) * (1 - 0.414)", "0.325 * (1 - 0.525) * (0.2 * 0.131)",
                "0.332 * (1 - 0.332) * (0.2 * 0.131)"},
    "seed001": {"0.0555 * 0.2413 * 0.10", "0.0134 * 0.10", "0.5969 * (1 - 0.5969)",
                "0.5969 * 0.4031"},
    "seed002": {"-0.3558 * 0.2292 * 0.5622"},
    "seed003_2": set(),
    "seed003_3": set(),
}


@pytest.mark.parametrize("prefix", sorted(SLIPS))
def test_the_slips_are_the_documents_slips(prefix):
    (path,) = [p for p in EXAMPLES if p.stem.startswith(prefix)]
    wrong = {v.name for v in check(load(path)) if v.kind == "arithmetic" and v.verdict == "wrong"}
    assert wrong == SLIPS[prefix]


def test_the_issue_lines():
    # seed 001: 0.0134 × 0.10 is 0.00134, printed 0.00135; the copied 0.0555 gives 0.001339
    assert Fraction("0.0134") * Fraction("0.10") == Fraction("0.00134")
    assert not rounds_to(Fraction("0.0555") * Fraction("0.2413") * Fraction("0.10"), "0.00135")
    # seed 001: 0.5969 × 0.4031 = 0.24061039, printed 0.2407
    assert Fraction("0.5969") * Fraction("0.4031") == Fraction("0.24061039")
    # seed 000: δ6 = 0.414 × 0.586² = 0.142166..., printed 0.131
    assert float(Fraction("0.414") * (1 - Fraction("0.414")) ** 2) == pytest.approx(0.142165944)
    # seed 000: Δω16 = 0.9 × 0.131 × 0.392 = 0.0462168: the printed 0.046 follows
    assert rounds_to(Fraction("0.9") * Fraction("0.131") * Fraction("0.392"), "0.046")
    # seed 002: 0.3558 × 0.2292 × 0.5622 = 0.045847..., printed −0.0459
    assert float(Fraction("0.3558") * Fraction("0.2292") * Fraction("0.5622")) \
        == pytest.approx(0.0458470502)
    # and the checker says the same of each
    v = verdicts([("0.0134 * 0.10", "0.00135"), ("0.0555 * 0.2413 * 0.10", "0.00135"),
                  ("0.5969 * 0.4031", "0.2407"), ("0.414 * (1 - 0.414) * (1 - 0.414)", "0.131"),
                  ("0.9 * 0.131 * 0.392", "0.046"), ("-0.3558 * 0.2292 * 0.5622", "-0.0459")])
    assert {k: x.verdict for k, x in v.items()} == {
        "0.0134 * 0.10": "wrong", "0.0555 * 0.2413 * 0.10": "wrong", "0.5969 * 0.4031": "wrong",
        "0.414 * (1 - 0.414) * (1 - 0.414)": "wrong", "0.9 * 0.131 * 0.392": "exact",
        "-0.3558 * 0.2292 * 0.5622": "wrong"}
    assert v["0.5969 * 0.4031"].engine == float(Fraction("0.24061039"))


# --- the rule: exact rounding of the exact result ----------------------------------------

BASE = "[inputs]\nx = 1\n[expect.arithmetic]\n"


def verdicts(lines):
    ex = loads(BASE + "".join(f"{k!r} = {v}\n".replace("'", '"') for k, v in lines), "a.toml")
    return {v.name: v for v in check(ex)}


def test_fractions_not_floats():
    v = verdicts([("0.1 + 0.2", "0.3"), ("1.1 * 1.1", "1.21"), ("1 / 3", "0.333"),
                  ("2 ** -2", "0.25"), ("(1/2) * 0.3558 ** 2", "0.0633"),
                  ("0.5 * 0.1385", "0.0693"),
                  ("0.15 - 0.5 * 0.00067", "0.149665"), ("0.0134 * 0.10", "0.00135"),
                  ("10 - 0.1 * 3", "9.7"), ("-(1.0 - 0.6442)", "-0.3558")])
    assert v["0.1 + 0.2"].verdict == "exact"  # 3/10, whatever the float says
    assert v["1.1 * 1.1"].verdict == "exact"  # 1.2100000000000002 in floats
    assert v["1 / 3"].verdict == "exact"
    assert v["2 ** -2"].verdict == "exact"
    assert v["(1/2) * 0.3558 ** 2"].verdict == "exact"  # 0.06329682
    assert v["0.15 - 0.5 * 0.00067"].verdict == "exact"
    assert v["10 - 0.1 * 3"].verdict == "exact"
    assert v["-(1.0 - 0.6442)"].verdict == "exact"
    assert v["0.0134 * 0.10"].verdict == "wrong" and v["0.0134 * 0.10"].hint == "arithmetic"


def test_a_tie_may_round_either_way():
    # TOML keys are unique: the same line with two printed results is spelled twice
    ex = loads(BASE + '"0.5 * 0.1385" = 0.0693\n"0.5*0.1385" = 0.0692\n"0.5 * 0.1385 " = 0.0694\n',
               "a.toml")
    got = {v.name: v.verdict for v in check(ex)}
    assert got == {"0.5 * 0.1385": "exact", "0.5*0.1385": "exact", "0.5 * 0.1385 ": "wrong"}


def test_functions_and_non_whole_powers_go_by_floats():
    v = verdicts([("sigmoid(0.3775)", "0.5933"), ("2 ** 0.5", "1.414"), ("exp(1)", "2.718"),
                  ("sigmoid(0.1)", "0.325")])
    assert sig(0.3775) == pytest.approx(0.59327, abs=1e-5)
    assert v["sigmoid(0.3775)"].verdict == "exact"
    assert v["2 ** 0.5"].verdict == "exact" and v["exp(1)"].verdict == "exact"
    assert v["sigmoid(0.1)"].verdict == "wrong"  # seed 000's a5: σ(0.1) = 0.525


def test_huge_powers_are_bounded():
    # past the exact bounds (a power over 1000) the float decides; the work stays small
    assert 1.0001 ** 1000000 == pytest.approx(2.67471e43, rel=1e-5)
    v = verdicts([("1.0001 ** 1000000", "2.675e43"), ("1.0001 ** 999", "1.10505"),
                  ("3 ** 600 / 3 ** 599", "3")])
    assert v["1.0001 ** 1000000"].verdict == "exact"  # 2.67471e43 at 1e40s
    assert v["1.0001 ** 999"].verdict == "exact"  # exactly, in fractions: 1.10498...
    assert v["3 ** 600 / 3 ** 599"].verdict == "exact" and v["3 ** 600 / 3 ** 599"].engine == 3
    with pytest.raises(WorkedExampleError) as e:  # a line the floats cannot compute at all
        loads(BASE + '"10 ** 400" = 1\n', "a.toml")
    assert "cannot be computed" in str(e.value)


@pytest.mark.parametrize("line, message", [
    ('"x * 2" = 2', "expect.arithmetic.\"x * 2\": an arithmetic line uses numbers only, but "
                    "column 1 names 'x' (put a graph quantity in [expect.values] or [expect.local])"),
    ('"1 / 0" = 1', "expect.arithmetic.\"1 / 0\": cannot be computed (column 3): "),
    ('"2 ^ 3" = 8', "expect.arithmetic.\"2 ^ 3\": expression column 3: '^' is not a power here: "
                    "write a**b"),
    ('"__import__(1)" = 1', "expect.arithmetic.\"__import__(1)\": "),
    ('"1 + 1" = "2"', "expect.arithmetic.\"1 + 1\": expected a number, got a string"),
])
def test_bad_lines_are_one_line_errors(line, message):
    with pytest.raises(WorkedExampleError) as e:
        loads(BASE + line + "\n", "a.toml")
    text = str(e.value)
    assert text.startswith(f"a.toml: {message}") and "\n" not in text


# --- the hints, against floats --------------------------------------------------------------

def test_rounded_operands_seed000():
    (path,) = [p for p in EXAMPLES if p.stem.startswith("seed000")]
    by = {v.name: v for v in check(load(path)) if v.kind == "arithmetic"}
    a4, a5 = sig(-0.7), sig(0.1)
    o6 = sig(-0.3 * a4 - 0.2 * a5 + 0.1)  # the true o6 = 0.4739, printed 0.414
    # "1 - 0.414" = 0.526 and δ6 = 0.131: right from the true o6, not from the printed one
    assert round(1 - o6, 3) == 0.526 and round(o6 * (1 - o6) ** 2, 3) == 0.131
    for line, true in (("1 - 0.414", 1 - o6), ("0.414 * (1 - 0.414) * (1 - 0.414)",
                                               o6 * (1 - o6) ** 2)):
        assert by[line].verdict == "wrong" and by[line].hint == "rounded operands"
        assert by[line].engine_operands == pytest.approx(true, rel=1e-12)
    # σ(−0.206) = 0.449: the printed a6 = 0.194 follows from nothing printed
    assert round(sig(-0.206), 3) == 0.449
    assert by["1 / (1 + exp(-(-0.206)))"].hint == "arithmetic"


def test_rounded_operands_seed002():
    (path,) = [p for p in EXAMPLES if p.stem.startswith("seed002")]
    by = {v.name: v for v in check(load(path)) if v.kind == "arithmetic"}
    a_h = sig(0.3 * 0.5 + 0.1)
    a_o = sig(0.7 * a_h + 0.2)
    err, s = 1.0 - a_o, a_o * (1 - a_o)
    v = by["-0.3558 * 0.2292 * 0.5622"]
    assert v.hint == "rounded operands"
    assert v.engine_operands == pytest.approx(-err * s * a_h, rel=1e-12)
    assert round(-err * s * a_h, 4) == -0.0459

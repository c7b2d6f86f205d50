"""The expression language of worked-example files: grammar, rejections, limits."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from viz.worked.expr import (
    MAX_LENGTH,
    MAX_NESTING,
    Binary,
    Call,
    ExprError,
    EvalError,
    Name,
    Num,
    Unary,
    evaluate,
    names,
    parse,
    postorder,
    to_text,
)


def ev(text, **env):
    out = evaluate(parse(text), env)
    return out.data if isinstance(out, Value) else out


# --- precedence and associativity: the right-hand sides are Python's own arithmetic ------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 + 2*3", 1 + 2 * 3),
        ("(1 + 2)*3", (1 + 2) * 3),
        ("-3**2", -(3**2)),
        ("2**-1*3", 2**-1 * 3),
        ("2**3**2", 2 ** (3**2)),
        ("(2**3)**2", (2**3) ** 2),
        ("10 - 4 - 3", 10 - 4 - 3),
        ("48/4/2", 48 / 4 / 2),
        ("-2*-3", -2 * -3),
        ("--2", 2),
        ("+2 - +3", -1),
        ("1.5e1 + .5 + 5.", 15 + 0.5 + 5.0),
        ("2.5E-4*4", 0.001),
        ("2*-3**2", 2 * -(3**2)),
    ],
)
def test_precedence_matches_python(text, expected):
    assert ev(text) == pytest.approx(expected, rel=1e-15)


def test_functions_and_names():
    z = 0.3775
    assert ev("sigmoid(z)", z=z) == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-15)
    assert ev("exp(1)") == pytest.approx(math.e, rel=1e-15)
    assert ev("log(x)", x=2.0) == pytest.approx(math.log(2.0), rel=1e-15)
    assert ev("tanh(x) + relu(-x) + relu(x)", x=0.5) == pytest.approx(math.tanh(0.5) + 0 + 0.5, rel=1e-15)


def test_values_build_a_graph():
    w, x = Value(0.15, "w"), Value(0.05, "x")
    out = evaluate(parse("w*x + 0.35"), {"w": w, "x": x})
    assert isinstance(out, Value)
    assert out.data == pytest.approx(0.15 * 0.05 + 0.35, rel=1e-15)
    out.backward()
    assert w.grad == pytest.approx(0.05) and x.grad == pytest.approx(0.15)


def test_tree_shape_and_columns():
    tree = parse("a + b*c")
    assert isinstance(tree, Binary) and tree.op == "+" and tree.col == 3
    assert isinstance(tree.left, Name) and tree.left.id == "a" and tree.left.col == 1
    assert isinstance(tree.right, Binary) and tree.right.op == "*" and tree.right.col == 6
    call = parse("  sigmoid(-x)")
    assert isinstance(call, Call) and call.func == "sigmoid" and call.col == 3
    assert isinstance(call.arg, Unary) and call.arg.op == "-"
    num = parse("0.35890")
    assert isinstance(num, Num) and num.text == "0.35890" and num.value == 0.3589


def test_names_in_order_of_first_appearance():
    assert names(parse("w2*x2 + w1*x1 + w2 + sigmoid(b)")) == ["w2", "x2", "w1", "x1", "b"]
    assert names(parse("3*4")) == []


@pytest.mark.parametrize(
    "text",
    ["w1*x1 + w2*x2 + b1", "-x**2", "(-x)**2", "a - (b - c)", "(a + b)*c", "a/(b*c)",
     "a**b**c", "(a**b)**c", "0.5*(y - y_hat)**2", "sigmoid(z)*(1 - sigmoid(z))", "2**-x", "-(a + b)"],
)
def test_to_text_round_trips(text):
    assert to_text(parse(text)) == text


def test_unknown_name_is_an_error_with_column():
    with pytest.raises(ExprError) as e:
        evaluate(parse("a + zz"), {"a": 1.0})
    assert e.value.column == 5 and "zz" in e.value.reason


# --- rejections: the column and what is wrong ---------------------------------------------


@pytest.mark.parametrize(
    "text, column, words",
    [
        ("__import__('os')", 1, "unknown function '__import__'"),
        ("a.real", 2, "attribute"),
        ("x[0]", 2, "subscript"),
        ("lambda: 1", 1, "keyword"),
        ("a < b", 3, "comparison"),
        ("a == b", 3, "'='"),
        ("'text'", 1, "string"),
        ('"text"', 1, "string"),
        ("abs(x)", 1, "unknown function 'abs'"),
        ("open(x)", 1, "unknown function"),
        ("sigmoid(a, b)", 10, "one argument"),
        ("sigmoid()", 9, "needs one argument"),
        ("sigmoid + 1", 1, "is a function"),
        ("(a + b", 1, "never closed"),
        ("a + b)", 6, "unmatched ')'"),
        ("()", 2, "empty parentheses"),
        ("a b", 3, "missing operator"),
        ("2x", 2, "missing operator"),
        ("a +", 4, "ends"),
        ("", 1, "empty"),
        ("a ^ 2", 3, "**"),
        ("a // b", 3, "floor division"),
        ("a % b", 3, "not supported"),
        ("a \u2212 b", 3, "ASCII"),
        ("1e999", 1, "not finite"),
        ("x if y else z", 3, "keyword"),
        ("a, b", 2, "','"),
        ("*a", 1, "expected a number"),
    ],
)
def test_rejections(text, column, words):
    with pytest.raises(ExprError) as e:
        parse(text)
    assert e.value.column == column
    assert words in e.value.reason
    assert str(e.value).startswith(f"column {column}: ")


def test_non_string_is_rejected():
    with pytest.raises(ExprError):
        parse(3.0)


# --- limits: long and deep inputs give a result or a clear error, never RecursionError ------


def test_nesting_limit_is_a_clear_error():
    ok = "(" * MAX_NESTING + "x" + ")" * MAX_NESTING
    assert ev(ok, x=2.0) == 2.0
    with pytest.raises(ExprError, match="nested too deeply"):
        parse("(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1))
    with pytest.raises(ExprError, match="nested too deeply"):
        parse("exp(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1))


def test_length_limit_is_a_clear_error():
    with pytest.raises(ExprError, match="too long"):
        parse("x+" * (MAX_LENGTH // 2) + "x")


def test_long_chains_do_not_recurse():
    n = MAX_LENGTH // 2 - 1
    text = "+".join(["x"] * n)  # a left-deep tree n levels down
    x = Value(1.5, "x")
    out = evaluate(parse(text), {"x": x})
    assert out.data == pytest.approx(1.5 * n)
    out.backward()
    assert x.grad == n
    assert to_text(parse(text)) == text.replace("+", " + ")
    minus = "-" * (MAX_LENGTH - 1) + "x"  # an odd number of unary minus signs
    assert ev(minus, x=2.0) == -2.0
    assert len(postorder(parse(minus))) == MAX_LENGTH


def test_domain_errors_carry_the_column():
    with pytest.raises(EvalError) as e:
        evaluate(parse("1 + log(x - 1)"), {"x": Value(0.5)})
    assert e.value.column == 5 and "log" in e.value.reason
    with pytest.raises(EvalError) as e:
        evaluate(parse("a / (b - b)"), {"a": Value(1.0), "b": Value(2.0)})
    assert e.value.column == 3 and "zero" in e.value.reason
    with pytest.raises(EvalError):
        ev("(-8)**0.5")  # plain numbers are folded through the same checks
    with pytest.raises(EvalError):
        ev("exp(1000)")


# --- property: fully bracketed random expressions evaluate to the same float ---------------


def _expressions(depth):
    leaf = st.one_of(
        st.floats(0.1, 9.0, allow_nan=False).map(lambda v: (repr(v), v)),
        st.sampled_from([("x", 0.7), ("y", -1.3)]),
    )
    if depth == 0:
        return leaf
    sub = _expressions(depth - 1)

    def combine(op, a, b):
        (ta, va), (tb, vb) = a, b
        if op == "+":
            return f"({ta} + {tb})", va + vb
        if op == "-":
            return f"({ta} - {tb})", va - vb
        if op == "*":
            return f"({ta}*{tb})", va * vb
        return f"-({ta})", -va

    return st.one_of(leaf, st.builds(combine, st.sampled_from("+-*n"), sub, sub))


@given(_expressions(4))
def test_random_bracketed_expressions(pair):
    text, value = pair
    assert ev(text, x=0.7, y=-1.3) == value
    assert ev(to_text(parse(text)), x=0.7, y=-1.3) == value

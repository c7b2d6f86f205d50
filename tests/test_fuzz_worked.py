"""Fuzzing the expression parser, the worked-example loader and ``chainrule check``.

Inputs: random text and bytes, mutations of the bundled example files, very
long and very deeply nested expressions, huge and tiny numbers, non-ASCII
names, and code-injection payloads.  The only acceptable outcomes are a
result or the documented one-line error (``ExprError``, ``WorkedExampleError``,
exit status 2 with one line on stderr); never another exception, never a hang
(each call is timed), never code execution: an audit hook records every
``compile``/``exec``/process/file-write event while the code under test runs,
and the payloads' marker file must not appear.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import sys
import time
from pathlib import Path
from typing import Any
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import strategies as st

from autograd import Value
from strategies import fixture_ok, scaled

from viz.worked import expr
from viz import worked
from viz.handcheck import verdicts as check
from viz import cli

SLOW = 5.0  # seconds: any single call taking longer counts as a hang
BUNDLED = {p.name: p.read_text(encoding="utf-8") for p in worked.bundled_examples()}

# --- no code execution: an audit hook, armed only around the code under test ---------------

WATCHED = {
    "compile", "exec", "os.system", "subprocess.Popen", "os.posix_spawn", "os.exec", "os.spawn",
    "os.fork", "os.forkpty", "os.remove", "os.rename", "os.mkdir", "shutil.rmtree", "ctypes.dlopen",
    "socket.connect", "builtins.input", "webbrowser.open", "pdb.Pdb",
}
_armed: list[bool] = []
_events: list[tuple[str, str]] = []


def _audit(event: str, args: tuple) -> None:
    if not _armed:
        return
    if event in WATCHED or (event == "open" and len(args) > 1 and isinstance(args[1], str)
                            and any(c in args[1] for c in "wax+")):
        _events.append((event, repr(args)[:200]))


sys.addaudithook(_audit)


@contextlib.contextmanager
def guarded(what: str):
    """Run the code under test: no watched event, and no more than SLOW seconds."""
    _events.clear()
    _armed.append(True)
    start = time.perf_counter()
    try:
        yield
    finally:
        _armed.pop()
        elapsed = time.perf_counter() - start
        assert not _events, f"{what}: code execution or side effect: {_events[:3]}"
        assert elapsed < SLOW, f"{what}: took {elapsed:.1f} s"


def one_line(message: str) -> None:
    assert message and "\n" not in message and "\r" not in message, repr(message)
    assert "Traceback" not in message


# --- the three entry points ----------------------------------------------------------------


def parse_outcome(text: str) -> Any:
    """expr.parse: a tree or an ExprError (one line, with a 1-based column)."""
    with guarded(f"parse({text[:60]!r})"):
        try:
            return expr.parse(text)
        except expr.ExprError as e:
            one_line(str(e))
            assert e.column >= 1
            return e


def load_outcome(text: str, path: str = "fuzz.toml") -> Any:
    """worked.loads then check.check: verdicts, or one WorkedExampleError line naming the file."""
    with guarded(f"load({text[:60]!r})"):
        try:
            example = worked.loads(text, path)
            return check.check(example)
        except worked.WorkedExampleError as e:
            one_line(str(e))
            assert str(e).startswith(f"{path}: "), str(e)
            return e


def cli_outcome(path: Path) -> tuple[int, str, str]:
    """``chainrule check FILE`` in-process: exit 0/1 with a table, or 2 with one stderr line."""
    out, err = io.StringIO(), io.StringIO()
    with guarded(f"chainrule check {path.name}"):
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli.main(["check", str(path)])
    if status == 2:
        one_line(err.getvalue().rstrip("\n"))
        assert err.getvalue().count("\n") == 1
    else:
        assert status in (0, 1) and err.getvalue() == "", (status, err.getvalue())
        assert out.getvalue()
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fuzz")
    # warm up once outside the guard: first-time lazy imports legitimately run module code
    for name, text in BUNDLED.items():
        (d / name).write_text(text, encoding="utf-8")
        with contextlib.redirect_stdout(io.StringIO()):
            cli.main(["check", str(d / name)])
    return d


# --- the expression parser ----------------------------------------------------------------

EXPR_ALPHABET = "xyzwab_019.eE+-*/(),  \t\n**expltanhsigmoidrelu" + "αβ×·−÷^%=[]{}'\"#;:!<>@&|~\\$`\x00\u200b\u202e"


@given(st.text(max_size=300))
def test_parse_random_text(text: str) -> None:
    parse_outcome(text)


@given(st.text(alphabet=EXPR_ALPHABET, max_size=200))
def test_parse_near_miss_text(text: str) -> None:
    parse_outcome(text)


# valid expressions from a grammar, rendered fully parenthesised, against a float reference

NAMES = ["x", "y", "w_1", "_b", "Z9"]
number_texts = st.one_of(
    st.sampled_from(["0", "1", "2.5", ".5", "5.", "1e-320", "5e-324", "1e308", "1.7976931348623157e308",
                     "0.000001", "123456789012345678901234567890", "1E3", "2e+2", "7e-0"]),
    st.floats(min_value=0.0, allow_nan=False, allow_infinity=False).map(repr),
)


def trees() -> st.SearchStrategy:
    leaf = st.one_of(st.tuples(st.just("num"), number_texts), st.tuples(st.just("name"), st.sampled_from(NAMES)))
    return st.recursive(
        leaf,
        lambda kids: st.one_of(
            st.tuples(st.sampled_from(["+", "-", "*", "/", "**"]), kids, kids),
            st.tuples(st.just("neg"), kids),
            st.tuples(st.sampled_from(list(expr.FUNCTIONS)), kids),
        ),
        max_leaves=12,
    )


def render(tree: tuple, space: str) -> str:
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "name":
        return tree[1]
    if kind == "neg":
        return f"-({render(tree[1], space)})"
    if kind in expr.FUNCTIONS:
        return f"{kind}({space}{render(tree[1], space)}{space})"
    return f"({render(tree[1], space)}){space}{kind}{space}({render(tree[2], space)})"


def reference(tree: tuple, env: dict[str, float]) -> float:
    """The tree in plain floats (math module), raising where the real function is undefined."""
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "name":
        return env[tree[1]]
    if kind == "neg":
        return -reference(tree[1], env)
    if kind in expr.FUNCTIONS:
        x = reference(tree[1], env)
        if kind == "exp":
            return math.exp(x)
        if kind == "log":
            if x <= 0.0:
                raise ValueError("log domain")
            return math.log(x)
        if kind == "tanh":
            return math.tanh(x)
        if kind == "sigmoid":
            return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        return x if not x <= 0.0 else 0.0  # relu, nan stays nan
    a, b = reference(tree[1], env), reference(tree[2], env)
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if kind == "/":
        if b == 0.0:
            raise ZeroDivisionError
        return a / b
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError
    return math.pow(a, b)  # ValueError for a negative base with a fractional exponent


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@given(trees(), st.sampled_from(["", " ", "  ", "\t"]),
       st.lists(st.floats(-3, 3, allow_nan=False), min_size=len(NAMES), max_size=len(NAMES)),
       st.booleans())
def test_parsed_expressions_evaluate_like_the_float_reference(tree: tuple, space: str, xs: list[float],
                                                             as_values: bool) -> None:
    text = render(tree, space)
    assume(len(text) <= expr.MAX_LENGTH)
    node = parse_outcome(text)
    assert not isinstance(node, expr.ExprError), (text, node)
    env = dict(zip(NAMES, xs))
    try:
        expected = reference(tree, env)
    except (ValueError, ZeroDivisionError, OverflowError):
        expected = None
    bound = {k: Value(v, k) for k, v in env.items()} if as_values else env
    try:
        got = expr.evaluate(node, bound)
    except expr.ExprError as e:  # EvalError: a domain error, named with its column
        one_line(str(e))
        assert isinstance(e, expr.EvalError) and expected is None, (text, str(e), expected)
        return
    value = got.data if isinstance(got, Value) else got
    assert expected is not None and same(value, expected), (text, value, expected)
    # the tree printed back parses to the same number
    again = expr.evaluate(expr.parse(expr.to_text(node)), bound)
    assert same(again.data if isinstance(again, Value) else again, value)


@pytest.mark.parametrize(
    "text, outcome",
    [
        ("(" * 300 + "x" + ")" * 300, "nested too deeply"),
        ("exp(" * 300 + "x" + ")" * 300, "nested too deeply"),
        ("(" * 100_000, "too long"),
        ("x+" * 10_001 + "x", "too long"),
        ("1e99999", "too large"),
        ("9" * 400, "too large"),
        ("x" * 19_000, "unknown name"),
        ("-" * 19_000 + "x", 1.5),  # an even number of minus signs
        ("+".join(["x"] * 6_000), 6_000 * 1.5),
        ("x" + "**x" * 4_000, None),  # 1.5 ** (1.5 ** …): a result or a one-line overflow error
        ("1e-99999 + x", 1.5),
        ("sigmoid(" * 199 + "x" + ")" * 199, None),
        ("((((((((((x))))))))))" * 900, "missing operator"),
    ],
    ids=["300 parentheses", "300 calls", "100000 characters", "20003 characters", "1e99999", "400 nines",
         "19000-letter name", "19000 minus signs", "6000-term sum", "4000-level power tower",
         "1e-99999", "199 nested sigmoids", "900 groups in a row"],
)
def test_long_and_deep_expressions(text: str, outcome: Any) -> None:
    node = parse_outcome(text)
    if isinstance(outcome, str):
        assert isinstance(node, expr.ExprError) or outcome == "unknown name", (outcome, node)
        if outcome == "unknown name":
            with guarded("evaluate"), pytest.raises(expr.ExprError, match=outcome):
                expr.evaluate(node, {"x": 1.5})
            return
        assert outcome in str(node), str(node)
        return
    assert not isinstance(node, expr.ExprError), str(node)
    x = Value(1.5, "x")
    with guarded("evaluate and backward"):
        try:
            out = expr.evaluate(node, {"x": x})
        except expr.ExprError as e:
            assert outcome is None
            one_line(str(e))
            return
        out.backward()
    if outcome is not None:
        assert math.isclose(out.data, outcome, rel_tol=1e-12), (out.data, outcome)
    assert math.isfinite(x.grad) or math.isinf(out.data) or math.isnan(x.grad)


# --- code injection ------------------------------------------------------------------------------


def payloads(marker: Path) -> list[str]:
    m = str(marker)
    return [
        f"__import__('os').system('touch {m}')",
        f'__import__("os").system("touch {m}")',
        f"exec(\"open('{m}', 'w')\")",
        f"eval('open(\"{m}\", \"w\")')",
        f"open('{m}', 'w')",
        "().__class__.__base__.__subclasses__()",
        "x.__class__.__init__.__globals__",
        "sigmoid.__globals__['__builtins__']",
        "exp(x).data",
        "lambda: 0",
        "breakpoint()",
        "[c for c in ().__class__.__mro__]",
        "x if x else y",
        "x; import os",
        "x\nimport os",
        "x # comment",
        f"f'{{open(\"{m}\", \"w\")}}'",
        "{{7*7}}",
        "${7*7}",
        "`id`",
        "compile('1', 'f', 'eval')",
        "getattr(x, 'data')",
        "x.data",
        "x[0]",
        "__builtins__",
        "__import__",
        "globals()",
    ]


def test_code_injection_in_expressions_runs_nothing(workdir: Path) -> None:
    marker = workdir / "pwned"
    for payload in payloads(marker):
        node = parse_outcome(payload)
        if not isinstance(node, expr.ExprError):  # only the bare names parse; they stay names
            assert set(expr.names(node)) <= {"__builtins__", "__import__", "x"}, payload
            with guarded("evaluate"), pytest.raises(expr.ExprError, match="unknown name"):
                expr.evaluate(node, {})
    assert not marker.exists()


def test_code_injection_in_worked_files_runs_nothing(workdir: Path) -> None:
    marker = workdir / "pwned"
    text = BUNDLED["seed002_1-1-1_training.toml"]
    for payload in payloads(marker):
        quoted = payload.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        for variant in (
            text.replace('z_h = "w1*x + b1"', f'z_h = "{quoted}"'),  # a node's expression
            text.replace('loss = "loss"', f'loss = "{quoted}"'),  # the loss name
            text.replace("[params]", f'[params]\n"{quoted}" = 1.0'),  # a leaf's name
            text.replace("[expect.values]", f'[expect.values]\n"{quoted}" = 1.0'),
            text.replace("title = ", f'title = "{quoted}"\nsource2 = '),
            f'title = "{quoted}"\n[inputs]\nx = 1\n[nodes]\nloss = "{quoted}"\n',
        ):
            result = load_outcome(variant)
            # a payload that is a plain name (__import__) may name a leaf; anything else is an error
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", payload):
                assert isinstance(result, worked.WorkedExampleError), (payload, variant[:80])
            path = workdir / "payload.toml"
            path.write_text(variant, encoding="utf-8")
            status = cli_outcome(path)[0]
            assert (status == 2) == isinstance(result, worked.WorkedExampleError), (payload, status)
    assert not marker.exists()


# --- the loader: random text, random bytes, mutations of the bundled files -----------------------


@given(st.text(max_size=400))
def test_load_random_text(text: str) -> None:
    load_outcome(text)


TOML_ALPHABET = '[]="\'.#\n _-+0123456789abcxyzlosinputsparamsnodesexpecttrainvaluesgradsepoch,{}éλ\t'


@given(st.text(alphabet=TOML_ALPHABET, max_size=400))
def test_load_toml_like_text(text: str) -> None:
    load_outcome(text)


@given(st.binary(max_size=300))
@fixture_ok
def test_cli_check_on_random_bytes(workdir: Path, blob: bytes) -> None:
    path = workdir / "random.toml"
    path.write_bytes(blob)
    assert cli_outcome(path)[0] == 2 or blob.strip() == b"" or b"=" in blob


NUMBER = re.compile(r"(?<![\w.])-?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])")
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
BARE_KEY = re.compile(r"^([A-Za-z0-9_]+)(?=\s*=)", re.M)
EXTREME_NUMBERS = [
    "1e308", "-1e308", "1.7976931348623157e308", "1e999", "-1e999", "5e-324", "-5e-324", "1e-400",
    "0", "-0.0", "+0.0", "inf", "-inf", "nan", "+nan", "0x10", "0o7", "0b1", "1_000", "0.1e-5",
    "99999999999999999999999999", "-99999999999999999999999999", "1e16", "true", '"0.5"', "[]", "{}",
    "[1, 2]", "{ a = 1 }", "1979-05-27", "''", '"""x"""',
    # literals past the caps of viz.literals (issue 10, item 6)
    "0e-2000054", "1" * 5000, "0." + "0" * 400 + "1", "1" + "0" * 50 + ".0", "+1_0.2_5e-0_3", "1e-0000000000400",
]
EXPRESSION_SNIPPETS = [
    '"x"', '""', '"(("', '"log(0*x)"', '"1/(x-x)"', '"exp(1000*x)"', '"x**-1e308"', '"(-1)**0.5"',
    '"a" * 3', '"sigmoid(sigmoid(sigmoid(x)))"', '"αβ + 1"', '"x\u200b"', '"x\\u202e"', '"\\u0000"',
    '"' + "(" * 250 + "x" + ")" * 250 + '"', '"' + "+".join(["w1"] * 3000) + '"', '"loss"', '"w1*w1"',
    '"z_h + loss"', '"exp(exp(exp(exp(x))))"', '"1e308 * 1e308"', '"0 ** -1"',
    '"x * \u0663"', '"x*\uff11.\uff15"', '"x*\U0001d7d7"',  # digits of other scripts
]
NEW_NAMES = ["loss", "x", "w1", "α", "x₁", "ｘ", "exp", "lambda", "None", "1x", "__class__", "a" * 300, "_"]


@st.composite
def mutated_files(draw: Callable) -> str:
    text = draw(st.sampled_from(sorted(BUNDLED.values())))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["number", "string", "key", "delete", "insert", "line", "truncate"]))
        if kind == "number" and NUMBER.search(text):
            spans = [m.span() for m in NUMBER.finditer(text)]
            a, b = draw(st.sampled_from(spans))
            text = text[:a] + draw(st.sampled_from(EXTREME_NUMBERS)) + text[b:]
        elif kind == "string" and STRING.search(text):
            spans = [m.span() for m in STRING.finditer(text)]
            a, b = draw(st.sampled_from(spans))
            text = text[:a] + draw(st.sampled_from(EXPRESSION_SNIPPETS)) + text[b:]
        elif kind == "key" and BARE_KEY.search(text):
            spans = [m.span(1) for m in BARE_KEY.finditer(text)]
            a, b = draw(st.sampled_from(spans))
            new = draw(st.sampled_from(NEW_NAMES + [text[c:d] for c, d in spans[:20]]))
            text = text[:a] + (new if re.fullmatch(r"[A-Za-z0-9_-]+", new) else f'"{new}"') + text[b:]
        elif kind == "delete" and text:
            a = draw(st.integers(0, len(text) - 1))
            text = text[:a] + text[a + draw(st.integers(1, 40)):]
        elif kind == "insert":
            a = draw(st.integers(0, len(text)))
            text = text[:a] + draw(st.text(alphabet=TOML_ALPHABET, min_size=1, max_size=20)) + text[a:]
        elif kind == "line":
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            op = draw(st.sampled_from(["duplicate", "drop", "swap"]))
            if op == "duplicate":
                lines.insert(j, lines[i])
            elif op == "drop":
                del lines[i]
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif kind == "truncate" and text:
            text = text[: draw(st.integers(0, len(text) - 1))]
    return text


@given(mutated_files())
@scaled(2.0)
def test_load_mutated_bundled_files(text: str) -> None:
    result = load_outcome(text)
    if not isinstance(result, worked.WorkedExampleError):  # verdicts: each judged on a number
        for v in result:
            assert v.verdict in ("exact", "close", "wrong")


@given(mutated_files())
@scaled(0.5, suppress=[HealthCheck.function_scoped_fixture])
def test_cli_check_on_mutated_bundled_files(workdir: Path, text: str) -> None:
    path = workdir / "mutated.toml"
    path.write_text(text, encoding="utf-8")
    status, out, _ = cli_outcome(path)
    loaded = load_outcome(text.replace("\ufeff", ""))  # the library agrees with the command
    assert (status == 2) == isinstance(loaded, worked.WorkedExampleError)


def test_bundled_files_load_and_check_as_they_are(workdir: Path) -> None:
    assert BUNDLED, "no bundled examples"
    for name, text in BUNDLED.items():
        verdicts = load_outcome(text, name)
        assert not isinstance(verdicts, worked.WorkedExampleError), str(verdicts)
        assert cli_outcome(workdir / name)[0] in (0, 1)


@pytest.mark.parametrize(
    "body",
    [
        "x = " + "[" * 5000 + "]" * 5000,
        "[inputs]\nx = " + "{a = " * 3000 + "1" + "}" * 3000,
    ],
    ids=["nested arrays", "nested inline tables"],
)
def test_deeply_nested_toml_is_a_one_line_error(body: str) -> None:
    try:
        result = load_outcome(body)
    except RecursionError:  # reported in one line: a 1000-frame traceback takes seconds to format
        pytest.fail("RecursionError escaped worked.loads", pytrace=False)
    assert isinstance(result, worked.WorkedExampleError)


@pytest.mark.parametrize(
    "name, text",
    [
        ("unicode name", '[inputs]\n"α" = 1\n'),
        ("subscript digit", '[inputs]\n"x₁" = 1\n'),
        ("fullwidth", '[inputs]\n"ｘ" = 1\n'),
        ("zero width", '[inputs]\n"x\u200b" = 1\n'),
        ("right-to-left override", '[inputs]\n"x\u202e" = 1\n'),
        ("NUL in a string", '[inputs]\nx = 1\n[nodes]\ny = "x\\u0000"\n'),
        ("emoji", '[inputs]\nx = 1\n[nodes]\n"🙂" = "x"\n'),
        ("BOM", "\ufeff[inputs]\nx = 1\n"),
        ("empty", ""),
        ("huge number", "[inputs]\nx = 1e999\n"),
        ("nan", "[inputs]\nx = nan\n"),
        ("subnormal", '[inputs]\nx = 5e-324\n[nodes]\nloss = "1/x"\n'),
        ("overflow in a node", '[inputs]\nx = 1e308\n[nodes]\nloss = "x*x"\n'),
        ("exp overflow", '[inputs]\nx = 1000\n[nodes]\nloss = "exp(x)"\n'),
        ("log of 0", '[inputs]\nx = 0\n[nodes]\nloss = "log(x)"\n'),
        ("cycle", '[nodes]\na = "b"\nb = "a"\n'),
        ("self reference", '[nodes]\na = "a + 1"\n'),
        ("a very long name", "[inputs]\n" + "a" * 100_000 + " = 1\n"),
        ("many nodes", "[inputs]\nx0 = 1\n[nodes]\n" + "".join(f'x{i + 1} = "x{i} + 1"\n' for i in range(3000))),
        ("a million steps of many nodes", "[inputs]\nx0 = 1\n[nodes]\n"
         + "".join(f'x{i + 1} = "x{i} * 0.5"\n' for i in range(2000)) + 'loss = "x2000"\n'
         "[train]\nlr = 0.1\nsteps = 1000000\n[[expect.epochs]]\nepoch = 999999\nloss = 0.1\n"),
        ("two million decimals", '[inputs]\nx = 1\n[nodes]\nloss = "x"\n[expect.values]\nloss = 0e-2000054\n'),
        ("a 5000-digit integer", "[inputs]\nx = " + "7" * 5000 + "\n"),
        ("inline hand numbers", '[inputs]\nx = 1.27\n[nodes]\nloss = "x*2"\n[expect]\nvalues = { loss = 2.50 }\n'),
    ],
    ids=lambda v: v if len(v) < 40 else "",
)
def test_edge_files_are_a_result_or_one_line(name: str, text: str, workdir: Path) -> None:
    result = load_outcome(text.removeprefix("\ufeff"))  # a file's BOM is dropped on reading
    path = workdir / "edge.toml"
    path.write_text(text, encoding="utf-8")
    status = cli_outcome(path)[0]
    assert (status == 2) == isinstance(result, worked.WorkedExampleError), (name, status, result)

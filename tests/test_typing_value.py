"""What a type checker sees of the engine's public API: arithmetic on ``Value``
types as ``Value`` (not Any), ``data`` as a float, ``grad()`` by its arguments.

mypy runs on a small user program (its cache in a temporary folder) and its
``reveal_type`` notes are parsed; skipped with the reason when mypy is not
installed (a failure under CHAINRULE_REQUIRE_TOOLS=1: .ci/run installs it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest
from support.availability import require

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))



@pytest.fixture(autouse=True)
def _mypy_installed() -> None:
    require("mypy", "the typing tests run mypy")

PROGRAM = textwrap.dedent("""\
    from fractions import Fraction

    from autograd import Value, grad, linear, sum_of

    x = Value(1.0)
    w = Value(2.0, name="w")
    reveal_type(x + 2)
    reveal_type(2 + x)
    reveal_type(x * w - 0.5)
    reveal_type(1.5 / x)
    reveal_type(x ** 2)
    reveal_type(2 ** x)
    reveal_type(-x)
    reveal_type(x + Fraction(1, 3))
    reveal_type(x.relu().tanh().sigmoid().exp().log())
    reveal_type(linear([w], [x], 0.5))
    reveal_type(sum_of([x, w]))
    reveal_type(x.data)
    reveal_type(x.grad)
    reveal_type(x.parents)
    reveal_type(grad(x * w, w))
    reveal_type(grad(x * w, [x, w]))
    reveal_type(grad(x * w, w, create_graph=True))
    x.data = Fraction(1, 2)
    """)

EXPECTED = [
    "autograd.value.Value",
    "autograd.value.Value",
    "autograd.value.Value",
    "autograd.value.Value",
    "autograd.value.Value",
    "autograd.value.Value",
    "autograd.value.Value",
    "autograd.value.Value",
    "autograd.value.Value",
    "autograd.value.Value",
    "autograd.value.Value",
    "float",
    "float",
    "tuple[autograd.value.Value, ...]",
    "float",
    "list[float]",
    "autograd.value.Value",
]


def run_mypy(tmp_path, program: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "user.py"
    path.write_text(program, encoding="utf-8")
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")  # not the project's: the user's defaults
    env = dict(os.environ, PYTHONPATH=ROOT, MYPYPATH=ROOT)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
         str(tmp_path / "cache"), "--config-file", str(config), str(path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )


def test_value_arithmetic_types_as_value(tmp_path) -> None:
    done = run_mypy(tmp_path, PROGRAM)
    revealed = [t.replace("builtins.", "") for t in re.findall(r'Revealed type is "([^"]+)"', done.stdout)]
    assert revealed == EXPECTED, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert errors == [], done.stdout  # Fraction is a number a Value takes, for data too


def test_a_string_operand_is_a_type_error(tmp_path) -> None:
    done = run_mypy(tmp_path, 'from autograd import Value\n\nValue(1.0) + "2"\n')
    assert re.search(r'user\.py:3: error: Unsupported operand types for \+ \("Value" and "str"\)',
                     done.stdout), done.stdout + done.stderr

"""Command-line conventions: `-` reads a worked example from standard input (bounded),
`--color` after the subcommand too, FORCE_COLOR honoured like NO_COLOR, `--version`,
and `python -m viz` as the command.  seed 001's verdicts are the README's
(30 numbers: 24 exact, 6 close, 0 wrong)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from viz.cli import files, main

ROOT = Path(__file__).resolve().parents[1]
# the exercise with its solution: every number exact, so `check` exits 0
SEED001 = next((ROOT / "viz" / "worked" / "examples").glob("seed003_3*.toml"))
SEED001_COUNTS = "65 numbers: 65 exact, 0 close, 0 wrong"
ESC = "\x1b["


def version_written() -> str:
    """The version as autograd/_version.py writes it, read as text, not imported."""
    for line in (ROOT / "autograd" / "_version.py").read_text().splitlines():
        if line.startswith("__version__ = "):
            return line.split("=", 1)[1].strip().strip('"')
    raise AssertionError("no __version__ line")



def test_check_reads_standard_input(capsys, stdin):
    stdin(SEED001.read_bytes())
    assert main(["check", "-"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1] == SEED001_COUNTS
    assert "3-4-2" in out


def test_run_reads_standard_input_once_for_two_dashes(capsys, stdin, tmp_path):
    stdin(SEED001.read_bytes())
    assert main(["run", "-", "-", "--no-graphs"]) == 0
    assert capsys.readouterr().out.count(SEED001_COUNTS) == 4  # two parts, two summary rows


def test_a_mistake_on_standard_input_names_it(capsys, stdin):
    stdin(b'[nodes]\nz = "x +"\n')
    assert main(["check", "-"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("<stdin>: nodes.z")


def test_standard_input_is_bounded(capsys, stdin):
    stdin(b"#" * (files.MAX_STDIN + 1))
    assert main(["check", "-"]) == 2
    err = capsys.readouterr().err
    assert err == "<stdin>: more than 8 MB: a worked example is a few kB\n"


def test_standard_input_that_is_not_utf8(capsys, stdin):
    stdin(b"title = '\xff'\n")
    assert main(["check", "-"]) == 2
    assert capsys.readouterr().err == "<stdin>: not UTF-8 text (byte 9)\n"


def test_draw_from_standard_input_names_the_figure_stdin(capsys, stdin, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stdin(SEED001.read_bytes())
    assert main(["draw", "-", "-o", "g.dot"]) == 0
    assert (tmp_path / "g.dot").read_text().lstrip().startswith("digraph")


@pytest.mark.parametrize("argv, env, coloured", [
    (["--color", "always", "check", "seed003_3"], {}, True),
    (["check", "seed003_3", "--color", "always"], {}, True),  # after the subcommand
    (["check", "seed003_3", "--color", "never"], {"FORCE_COLOR": "1"}, False),
    (["--color", "always", "check", "seed003_3", "--color", "never"], {}, False),  # the last one wins
    (["check", "seed003_3"], {"FORCE_COLOR": "1"}, True),  # into a pipe, coloured all the same
    (["check", "seed003_3"], {"FORCE_COLOR": "0"}, False),
    (["check", "seed003_3"], {"FORCE_COLOR": ""}, False),
    (["check", "seed003_3"], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),  # NO_COLOR first
    (["check", "seed003_3"], {}, False),
])
def test_colour(capsys, monkeypatch, argv, env, coloured):
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 0
    assert (ESC in capsys.readouterr().out) is coloured


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"chainrule {version_written()}\n"


def test_one_version_everywhere():
    import autograd
    import nn
    import viz

    written = version_written()
    assert autograd.__version__ == nn.__version__ == viz.__version__ == written
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "autograd._version.__version__"}
    assert f"## {written}" in (ROOT / "CHANGELOG.md").read_text()


@pytest.mark.parametrize("argv, status, stream, first", [
    (["--version"], 0, "stdout", "chainrule "),
    (["check", "-"], 0, "stdout", "3-4-2 linear network"),
])
def test_python_dash_m_viz(argv, status, stream, first):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "viz", *argv], input=SEED001.read_bytes(),
                            capture_output=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode == status, result.stderr
    assert getattr(result, stream).decode().startswith(first)

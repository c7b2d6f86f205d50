"""The README's examples are what the command prints: each shown output is checked
against a fresh run, so the documentation cannot drift from the tool."""

import re
from pathlib import Path

import pytest

from viz.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def run(capsys, argv):
    main(argv)
    return capsys.readouterr().out


def shown_runs():
    """Each ```-block that starts with '$ chainrule …': (argv, the output shown)."""
    for block in re.findall(r"```\n(\$ chainrule [^\n]*\n.*?)```", README, re.S):
        first, _, rest = block.partition("\n")
        yield first[2:].split()[1:], rest


@pytest.mark.parametrize("argv, shown", list(shown_runs()), ids=lambda x: " ".join(x)
                         if isinstance(x, list) else "")
def test_each_shown_run_is_what_the_command_prints(capsys, argv, shown):
    assert run(capsys, argv) == shown


def test_the_readme_shows_runs():
    assert len(list(shown_runs())) >= 2


@pytest.mark.parametrize("command", [
    "chainrule explain seed001 --wrt w5 --format markdown",
    "chainrule check seed001 --format markdown",
])
def test_each_markdown_excerpt_is_part_of_what_the_command_prints(capsys, command):
    at = README.index(f"`{command}`")
    excerpt = re.search(r"```markdown\n(.*?)```", README[at:], re.S).group(1)
    assert excerpt in run(capsys, command.split()[1:])


def test_every_picture_the_readme_shows_is_in_the_repository():
    root = Path(__file__).resolve().parents[1]
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert len(pictures) >= 3
    for path in pictures:
        f = root / path
        assert f.is_file() and f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path

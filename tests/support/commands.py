"""Running the ``chainrule`` command in the test's own process, for the format tests."""

from __future__ import annotations

import json

from viz.cli import main


def ids(command: list[str]) -> str:
    return " ".join(command)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """``chainrule ARGS`` in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def json_verdicts(capsys, command: list[str]) -> list[dict]:
    """data.verdicts of ``COMMAND --format json`` (run and check), in the check's order; check
    exits 1 exactly when one of them is wrong, every other command 0."""
    status, out, err = cli(capsys, *command, "--format", "json")
    verdicts = json.loads(out)["data"]["verdicts"]
    wrong = command[0] == "check" and any(v["verdict"] == "wrong" for v in verdicts)
    assert status == (1 if wrong else 0), f"{ids(command)} --format json: exit {status}: {err}"
    return verdicts

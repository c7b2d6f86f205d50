"""Whether chainrule's import names reach chainrule's own files.

chainrule's packages are called ``autograd``, ``nn`` and ``viz``.  The first
is also the import name of HIPS autograd (the ``autograd`` distribution, which
lifelines and PennyLane depend on): pip unpacks both into one
``site-packages/autograd/`` folder without a word, the last one installed
owning ``__init__.py``, and uninstalling either deletes the other's.  A
student's own ``nn.py`` or ``viz.py`` in the working folder hides the others.

``problem(names)`` says in one line what is wrong, and how to fix it, or gives
None; ``check(names)`` raises it as a ``ClashError`` (an ImportError).  It
imports nothing it inspects: ``importlib.util.find_spec`` and file paths only,
so it runs before the packages themselves (``nn`` and ``viz`` load this file
by its path, the command before any other import).  Standard library only.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from importlib import metadata
from pathlib import Path

# chainrule's own folder: the one holding this autograd/ beside nn/ and viz/
HOME = Path(__file__).resolve().parent.parent

# files and folders of HIPS autograd that chainrule's autograd has none of
HIPS_MARKERS = ("numpy", "scipy", "tracer.py", "differential_operators.py", "wrap_util.py",
                "builtins.py")

ALL = ("autograd", "nn", "viz")
SEPARATE = ("keep HIPS autograd in another virtualenv, or install the command on its own "
            "with `pipx install chainrule` or `uv tool install chainrule`")


class ClashError(ImportError):
    """chainrule's import names lead to files that are not chainrule's."""


def _same(a: Path, b: Path) -> bool:
    return os.path.normcase(str(a.resolve())) == os.path.normcase(str(b.resolve()))


def _hips() -> str:
    """'HIPS autograd 1.9.1 (required by lifelines)', from the installed metadata."""
    try:
        version = " " + metadata.version("autograd")
    except metadata.PackageNotFoundError:
        version = ""
    users = set()
    try:
        for dist in metadata.distributions():
            for req in dist.requires or ():
                name = req.split(";")[0].strip()
                for cut in "<>=!~[( ":
                    name = name.split(cut)[0]
                if name.lower() == "autograd" and dist.metadata["Name"]:
                    users.add(dist.metadata["Name"])
    except Exception:  # metadata of a broken distribution: the names are a courtesy
        users = set()
    pulled = f" (required by {', '.join(sorted(users))})" if users else ""
    return f"HIPS autograd{version}{pulled}"


def _found(name: str) -> Path | None:
    """The file `import name` would run (a package's __init__.py), without importing it;
    the folder itself for a namespace package (a folder with no __init__.py)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # a module of that name without a spec
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        return Path(file) if file else None
    if spec is None:
        return None
    if spec.origin and spec.origin not in ("namespace", "built-in", "frozen"):
        return Path(spec.origin)
    locations = list(spec.submodule_search_locations or ())
    return Path(locations[0]) if locations else None


def _merged() -> str | None:
    """HIPS autograd's files in chainrule's autograd folder (pip merged the two)."""
    folder = HOME / "autograd"
    hits = [m for m in HIPS_MARKERS if (folder / m).exists()]
    if not hits:
        return None
    return (f"{_hips()} is installed into the same folder as chainrule's autograd, {folder} "
            f"(HIPS's {hits[0]}{'/' if (folder / hits[0]).is_dir() else ''} is there), as both use the "
            "import name `autograd`: run "
            "`pip uninstall autograd` and then `pip install --force-reinstall chainrule`, or "
            + SEPARATE)


def _one(name: str) -> str | None:
    own = HOME / name / "__init__.py"
    found = _found(name)
    if found is None or (found.name != "__init__.py" and _same(found, own.parent)):
        if own.parent.is_dir() and not own.exists():
            return (f"chainrule's {name}/__init__.py is missing from {own.parent} (uninstalling "
                    "a package that shared the folder removes it): run "
                    "`pip install --force-reinstall chainrule`")
        return f"`{name}` is not found: run `pip install --force-reinstall chainrule`"
    if _same(found, own):
        return None
    where = found.parent if found.name == "__init__.py" else found
    if name == "autograd" and (where / "differential_operators.py").exists():
        return (f"`import autograd` finds {_hips()} in {where}, not chainrule's ({own.parent}), "
                "as both use that import name: run `pip uninstall autograd`, or " + SEPARATE)
    return (f"`import {name}` finds {where}, not chainrule's {name} ({own.parent}): rename "
            f"your {where.name}, or work in a folder without it")


def problem(names: tuple[str, ...] = ALL) -> str | None:
    """One line on what keeps ``names`` from reaching chainrule's files, or None."""
    if "autograd" in names:
        merged = _merged()
        if merged:
            return merged
    for name in names:
        found = _one(name)
        if found:
            return found
    return None


def check(names: tuple[str, ...] = ALL) -> None:
    """Raise ``ClashError`` with ``problem(names)``, if there is one."""
    found = problem(names)
    if found:
        raise ClashError("chainrule cannot start: " + found)


def started_as_command() -> bool:
    """This interpreter runs the ``chainrule`` command (or ``python -m viz``), which
    reports a clash itself, as one line and exit status 2."""
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    for suffix in (".exe", "-script.py", "-script.pyw"):
        argv0 = argv0.removesuffix(suffix)
    if argv0 == "chainrule":
        return True
    orig = list(getattr(sys, "orig_argv", ()))
    return any(a == "-m" and b == "viz" for a, b in zip(orig, orig[1:]))

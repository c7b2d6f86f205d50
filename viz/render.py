"""Turning DOT text into SVG, PNG or PDF: finding and running a layout backend.

Two backends, tried in this order:

1. ``dot``, the system Graphviz (``apt-get install graphviz``,
   ``brew install graphviz``, ...): SVG, PNG and PDF.
2. ``graphviz-pure``, the self-contained dot-compatible command from the PyPI
   package of that name (a dependency of chainrule, so ``pip install`` alone
   renders on a fresh machine): SVG and PNG, no PDF.

A command is looked up on PATH and then in the running Python's scripts
directory (where pip puts ``graphviz-pure`` even when a virtual environment
is not activated).  The DOT text itself never needs a backend.
"""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from dataclasses import dataclass

#: backend name -> the output formats it can write
BACKENDS: dict[str, tuple[str, ...]] = {
    "dot": ("svg", "png", "pdf"),
    "graphviz-pure": ("svg", "png"),
}

INSTALL_HINT = (
    "install the system Graphviz so that `dot` is on PATH "
    "(e.g. `apt-get install graphviz` or `brew install graphviz`), "
    "or `pip install graphviz-pure`"
)


class RenderError(RuntimeError):
    """A graph could not be rendered (no backend, a format it lacks, a failed run)."""


class NoBackendError(RenderError):
    """Neither the system ``dot`` nor ``graphviz-pure`` could be found."""


@dataclass(frozen=True)
class Backend:
    """A layout command that can run: its name, its path and its formats."""

    name: str
    executable: str
    formats: tuple[str, ...]


def _locate(command: str) -> str | None:
    """The path of ``command``: PATH first, then this Python's scripts directory."""
    found = shutil.which(command)
    if found is None:
        scripts = sysconfig.get_path("scripts")
        if scripts:
            found = shutil.which(command, path=scripts)
    return found


def available_backends() -> list[Backend]:
    """The backends present on this machine, in order of preference."""
    present = []
    for name, formats in BACKENDS.items():
        path = _locate(name)
        if path is not None:
            present.append(Backend(name, path, formats))
    return present


def find_backend(fmt: str | None = None, backend: str | None = None) -> Backend:
    """The backend to use: ``backend`` by name, or the first present that writes ``fmt``.

    Raises ``NoBackendError`` when none is installed, ``RenderError`` when the
    named one is missing or none present can write ``fmt``.
    """
    if backend is not None:
        if backend not in BACKENDS:
            raise RenderError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
        path = _locate(backend)
        if path is None:
            raise RenderError(f"backend {backend!r} is not installed: {INSTALL_HINT}")
        chosen = Backend(backend, path, BACKENDS[backend])
        if fmt is not None and fmt not in chosen.formats:
            raise RenderError(
                f"backend {backend!r} cannot write {fmt.upper()} "
                f"(it writes {', '.join(chosen.formats)}): save as .svg or .png, or install "
                "the system Graphviz (e.g. `apt-get install graphviz`) for PDF"
            )
        return chosen
    present = available_backends()
    if not present:
        raise NoBackendError(f"no Graphviz backend found to render the graph: {INSTALL_HINT}")
    for candidate in present:
        if fmt is None or fmt in candidate.formats:
            return candidate
    names = ", ".join(b.name for b in present)
    raise RenderError(
        f"cannot write {fmt.upper()} with the backend present ({names}, which writes "
        f"{', '.join(present[0].formats)}): install the system Graphviz for {fmt.upper()} "
        "(e.g. `apt-get install graphviz`), or save as .svg or .png"
    )


def render(source: str, fmt: str, backend: str | None = None, timeout: float | None = None) -> bytes:
    """Lay out the DOT ``source`` and return it as ``fmt`` ('svg', 'png' or 'pdf') bytes."""
    chosen = find_backend(fmt, backend)
    try:
        run = subprocess.run(
            [chosen.executable, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(f"{chosen.name} took longer than {timeout} s to lay out the graph") from None
    except OSError as error:
        raise RenderError(f"could not run {chosen.name} ({chosen.executable}): {error}") from None
    if run.returncode != 0 or not run.stdout:
        message = run.stderr.decode("utf-8", "replace").strip() or "no output"
        raise RenderError(f"{chosen.name} failed (exit {run.returncode}): {message}")
    return run.stdout

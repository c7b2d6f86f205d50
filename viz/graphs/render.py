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

The backend runs as a process of its own, so a layout can be bounded: a time
limit (the process and anything it started are killed) and, on POSIX, a cap
on its address space (``RLIMIT_AS``): some graphs of a few hundred nodes take
``dot`` minutes and gigabytes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sysconfig
from dataclasses import dataclass
from collections.abc import Callable

try:
    import resource  # POSIX: the backend's memory cap
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

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


class RenderTimeout(RenderError):
    """The layout took longer than the time allowed."""


class RenderMemoryError(RenderError):
    """The backend failed under its memory cap (killed, or saying it ran out of memory)."""


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
    wanted = str(fmt).upper()  # not None: without a format the first backend present serves
    raise RenderError(
        f"cannot write {wanted} with the backend present ({names}, which writes "
        f"{', '.join(present[0].formats)}): install the system Graphviz for {wanted} "
        "(e.g. `apt-get install graphviz`), or save as .svg or .png"
    )


def render(
    source: str, fmt: str, backend: str | None = None, timeout: float | None = None,
    memory_limit: int | None = None,
) -> bytes:
    """Lay out the DOT ``source`` and return it as ``fmt`` ('svg', 'png' or 'pdf') bytes.

    ``timeout`` (seconds) and ``memory_limit`` (bytes of address space, where the
    system can cap it) bound the layout: a graph the backend cannot lay out
    within them raises ``RenderTimeout`` or ``RenderMemoryError``.
    """
    chosen = find_backend(fmt, backend)
    try:
        process = subprocess.Popen(
            [chosen.executable, f"-T{fmt}"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=_capped(memory_limit) if memory_limit is not None and os.name == "posix"
            else None,
            start_new_session=True,  # its own process group: a timeout ends all of it
        )
    except OSError as error:
        raise RenderError(f"could not run {chosen.name} ({chosen.executable}): {error}") from None
    try:
        out, err = process.communicate(source.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise RenderTimeout(
            f"{chosen.name} took longer than the {timeout:g} s limit to lay out the graph"
        ) from None
    except BaseException:  # KeyboardInterrupt: no layout left running
        _stop(process)
        raise
    if process.returncode != 0 or not out:
        message = _last_line(err.decode("utf-8", "replace")) or "no output"
        how = (f"killed by signal {-process.returncode}" if process.returncode < 0
               else f"exit {process.returncode}")
        if memory_limit is not None and (process.returncode < 0 or "memory" in message.lower()):
            raise RenderMemoryError(f"{chosen.name} failed ({how}, with at most "
                                    f"{memory_limit // 2**20} MB of memory): {message}")
        raise RenderError(f"{chosen.name} failed ({how}): {message}")
    if fmt == "svg":  # the font the layout measured, then one of the same widths
        from .style import FONT, SVG_FONTS

        out = out.replace(f'font-family="{FONT}"'.encode(), f'font-family="{SVG_FONTS}"'.encode())
    return out


def _last_line(text: str, width: int = 200) -> str:
    """The backend's last line on stderr (its error, after any warnings), shortened."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return last if len(last) <= width else last[: width - 1] + "…"


def _capped(memory_limit: int) -> Callable[[], None]:
    """A function run in the child before the backend starts: caps its address space."""

    def cap() -> None:
        if resource is None:
            return
        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        except (ValueError, OSError):  # a system that cannot cap it: the time limit only
            pass

    return cap


def _stop(process: subprocess.Popen) -> None:
    """Kill the backend and whatever it started, and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):  # gone already, or no process groups (Windows)
        process.kill()
    process.communicate()

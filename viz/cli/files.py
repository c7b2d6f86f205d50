"""Where the command reads and writes: finding worked-example files, checking output
paths before the work, and the one-line errors that say what and where.

``locate`` finds a file (a path, NAME.toml here, or a bundled example, a copy
here winning over it; ``-`` is standard input, read once, at most
``MAX_STDIN`` bytes); ``load_example`` reads and runs it; ``check_file_target`` and ``check_folder_target``
refuse an output that cannot be written (a symbolic link included) before any
work is done.  Every problem is a ``UsageError``: one line, exit status 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from .. import safe, worked
from ..safe import visible

EXIT_OK, EXIT_WRONG, EXIT_BAD = 0, 1, 2
EXIT_PIPE = 128 + 13  # stdout closed early (`| head`): as a tool stopped by SIGPIPE


# `-` for a worked example read from standard input (`cat mine.toml | chainrule check -`)
STDIN = Path("stdin")  # this very object stands for it; its stem names the figures (stdin.svg)
STDIN_NAME = "<stdin>"  # how errors and headings name it
MAX_STDIN = 8 * 1024 * 1024  # bytes: a worked example is a few kB
_stdin_text: list[str] = []  # read once: `run - -` runs the same text twice


class UsageError(Exception):
    """A bad input found by the command itself: one line, exit status 2."""


def _one_line(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        text = e.strerror + (f": {e.filename}" if e.filename else "")
    else:
        text = str(e).strip() or type(e).__name__
    return " ".join(text.split())


def complain(problem: BaseException | str) -> None:
    """One line on stderr; whatever of a file it quotes is made visible."""
    text = problem if isinstance(problem, str) else _one_line(problem)
    print(visible(text), file=sys.stderr)


def bundled_dir() -> Path:
    """The folder of the bundled worked examples (installed with the package)."""
    return worked.EXAMPLES_DIR


def bundled_files() -> list[Path]:
    return worked.bundled_examples()


def find_bundled(name: str) -> Path | None:
    """A bundled example by file name, stem, or unambiguous prefix of the stem."""
    stem = name[:-5] if name.endswith(".toml") else name
    files = bundled_files()
    for f in files:
        if f.stem == stem:
            return f
    hits = [f for f in files if f.stem.startswith(stem)] if stem else []
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise UsageError(f"{name}: more than one bundled example starts with that: "
                         + ", ".join(f.stem for f in hits))
    return None


def locate(arg: str) -> tuple[Path, str | None]:
    """A worked-example file and a note saying where it was found, if not as given.

    In this order: ``arg`` as a path; ``arg`` + ".toml" as a path; a bundled
    example by name or unique prefix, except that a file here with the bundled
    file's name (a copy made by ``chainrule examples --copy``) wins over it.
    """
    if arg == "-":
        return STDIN, None
    path = Path(arg)
    if path.is_file():
        return path, None
    if arg and not arg.endswith(".toml"):
        local = Path(arg + ".toml")
        if local.is_file():
            return local, None
    if arg and os.sep not in arg and "/" not in arg:
        found = find_bundled(arg)
        if found is not None:
            copy = Path(found.name)
            if copy.is_file():
                return copy, f"{arg}: the file here, {copy}, not the bundled one"
            return found, f"bundled: {found.name}"
    if path.exists():
        raise UsageError(f"{arg}: not a file")
    raise UsageError(f"{arg}: no such file (nor a bundled example of that name: "
                     "see `chainrule examples`)")


def read_stdin(stream: Any = None) -> str:
    """Standard input as text, once: at most MAX_STDIN bytes of UTF-8 (a BOM allowed)."""
    if not _stdin_text:
        stream = stream if stream is not None else sys.stdin
        if stream is None:
            raise UsageError(f"{STDIN_NAME}: there is no standard input to read")
        source = getattr(stream, "buffer", stream)
        data = source.read(MAX_STDIN + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > MAX_STDIN:
            raise UsageError(f"{STDIN_NAME}: more than {MAX_STDIN // (1024 * 1024)} MB: "
                             "a worked example is a few kB")
        try:
            _stdin_text.append(data.decode("utf-8-sig"))
        except UnicodeDecodeError as e:
            raise UsageError(f"{STDIN_NAME}: not UTF-8 text (byte {e.start})") from None
    return _stdin_text[0]


def load_example(path: Path) -> Any:
    """The worked example at ``path`` read and run once (``STDIN``: standard input)."""
    if path is STDIN:
        return worked.loads(read_stdin(), STDIN_NAME)
    return worked.load(path)


def resolve(arg: str) -> Path:
    """A worked-example file: a path, NAME.toml here, or a bundled example."""
    return locate(arg)[0]


def shown(path: Path) -> str:
    """How a file is named in the output: relative to here, or its bundled name."""
    if path is STDIN:
        return STDIN_NAME
    try:
        if path.resolve().parent == bundled_dir().resolve():
            return f"{path.name} (bundled)"
    except OSError:
        pass
    return str(path)


def _reason(e: OSError) -> str:
    text = e.strerror or str(e) or type(e).__name__
    return " ".join((text[:1].lower() + text[1:]).split())


def cannot_write(what: str, given: str, reason: str | OSError) -> UsageError:
    """'cannot write the log (--log ro): is a folder, not a file'."""
    why = _reason(reason) if isinstance(reason, OSError) else reason
    return UsageError(f"cannot write {what} ({given}): {why}")


def _nearest_existing(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_file_target(path: Path, what: str, given: str, source: Path | None = None) -> None:
    """Fail before any work when ``path`` cannot be written as a file (a symbolic
    link, existing or dangling, is never written through)."""
    why = safe.refusal(path)
    if why is not None:
        raise cannot_write(what, given, why)
    if path.is_dir():
        raise cannot_write(what, given, f"{path} is a folder, not a file")
    parent = path.parent
    if not parent.exists():
        above = _nearest_existing(parent)
        if not above.is_dir():
            raise cannot_write(what, given, f"{above} is a file, not a folder")
        raise cannot_write(what, given, f"the folder {parent} does not exist")
    if not parent.is_dir():
        raise cannot_write(what, given, f"{parent} is a file, not a folder")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise cannot_write(what, given, "permission denied")
    if source is not None and path.exists():
        try:
            same = path.samefile(source)
        except OSError:
            same = False
        if same:
            raise cannot_write(what, given, f"{path} is the worked example itself")


def check_folder_target(folder: Path, what: str, given: str) -> None:
    """Fail before any work when ``folder`` cannot be (made and) written into.

    The folder may be a symbolic link to a folder (the user's own way to it);
    a link to nothing is refused, as are links among the files written in it.
    """
    if folder.is_symlink() and not folder.exists():
        raise cannot_write(what, given, f"{folder} is a symbolic link to "
                           f"{os.readlink(folder)}, which does not exist")
    if folder.exists() and not folder.is_dir():
        raise cannot_write(what, given, f"{folder} is a file, not a folder")
    above = _nearest_existing(folder)
    if not above.is_dir():
        raise cannot_write(what, given, f"{above} is a file, not a folder")
    if not os.access(above, os.W_OK):
        raise cannot_write(what, given, "permission denied")

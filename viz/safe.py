"""What leaves the command: text for a terminal, and files written to disk.

A worked-example file is data from anyone, so nothing it says may steer the
terminal or the file system:

- ``visible(text)``: control characters (C0, DEL, C1) and the Unicode
  bidirectional controls shown as escapes (``\\x1b``, ``\\u202e``), so a title
  cannot set the window title, clear the screen, hide the table or reorder
  what is printed.
- ``ascii_forms``: an encoding error handler that writes the command's
  mathematical signs in ASCII (∂ as d, → as ->) on a terminal whose encoding
  lacks them (cp1252, ASCII), and ``?`` for anything else.
- ``write_file(path, data)``: never through a symbolic link (existing or
  dangling) and never over anything but a regular file; the bytes go to a
  new file in the same folder that then replaces the target, so the target
  is never left half written.
"""

from __future__ import annotations

import codecs
import os
import re
import secrets
import stat
from pathlib import Path

# the colour codes the command itself writes (Select Graphic Rendition), kept with keep_sgr
_SGR = re.compile("(\x1b\\[[0-9;]*m)")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    code = ord(ch)
    return _NAMED.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str, keep_sgr: bool = False) -> str:
    """``text`` with every character that is not printable written as an escape: ESC
    as ``\\x1b``, a newline as ``\\n``, U+202E as ``\\u202e`` (controls, bidi and
    zero-width marks, line separators: whatever ``str.isprintable`` refuses).

    ``keep_sgr`` keeps colour codes (ESC [ digits ; m) as they are: for a line the
    command has coloured itself, after the file's text in it was made visible.
    """
    if text.isprintable():
        return text
    if keep_sgr:
        return "".join(piece if k % 2 else _escaped(piece)
                       for k, piece in enumerate(_SGR.split(text)))
    return _escaped(text)


def _escaped(text: str) -> str:
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


# --- terminals without UTF-8 -----------------------------------------------------------

_GREEK_WORDS = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta",
    "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}
#: How a character the command writes is spelled in ASCII (the rest: ``?``).
ASCII_FORMS: dict[str, str] = {
    **_GREEK_WORDS,
    "∂": "d", "→": "->", "←": "<-", "−": "-", "·": "*", "×": "*", "≈": "~", "━": "=",
    "✗": "X", "✓": "v", "…": "...", "Σ": "sum", "∑": "sum", "÷": "/", "ᵢ": "i", "²": "^2",
    "³": "^3", "ᵀ": "^T", "⊙": "(.)", "√": "sqrt", "′": "'", "ŷ": "y_hat", "—": "-",
    "–": "-", "○": "o", "⊃": ">",
}
ASCII_ERRORS = "chainrule-ascii"


def _ascii_forms(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    part = error.object[error.start:error.end]
    return "".join(ASCII_FORMS.get(ch, "?") for ch in part), error.end


codecs.register_error(ASCII_ERRORS, _ascii_forms)


def is_utf(encoding: str | None) -> bool:
    """Whether a stream of this encoding writes every character."""
    try:
        return codecs.lookup(encoding or "ascii").name.startswith("utf")
    except LookupError:
        return False


# --- files ------------------------------------------------------------------------------


class UnsafeTarget(OSError):
    """A path the command will not write: a symbolic link, or not a regular file."""


def refusal(path: Path) -> str | None:
    """Why ``path`` is not written (a link, a device, ...), or None when it may be."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError:
        return None  # the write itself names the problem
    if stat.S_ISLNK(st.st_mode):
        where = os.readlink(path)
        gone = "" if os.path.exists(path) else ", which does not exist"
        return (f"{path} is a symbolic link (to {where}{gone}); the command does not write "
                "through links: remove it or choose another name")
    if stat.S_ISDIR(st.st_mode):
        return f"{path} is a folder, not a file"
    if not stat.S_ISREG(st.st_mode):
        return f"{path} is not a regular file"
    return None


def write_file(path: str | Path, data: bytes, overwrite: bool = True) -> None:
    """Write ``data`` to ``path``, never through a symbolic link.

    ``overwrite=False`` creates ``path`` and fails if anything (a file, a link)
    is there.  Otherwise the data go to a new file beside it that then
    replaces ``path`` (a rename replaces a link put there meanwhile; it never
    writes through it).  Raises ``UnsafeTarget`` for a link or a non-regular
    file at ``path``, ``OSError`` when the write fails.
    """
    path = Path(path)
    why = refusal(path)
    if why is not None:
        raise UnsafeTarget(why)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if not overwrite:
        _write_new(path, flags, data)
        return
    for _ in range(100):  # a fresh name beside the target
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            _write_new(temp, flags, data)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"no free temporary name beside {path}")
    try:
        why = refusal(path)  # again: a link made while writing is refused too
        if why is not None:
            raise UnsafeTarget(why)
        os.replace(temp, path)
    except BaseException:
        _remove(temp)
        raise


def _write_new(path: Path, flags: int, data: bytes) -> None:
    """Create ``path`` (O_EXCL: not over anything, a link included) and write ``data``."""
    fd = os.open(path, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except BaseException:
        _remove(path)
        raise


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass

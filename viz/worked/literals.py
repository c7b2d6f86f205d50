"""Number literals in worked-example files: their written digits, where they
stand, and what a literal may be.

A hand number keeps its literal text ("0.35890", not 0.3589) so the checker
can count the decimals the document shows.  The text of every float comes
from ``tomllib`` itself (``loads`` hands each float's exact text to
``parse_float``, see ``Written``), so it is right for every spelling TOML
allows: ``[expect.values]``, dotted keys, inline tables, arrays of inline
tables, multi-line arrays.  ``scan_literals`` adds what tomllib does not
give: the line of each value (for file order and messages), the text of
integers, and the keys written twice in a file tomllib rejects; it walks the
TOML grammar (tables, arrays of tables, dotted and quoted keys, inline
tables, arrays, the four kinds of strings, comments, dates) and is only
trusted where its literal has tomllib's value.

``literal_problem`` caps what a literal may be, so reading one is bounded
work and means something for a float: at most ``MAX_LITERAL`` characters,
``MAX_DIGITS`` significant digits and ``MAX_DECIMALS`` decimals, finite, and
not so small that the float would be 0.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from typing import Any

#: Longest number literal accepted, in characters.
MAX_LITERAL = 100
#: Most significant digits a literal may show (a float holds about 17).
MAX_DIGITS = 40
#: Most decimals a literal may show: the smallest float, 4.9e-324, has its
#: 17th significant digit at 10^-340.
MAX_DECIMALS = 340


class Written(float):
    """A float from a TOML file that keeps its literal text, e.g. "2.50"."""

    __slots__ = ("text",)
    text: str  # the literal as written

    def __new__(cls, text: str) -> Written:
        self = super().__new__(cls, text)
        self.text = text
        return self


def toml_loads(text: str) -> dict[str, Any]:
    """``tomllib.loads`` with every float a ``Written`` (its value and its text)."""
    return tomllib.loads(text, parse_float=Written)


# --- reading a decimal literal ---------------------------------------------------------

_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?\Z")
_OTHER_BASE = ("0x", "0o", "0b")


def _parts(text: str) -> tuple[str, str, int] | None:
    """(integer digits, fraction digits, exponent) of a decimal literal, or None
    for an integer in another base; ``ValueError`` if it is no number literal."""
    t = text.strip().replace("_", "")
    if t.lstrip("+-")[:2].lower() in _OTHER_BASE:
        return None
    if len(t) > MAX_LITERAL:
        raise ValueError(f"number literal too long ({len(t)} characters)")
    m = _DECIMAL.match(t)
    if m is None or not (m.group(2) or m.group(3)):
        raise ValueError(f"not a number literal: {text!r}")
    return m.group(2), m.group(3) or "", int(m.group(4) or 0)


def decimals(text: str) -> int:
    """How many decimals a literal shows: "0.00067" 5, "1" 0, "2.5E-4" 5, "1.5e3" -2.

    ``ValueError`` for text that is no number literal or shows more than
    ``MAX_DECIMALS`` (or is longer than ``MAX_LITERAL``).
    """
    parts = _parts(text)
    if parts is None:
        return 0  # an integer in another base
    _, frac, exp = parts
    d = len(frac) - exp
    if abs(d) > MAX_DECIMALS:
        raise ValueError(f"a literal with {d} decimals")
    return d


def shorten(text: str, width: int = 24) -> str:
    """A literal for a message: cut in the middle past ``width`` characters."""
    if len(text) <= width:
        return text
    return f"{text[: width // 2]}...{text[-(width // 2) :]} ({len(text)} characters)"


def literal_problem(text: str, value: float) -> str | None:
    """Why a number literal cannot be a number here, or None when it can.

    ``value`` is the float the literal stands for.  A literal must be at most
    ``MAX_LITERAL`` characters, finite, show at most ``MAX_DIGITS``
    significant digits and ``MAX_DECIMALS`` decimals, and must not be a
    non-zero number so small that its float is 0.
    """
    shown = shorten(text)
    if len(text) > MAX_LITERAL:
        return f"{shown} is too long for a number (at most {MAX_LITERAL} characters)"
    if value != value or value in (float("inf"), float("-inf")):
        return f"{shown} is not a finite number"
    try:
        parts = _parts(text)
    except ValueError:
        return f"{shown} is not a number literal"
    whole, frac, exp = parts or ("", "", 0)
    digits = len((whole + frac).lstrip("0"))
    places = len(frac) - exp
    if digits > MAX_DIGITS:
        return (f"{shown} has {digits} significant digits; a number may have at most "
                f"{MAX_DIGITS} (a float keeps about 17)")
    if value == 0 and digits:
        return f"{shown} is too small for a float: it would be 0 (the smallest is about 4.9e-324)"
    if places > MAX_DECIMALS:
        return f"{shown} shows {places:,} decimals; a number may show at most {MAX_DECIMALS}"
    return None


# --- where each value stands: a scanner over the TOML grammar ----------------------------

# tomllib's own patterns for the scalars that are not strings (Python 3.11 tomllib._re)
_TIME = r"([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]{1,6})[0-9]*)?"
_RE_NUMBER = re.compile(
    r"0(?:x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|b[01](?:_?[01])*|o[0-7](?:_?[0-7])*)"
    r"|[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?"
)
_RE_LOCALTIME = re.compile(_TIME)
_RE_DATETIME = re.compile(
    r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    rf"(?:[Tt ]{_TIME}(?:([Zz])|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))?)?"
)
_RE_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_RE_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"')  # an escape skips the character after it
_RE_MULTILINE_BASIC = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL)
_WS = " \t"


class _Stop(Exception):
    """Text the scanner cannot follow: it keeps what it found before."""


class _Scanner:
    def __init__(self, text: str) -> None:
        self.src = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.found: dict[tuple, tuple[str | None, int]] = {}
        self.twice: list[tuple[tuple, int, int]] = []

    def line(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def skip_ws(self, pos: int) -> int:
        src = self.src
        while pos < len(src) and src[pos] in _WS:
            pos += 1
        return pos

    def skip_ws_comments_newlines(self, pos: int) -> int:
        src = self.src
        while pos < len(src):
            ch = src[pos]
            if ch in " \t\n" or src.startswith("\r\n", pos):
                pos += 1
            elif ch == "#":
                pos = self.end_of_line(pos)
            else:
                break
        return pos

    def end_of_line(self, pos: int) -> int:
        end = self.src.find("\n", pos)
        return len(self.src) if end < 0 else end

    # --- keys and strings -----------------------------------------------------------

    def extra_quotes(self, pos: int, quote: str) -> int:
        # a multi-line string may end with one or two quotes before its delimiter
        for _ in range(2):
            if self.src.startswith(quote, pos):
                pos += 1
        return pos

    def string_end(self, pos: int) -> int:
        """The position after the string starting at ``pos``."""
        src = self.src
        if src.startswith('"""', pos):
            m = _RE_MULTILINE_BASIC.match(src, pos)
            if m is None:
                raise _Stop
            return self.extra_quotes(m.end(), '"')
        if src.startswith("'''", pos):
            end = src.find("'''", pos + 3)
            if end < 0:
                raise _Stop
            return self.extra_quotes(end + 3, "'")
        if src[pos] == '"':
            m = _RE_BASIC.match(src, pos)
            if m is None:
                raise _Stop
            return m.end()
        end = src.find("'", pos + 1)
        if end < 0 or "\n" in src[pos:end]:
            raise _Stop
        return end + 1

    def key(self, pos: int) -> tuple[tuple[str, ...], int]:
        """A dotted key at ``pos``: (its parts, the position after it)."""
        src, parts = self.src, []
        while True:
            pos = self.skip_ws(pos)
            if pos >= len(src):
                raise _Stop
            if src[pos] in "\"'":
                if src.startswith(('"""', "'''"), pos):
                    raise _Stop
                end = self.string_end(pos)
                try:  # tomllib decodes the escapes, as it did for the data
                    parts.append(tomllib.loads("k = " + src[pos:end])["k"])
                except tomllib.TOMLDecodeError:
                    raise _Stop from None
                pos = end
            else:
                m = _RE_BARE_KEY.match(src, pos)
                if m is None:
                    raise _Stop
                parts.append(m.group())
                pos = m.end()
            pos = self.skip_ws(pos)
            if not src.startswith(".", pos):
                return tuple(parts), pos
            pos += 1

    # --- the document's shape --------------------------------------------------------

    def nest(self, root: dict, path: tuple, keys: tuple[str, ...]) -> tuple[dict, tuple]:
        """The table at ``keys`` below ``root``, made if missing; an array of
        tables stands for its last entry (TOML's rule for headers)."""
        table = root
        for k in keys:
            child = table.setdefault(k, {})
            if isinstance(child, list):
                if not child or not isinstance(child[-1], dict):
                    raise _Stop
                path += (k, len(child) - 1)
                child = child[-1]
            elif isinstance(child, dict):
                path += (k,)
            else:
                raise _Stop
            table = child
        return table, path

    def put(self, table: dict, path: tuple, keys: tuple[str, ...], value: Any, line: int) -> None:
        """``keys = value`` in ``table`` (at ``path``): dotted keys make tables."""
        table, path = self.nest(table, path, keys[:-1])
        full = path + (keys[-1],)
        if keys[-1] in table:
            first = self.found.get(full, (None, 0))[1]
            self.twice.append((full, first, line))
            return
        table[keys[-1]] = value

    def value(self, pos: int, path: tuple) -> tuple[Any, int]:
        """The value at ``pos`` (its shape: dict, list or None) and the position after it.

        Records the value's line, and a number's literal text, under ``path``.
        """
        src = self.src
        if pos >= len(src):
            raise _Stop
        line = self.line(pos)
        ch = src[pos]
        literal = None
        if ch in "\"'":
            end = self.string_end(pos)
        elif ch == "[":
            items, end = self.array(pos + 1, path)
            self.found.setdefault(path, (None, line))
            return items, end
        elif ch == "{":
            table, end = self.inline_table(pos + 1, path)
            self.found.setdefault(path, (None, line))
            return table, end
        elif src.startswith(("true", "false"), pos):
            end = pos + (4 if ch == "t" else 5)
        else:  # in tomllib's order: dates, times, numbers, inf and nan
            m = _RE_DATETIME.match(src, pos) or _RE_LOCALTIME.match(src, pos)
            if m is not None:
                end = m.end()
            else:
                m = _RE_NUMBER.match(src, pos)
                if m is not None:
                    end = m.end()
                elif src.startswith(("inf", "nan"), pos):
                    end = pos + 3
                elif src.startswith(("+inf", "-inf", "+nan", "-nan"), pos):
                    end = pos + 4
                else:
                    raise _Stop
                literal = src[pos:end]
        self.found.setdefault(path, (literal, line))
        return None, end

    def array(self, pos: int, path: tuple) -> tuple[list, int]:
        items: list = []
        while True:
            pos = self.skip_ws_comments_newlines(pos)
            if self.src.startswith("]", pos):
                return items, pos + 1
            shape, pos = self.value(pos, path + (len(items),))
            items.append(shape)
            pos = self.skip_ws_comments_newlines(pos)
            if self.src.startswith(",", pos):
                pos += 1
            elif self.src.startswith("]", pos):
                return items, pos + 1
            else:
                raise _Stop

    def inline_table(self, pos: int, path: tuple) -> tuple[dict, int]:
        table: dict = {}
        pos = self.skip_ws(pos)
        if self.src.startswith("}", pos):
            return table, pos + 1
        while True:
            pos = self.key_value(pos, table, path)
            pos = self.skip_ws(pos)
            if self.src.startswith(",", pos):
                pos += 1
            elif self.src.startswith("}", pos):
                return table, pos + 1
            else:
                raise _Stop

    def key_value(self, pos: int, table: dict, path: tuple) -> int:
        keys, pos = self.key(pos)
        if not self.src.startswith("=", pos):
            raise _Stop
        pos = self.skip_ws(pos + 1)
        line = self.line(pos)
        _, table_path = self.nest(table, path, keys[:-1])
        shape, end = self.value(pos, table_path + (keys[-1],))
        self.put(table, path, keys, shape, line)
        return end

    def document(self) -> None:
        src = self.src
        root: dict = {}
        table, path = root, ()
        pos = 0
        while True:
            pos = self.skip_ws(pos)
            if pos >= len(src):
                return
            if src[pos] == "#":
                pos = self.end_of_line(pos)
            elif src[pos] == "\n":
                pos += 1
            elif src.startswith("\r\n", pos):
                pos += 2
            else:
                if src.startswith("[[", pos):
                    keys, pos = self.key(pos + 2)
                    if not src.startswith("]]", pos):
                        raise _Stop
                    parent, parent_path = self.nest(root, (), keys[:-1])
                    entries = parent.setdefault(keys[-1], [])
                    if not isinstance(entries, list):
                        raise _Stop
                    path = parent_path + (keys[-1], len(entries))
                    table = {}
                    entries.append(table)
                    pos += 2
                elif src[pos] == "[":
                    keys, pos = self.key(pos + 1)
                    if not src.startswith("]", pos):
                        raise _Stop
                    table, path = self.nest(root, (), keys)
                    pos += 1
                else:
                    pos = self.key_value(pos, table, path)
                pos = self.skip_ws(pos)
                if src.startswith("#", pos):
                    pos = self.end_of_line(pos)
                if pos < len(src) and not (src[pos] == "\n" or src.startswith("\r\n", pos)):
                    raise _Stop


def scan_literals(text: str) -> tuple[dict[tuple, tuple[str | None, int]], list[tuple[tuple, int, int]]]:
    """The line of every value in a TOML document, and the text of every number.

    Keys are full paths, as in tomllib's data: ``("expect", "values", "a_h1")``;
    an array or an array of tables adds the entry's index:
    ``("expect", "epochs", 0, "loss")``.  Each maps to (the number's literal
    text, or None for another value; the 1-based line where the value starts).
    Also returns the keys written twice, as (path, first line, second line).
    On text that is not TOML it keeps what it found before the first problem.
    """
    scanner = _Scanner(text)
    try:
        scanner.document()
    except (_Stop, RecursionError):
        pass
    return scanner.found, scanner.twice

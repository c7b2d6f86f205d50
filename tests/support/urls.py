"""The external URLs an HTML page (or SVG) names, read from its markup without a browser.

A page that must work from a file opened offline names no http(s): or
protocol-relative (``//host``) URL at all: not in ``src``/``href``/``srcset``
and the other URL attributes, not in CSS ``url(...)`` or ``@import``, links
included (they are dead offline too). XML namespace names (``xmlns``,
``xmlns:xlink``) are identifiers, never fetched, and do not count.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

URL_ATTRIBUTES = {"src", "href", "xlink:href", "action", "formaction", "poster", "data", "cite",
                  "background", "manifest", "ping", "longdesc", "usemap", "codebase", "icon"}
_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_LOCAL_SCHEMES = re.compile(r"^\s*(?:file|data|blob|about):", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE)


def _external(url: str) -> bool:
    return bool(_EXTERNAL.match(url)) and not _LOCAL_SCHEMES.match(url)


def _css_urls(css: str) -> list[str]:
    return [match.group(2) or match.group(4) for match in _CSS_URL.finditer(css)]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None or name.startswith("xmlns"):
                continue
            if name in URL_ATTRIBUTES:
                self.urls.append(value)
            elif name in ("srcset", "imagesrcset"):
                self.urls.extend(part.split()[0] for part in value.split(",") if part.split())
            elif name == "style":
                self.urls.extend(_css_urls(value))
            elif name == "content" and "url=" in value.lower():  # <meta http-equiv="refresh">
                self.urls.append(value.lower().split("url=", 1)[1])

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls.extend(_css_urls(data))


def external_urls(markup: str) -> list[str]:
    """Every external URL the markup names, in order (an empty list for a self-contained page)."""
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    return [url for url in collector.urls if _external(url)]

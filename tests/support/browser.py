"""Pages opened in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright), offline.

A page is loaded from a file:// URL. Every request it attempts is recorded;
any that is not file:, data:, blob: or about: is aborted before it is sent
(and host names resolve to nothing, for whatever routing might miss), and
counts as a problem, as do console errors and uncaught page errors: a
``Visit`` checks them all when its ``with`` block ends without an exception.

The browser is launched once per test session (the ``chromium`` fixture in
support.fixtures); each page gets a fresh browser context (its own cookies,
storage and cache) in the browser's fresh temporary profile, which
Playwright's ``launch`` creates and deletes. No browser is downloaded:
``playwright install`` is never run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .availability import require

REASON = "headless Chromium opens the HTML page"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing leaves the machine
]
LOCAL_SCHEMES = ("file", "data", "blob", "about")
TIMEOUT_MS = 30000
VIEWPORT = {"width": 1000, "height": 700}


@contextmanager
def chromium_browser() -> Iterator[object]:
    """A launched Playwright ``Browser`` of headless Debian Chromium, closed on exit."""
    require("chromium", REASON)
    import shutil

    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """One page in the browser and everything it tried: ``page`` is Playwright's ``Page``."""

    page: object
    url: str
    requests: list[str] = field(default_factory=list)   # every URL asked for, in order
    external: list[str] = field(default_factory=list)   # those not local: aborted, never sent
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"network request to {url}" for url in self.external]
                + [f"console error: {text}" for text in self.console_errors]
                + [f"page error: {text}" for text in self.page_errors])

    def assert_clean(self) -> None:
        problems = self.problems()
        if problems:
            raise AssertionError(f"{self.url}: " + "; ".join(problems))


def _local(url: str) -> bool:
    return urlsplit(url).scheme in LOCAL_SCHEMES


@contextmanager
def open_page(browser, source: str | Path, directory: Path, check: bool = True,
              name: str = "page.html") -> Iterator[Visit]:
    """Load ``source`` (HTML text, or the path of a file) and yield its ``Visit``.

    HTML text is written to ``directory/name`` first. With ``check``, the end
    of the block raises AssertionError on any network request, console error
    or page error the page made.
    """
    if isinstance(source, Path):
        path = source.resolve()
    else:
        path = Path(directory).resolve() / name
        path.write_text(source, encoding="utf-8")
    context = browser.new_context(service_workers="block", viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    visit = Visit(page=None, url=path.as_uri())

    def route(route) -> None:
        url = route.request.url
        if _local(url):
            route.continue_()
        else:
            visit.external.append(url)
            route.abort("blockedbyclient")

    try:
        context.route("**/*", route)
        page = context.new_page()
        visit.page = page
        page.on("request", lambda request: visit.requests.append(request.url))
        page.on("websocket", lambda socket: visit.external.append(socket.url))
        page.on("console", lambda message: message.type == "error"
                and visit.console_errors.append(message.text))
        page.on("pageerror", lambda error: visit.page_errors.append(str(error)))
        page.goto(visit.url, wait_until="load")
        yield visit
    finally:
        context.close()
    if check:
        visit.assert_clean()


def screenshot(page, path: Path, full_page: bool = True) -> Path:
    """A PNG of the page at ``path`` (to look at)."""
    page.screenshot(path=str(path), full_page=full_page)
    return Path(path)


@dataclass(frozen=True)
class TextBox:
    """A text element's words and its box on the rendered page, in CSS pixels."""

    text: str
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: TextBox, margin: float = 0.0) -> bool:
        """True when the two boxes, each shrunk by ``margin``, share any area."""
        return (self.x + margin < other.x + other.width - margin
                and other.x + margin < self.x + self.width - margin
                and self.y + margin < other.y + other.height - margin
                and other.y + margin < self.y + self.height - margin)


_TEXT_BOXES = """() => Array.from(document.querySelectorAll('text')).map(t => {
  const r = t.getBoundingClientRect();
  return {text: t.textContent, x: r.x, y: r.y, width: r.width, height: r.height};
})"""


def text_boxes(page) -> list[TextBox]:
    """Every SVG ``<text>`` element on the page with its rendered bounding box, in document order."""
    return [TextBox(**box) for box in page.evaluate(_TEXT_BOXES)]


def overlapping_texts(boxes: list[TextBox], margin: float = 0.0) -> list[tuple[TextBox, TextBox]]:
    """Each pair of text boxes that overlap (beyond ``margin`` pixels)."""
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b, margin)]


def svg_text_boxes(browser, svg: str | Path, directory: Path) -> list[TextBox]:
    """Open an SVG (text, or a file's path) in Chromium and give its text elements' boxes."""
    with open_page(browser, svg, directory, name="figure.svg") as visit:
        return text_boxes(visit.page)

"""A LaTeX document compiled by pdflatex, and its PDF read back (pdftotext) or drawn as PNG pages (pdftoppm).

pdflatex runs with ``-interaction=nonstopmode -halt-on-error -no-shell-escape``
in the test's own folder, with no standard input and a timeout, so a broken
document stops at its first error instead of waiting for a reply.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .availability import require

TIMEOUT = 120.0
REASON = "pdflatex compiles the standalone LaTeX document"
CONTEXT_LINES = 6  # a TeX error is "! message", then the source context, up to "l.N ..."


def log_errors(log: str) -> list[str]:
    """The error paragraphs of a TeX log: each "! ..." line with the lines that locate it."""
    lines = log.splitlines()
    errors = []
    for index, line in enumerate(lines):
        if line.startswith("!"):
            block = [line]
            for following in lines[index + 1:index + 1 + CONTEXT_LINES]:
                block.append(following)
                if following.startswith("l."):
                    break
            errors.append("\n".join(block))
    return errors


def pdflatex_compile(tex_source: str, tmp_path: Path, name: str = "document", runs: int = 1,
                     timeout: float = TIMEOUT) -> Path:
    """Compile ``tex_source`` in ``tmp_path``; the PDF's path, or AssertionError with the log's errors."""
    require("pdflatex", REASON)
    tmp_path = Path(tmp_path)
    tex = tmp_path / f"{name}.tex"
    tex.write_text(tex_source, encoding="utf-8")
    # -no-file-line-error: errors start with "!", as log_errors reads them
    command = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
               "-no-file-line-error", tex.name]
    for _ in range(runs):
        done = subprocess.run(command, cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout)
        log_path = tmp_path / f"{name}.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
        if done.returncode != 0:
            errors = log_errors(log) or log.splitlines()[-20:] or [done.stdout.decode("utf-8", "replace")]
            raise AssertionError(f"pdflatex failed (exit {done.returncode}) on {tex}:\n" + "\n".join(errors))
    pdf = tmp_path / f"{name}.pdf"
    if not pdf.is_file():
        raise AssertionError(f"pdflatex wrote no {pdf.name} in {tmp_path}")
    return pdf


def pdf_text(pdf: Path, layout: bool = False) -> str:
    """The PDF's text as pdftotext reads it (``layout`` keeps the columns lined up)."""
    require("pdftotext", "pdftotext reads the numbers back from the PDF")
    command = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(pdf), "-"]
    done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=True)
    return done.stdout.decode("utf-8")


def pdf_pages_png(pdf: Path, directory: Path, dpi: int = 100) -> list[Path]:
    """Each page of the PDF drawn as a PNG in ``directory`` (to look at), in page order."""
    require("pdftoppm", "pdftoppm draws the PDF's pages")
    directory = Path(directory)
    prefix = directory / Path(pdf).stem
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)],
                   capture_output=True, timeout=TIMEOUT, check=True)
    return sorted(directory.glob(f"{prefix.name}-*.png"))

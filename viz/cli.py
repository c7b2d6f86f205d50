"""The ``chainrule`` command: check backpropagation worked by hand.

Subcommands: ``run`` (the documents' tables, then the check, and a graph per
file), ``check`` (the verdict table or JSON, with an exit status),
``explain`` (the chain-rule derivation of one gradient), ``draw`` (the graph
with one chain highlighted), ``train`` (many steps with a log) and
``examples`` (the bundled worked examples).  Every bad input, and every
output that cannot be written, is one line on stderr naming what and where,
with exit status 2, never a traceback; output paths are checked before the
work.

A file is data from anyone: its text is printed with control characters
made visible (``viz.safe``), no output goes through a symbolic link, and a
graph is laid out only within a node, time and memory limit.  A closed
stdout (``| head``) ends the command without a word.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

from autograd import topological_order

from . import check as checker
from . import derive as derive_mod
from . import safe
from . import worked
from .derive import fmt
from .render import RenderMemoryError, RenderTimeout
from .safe import visible
from .report import FORMATS, Blank, Figure, Part, Report
from .report import write as write_report
from .views.check import check_report
from .views.explain import explain_report
from .views.run import run_report, totals_report
from .views.train import train_report
from .worked import WorkedExampleError

EXIT_OK, EXIT_WRONG, EXIT_BAD = 0, 1, 2
EXIT_PIPE = 128 + 13  # stdout closed early (`| head`): as a tool stopped by SIGPIPE
WIDTH = 80
DEFAULT_OUT = "chainrule-out"

# Bounds on laying out a graph.  The largest bundled example draws 126 nodes.  Layout
# time depends on the shape more than the size: a plain chain of 6,000 nodes took `dot` 9
# seconds, but a chain whose every node also uses one leaf took it 13 s at 300 nodes,
# 39 s at 400 (and 2 GB and more past that), so the time and memory limits stay too.
DEFAULT_MAX_NODES = 300  # values + operations; --max-nodes raises it
RENDER_TIMEOUT_VAR, DEFAULT_RENDER_TIMEOUT = "CHAINRULE_RENDER_TIMEOUT", 60.0  # seconds
RENDER_MEMORY_VAR, DEFAULT_RENDER_MEMORY = "CHAINRULE_RENDER_MEMORY", 2048  # MB


class UsageError(Exception):
    """A bad input found by the command itself: one line, exit status 2."""


# --- terminal style --------------------------------------------------------------


class Style:
    """ANSI colour when the stream is a terminal and NO_COLOR is unset."""

    CODES = {"bold": "1", "dim": "2", "red": "1;31", "green": "32", "yellow": "33", "cyan": "36"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream: TextIO, mode: str = "auto") -> "Style":
        if mode == "always":
            return cls(True)
        if mode == "never" or os.environ.get("NO_COLOR"):
            return cls(False)
        isatty = getattr(stream, "isatty", None)
        return cls(bool(isatty and isatty()))

    def __call__(self, kind: str, text: str) -> str:
        text = visible(text)  # a file's own codes are shown, never obeyed
        if not self.enabled or not text:
            return text
        return f"\033[{self.CODES[kind]}m{text}\033[0m"

    def verdicts(self, text: str) -> str:
        """Colour the lines of a table that end in a verdict: wrong ones red."""
        if not self.enabled:
            return text
        lines = []
        for line in text.split("\n"):
            stripped = line.rstrip()
            for word, kind in (("wrong", "red"), ("WRONG", "red"), ("close", "yellow"),
                               ("exact", "green")):
                if stripped.endswith(" " + word):
                    if kind == "red":
                        line = self("red", stripped)
                    else:
                        line = stripped[: -len(word)] + self(kind, word)
                    break
            lines.append(line)
        return "\n".join(lines)


# --- finding files ------------------------------------------------------------------


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


def resolve(arg: str) -> Path:
    """A worked-example file: a path, NAME.toml here, or a bundled example."""
    return locate(arg)[0]


def shown(path: Path) -> str:
    """How a file is named in the output: relative to here, or its bundled name."""
    try:
        if path.resolve().parent == bundled_dir().resolve():
            return f"{path.name} (bundled)"
    except OSError:
        pass
    return str(path)


def header(st: "Style", title: str, note: str | None) -> list[str]:
    """The title line, with the note on where the file came from after it (or
    on a line of its own when both do not fit in 80 columns)."""
    title = visible(title)
    if note is None:
        return [st("bold", title)]
    if len(title) + len(note) + 4 <= WIDTH:
        return [st("bold", title) + "  " + st("dim", f"({note})")]
    return [st("bold", title), st("dim", f"  ({note})")]


# --- where output goes: checked before the work ------------------------------------


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


# --- the pieces of a report ----------------------------------------------------------


def _load(path: Path) -> Any:
    return worked.load(path)


def _build(example: Any) -> dict:
    values = worked.build(example)
    if example.loss is not None:
        worked.backward(example, values)
    return values


def _root(example: Any, values: dict) -> Any:
    """The node a graph or derivation starts from: the loss, else the last node."""
    if example.loss is not None:
        return values[example.loss]
    if example.nodes:
        return values[list(example.nodes)[-1]]
    raise UsageError(f"{example.path}: [nodes]: the file has no node to draw")


def _target(example: Any, values: dict, name: str) -> Any:
    if name not in values:  # every input, parameter and node can be differentiated by
        known = ", ".join(n for n in example.names if n in values)
        raise UsageError(f"{example.path}: --wrt {name}: no leaf or node of that name "
                         f"(try one of: {known})")
    return values[name]


def _need_loss(example: Any, what: str) -> None:
    if example.loss is None:
        raise UsageError(f"{example.path}: [train] loss: the file has no loss, so there "
                         f"is nothing to {what}")


def summary(verdicts: Sequence[Any]) -> str:
    c = checker.summary(list(verdicts))
    n = c["total"]
    return (f"{n} number{'s' if n != 1 else ''}: {c['exact']} exact, "
            f"{c['close']} close, {c['wrong']} wrong")


def emit(report: Report, args: argparse.Namespace, out: Callable[[str], None],
         st: Style) -> None:
    """The report in the format asked for (``--format``), to standard output."""
    fmt_name = getattr(args, "format", "text") or "text"
    if fmt_name == "text":
        text = report.to_text(color=st.enabled)
    elif fmt_name == "latex":
        text = report.to_latex(standalone=getattr(args, "standalone", False))
    else:
        text = write_report(report, fmt_name)
    for line in text.rstrip("\n").split("\n"):
        out(line)


# --- the subcommands ----------------------------------------------------------------


def _opt(flag: str, value: str) -> str:
    """An option as the user gave it: '-o figs', "-o ''"."""
    return f"{flag} {value}" if value else f"{flag} ''"


def cmd_run(args: argparse.Namespace, out: Callable[[str], None], st: Style) -> int:
    files = [resolve(f) for f in args.files] if args.files else bundled_files()
    if not files:
        raise UsageError(f"{bundled_dir()}: no bundled examples found")
    outdir = None if args.no_graphs else Path(args.output)
    given = _opt("-o", args.output)
    if outdir is not None:  # before the reports: a bad -o fails at once
        if not args.output:
            raise cannot_write("the graphs", given, "the folder name is empty")
        check_folder_target(outdir, "the graphs", given)
        for path in files:
            target = outdir / f"{path.stem}.svg"
            why = safe.refusal(target)
            if why is not None:
                raise cannot_write(f"the graph {target}", given, why)
        limits = render_limits()
    status = EXIT_OK
    parts: list[Report] = []
    totals: list[tuple[str, str, bool]] = []
    for path in files:
        try:
            example = _load(path)
            figure = None
            if outdir is not None:
                target = outdir / f"{path.stem}.svg"
                try:
                    outdir.mkdir(parents=True, exist_ok=True)
                    _, svg = write_graph(example, _build(example), None, target,
                                         args.max_nodes, limits,
                                         "skip the graphs (--no-graphs)")
                    figure = Figure(svg.decode("utf-8"), f"The computation graph of "
                                    f"{example.title}", str(target))
                except GraphError as e:
                    complain(cannot_write(f"the graph {target}", given, str(e)))
                    status = EXIT_BAD
            part = run_report(example, shown(path), args.digits, figure)
        except WorkedExampleError as e:
            complain(e)
            status = EXIT_BAD
            continue
        parts.append(part)
        c = part.data["summary"]
        totals.append((path.stem, _counts_line(c), c["wrong"] > 0))
    if not parts:
        return status
    if len(parts) == 1:
        emit(parts[0], args, out, st)
        return status
    whole = Report("run", "", header="none")
    for k, part in enumerate(parts):
        if k:
            whole.add(Blank(), Blank())
        whole.add(Part(part))
    whole.add(Blank(), Blank(), Part(totals_report(totals)))
    whole.data = {"examples": [p.data for p in parts]}
    emit(whole, args, out, st)
    return status


def _counts_line(c: dict) -> str:
    n = c["total"]
    return (f"{n} number{'s' if n != 1 else ''}: {c['exact']} exact, "
            f"{c['close']} close, {c['wrong']} wrong")


def cmd_check(args: argparse.Namespace, out: Callable[[str], None], st: Style) -> int:
    path, note = locate(args.file)
    example = _load(path)
    verdicts = checker.check(example)
    if args.json:  # the old spelling of --format json
        args.format = "json"
    emit(check_report(example.title, note, verdicts), args, out, st)
    return EXIT_WRONG if any(v.verdict == "wrong" for v in verdicts) else EXIT_OK


def cmd_explain(args: argparse.Namespace, out: Callable[[str], None], st: Style) -> int:
    path, note = locate(args.file)
    example = _load(path)
    _need_loss(example, "differentiate")
    values = _build(example)
    target = _target(example, values, args.wrt)
    d = derive_mod.derive(values[example.loss], target, max_paths=args.max_paths)
    points = derive_mod.hand_points(d, example.expect_grads, example.expect_deltas,
                                    example.rtol)
    emit(explain_report(d, note, args.digits, points, target.grad, title=example.title),
         args, out, st)
    return EXIT_OK


def _draw(example: Any, values: dict, wrt: str | None) -> Any:
    from .graph import draw

    root = _root(example, values)
    highlight = _target(example, values, wrt) if wrt else None
    params = [values[k] for k in example.params]
    return draw(root, highlight=highlight, params=params, max_nodes=None)


class GraphError(Exception):
    """A graph that was not written: the reason, for ``cannot_write``."""


def render_limits() -> tuple[float, int]:
    """The layout's limits: seconds, and bytes of memory (defaults, or the environment's)."""

    def read(var: str, default: float, unit: str) -> float:
        text = os.environ.get(var, "").strip()
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"{var}={text}: expected a positive number of {unit}")
        return value

    seconds = read(RENDER_TIMEOUT_VAR, DEFAULT_RENDER_TIMEOUT, "seconds")
    return seconds, int(read(RENDER_MEMORY_VAR, DEFAULT_RENDER_MEMORY, "megabytes") * 2**20)


def write_graph(example: Any, values: dict, wrt: str | None, target: Path, max_nodes: int,
                limits: tuple[float, int], instead: str) -> tuple[Any, bytes]:
    """Draw the graph, lay it out in the format ``target``'s extension names, write it.

    The layout is bounded: at most ``max_nodes`` nodes (values + operations;
    DOT text needs no layout), then the time and memory ``limits``.  Every
    failure is a ``GraphError`` whose reason ends in what to do: ``instead``,
    or raise the limit.
    """
    fmt = target.suffix.lower().lstrip(".")
    order = topological_order(_root(example, values))
    size = len(order) + sum(1 for v in order if v.parents)
    if fmt not in ("dot", "gv") and size > max_nodes:
        raise GraphError(f"the graph has {size} nodes ({len(order)} values, {size - len(order)} "
                         f"operations), more than --max-nodes {max_nodes}, and its layout could "
                         f"take minutes: {instead}, or raise the limit (--max-nodes {size})")
    seconds, memory = limits
    try:
        graph = _draw(example, values, wrt)
        data = graph.pipe(fmt, timeout=seconds, memory_limit=memory)
    except RenderTimeout as e:
        raise GraphError(f"{_one_line(e)} of {size} nodes: {instead}, or allow more time "
                         f"({RENDER_TIMEOUT_VAR}=SECONDS)") from None
    except RenderMemoryError as e:
        raise GraphError(f"{_one_line(e)}: {instead}, or allow more memory "
                         f"({RENDER_MEMORY_VAR}=MB)") from None
    except (ValueError, RuntimeError) as e:  # RenderError is a RuntimeError
        raise GraphError(_one_line(e)) from None
    try:
        safe.write_file(target, data)
    except OSError as e:
        raise GraphError(_reason(e)) from None
    return graph, data


def _graph_target(output: str | None, path: Path) -> tuple[Path, str]:
    """The file ``draw`` writes and how to name it in an error; checked before drawing."""
    from .graph import FORMATS

    if output is None:
        target = Path(f"{path.stem}.svg")
        given = f"-o {target}, the default"
    else:
        target, given = Path(output), _opt("-o", output)
        if not output.strip():
            raise cannot_write("the graph", given, "the file name is empty "
                                                   "(give one such as graph.svg)")
    name = target.name
    if not target.suffix and name.startswith(".") and name[1:].lower() in FORMATS:
        raise cannot_write("the graph", given, f"the file name is empty before the "
                           f"extension {name} (give one such as graph{name})")
    if target.suffix.lower().lstrip(".") not in FORMATS and not target.is_dir():
        ext = f"the extension {target.suffix} names no format" if target.suffix \
            else "no extension to name the format"
        raise cannot_write("the graph", given, f"{ext}: use .svg, .png, .pdf or .dot")
    check_file_target(target, "the graph", given, source=path)
    return target, given


def cmd_draw(args: argparse.Namespace, out: Callable[[str], None], st: Style) -> int:
    path, note = locate(args.file)
    target, given = _graph_target(args.output, path)
    limits = render_limits()
    example = _load(path)
    values = _build(example)
    try:
        graph, _ = write_graph(example, values, args.wrt, target, args.max_nodes, limits,
                            f"write the DOT text, which needs no layout (-o {path.stem}.dot)")
    except GraphError as e:
        raise cannot_write("the graph", given, str(e)) from None
    what = f", every path from {_root(example, values).name} down to {args.wrt} in red" \
        if args.wrt else ""
    if note is not None:
        out(st("dim", f"({note})"))
    out(f"wrote {visible(str(target))} ({graph.values} values, {graph.operations} "
        f"operations{what})")
    return EXIT_OK


def cmd_train(args: argparse.Namespace, out: Callable[[str], None], st: Style) -> int:
    path, note = locate(args.file)
    example = _load(path)
    _need_loss(example, "train")
    if example.lr is None:
        raise UsageError(f"{example.path}: train.lr: missing: training needs a learning rate")
    steps = args.steps if args.steps is not None else example.steps
    if steps < 1:
        raise UsageError(f"--steps {steps}: need at least 1 step")
    problem = worked.steps_problem(example, steps)
    if problem is not None:  # the work is bounded: steps × the graph's size
        raise UsageError(f"--steps {steps}: {problem}")
    log_given = _opt("--log", args.log or "")
    if args.log is not None:  # before training: a bad --log fails at once
        if not args.log.strip():
            raise cannot_write("the log", log_given, "the file name is empty")
        check_file_target(Path(args.log), "the log", log_given, source=path)
    every = args.log_every or max(1, steps // 10)
    bar = None
    if sys.stderr.isatty() and not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=steps, unit="step", file=sys.stderr, leave=False, dynamic_ncols=True)

    def on_epoch(epoch: int, record: dict) -> None:
        if bar is not None:
            bar.update(1)

    try:
        rows = worked.train(example, steps=steps, on_epoch=on_epoch)
    finally:
        if bar is not None:
            bar.close()
    log_line = None
    if args.log:
        keys = sorted({k for r in rows for k in r}, key=lambda k: (k != example.loss, k))
        text = io.StringIO(newline="")
        w = csv.writer(text)
        w.writerow(["epoch"] + keys)
        for epoch, r in enumerate(rows):
            w.writerow([epoch] + [repr(r[k]) if k in r else "" for k in keys])
        try:
            safe.write_file(args.log, text.getvalue().encode("utf-8"))
        except OSError as e:
            raise cannot_write("the log", log_given, e) from None
        log_line = f"wrote {args.log} ({len(rows)} epochs, every value at the start of each)"
    emit(train_report(example, note, steps, every, rows, args.digits, log_line), args, out, st)
    return EXIT_OK


def cmd_examples(args: argparse.Namespace, out: Callable[[str], None], st: Style) -> int:
    if args.dest is not None and not args.copy:
        raise UsageError(f"{args.dest}: a destination needs --copy NAME")
    if args.copy:
        src = find_bundled(args.copy)
        if src is None:
            raise UsageError(f"{args.copy}: no bundled example of that name "
                             "(see `chainrule examples`)")
        what = f"the copy of {src.name}"
        if args.dest is not None and not args.dest.strip():
            raise cannot_write(what, "DEST ''", "the file name is empty")
        dest = Path(args.dest) if args.dest else Path(src.name)
        if dest.is_dir():
            dest = dest / src.name
        given = f"DEST {args.dest}" if args.dest else str(dest)
        check_file_target(dest, what, given)  # a link, even to nothing, is refused here
        if dest.exists() and not args.force:
            raise UsageError(f"{dest}: already exists (choose another DEST, or --force)")
        try:
            safe.write_file(dest, src.read_bytes(), overwrite=args.force)
        except FileExistsError:  # made meanwhile
            raise UsageError(f"{dest}: already exists (choose another DEST, or --force)") from None
        except OSError as e:
            raise cannot_write(what, given, e) from None
        shown_dest = visible(str(dest))
        out(f"wrote {shown_dest}: edit its numbers, then `chainrule check {shown_dest}`")
        return EXIT_OK
    files = bundled_files()
    w = max((len(f.stem) for f in files), default=0)
    out(st("bold", f"{len(files)} bundled worked examples") + st("dim", f" ({bundled_dir()})"))
    for f in files:
        try:
            title = visible(_load(f).title)
        except WorkedExampleError as e:
            title = f"(unreadable: {visible(_one_line(e))})"
        lines = textwrap.wrap(title, max(20, WIDTH - w - 4)) or [""]
        out(f"  {f.stem:<{w}}  {lines[0]}")
        for more in lines[1:]:
            out(f"  {'':<{w}}  {more}")
    out("")
    out("Copy one to start your own: chainrule examples --copy NAME [DEST]")
    return EXIT_OK


# --- the parser ---------------------------------------------------------------------

MAIN_EPILOG = """\
examples:
  chainrule run                        every bundled example: tables, check, SVG
  chainrule run mywork.toml -o out/    your own file
  chainrule check mywork.toml          which hand numbers are right (exit 0/1)
  chainrule check mywork.toml --json   the same for machines
  chainrule explain seed001 --wrt b1   the chain rule behind one gradient
  chainrule draw seed001 -o g.svg --wrt w1     the graph, the chain to w1 in red
  chainrule train seed002 --log-every 200      many steps with a log
  chainrule examples --copy seed001 mine.toml  start a file of your own

FILE is a worked-example TOML file (its name without .toml will do), or
else the name of a bundled example (`chainrule examples` lists them; a unique
prefix such as seed001 will do).  A file here wins over a bundled one of the
same name; output says when a bundled example is used.

exit status:
  0  done; for `run`, also when hand numbers are wrong (run is a report)
  1  `check` only: at least one hand number is wrong
  2  bad input (a file, a key, an expression, an option) or output that
     could not be written; the reason is one line on stderr
  141  stdout was closed before the end (`chainrule run | head`): the
     command stops without a word
"""

LAYOUT_NOTE = (
    "A graph is laid out (SVG, PNG, PDF) only up to --max-nodes nodes, within\n"
    f"{DEFAULT_RENDER_TIMEOUT:g} s and {DEFAULT_RENDER_MEMORY} MB of memory; "
    f"{RENDER_TIMEOUT_VAR} (seconds)\nand {RENDER_MEMORY_VAR} (MB) allow more.  "
    "No output is written through\na symbolic link."
)

EPILOGS = {
    "run": """\
examples:
  chainrule run              every bundled example, graphs in ./chainrule-out
  chainrule run a.toml b.toml -o figs
  chainrule run seed000 --no-graphs

run is a report: it exits 0 even when hand numbers are wrong (use `check` for
an exit status), and 2 when a file is bad or a graph cannot be written.

""" + LAYOUT_NOTE,
    "check": """\
examples:
  chainrule check mywork.toml
  chainrule check seed000 --json | python3 -m json.tool

exit status: 0 every hand number is exact or close, 1 at least one is wrong,
2 bad input.""",
    "explain": """\
examples:
  chainrule explain seed001 --wrt w5
  chainrule explain seed001 --wrt b1            two paths, and their sum
  chainrule explain seed000 --wrt w14 --digits 3""",
    "draw": """\
examples:
  chainrule draw seed001 -o graph.svg
  chainrule draw seed001 -o b1.svg --wrt b1     both paths to b1 in red
  chainrule draw mywork.toml -o graph.dot       DOT text, no renderer needed

""" + LAYOUT_NOTE,
    "train": """\
examples:
  chainrule train seed002                      the file's steps, 10 log lines
  chainrule train seed002 --log-every 200 --log log.csv
  chainrule train seed001 --steps 5000""",
    "examples": """\
examples:
  chainrule examples
  chainrule examples --copy seed001             writes ./seed001_....toml
  chainrule examples --copy seed001 mine.toml""",
}


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _digits(text: str) -> int:
    n = _positive(text)
    if n > 17:
        raise argparse.ArgumentTypeError(f"at most 17 significant digits, got {n}")
    return n


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD, visible(f"{self.prog}: {message} (see `{self.prog} --help`)") + "\n")


def add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text (default), markdown (tables and $…$ math for a post), latex "
                        "(align* and booktabs tables), html (one self-contained page) or "
                        "json (every number at full precision)")
    p.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete document for pdflatex")


def build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = Parser(
        prog="chainrule",
        description=textwrap.fill("Check backpropagation worked by hand: which of your "
                                  "numbers are right, and the chain rule behind each "
                                  "gradient.", 78),
        epilog=MAIN_EPILOG, formatter_class=raw)
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the output (auto: only on a terminal, never with NO_COLOR)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=textwrap.fill(help, 78),
                              epilog=EPILOGS[name], formatter_class=raw)

    p = add("run", "forward values, loss, gradients, the update table and the check, "
                   "for each file (default: every bundled example), with a graph of each")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("-o", "--output", default=DEFAULT_OUT, metavar="DIR",
                   help=f"folder for the SVG graphs (default: ./{DEFAULT_OUT})")
    p.add_argument("--no-graphs", action="store_true", help="write no graphs")
    p.add_argument("--max-nodes", type=_positive, default=DEFAULT_MAX_NODES, metavar="N",
                   help="draw no graph of more than N nodes, values and operations, whose "
                        f"layout could take minutes (default {DEFAULT_MAX_NODES})")
    p.add_argument("--digits", type=_digits, default=4, metavar="N",
                   help="significant digits (default 4)")
    add_format(p)
    p.set_defaults(func=cmd_run)

    p = add("check", "the hand numbers against the engine: exact, close or wrong")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="the same as --format json")
    add_format(p)
    p.set_defaults(func=cmd_check)

    p = add("explain", "the chain-rule derivation of one gradient: every path from "
                       "the loss down, its factors, their products and the sum")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--wrt", required=True, metavar="NAME", help="the leaf or node to differentiate by")
    p.add_argument("--digits", type=_digits, default=4, metavar="N",
                   help="significant digits (default 4)")
    p.add_argument("--max-paths", type=_positive, default=derive_mod.DEFAULT_MAX_PATHS,
                   metavar="N", help="past N paths, show each node's δ instead "
                                     f"(default {derive_mod.DEFAULT_MAX_PATHS})")
    add_format(p)
    p.set_defaults(func=cmd_explain)

    p = add("draw", "the computation graph as SVG, PNG, PDF or DOT, optionally with "
                    "the chain to one name highlighted")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="the file to write; its extension gives the format (default: FILE's name .svg)")
    p.add_argument("--wrt", metavar="NAME", help="highlight every path from the loss down to NAME")
    p.add_argument("--max-nodes", type=_positive, default=DEFAULT_MAX_NODES, metavar="N",
                   help="lay out no graph of more than N nodes, values and operations "
                        f"(default {DEFAULT_MAX_NODES}; DOT text has no limit)")
    p.set_defaults(func=cmd_draw)

    p = add("train", "many steps of gradient descent with a log")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--steps", type=_positive, help="number of steps (default: the file's [train] steps)")
    p.add_argument("--log-every", type=_positive, metavar="N",
                   help="a log line every N epochs (default: 10 lines in all)")
    p.add_argument("--log", metavar="CSV", help="write every epoch's values to this CSV file")
    p.add_argument("--digits", type=_digits, default=6, metavar="N",
                   help="significant digits (default 6)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_format(p)
    p.set_defaults(func=cmd_train)

    p = add("examples", "list the bundled worked examples, or copy one to start your own")
    p.add_argument("--copy", metavar="NAME", help="copy this bundled example")
    p.add_argument("dest", nargs="?", metavar="DEST", help="where to copy it (default: here)")
    p.add_argument("--force", action="store_true", help="overwrite DEST")
    p.set_defaults(func=cmd_examples)
    return parser


# --- entry point ----------------------------------------------------------------------


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


def _ascii_fallback(stream: Any) -> None:
    """A stream that cannot write every character (cp1252, ASCII) writes ∂ as d,
    → as ->, and ? for the rest, instead of failing on the first one."""
    if safe.is_utf(getattr(stream, "encoding", None)) or getattr(stream, "errors", "") != "strict":
        return
    try:
        stream.reconfigure(errors=safe.ASCII_ERRORS)
    except (AttributeError, ValueError, OSError):
        pass


def _stdout_closed() -> int:
    """stdout was closed (`chainrule run | head -1`): stop without a word.  What is
    still buffered goes nowhere, so the exit flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test's capture)
        pass
    return EXIT_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit status is returned (0, 1 or 2; 141 when stdout
    was closed before the end, as for a tool stopped by SIGPIPE)."""
    for stream in (sys.stdout, sys.stderr):
        _ascii_fallback(stream)
    try:
        status = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here when the output fit in its buffer
        return status
    except BrokenPipeError:  # `chainrule run | head`
        return _stdout_closed()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error, already printed (2)
        return e.code if isinstance(e.code, int) else EXIT_BAD
    st = Style.for_stream(sys.stdout, args.color)

    def out(text: str = "") -> None:
        # every line once more through visible(): nothing of a file steers the terminal
        for line in text.split("\n"):
            print(visible(line, keep_sgr=st.enabled), file=sys.stdout)

    try:
        return args.func(args, out, st)
    except BrokenPipeError:
        raise
    except (UsageError, WorkedExampleError, OSError) as e:
        complain(e)
        return EXIT_BAD

"""The subcommands: each builds its report and hands it to a writer.

``run`` (the documents' tables, the check, a graph per file), ``check`` (the
verdicts, with an exit status), ``explain`` (the chain-rule derivation of one
gradient), ``draw`` (the graph with one chain highlighted), ``train`` (many
steps with a log) and ``examples`` (the bundled worked examples).  A command
parses nothing and formats nothing: ``emit`` gives the report to the writer
``--format`` names.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import textwrap
from pathlib import Path
from typing import Any, TextIO
from collections.abc import Callable

from .. import safe, worked
from ..handcheck import derive as derive_mod
from ..handcheck import verdicts as checker
from ..report import Blank, Figure, Part, Report
from ..report import write as write_report
from ..safe import visible
from ..views.check import FileCheck, Rounding, check_report, files_report
from ..views.explain import explain_report
from ..views.run import run_report, totals_report
from ..views.train import after_record, train_report
from ..worked import WorkedExampleError
from .figures import (
    GraphError, _graph_target, _opt, _root, _target, render_limits, write_graph,
)
from .files import (
    EXIT_BAD, EXIT_OK, EXIT_WRONG, UsageError, bundled_dir, bundled_files, cannot_write,
    _one_line, check_file_target, check_folder_target, complain, find_bundled, load_example, locate,
    resolve, shown,
)

WIDTH = 80
DEFAULT_OUT = "chainrule-out"


class Style:
    """ANSI colour when the stream is a terminal and NO_COLOR is unset."""

    CODES = {"bold": "1", "dim": "2", "red": "1;31", "green": "32", "yellow": "33", "cyan": "36"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream: TextIO, mode: str = "auto") -> Style:
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


def _load(path: Path) -> Any:
    return load_example(path)  # `-`: standard input


def _build(example: Any) -> dict:
    values = worked.build(example)
    if example.loss is not None:
        worked.backward(example, values)
    return values


def _need_loss(example: Any, what: str) -> None:
    if example.loss is None:
        raise UsageError(f"{example.path}: [train] loss: the file has no loss, so there "
                         f"is nothing to {what}")


def emit(report: Report, args: argparse.Namespace, out: Callable[[str], None],
         st: Style) -> None:
    """The report in the format asked for (``--format``), to standard output."""
    fmt_name = getattr(args, "format", "text") or "text"
    if fmt_name == "text":  # a terminal without UTF-8 gets the ASCII forms (∂ as d)
        encoding = getattr(sys.stdout, "encoding", None)  # None: a text buffer, no limits
        text = report.to_text(color=st.enabled,
                              ascii=encoding is not None and not safe.is_utf(encoding))
    elif fmt_name == "latex":
        text = report.to_latex(standalone=getattr(args, "standalone", False))
    else:
        text = write_report(report, fmt_name)
    for line in text.rstrip("\n").split("\n"):
        out(line)


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
            part = run_report(example, shown(path), args.digits or 4, figure, args.decimals,
                              _rounding(args))
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


def _rounding(args: argparse.Namespace) -> Rounding:
    """--decimals N or --digits N, given explicitly; else each hand number's own decimals."""
    return Rounding(decimals=getattr(args, "decimals", None), digits=getattr(args, "digits", None))


def cmd_check(args: argparse.Namespace, out: Callable[[str], None], st: Style) -> int:
    """One file: its check (exit 1 when a number is wrong; a bad file is exit 2).  Several:
    each is checked, a bad one is said in one line on stderr and the others are still
    checked; exit 2 if any was bad, else 1 if any number is wrong, else 0."""
    if args.json:  # the old spelling of --format json
        args.format = "json"
    if args.files.count("-") > 1:
        raise UsageError("-: standard input is given more than once; it holds one worked "
                         "example, so give `-` at most once")
    if len(args.files) == 1:
        path, note = locate(args.files[0])
        example = _load(path)
        verdicts = checker.check(example)
        emit(check_report(example.title, note, verdicts, _rounding(args)), args, out, st)
        return EXIT_WRONG if any(v.verdict == "wrong" for v in verdicts) else EXIT_OK
    checked: list[FileCheck] = []
    for arg in args.files:
        name = arg
        try:
            path, note = locate(arg)
            name = shown(path)
            example = _load(path)
            verdicts = checker.check(example)
        except (UsageError, WorkedExampleError, OSError) as e:
            complain(e)
            checked.append(FileCheck(name, error=_one_line(e)))
            continue
        bundled_note = note is not None and note.startswith("bundled: ")  # the name says so
        checked.append(FileCheck(name, example.title, None if bundled_note else note,
                                 tuple(verdicts)))
    emit(files_report(checked, _rounding(args)), args, out, st)
    if any(f.error is not None for f in checked):
        return EXIT_BAD
    wrong = any(v.verdict == "wrong" for f in checked for v in f.verdicts)
    return EXIT_WRONG if wrong else EXIT_OK


def cmd_explain(args: argparse.Namespace, out: Callable[[str], None], st: Style) -> int:
    from ..handcheck import forms, rules_explained
    from ..handcheck.layers import NotLayered
    from ..views.explain import form_report, rule_report

    if getattr(args, "rule", None) is not None:  # no file: where a local derivative comes from
        if args.file is not None:
            raise UsageError(f"--rule {args.rule}: takes no FILE (got {args.file})")
        try:
            rule = rules_explained.rule(args.rule)
        except KeyError as e:
            raise UsageError(str(e.args[0])) from None
        emit(rule_report(rule), args, out, st)
        return EXIT_OK
    if args.file is None:
        raise UsageError("explain: needs a FILE (or --rule NAME for a local derivative)")
    form = getattr(args, "form", "paths")
    if form == "paths" and args.wrt is None:
        raise UsageError("explain: --wrt NAME is needed for the paths form "
                         "(or --form delta|matrix for the whole network)")
    path, note = locate(args.file)
    example = _load(path)
    _need_loss(example, "differentiate")
    values = _build(example)
    if form != "paths":
        if args.wrt is not None:
            _target(example, values, args.wrt)  # a bad name is still an error
        inputs = [values[n] for n in example.inputs if n in values]
        root = values[example.loss]
        data: forms.DeltaForm | forms.MatrixForm
        try:
            if form == "delta":
                data = forms.delta_form(root, getattr(example, "delta_sign", "-dloss/dz"),
                                        example.lr, inputs)
            else:
                data = forms.matrix_form(root, example.lr, inputs)
        except NotLayered as e:
            raise UsageError(f"{example.path}: --form {form}: not a layered network "
                             f"({e}); only --form paths applies") from None
        emit(form_report(form, data, note, args.digits, title=example.title), args, out, st)
        return EXIT_OK
    target = _target(example, values, args.wrt)
    d = derive_mod.derive(values[example.loss], target, max_paths=args.max_paths)
    points = derive_mod.hand_points(d, example.expect_grads, example.expect_deltas,
                                    example.rtol)
    emit(explain_report(d, note, args.digits, points, target.grad, title=example.title),
         args, out, st)
    return EXIT_OK


def cmd_draw(args: argparse.Namespace, out: Callable[[str], None], st: Style) -> int:
    path, note = locate(args.file)
    target, given = _graph_target(args.output, path)
    limits = render_limits()
    example = _load(path)
    values = _build(example)
    try:
        options = dict(neurons=args.neurons, edge_labels=args.edge_labels, legend=args.legend,
                       title=args.title, rankdir=args.rankdir, digits=args.digits)
        graph, _ = write_graph(example, values, args.wrt, target, args.max_nodes, limits,
                            f"write the DOT text, which needs no layout (-o {path.stem}.dot)",
                            options)
    except GraphError as e:
        raise cannot_write("the graph", given, str(e)) from None
    what = f", every path from {_root(example, values).name} down to {args.wrt} in red" \
        if args.wrt else ""
    if note is not None:
        out(st("dim", f"({note})"))
    view = f"{graph.neurons} neurons, " if graph.neurons is not None else ""
    out(f"wrote {visible(str(target))} ({view}{graph.values} values, {graph.operations} "
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
    show = sys.stderr.isatty() and not args.quiet
    if show:
        try:  # optional (the `progress` extra): without tqdm, no bar
            from tqdm import tqdm
        except ImportError:
            show = False
    if show:
        bar = tqdm(total=steps, unit="step", file=sys.stderr, leave=False, dynamic_ncols=True)

    def on_epoch(epoch: int, record: dict) -> None:
        if bar is not None:
            bar.update(1)

    columns = _log_columns(example, args.columns)
    grads = any(c.startswith(GRAD) for c in columns or ())
    try:
        rows = worked.train(example, steps=steps, on_epoch=on_epoch, grads=grads)
    finally:
        if bar is not None:
            bar.close()
    log_line = None
    if args.log:
        keys = columns or sorted({k for r in rows for k in r if not k.startswith(GRAD)},
                                 key=lambda k: (k != example.loss, k))
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
    after = after_record(example, rows[-1]) if rows else None
    emit(train_report(example, note, steps, every, rows, args.digits, log_line, args.decimals,
                      after), args, out, st)
    return EXIT_OK


GRAD = "grad:"


def _log_columns(example: Any, given: str | None) -> list[str] | None:
    """The CSV log's columns from --columns (names, and grad:NAME for dloss/dNAME), in
    the order given; None for every value.  An unknown name is a UsageError."""
    if given is None:
        return None
    columns = [c.strip() for c in given.split(",") if c.strip()]
    if not columns:
        raise UsageError("--columns: no column names (e.g. --columns loss,a_o,grad:w1)")
    for c in columns:
        name = c[len(GRAD):] if c.startswith(GRAD) else c
        if example.kind_of(name) is None:
            raise UsageError(f"--columns: no leaf or node named '{visible(name)}' in "
                             f"{example.path}" + (" (a gradient is grad:NAME)" if ":" in c else ""))
    return list(dict.fromkeys(columns))


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

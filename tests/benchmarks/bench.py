"""chainrule against micrograd 0.1.0: step times, ratios and bytes per node.

    python3 -m pip install -e '.[bench]' && python3 tests/benchmarks/bench.py

First every mode's gradients are checked against micrograd (where it runs)
and against hand-written float code, to 1e-9; nothing is timed if one
disagrees.  Then each workload is timed with the modes interleaved (the
order rotates each round), ``gc.collect()`` before every timed run, and the
medians are printed as Markdown tables, then bytes per node and the peak
memory while recording (``--recording``: that table alone).  Not part of the
test suite.
"""

from __future__ import annotations

import argparse
import gc
import math
import importlib.util
import os
import platform
import statistics
import sys
import time
import tracemalloc
from typing import Any, NamedTuple, NoReturn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
if importlib.util.find_spec("autograd") is None:  # not installed: use this checkout
    sys.path.append(os.path.dirname(os.path.dirname(HERE)))

import workloads  # noqa: E402
from workloads import EVERY_POINT, MODES, count_nodes, runners  # noqa: E402

WORKLOADS = [
    ("demo", "micrograd's demo step (MLP 2-16-16-1, 100 moons)"),
    ("chain:400", "deep chain, 400 ops"),
    ("chain:1000", "deep chain, 1,000 ops"),
    ("chain:10000", "deep chain, 10,000 ops"),
    ("chain:100000", "deep chain, 100,000 ops"),
    ("wide:100000", "wide sum of 100,000 products"),
    ("mlp:16", "MLP 2-16-16-1, 20 moons"),
    ("mlp:64", "MLP 2-64-64-1, 20 moons"),
    ("mlp:128", "MLP 2-128-128-1, 20 moons"),
]
MILLION = ("chain:1000000", "deep chain, 1,000,000 ops")
MILLION_ROUNDS = 3  # timed runs of the 1,000,000-op chain per mode (each about half a second)
MEMORY = {"demo", "chain:400", "chain:100000", "wide:100000"}  # workloads measured for bytes per node
RECORDING = [  # graphs recorded under tracemalloc: the peak while recording, per node
    ("chain:35000", "deep chain, 17,503 nodes"),
    ("chain:350000", "deep chain, 175,003 nodes"),
    ("mlp:128:16", "nn.MLP 2-128-128-1 (fused), one batch of 16 points"),
]
TOLERANCE = 1e-9
DEMO_STEPS = 3  # consecutive training steps per timed run of the demo (the collector's work amortised)
MIN_RUN = 0.05  # seconds: shorter steps are repeated within one timed run
clock = time.process_time  # CPU time of this process: other work on the machine counts less
BEGIN = "<!-- bench.py --readme writes from here: one run, do not edit by hand -->"
END = "<!-- bench.py --readme writes up to here -->"
REPORT: list[str] = []  # every line printed, for --readme


def say(*parts: Any, flush: bool = False) -> None:
    """Print a line of the report (Markdown) and keep it for ``--readme``."""
    text = " ".join(str(p) for p in parts)
    REPORT.append(text)
    print(text, flush=True)


def machine() -> str:
    """'CPU model, N cores, Python x.y.z': where the numbers were measured."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} cores, {platform.python_implementation()} "
            f"{platform.python_version()}, {platform.system()}")


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 2: bad input, no traceback."""
    print(message, file=sys.stderr)
    raise SystemExit(2)


def readme_text(path: str) -> str:
    """The file's text, checked for one BEGIN marker and one END marker after it
    (before the run, so that a long run does not end in this error)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        fail(f"bench.py: --readme {path}: {exc.strerror}")
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        fail(f"bench.py: --readme {path} needs one line {BEGIN!r} and, after it, one line {END!r}")
    return text


def write_readme(path: str, command: str) -> None:
    """Put this run's report between the BEGIN and END markers of ``path``."""
    text = readme_text(path)
    body = "\n".join(REPORT).strip("\n")
    block = f"{BEGIN}\n\nMeasured with `{command}`.\n\n{body}\n\n{END}"
    head, rest = text.split(BEGIN)
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + block + rest.split(END, 1)[1])


def agree(a: list[float], b: list[float]) -> float | None:
    """None when every pair agrees to TOLERANCE (relative above 1), else the worst gap."""
    worst = max(abs(x - y) / max(1.0, abs(y)) for x, y in zip(a, b)) if a else 0.0
    return None if len(a) == len(b) and worst <= TOLERANCE else worst


def check(workload: str, modes: list[str]) -> dict[str, str]:
    """Run one step in each mode and compare gradients; returns mode -> failure note."""
    made = runners(workload)
    grads: dict[str, list[float]] = {}
    failed: dict[str, str] = {mode: "not run" for mode in modes if mode not in made}
    for mode in modes:
        if mode not in made:
            continue
        r = made[mode]()
        r.reset()
        try:
            r.step()
        except RecursionError:
            failed[mode] = "RecursionError"
            continue
        grads[mode] = list(r.grads())
        del r
        gc.collect()
    reference = "micrograd" if "micrograd" in grads else "floats"
    for mode, g in grads.items():
        for other in {reference, "floats"}:
            gap = agree(g, grads[other])
            if gap is not None:
                raise SystemExit(f"{workload}: {mode} and {other} gradients differ by {gap:.3g} "
                                 f"(> {TOLERANCE:g}); nothing timed")
    return failed


def timed_run(r: Any, demo: bool, repeat: int) -> float:
    """CPU seconds per step, over ``repeat`` consecutive steps after a fresh reset."""
    r.reset()
    if demo:
        r.step()  # warm-up: its graph stays alive while the next is built, as in the demo's loop
    gc.collect()
    t = clock()
    for _ in range(repeat):
        r.step()
    t = clock() - t
    r.reset()
    return t / repeat


class Timing(NamedTuple):
    """One workload's timings."""

    med: dict[str, float]  # median seconds per step, by mode
    rec: float  # the replay's one-time cost: build the graph once, record, compile
    nodes: int  # nodes of one eager step's graph (0 when eager does not run)
    to_floats: dict[str, float]  # median over the rounds of (mode ÷ floats) within each round
    to_every_point: dict[str, float]  # the same over the demo's floats without the flat-hinge skip
    kernel: tuple[float, float] | None = None  # eager: system seconds and page faults per node


def time_workload(workload: str, modes: list[str], rounds: int) -> Timing:
    """Median seconds per step for each mode, the replay's one-time recording cost,
    the nodes of one eager step's graph, and each mode's time over the floats' paired
    round by round: both timed in the same round, so a slow spell of a shared machine
    weighs on both sides of the ratio."""
    made = runners(workload)
    built = {}
    record_time = 0.0
    for mode in modes:
        gc.collect()
        t = clock()
        built[mode] = made[mode]()
        if mode == "replay":
            record_time = clock() - t  # the graph built once, recorded, compiled
    nodes = count_nodes(built["eager"].forward()) if "eager" in built else 0
    gc.collect()
    demo = workload == "demo" or workload.startswith("mlp:")
    repeat = {}
    for mode in modes:  # enough steps per timed run to fill MIN_RUN seconds
        once = timed_run(built[mode], demo, 1)
        repeat[mode] = DEMO_STEPS if demo else max(1, min(1000, math.ceil(MIN_RUN / max(once, 1e-6))))
    times: dict[str, list[float]] = {m: [] for m in modes}
    for k in range(rounds):
        for mode in modes[k % len(modes):] + modes[:k % len(modes)]:
            times[mode].append(timed_run(built[mode], demo, repeat[mode]))
    del built
    gc.collect()
    def paired(base: str) -> dict[str, float]:
        return {m: statistics.median(t / f for t, f in zip(ts, times[base]))
                for m, ts in times.items() if base in times}

    return Timing({m: statistics.median(ts) for m, ts in times.items()}, record_time, nodes,
                  paired("floats"), paired(EVERY_POINT))


def bytes_per_node(workload: str, mode: str) -> tuple[float, int]:
    """Memory the forward and backward leave allocated, per node they created (tracemalloc)."""
    r = runners(workload)[mode]()
    r.reset()
    before = len(getattr(r, "params", ()))
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    if mode == "replay":
        root = r.forward()
        base = tracemalloc.get_traced_memory()[0]
        replay = workloads.record(root, params=r.params)
        size = tracemalloc.get_traced_memory()[0] - base
        nodes = replay.nodes
        tracemalloc.stop()
        return size / nodes, nodes
    root = r.forward()
    root.backward()
    size = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    nodes = count_nodes(root) - before
    del root, r
    gc.collect()
    return size / nodes, nodes


def record_peak(workload: str) -> tuple[int, int, int, int, float]:
    """(peak bytes during record(), bytes it keeps, nodes, operands, CPU seconds under tracemalloc)."""
    root, params, outputs = workloads.recording_graph(workload)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    t = clock()
    replay = workloads.record(root, params=params, outputs=outputs)
    t = clock() - t
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    operands = sum(len(node.parents) for node in workloads.topological_order(root))
    return peak - base, kept - base, replay.nodes, operands, t


def kernel_share(workload: str, steps: int = 3) -> tuple[float, float] | None:
    """(system CPU seconds per node, page faults per node) of eager steps of ``workload``:
    the kernel's part of the time, mostly fresh pages for a large graph (None off Unix)."""
    try:
        import resource
    except ImportError:
        return None
    r = runners(workload)["eager"]()
    r.reset()
    nodes = count_nodes(r.forward())
    r.step()
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(steps):
        r.step()
    after = resource.getrusage(resource.RUSAGE_SELF)
    return ((after.ru_stime - before.ru_stime) / steps / nodes,
            (after.ru_minflt - before.ru_minflt) / steps / nodes)


RECORD_RUNS = 3  # record() timed this many times, each on a fresh graph: the least is kept


def record_time(workload: str) -> tuple[float, int]:
    """(CPU seconds of record() alone, without tracemalloc, the least of ``RECORD_RUNS``
    runs: other work on a shared machine only ever adds time; nodes recorded)."""
    best, nodes = math.inf, 0
    for _ in range(RECORD_RUNS):
        root, params, outputs = workloads.recording_graph(workload)
        gc.collect()
        t = clock()
        replay = workloads.record(root, params=params, outputs=outputs)
        best, nodes = min(best, clock() - t), replay.nodes
        del replay, root, params, outputs
    return best, nodes


RecordRow = tuple[str, int, int, int, int, float]  # (workload, peak, kept, nodes, operands, seconds)


def record_table() -> list[RecordRow]:
    """Each recording graph's peak and kept bytes, nodes, operands and record() seconds.
    main measures it before the other workloads: their large graphs leave the heap
    fragmented, which a program recording its model at the start does not have."""
    table = []
    for workload, _ in RECORDING:
        peak, kept, nodes, operands, _ = record_peak(workload)
        gc.collect()
        t, _ = record_time(workload)
        table.append((workload, peak, kept, nodes, operands, t))
        gc.collect()
    return table


def record_times(table: list[RecordRow]) -> dict[str, tuple[float, float]]:
    """workload -> (record() seconds per node, peak bytes per node)."""
    return {w: (t / nodes, peak / nodes) for w, peak, _, nodes, _, t in table}


def print_record_peaks(table: list[RecordRow]) -> dict[str, tuple[float, float]]:
    """Print the recording table; returns workload -> (record() seconds per node, peak bytes per node)."""
    say("\npeak memory while recording (tracemalloc peak during record(), what the replay keeps), "
          f"and record() alone (the least of {RECORD_RUNS} runs):")
    say("\n| graph | nodes | operands | peak per node | per operand | kept per node | peak | "
          "record() | per node |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    labels = dict(RECORDING)
    for workload, peak, kept, nodes, operands, t in table:
        say(f"| {labels[workload]} | {nodes:,} | {operands:,} | {peak / nodes:,.0f} B | {peak / operands:,.0f} B | "
              f"{kept / nodes:,.0f} B | {peak / 2**20:,.0f} MiB | {fmt_time(t)} | {t / nodes * 1e6:.1f} µs |")
    return record_times(table)


Row = tuple[str, float | None, str, float, str]  # (what, value, unit, target, note)


def target_rows(measured: dict[str, Timing], peaks: dict[str, tuple[float, float]]) -> list[Row]:
    """Issue 16's targets, each with the value one run measured."""
    rows: list[Row] = []

    def ratio(workload: str, a: str) -> float | None:  # a's time ÷ the floats', paired by round
        return measured[workload].to_floats.get(a) if workload in measured else None

    def per_node(workload: str) -> float | None:
        if workload not in measured:
            return None
        med, nodes = measured[workload].med, measured[workload].nodes
        return med["eager"] / nodes if "eager" in med and nodes else None

    def every_point(mode: str) -> str:  # against the float step that walks every point too
        value = measured["demo"].to_every_point.get(mode) if "demo" in measured else None
        return "" if value is None else f"{value:.2f}× the floats walking every point"

    rows.append(("eager demo step ÷ floats", ratio("demo", "eager"), "×", 12, every_point("eager")))
    wide, narrow = per_node("mlp:64"), per_node("mlp:16")
    rows.append(("eager per node, MLP width 64 ÷ width 16", wide / narrow if wide and narrow else None, "",
                 1.3, f"{narrow * 1e9:.0f} → {wide * 1e9:.0f} ns per node" if wide and narrow else ""))
    big, small = per_node("chain:1000000"), per_node("chain:1000")
    note = f"{small * 1e9:.0f} → {big * 1e9:.0f} ns per op" if big and small else ""
    kernel = measured["chain:1000000"].kernel if big and small else None
    if kernel is not None:  # what the kernel adds: fresh pages for the big graph
        note += (f"; of the 1e6 chain's, {kernel[0] * 1e9:.0f} ns in the kernel "
                 f"({kernel[1]:.3f} page faults per op)")
    rows.append(("eager per op, 1e6-op chain ÷ 1e3-op chain", big / small if big and small else None, "", 1.3,
                 note))
    rows.append(("fused demo step ÷ floats", ratio("demo", "fused"), "×", 4, every_point("fused")))
    for workload, label in [("demo", "demo"), ("mlp:64", "MLP width 64"), ("mlp:128", "MLP width 128"),
                            ("wide:100000", "wide sum"), ("chain:1000", "chain 1e3"),
                            ("chain:100000", "chain 1e5")]:
        rows.append((f"replay ÷ floats, {label}", ratio(workload, "replay"), "×", 1.3, ""))
    per = {w: p for w, p in peaks.items()}
    small_chain, big_chain = per.get("chain:35000"), per.get("chain:350000")
    for workload, label in [("chain:35000", "chain 17,503 nodes"), ("chain:350000", "chain 175,003 nodes"),
                            ("mlp:128:16", "MLP 2-128-128-1 batch of 16")]:
        if workload in per:
            rows.append((f"recording time per node, {label}", per[workload][0] * 1e6, " µs", 5, ""))
    if small_chain and big_chain:
        rows.append(("recording time per node, chain 175,003 ÷ 17,503 (linear)", big_chain[0] / small_chain[0],
                     "", 1.3, ""))
    for workload, label in [("chain:35000", "chain 17,503 nodes"), ("chain:350000", "chain 175,003 nodes"),
                            ("mlp:128:16", "MLP 2-128-128-1 batch of 16")]:
        if workload in per:
            rows.append((f"recording peak memory per node, {label}", per[workload][1] / 1024, " KB", 2, ""))
    demo = measured.get("demo", Timing({}, 0.0, 0, {}, {}))
    med, rec = demo.med, demo.rec
    if "fused" in med and "replay" in med and med["fused"] > med["replay"]:
        steps = rec / (med["fused"] - med["replay"])
        rows.append(("replay break-even against fused, demo step", steps, " steps", 10,
                     f"one-time cost {fmt_time(rec)} ÷ ({fmt_time(med['fused'])} − {fmt_time(med['replay'])})"))
    else:
        rows.append(("replay break-even against fused, demo step", None, " steps", 10, ""))
    return rows


def print_targets(runs: list[list[Row]]) -> None:
    """Issue 16's table: each target beside its value, the median over the runs (one
    run unless ``--repeat``), with the runs' range and the first run's note."""
    many = len(runs) > 1
    say(f"\ntargets (issue 16), every ratio from {'the ' + str(len(runs)) + ' runs above' if many else 'this run'}:")
    say("\n| workload | measured | target | met | |")
    say("|---|---:|---:|:---:|---|")
    for k, (what, _, unit, target, note) in enumerate(runs[0]):
        values = [v for run in runs if (v := run[k][1]) is not None]
        value = statistics.median(values) if values else None
        shown = "not run" if value is None else f"{value:.2f}{unit}"
        met = "—" if value is None else ("yes" if value <= target else "no")
        if many and values:
            spread = f"median of {len(values)} runs, {min(values):.2f} to {max(values):.2f}"
            note = f"{spread}; run 1: {note}" if note else spread
        say(f"| {what} | {shown} | ≤ {target:g}{unit} | {met} | {note} |")


def fmt_time(t: float | None) -> str:
    if t is None:
        return "—"
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def time_all(chosen: list[tuple[str, str]], failed: dict[str, dict[str, str]], rounds: int,
             million: bool) -> dict[str, Timing]:
    """Every chosen workload timed in each mode that ran (and the 1,000,000-op chain)."""
    measured: dict[str, Timing] = {}
    for workload, _ in chosen:
        modes = [m for m in MODES + [EVERY_POINT] if m not in failed[workload]]
        n = rounds if not workload.endswith(("100000", ":128")) else max(3, rounds // 2)
        measured[workload] = time_workload(workload, modes, n)
    if million:
        workload = MILLION[0]
        timing = time_workload(workload, ["eager", "fused", "floats"], MILLION_ROUNDS)
        measured[workload] = timing._replace(kernel=kernel_share(workload))
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed runs per mode (median), default 7")
    parser.add_argument("--no-million", action="store_true", help="skip the 1,000,000-op chain")
    parser.add_argument("--only", nargs="*", metavar="WORKLOAD",
                        help="run only these workloads (demo, chain:N, wide:N)")
    parser.add_argument("--recording", action="store_true",
                        help="only the peak memory while recording (no micrograd needed), about a minute")
    parser.add_argument("--no-recording", action="store_true",
                        help="skip the recording's memory and time (the slowest part)")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="time everything K times; the targets table shows each target's median "
                             "and range over the K runs (the other tables are the first run's)")
    parser.add_argument("--readme", metavar="README.md",
                        help="write this run's tables into the file, between its bench.py markers")
    args = parser.parse_args(argv)
    for flag, count in (("--rounds", args.rounds), ("--repeat", args.repeat)):
        if count < 1:
            fail(f"bench.py: {flag} needs a count of 1 or more, got {count}")
    if args.readme:
        readme_text(args.readme)
    say(f"Machine: {machine()}.")
    if args.recording:
        runs = [target_rows({}, print_record_peaks(record_table()))]
        runs += [target_rows({}, record_times(record_table())) for _ in range(args.repeat - 1)]
        print_targets(runs)
        if args.readme:
            write_readme(args.readme, "python tests/benchmarks/bench.py " + " ".join(argv or sys.argv[1:]))
        return 0
    try:
        import micrograd  # noqa: F401
    except ImportError:
        print("bench.py needs micrograd 0.1.0: python3 -m pip install -e '.[bench]'", file=sys.stderr)
        return 2

    say(f"Python {sys.version.split()[0]}, recursion limit {sys.getrecursionlimit()}, "
          f"{os.cpu_count()} CPUs; medians of {args.rounds} interleaved runs (the 1,000,000-op chain: "
          f"{MILLION_ROUNDS}); a mode ÷ floats is the median of that ratio within each round\n")
    chosen = [(w, dict(WORKLOADS).get(w, w)) for w in args.only] if args.only else WORKLOADS
    failed = {}
    for workload, _ in chosen:
        failed[workload] = check(workload, MODES + [EVERY_POINT])
    say("gradients: every mode agrees with micrograd (where it runs) and with the float code "
          f"to {TOLERANCE:g}\n")

    recorded = [] if args.no_recording else record_table()  # first: see record_table
    measured = time_all(chosen, failed, args.rounds, not args.no_million)
    rows = [(label, measured[workload], failed[workload]) for workload, label in chosen]
    records = [(label, measured[workload].rec) for workload, label in chosen]
    if not args.no_million:
        rows.append((MILLION[1], measured[MILLION[0]], {"micrograd": "RecursionError", "replay": "not run"}))

    head = "| workload | micrograd | eager | fused | replay | floats | replay ÷ floats |"
    say(head)
    say("|---|---:|---:|---:|---:|---:|---:|")
    for label, timing, not_run in rows:
        med = timing.med
        base = med.get("micrograd")
        cells = []
        for mode in MODES:
            if mode in med:
                ratio = f" ({med[mode] / base:.3f}x)" if base and mode != "micrograd" else ""
                cells.append(fmt_time(med[mode]) + ratio)
            else:
                cells.append(not_run.get(mode, "—"))
        floor = timing.to_floats.get("replay")
        cells.append(f"{floor:.2f}" if floor else "—")
        say(f"| {label} | " + " | ".join(cells) + " |")
    say("\nreplay, one-time cost (build the graph once, record, compile):")
    for label, rec in records:
        say(f"- {label}: {fmt_time(rec)}")

    say("\nreplay code: what a recording keeps (compiled functions, the graph in index form).")
    say("\n| bytes per node (tracemalloc, after forward + backward) | micrograd | eager | fused | replay code |")
    say("|---|---:|---:|---:|---:|")
    for workload, label in chosen:
        if workload not in MEMORY:
            continue
        cells = []
        for mode in ["micrograd", "eager", "fused", "replay"]:
            if mode in failed[workload]:
                cells.append(failed[workload][mode])
                continue
            size, nodes = bytes_per_node(workload, mode)
            cells.append(f"{size:.0f} B × {nodes:,} nodes")
        say(f"| {label} | " + " | ".join(cells) + " |")
    if not args.no_million:
        cells = []
        for mode in ["eager", "fused"]:
            size, nodes = bytes_per_node(MILLION[0], mode)
            cells.append(f"{size:.0f} B × {nodes:,} nodes")
        say(f"| {MILLION[1]} | not run | " + " | ".join(cells) + " | not run |")
    peaks = {} if args.no_recording else print_record_peaks(recorded)
    runs = [target_rows(measured, peaks)]
    for k in range(2, args.repeat + 1):
        print(f"run {k} of {args.repeat}: timing again (the targets table takes the median of the runs)",
              file=sys.stderr, flush=True)
        again_recorded = {} if args.no_recording else record_times(record_table())
        again = time_all(chosen, failed, args.rounds, not args.no_million)
        runs.append(target_rows(again, again_recorded))
    print_targets(runs)
    if args.readme:
        write_readme(args.readme, "python tests/benchmarks/bench.py " + " ".join(argv or sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

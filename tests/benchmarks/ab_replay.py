"""The replay's generated code at two revisions, A/B in one run: replay ÷ floats for each.

    python3 tests/benchmarks/ab_replay.py REV [WORKLOAD ...] [--rounds N]
    python3 tests/benchmarks/ab_replay.py REV chain:35000 mlp:128:16 --record   # recording time per node

REV's ``autograd/replay*.py`` (``git show``) are loaded beside this
checkout's as ``autograd._ab_*`` modules.  Each round runs the old replay,
the new one and the hand-written floats, each in a fresh process (one
process holding all three favours whichever was built first: the heap's
layout), the order rotating each round; a process records the graph,
checks the gradients' bits against the other replay's (written to a file
by the first process of the round), and reports its CPU time per step,
the median of three timed runs.  Printed: medians over the rounds.  Not
part of the test suite.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import time
import types
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

import workloads  # noqa: E402

MODULES = ["replay_trace", "replay_grid", "replay_code", "replay"]


def load_old(rev: str) -> types.ModuleType:
    """REV's ``autograd.replay``, its sibling modules renamed ``_ab_*``."""
    loaded: dict[str, types.ModuleType] = {}
    for name in MODULES:
        try:
            text = subprocess.run(["git", "-C", ROOT, "show", f"{rev}:autograd/{name}.py"], check=True,
                                  capture_output=True, text=True).stdout
        except subprocess.CalledProcessError:
            continue  # not in that revision
        for other in MODULES:
            text = re.sub(rf"from \.{other} import", f"from ._ab_{other} import", text)
        full = f"autograd._ab_{name}"
        spec = importlib.util.spec_from_loader(full, loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        module.__package__ = "autograd"
        sys.modules[full] = module
        exec(compile(text, f"<{rev}:{name}>", "exec"), module.__dict__)  # the project's own source
        loaded[name] = module
    return loaded["replay"]


def runner_with(workload: str, record: Any) -> Any:
    r = workloads.runners(workload)["replay"]
    saved = workloads.record
    workloads.record = record
    try:
        return r()
    finally:
        workloads.record = saved


def timed(r: Any, steps: int) -> float:
    r.reset()
    gc.collect()
    t = time.process_time()
    for _ in range(steps):
        r.step()
    return (time.process_time() - t) / steps


def child(mode: str, rev: str, workload: str, bits_file: str, recording: bool) -> None:
    """One process: build one runner, check its bits, print seconds per step
    (or, ``recording``, seconds per node to record one of ``recording_graph``'s graphs)."""
    if recording:
        module = load_old(rev) if mode == "old" else importlib.import_module("autograd.replay")
        root, params, outputs = workloads.recording_graph(workload)
        gc.collect()
        t = time.process_time()
        step = module.record(root, params=params, outputs=outputs)
        print((time.process_time() - t) / step.nodes)
        return
    if mode == "floats":
        r = workloads.runners(workload)["floats"]()
    else:
        if mode == "old":
            module = load_old(rev)
        else:
            from autograd import replay as module
        r = runner_with(workload, module.record)
        r.reset()
        r.step()
        bits = " ".join(float(g).hex() for g in r.grads())
        if os.path.exists(bits_file):
            with open(bits_file) as f:
                if f.read() != bits:
                    raise SystemExit(f"{workload}: old and new replays give different gradients")
        else:
            with open(bits_file, "w") as f:
                f.write(bits)
    steps = 3 if workload == "demo" or workload.startswith("mlp") else 1
    timed(r, steps)
    print(statistics.median(timed(r, steps) for _ in range(3)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("workloads", nargs="*", default=["demo", "mlp:64", "mlp:128", "wide:100000"])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--record", action="store_true", help="time recording (chain:N, mlp:W:B graphs)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.child:
        child(opts.child[0], opts.rev, opts.workloads[0], opts.child[1], opts.record)
        return 0
    import tempfile

    modes = ["old", "new"] if opts.record else ["old", "new", "floats"]
    for workload in opts.workloads:
        times: dict[str, list[float]] = {m: [] for m in modes}
        with tempfile.TemporaryDirectory() as tmp:
            bits_file = os.path.join(tmp, "bits")
            for k in range(opts.rounds):
                for mode in modes[k % len(modes):] + modes[:k % len(modes)]:
                    out = subprocess.run([sys.executable, __file__, opts.rev, workload, "--child", mode, bits_file]
                                         + ["--record"] * opts.record, capture_output=True, text=True)
                    if out.returncode:
                        print(out.stderr.strip().splitlines()[-1])
                        return 1
                    times[mode].append(float(out.stdout))
        med = {m: statistics.median(ts) for m, ts in times.items()}
        if opts.record:
            print(f"{workload:14s} recording per node: old {med['old'] * 1e6:.2f} µs | new {med['new'] * 1e6:.2f} µs",
                  flush=True)
            continue
        print(f"{workload:14s} floats {med['floats'] * 1e3:8.3f} ms | old replay {med['old'] * 1e3:8.3f} ms "
              f"({med['old'] / med['floats']:.2f}x floats) | new replay {med['new'] * 1e3:8.3f} ms "
              f"({med['new'] / med['floats']:.2f}x floats)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The replay's generated code at two revisions, A/B in one run: replay ÷ floats for each.

    python3 tests/benchmarks/ab_replay.py REV [WORKLOAD ...] [--rounds N]

REV's ``autograd/replay*.py`` (``git show``) are loaded beside this
checkout's as ``autograd._ab_*`` modules; each workload's graph is recorded
by both and the two replays and the hand-written floats are timed
alternately (the order rotating each round, CPU time, medians), after
checking that both replays give the same gradient bits.  Not part of the
test suite.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("workloads", nargs="*", default=["demo", "mlp:64", "mlp:128", "wide:100000"])
    parser.add_argument("--rounds", type=int, default=9)
    opts = parser.parse_args(argv)
    old = load_old(opts.rev)
    from autograd import replay as new

    for workload in opts.workloads:
        made = {"old": runner_with(workload, old.record), "new": runner_with(workload, new.record),
                "floats": workloads.runners(workload)["floats"]()}
        bits = []
        for mode in ("old", "new"):
            r = made[mode]
            r.reset()
            r.step()
            bits.append([float(g).hex() for g in r.grads()])
        if bits[0] != bits[1]:
            print(f"{workload}: old and new replays give different gradients")
            return 1
        steps = 3 if workload == "demo" or workload.startswith("mlp") else 1
        modes = list(made)
        times: dict[str, list[float]] = {m: [] for m in modes}
        for k in range(opts.rounds):
            for mode in modes[k % 3:] + modes[:k % 3]:
                times[mode].append(timed(made[mode], steps))
        med = {m: statistics.median(ts) for m, ts in times.items()}
        print(f"{workload:14s} floats {med['floats'] * 1e3:8.3f} ms | old replay {med['old'] * 1e3:8.3f} ms "
              f"({med['old'] / med['floats']:.2f}x floats) | new replay {med['new'] * 1e3:8.3f} ms "
              f"({med['new'] / med['floats']:.2f}x floats)", flush=True)
        del made
    return 0


if __name__ == "__main__":
    sys.exit(main())

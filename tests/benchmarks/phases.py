"""Where one eager or fused step's time goes: build, sort, walk, drop.

    python3 tests/benchmarks/phases.py            # micrograd's demo step
    python3 tests/benchmarks/phases.py mlp:64 chain:100000

For each workload and mode (eager, fused), the minimum CPU time over the
rounds of: building the graph (``forward()``), the topological sort alone
(``walk.interior_order``), the backward walk (``backward()`` minus the sort
it makes again), and dropping the previous step's graph; everything inside
``collector_paused()``, as the benchmark's steps run.  The last column is the
page faults of one round (the fewest; ``resource.getrusage``, on Unix): the
fresh memory a step takes from the kernel.  Not part of the test
suite (pytest does not collect this folder).
"""

from __future__ import annotations

import gc
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import workloads  # noqa: E402
from autograd import collector_paused, walk  # noqa: E402

clock = time.process_time
PHASES = ("build", "sort", "walk", "drop")


def faults() -> int:
    """Minor page faults of this process so far (0 where ``resource`` is missing)."""
    try:
        import resource
    except ImportError:  # not on Unix
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def phases(workload: str, mode: str, rounds: int) -> tuple[dict[str, float], int]:
    """Seconds per phase (minimum over ``rounds``) for one workload and mode, and the
    fewest page faults of a round."""
    r = workloads.runners(workload)[mode]()
    r.reset()
    best = dict.fromkeys(PHASES, float("inf"))
    fewest = -1
    previous = [r.forward()]  # a graph alive while the next is built, as in the demo's loop
    for _ in range(rounds):
        gc.collect()
        with collector_paused():
            f0 = faults()
            t0 = clock()
            root = r.forward()
            t1 = clock()
            walk.interior_order(root)
            t2 = clock()
            root.backward()
            t3 = clock()
            previous.pop()
            t4 = clock()
            f1 = faults()
            previous.append(root)
            del root
        for key, t in zip(PHASES, (t1 - t0, t2 - t1, (t3 - t2) - (t2 - t1), t4 - t3)):
            best[key] = min(best[key], t)
        fewest = f1 - f0 if fewest < 0 else min(fewest, f1 - f0)
    return best, fewest


def main(argv: list[str]) -> int:
    chosen = argv or ["demo"]
    print("| workload | mode | nodes | " + " | ".join(PHASES) + " | page faults |")
    print("|---|---|---:|" + "---:|" * (len(PHASES) + 1))
    for workload in chosen:
        for mode in ("eager", "fused"):
            rounds = 3 if workload.endswith(("00000", ":128")) else 9
            nodes = workloads.count_nodes(workloads.runners(workload)[mode]().forward())
            best, fewest = phases(workload, mode, rounds)
            cells = " | ".join(f"{best[k] * 1e3:.2f} ms ({best[k] / nodes * 1e9:.0f} ns/node)" for k in PHASES)
            print(f"| {workload} | {mode} | {nodes:,} | {cells} | {fewest:,} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Every gradient of the benchmark's workloads, bit for bit: write them, or compare.

    python3 tests/benchmarks/same_grads.py write before.txt   # on the old code
    python3 tests/benchmarks/same_grads.py check before.txt   # on the new code

Each line is one workload and mode, then every parameter's gradient as
``float.hex`` (so the comparison is ``==`` on the bits, signs of zeros
included), after three consecutive training steps (the demo, the MLPs, ``nn.fit``)
or one step (the chains, the wide sum).  Not part of the test suite.
"""

from __future__ import annotations

import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import workloads  # noqa: E402

STEPS = 3


def _hex(xs: list[float]) -> str:
    return " ".join(float(x).hex() for x in xs)


def lines() -> list[str]:
    out = []
    for workload in ["demo", "mlp:16", "mlp:64", "chain:1000", "chain:10000", "wide:10000"]:
        made = workloads.runners(workload)
        for mode in ["eager", "fused", "replay"]:
            r = made[mode]()
            r.reset()
            steps = STEPS if workload == "demo" or workload.startswith("mlp") else 1
            grads = []
            for _ in range(steps):
                r.step()
                grads += list(r.grads())
            out.append(f"{workload} {mode} {_hex(grads)}")
    import nn

    for compiled in (False, True):
        for fused in (True, False):
            rng = random.Random(3)
            model = nn.MLP(2, [8, 8, 1], activation=["tanh", "relu", "sigmoid"], seed=5, fused=fused)
            data = [([rng.uniform(-1, 1), rng.uniform(-1, 1)], rng.uniform(0, 1)) for _ in range(12)]
            hist = nn.fit(model, data, lr=0.3, epochs=4, batch_size=5, compiled=compiled, progress=False)
            out.append(f"fit compiled={compiled} fused={fused} {_hex(hist.losses)} "
                       f"{_hex([p.grad for p in model.parameters()])} {_hex([p.data for p in model.parameters()])}")
    return out


def main(argv: list[str]) -> int:
    what, path = argv
    now = lines()
    if what == "write":
        with open(path, "w") as f:
            f.write("\n".join(now) + "\n")
        print(f"{len(now)} lines written to {path}")
        return 0
    with open(path) as f:
        before = f.read().splitlines()
    bad = [b.split(" ", 2)[:2] for b, n in zip(before, now) if b != n]
    if len(before) != len(now) or bad:
        print(f"DIFFERENT: {bad or 'line count'}")
        return 1
    print(f"all {len(now)} lines bit-identical")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

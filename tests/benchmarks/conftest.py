"""The benchmark is run by hand (``python3 tests/benchmarks/bench.py``), never collected by pytest."""

collect_ignore = ["bench.py", "workloads.py"]

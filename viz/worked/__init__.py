"""Worked-example files: the TOML format, its expression language, the graphs they describe.

- ``example``: loading and validating a file (``load``, ``loads``), the forward
  pass (``build``), gradients (``backward``), one update (``step``), training
  (``train``), and the bounds on a file's work;
- ``expr``: the expression language of ``[nodes]``, parsed without ``eval``;
- ``literals``: each number's text as the file writes it, and its caps;
- ``local``: local derivatives ∂OUT/∂IN along one edge, aliases collapsed;
- ``examples/``: the documents' worked examples, bundled.
"""

from .example import (
    CHECK_KEYS, CONVENTIONS, DEFAULT_LOSS, DELTA_SIGNS, DEFAULT_RTOL, EXAMPLES_DIR, EXPECT_KEYS, MAX_NODES, MAX_WORK,
    TOP_KEYS, TRAIN_KEYS, Example, HandNumber, WorkedExampleError, backward, build,
    bundled_examples, graph_size, load, loads, max_steps, step, steps_problem, train,
)
from .literals import scan_literals

__all__ = ["CHECK_KEYS", "CONVENTIONS", "DEFAULT_LOSS", "DELTA_SIGNS", "DEFAULT_RTOL", "EXAMPLES_DIR", "EXPECT_KEYS",
           "MAX_NODES", "MAX_WORK", "TOP_KEYS", "TRAIN_KEYS", "Example", "HandNumber",
           "WorkedExampleError", "backward", "build", "bundled_examples", "graph_size", "load",
           "loads", "max_steps", "scan_literals", "step", "steps_problem", "train"]

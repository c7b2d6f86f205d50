"""What the format tests expect of the bundled examples: which to run, what the
document prints wrong, and the titles of the tables every writer carries."""

from __future__ import annotations

import re

# The bundled examples by the shortest prefix that names one (``seed003`` names two).
EXAMPLES = ["seed000", "seed001", "seed002", "seed003_2", "seed003_3"]
# Two parameters per example for ``explain`` (seed003_2 has no loss: nothing to differentiate).
EXPLAIN = {"seed000": ["w14", "b6"], "seed001": ["b1", "w5"], "seed002": ["w1", "b2"],
           "seed003_3": ["W1_1_1", "b2_2"]}
# Seed 000's graph quantities (value/grad/delta/updated) that the document prints wrong, read
# from the document (GARBLED, sign dropped): an anchor independent of any writer.
SEED000_SLIPS = {"value a5", "value z6", "value a6", "value o6", "delta z5", "delta z4",
                 "delta i5", "updated w35", "updated w46"}
GRAPH_KINDS = ("value", "grad", "delta", "updated")
# The check table's first five titles; then an optional "hint", then "verdict" (last).
FIRST_COLUMNS = ["quantity", "hand", "engine", "engine-hand", "rel"]
CHECK_HEADERS = (FIRST_COLUMNS + ["verdict"], FIRST_COLUMNS + ["hint", "verdict"])
# The document's own arithmetic: printed, result, [hint,] verdict, arithmetic.
ARITHMETIC_HEADERS = (["printed", "result", "verdict", "arithmetic"],
                      ["printed", "result", "hint", "verdict", "arithmetic"])
VERDICTS = ("exact", "close", "wrong")
NUMBER = re.compile(r"[+-]?\d*\.?\d+(?:[eE][+-]?\d+)?")

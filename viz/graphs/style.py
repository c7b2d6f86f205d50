"""The look of computation graphs: number format, colours, op symbols.

Everything a drawn graph shows that is a matter of taste lives here, so the
graph builder (``operations``) only decides *what* is drawn.  Colours are soft
fills with a darker border of the same hue; each node kind also differs in
shape (rounded, square, double border, dashed), so a greyscale print still
tells parameters, inputs, constants and the output apart.
"""

from __future__ import annotations

import autograd

from .. import numbers

#: The one font every label is measured and drawn in.  DejaVu Sans ships with
#: Graphviz's usual installs (Debian's, fontconfig's default sans) and is the
#: widest of the common sans-serifs (wider than Liberation Sans, Arial and
#: Helvetica), so a box sized for it holds its text in any of them; the SVG
#: names Verdana, of the same widths, as the fallback (``SVG_FONTS``).  One name
#: only: a list ("Helvetica,Arial") makes graphviz-pure measure text in Times.
FONT = "DejaVu Sans"
SVG_FONTS = "'DejaVu Sans',Verdana,sans-serif"  # font-family in the written SVG

# kind -> (header fill, border colour)
KIND_COLOURS: dict[str, tuple[str, str]] = {
    "parameter": ("#FDE7B0", "#B7791F"),
    "input": ("#D4E6F7", "#2F6EA8"),
    "intermediate": ("#EDEDED", "#7A7A7A"),
    "output": ("#F6D2D2", "#A32A2A"),
    "constant": ("#FFFFFF", "#8A8A8A"),
    "neuron": ("#E6DEF4", "#5E4A8C"),  # the neuron view: one record per neuron
}
KIND_TITLES: dict[str, str] = {
    "parameter": "parameter",
    "input": "input",
    "intermediate": "intermediate",
    "output": "output",
    "constant": "constant",
    "neuron": "neuron",
}

TEXT = "#1A1A1A"
MUTED_TEXT = "#6B6B6B"  # the 'data' / 'grad' captions
GRAD_TEXT = "#1E7B3A"  # gradient numbers
EDGE = "#5A5A5A"
EDGE_LABEL = "#2F6EA8"  # local derivatives ∂out/∂in
OP_FILL = "#FFFFFF"
OP_BORDER = "#5A5A5A"

HIGHLIGHT = "#D62728"  # the chain from the root to the chosen node
HIGHLIGHT_PENWIDTH = "2.6"
DIM_TEXT = "#A3A3A3"
DIM_BORDER = "#D0D0D0"
DIM_FILL = "#F7F7F7"

# the neuron view
BIAS_EDGE = "#B7791F"  # a shared bias -> the neurons that add it (the parameter border)
RANGE = " … "  # lowest … highest over the samples
WEIGHT_TEXT = "#2F6EA8"  # a weight on its edge: the factor ∂z/∂input

CLUSTER_FILLS = ("#F7F9FC", "#EEF3F9")  # outer, inner (alternating by depth)
CLUSTER_BORDER = "#AFC0D4"
CLUSTER_TEXT = "#4A5D73"

# engine op name -> the symbol drawn in the op node
#: The label of each operation node: the symbol its display form declares (× for *,
#: σ for sigmoid), beside its rule in the engine.
OP_SYMBOLS: dict[str, str] = {name: op.display.symbol for name, op in autograd.OPS.items()}


def op_symbol(op: str) -> str:
    """The label of an operation node ('*' is drawn '×', 'sigmoid' 'σ', ...)."""
    return OP_SYMBOLS.get(op, op)


def activation_symbol(op: str | None) -> str:
    """The activation a neuron applies, drawn in its record: σ, tanh, ReLU; 'linear' for a = z."""
    return "linear" if op is None else op_symbol(op)


def fmt_range(lowest: float, highest: float, digits: int) -> str:
    """'lowest … highest', or one number when they are equal."""
    low, high = fmt(lowest, digits), fmt(highest, digits)
    return low if low == high else f"{low}{RANGE}{high}"


def fmt(x: float, digits: int) -> str:
    """``numbers.fmt`` with a plain exponent (1e-7, not 1e-07) and -0.0 as 0."""
    if x == 0.0:
        return "0"
    text = numbers.fmt(x, digits)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text

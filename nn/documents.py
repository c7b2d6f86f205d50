"""The documents' networks, ready-made: each function rebuilds one hand-worked example.

Each returns a ``DocumentNetwork``: the model with the document's weights,
its input, target, learning rate and epochs, and ``doc_names`` mapping the
document's symbols (w14, θ4, b1, …) to the model's parameter names.  Every
function takes ``fused=False`` for the teaching form of the net inputs.

  textbook_3_2_1()           seed 000: 3-2-1 sigmoid, one step at η = 0.9
  shared_bias_2_2_1()        seed 001: 2-2-1 sigmoid, a hidden bias shared by both neurons
  one_neuron_chain_1_1_1()   seed 002: 1-1-1 sigmoid, 1000 epochs at η = 0.5
  sigmoid_2_3_1()            seed 003: 2-3-1 sigmoid forward pass (weights 4 … 11)
  linear_3_4_2_exercise()    seed 003: the exercise, a 3-4-2 linear network, one step at α = 0.1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable

from .layers import MLP


@dataclass
class DocumentNetwork:
    """One document's network and what the document does with it."""

    title: str
    source: str  # the seed document it rebuilds
    model: MLP
    inputs: list[float]
    target: list[float] | None  # None: the document only runs the forward pass
    lr: float | None
    epochs: int  # 0: forward pass only; 1: one step
    log_every: int | None = None
    loss: str = "squared_error"  # 1/2 Σ (y − ŷ)², every document's loss
    doc_names: dict[str, str] = field(default_factory=dict)  # document symbol -> parameter name

    @property
    def data(self) -> list[tuple[list[float], list[float]]]:
        """[(inputs, target)], the form ``nn.fit`` takes."""
        if self.target is None:
            raise ValueError(f"{self.title}: the document gives no target, only a forward pass")
        return [(self.inputs, self.target)]


def textbook_3_2_1(fused: bool = True) -> DocumentNetwork:
    """Seed 000: 3-2-1 sigmoid, x = (1, 0, 1), target 1, η = 0.9.

    The document's weight figure is lost; these are the textbook values its
    notes follow (wij joins unit i to unit j; inputs 1-3, hidden 4-5, output 6;
    θj is unit j's bias).  Its update w += η·δ·a, with δ = −∂L/∂net, is the
    SGD step w −= η·∂L/∂w.
    """
    model = MLP(3, [2, 1], activation="sigmoid", fused=fused,
                weights=[[[0.2, 0.4, -0.5],     # unit 4: w14, w24, w34
                          [-0.3, 0.1, 0.2]],    # unit 5: w15, w25, w35
                         [[-0.3, -0.2]]],       # unit 6: w46, w56
                biases=[[-0.4, 0.2], [0.1]])    # θ4, θ5; θ6
    names = {}
    for j, unit in ((1, 4), (2, 5)):
        for i in (1, 2, 3):
            names[f"w{i}{unit}"] = f"layer1.neuron{j}.w{i}"
        names[f"θ{unit}"] = f"layer1.neuron{j}.b"
    names.update({"w46": "layer2.neuron1.w1", "w56": "layer2.neuron1.w2", "θ6": "layer2.neuron1.b"})
    return DocumentNetwork(
        title="3-2-1 sigmoid network, textbook example",
        source="000_3b1d99869ead4a36.txt", model=model,
        inputs=[1.0, 0.0, 1.0], target=[1.0], lr=0.9, epochs=1, doc_names=names,
    )


def shared_bias_2_2_1(fused: bool = True) -> DocumentNetwork:
    """Seed 001: 2-2-1 sigmoid, x = (0.05, 0.10), target 0.01, η = 0.5.

    The hidden neurons share one bias b1 (its gradient sums two paths); the
    output neuron has b2.  w1, w2 lead into h1, w3, w4 into h2, w5, w6 out.
    """
    model = MLP(2, [2, 1], activation="sigmoid", shared_bias=True, fused=fused,
                weights=[[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45]]],
                biases=[0.35, 0.60])
    names = {"w1": "layer1.neuron1.w1", "w2": "layer1.neuron1.w2",
             "w3": "layer1.neuron2.w1", "w4": "layer1.neuron2.w2",
             "w5": "layer2.neuron1.w1", "w6": "layer2.neuron1.w2",
             "b1": "layer1.b", "b2": "layer2.b"}
    return DocumentNetwork(
        title="2-2-1 sigmoid network with a shared hidden bias",
        source="001_a770774e95402dd6.txt", model=model,
        inputs=[0.05, 0.10], target=[0.01], lr=0.5, epochs=1, doc_names=names,
    )


def one_neuron_chain_1_1_1(fused: bool = True) -> DocumentNetwork:
    """Seed 002: 1-1-1 sigmoid, x = 0.5, y = 1, η = 0.5, 1000 epochs, a log line every 200."""
    model = MLP(1, [1, 1], activation="sigmoid", fused=fused,
                weights=[[[0.3]], [[0.7]]], biases=[[0.1], [0.2]])
    names = {"w1": "layer1.neuron1.w1", "b1": "layer1.neuron1.b",
             "w2": "layer2.neuron1.w1", "b2": "layer2.neuron1.b"}
    return DocumentNetwork(
        title="1-1-1 sigmoid chain, 1000 epochs of training",
        source="002_a79bfa7a1eac4d41.txt", model=model,
        inputs=[0.5], target=[1.0], lr=0.5, epochs=1000, log_every=200, doc_names=names,
    )


def sigmoid_2_3_1(fused: bool = True) -> DocumentNetwork:
    """Seed 003: 2-3-1 sigmoid forward pass, n1 = 0.2, n2 = 0.3, weights 4 … 11, every bias 1.

    Nodes 3, 4, 5 are the hidden neurons, node 6 the output; the document
    shows how the output saturates: σ(30.31) prints as 1.
    """
    model = MLP(2, [3, 1], activation="sigmoid", fused=fused,
                weights=[[[4.0, 5.0],            # node 3: w13, w23
                          [5.0, 6.0],            # node 4: w14, w24
                          [6.0, 7.0]],           # node 5: w15, w25
                         [[9.0, 10.0, 11.0]]],   # node 6: w36, w46, w56
                biases=[[1.0, 1.0, 1.0], [1.0]])
    names = {}
    for j, node in ((1, 3), (2, 4), (3, 5)):
        names[f"w1{node}"] = f"layer1.neuron{j}.w1"
        names[f"w2{node}"] = f"layer1.neuron{j}.w2"
        names[f"b{node}"] = f"layer1.neuron{j}.b"
        names[f"w{node}6"] = f"layer2.neuron1.w{j}"
    names["b6"] = "layer2.neuron1.b"
    return DocumentNetwork(
        title="2-3-1 sigmoid network, forward pass",
        source="003_0fe3c5bfea4facc6.txt", model=model,
        inputs=[0.2, 0.3], target=None, lr=None, epochs=0, doc_names=names,
    )


def linear_3_4_2_exercise(fused: bool = True) -> DocumentNetwork:
    """Seed 003's exercise: 3-4-2 with linear activations (y = x), one step at α = 0.1.

    Row r of W1 (4x3) holds hidden neuron r's weights, row r of W2 (2x4)
    output neuron r's; E = 1/2 ||x2 − t||², t = (4, 5).  The document gives
    no solution; the network computes it.
    """
    W1 = [[2.0, 3.0, 4.0], [2.0, 1.0, 2.0], [3.0, 5.0, 1.0], [2.0, 3.0, 4.0]]
    W2 = [[3.0, 1.0, 1.0, 1.0], [1.0, 4.0, 2.0, 2.0]]
    b1, b2 = [4.0, 1.0, 1.0, 2.0], [2.0, 3.0]
    model = MLP(3, [4, 2], activation="linear", fused=fused, weights=[W1, W2], biases=[b1, b2])
    names = {}
    for layer, W in ((1, W1), (2, W2)):
        for r, row in enumerate(W, start=1):
            for c in range(1, len(row) + 1):
                names[f"W{layer}_{r}_{c}"] = f"layer{layer}.neuron{r}.w{c}"
            names[f"b{layer}_{r}"] = f"layer{layer}.neuron{r}.b"
    return DocumentNetwork(
        title="3-4-2 linear network, the exercise",
        source="003_0fe3c5bfea4facc6.txt", model=model,
        inputs=[2.0, 1.0, 3.0], target=[4.0, 5.0], lr=0.1, epochs=1, doc_names=names,
    )


#: Every document network by function name, in seed order.
DOCUMENT_NETWORKS: dict[str, Callable[..., DocumentNetwork]] = {
    "textbook_3_2_1": textbook_3_2_1,
    "shared_bias_2_2_1": shared_bias_2_2_1,
    "one_neuron_chain_1_1_1": one_neuron_chain_1_1_1,
    "sigmoid_2_3_1": sigmoid_2_3_1,
    "linear_3_4_2_exercise": linear_3_4_2_exercise,
}

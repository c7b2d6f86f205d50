"""The engine against PyTorch in float64, on the same random expression graphs.

Each graph from ``strategies.programs`` is replayed on 0-d float64 tensors
(fused ``linear`` and ``sum_of`` become the same left-to-right sums); values,
gradients and second derivatives must agree to 1e-10 relative.  Where paths
cancel, "relative" means relative to the gradient's magnitude Σ|path
products| (the dual-number oracle's ``m``), the scale of any rounding
difference; without cancellation that is |gradient| itself.

One known PyTorch difference is kept out of the second-derivative comparison:
torch's ``pow`` backward returns ``where(exponent == 0, 0, b·a^(b−1))``, so
its mixed derivative ∂²(a^b)/∂a∂b at b = 0 is 0 instead of 1/a (chainrule
gives 1/a; ``test_properties`` checks that against finite differences).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given

from autograd import Value, grad
from strategies import UNFUSED, Dual, Program, oracle, output, programs, run, scaled

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: the float64 cross-check needs torch==2.13.0 (pip install torch==2.13.0)",
)

RTOL = 1e-10


def tensors(program: Program) -> list:
    return [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program.inputs]


def torch_grads(out, xs, create_graph: bool = False) -> list:
    grads = torch.autograd.grad(out, xs, allow_unused=True, create_graph=create_graph, retain_graph=True)
    return [torch.zeros((), dtype=torch.float64) if g is None else g for g in grads]


def has_zero_graph_exponent(program: Program) -> bool:
    n = len(program.inputs)
    nodes = run(program, [Dual.input(x, i, n) for i, x in enumerate(program.inputs)], UNFUSED)
    return any(
        op == "**" and isinstance(args[1], int) and nodes[args[1]].v == 0.0
        for op, args in program.instructions
    )


def test_torch_is_the_pinned_float64_build() -> None:
    assert torch.__version__.split("+")[0] == "2.13.0"
    assert torch.tensor(0.1, dtype=torch.float64).item() == 0.1


@given(programs())
def test_values_and_gradients_equal_pytorch(program: Program) -> None:
    xs = [Value(x) for x in program.inputs]
    out = output(program, xs)
    ts = tensors(program)
    t_out = output(program, ts, UNFUSED)
    assert t_out.dtype == torch.float64
    scale = oracle(program).m
    assert math.isclose(out.data, t_out.item(), rel_tol=RTOL, abs_tol=RTOL), (out.data, t_out.item())
    ours = grad(out, xs)
    theirs = [g.item() for g in torch_grads(t_out, ts)]
    for i, (a, b, m) in enumerate(zip(ours, theirs, scale)):
        assert abs(a - b) <= RTOL * m + 1e-300, (f"input {i}", a, b, m)


@given(programs(max_inputs=3, max_steps=16))
@scaled(0.5)
def test_second_derivatives_equal_pytorch(program: Program) -> None:
    assume(not has_zero_graph_exponent(program))  # torch's where(exponent == 0) mask, see above
    xs = [Value(x) for x in program.inputs]
    first = grad(output(program, xs), xs, create_graph=True)
    ts = tensors(program)
    t_first = torch_grads(output(program, ts, UNFUSED), ts, create_graph=True)
    n = len(xs)
    ours = [grad(first[i], xs) for i in range(n)]
    theirs = [
        [g.item() for g in torch_grads(t_first[i], ts)] if t_first[i].requires_grad else [0.0] * n
        for i in range(n)
    ]
    # no dual-number magnitude for second derivatives: judge against the largest entry
    scale = max([1.0] + [abs(h) for row in theirs for h in row])
    for i in range(n):
        for j in range(n):
            assert abs(ours[i][j] - theirs[i][j]) <= 1e-9 * scale, (i, j, ours[i][j], theirs[i][j])

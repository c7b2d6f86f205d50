"""Property-based tests: random expression graphs from every primitive.

Each generated graph (see ``strategies.programs``) is checked against
independent references: central finite differences (``gradcheck``) for first
derivatives, finite differences of the first derivatives for second
derivatives, forward-mode dual numbers written in the test suite for values
and gradients, and the engine's own two paths (``backward()`` against
``grad()``, a recording forward pass against a ``no_grad`` one).
"""

from __future__ import annotations

import math

from hypothesis import given

from autograd import Value, grad, gradcheck, no_grad, topological_order
from strategies import Program, oracle, output, programs, scaled


def leaves(program: Program) -> list[Value]:
    return [Value(x, name=f"x{i}") for i, x in enumerate(program.inputs)]


def fd_tolerance(program: Program) -> dict[str, float]:
    """Central differences with eps = 1e-6: the truncation error eps²·f‴/6 is judged
    against the largest gradient magnitude Σ|path products| (paths may cancel)."""
    scale = max(1.0, *oracle(program).m)
    return {"eps": 1e-6, "atol": 1e-6 * scale, "rtol": 1e-5}


def first_derivatives(program: Program, point: list[float]) -> list[float]:
    xs = [Value(x) for x in point]
    return grad(output(program, xs), xs)


@given(programs())
def test_gradients_match_central_finite_differences(program: Program) -> None:
    assert gradcheck(lambda *xs: output(program, xs), program.inputs, **fd_tolerance(program))


@given(programs())
def test_values_and_gradients_match_forward_mode_dual_numbers(program: Program) -> None:
    expected = oracle(program)
    xs = leaves(program)
    out = output(program, xs)
    assert math.isclose(out.data, expected.v, rel_tol=1e-12, abs_tol=1e-12), (out.data, expected.v)
    got = grad(out, xs)
    for i, (g, d, m) in enumerate(zip(got, expected.d, expected.m)):
        # rounding differences are judged against Σ|path products| (= |d| when no path cancels)
        assert abs(g - d) <= 1e-10 * m + 1e-300, (i, g, d, m)


@given(programs(max_inputs=3, max_steps=16))
@scaled(0.5)
def test_second_derivatives_match_finite_differences_of_the_first(program: Program) -> None:
    xs = leaves(program)
    first = grad(output(program, xs), xs, create_graph=True)
    floats = grad(output(program, xs), xs)
    n = len(xs)
    hessian = [grad(first[i], xs) for i in range(n)]  # ∂²f/∂xᵢ∂xⱼ
    eps = 1e-5
    for j in range(n):
        plus, minus = list(program.inputs), list(program.inputs)
        plus[j] += eps
        minus[j] -= eps
        gp, gm = first_derivatives(program, plus), first_derivatives(program, minus)
        for i in range(n):
            # the first derivatives as graph nodes carry the same numbers as the float ones
            assert math.isclose(first[i].data, floats[i], rel_tol=1e-12, abs_tol=1e-300)
            numerical = (gp[i] - gm[i]) / (2 * eps)
            tol = 1e-6 + 1e-4 * abs(numerical)
            assert abs(hessian[i][j] - numerical) <= tol, (i, j, hessian[i][j], numerical)
    for i in range(n):  # mixed partials commute (Schwarz)
        for j in range(i):
            a, b = hessian[i][j], hessian[j][i]
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (i, j, a, b)


@given(programs())
def test_backward_and_grad_agree(program: Program) -> None:
    xs = leaves(program)
    out = output(program, xs)
    by_grad = grad(out, xs)
    assert all(x.grad == 0.0 for x in xs)  # grad() leaves .grad alone
    inner = {node: grad(out, node) for node in topological_order(out) if node.parents}
    out.backward()
    scale = oracle(program).m
    for x, g, m in zip(xs, by_grad, scale):
        assert abs(x.grad - g) <= 1e-12 * m + 1e-300, (x.name, x.grad, g)
    for node, g in inner.items():  # every interior node too, not only the inputs
        assert math.isclose(node.grad, g, rel_tol=1e-12, abs_tol=1e-12), (node, g)
    # a second backward pass doubles what leaves hold (they accumulate)
    out.backward()
    for x, g in zip(xs, by_grad):
        assert abs(x.grad - 2 * g) <= 1e-12 * abs(2 * g) + 1e-12 * sum(scale) + 1e-300


@given(programs())
def test_recording_and_no_grad_forward_values_agree(program: Program) -> None:
    recorded = output(program, leaves(program))
    with no_grad():
        plain = output(program, leaves(program))
    assert plain.data == recorded.data  # the same float operations, bit for bit
    assert plain.is_leaf and plain.op is None and not recorded.is_leaf


@given(programs(max_inputs=2, max_steps=400, shapes=("deep",)))
@scaled(0.25)
def test_deep_graphs_match_dual_numbers_and_finite_differences(program: Program) -> None:
    expected = oracle(program)
    xs = leaves(program)
    out = output(program, xs)
    out.backward()
    for x, d, m in zip(xs, expected.d, expected.m):
        assert abs(x.grad - d) <= 1e-10 * m + 1e-300, (x.name, x.grad, d)
    assert gradcheck(lambda *v: output(program, v), program.inputs, **fd_tolerance(program))

"""Property-based tests: random expression graphs from every primitive.

Each generated graph (see ``strategies.programs``) is checked against
independent references: central finite differences (``gradcheck``) for first
derivatives, finite differences of the first derivatives for second
derivatives, forward-mode dual numbers written in the test suite for values
and gradients, and the engine's own paths (``backward()`` against ``grad()``
against ``grad(create_graph=True)``, a recording forward pass against a
``no_grad`` one, leaves of other number types against floats, a copied or
pickled graph against the original).
"""

from __future__ import annotations

import copy
import math
import pickle

from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad, gradcheck, no_grad, topological_order
from strategies import NUMBER_KINDS, Program, as_number, oracle, output, programs, scaled


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


@given(programs(max_steps=12))
@scaled(0.25)
def test_grad_and_create_graph_agree_at_every_node_constants_included(program: Program) -> None:
    xs = leaves(program)
    out = output(program, xs)
    order = topological_order(out)
    floats = grad(out, order)
    nodes = grad(out, order, create_graph=True)
    out.backward()
    for node, f, v in zip(order, floats, nodes):
        assert math.isclose(f, v.data, rel_tol=1e-12, abs_tol=1e-300), (node, f, v.data)
        if node.is_leaf:  # leaves (inputs and constants) hold exactly what grad() gives
            assert node.grad == f, (node, node.grad, f)


@given(programs(), st.data())
@scaled(0.25)
def test_leaves_of_every_number_type_give_the_same_floats(program: Program, data: st.DataObject) -> None:
    kinds = [data.draw(st.sampled_from(NUMBER_KINDS), label="kind") for _ in program.inputs]
    numbers = [as_number(x, k) for x, k in zip(program.inputs, kinds)]
    xs = leaves(program)
    out = output(program, xs)
    expected = grad(out, xs)
    out.backward()
    built = [Value(n) for n in numbers]
    assigned = [Value(0.0) for _ in numbers]
    for v, n in zip(assigned, numbers):
        v.data = n
    for typed in (built, assigned):
        assert all(type(v.data) is float for v in typed)
        o = output(program, typed)
        assert o.data == out.data  # the same floats, bit for bit
        assert grad(o, typed) == expected
        o.backward()
        assert [v.grad for v in typed] == [x.grad for x in xs]


@given(programs())
@scaled(0.25)
def test_copied_and_pickled_graphs_compute_what_the_original_does(program: Program) -> None:
    xs = leaves(program)
    out = output(program, xs)
    order = topological_order(out)
    copies = [copy.deepcopy([out, xs]), pickle.loads(pickle.dumps([out, xs]))]
    out.backward()
    for c_out, c_xs in copies:
        c_order = topological_order(c_out)
        assert not set(map(id, c_order)) & set(map(id, order))
        assert [(n.op, n.name, n.is_constant) for n in c_order] == [(n.op, n.name, n.is_constant) for n in order]
        assert [n.data for n in c_order] == [n.data for n in order]
        c_out.backward()
        assert [x.grad for x in c_xs] == [x.grad for x in xs]  # the same floats, bit for bit
        # the copied inputs are the leaves of the copied graph (shared nodes stay shared)
        assert [x in set(c_order) for x in c_xs] == [x in set(order) for x in xs]

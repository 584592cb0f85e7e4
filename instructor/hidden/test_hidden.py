"""Hidden tests: graded by the teacher, never in the student copy or the installed package."""

import math

import pytest

import autograd
import nn


@pytest.mark.exercise(2)
@pytest.mark.points(1)
def test_local_sigmoid_does_not_overflow_at_large_inputs(derivatives, rng):
    for x in (-rng.uniform(800, 1200), rng.uniform(800, 1200)):
        out = autograd.Value(x).sigmoid().data
        got = derivatives.local_sigmoid(x, out)
        assert got == pytest.approx((0.0,), abs=1e-12), f"sigmoid'({x:g}) is 0, got {got}; use `out` rather than e^-x"


@pytest.mark.exercise(3)
@pytest.mark.points(1)
def test_order_of_a_doubling_ladder_visits_each_node_once(mini_engine, rng):
    # x -> x + x -> ... n times: 2^n paths but n + 1 nodes; walking every path never ends.
    rungs = rng.randrange(50, 70)
    node = mini_engine.Value(1.0)
    for _ in range(rungs):
        node = node + node
    order = mini_engine.topological_order(node)
    assert len(order) == rungs + 1, f"a ladder of {rungs} doublings has {rungs + 1} nodes, got {len(order)}"


@pytest.mark.exercise(4)
@pytest.mark.points(1)
def test_backward_matches_backprop_lab_on_random_expressions(mini_engine, reference, monkeypatch, rng):
    monkeypatch.setattr(mini_engine, "topological_order", reference.topological_order)
    monkeypatch.setattr(mini_engine, "LOCAL", reference.local)
    for _ in range(10):
        numbers = [rng.uniform(0.5, 2.0) for _ in range(3)]
        mine = [mini_engine.Value(v) for v in numbers]
        theirs = [autograd.Value(v) for v in numbers]
        for values, backward in ((mine, mini_engine.backward), (theirs, lambda out: out.backward())):
            a, b, c = values
            out = ((a * b + c).tanh() * a - (b / c).exp() + (a + c).sigmoid()) * b
            backward(out)
        for m, t in zip(mine, theirs):
            assert m.grad == pytest.approx(t.grad), f"inputs {numbers}: grad {m.grad}, Backprop Lab {t.grad}"


@pytest.mark.exercise(6)
@pytest.mark.points(1)
def test_cross_entropy_of_large_logits_is_finite(losses, rng):
    big = rng.uniform(900, 1100)
    loss = losses.cross_entropy([losses.Value(big), losses.Value(0.0), losses.Value(-big)], 1)
    assert loss.data == pytest.approx(big), f"-log softmax at logits ({big}, 0, -{big}), class 1, is {big}: {loss.data}"


@pytest.mark.exercise(8)
@pytest.mark.points(1)
def test_adam_with_custom_betas_and_eps_matches_torch(optim, rng):
    settings = {"lr": rng.uniform(0.01, 0.1), "betas": (rng.uniform(0.7, 0.9), rng.uniform(0.95, 0.999)), "eps": 1e-3}
    grads = [rng.uniform(-3, 3) for _ in range(5)]
    param = autograd.Value(1.0)
    optimizer = nn.Adam([param], **settings)
    expected, path, p, m, v = [], [], 1.0, 0.0, 0.0
    for t, grad in enumerate(grads, start=1):
        param.grad = grad
        optimizer.step()
        expected.append(param.data)
        p, m, v = optim.adam_step(p, grad, m, v, t, **settings)
        path.append(p)
    assert not any(math.isnan(x) for x in path), f"the path has NaN: {path}"
    assert path == pytest.approx(expected, rel=1e-12), f"Adam({settings}) goes {expected}, yours {path}"

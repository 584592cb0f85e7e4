"""Hidden tests: graded by the teacher, left out of the student copy."""

import random

import pytest

import autograd


@pytest.mark.exercise(2)
@pytest.mark.points(1)
def test_local_sigmoid_does_not_overflow_at_large_inputs(derivatives):
    for x, out in [(-1000.0, 0.0), (1000.0, 1.0)]:
        got = derivatives.local_sigmoid(x, out)
        assert got == pytest.approx((0.0,)), f"sigmoid'({x:g}) is 0, got {got}; use `out` rather than e^-x"


@pytest.mark.exercise(3)
@pytest.mark.points(1)
def test_order_of_a_doubling_ladder_visits_each_node_once(mini_engine):
    # x -> x + x -> ... 60 times: 2^60 paths but 61 nodes; walking every path never ends.
    node = mini_engine.Value(1.0)
    for _ in range(60):
        node = node + node
    assert len(mini_engine.topological_order(node)) == 61


@pytest.mark.exercise(4)
@pytest.mark.points(1)
def test_backward_matches_backprop_lab_on_random_expressions(mini_engine, reference, monkeypatch):
    monkeypatch.setattr(mini_engine, "topological_order", reference.topological_order)
    monkeypatch.setattr(mini_engine, "LOCAL", reference.local)
    rng = random.Random(6)
    for _ in range(20):
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
def test_cross_entropy_of_large_logits_is_finite(losses):
    loss = losses.cross_entropy([losses.Value(1000.0), losses.Value(0.0), losses.Value(-1000.0)], 1)
    assert loss.data == pytest.approx(1000.0), f"-log softmax at logits (1000, 0, -1000), class 1, is 1000: {loss.data}"


@pytest.mark.exercise(8)
@pytest.mark.points(1)
def test_adam_with_custom_betas_and_eps_matches_torch(optim):
    # torch 2.13 torch.optim.Adam([p], lr=0.05, betas=(0.8, 0.99), eps=1e-3), p = 1.0 (float64).
    expected = [0.9500998003992016, 0.9742055573322206, 0.9487047622052405, 0.9290829001533786, 0.9209439883186168]
    param, m, v, path = 1.0, 0.0, 0.0, []
    for t, grad in enumerate([0.5, -1.2, 3.0, 0.01, -0.7], start=1):
        param, m, v = optim.adam_step(param, grad, m, v, t, lr=0.05, betas=(0.8, 0.99), eps=1e-3)
        path.append(param)
    assert path == pytest.approx(expected, rel=1e-12), f"torch goes {expected}, yours {path}"
